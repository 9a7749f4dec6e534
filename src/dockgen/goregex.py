"""Go's ``regexp`` syntax (RE2) translated to Python ``re``, for the regexps Docker builds from
.dockerignore patterns.

Docker 20.10's pattern matcher turns a pattern into a Go regexp escaping only ``.`` and ``$``, so
``+ ( ) | { } ^ [ ]`` and backslash escapes keep their regexp meaning (``a+b`` matches ``aab``;
``c++`` is a syntax error that fails the build). Python's ``re`` differs from Go's in a few places;
this module rewrites a Go regexp into an equivalent Python one or raises ``GoRegexError`` with
Go's own message where Go would reject it:

* ``$`` (end of text in Go) becomes ``\\Z``; ``\\z`` becomes ``\\Z``; Python-only escapes (``\\Z``,
  ``\\u``, backreferences ``\\1``) are errors as in Go;
* nested repetition (``a++``, ``a*+``: possessive in Python 3.11) is an error as in Go;
* ``{,n}`` is a literal in Go (a repeat in Python); repeat counts above 1000 are errors;
* ``\\Q...\\E``, ``\\x{...}``, octal escapes and POSIX classes (``[[:alpha:]]``) are expanded;
  ``\\d \\w \\s \\b`` are ASCII-only in both (``re.ASCII``). Unicode classes (``\\pL``) are
  reported as unsupported.
"""

from __future__ import annotations

import re

POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
PERL = set("dDsSwW")
SIMPLE = {"a": "\\x07", "f": "\\f", "t": "\\t", "n": "\\n", "r": "\\r", "v": "\\v"}


class GoRegexError(ValueError):
    """What Go's regexp.Compile would say (``error parsing regexp: ...``)."""


def _err(what: str, expr: str) -> GoRegexError:
    return GoRegexError(f"error parsing regexp: {what}: `{expr}`")


def _octal_or_hex(src: str, i: int) -> tuple[str, int] | None:
    """An escape producing one character at src[i] (just after the backslash), or None."""
    c = src[i]
    if c in SIMPLE:
        return SIMPLE[c], i + 1
    if c == "x":
        if i + 1 < len(src) and src[i + 1] == "{":
            end = src.find("}", i + 2)
            digits = src[i + 2:end] if end != -1 else ""
            if end == -1 or not digits or not all(ch in "0123456789abcdefABCDEF" for ch in digits) \
                    or int(digits, 16) > 0x10FFFF:
                raise _err("invalid escape sequence", src[i - 1:end + 1 if end != -1 else len(src)])
            return re.escape(chr(int(digits, 16))), end + 1
        digits = src[i + 1:i + 3]
        if len(digits) < 2 or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
            raise _err("invalid escape sequence", src[i - 1:i + 3])
        return re.escape(chr(int(digits, 16))), i + 3
    if c in "01234567":
        j = i
        while j < len(src) and j < i + 3 and src[j] in "01234567":
            j += 1
        if c != "0" and j == i + 1:  # \1..\7 alone: a backreference, which Go does not support
            raise _err("invalid escape sequence", src[i - 1:i + 1])
        return re.escape(chr(int(src[i:j], 8))), j
    return None


