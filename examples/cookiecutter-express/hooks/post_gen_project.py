"""cookiecutter post-generation hook: add a production Dockerfile and a measured .dockerignore to the
new project with dockgen's Python API (the project's Node version comes from its engines field)."""

import sys
from pathlib import Path

try:
    import dockgen
except ImportError:
    sys.exit("dockgen is not installed in the Python running cookiecutter: pip install dockgen")

try:
    # cookiecutter runs this hook in the generated project's directory
    result = dockgen.generate(Path.cwd(), port=int("{{ cookiecutter.port }}"))
except dockgen.DockgenError as exc:
    sys.exit(f"dockgen: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))

for outcome in result.outcomes:
    print(f"dockgen: {outcome.status.value} {outcome.path}")
print(f"dockgen: {result.plan.template}, {result.plan.runtime.name} {result.plan.runtime.resolved}; "
      f"answers recorded in {result.answers.path if result.answers else 'nothing'}")
