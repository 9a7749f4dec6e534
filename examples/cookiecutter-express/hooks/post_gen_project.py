"""cookiecutter post-generation hook: add a production Dockerfile and a measured .dockerignore to the
new project with dockgen's Python API (the project's Node version comes from its engines field).

Re-generating over an existing project (`cookiecutter --overwrite-if-exists`) runs the hook again:
when dockgen already generated the project (its merge base .dockgen/rendered/ is there), it runs
`dockgen update --write` instead, which keeps edits to the Dockerfile and stops on a conflict."""

import sys
from pathlib import Path

try:
    import dockgen
except ImportError:
    sys.exit("dockgen is not installed in the Python running cookiecutter: pip install dockgen")

project = Path.cwd()  # cookiecutter runs this hook in the generated project's directory
port = int("{{ cookiecutter.port | urlencode }}")  # a number (pre_gen_project.py checked it)
try:
    if (project / ".dockgen" / "rendered").is_dir():
        updated = dockgen.update(project, port=port, write=True)
        for change in updated.files:
            print(f"dockgen: {change.status} {change.path}")
        if updated.conflicted:
            sys.exit("dockgen: your edits conflict with the new render; nothing was written\n"
                     "hint: run `dockgen update` in the project to see the conflict")
    else:
        result = dockgen.generate(project, port=port)
        for outcome in result.outcomes:
            print(f"dockgen: {outcome.status.value} {outcome.path}")
        if any(o.status.value == "conflict" for o in result.outcomes):
            sys.exit("dockgen: a Dockerfile or .dockerignore is already there and differs; nothing was written\n"
                     "hint: run `dockgen init --dry-run --diff` in the project to compare")
        print(f"dockgen: {result.plan.template}, {result.plan.runtime.name} {result.plan.runtime.resolved}; "
              f"answers in {result.answers.path if result.answers else 'nothing'}")
except dockgen.DockgenError as exc:
    sys.exit(f"dockgen: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))
