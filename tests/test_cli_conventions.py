"""Command-line conventions: -h and -V, shell completion, --quiet/--verbose, coloured diffs on a terminal only
(NO_COLOR, FORCE_COLOR, --color), errors as JSON under --json, and what `dockgen --version` imports.

Real processes throughout; the terminal cases run the command on a pseudo-terminal (``pty``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockgen import __version__

from .apps import make_app, snapshot

COMMANDS = ("detect", "plan", "init", "update", "context", "migrate", "check", "templates", "completion")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SRC = str(Path(__file__).resolve().parent.parent / "src")


def env_of(**extra: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DOCKGEN", "_DOCKGEN")) and k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(*args: str | Path, cwd: Path | None = None, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env_of(**env), timeout=60)


def run_tty(*args: str | Path, **env: str | None) -> tuple[int, str, str]:
    """The command with its stdout on a pseudo-terminal (stderr a pipe): exit code, stdout, stderr."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dockgen", *map(str, args)], stdout=slave,
                            stderr=subprocess.PIPE, env=env_of(**{"TERM": "xterm", **env}))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    return code, b"".join(chunks).decode().replace("\r\n", "\n"), err


def edited_app(tmp_path: Path) -> Path:
    """An app whose dockgen-written Dockerfile was edited by hand: `check` fails with a diff."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    with (app / "Dockerfile").open("a") as f:
        f.write("# hand edit\n")
    return app


# --- -h, -V ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_h_is_help_on_every_command(command: str) -> None:
    words = [command] if command else []
    short, long = run(*words, "-h"), run(*words, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    assert short.stdout.startswith(f"Usage: dockgen {command}".rstrip())
    assert "-h, --help" in short.stdout
    for option in ("-q, --quiet", "-v, --verbose", "--color WHEN"):
        assert option in short.stdout, (command, option)


def test_version_short_and_long_on_both_paths() -> None:
    expected = f"dockgen {__version__}\n"
    for args in (["-V"], ["--version"], ["--color", "never", "-V"], ["-q", "--version"]):
        proc = run(*args)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, ""), args


IMPORT_PROBE = """
import sys
from dockgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.write("\\n" + repr((code, sorted(sys.modules))) + "\\n")
"""
HEAVY = {"typer", "click", "jinja2", "pathspec", "tomlkit", "dockerfile", "packaging", "shellingham", "rich"}


@pytest.mark.parametrize(("args", "allowed"), [
    (["--version"], {"dockgen", "dockgen.cli", "dockgen.cli.conventions", "dockgen.errors"}),
    (["-V"], {"dockgen", "dockgen.cli", "dockgen.cli.conventions", "dockgen.errors"}),
    (["completion", "bash"], {"dockgen", "dockgen.cli", "dockgen.cli.conventions", "dockgen.cli.completion",
                              "dockgen.errors"}),
    (["--show-completion", "zsh"], {"dockgen", "dockgen.cli", "dockgen.cli.conventions", "dockgen.cli.completion",
                                    "dockgen.errors"}),
])
def test_version_and_completion_scripts_import_nothing_heavy(args: list[str], allowed: set[str]) -> None:
    """Start-up (bench/bench_startup.py times it): these are served before typer, and import no more of dockgen
    than the few modules they need (not jinja2, pathspec, tomlkit, the Dockerfile parser...)."""
    proc = subprocess.run([sys.executable, "-c", IMPORT_PROBE, *args], capture_output=True, text=True,
                          env=env_of(), timeout=60)
    code, modules = eval(proc.stdout.rsplit("\n", 2)[-2])  # the probe's own repr() line
    assert code == 0, proc.stderr
    assert {m for m in modules if m.split(".")[0] in HEAVY} == set()
    assert {m for m in modules if m.split(".")[0] == "dockgen"} == allowed


# --- completion ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell", "pwsh"])
def test_completion_script_is_typers_on_every_path(shell: str) -> None:
    """The script printed without typer is the one typer's completion classes answer (its own text)."""
    from typer._completion_shared import get_completion_script

    expected = get_completion_script(prog_name="dockgen", complete_var="_DOCKGEN_COMPLETE", shell=shell) + "\n"
    outputs = {tuple(args): run(*args) for args in (["completion", shell], ["--show-completion", shell],
                                                    ["completion", shell, "--color", "never"],  # typer's path
                                                    ["completion", "-q", shell])}
    for args, proc in outputs.items():
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, ""), args


def test_completion_defaults_to_shell_and_refuses_unknown_ones() -> None:
    assert run("completion", SHELL="/usr/bin/zsh").stdout == run("completion", "zsh").stdout
    for args, env in ((["completion", "tcsh"], {}), (["--show-completion", "tcsh"], {}),
                      (["completion"], {"SHELL": None}), (["completion"], {"SHELL": "/bin/ksh"})):
        proc = run(*args, **env)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stdout == ""
        assert proc.stderr.startswith("error: ") and "\nhint: " in proc.stderr, proc.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")
