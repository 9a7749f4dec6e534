"""Dockerfiles read as Docker reads them, in pure Python.

A port of BuildKit's Dockerfile parser (moby/buildkit v0.12.5, frontend/dockerfile/parser: parser.go,
line_parsers.go, split_command.go, and the shell lexer it runs over heredoc lines) returning what the
``dockerfile`` package (Docker's Go parser through cgo) returns: one ``Command`` per instruction with
``cmd`` (as written), ``sub_cmd`` (ONBUILD's instruction), ``json``, ``original``, ``start_line``,
``end_line``, ``flags``, ``value`` and ``heredocs``; ``ParseError`` with Docker's message where Docker
fails. Empty ``cmd``/``sub_cmd``/``original`` are None, as that package gives them.

Which parser runs (``backend()``): ``DOCKGEN_PARSER=python`` forces this one, ``DOCKGEN_PARSER=go``
requires the Go one (``pip install 'dockgen-cli[exact]'``), anything else (unset, ``auto``) uses the Go
one when it is importable and this one otherwise. Text the Go binding cannot take (a NUL, which it
cuts the file at, or a lone surrogate from an undecodable byte, on which it crashes the process) is
always read here. Bytes that are not UTF-8 come back as surrogates (``surrogateescape``), where the Go
binding raises UnicodeDecodeError: one of them is Docker's own byte-wise flag splitting cutting a
character in two (``RUN --x=\\u00e0``: its second byte is a space to Go's byte-wise ``unicode.IsSpace``).
"""

from __future__ import annotations

import json as _json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Command", "Heredoc", "ParseError", "backend", "parse_file", "parse_python", "parse_string"]

MAX_TOKEN = 64 * 1024  # bufio.MaxScanTokenSize: a line (with its \n) longer than this ends the scan


class ParseError(ValueError):
    """Docker's parser rejects the Dockerfile; the message is Docker's."""


class Heredoc(NamedTuple):
    name: str
    file_descriptor: int
    content: str


class Command(NamedTuple):
    cmd: str | None
    sub_cmd: str | None
    json: bool
    original: str | None
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[Heredoc, ...]


# -- which parser -----------------------------------------------------------------------------------------

def _go() -> Any:
    try:
        import dockerfile
    except ImportError:
        return None
    return dockerfile


def backend() -> str:
    """``"go"`` or ``"python"``: the parser ``parse_string`` runs (see the module docstring)."""
    asked = os.environ.get("DOCKGEN_PARSER", "auto").strip().lower()
    if asked == "python":
        return "python"
    if asked == "go":
        if _go() is None:
            from .errors import DockgenError

            raise DockgenError("DOCKGEN_PARSER=go but Docker's Go parser (the `dockerfile` package) is not "
                               "installed", "install it (pip install 'dockgen-cli[exact]') or unset DOCKGEN_PARSER")
        return "go"
    return "go" if _go() is not None else "python"


def parse_string(text: str) -> tuple[Command, ...]:
    """The instructions of ``text`` (see the module docstring for which parser reads it)."""
    if backend() == "go" and "\0" not in text and not _SURROGATE.search(text):
        return _parse_go(text)
    return parse_python(text)


def parse_file(path: str | os.PathLike[str]) -> tuple[Command, ...]:
    data = Path(path).read_bytes()
    return parse_string(data.decode("utf-8", "surrogateescape"))


def _parse_go(text: str) -> tuple[Command, ...]:
    go = _go()
    try:
        parsed = go.parse_string(text)
    except go.GoParseError as exc:
        raise ParseError(str(exc)) from None
    except UnicodeDecodeError:  # Go split a character in two: read it here, where the bytes are kept
        return parse_python(text)
    return tuple(Command(c.cmd, c.sub_cmd, c.json, c.original, c.start_line, c.end_line, tuple(c.flags),
                         tuple(c.value), tuple(Heredoc(h.name, h.file_descriptor, h.content) for h in c.heredocs))
                 for c in parsed)


