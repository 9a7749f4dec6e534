"""The command as a user runs it: output, --json, exit codes, errors with hints, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .apps import make_app


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKGEN")}
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def test_version_and_help() -> None:
    assert run("--version").stdout.strip().startswith("dockgen 0.")
    out = run("--help").stdout
    assert "Examples:" in out and "dockgen init" in out and "Exit codes" in out
    for cmd in ("detect", "plan", "init", "templates"):
        assert run(cmd, "--help").returncode == 0


def test_detect_json_contract(tmp_path: Path) -> None:
    app = make_app(tmp_path, files={".nvmrc": "22\n"})
    proc = run("detect", app, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("language", "package_manager", "package_manager_version", "lockfile", "runtime", "framework",
                "build_command", "start_command", "port"):
        assert key in data
    assert data["language"] == "node" and data["package_manager"] == "npm"
    assert data["lockfile"] == "package-lock.json" and data["package_manager_version"] is None
    assert data["runtime"]["requested"] == "22" and data["runtime"]["source"] == ".nvmrc"
    assert data["runtime"]["resolved"].startswith("22.")
    assert data["framework"] == "express" and data["build_command"] is None
    assert data["start_command"] == ["node", "server.js"] and data["port"] == 3000


def test_init_writes_then_reports_identical(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = run("init", app)
    assert first.returncode == 0, first.stderr
    assert "create" in first.stdout and (app / "Dockerfile").exists() and (app / ".dockerignore").exists()
    again = run("init", app, "--json")
    data = json.loads(again.stdout)
    assert [f["status"] for f in data["files"]] == ["identical", "identical"]


def test_init_conflict_exit_code_and_nothing_written(tmp_path: Path) -> None:
    app = make_app(tmp_path, files={"Dockerfile": "FROM node:14\nCOPY . ./\nRUN npm install\n"})
    proc = run("init", app)
    assert proc.returncode == 3
    assert "error: Dockerfile exists and differs" in proc.stderr and "hint:" in proc.stderr
    assert (app / "Dockerfile").read_text().startswith("FROM node:14")
    assert not (app / ".dockerignore").exists()
    forced = run("init", app, "--force", "--diff")
    assert forced.returncode == 0 and "-FROM node:14" in forced.stdout and "Dockerfile.bak" in forced.stdout
    assert (app / "Dockerfile.bak").read_text().startswith("FROM node:14")


def test_dry_run_and_diff_write_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    proc = run("init", app, "--dry-run", "--diff")
    assert proc.returncode == 0 and "would create" in proc.stdout and "+FROM node:" in proc.stdout
    assert not (app / "Dockerfile").exists()


def test_check_reports_drift(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert run("init", app, "--check").returncode == 4
    run("init", app)
    assert run("init", app, "--check").returncode == 0
    # an existing file that differs is drift too (exit 4, as documented), and nothing is written
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# edited\n")
    before = dockerfile.read_text()
    proc = run("init", app, "--check")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "differs" in proc.stdout and "Dockerfile differs from what dockgen would write" in proc.stderr
    assert dockerfile.read_text() == before


@pytest.mark.parametrize(("setup", "args", "message"), [
    ("none", (), "no package.json"),
    ("malformed", (), "invalid JSON at line 2, column"),
    ("engines", (), "no Node.js release satisfies '>99'"),
    ("plain", ("--template", "nope"), "unknown template 'nope'"),
    ("plain", ("--node-version", "lts/nope"), "unknown LTS codename"),
    ("dir", (), "is a directory"),
])
def test_bad_input_is_one_clear_line_with_a_hint(tmp_path: Path, setup: str, args: tuple[str, ...],
                                                 message: str) -> None:
    tmp_path.mkdir(exist_ok=True)
    if setup == "malformed":
        (tmp_path / "package.json").write_text('{"name": "a",\n  "scripts": }\n')
    elif setup == "engines":
        make_app(tmp_path, package={"name": "a", "engines": {"node": ">99"}, "scripts": {"start": "node s.js"}})
    elif setup == "plain":
        make_app(tmp_path)
    elif setup == "dir":
        (tmp_path / "package.json").mkdir()
    proc = run("init", tmp_path, *args)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert lines[1].startswith("hint: ") and len(lines) == 2
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "Dockerfile").exists()


def test_unreadable_package_json(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    os.chmod(tmp_path, 0o755)
    os.chmod(app, 0o755)
    os.chmod(app / "package.json", 0o000)
    # root reads any file: drop the capabilities that let it (setpriv, util-linux) so 000 really denies
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.fail("running as root needs setpriv (util-linux) to make a file unreadable")
    proc = subprocess.run([*prefix, sys.executable, "-m", "dockgen", "detect", str(app)], capture_output=True,
                          text=True, timeout=60)
    code, err = proc.returncode, proc.stderr
    assert code == 1, err
    assert "package.json: permission denied" in err and "hint:" in err and "Traceback" not in err


def test_missing_directory(tmp_path: Path) -> None:
    proc = run("detect", tmp_path / "nope")
    assert proc.returncode == 1 and "no such directory" in proc.stderr


def test_templates_lists_the_builtins() -> None:
    data = json.loads(run("templates", "--json").stdout)
    assert {t["name"] for t in data} >= {"node-distroless", "node-slim", "node-alpine-nonroot"}


def test_fast_detect_path_prints_what_the_typer_command_prints(tmp_path: Path) -> None:
    """`dockgen detect` is served before typer is imported; the typer command must agree with it."""
    from typer.testing import CliRunner

    from dockgen.cli.commands import app

    project = make_app(tmp_path, files={".nvmrc": "lts/*\n"})
    for extra in ([], ["--json"]):
        fast = run("detect", project, *extra)
        slow = CliRunner().invoke(app, ["detect", str(project), *extra])
        assert fast.returncode == slow.exit_code == 0
        assert fast.stdout == slow.stdout


def test_detect_does_not_import_typer(tmp_path: Path) -> None:
    project = make_app(tmp_path)
    code = ("import sys; from dockgen.cli import main\n"
            "try:\n    main(['detect', sys.argv[1], '--json'])\nexcept SystemExit:\n    pass\n"
            "assert 'typer' not in sys.modules, 'typer was imported'")
    proc = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
