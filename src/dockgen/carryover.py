"""What `dockgen migrate` carries from an old Dockerfile into the v2, carried as Docker parsed it.

An instruction is read with Docker's own parser and the builder's word rules (``dockerwords``), under
the old file's escape character; it is written again for the v2 (which escapes with ``\\``), parsed
again with Docker's parser and kept only when it means exactly what the old one meant. What cannot be
written back exactly is not carried, and says why (``NotCarried``). ``verify`` parses the whole v2 and
refuses one that lost its non-root USER, the ENTRYPOINT or a port the old file exposed, or in which an
instruction dockgen carried is missing or was swallowed by another.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .dockerwords import Word, WordError, emit, lex, literal, plain, portable, shown
from .errors import DockgenError

KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/@+-]*")  # an ENV/LABEL/ARG name dockgen writes back bare
HEALTH_FLAG = re.compile(r"--(interval|timeout|start-period|start-interval|retries)=[0-9A-Za-z.]+")
PORT_SPEC = re.compile(r"(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?", re.IGNORECASE)
SHELL_META = re.compile(r"[$`\\;&|<>()*?\[\]~#!{}\n]")  # shell form that /bin/sh reads differently from words
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
MAX_LINE = 16_384  # Docker's parser rejects a line over 64 KiB: a longer value is not carried
BUG_HINT = "this is a dockgen bug: please report it with the Dockerfile (nothing was written)"


class NotCarried(Exception):
    """An instruction dockgen cannot carry exactly; the message says why."""


# -- one instruction ------------------------------------------------------------------------------------------

def _key(raw: str, escape: str) -> str:
    text = literal(lex(raw, escape))
    if text is None or not KEY.fullmatch(text):
        raise WordError(f"the name {raw!r} is not a plain name")
    return text


def pairs(c: Any, escape: str) -> list[tuple[str, Word]]:
    """ENV/LABEL ``key=value`` pairs (also the old ``ENV key value`` form), as the builder reads them."""
    return [(_key(k, escape), plain(lex(v, escape))) for k, v in zip(c.value[0::2], c.value[1::2], strict=False)]


def args(c: Any, escape: str) -> list[tuple[str, Word | None]]:
    """ARG ``name[=default]`` words, as the builder reads them."""
    out: list[tuple[str, Word | None]] = []
    for w in c.value:
        k, sep, v = w.partition("=")
        out.append((_key(k, escape), plain(lex(v, escape)) if sep else None))
    return out


def meaning(c: Any, escape: str) -> tuple[Any, ...]:
    """What a carried instruction means to the builder: its words with quotes and escapes processed."""
    cmd = c.cmd.upper()
    if cmd in ("ENV", "LABEL"):
        return tuple(pairs(c, escape))
    if cmd == "ARG":
        return tuple(args(c, escape))
    if cmd == "VOLUME":
        return tuple(plain(lex(v.strip(), escape)) for v in c.value)
    if cmd == "EXPOSE":
        return tuple(lex(v, escape) for v in c.value)
    if cmd == "STOPSIGNAL":
        return (plain(lex(" ".join(c.value), escape)),)
    if cmd == "HEALTHCHECK":
        if not c.value or c.value[0].upper() == "NONE":
            return (tuple(c.flags), "NONE")
        argv = tuple(c.value[1:]) if c.json else ("/bin/sh", "-c", " ".join(c.value[1:]))
        return (tuple(c.flags), c.value[0].upper(), argv)
    raise NotCarried(f"{cmd} is not carried")


def _words(word_list: Iterable[Word], escape: str) -> None:
    for w in word_list:
        if not portable(w, escape):
            raise NotCarried(f"the variable reference in {shown(w)!r} is written for `# escape={escape}`")


def write_env(items: Sequence[tuple[str, Word]], escape: str) -> str:
    _words((v for _, v in items), escape)
    return "ENV " + " ".join(f"{k}={emit(v)}" for k, v in items)


def write_label(items: Sequence[tuple[str, Word]], escape: str) -> str:
    _words((v for _, v in items), escape)
    return "LABEL " + " ".join(f"{k}={emit(v, quote=True)}" for k, v in items)


def write_arg(items: Sequence[tuple[str, Word | None]], escape: str) -> str:
    _words((v for _, v in items if v is not None), escape)
    return "ARG " + " ".join(k if v is None else f"{k}={emit(v)}" for k, v in items)


def write_expose(items: Sequence[Word], escape: str) -> str:
    _words(items, escape)
    return "EXPOSE " + " ".join(emit(w, split=True) for w in items)


def write(c: Any, escape: str) -> str:
    """The line that carries ``c`` (VOLUME, STOPSIGNAL, HEALTHCHECK) into the v2. NotCarried when it
    cannot be written back with the same meaning."""
    cmd = c.cmd.upper()
    try:
        m = meaning(c, escape)
        if cmd == "VOLUME":
            _words(m, escape)
            if not m or any(not w for w in m):
                raise NotCarried("no volume, or an empty path: the build fails on it")
            words = [emit(w) for w in m]
            line = "VOLUME " + (json.dumps(words, ensure_ascii=True) if any(" " in w or "\t" in w for w in words)
                                else " ".join(words))
        elif cmd == "STOPSIGNAL":
            _words(m, escape)
            line = "STOPSIGNAL " + emit(m[0])
        elif cmd == "HEALTHCHECK":
            if any(not HEALTH_FLAG.fullmatch(f) for f in c.flags):
                raise NotCarried("a flag dockgen does not know")
            if m[1] == "NONE":
                line = " ".join(["HEALTHCHECK", *c.flags, "NONE"])
            elif m[1] != "CMD":
                raise NotCarried(f"HEALTHCHECK {m[1]}: the build accepts only CMD or NONE")
            else:
                line = " ".join(["HEALTHCHECK", *c.flags, "CMD", json.dumps(list(m[2]), ensure_ascii=True)])
        else:
            raise NotCarried(f"{cmd} is not carried")
    except WordError as exc:
        raise NotCarried(str(exc)) from exc
    return checked(line, m)


def checked(line: str, intended: tuple[Any, ...]) -> str:
    """``line`` when Docker's parser reads it as one instruction meaning ``intended`` (words processed
    with ``\\``, the v2's escape character), fit for the v2; NotCarried otherwise."""
    from . import dockerparse

    if any(not (ch.isprintable() or ch == "\t") for ch in line):
        raise NotCarried("it holds a control or invisible character, which the v2 cannot hold on one line")
    if len(line) > MAX_LINE:
        raise NotCarried(f"it is {len(line):,} characters long")
    try:
        parsed = dockerparse.parse_string(f"FROM scratch\n{line}\n")
    except dockerparse.ParseError as exc:
        raise NotCarried(f"written back, Docker's parser rejects it ({exc})") from exc
    try:
        same = len(parsed) == 2 and meaning(parsed[1], "\\") == intended
    except (WordError, NotCarried):
        same = False
    if not same:
        raise NotCarried("dockgen cannot write it back with the same meaning")
    return line


