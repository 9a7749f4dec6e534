"""The scaffolding examples, run by the real generators (cookiecutter and copier, from PyPI) without an
engine: the generated projects get a Dockerfile that passes Docker's parser, hadolint and dockgen's
invariants, their answers are recorded where the issue says, and dockgen sees them as current.
tests/e2e/test_scaffolding.py builds and runs the same projects."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .dockerfile_checks import check_invariants, hadolint_findings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


def _dockgen(*args: str) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "-m", "dockgen", *args)


def check_generated(project: Path) -> str:
    """The project's Dockerfile passes Docker's parser, hadolint and dockgen's invariants for its plan."""
    text = (project / "Dockerfile").read_text()
    proc = _dockgen("plan", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    check_invariants(text, port=plan["port"], init=plan["init"] or None)
    assert hadolint_findings(text) == []
    return text


def copier(dest: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    data = [a for pair in answers for a in ("-d", pair)]
    return _run(str(BIN / "copier"), "copy", "--trust", "--defaults", "--quiet", *data,
                str(REPO / "examples" / "copier-fastapi"), str(dest))


def test_cookiecutter_example_generates_a_current_project(tmp_path: Path) -> None:
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
                str(REPO / "examples" / "cookiecutter-express"), "project_name=Stock Levels", "node_major=24")
    assert proc.returncode == 0, proc.stderr[-2000:]
    project = tmp_path / "stock-levels"
    text = check_generated(project)
    assert "ARG NODE_VERSION=24." in text
    answers = tomllib.loads((project / ".dockgen.toml").read_text())
    assert answers["port"] == 3000 and answers["dockgen-version"]
    assert _dockgen("check", str(project)).returncode == 0


def test_cookiecutter_regeneration_merges_and_keeps_a_hand_edit(tmp_path: Path) -> None:
    """`cookiecutter --overwrite-if-exists` over the project runs the hook again: dockgen update merges."""
    example = str(REPO / "examples" / "cookiecutter-express")
    assert _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path), example).returncode == 0
    dockerfile = tmp_path / "hello-api" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("\nUSER ", '\nENV HAND_EDIT="kept"\nUSER ', 1))
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "--overwrite-if-exists", "-o", str(tmp_path), example,
                "port=8081", "node_major=22")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "dockgen: merge Dockerfile" in proc.stdout
    merged = dockerfile.read_text()
    assert 'ENV HAND_EDIT="kept"' in merged and "EXPOSE 8081" in merged and "ARG NODE_VERSION=22." in merged


@pytest.mark.parametrize(("image", "python"), [("python-slim", "3.13"), ("python-distroless", "3.11")])
def test_copier_example_generates_a_current_project(tmp_path: Path, image: str, python: str) -> None:
    project = tmp_path / "orders-api"
    proc = copier(project, "project_name=Orders API", "port=8080", f"image={image}", f"python_version={python}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"dockgen: {image}, python {python}." in proc.stdout
    text = check_generated(project)
    assert "EXPOSE 8080" in text and "app.main:app" in text
    # a Python app: the answers are in its pyproject.toml, not a .dockgen.toml, and only those given
    assert not (project / ".dockgen.toml").exists()
    tool = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["dockgen"]
    assert {k: v for k, v in tool.items() if k != "dockgen-version"} == {"template": image, "port": 8080}
    assert (project / ".dockgen" / "rendered" / "Dockerfile").read_text() == text
    assert _dockgen("check", str(project)).returncode == 0
    # the Python version was not recorded: it follows the project's .python-version
    newer = {"3.13": "3.14", "3.11": "3.13"}[python]  # distroless has Debian's Pythons only
    (project / ".python-version").write_text(f"{newer}\n")
    upd = _dockgen("update", str(project), "--write")
    assert upd.returncode == 0, upd.stdout + upd.stderr
    assert f"{newer}." in (project / "Dockerfile").read_text()
    assert _dockgen("check", str(project)).returncode == 0


def test_copier_example_rejects_a_bad_slug(tmp_path: Path) -> None:
    proc = copier(tmp_path / "x", "project_slug=Orders API")
    assert proc.returncode != 0
    assert "lowercase letters, digits and dashes" in proc.stdout + proc.stderr
    assert not (tmp_path / "x" / "Dockerfile").exists()


def test_copier_recopy_runs_dockgen_update_and_keeps_a_hand_edit(tmp_path: Path) -> None:
    """copier runs the task again on recopy/update; the task then merges (dockgen update --write)
    instead of refusing the existing Dockerfile, and copier's overwrite of pyproject.toml does not lose
    the answers: the task records them again."""
    project = tmp_path / "svc"
    assert copier(project, "port=8000").returncode == 0
    text = (project / "Dockerfile").read_text()
    (project / "Dockerfile").write_text(text.replace("\nUSER ", '\nENV HAND_EDIT="kept"\nUSER ', 1))
    proc = _run(str(BIN / "copier"), "recopy", "--trust", "--defaults", "--overwrite", "--quiet", "-d", "port=9000",
                cwd=project)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "dockgen: merge Dockerfile" in proc.stdout
    merged = (project / "Dockerfile").read_text()
    assert 'ENV HAND_EDIT="kept"' in merged and "EXPOSE 9000" in merged and "EXPOSE 8000" not in merged
    assert tomllib.loads((project / "pyproject.toml").read_text())["tool"]["dockgen"]["port"] == 9000
    # a conflicting edit stops the task (copier reports the failure) and the file is left as it was
    conflicting = merged.replace("EXPOSE 9000", "EXPOSE 9001")
    (project / "Dockerfile").write_text(conflicting)
    proc = _run(str(BIN / "copier"), "recopy", "--trust", "--defaults", "--overwrite", "--quiet", "-d", "port=9100",
                cwd=project)
    assert proc.returncode != 0 and "conflict" in proc.stdout + proc.stderr
    assert (project / "Dockerfile").read_text() == conflicting


@pytest.mark.parametrize(("answers", "message"), [
    (("project_name=Bad Port", "port=abc"), "port 'abc' is not a TCP port"),
    (('project_name=Orders "API"',), "is not an npm package name"),
])
def test_cookiecutter_example_refuses_bad_answers_before_making_anything(tmp_path: Path, answers: tuple[str, ...],
                                                                          message: str) -> None:
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
                str(REPO / "examples" / "cookiecutter-express"), *answers)
    assert proc.returncode != 0 and message in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cookiecutter_example_escapes_what_goes_into_json(tmp_path: Path) -> None:
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
                str(REPO / "examples" / "cookiecutter-express"), 'description=He said "hi" \\o/')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((tmp_path / "hello-api" / "package.json").read_text())["description"] == 'He said "hi" \\o/'


@pytest.mark.parametrize("port", ["08080", "0", "65536", "+8080", " 8080",
                                  "\u0668\u0660\u0668\u0660", "\uff18\uff10\uff18\uff10"])  # Arabic, fullwidth
def test_cookiecutter_example_refuses_ports_server_js_cannot_use(tmp_path: Path, port: str) -> None:
    """server.js gets the port as a JS number: a leading zero is a SyntaxError there, and only ASCII
    digits are digits."""
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
                str(REPO / "examples" / "cookiecutter-express"), f"port={port}")
    assert proc.returncode != 0 and f"port {port!r} is not a TCP port" in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cookiecutter_example_takes_the_highest_port(tmp_path: Path) -> None:
    proc = _run(str(BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
                str(REPO / "examples" / "cookiecutter-express"), "port=65535")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "65535" in (tmp_path / "hello-api" / "server.js").read_text()