@pytest.mark.parametrize(("words", "expected"), [
    (["dockgen", "in"], ["init"]),
    (["dockgen", "c"], ["context", "check", "completion"]),
    (["dockgen", "init", "--al"], ["--all", "--allow-list"]),
    (["dockgen", "check", "--qu"], ["--quiet"]),
    (["dockgen", "--ver"], ["--version", "--verbose"]),
])
def test_bash_completes_with_the_script_dockgen_prints(tmp_path: Path, words: list[str],
                                                      expected: list[str]) -> None:
    """The script in a real bash: TAB runs `dockgen` (here a wrapper on PATH) and fills COMPREPLY."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "dockgen"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m dockgen \"$@\"\n")
    wrapper.chmod(0o755)
    script = tmp_path / "dockgen.bash"
    script.write_text(run("completion", "bash").stdout)
    line = " ".join(f"'{w}'" for w in words)
    program = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
               "_dockgen_completion dockgen; printf '%s\\n' \"${COMPREPLY[@]}\"")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          env=env_of(PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}"), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == sorted(expected)


# --- --quiet, --verbose ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["command", "root"])
def test_quiet_prints_nothing_but_errors_and_keeps_exit_codes(tmp_path: Path, where: str) -> None:
    def q(command: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return run(command, "-q", *args) if where == "command" else run("-q", command, *args)

    app = make_app(tmp_path / "app", files={".env": "TOKEN=x\n"})  # init tells about the secret, on stderr
    loud = run("init", app, "--dry-run")
    assert loud.stdout and loud.stderr  # there is something to silence
    done = q("init", app)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (app / "Dockerfile").is_file()
    before = snapshot(app)
    (app / "Dockerfile").write_text((app / "Dockerfile").read_text() + "# hand edit\n")
    conflict = q("init", app, "--diff")
    assert conflict.returncode == 3 and conflict.stdout == ""
    assert [line.split(":")[0] for line in conflict.stderr.splitlines()] == ["error", "hint"]
    drift = q("check", app)
    assert drift.returncode == 4 and drift.stdout == ""
    assert [line.split(":")[0] for line in drift.stderr.splitlines()] == ["error", "hint"]
    for command in ("detect", "plan", "templates"):
        proc = q(command, app) if command != "templates" else q(command)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), command
    assert snapshot(app).keys() == before.keys()


def test_quiet_still_prints_what_was_asked_for(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    for args in (["detect", app, "--json"], ["context", app, "--list"], ["context", app, "--suggest"],
                 ["templates", "--context"], ["plan", app, "--json"]):
        loud, quiet = run(*args), run(*args, "-q")
        assert quiet.returncode == loud.returncode == 0, quiet.stderr
        assert quiet.stdout == loud.stdout and quiet.stdout, args
        assert quiet.stderr == "", args


def test_quiet_keeps_help(tmp_path: Path) -> None:
    for args in (["-q", "init", "--help"], ["init", "-q", "-h"], ["-q", "-h"]):
        proc = run(*args)
        assert proc.returncode == 0 and proc.stdout.startswith("Usage: dockgen"), args


def test_quiet_and_verbose_are_exclusive(tmp_path: Path) -> None:
    for args in (["-q", "-v", "templates"], ["templates", "-q", "--verbose"], ["-v", "templates", "--quiet"]):
        proc = run(*args)
        assert proc.returncode == 2 and "--quiet and --verbose are exclusive" in proc.stderr, args


def test_verbose_adds_reasons_and_timing_on_stderr_only(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    plain, verbose = run("init", app, "--dry-run"), run("init", app, "--dry-run", "-v")
    assert plain.returncode == verbose.returncode == 0
    assert verbose.stdout == plain.stdout
    assert "why (template node-distroless):" in verbose.stderr and "why (" not in plain.stderr
    assert "  start command: node server.js (" in verbose.stderr
    assert re.search(r"^dockgen: exit 0 after \d+ ms$", verbose.stderr, re.M)
    as_json = run("-v", "init", app, "--dry-run", "--json")
    assert json.loads(as_json.stdout)["template"] == "node-distroless"
    assert "why (template" in as_json.stderr
    failing = run("check", tmp_path / "nowhere", "-v")
    assert failing.returncode == 1 and re.search(r"^dockgen: exit 1 after \d+ ms$", failing.stderr, re.M)


# --- colour ----------------------------------------------------------------------------------------------------

def test_paint_diff_only_adds_colour() -> None:
    from dockgen.cli import conventions

    diff = ("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n FROM x\n-RUN a\n+RUN b\n \n-\n+\n"
            "\\ No newline at end of file\n+a\x0c-b\u2028-c\r\n+last")
    conventions.RUN.color = "always"
    try:
        painted = conventions.paint_diff(diff)
    finally:
        conventions.RUN.color = "auto"
    assert ANSI.sub("", painted) == diff
    assert "\x1b[31m-RUN a\x1b[0m\n" in painted and "\x1b[32m+RUN b\x1b[0m\n" in painted
    assert "\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n" in painted and "\x1b[1m--- a/Dockerfile\x1b[0m\n" in painted
    assert " FROM x\n" in painted and painted.endswith("\x1b[32m+last\x1b[0m")
    assert "\x1b[32m+a\x0c-b\u2028-c\r\x1b[0m\n" in painted  # one line: newlines alone end a line


def test_diffs_are_coloured_on_a_terminal_only(tmp_path: Path) -> None:
    app = edited_app(tmp_path)
    code, out, _ = run_tty("check", app)
    assert code == 4
    assert "\x1b[31m-# hand edit\x1b[0m" in out and "\x1b[36m@@ " in out
    piped = run("check", app)
    assert piped.returncode == 4 and "-# hand edit" in piped.stdout and "\x1b" not in piped.stdout
    assert ANSI.sub("", out) == piped.stdout
    as_json = run_tty("check", app, "--json")[1]
    assert "\x1b" not in as_json and json.loads(as_json)["status"] == "edited"


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({"NO_COLOR": "1"}, [], False),
    ({"NO_COLOR": "0"}, [], False),  # any non-empty value
    ({"NO_COLOR": ""}, [], True),  # empty: as if unset
    ({"TERM": "dumb"}, [], False),
    ({}, ["--color", "never"], False),
    ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the flag wins
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),
])
def test_colour_on_a_terminal_follows_no_color_and_color(tmp_path: Path, env: dict[str, str], args: list[str],
                                                         coloured: bool) -> None:
    app = edited_app(tmp_path)
    code, out, _ = run_tty("check", app, *args, **env)
    assert code == 4 and "-# hand edit" in out
    assert ("\x1b[" in out) is coloured


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({}, [], False),
    ({}, ["--color", "auto"], False),
    ({}, ["--color=always"], True),
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
    ({"FORCE_COLOR": ""}, [], False),
])
def test_colour_in_a_pipe_only_when_forced(tmp_path: Path, env: dict[str, str], args: list[str],
                                           coloured: bool) -> None:
    app = edited_app(tmp_path)
    proc = run("check", app, *args, **env)
    assert proc.returncode == 4 and "-# hand edit" in proc.stdout
    assert ("\x1b[" in proc.stdout) is coloured
    assert "\x1b" not in proc.stderr


def test_every_diff_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    """init --diff, update, migrate and check print diffs: each is coloured on a terminal."""
    app = edited_app(tmp_path)
    code, out, _ = run_tty("init", app, "--diff")
    assert code == 3 and "\x1b[31m-# hand edit\x1b[0m" in out
    code, out, _ = run_tty("update", app, "--port", "8080")
    assert code == 0 and "\x1b[32m+EXPOSE 8080\x1b[0m" in out, out
    legacy = tmp_path / "legacy"
    make_app(legacy, files={"Dockerfile": "FROM node:latest\nCOPY . .\nRUN npm install\nCMD npm start\n"})
    code, out, _ = run_tty("migrate", legacy)
    assert code == 0 and "\x1b[31m-FROM node:latest\x1b[0m" in out, out
    assert "\x1b" not in run("migrate", legacy).stdout


# --- errors as JSON --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code", "says"), [
    (["detect", "{missing}", "--json"], 1, "no such directory"),  # served before typer
    (["plan", "{missing}", "--json"], 1, "no such directory"),
    (["init", "{empty}", "--json"], 1, "package.json"),
    (["init", "--bogus", "--json"], 2, "No such option: --bogus"),
    (["bogus", "--json"], 2, "No such command"),
    (["migrate", "{empty}", "--format", "json"], 1, "Dockerfile"),
    (["migrate", "{empty}", "--format=json", "--fail-on", "nope"], 2, "--fail-on"),
    (["context", "{empty}", "--json", "--color", "red"], 2, "--color"),
    (["check", "{empty}", "--json", "-q"], 1, "Dockerfile"),
])
def test_an_error_under_json_is_one_json_object_on_stdout(tmp_path: Path, args: list[str], code: int,
                                                          says: str) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.format(missing=tmp_path / "missing", empty=tmp_path / "empty") for a in args]
    proc = run(*args)
    assert proc.returncode == code, proc.stderr
    error = json.loads(proc.stdout)  # the whole of stdout: one object, nothing else
    assert set(error) == {"error", "hint", "exit"} and error["exit"] == code
    assert says in error["error"] and isinstance(error["hint"], str) and error["hint"]
    assert "\n" not in proc.stdout.strip()
    assert "error" in proc.stderr.lower()  # the text error is still on stderr, for people reading logs
    without = run(*[a for a in args if a not in ("--json", "json") and not a.startswith("--format")])
    assert without.returncode == code and without.stdout == ""  # exit codes unchanged, no JSON without --json


def test_a_json_result_already_printed_stays_the_only_document(tmp_path: Path) -> None:
    """check --json with drift prints its result (status, reasons, diff) then fails: stdout is that result,
    not followed by an error object."""
    app = edited_app(tmp_path)
    proc = run("check", app, "--json")
    assert proc.returncode == 4
    result = json.loads(proc.stdout)
    assert result["status"] == "edited" and "error" not in result
    assert proc.stderr.startswith("error: Dockerfile is edited")


def test_sarif_errors_stay_text(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = run("migrate", tmp_path / "empty", "--format", "sarif")
    assert proc.returncode == 1 and proc.stdout == "" and proc.stderr.startswith("error: ")