# -- EXPOSE ---------------------------------------------------------------------------------------------------

def port_key(word: Word) -> str:
    """A port spec compared as Docker compares it: ``80`` is ``80/tcp``, protocols in any case."""
    text = literal(word)
    if text is None:
        return "var:" + shown(plain(word))
    m = PORT_SPEC.fullmatch(text)
    if not m:
        return "bad:" + text
    low, high, proto = m.group(1), m.group(2), (m.group(3) or "tcp").lower()
    return f"{int(low)}" + (f"-{int(high)}" if high else "") + f"/{proto}"


def app_port(specs: Sequence[Word]) -> int | None:
    """The first plain TCP port of the EXPOSE specs: the port the v2's app listens on."""
    for w in specs:
        key = port_key(w)
        m = re.fullmatch(r"(\d+)/tcp", key)
        if m and 0 < int(m.group(1)) < 65536:
            return int(m.group(1))
    return None


def valid_spec(word: Word) -> bool:
    """A spec the build accepts (a variable: whatever it expands to)."""
    key = port_key(word)
    if key.startswith("var:"):
        return True
    m = re.fullmatch(r"(\d+)(?:-(\d+))?/\w+", key)
    if m is None:
        return False
    low, high = int(m.group(1)), int(m.group(2) or m.group(1))
    return 0 < low <= high < 65536