# -- Go's character classes --------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                      "\u200a\u2028\u2029\u202f\u205f\u3000")
_BYTE_SPACE = frozenset(b"\t\n\v\f\r \x85\xa0")  # unicode.IsSpace(rune(b)) for one byte b
_WS = re.compile(r"[\t\v\f\r ]+")  # reWhitespace
_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z", re.DOTALL)


def _space(ch: str) -> bool:
    return ch in _GO_SPACE


def _lstrip(s: str) -> str:  # strings.TrimLeftFunc(s, unicode.IsSpace)
    i = 0
    while i < len(s) and s[i] in _GO_SPACE:
        i += 1
    return s[i:]


def _strip(s: str) -> str:  # strings.TrimSpace
    s = _lstrip(s)
    j = len(s)
    while j > 0 and s[j - 1] in _GO_SPACE:
        j -= 1
    return s[:j]


def _rune(ch: str) -> str:
    """A character as Go decodes it: a byte that is not UTF-8 (a surrogate here) is U+FFFD."""
    return "\ufffd" if "\udc80" <= ch <= "\udcff" or "\ud800" <= ch <= "\udfff" else ch


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape") if not _SURROGATE.search(s) else _encode_odd(s)


def _encode_odd(s: str) -> bytes:
    out = bytearray()
    for ch in s:
        if "\udc80" <= ch <= "\udcff":
            out.append(ord(ch) - 0xDC00)
        elif "\ud800" <= ch <= "\udfff":
            out += "\ufffd".encode()
        else:
            out += ch.encode()
    return bytes(out)


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def go_quote(s: str) -> str:
    """strconv.Quote (what Go's %q prints for a string)."""
    out = ['"']
    for ch in s:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch in '"\\':
            out.append("\\" + ch)
        elif ch == " " or (ch.isprintable() and not _space(ch)):
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                        "\v": "\\v"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _lower(s: str) -> str:  # strings.ToLower, for looking up instruction names
    return s.replace("\u0130", "i").lower()


# -- the scanner: bufio.Scanner with scanLines that keeps line endings ---------------------------------------

class _Lines:
    def __init__(self, text: str) -> None:
        self._lines = text.split("\n")
        self._ended = self._lines[-1] == ""  # the text ends with a newline: no last line without one
        if self._ended:
            self._lines.pop()
        self._i = 0
        self.too_long = False

    def scan(self) -> str | None:
        if self.too_long or self._i >= len(self._lines):
            return None
        line = self._lines[self._i]
        self._i += 1
        last = self._i == len(self._lines) and not self._ended
        if not last:
            line += "\n"
        size = len(_bytes(line))
        if size > MAX_TOKEN or (last and size >= MAX_TOKEN):
            self.too_long = True
            return None
        return line


def _trim_newline(s: str) -> str:
    return s.rstrip("\r\n")


def _is_comment(line: str) -> bool:
    return _lstrip(_trim_newline(line)).startswith("#")


class _Directives:
    def __init__(self) -> None:
        self.escape = "\\"
        self.done = False
        self.seen: set[str] = set()
        self._continuation = self._regex("\\")

    @staticmethod
    def _regex(e: str) -> re.Pattern[str]:
        q = re.escape(e)
        return re.compile(f"([^{q}]){q}[ \t]*\\Z|^{q}[ \t]*\\Z", re.DOTALL)

    def possible(self, line: str) -> None:
        if self.done:
            return
        m = _DIRECTIVE.match(line)
        if not m:
            self.done = True
            return
        key = m.group(1).lower()
        if key not in ("escape", "syntax"):
            self.done = True
            return
        if key in self.seen:
            raise ParseError(f"only one {key} parser directive can be used")
        self.seen.add(key)
        if key == "escape":
            value = m.group(2)
            if value not in ("`", "\\"):
                raise ParseError(f"invalid escape token '{value}' does not match ` or \\")
            self.escape = value
            self._continuation = self._regex(value)

    def trim_continuation(self, line: str) -> tuple[str, bool]:
        m = self._continuation.search(line)
        if m:
            return line[:m.start()] + (m.group(1) or ""), False
        return line, True


