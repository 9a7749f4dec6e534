"""copier task: add a production Dockerfile and a measured .dockerignore to the new project with
dockgen's Python API. copier runs it in the generated project's directory with the Python that runs
copier; dockgen records its answers in [tool.dockgen] of the project's pyproject.toml. The Python
version is not passed: dockgen reads the project's .python-version, so changing that file later and
running `dockgen update` moves the image with it."""

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

try:
    result = dockgen.generate(Path.cwd(), port=args.port, template=args.image)
except dockgen.DockgenError as exc:
    sys.exit(f"dockgen: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))

for outcome in result.outcomes:
    print(f"dockgen: {outcome.status.value} {outcome.path}")
print(f"dockgen: {result.plan.template}, {result.plan.runtime.name} {result.plan.runtime.resolved}; "
      f"answers recorded in {result.answers.path if result.answers else 'nothing'}")
