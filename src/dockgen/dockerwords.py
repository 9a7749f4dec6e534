"""Docker's word rules: what a word of ENV, LABEL, ARG, VOLUME, EXPOSE or STOPSIGNAL means once the
builder has processed it, and how to write that meaning back in a Dockerfile that escapes with ``\\``.

Docker's parser (moby/buildkit, which the `dockerfile` package runs) splits an instruction into words
but leaves their quotes and escape characters in; the builder removes them later with its shell lexer
(frontend/dockerfile/shell/lex.go), which also expands variables. ``lex`` does that lexer's quote and
escape removal without expanding anything: a word becomes literal text and variable references, the
references kept as written. ``emit`` writes such a word for a backslash-escaped Dockerfile (dockgen's
v2), so an instruction written under ``# escape=``` keeps its meaning when it moves into the v2.
"""

from __future__ import annotations

import re

# ("lit", text) or ("var", "$NAME" / "${NAME...}" as written), ("qvar" inside double quotes: that matters
# where the builder splits the expanded word, EXPOSE)
Piece = tuple[str, str]
Word = tuple[Piece, ...]

SAFE = re.compile(r"[A-Za-z0-9._/:@%+,=-]+")  # written bare: no quote, escape, $ or space in it
_SPECIAL = frozenset("@*#?-$!0")  # $@, $*, $#...: one-character shell parameters
_PROBE = ("FROM scratch", "LABEL dockgen.probe=1`", "LABEL dockgen.probe=2")


class WordError(ValueError):
    """A word the builder would reject (an unclosed quote, a bad ${...}) or dockgen cannot rewrite."""


def escape_of(text: str) -> str:
    """The escape character Docker reads ``text`` with (``\\`` unless an ``# escape=`` directive
    says otherwise), asked of Docker's own parser: the file's leading comment lines followed by a line
    that ends in a backtick, which continues onto the next line only when the backtick escapes."""
    from . import dockerparse

    head: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip().lstrip("\ufeff").strip()
        if stripped and not stripped.startswith("#"):
            break
        head.append(line)
    try:
        commands = dockerparse.parse_string("\n".join([*head, *_PROBE]) + "\n")
    except dockerparse.ParseError:
        return "\\"  # the file's own parse reports the directive's error
    return "`" if sum((c.cmd or "").upper() == "LABEL" for c in commands) == 1 else "\\"


def lex(raw: str, escape: str = "\\") -> Word:
    """``raw`` (a word as Docker's parser returns it) with its quotes and escapes processed the way the
    builder processes them, variables left unexpanded. WordError where the builder fails."""
    out: list[Piece] = []
    _Lexer(raw, escape, out).run()
    return tuple(out)


def literal(word: Word) -> str | None:
    """The text of a word without variables (None when it has one)."""
    if any(kind != "lit" for kind, _ in word):
        return None
    return "".join(text for _, text in word)


def shown(word: Word) -> str:
    """A word for messages: its text, variables as written."""
    return "".join(text for _, text in word)


