"""Issue 11, item 6: hostile or broken input ends in one ``error:`` line and one ``hint:`` line, exit 1.

Each case below tracebacked before (RecursionError, ValueError from int(), an AssertionError or a
ValueError from the renderer). A port out of range is refused, not EXPOSEd. ``context --list`` quotes
names with control characters. The commands run in a subprocess, as a user runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .apps import make_app

FLASK = "from flask import Flask\napp = Flask(__name__)\n"


def dockgen(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                          timeout=60, check=False, cwd=cwd)


def assert_clean_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert lines[-2].startswith("error: ") and lines[-1].startswith("hint: "), proc.stderr
    for needle in needles:
        assert needle in lines[-2], (needle, proc.stderr)


def _python_app(root: Path, pyproject: str | None = None, **files: str) -> Path:
    root.mkdir(parents=True)
    (root / "requirements.txt").write_text(files.pop("requirements", "flask==3.0.0\n"))
    (root / "app.py").write_text(FLASK)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        (root / name.replace("__", ".")).write_text(text)
    return root


def _vite_app(root: Path, out_dir: str) -> Path:
    app = make_app(root, package={"name": "a", "scripts": {"build": "vite build"},
                                  "devDependencies": {"vite": "^5.0.0"}})
    (app / "vite.config.js").write_text(f"export default {{ build: {{ outDir: {json.dumps(out_dir)} }} }}\n")
    (app / "index.html").write_text("<html></html>\n")
    return app


def test_json_nested_thousands_deep(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "package.json").write_text('{"name": "a", "x": ' + "[" * 100000 + "]" * 100000 + "}")
    assert_clean_error(dockgen("init", app, "--dry-run"), "package.json", "nested too deeply")


def test_toml_nested_thousands_deep(tmp_path: Path) -> None:
    app = _python_app(tmp_path / "app", '[project]\nname = "a"\nversion = "1"\nx = ' + "[" * 100000
                      + "]" * 100000 + "\n")
    assert_clean_error(dockgen("init", app, "--dry-run"), "pyproject.toml", "nested too deeply")


def test_answers_toml_nested_thousands_deep(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / ".dockgen.toml").write_text("port = " + "[" * 50000 + "]" * 50000 + "\n")
    assert_clean_error(dockgen("init", app, "--dry-run"), ".dockgen.toml", "nested too deeply")


@pytest.mark.parametrize("where", ["engines", "nvmrc", "flag", "range"])
def test_node_versions_with_thousands_of_digits(tmp_path: Path, where: str) -> None:
    huge = "1" * 5000
    pkg: dict[str, object] = {"name": "a", "scripts": {"start": "node server.js"}}
    if where == "engines":
        pkg["engines"] = {"node": huge}
    if where == "range":
        pkg["engines"] = {"node": f">=22 <{huge}.0.0 || 2{huge} - 3{huge}"}
    app = make_app(tmp_path / "app", package=pkg)
    if where == "nvmrc":
        (app / ".nvmrc").write_text(huge + "\n")
    proc = dockgen("init", app, "--dry-run", *(["--node-version", huge] if where == "flag" else []))
    if where == "range":  # the first alternative still makes sense: npm rejects the whole range
        assert_clean_error(proc, "is not a Node.js version or range")
    else:
        assert_clean_error(proc)


@pytest.mark.parametrize("where", ["requires-python", "python-version", "flag"])
def test_python_versions_with_thousands_of_digits(tmp_path: Path, where: str) -> None:
    huge = "3." + "1" * 5000
    pyproject = f'[project]\nname = "a"\nversion = "1"\nrequires-python = ">={huge}"\ndependencies = ["flask"]\n'
    app = _python_app(tmp_path / "app", pyproject if where == "requires-python" else None)
    if where == "python-version":
        (app / ".python-version").write_text(huge + "\n")
    proc = dockgen("init", app, "--dry-run", *(["--python-version", huge] if where == "flag" else []))
    assert "Traceback" not in proc.stderr, proc.stderr
    if where == "flag":
        assert_clean_error(proc, "--python-version")
    else:  # a hint file that names no CPython is ignored with a warning
        assert proc.returncode in (0, 1), proc.stderr
        assert "is not a CPython version" in proc.stderr or proc.returncode == 1, proc.stderr


def test_tool_dockgen_that_is_not_a_table(tmp_path: Path) -> None:
    app = _python_app(tmp_path / "app", '[project]\nname = "a"\nversion = "1"\ndependencies = ["flask"]\n'
                      '[tool]\ndockgen = "x"\n')
    for command in (("init",), ("init", "--dry-run"), ("update",), ("plan",)):
        proc = dockgen(command[0], app, *command[1:])
        assert "Traceback" not in proc.stderr, (command, proc.stderr)
        if proc.returncode:
            assert_clean_error(proc)
    assert not (app / "Dockerfile").exists()


@pytest.mark.parametrize("out_dir", ["my dist", "$HOME", "a\\nb", "a\nb", "*", "dist/[ab]", "out?"])
def test_vite_out_dirs_a_copy_cannot_name(tmp_path: Path, out_dir: str) -> None:
    app = _vite_app(tmp_path / "app", out_dir)
    assert_clean_error(dockgen("init", app, "--dry-run"), "build.outDir")


@pytest.mark.parametrize("out_dir", ["build", "./public/dist/", "../outside", "/abs"])
def test_vite_out_dirs_that_are_fine_or_fall_back(tmp_path: Path, out_dir: str) -> None:
    app = _vite_app(tmp_path / "app", out_dir)
    proc = dockgen("init", app, "--dry-run", "--diff")
    assert proc.returncode == 0, proc.stderr
    expected = {"build": "/app/build", "./public/dist/": "/app/public/dist", "../outside": "/app/dist",
                "/abs": "/app/dist"}[out_dir]
    assert f"COPY --from=build {expected} " in proc.stdout


def test_tsconfig_out_dir_a_copy_cannot_name(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", package={"name": "a", "scripts": {"build": "tsc", "start": "node dist/index.js"},
                                              "devDependencies": {"typescript": "^5.0.0"}})
    (app / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "$(touch x)"}}\n')
    assert_clean_error(dockgen("init", app, "--dry-run"), "compilerOptions.outDir")


def test_requirements_including_a_file_a_copy_cannot_name(tmp_path: Path) -> None:
    app = _python_app(tmp_path / "app", requirements="-r $HOME.txt\n")
    (app / "$HOME.txt").write_text("flask==3.0.0\n")
    assert_clean_error(dockgen("init", app, "--dry-run"), "$HOME.txt")


@pytest.mark.parametrize(("name", "text"), [
    ("Procfile", "web: gunicorn app:app --bind 0.0.0.0:70000\n"),
    ("Procfile", "web: gunicorn app:app -b :99999999999999999999\n"),
    ("uwsgi.ini", "[uwsgi]\nhttp = :123456\nmodule = app:app\n"),
])
def test_a_start_command_port_past_65535_is_refused(tmp_path: Path, name: str, text: str) -> None:
    requirements = "flask==3.0.0\n" + ("uwsgi==2.0.28\n" if name == "uwsgi.ini" else "gunicorn==23.0.0\n")
    app = _python_app(tmp_path / "app", requirements=requirements)
    (app / name).write_text(text)
    assert_clean_error(dockgen("init", app, "--dry-run"), "not a TCP port")


def test_a_node_start_script_port_past_65535_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", package={"name": "a", "scripts": {"start": "PORT=70000 node server.js"}})
    assert_clean_error(dockgen("init", app, "--dry-run"), "not a TCP port")


@pytest.mark.parametrize(("language", "code"), [
    ("node", "require('http').createServer(() => {}).listen(process.env.PORT || 123456)\n"),
    ("node", "require('http').createServer(() => {}).listen(99999)\n"),
    ("python", FLASK + "if __name__ == '__main__':\n    app.run(host='0.0.0.0', port=123456)\n"),
    ("python", "import os\n" + FLASK + "PORT = int(os.environ.get('PORT', '654321'))\n"),
])
def test_a_port_past_65535_in_code_is_not_exposed(tmp_path: Path, language: str, code: str) -> None:
    if language == "node":
        app = make_app(tmp_path / "app")
        (app / "server.js").write_text(code)
    else:
        app = _python_app(tmp_path / "app")
        (app / "app.py").write_text(code)
    proc = dockgen("init", app, "--dry-run", "--diff")
    assert proc.returncode == 0, proc.stderr
    exposed = [line for line in proc.stdout.splitlines() if line.startswith("+EXPOSE")]
    assert exposed and all(1 <= int(line.split()[1]) <= 65535 for line in exposed), exposed
    assert "12345" not in proc.stdout and "65432" not in proc.stdout and "99999" not in proc.stdout


def test_context_list_quotes_control_characters(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "evil\nDockerfile").write_text("x")
    (app / "red\x1b[31m.txt").write_text("x")
    os.close(os.open(os.fsencode(app) + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    proc = subprocess.run([sys.executable, "-m", "dockgen", "context", str(app), "--list"], capture_output=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split(b"\n")
    assert b"$'evil\\nDockerfile'" in lines and b"$'red\\x1b[31m.txt'" in lines
    assert b"bad\xff.txt" in lines  # not UTF-8, but printable: as it is, for scripts (ls -N does the same)
    assert b"\x1b" not in proc.stdout and b"Dockerfile" not in lines
    raw = subprocess.run([sys.executable, "-m", "dockgen", "context", str(app), "--list", "-0"],
                         capture_output=True, timeout=60, check=False)
    assert b"evil\nDockerfile\0" in raw.stdout and b"bad\xff.txt\0" in raw.stdout
    human = dockgen("context", app, "--top", "20")
    assert human.returncode == 0 and "\x1b" not in human.stdout + human.stderr, human.stderr
    from dockgen.cli import shown

    assert shown("bad\udcff.txt") == "$'bad\\xff.txt'" and shown("bad\udcff.txt", raw_bytes=True) == "bad\udcff.txt"


def test_copy_double_star_over_a_1000_deep_tree(tmp_path: Path) -> None:
    """`COPY **/x` (Go's filepath.Match: ** is *, one segment) over a tree 1,000 directories deep: pathlib's
    recursive glob raised RecursionError."""
    app = make_app(tmp_path / "app")
    (app / "Dockerfile").write_text("FROM node:24\nCOPY **/x /y/\n")
    fd = os.open(app, os.O_RDONLY)
    try:
        for _ in range(1000):
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.close(os.open("x", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    try:
        for command in (("context",), ("migrate",), ("init", "--dry-run", "--force")):
            proc = dockgen(command[0], app, *command[1:])
            assert "Traceback" not in proc.stderr, (command, proc.stderr[-2000:])
        proc = dockgen("context", app)
        assert "COPY **/x (line 2): missing" in proc.stdout + proc.stderr  # only d/x would match, as Docker has it
    finally:
        # pytest's own clean-up of old temp dirs (shutil.rmtree) recurses and dies on 1,000 levels in a later run
        subprocess.run(["rm", "-rf", "--", str(app)], check=True)
