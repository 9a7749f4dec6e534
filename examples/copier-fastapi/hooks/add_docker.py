"""copier task: add a production Dockerfile and a measured .dockerignore to the new project with
dockgen's Python API. copier runs it in the generated project's directory with the Python that runs
copier; dockgen records its answers in [tool.dockgen] of the project's pyproject.toml. The Python
version is not passed: dockgen reads the project's .python-version, so changing that file later and
running `dockgen update` moves the image with it.

copier runs tasks again on `copier update` and `copier recopy`: when dockgen already generated the
project (its merge base .dockgen/rendered/ is there), this runs `dockgen update --write` instead,
which keeps your edits to the Dockerfile and stops on a conflict rather than overwrite one."""

import argparse
import sys
from pathlib import Path

try:
    import dockgen
except ImportError:
    sys.exit("dockgen is not installed in the Python running copier: pip install dockgen")

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--image", required=True, help="a dockgen template name")
args = parser.parse_args()
project = Path.cwd()

try:
    if (project / ".dockgen" / "rendered").is_dir():
        updated = dockgen.update(project, port=args.port, template=args.image, write=True)
        for change in updated.files:
            print(f"dockgen: {change.status} {change.path}")
        if updated.conflicted:
            sys.exit("dockgen: your edits conflict with the new render; nothing was written\n"
                     "hint: run `dockgen update` in the project to see the conflict")
    else:
        result = dockgen.generate(project, port=args.port, template=args.image)
        for outcome in result.outcomes:
            print(f"dockgen: {outcome.status.value} {outcome.path}")
        if any(o.status.value == "conflict" for o in result.outcomes):
            sys.exit("dockgen: a Dockerfile or .dockerignore is already there and differs; nothing was written\n"
                     "hint: run `dockgen init --dry-run --diff` in the project to compare")
        print(f"dockgen: {result.plan.template}, {result.plan.runtime.name} {result.plan.runtime.resolved}; "
              f"answers in {result.answers.path if result.answers else 'nothing'}")
except dockgen.DockgenError as exc:
    sys.exit(f"dockgen: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))