def emit(word: Word, *, quote: bool = False, split: bool = False) -> str:
    """``word`` written for a Dockerfile that escapes with ``\\`` (dockgen's): bare when it is plain
    text of safe characters (and ``quote`` is not asked), else double-quoted with ``\\``, ``"`` and
    ``$`` escaped; a variable reference is copied as written (inside the quotes unless it holds a
    quote itself; with ``split`` (the builder splits the expanded word: EXPOSE) inside or outside as it
    was. WordError when a reference cannot be placed without changing the word's meaning."""
    text = literal(word)
    if text is not None and not quote and SAFE.fullmatch(text):
        return text
    parts: list[str] = []
    inside = False
    for kind, value in word:
        if kind == "lit":
            if not inside:
                parts.append('"')
                inside = True
            parts.append(value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$"))
        elif '"' not in value and (not split or kind == "qvar"):
            if not inside:
                parts.append('"')
                inside = True
            parts.append(value)
        elif not any(c.isspace() for c in value) and (not split or kind == "var"):
            if inside:
                parts.append('"')
                inside = False
            parts.append(value)
        else:
            raise WordError(f"the variable reference {value} cannot be re-quoted")
    if inside:
        parts.append('"')
    return "".join(parts) or '""'


def portable(word: Word, escape: str) -> bool:
    """True when ``word``'s variable references mean the same in a backslash-escaped Dockerfile: they
    are copied as written, so under ``# escape=``` none may hold a ``\\`` or a backtick."""
    return escape == "\\" or not any(kind != "lit" and ("\\" in text or "`" in text) for kind, text in word)


class _Lexer:
    """buildkit's shellWord.processStopOn, processSingleQuote, processDoubleQuote and processDollar,
    producing pieces instead of an expanded string."""

    def __init__(self, raw: str, escape: str, out: list[Piece]) -> None:
        self.raw, self.escape, self.out = raw, escape, out

    def lit(self, text: str) -> None:
        if self.out and self.out[-1][0] == "lit":
            self.out[-1] = ("lit", self.out[-1][1] + text)
        elif text:
            self.out.append(("lit", text))

    def run(self) -> None:
        raw, n, i = self.raw, len(self.raw), 0
        while i < n:
            ch = raw[i]
            if ch == "$":
                i = self.dollar(i, record=True)
            elif ch == "'":
                end = raw.find("'", i + 1)
                if end < 0:
                    raise WordError("unexpected end of statement while looking for matching single-quote")
                self.lit(raw[i + 1:end])
                i = end + 1
            elif ch == '"':
                i = self.double(i, record=True)
            elif ch == self.escape:
                if i + 1 >= n:
                    break  # an escape character ending the word is dropped
                self.lit(raw[i + 1])
                i += 2
            else:
                self.lit(ch)
                i += 1

    def double(self, i: int, *, record: bool) -> int:
        """From the opening quote at ``i`` to past the closing one."""
        raw, n = self.raw, len(self.raw)
        i += 1
        while True:
            if i >= n:
                raise WordError("unexpected end of statement while looking for matching double-quote")
            ch = raw[i]
            if ch == '"':
                return i + 1
            if ch == "$":
                i = self.dollar(i, record=record, kind="qvar")
                continue
            i += 1
            if ch == self.escape:
                if i >= n:
                    continue
                if raw[i] in ('"', "$", self.escape):
                    ch = raw[i]
                    i += 1
            if record:
                self.lit(ch)

    def name_end(self, i: int) -> int:
        """processName: the end of the parameter name starting at ``i``."""
        raw, n = self.raw, len(self.raw)
        if i < n and raw[i].isdecimal():
            while i < n and raw[i].isdecimal():
                i += 1
            return i
        if i < n and raw[i] in _SPECIAL:
            return i + 1
        while i < n and (raw[i].isalpha() or raw[i].isdecimal() or raw[i] == "_"):
            i += 1
        return i

    def dollar(self, i: int, *, record: bool, kind: str = "var") -> int:
        """From the ``$`` at ``i`` to past the reference (or the lone ``$``)."""
        raw, n = self.raw, len(self.raw)
        if i + 1 >= n or raw[i + 1] != "{":
            end = self.name_end(i + 1)
            if record:
                if end == i + 1:
                    self.lit("$")
                else:
                    self.out.append((kind, raw[i:end]))
            return end
        j = i + 2
        if j >= n:
            raise WordError("syntax error: missing '}'")
        if raw[j] in "{}:":
            raise WordError("syntax error: bad substitution")
        j = self.name_end(j)
        if j >= n:
            raise WordError("syntax error: missing '}'")
        ch = raw[j]
        j += 1
        if ch == ":":
            if j >= n:
                raise WordError("syntax error: missing '}'")
            ch = raw[j]
            j += 1
            j = self.stop_on(j, "}")
            if ch not in "-+?#%":
                raise WordError(f"unsupported modifier (:{ch}) in substitution")
        elif ch in "-+?#%":
            j = self.stop_on(j, "}")
        elif ch == "/":
            if j < n and raw[j] == "/":
                j += 1
            j = self.stop_on(self.stop_on(j, "/"), "}")
        elif ch != "}":
            raise WordError(f"unsupported modifier ({ch}) in substitution")
        if record:
            self.out.append((kind, raw[i:j]))
        return j

    def stop_on(self, i: int, stop: str) -> int:
        """processStopOn(stop): past the first unquoted, unescaped ``stop`` from ``i``."""
        raw, n = self.raw, len(self.raw)
        while i < n:
            ch = raw[i]
            if ch == stop:
                return i + 1
            if ch == "$":
                i = self.dollar(i, record=False)
            elif ch == "'":
                end = raw.find("'", i + 1)
                if end < 0:
                    raise WordError("unexpected end of statement while looking for matching single-quote")
                i = end + 1
            elif ch == '"':
                i = self.double(i, record=False)
            else:
                i += 1
                if ch == self.escape:
                    if i >= n:
                        break
                    i += 1
        raise WordError(f"syntax error: missing '{stop}'")


def plain(word: Word) -> Word:
    """``word`` with no difference between references inside and outside double quotes (where the
    builder does not split the expanded word: ENV, LABEL, ARG, VOLUME, STOPSIGNAL, WORKDIR, USER)."""
    return tuple(("var", text) if kind == "qvar" else (kind, text) for kind, text in word)