def _escape(src: str, i: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape whose backslash is at src[i-1]; returns (python text, next index)."""
    if i >= len(src):
        raise _err("trailing backslash at end of expression", "")
    c = src[i]
    one = _octal_or_hex(src, i)
    if one is not None:
        return one
    if c in PERL:
        return "\\" + c, i + 1
    if c in "pP":
        raise _err("unsupported by dockgen (Unicode class)", src[i - 1:i + 2])
    if not in_class:
        if c in "bBA":
            return "\\" + c, i + 1
        if c == "z":
            return "\\Z", i + 1
        if c == "Q":
            end = src.find("\\E", i + 1)
            text = src[i + 1:] if end == -1 else src[i + 1:end]
            return re.escape(text), (len(src) if end == -1 else end + 2)
    if c.isascii() and not c.isalnum():  # escaped punctuation is a literal
        return re.escape(c), i + 1
    raise _err("invalid escape sequence", src[i - 1:i + 1])


def _class(src: str, i: int) -> tuple[str, int]:
    """Translate the class starting at src[i] == '['; returns (python text, next index)."""
    out = ["["]
    j = i + 1
    if j < len(src) and src[j] == "^":
        out.append("^")
        j += 1
    first = True
    while True:
        if j >= len(src):
            raise _err("missing closing ]", src[i:])
        c = src[j]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        if c == "[" and src.startswith("[:", j):
            end = src.find(":]", j + 2)
            name = src[j + 2:end] if end != -1 else ""
            negated = name.startswith("^")
            if end != -1 and name.lstrip("^") in POSIX:
                if negated:
                    raise _err("unsupported by dockgen (negated POSIX class)", src[j:end + 2])
                out.append(POSIX[name])
                j = end + 2
                first = False
                continue
            if end != -1 and re.fullmatch(r"\^?[a-z]+", name):
                raise _err("invalid character class range", src[j:end + 2])
        if c == "\\":
            text, j = _escape(src, j + 1, in_class=True)
            out.append(text)
        elif c in "[&~|":  # literal in Go; Python may read nested sets or set operations
            out.append("\\" + c)
            j += 1
        else:
            out.append(c)
            j += 1
        first = False


REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


ZERO_WIDTH = ("^", "\\Z", "\\b", "\\B", "\\A")


def _repeatable(out: list[str]) -> None:
    """Go repeats empty-width assertions (``^+``, ``^{2}``); Python needs them in a group."""
    if out and out[-1] in ZERO_WIDTH:
        out[-1] = f"(?:{out[-1]})"


def translate(src: str) -> str:
    """The Python ``re`` source equivalent to the Go regexp ``src`` (searched, not anchored)."""
    out: list[str] = []
    i = 0
    last_was_repeat = False
    depth = 0
    while i < len(src):
        c = src[i]
        if c in "*+?":
            if last_was_repeat:
                raise _err("invalid nested repetition operator", src[max(0, i - 1):i + 1])
            if not out or out[-1] in ("(", "|", "(?:"):
                raise _err("missing argument to repetition operator", c)
            _repeatable(out)
            out.append(c)
            i += 1
            last_was_repeat = True
            continue
        if c == "{":
            m = REPEAT.match(src, i)
            if m:
                lo, hi = int(m.group(1)), m.group(3)
                if lo > 1000 or (hi and int(hi) > 1000) or (hi and int(hi) < lo):
                    raise _err("invalid repeat count", m.group(0))
                if last_was_repeat:
                    raise _err("invalid nested repetition operator", m.group(0))
                if not out or out[-1] in ("(", "|"):
                    raise _err("missing argument to repetition operator", m.group(0))
                _repeatable(out)
                out.append(m.group(0))
                i = m.end()
                last_was_repeat = True
                continue
            out.append("\\{")
            i += 1
            last_was_repeat = False
            continue
        last_was_repeat = False
        if c == "\\":
            text, i = _escape(src, i + 1, in_class=False)
            out.append(text)
        elif c == "[":
            text, i = _class(src, i)
            out.append(text)
        elif c == "$":
            out.append("\\Z")
            i += 1
        elif c == "(":
            depth += 1
            out.append("(")
            i += 1
        elif c == ")":
            if depth == 0:
                raise _err("unexpected )", src)
            depth -= 1
            out.append(")")
            i += 1
        elif c == "}":
            out.append("\\}")
            i += 1
        else:
            out.append(c)
            i += 1
    if depth:
        raise _err("missing closing )", src)
    return "".join(out)


def compile_go(src: str) -> re.Pattern[str]:
    try:
        return re.compile(translate(src), re.ASCII)
    except re.error as exc:  # anything left that Python rejects, Go rejects too
        raise _err(str(exc), src) from exc