# -- WORKDIR, ENTRYPOINT, CMD ---------------------------------------------------------------------------------

def workdir_step(current: str | None, raw: str, escape: str) -> tuple[str | None, str | None]:
    """(the working directory after ``WORKDIR raw``, None when unknown; why it is unknown)."""
    try:
        text = literal(lex(raw, escape))
    except WordError as exc:
        return None, str(exc)
    if text is None:
        return None, "it uses a variable"
    if not text.startswith("/") and current is None:
        return None, "it is relative to the base image's working directory"
    path = posixpath.normpath(posixpath.join(current or "/", text))
    return "/" + path.lstrip("/"), None


def argv(c: Any) -> list[str]:
    """The argv an ENTRYPOINT or CMD runs: its JSON array, or shell form as /bin/sh runs it (plain words
    when the shell would only split them). A bracketed shell form is a broken JSON array: an error."""
    if c.json:
        return list(c.value)
    raw = " ".join(c.value)
    if raw.lstrip().startswith("["):
        raise DockgenError(f"line {c.start_line}: {c.cmd.upper()} {raw[:60]}: not a JSON array Docker can read "
                           "(it would run the text through /bin/sh -c)",
                           f'close the exec form: {c.cmd.upper()} ["program", "argument"] (double quotes, commas, '
                           "a closing ]), or write the shell form without brackets")
    if not SHELL_META.search(raw):
        try:
            words = shlex.split(raw)
        except ValueError:
            words = []
        if words and "=" not in words[0]:
            return words
    return ["/bin/sh", "-c", raw]


class Supplier:
    """The COPY/ADD of the final stage that puts a program where the ENTRYPOINT runs it."""

    def __init__(self, c: Any, kind: str, source: str, path: str) -> None:
        self.c, self.kind, self.source, self.path = c, kind, source, path  # kind: "stage", "url", "context"

    def describe(self) -> str:
        if self.kind == "stage":
            return f"line {self.c.start_line} copies it from the stage or image {self.source}"
        if self.kind == "url":
            return f"line {self.c.start_line} downloads it ({self.source})"
        return f"line {self.c.start_line} copies it from the build context ({self.source})"


def _targets(prog: str, workdir: str | None, path_dirs: Sequence[str]) -> list[str]:
    if "/" not in prog:
        return [f"{d.rstrip('/')}/{prog}" for d in path_dirs]
    if prog.startswith("/"):
        return [posixpath.normpath(prog)]
    return [posixpath.normpath(posixpath.join(workdir, prog))] if workdir else []


