"""Recorded answers: where they go, the round trip, precedence, bad answers."""

from __future__ import annotations

import json
import os
import shutil
import stat
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
    assert "recorded        .dockgen.toml  (template=node-slim, node-version=22, port=8080)" in first.stdout
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


def _django(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "django-uv" / "app", app)
    return app


def test_a_crlf_pyproject_keeps_its_line_endings(tmp_path: Path) -> None:
    app = _django(tmp_path)
    pyproject = app / "pyproject.toml"
    before = pyproject.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"# ours\r\n"
    pyproject.write_bytes(before)
    done = dockgen.generate(app, python_version="3.13")
    assert done.answers is not None and done.answers.written
    after = pyproject.read_bytes()
    assert after.startswith(before), "every line of the file stays as it was"
    added = after[len(before):]
    assert added.startswith(b"\r\n[tool.dockgen]\r\n") and added.count(b"\n") == added.count(b"\r\n")
    assert tomllib.loads(after.decode())["tool"]["dockgen"]["python-version"] == "3.13"
    # a re-run records nothing new: identical, not rewritten
    again = dockgen.generate(app)
    assert again.answers is not None and again.answers.status is WriteStatus.IDENTICAL
    assert pyproject.read_bytes() == after
    # a changed answer changes its line only, in CRLF
    dockgen.generate(app, python_version="3.12", force=True)
    old_lines, new_lines = after.split(b"\n"), pyproject.read_bytes().split(b"\n")
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [(b'python-version = "3.13"\r', b'python-version = "3.12"\r')]


