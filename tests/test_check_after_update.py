"""`dockgen check` and `dockgen migrate` after `dockgen update --write` kept hand edits (and restamped
them), and after the recorded answers changed: the CLI on real trees."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dockgen.answers import ANSWERS_FILE, RENDERED_DIR

from .apps import make_app
from .conftest import FIXTURES
from .test_cli import run

ADDED = 'RUN ["/nodejs/bin/node", "-e", "1"]\n'


def _add_before_user(dockerfile: Path, line: str = ADDED) -> None:
    text = dockerfile.read_text()
    assert "\nUSER " in text
    dockerfile.write_text(text.replace("\nUSER ", f"\n{line}USER ", 1))


def _kept_by_update(app: Path) -> None:
    """init, a hand edit before USER, `update --write` keeps it (restamped): check accepts it."""
    assert run("init", app).returncode == 0
    _add_before_user(app / "Dockerfile")
    proc = run("update", app, "--write")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ADDED in (app / "Dockerfile").read_text()
    check = run("check", app)
    assert check.returncode == 0 and "includes your edits" in check.stdout, check.stdout + check.stderr


def _migrate(app: Path) -> dict[str, object]:
    proc = run("migrate", app, "--json")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


# -- migrate: a restamped file is not dockgen's own render -----------------------------------------------

def test_migrate_lists_the_edits_update_kept_as_not_carried_over(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "express-slim" / "app", app)
    _kept_by_update(app)
    data = _migrate(app)
    assert "written by dockgen: re-planned with its own options" not in data["carried"]
    notes = data["not_carried"]
    assert isinstance(notes, list) and any("RUN /nodejs/bin/node -e 1" in n for n in notes), notes
    # the text output lists it under "not carried over" too
    out = run("migrate", app).stdout
    assert "not carried over:" in out and out.index("RUN /nodejs/bin/node -e 1") > out.index("not carried over:")


def test_migrate_still_replans_dockgens_own_render(tmp_path: Path) -> None:
    """Unedited, and unedited after an update that changed dockgen's render: dockgen's own file."""
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "express-slim" / "app", app)
    assert run("init", app).returncode == 0
    data = _migrate(app)
    assert data["carried"] == ["written by dockgen: re-planned with its own options"] and data["not_carried"] == []
    assert run("update", app, "--port", "8080", "--write").returncode == 0
    assert "EXPOSE 8080" in (app / "Dockerfile").read_text()
    data = _migrate(app)
    assert data["carried"] == ["written by dockgen: re-planned with its own options"] and data["not_carried"] == []


def test_migrate_without_a_rendered_base_trusts_the_stamp(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    shutil.rmtree(app / ".dockgen")
    assert _migrate(app)["carried"] == ["written by dockgen: re-planned with its own options"]


# -- check: changed recorded answers ---------------------------------------------------------------------

def test_check_sees_a_changed_answer_in_pyproject(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "django-uv" / "app", app)
    assert run("init", app, "--python-version", "3.12").returncode == 0
    assert run("check", app).returncode == 0
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    assert 'python-version = "3.12"' in text
    pyproject.write_text(text.replace('python-version = "3.12"', 'python-version = "3.13"'))
    assert run("init", app, "--check").returncode == 4  # init sees it: check must too
    proc = run("check", app, "--json")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "stale"
    assert "the recorded answers changed: python-version 3.12 -> 3.13" in data["reasons"]
    assert "+ARG PYTHON_VERSION=3.13." in data["diff"] and "-ARG PYTHON_VERSION=3.12." in data["diff"]
    # update renders with the answers: current again
    assert run("update", app, "--write").returncode == 0
    assert run("check", app).returncode == 0


def test_check_sees_an_added_and_a_removed_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--template", "node-slim").returncode == 0
    answers = app / ANSWERS_FILE
    text = answers.read_text()
    answers.write_text(text.replace('template = "node-slim"\n', "") + "port = 8080\n")
    proc = run("check", app)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "the recorded answers changed: template node-slim -> unset, port unset -> 8080" in proc.stdout
    assert "+EXPOSE 8080" in proc.stdout


def test_check_fails_clearly_on_an_invalid_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    with (app / ANSWERS_FILE).open("a") as fh:
        fh.write("port = 0\n")
    proc = run("check", app)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "port = 0 is not a port" in proc.stderr and "Traceback" not in proc.stderr


# -- check: restamped, then reverted by hand to dockgen's render ---------------------------------------------

def test_check_says_a_reverted_body_only_needs_a_new_stamp(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    _kept_by_update(app)
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(ADDED, "", 1))
    rendered = (app / RENDERED_DIR / "Dockerfile").read_text()
    assert dockerfile.read_text() != rendered  # the body is the render's, the stamp is update's
    proc = run("check", app, "--json", "--strict")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] != "current" and data["diff"] is None
    assert data["reasons"] == ["the body is dockgen's render again; only the stamp is stale: "
                               "`dockgen update --write` refreshes it"]
    assert "edited by hand" not in run("check", app, "--strict").stdout
    lenient = run("check", app, "--json")  # CI's default: the instructions are dockgen's, a note says so
    assert lenient.returncode == 0 and json.loads(lenient.stdout)["notes"] == data["reasons"], lenient.stdout
    assert run("update", app, "--write").returncode == 0
    assert dockerfile.read_text() == rendered
    assert run("check", app).returncode == 0
