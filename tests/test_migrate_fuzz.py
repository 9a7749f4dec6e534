"""Fuzz `dockgen migrate` with Dockerfiles from a grammar of instructions (escape directives, heredocs,
JSON and shell forms, continuation lines, odd quoting, ports with protocols and ranges, USER root,
ENTRYPOINTs from stages...). For every input:

* migrate returns a migration or refuses with a DockgenError, nothing else (no traceback);
* the v2 parses with Docker's own parser, and its final stage runs as a non-root USER;
* nothing is injected: the v2 is the template's output (rendered without the carried instructions, and
  with neutral values for what the planner takes from the old file: its instruction structure does not
  change) plus exactly the carried instructions, each of which means what an instruction of the old
  file's final stage meant (compared after parsing, words read by the builder's rules);
* written, the v2 is `current` for `dockgen check` (its stamp's carry record reads back).

``docker_word`` below is a port of the builder's shell lexer (moby/buildkit frontend/dockerfile/shell/
lex.go, processStopOn and friends, with unset variables kept as written), written apart from dockgen's
own ``dockerwords`` so the two check each other.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dockerfile
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dockgen.carryover import BUG_HINT
from dockgen.check import check
from dockgen.errors import DockgenError
from dockgen.migrate import migrate
from dockgen.render import render_dockerfile
from dockgen.write import write

from .conftest import ROOT

APPS = {"node": ROOT / "fixtures" / "migrate" / "entrypoint-script" / "app",
        "python": ROOT / "fixtures" / "apps" / "flask-module" / "app"}
VAR_OPEN, VAR_CLOSE = "\x00{", "\x00}"  # a variable reference in docker_word's output, apart from text


# -- an independent reading of the builder's words ------------------------------------------------------------

class BadWord(Exception):
    pass


def docker_word(raw: str, escape: str) -> str:
    """The word as the builder reads it with no variable set: quotes and escapes processed, each
    reference kept (as ${name<modifier><processed word>}) between VAR_OPEN and VAR_CLOSE."""
    text, _ = _process(raw, 0, escape, stop=None)
    return text


def _process(s: str, pos: int, esc: str, stop: str | None) -> tuple[str, int]:
    out = []
    while pos < len(s):
        ch = s[pos]
        if stop is not None and ch == stop:
            return "".join(out), pos + 1
        if ch == "$":
            text, pos = _dollar(s, pos, esc)
            out.append(text)
        elif ch == "'":
            end = s.find("'", pos + 1)
            if end < 0:
                raise BadWord("unclosed single quote")
            out.append(s[pos + 1:end])
            pos = end + 1
        elif ch == '"':
            pos += 1
            while True:
                if pos >= len(s):
                    raise BadWord("unclosed double quote")
                c = s[pos]
                if c == '"':
                    pos += 1
                    break
                if c == "$":
                    text, pos = _dollar(s, pos, esc)
                    out.append(text)
                    continue
                pos += 1
                if c == esc and pos < len(s) and s[pos] in ('"', "$", esc):
                    c = s[pos]
                    pos += 1
                elif c == esc and pos >= len(s):
                    continue
                out.append(c)
        else:
            pos += 1
            if ch == esc:
                if pos >= len(s):
                    break
                ch = s[pos]
                pos += 1
            out.append(ch)
    if stop is not None:
        raise BadWord(f"no closing {stop}")
    return "".join(out), pos


def _name(s: str, pos: int) -> int:
    if pos < len(s) and s[pos].isdecimal():
        while pos < len(s) and s[pos].isdecimal():
            pos += 1
        return pos
    if pos < len(s) and s[pos] in "@*#?-$!0":
        return pos + 1
    while pos < len(s) and (s[pos].isalpha() or s[pos].isdecimal() or s[pos] == "_"):
        pos += 1
    return pos


def _dollar(s: str, pos: int, esc: str) -> tuple[str, int]:
    pos += 1
    if pos >= len(s) or s[pos] != "{":
        end = _name(s, pos)
        return ("$" if end == pos else f"{VAR_OPEN}{s[pos:end]}{VAR_CLOSE}"), end
    pos += 1
    if pos >= len(s) or s[pos] in "{}:":
        raise BadWord("bad substitution")
    end = _name(s, pos)
    name = s[pos:end]
    if end >= len(s):
        raise BadWord("missing }")
    mod = s[end]
    pos = end + 1
    if mod == "}":
        return f"{VAR_OPEN}{name}{VAR_CLOSE}", pos
    if mod == ":":
        if pos >= len(s) or s[pos] not in "-+?#%":
            raise BadWord("bad modifier")
        mod += s[pos]
        pos += 1
    elif mod == "/":
        pattern, pos = _process(s, pos + (1 if pos < len(s) and s[pos] == "/" else 0), esc, "/")
        word, pos = _process(s, pos, esc, "}")
        return f"{VAR_OPEN}{name}/{pattern}/{word}{VAR_CLOSE}", pos
    elif mod not in "-+?#%":
        raise BadWord("bad modifier")
    word, pos = _process(s, pos, esc, "}")
    return f"{VAR_OPEN}{name}{mod}{word}{VAR_CLOSE}", pos


def escape_char(text: str) -> str:
    """The escape character by buildkit's directive rules: ``# key=value`` lines with a known key, before
    any other line (a comment or a blank line ends them)."""
    for line in text.removeprefix("\ufeff").split("\n"):
        line = line.rstrip("\r").lstrip()
        m = re.fullmatch(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*", line)
        if not m or m.group(1).lower() not in ("syntax", "escape", "check"):
            break
        if m.group(1).lower() == "escape":
            return m.group(2)
    return "\\"


def meaning(c: Any, escape: str) -> list[Any]:
    """The items an instruction sets, as the builder reads them (for the subset comparison)."""
    cmd = c.cmd.upper()
    if cmd in ("ENV", "LABEL"):
        return [(docker_word(k, escape), docker_word(v, escape)) for k, v in zip(c.value[0::2], c.value[1::2],
                                                                                 strict=False)]
    if cmd == "ARG":
        out: list[Any] = []
        for w in c.value:
            k, sep, v = w.partition("=")
            out.append((docker_word(k, escape), docker_word(v, escape) if sep else None))
        return out
    if cmd in ("VOLUME",):
        return [tuple(docker_word(v.strip(), escape) for v in c.value)]
    if cmd == "EXPOSE":
        return [_port(docker_word(v, escape)) for v in c.value]
    if cmd == "STOPSIGNAL":
        return [docker_word(" ".join(c.value), escape)]
    if cmd == "HEALTHCHECK":
        if c.value[0].upper() == "NONE":
            return [(tuple(c.flags), "NONE")]
        argv = tuple(c.value[1:]) if c.json else ("/bin/sh", "-c", " ".join(c.value[1:]))
        return [(tuple(c.flags), argv)]
    raise AssertionError(f"dockgen carried a {cmd}")


def _port(spec: str) -> str:
    spec = spec.lower()
    return spec if "/" in spec or VAR_OPEN in spec else spec + "/tcp"


def doubled(stage: list[Any]) -> bool:
    """The stage starts its runtime with the runtime as argument (node node server.js)."""
    entry = [list(c.value) if c.json else [] for c in stage if c.cmd.upper() == "ENTRYPOINT"][-1:] or [[]]
    cmd = [list(c.value) if c.json else [] for c in stage if c.cmd.upper() == "CMD"][-1:] or [[]]
    run = entry[0][entry[0].index("--") + 1:] if "--" in entry[0] else entry[0]
    names = [Path(w).name for w in run + cmd[0]]
    return len(names) > 1 and names[0] == names[1] and names[0] in ("node", "python", "python3")


def final_stage(commands: list[Any]) -> list[Any]:
    start = max(i for i, c in enumerate(commands) if c.cmd.upper() == "FROM")
    return commands[start + 1:]


# -- the grammar ------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.sampled_from(list("ab xyZ09=:/.-_@$'\"\\`{}#\té✓\u00a0\r\x0b")), max_size=10)
NAMES = st.sampled_from(["A", "LOG_LEVEL", "APP_HOME", "NODE_ENV", "API_TOKEN", "com.example.team", "PATH",
                         "PORT", "x-y", "_UNDER"])


@st.composite
def value(draw: Any, escape: str) -> str:
    """A word written one of the ways people write it (or an odd way)."""
    text = draw(TEXT)
    style = draw(st.sampled_from(["dq", "sq", "bare", "raw", "var", "mixed"]))
    if style == "dq":
        return '"' + text.replace(escape, escape * 2).replace('"', escape + '"').replace("$", escape + "$") + '"'
    if style == "sq":
        return "'" + text.replace("'", "") + "'"
    if style == "bare":
        return "".join(escape + ch if ch in " \t\"'$" + escape else ch for ch in text) or "x"
    if style == "var":
        return draw(st.sampled_from(["$HOME", "${APP_HOME}", '"${APP_HOME:-/srv}"', "${A:-a b}", '"$A"-x',
                                     "${A:+\"q\"}", "${A/x/y}", "$1", "$$", "${A:-`x`}", "${A:-\\\\}"]))
    if style == "mixed":
        return f'a"{text.replace(chr(34), "")}"\'b\''
    return text or "''"


@st.composite
def instruction(draw: Any, escape: str) -> list[str]:
    """One instruction (a list of lines: heredocs have several)."""
    kind = draw(st.sampled_from(["ENV", "ENV-old", "ARG", "LABEL", "EXPOSE", "VOLUME", "WORKDIR", "USER",
                                 "ENTRYPOINT", "CMD", "HEALTHCHECK", "STOPSIGNAL", "SHELL", "RUN", "COPY", "ADD",
                                 "other", "comment"]))
    v = value(escape)
    if kind == "ENV":
        pairs = draw(st.lists(st.tuples(NAMES, v), min_size=1, max_size=3))
        return ["ENV " + " ".join(f"{k}={x}" for k, x in pairs)]
    if kind == "ENV-old":
        return [f"ENV {draw(NAMES)} {draw(v)} {draw(v)}"]
    if kind == "ARG":
        return ["ARG " + " ".join(draw(st.lists(st.one_of(NAMES, st.builds(lambda k, x: f"{k}={x}", NAMES, v)),
                                                min_size=1, max_size=3)))]
    if kind == "LABEL":
        return [f"LABEL {draw(NAMES)}={draw(v)}"]
    if kind == "EXPOSE":
        specs = st.sampled_from(["3000", "53/udp", "8000-8010", "8000-8010/udp", "80/tcp", "9000/UDP", "$PORT",
                                 '"8080"', "${PORT:-3000}", "abc", "0", "70000", "9-1", "443/sctp", "'22'"])
        return ["EXPOSE " + " ".join(draw(st.lists(specs, min_size=1, max_size=3)))]
    if kind == "VOLUME":
        return ["VOLUME " + draw(st.sampled_from(["/data", "C:\\data\\", '"/a b"', '["/x", "/y"]', "$DATA",
                                                  "/v1 /v2", '["/a b", "c:\\\\d"]', '[" /t "]', draw(v)]))]
    if kind == "WORKDIR":
        return ["WORKDIR " + draw(st.sampled_from(["/srv", "/usr/src/app", "app", '"/my app"', "$APP_HOME",
                                                   "/srv/../opt", "/", "/srv/", "C:\\app", draw(v)]))]
    if kind == "USER":
        return ["USER " + draw(st.sampled_from(["root", "0", "node", "1000:1000", "app", "$UID", '"root"',
                                                "0:0", "root:root", "nobody"]))]
    if kind in ("ENTRYPOINT", "CMD"):
        forms = ['["node", "server.js"]', "node server.js", "npm start", '["npm", "start"]', 'node "server.js',
                 '["./docker-entrypoint.sh"]', '["tini", "--", "./docker-entrypoint.sh"]', './run.sh "a',
                 '["a",', "docker-entrypoint.sh", '["/usr/local/bin/entry"]', '["entry"]',
                 '/bin/sh -c "exec node server.js"', "[]", "FOO=1 node server.js", '["python", "app.py"]',
                 '["node"]', '["/usr/local/bin/node", "--enable-source-maps"]', '["server.js"]',
                 "node server.js && echo done", '["/sbin/tini", "-g", "--", "node"]']
        return [f"{kind} {draw(st.sampled_from(forms))}"]
    if kind == "HEALTHCHECK":
        return ["HEALTHCHECK " + draw(st.sampled_from([
            "--interval=30s CMD curl -f http://localhost:3000/ || exit 1", 'CMD ["curl", "-f", "x"]', "NONE",
            "--bogus=1 CMD true", '--timeout="3s" CMD true', "--retries=3 --start-period=5s CMD wget -q -O- x",
            "CMD " + draw(TEXT), "CMD-SHELL true"]))]
    if kind == "STOPSIGNAL":
        return ["STOPSIGNAL " + draw(st.sampled_from(["SIGTERM", '"SIGINT"', "$SIG", "9", draw(v)]))]
    if kind == "SHELL":
        return ['SHELL ["/bin/bash", "-c"]']
    if kind == "RUN":
        run = draw(st.sampled_from(["apt-get update && apt-get install -y curl imagemagick",
                                    "apk add --no-cache bash ffmpeg", "npm ci", "echo hi > /tmp/x",
                                    'apt-get install -y $PKG "foo bar"', f"apt-get install -y foo{escape}{escape}",
                                    "apt-get install -y gcc\\", "apk add `x`", "heredoc",
                                    "--mount=type=cache,target=/root/.npm npm ci"]))
        if run == "heredoc":
            return ["RUN <<EOF", "echo a", f"ENV INJECTED=1 {escape}", "EOF"]
        return [f"RUN {run}"]
    if kind == "COPY":
        form = draw(st.sampled_from([". .", "package*.json ./", "--from=tools /out/entry /usr/local/bin/entry",
                                     "docker-entrypoint.sh /usr/local/bin/", "--from=tools /out/ /usr/local/bin/",
                                     "heredoc", '["server.js", "/srv/"]', "--chmod=755 docker-entrypoint.sh ./"]))
        if form == "heredoc":
            return ["COPY <<EOF /etc/x", "USER root", "EOF"]
        return [f"COPY {form}"]
    if kind == "ADD":
        return ["ADD " + draw(st.sampled_from(["https://example.com/x.tgz /tmp/", "app.js /srv/app.js",
                                               "https://example.com/entry /usr/local/bin/entry"]))]
    if kind == "other":
        return [draw(st.sampled_from(["ONBUILD RUN echo hi", "MAINTAINER me", "ENV", "LABEL", "EXPOSE",
                                      "ARG =x", "ENV A", "VOLUME []"]))]
    return [draw(st.sampled_from(["# a comment", "", "   ", f"# ends with {escape}"]))]


@st.composite
def dockerfiles(draw: Any) -> str:
    escape = draw(st.sampled_from(["\\", "`"]))
    head: list[str] = []
    if draw(st.booleans()):
        head.append("# syntax=docker/dockerfile:1")
    if escape == "`":
        head += draw(st.sampled_from([["# escape=`"], ["#escape=`"], ["# ESCAPE = `"], ["  # escape=`"],
                                      ["# a comment", "# escape=`"], ["", "# escape=`"]]))  # (the last two: ignored)
    elif draw(st.booleans()):
        head.append("# escape=\\")
    body: list[str] = []
    if draw(st.booleans()):
        body.append(draw(st.sampled_from(["ARG NODE=22", "ARG IMAGE=python:3.13-slim", "ARG NODE"])))
    if draw(st.booleans()):
        body += ["FROM golang:1.22 AS tools", "RUN go build -o /out/entry ./cmd/entry"]
    body.append("FROM " + draw(st.sampled_from([
        "node:22-slim", "node:20-alpine", "node:latest", "node:24-bookworm", "python:3.12-slim", "python:3",
        "node:${NODE}-slim", "--platform=$BUILDPLATFORM node:22 AS base", "tools", "scratch", "${IMAGE}",
        "python:3.13-alpine AS runtime", "node:22@sha256:" + "a" * 64])))
    for lines in draw(st.lists(instruction(escape), max_size=12)):
        if len(lines) == 1 and " " in lines[0] and draw(st.integers(0, 3)) == 0:  # a continuation line
            at = draw(st.integers(1, lines[0].count(" ")))
            parts = lines[0].split(" ")
            lines = [" ".join(parts[:at]) + " " + escape, "    " + " ".join(parts[at:])]
        body += lines
    text = "\n".join(head + body) + "\n"
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    return text


# -- the property -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("fuzz")
    for name, source in APPS.items():
        shutil.copytree(source, root / name)
    yield {name: root / name for name in APPS}


OUTCOMES: Counter[str] = Counter()
REFUSALS = {"Dockerfile": "Docker's parser rejects it", "not a JSON array": "a broken JSON ENTRYPOINT/CMD",
            "ENTRYPOINT runs": "the ENTRYPOINT's program is not in the v2"}


def neutral(plan: Any) -> Any:
    """The plan with what it took from the old file replaced by plain values."""
    return plan.replace(carried=(), runtime_packages=tuple(f"pkg{i}" for i, _ in enumerate(plan.runtime_packages)),
                        builder_packages=tuple(f"pkg{i}" for i, _ in enumerate(plan.builder_packages)),
                        workdir="/w", cmd=tuple("x" for _ in plan.cmd),
                        entrypoint=tuple("x" for _ in plan.entrypoint))


def structure(text: str) -> list[tuple[str, int]]:
    return [(c.cmd.upper(), len(c.flags)) for c in dockerfile.parse_string(text)]


def check_migration(app: Path, text: str) -> None:
    (app / "Dockerfile").write_text(text, encoding="utf-8")
    try:
        result = migrate(app)
    except DockgenError as exc:
        assert exc.hint != BUG_HINT, exc.message  # the v2 check caught a v2 that lost something: a dockgen bug
        OUTCOMES["refused"] += 1
        reason = next((why for key, why in REFUSALS.items() if key in exc.message), exc.message)
        event(f"refused: {reason}")
        return
    OUTCOMES["migrated"] += 1
    plan = result.plan
    v2 = result.files[0].content
    commands = list(dockerfile.parse_string(v2))
    final = final_stage(commands)
    users = [c for c in final if c.cmd.upper() == "USER"]
    assert users, v2
    assert users[-1].value[0].split(":")[0] not in ("root", "0", ""), users[-1].original
    # the start command is not doubled (an old ENTRYPOINT ["node"] before dockgen's CMD ["node", ...]),
    # unless the old file doubled it itself
    old_final = final_stage(list(dockerfile.parse_string(text)))
    if not doubled(old_final):
        assert not doubled(final), v2
    # nothing injected: the template's own output plus exactly the carried instructions
    base = render_dockerfile(plan.replace(carried=()))
    assert structure(base) == structure(render_dockerfile(neutral(plan))), "a value from the old file changed " \
                                                                          "the template's instructions"
    extra = Counter(c.original.strip() for c in commands)
    extra.subtract(c.original.strip() for c in dockerfile.parse_string(base))
    assert +extra == Counter(plan.carried) and not -extra, (extra, plan.carried)
    # each carried instruction means what one of the old file's final stage meant
    escape = escape_char(text)
    for line in plan.carried:
        (carried,) = dockerfile.parse_string(f"FROM scratch\n{line}\n")[1:]
        cmd = carried.cmd.upper()
        olds = []
        for c in old_final:
            if c.cmd.upper() == cmd and not c.heredocs:
                with contextlib.suppress(BadWord):
                    olds += meaning(c, escape)
        for item in meaning(carried, "\\"):
            assert item in olds, (line, item, olds)
        event(f"carried {cmd}")
    # written, the v2 is current (the stamp's carry record reads back)
    written = [f for f in result.files if f.path == "Dockerfile"]
    write([*written, *result.records], app, force=True, backup=False)
    assert check(app).status == "current"


@settings(max_examples=int(os.environ.get("DOCKGEN_FUZZ_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=dockerfiles(), kind=st.sampled_from(sorted(APPS)))
def test_migrate_fuzz(apps: dict[str, Path], text: str, kind: str) -> None:
    check_migration(apps[kind], text)


def test_the_fuzz_migrates_and_refuses() -> None:
    """The grammar reaches both outcomes (run after the fuzz, in file order)."""
    if not OUTCOMES:
        pytest.skip("run with test_migrate_fuzz")
    assert OUTCOMES["migrated"] > 20 and OUTCOMES["refused"] > 5, OUTCOMES