def test_a_crlf_dockgen_toml_keeps_its_line_endings_and_comments(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    before = b"# ours: keep port 3000 for the load balancer\r\nport = 3000\r\n"
    (app / ANSWERS_FILE).write_bytes(before)
    assert run("init", app, "--template", "node-slim").returncode == 0
    after = (app / ANSWERS_FILE).read_bytes()
    assert after.startswith(before) and b'template = "node-slim"\r\n' in after
    assert after.count(b"\n") == after.count(b"\r\n")


def test_crlf_in_the_middle_of_a_mixed_file_is_left_alone(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    before = b"# lf line\nport = 3000\r\n# no final newline"
    (app / ANSWERS_FILE).write_bytes(before)
    assert run("init", app, "--template", "node-slim").returncode == 0
    after = (app / ANSWERS_FILE).read_bytes()
    assert after.startswith(b"# lf line\nport = 3000\r\n# no final newline")  # untouched lines byte for byte
    assert b'template = "node-slim"' in after and tomllib.loads(after.decode())["port"] == 3000


def test_a_pyproject_linked_from_outside_the_app_is_not_written(tmp_path: Path) -> None:
    """A monorepo whose app links ../shared/pyproject.toml: dockgen writes only inside the app, so
    recording the answers there is refused with a hint; --no-record works and leaves it alone."""
    app = _django(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (app / "pyproject.toml").rename(shared / "pyproject.toml")
    (app / "pyproject.toml").symlink_to("../shared/pyproject.toml")
    before = (shared / "pyproject.toml").read_bytes()
    proc = run("init", app, "--python-version", "3.13")
    assert proc.returncode == 1 and "pyproject.toml leads outside the app" in proc.stderr
    assert "--no-record" in proc.stderr and not (app / "Dockerfile").exists()
    assert run("init", app, "--python-version", "3.13", "--no-record").returncode == 0
    assert (shared / "pyproject.toml").read_bytes() == before and (app / "pyproject.toml").is_symlink()


def test_a_dockgen_toml_linked_inside_the_app_stays_a_link(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "config").mkdir()
    (app / "config" / "answers.toml").write_text("port = 3000\n")
    (app / ANSWERS_FILE).symlink_to("config/answers.toml")
    assert run("init", app, "--template", "node-slim").returncode == 0
    assert (app / ANSWERS_FILE).is_symlink()
    assert tomllib.loads((app / "config" / "answers.toml").read_text())["template"] == "node-slim"


def test_a_read_only_pyproject_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    app = _django(tmp_path)
    os.chmod(app / "pyproject.toml", 0o444)  # tests run as root: the mode bits decide, not access()
    before = snapshot(app)
    proc = run("init", app, "--python-version", "3.13")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: pyproject.toml is read-only", lines
    assert lines[1].startswith("hint: make it writable (chmod u+w pyproject.toml)") and "--no-record" in lines[1]
    assert snapshot(app) == before and not (app / "Dockerfile").exists() and not (app / ".dockgen").exists()
    assert stat.S_IMODE((app / "pyproject.toml").stat().st_mode) == 0o444
    # the hint's way out: --no-record writes the Dockerfile and leaves pyproject.toml alone
    assert run("init", app, "--no-record").returncode == 0
    assert (app / "Dockerfile").exists() and (app / "pyproject.toml").read_bytes() == before["pyproject.toml"]


def test_a_recorded_answer_is_named_as_such_and_files_do_not_say_which(tmp_path: Path) -> None:
    """Messages name where an option came from (a flag, or the answers file); the generated files name
    neither, so a re-run without the flag (using the answer) writes the same Dockerfile."""
    app = make_app(tmp_path / "app", files={".nvmrc": "20\n"})
    first = run("init", app, "--node-version", "22")
    assert first.returncode == 0, first.stderr
    assert "--node-version" in first.stderr  # the .nvmrc warning names the flag given
    text = (app / "Dockerfile").read_text()
    assert "from the node-version option '22'" in text and "--node-version" not in text
    plan = run("plan", app)
    assert "recorded node-version (.dockgen.toml) asks for '22'" in plan.stdout
    assert "from recorded node-version (.dockgen.toml)" in plan.stderr and "--node-version" not in plan.stderr
    again = run("init", app)
    assert again.returncode == 0 and "identical       Dockerfile" in again.stdout
    answers = (app / ANSWERS_FILE).read_text()
    (app / ANSWERS_FILE).write_text(answers.replace('node-version = "22"', 'template = "nope"'))
    bad = run("init", app)
    assert bad.returncode == 1 and "error: recorded template (.dockgen.toml): unknown template 'nope'" in bad.stderr
    (app / ANSWERS_FILE).write_text(answers.replace('node-version = "22"', 'language = "ruby"'))
    bad = run("init", app)
    assert bad.returncode == 1 and "error: .dockgen.toml: language = 'ruby' is not a language" in bad.stderr


@pytest.mark.parametrize("value", ["3.12.x", "banana", "3.12.*x"])
def test_a_bad_python_version_is_an_error_and_not_recorded(tmp_path: Path, value: str) -> None:
    app = shutil.copytree(FIXTURES / "fastapi-uv" / "app", tmp_path / "app")
    before = snapshot(app)
    proc = run("init", app, "--python-version", value)
    assert proc.returncode == 1
    assert f"error: --python-version: '{value}' is not a" in proc.stderr and "hint:" in proc.stderr
    assert snapshot(app) == before


def test_a_template_dir_outside_the_app_is_recorded_relative_to_it(tmp_path: Path) -> None:
    """`--template-dir ../shared` (a flag: relative to the working directory) is recorded relative to the
    app's root, so the answers work in any clone and from any working directory (inside the checkout:
    a recorded directory may not lead out of it, see tests/test_untrusted_templates.py)."""
    import subprocess
    import sys

    repo = tmp_path / "repo"
    app = make_app(repo / "app")
    (repo / ".git").mkdir()  # a checkout
    shared = repo / "shared"
    shared.mkdir()
    shutil.copy(Path(dockgen.__file__).parent / "templates" / "node-slim.Dockerfile.j2", shared)
    proc = subprocess.run([sys.executable, "-m", "dockgen", "init", ".", "--template-dir", "../shared", "-t",
                           "node-slim"], cwd=app, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert tomllib.loads((app / ANSWERS_FILE).read_text())["template-dir"] == "../shared"
    assert str(tmp_path) not in (app / "Dockerfile").read_text()  # nothing of this machine in the files
    moved = shutil.move(str(repo), str(tmp_path / "clone"))
    again = run("init", Path(moved) / "app")  # from another working directory, in a "clone"
    assert again.returncode == 0 and "identical       Dockerfile" in again.stdout, again.stderr


def test_answers_in_two_places_are_an_error(tmp_path: Path) -> None:
    app = shutil.copytree(FIXTURES / "fastapi-uv" / "app", tmp_path / "app")
    assert run("init", app, "--port", "9000").returncode == 0
    (app / ANSWERS_FILE).write_text("port = 9100\n")
    proc = run("init", app)
    assert proc.returncode == 1 and "answers are recorded twice" in proc.stderr and "hint: keep one" in proc.stderr


def test_answers_of_a_newer_dockgen_are_warned_about_and_update_says_what_it_recorded(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--port", "9000").returncode == 0
    answers = app / ANSWERS_FILE
    answers.write_text(answers.read_text().replace(f'dockgen-version = "{dockgen.__version__}"',
                                                   'dockgen-version = "99.0"'))
    proc = run("init", app)
    assert "warning: the answers were recorded by dockgen 99.0, newer than this one" in proc.stderr
    assert 'dockgen-version = "99.0"' in answers.read_text()  # never lowered: the next run warns again
    assert "warning: the answers were recorded by dockgen 99.0" in run("plan", app).stderr
    assert "warning: answers recorded by dockgen 99.0" in run("update", app).stderr
    upd = run("update", app, "--port", "9001", "--write")
    assert upd.returncode == 0 and f"recorded        {ANSWERS_FILE}  (port=9001)" in upd.stdout
    report = json.loads(run("update", app, "--json").stdout)
    assert report["options"] == {"port": 9001} and report["answers_written"] is False
    init = json.loads(run("init", app, "--json", "--template", "node-slim").stdout)
    assert init["options"] == {"template": "node-slim", "port": 9001}


def test_a_dry_run_measures_pyproject_toml_as_it_would_be_with_the_answers(tmp_path: Path) -> None:
    """init --dry-run does not write the answers into pyproject.toml, but shows the .dockerignore the
    real run writes: its figures count pyproject.toml at the size it is about to have."""
    app = shutil.copytree(FIXTURES / "fastapi-uv" / "app", tmp_path / "app")
    dry = run("init", app, "--port", "8001", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout)["context"]
    assert "[tool.dockgen]" not in (app / "pyproject.toml").read_text()
    real = json.loads(run("init", app, "--port", "8001", "--json").stdout)["context"]
    assert shown == real and "[tool.dockgen]" in (app / "pyproject.toml").read_text()
