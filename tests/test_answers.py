"""Recorded answers: where they go, the round trip, precedence, bad answers."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

import dockgen
from dockgen.answers import ANSWERS_FILE, read_answers
from dockgen.model import WriteStatus
from dockgen.plan import Options

from .apps import make_app, snapshot
from .conftest import FIXTURES
from .test_cli import run


def test_node_app_round_trip(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", files={".nvmrc": "24\n"})
    first = run("init", app, "--node-version", "22", "--port", "8080", "--template", "node-slim")
    assert first.returncode == 0, first.stderr
    assert "recorded        .dockgen.toml  (template=node-slim, node_version=22, port=8080)" in first.stdout
    data = tomllib.loads((app / ANSWERS_FILE).read_text())
    assert data == {"dockgen-version": dockgen.__version__, "template": "node-slim", "node-version": "22",
                    "port": 8080}
    assert read_answers(app).options == Options(template="node-slim", node_version="22", port=8080)
    tree = snapshot(app)
    assert (app / ".dockgen" / "rendered" / "Dockerfile").read_bytes() == tree["Dockerfile"]
    # a re-run without flags reproduces every file, byte for byte
    again = run("init", app, "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert [f["status"] for f in report["files"]] == ["identical", "identical"]
    assert report["answers"]["status"] == "identical" and report["options"]["node_version"] == "22"
    assert snapshot(app) == tree
    assert "ARG NODE_VERSION=22." in tree["Dockerfile"].decode()  # the answer beats .nvmrc, as a flag does


def test_flags_win_and_are_recorded(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--port", "3000").returncode == 0
    proc = run("init", app, "--port", "9090", "--force", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "EXPOSE 9090" in (app / "Dockerfile").read_text()
    assert tomllib.loads((app / ANSWERS_FILE).read_text())["port"] == 9090
    # --ignore-answers: dockgen's defaults, recorded afresh
    assert run("init", app, "--ignore-answers", "--force").returncode == 0
    assert "port" not in tomllib.loads((app / ANSWERS_FILE).read_text())


def test_python_app_records_in_pyproject_and_keeps_the_rest(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "django-uv" / "app", app)
    with (app / "pyproject.toml").open("a") as fh:
        fh.write("\n# the team's comment\n[tool.ruff]\nline-length = 100  # wide\n")
    before = (app / "pyproject.toml").read_text()
    assert run("init", app, "--python-version", "3.13").returncode == 0
    after = (app / "pyproject.toml").read_text()
    assert after.startswith(before) and not (app / ANSWERS_FILE).exists()
    assert after[len(before):].startswith("\n[tool.dockgen]\n")
    assert tomllib.loads(after)["tool"]["dockgen"]["python-version"] == "3.13"
    assert "line-length = 100  # wide" in after
    check = run("check", app)
    assert check.returncode == 0, check.stdout + check.stderr  # recording answers is not a change of inputs
    tree = snapshot(app)
    assert run("init", app).returncode == 0
    assert snapshot(app) == tree  # a re-run reproduces every file, the measured .dockerignore included


def test_an_existing_dockgen_toml_keeps_its_comments(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / ANSWERS_FILE).write_text('# ours: keep port 3000 for the load balancer\nport = 3000\n')
    assert run("init", app, "--template", "node-slim").returncode == 0
    text = (app / ANSWERS_FILE).read_text()
    assert text.startswith("# ours: keep port 3000 for the load balancer\nport = 3000\n")
    assert 'template = "node-slim"' in text and "EXPOSE 3000" in (app / "Dockerfile").read_text()


@pytest.mark.parametrize(("content", "needle", "hint"), [
    ("prot = 8080\n", "unknown key 'prot'", "did you mean 'port'?"),
    ('port = "eighty"\n', "port = 'eighty' is not a port", "write port = 8080"),
    ("python-version = 3.10\n", "python-version = 3.1 is not a string", 'quote it: python-version = "3.1"'),
    ("allow-list = 1\n", "allow-list = 1 is not true or false", "allow-list = true"),
    ("port = [\n", "invalid TOML", "fix the syntax"),
])
def test_bad_answers_are_one_clear_line(tmp_path: Path, content: str, needle: str, hint: str) -> None:
    app = make_app(tmp_path / "app")
    (app / ANSWERS_FILE).write_text(content)
    proc = run("init", app)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: .dockgen.toml") and needle in lines[0], lines
    assert lines[1].startswith("hint: ") and hint in lines[1], lines
    assert not (app / "Dockerfile").exists()


def test_no_record_and_dry_run(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--dry-run").returncode == 0
    assert not (app / ANSWERS_FILE).exists() and not (app / ".dockgen").exists()
    assert run("init", app, "--no-record").returncode == 0
    assert not (app / ANSWERS_FILE).exists() and not (app / ".dockgen").exists()


def test_recorded_files_stay_out_of_the_build_context(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    done = dockgen.generate(app)
    assert done.outcomes[1].status is WriteStatus.CREATE
    lines = (app / ".dockerignore").read_text().splitlines()
    assert ".dockgen.toml" in lines and ".dockgen" in lines
    listed = run("context", app, "--list", "--dirs").stdout.splitlines()
    assert not any(p.startswith(".dockgen") for p in listed)


def test_allow_list_is_an_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--allow-list").returncode == 0
    assert tomllib.loads((app / ANSWERS_FILE).read_text())["allow-list"] is True
    text = (app / ".dockerignore").read_text()
    assert "\n*\n" in text
    assert run("init", app).returncode == 0 and (app / ".dockerignore").read_text() == text
