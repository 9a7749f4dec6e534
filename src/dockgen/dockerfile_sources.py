"""The build-context paths a Dockerfile copies (COPY/ADD without --from), read with Docker's own parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dockerignore import go_clean
from .errors import DockgenError

VAR = re.compile(r"\$(?:\{(\w+)(?::[-+]([^}]*))?\}|(\w+))")


class DockerfileError(DockgenError):
    """The Dockerfile cannot be parsed."""


@dataclass(frozen=True, slots=True)
class CopySource:
    line: int
    instruction: str  # "COPY" / "ADD"
    source: str  # as written (after ARG expansion), e.g. "package*.json"
    path: str  # cleaned, relative to the context ("." for the whole context)
    wildcard: bool
    resolved: bool  # False when a variable could not be expanded


def read_dockerfile(path: Path, shown: str, *, errors: str = "replace",
                    missing_hint: str = "pass the app directory and -f the Dockerfile's name") -> str:
    """The text of the Dockerfile at ``path`` (``shown`` in messages) with its lines as Docker reads them:
    split at LF only, a CR before the LF dropped (a lone CR stays, where Docker's parser sees it; Python's
    universal newlines would make it a line break). A DockerfileError when it is missing, a directory or
    unreadable. Anything but a regular file (a FIFO, a device) counts as missing and is never opened."""
    if path.is_dir():
        raise DockerfileError(f"{shown} is a directory, not a Dockerfile",
                              "pass the Dockerfile's path (-f), or the directory that holds it")
    if not path.exists():
        raise DockerfileError(f"{shown}: no such Dockerfile", missing_hint)
    from . import reading

    try:  # opened without blocking, and refused unless it is still a regular file
        text = reading.read_bytes(path, shown=shown).decode("utf-8", errors=errors).replace("\r\n", "\n")
    except DockgenError as exc:
        raise DockerfileError(exc.message, "check its permissions (chmod u+r), or pass another file with -f") \
            from exc
    return text[:-1] if text.endswith("\r") else text


def _expand(text: str, args: dict[str, str]) -> tuple[str, bool]:
    ok = True

    def repl(m: re.Match[str]) -> str:
        nonlocal ok
        name = m.group(1) or m.group(3)
        if name in args:
            return args[name]
        if m.group(2) is not None:
            return m.group(2)
        ok = False
        return m.group(0)

    return VAR.sub(repl, text), ok


def parse(text: str, hint: str = "fix the Dockerfile syntax (docker build reports the same)") -> list[Any]:
    """The instructions of ``text``, read by Docker's own parser; a DockerfileError where it fails, or
    where it reads an instruction with no name (an escape character alone on a line)."""
    from . import dockerparse

    try:
        commands = list(dockerparse.parse_string(text))
    except dockerparse.ParseError as exc:
        raise DockerfileError(f"Dockerfile: {exc}", hint) from exc
    for c in commands:
        if not c.cmd:
            raise DockerfileError(f"Dockerfile line {c.start_line}: an instruction with no name (an escape "
                                  "character alone on a line continues into nothing)",
                                  "remove the line, or the escape character that ends the line before it")
    return commands


def copy_sources(text: str) -> list[CopySource]:
    commands = parse(text)
    args: dict[str, str] = {}
    out: list[CopySource] = []
    for c in commands:
        cmd = c.cmd.upper()
        if cmd in ("ARG", "ENV"):
            words = c.value if cmd == "ARG" else tuple(f"{c.value[i]}={c.value[i + 1]}"
                                                       for i in range(0, len(c.value) - 1, 2))
            for word in words:
                key, sep, value = word.partition("=")
                if sep and key not in args:
                    args[key] = value.strip('"')
            continue
        if cmd not in ("COPY", "ADD") or any(f.startswith("--from") for f in c.flags) or c.heredocs:
            continue
        for raw in c.value[:-1]:
            if cmd == "ADD" and re.match(r"^(https?|git)://|^git@", raw):
                continue
            source, ok = _expand(raw, args)
            path = go_clean(source)
            if path.startswith("/"):
                path = go_clean(path.lstrip("/")) if path != "/" else "."
            out.append(CopySource(line=c.start_line, instruction=cmd, source=source, path=path,
                                  wildcard=bool(re.search(r"[*?\[]", path)), resolved=ok))
    return out