def _process_line(d: _Directives, token: str, strip_left: bool) -> str:
    token = _trim_newline(token)
    if strip_left:
        token = _lstrip(token)
    d.possible(token)
    return "" if token.startswith("#") else token


# -- a node of Docker's parse tree -------------------------------------------------------------------------

class _Node:
    __slots__ = ("attrs", "children", "flags", "heredocs", "next", "original", "value")

    def __init__(self, value: str = "", nxt: _Node | None = None) -> None:
        self.value = value
        self.next = nxt
        self.children: list[_Node] = []
        self.attrs: dict[str, bool] = {}
        self.original = ""
        self.flags: list[str] = []
        self.heredocs: list[Heredoc] = []


def _chain(values: list[str]) -> _Node | None:
    head: _Node | None = None
    for v in reversed(values):
        head = _Node(v, head)
    return head


# -- splitCommand / extractBuilderFlags (byte-wise, as in Go) ----------------------------------------------

def _split_command(line: str) -> tuple[str, list[str], str]:
    stripped = _strip(line)
    parts = _WS.split(stripped, maxsplit=1)
    cmd = parts[0]
    flags: list[str] = []
    args = ""
    if len(parts) == 2:
        args, flags = _builder_flags(parts[1])
    return cmd, flags, _strip(args)


def _builder_flags(line: str) -> tuple[str, list[str]]:
    b = _bytes(line)
    n = len(b)
    words: list[str] = []
    phase = 0  # 0 in spaces, 1 in word, 2 in quote
    word: list[int] = []
    quote = 0
    blank_ok = False
    ch = 0
    pos = 0
    while pos <= n:
        if pos != n:
            ch = b[pos]
        if phase == 0:
            if pos == n:
                break
            if ch in _BYTE_SPACE:
                pos += 1
                continue
            if ch != 0x2D or pos + 1 == n or b[pos + 1] != 0x2D:
                return _text(b[pos:]), words
            phase = 1
        if phase in (1, 2) and pos == n:
            if bytes(word) != b"--" and (blank_ok or word):
                words.append(bytes(word).decode("latin-1"))
            break
        if phase == 1:
            if ch in _BYTE_SPACE:
                phase = 0
                if bytes(word) == b"--":
                    return _text(b[pos:]), words
                if blank_ok or word:
                    words.append(bytes(word).decode("latin-1"))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in (0x27, 0x22):
                quote = ch
                blank_ok = True
                phase = 2
                pos += 1
                continue
            if ch == 0x5C:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = b[pos]
            word.append(ch)
            pos += 1
            continue
        if phase == 2:
            if ch == quote:
                phase = 1
                pos += 1
                continue
            if ch == 0x5C:
                if pos + 1 == n:
                    phase = 1
                    pos += 1
                    continue
                pos += 1
                ch = b[pos]
            word.append(ch)
        pos += 1
    return "", words


# -- the line parsers ---------------------------------------------------------------------------------------

_NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


def _parse_words(rest: str, escape: str) -> list[str]:
    words: list[str] = []
    phase = 0
    word: list[str] = []
    quote = ""
    blank_ok = False
    chars = [_rune(c) for c in rest]
    n = len(chars)
    pos = 0
    ch = ""
    while pos <= n:
        if pos != n:
            ch = chars[pos]
        if phase == 0:
            if pos == n:
                break
            if _space(ch):
                pos += 1
                continue
            phase = 1
        if phase in (1, 2) and pos == n:
            if blank_ok or word:
                words.append("".join(word))
            break
        if phase == 1:
            if _space(ch):
                phase = 0
                if blank_ok or word:
                    words.append("".join(word))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in "'\"":
                quote = ch
                blank_ok = True
                phase = 2
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = chars[pos]
            word.append(ch)
            pos += 1
            continue
        if phase == 2:
            if ch == quote:
                phase = 1
            if ch == escape and quote != "'":
                if pos + 1 == n:
                    phase = 1
                    pos += 1
                    continue
                pos += 1
                word.append(ch)
                ch = chars[pos]
            word.append(ch)
        pos += 1
    return words


