"""The distribution as the package index would get it: ``python -m build`` makes the sdist and, from it,
the wheel (in a copy of the tree, so the checkout gets no build/ or egg-info). The wheel holds the
templates, the data tables and py.typed, says it is dockgen-cli under the MIT license expression and
installs the ``dockgen`` command; installed on its own it plans an app. The unpacked sdist holds the
tests and the fixtures: pytest collects the same tests there as here, and the goldens pass there.

Takes about 30 s (the build's isolated environment installs setuptools from the package index).
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from .apps import make_app
from .conftest import ROOT

IGNORED = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", "build", "dist",
                                 ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.pyc")


def env_without_dockgen() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKGEN") and k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("packaging")
    tree = work / "tree"
    shutil.copytree(ROOT, tree, ignore=IGNORED, symlinks=True)
    dist = work / "dist"
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(tree)], capture_output=True,
                          text=True, env=env_without_dockgen(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return work, wheel, sdist


def test_wheel_contents_and_metadata(built: tuple[Path, Path, Path]) -> None:
    _, wheel, _ = built
    assert wheel.name.startswith("dockgen_cli-") and wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(f"{info}/METADATA").decode())
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert "dockgen/py.typed" in names and "dockgen/dockerparse.py" in names
    for template in ("node-slim", "node-distroless", "node-alpine-nonroot", "python-slim", "python-distroless",
                     "bun-slim", "bun-distroless", "static-nginx"):
        assert f"dockgen/templates/{template}.Dockerfile.j2" in names
    assert {"dockgen/templates/_common.j2", "dockgen/data/node_releases.json",
            "dockgen/data/python_releases.json"} <= names
    assert f"{info}/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "fixtures/")) for n in names)
    assert meta["Name"] == "dockgen-cli"
    assert meta["Version"] == __import__("dockgen").__version__
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert meta["Requires-Python"] == ">=3.11"
    requires = meta.get_all("Requires-Dist") or []
    assert not any(r.startswith("dockerfile") and "extra ==" not in r for r in requires), requires
    assert 'dockerfile>=3.3; extra == "exact"' in requires
    assert "exact" in (meta.get_all("Provides-Extra") or [])
    assert any(u.startswith("Source, https://") for u in meta.get_all("Project-URL") or [])
    assert "Typing :: Typed" in (meta.get_all("Classifier") or [])
    assert "[console_scripts]\ndockgen = dockgen.cli:main" in entry_points


def test_the_wheel_alone_plans_an_app(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """Installed from the wheel (no source tree on the path), dockgen finds its templates and data."""
    _, wheel, _ = built
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    app = make_app(tmp_path / "app")
    env = env_without_dockgen()
    env["PYTHONPATH"] = str(target)
    proc = subprocess.run([sys.executable, "-c", "import dockgen, sys; print(dockgen.__file__); "
                           "from dockgen.cli import main; sys.argv = ['dockgen', 'init', '--dry-run', sys.argv[1]]; "
                           "main()", str(app)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(str(target))
    assert "Dockerfile" in proc.stdout and not (app / "Dockerfile").exists()


def test_the_sdist_runs_its_tests(built: tuple[Path, Path, Path]) -> None:
    work, _, sdist = built
    with tarfile.open(sdist) as tf:
        tf.extractall(work / "unpacked", filter="data")
    (top,) = (work / "unpacked").iterdir()
    for needed in ("tests/conftest.py", "tests/test_goldens.py", "fixtures/apps", "fixtures/migrate",
                   "fixtures/real", "examples", "LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml",
                   "src/dockgen/templates/node-slim.Dockerfile.j2"):
        assert (top / needed).exists(), needed
    env = env_without_dockgen()
    env["PYTHONPATH"] = str(top / "src")

    def collected(where: Path) -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                              capture_output=True, text=True, cwd=where,
                              env={**env, "PYTHONPATH": str(where / "src")}, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return [line for line in proc.stdout.splitlines() if "::" in line]

    there = collected(top)
    assert len(there) > 500 and there == collected(ROOT)
    goldens = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                              "tests/test_goldens.py"], capture_output=True, text=True, cwd=top, env=env, timeout=600)
    assert goldens.returncode == 0, goldens.stdout[-3000:] + goldens.stderr[-3000:]