def supplier(commands: Sequence[Any], prog: str, escape: str, base: Path) -> Supplier | None:
    """The last COPY/ADD of the final stage (``commands``) that puts ``prog`` (an ENTRYPOINT's program)
    in place, as far as the Dockerfile says; None when none does (the base image or the sources have it)."""
    workdir: str | None = None
    path_dirs: Sequence[str] = DEFAULT_PATH
    found: Supplier | None = None
    for c in commands:
        cmd = c.cmd.upper()
        if cmd == "WORKDIR":
            workdir, _ = workdir_step(workdir, " ".join(c.value), escape)
        elif cmd == "ENV":
            try:
                env = dict(pairs(c, escape))
            except WordError:
                continue
            value = literal(env["PATH"]) if "PATH" in env else None
            if value is not None and "$" not in value:
                path_dirs = [d for d in value.split(":") if d.startswith("/")]
        elif cmd in ("COPY", "ADD") and not c.heredocs and len(c.value) >= 2:
            try:
                words = [literal(lex(v, escape)) for v in c.value]
            except WordError:
                continue
            if any(w is None for w in words):
                continue
            *sources, dest = [str(w) for w in words]
            dest_abs = posixpath.normpath(posixpath.join(workdir or "/", dest)) if (
                dest.startswith("/") or workdir) else None
            if dest_abs is None:
                continue
            from_stage = next((f.split("=", 1)[1] for f in c.flags if f.startswith("--from=")), None)
            for t in _targets(prog, workdir, path_dirs):
                for s in sources:
                    name = posixpath.basename(s.rstrip("/"))
                    exact = t == dest_abs and not dest.endswith("/") and len(sources) == 1
                    into = t == posixpath.join(dest_abs, name)
                    if from_stage is not None:
                        deeper = t.startswith(dest_abs.rstrip("/") + "/") and not (
                            workdir and (base / posixpath.relpath(t, workdir)).exists())
                        if exact or into or deeper:
                            found = Supplier(c, "stage", from_stage, t)
                    elif re.match(r"(https?|git)://|git@", s):
                        if exact or into:
                            found = Supplier(c, "url", s, t)
                    elif (exact or into) and not re.search(r"[*?\[]", s):
                        found = Supplier(c, "context", posixpath.normpath(s.lstrip("/")), t)
    return found


# -- the whole v2 ---------------------------------------------------------------------------------------------

def verify(v2: str, dockerfile: str, *, ports: Sequence[Word], entrypoint: Sequence[str],
           carried: Sequence[str]) -> None:
    """A DockgenError unless Docker's parser reads the v2 with a non-root USER in its final stage, the
    carried ENTRYPOINT, every port the old file exposed, and each carried instruction as one instruction."""
    from . import dockerparse as parser

    try:
        commands = parser.parse_string(v2)
    except parser.ParseError as exc:
        raise DockgenError(f"the v2 of {dockerfile} does not parse ({exc})", BUG_HINT) from exc
    starts = [i for i, c in enumerate(commands) if (c.cmd or "").upper() == "FROM"]
    if not starts:
        raise DockgenError(f"the v2 of {dockerfile} has no FROM", BUG_HINT)
    final = commands[starts[-1] + 1:]
    users = [c for c in final if (c.cmd or "").upper() == "USER"]
    who = literal(lex(" ".join(users[-1].value))) if users else None
    if who is None or who.split(":")[0] in ("", "root", "0"):
        raise DockgenError(f"the v2 of {dockerfile} would run as root (its runtime stage sets "
                           f"{'no USER' if not users else 'USER ' + ' '.join(users[-1].value)})", BUG_HINT)
    entries = [c for c in final if (c.cmd or "").upper() == "ENTRYPOINT"]
    if entrypoint and not (entries and entries[-1].json and list(entries[-1].value[-len(entrypoint):])
                           == list(entrypoint)):
        raise DockgenError(f"the v2 of {dockerfile} would lose the ENTRYPOINT {' '.join(entrypoint)}", BUG_HINT)
    exposed = {port_key(lex(v)) for c in final if (c.cmd or "").upper() == "EXPOSE" for v in c.value}
    lost = [shown(w) for w in ports if port_key(w) not in exposed]
    if lost:
        raise DockgenError(f"the v2 of {dockerfile} would not expose {', '.join(lost)}", BUG_HINT)
    originals = [(c.original or "").strip() for c in final]
    for line in carried:
        if line.strip() not in originals:
            raise DockgenError(f"the v2 of {dockerfile} lost the carried `{line[:80]}`", BUG_HINT)
        originals.remove(line.strip())