def _name_val(rest: str, key: str, escape: str) -> _Node | None:
    words = _parse_words(rest, escape)
    if not words:
        return None
    if "=" not in words[0]:
        parts = _WS.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise ParseError(f"{key} must have two arguments")
        return _Node(parts[0], _Node(parts[1]))
    flat: list[str] = []
    for word in words:
        if "=" not in word:
            raise ParseError(f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value")
        k, _, v = word.partition("=")
        flat += [k, v]
    return _chain(flat)


class _Overflow(ValueError):
    pass


def _go_number(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Overflow(text)
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(text)


_DECODER = _json.JSONDecoder(parse_float=_go_number, parse_int=_go_number, parse_constant=_no_constant)


def _parse_json(rest: str) -> tuple[_Node | None, dict[str, bool]] | None:
    """The JSON array ``rest`` starts with; None where Go's decoder fails (shell form), ParseError where it
    holds something other than strings."""
    rest = _lstrip(rest)
    if not rest.startswith("["):
        return None
    try:
        data, _ = _DECODER.raw_decode(rest)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    if not all(isinstance(s, str) for s in data):
        raise ParseError(_NOT_STRINGS)
    return _chain([_SURROGATE.sub("\ufffd", s) for s in data]), {"json": True}


def _maybe_json(rest: str) -> tuple[_Node | None, dict[str, bool]]:
    if rest == "":
        return None, {}
    parsed = _parse_json(rest)
    if parsed is not None:
        return parsed
    return _Node(rest), {}


def _maybe_json_list(rest: str) -> tuple[_Node | None, dict[str, bool]]:
    parsed = _parse_json(rest)
    if parsed is not None:
        return parsed
    return _whitespace_list(rest), {}


def _whitespace_list(rest: str) -> _Node | None:
    if rest == "":
        return None
    return _chain(_WS.split(rest))


def _health(rest: str, d: _Directives) -> tuple[_Node | None, dict[str, bool]]:
    b = _bytes(rest)
    sep = 0
    while sep < len(b) and b[sep] not in _BYTE_SPACE:
        sep += 1
    nxt = sep
    while nxt < len(b) and b[nxt] in _BYTE_SPACE:
        nxt += 1
    if sep == 0:
        return None, {}
    cmd, attrs = _maybe_json(_text(b[nxt:]))
    return _Node(_text(b[:sep]), cmd), attrs


def _dispatch(cmd: str, rest: str, d: _Directives) -> tuple[_Node | None, dict[str, bool]]:
    name = _lower(cmd)
    if name in ("add", "copy", "volume"):
        return _maybe_json_list(rest)
    if name in ("cmd", "entrypoint", "run", "shell"):
        return _maybe_json(rest)
    if name in ("expose", "from"):
        return _whitespace_list(rest), {}
    if name in ("env", "label"):
        return _name_val(rest, "ENV" if name == "env" else "LABEL", d.escape), {}
    if name == "arg":
        words = _parse_words(rest, d.escape)
        return (_chain(words) if words else None), {}
    if name in ("maintainer", "stopsignal", "user", "workdir"):
        return (_Node(rest) if rest else None), {}
    if name == "healthcheck":
        return _health(rest, d)
    if name == "onbuild":
        if rest == "":
            return None, {}
        holder = _Node()
        holder.children.append(_node_from_line(rest, d))
        return holder, {}
    return _Node(), {}  # an instruction Docker does not know: kept, its arguments dropped


def _node_from_line(line: str, d: _Directives) -> _Node:
    cmd, flags, args = _split_command(line)
    nxt, attrs = _dispatch(cmd, args, d)
    node = _Node(cmd, nxt)
    node.original = line
    node.flags = flags
    node.attrs = attrs
    return node


def _can_contain_heredoc(node: _Node) -> bool:
    if _lower(node.value) == "onbuild" and node.next is not None and node.next.children:
        node = node.next.children[0]
    return _lower(node.value) in ("add", "copy", "run") and not node.attrs.get("json")


# -- the shell lexer (frontend/dockerfile/shell/lex.go) over a heredoc line ----------------------------------

class _LexError(Exception):
    pass


class _Lex:
    """ProcessWords with escape ``\\``, SkipUnsetEnv and no variables set."""

    EOF = ""

    def __init__(self, src: str, raw_quotes: bool, raw_escapes: bool) -> None:
        chars = [_rune(c) for c in src]
        if chars and chars[0] == "\ufeff":  # text/scanner skips a leading BOM
            chars = chars[1:]
        self.chars = chars
        self.pos = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes

    def peek(self) -> str:
        return self.chars[self.pos] if self.pos < len(self.chars) else self.EOF

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch

    def words(self) -> list[str]:
        return self.stop_on(self.EOF)[1]

    def stop_on(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        words: list[str] = []
        word: list[str] = []
        in_word = False

        def add_char(ch: str) -> None:
            nonlocal in_word, word
            if _space(ch) and in_word:
                if word:
                    words.append("".join(word))
                    word = []
                    in_word = False
            elif not _space(ch):
                word.append(ch)
                in_word = True

        while self.peek() != self.EOF:
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                if word:
                    words.append("".join(word))
                return "".join(result), words
            if ch in "$'\"":
                tmp = self.dollar() if ch == "$" else self.single() if ch == "'" else self.double()
                result.append(tmp)
                if ch == "$":
                    for c in tmp:
                        add_char(c)
                else:
                    word.append(tmp)
                    in_word = True
            else:
                ch = self.next()
                if ch == "\\":
                    if self.raw_escapes:
                        word.append(ch)
                        in_word = True
                        result.append(ch)
                    ch = self.next()
                    if ch == self.EOF:
                        break
                    word.append(ch)
                    in_word = True
                else:
                    add_char(ch)
                result.append(ch)
        if stop:
            raise _LexError(f"unexpected end of statement while looking for matching {stop}")
        if word:
            words.append("".join(word))
        return "".join(result), words

    def single(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            out.append(ch)
        while True:
            ch = self.next()
            if ch == self.EOF:
                raise _LexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            out.append(ch)
        while True:
            ch = self.peek()
            if ch == self.EOF:
                raise _LexError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == "\\":
                if self.raw_escapes:
                    out.append(ch)
                nxt = self.peek()
                if nxt == self.EOF:
                    continue
                if nxt in '"$\\':
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        out: list[str] = []
        while self.peek() != self.EOF:
            ch = self.peek()
            if not out and ch.isdecimal():
                while self.peek() != self.EOF and self.peek().isdecimal():
                    out.append(self.next())
                return "".join(out)
            if not out and ch in "@*#?-$!0":
                return self.next()
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            out.append(self.next())
        return "".join(out)

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            return "$" + name  # SkipUnsetEnv: nothing is set, so a reference stays as written
        self.next()
        if self.peek() == self.EOF:
            raise _LexError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise _LexError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        if ch == "}":
            return "${" + name + "}"
        chs = ch or "\ufffd"
        if ch == ":":
            ch = self.next()
            chs += ch or "\ufffd"
        elif ch not in ("+", "-", "?") or ch == self.EOF:
            raise _LexError(f"unsupported modifier ({chs}) in substitution")
        try:
            word, _ = self.stop_on("}")
        except _LexError:
            if self.peek() == self.EOF:
                raise _LexError("syntax error: missing '}'") from None
            raise
        return "${" + name + chs + word + "}"


def _heredoc(word: str) -> tuple[Heredoc, bool] | None:
    """The heredoc a word of the instruction's line opens (and whether it is ``<<-``), or None."""
    m = _HEREDOC.match(word)
    if not m:
        return None
    fd = int(m.group(1)) if m.group(1) else 0
    fd = min(fd, 2**64 - 1)
    if fd >= 2**63:
        fd -= 2**64  # the uint the Go binding hands over as a C long
    rest = m.group(3)
    if not rest:
        return None
    try:
        cooked = _Lex(rest, raw_quotes=False, raw_escapes=False).words()
        if len(cooked) != 1:
            return None
        raw = _Lex(rest, raw_quotes=True, raw_escapes=False).words()
    except _LexError as exc:
        raise ParseError(f"failed to process {go_quote(rest)}: {exc}") from None
    if len(raw) != len(cooked):
        raise ParseError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    return Heredoc(cooked[0], fd, ""), m.group(2) == "-"


def _heredocs_from_line(line: str) -> list[tuple[Heredoc, bool]]:
    if "<<" not in line:
        return []
    try:
        words = _Lex(line, raw_quotes=True, raw_escapes=True).words()
    except _LexError:
        return []
    return [h for h in map(_heredoc, words) if h is not None]


# -- Parse ---------------------------------------------------------------------------------------------------

def parse_python(text: str) -> tuple[Command, ...]:
    """The instructions of ``text`` read by this port of Docker's parser."""
    d = _Directives()
    scanner = _Lines(text)
    current = 0
    found: list[tuple[_Node, int, int]] = []
    while (raw := scanner.scan()) is not None:
        if current == 0 and raw.startswith("\ufeff"):
            raw = raw[1:]
        token = _process_line(d, raw, True)
        current += 1
        start = current
        line, end_of_line = d.trim_continuation(token)
        if end_of_line and line == "":
            continue
        while not end_of_line:
            more = scanner.scan()
            if more is None:
                break
            token = _process_line(d, more, False)
            current += 1
            if _is_comment(more):
                continue
            if _lstrip(_trim_newline(token)) == "":
                continue
            piece, end_of_line = d.trim_continuation(token)
            line += piece
        node = _node_from_line(line, d)
        if _can_contain_heredoc(node):
            for doc, chomp in _heredocs_from_line(line):
                terminator = doc.name
                content: list[str] = []
                terminated = False
                while (body := scanner.scan()) is not None:
                    current += 1
                    candidate = _trim_newline(body)
                    if (candidate.lstrip("\t") if chomp else candidate) == terminator:
                        terminated = True
                        break
                    content.append(body)
                if not terminated:
                    raise ParseError("unterminated heredoc")
                node.heredocs.append(doc._replace(content="".join(content)))
        found.append((node, start, current))
    if not found:
        raise ParseError("file with no instructions")
    if scanner.too_long:
        raise ParseError(f"dockerfile line greater than max allowed size of {MAX_TOKEN - 1}")
    return tuple(_command(node, start, end) for node, start, end in found)


def _command(node: _Node, start: int, end: int) -> Command:
    original = node.original
    flags = tuple(node.flags)
    cmd = node.value
    sub: str | None = None
    if node.next is not None and node.next.children:
        node = node.next.children[0]
        sub = node.value
    for doc in node.heredocs:
        original += "\n" + doc.content + doc.name
    if node.heredocs:
        original += "\n"
    values: list[str] = []
    n = node.next
    while n is not None:
        values.append(n.value)
        n = n.next
    return Command(cmd or None, sub or None, bool(node.attrs.get("json")), original or None, start, end, flags,
                   tuple(values), tuple(node.heredocs))

