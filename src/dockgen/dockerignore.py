""".dockerignore exactly as the engine applies it: reading, cleaning, validating and matching.

Two engines, both verified against the real one (tests/e2e/test_dockerignore_engine.py builds
``FROM scratch`` + ``COPY . /ctx/`` contexts on each and compares every path; the answers are recorded in
fixtures/dockerignore/engine-<engine>.json):

* ``buildkit`` (the default): Docker 23+ building through buildx (Docker 26.1.5 + buildx 0.13.1 here):
  the client's moby/patternmatcher and tonistiigi/fsutil walker;
* ``legacy``: Docker 20.10's client with BuildKit (docker/docker pkg/fileutils, the fsutil of then).

The rules, from their sources:

* **Reading** (both): lines split on ``\\n`` (a trailing ``\\r`` dropped), a UTF-8 BOM dropped from the
  first line, a line whose *first character* is ``#`` is a comment, then whitespace is trimmed,
  ``!`` is split off (and the rest trimmed again), the pattern is cleaned like Go's
  ``filepath.Clean`` (``./``, ``//``, ``..``, trailing ``/``) and one leading ``/`` removed. A lone
  ``!`` is an error (``illegal exclusion pattern: "!"``), so is a pattern ``filepath.Match``
  rejects (``syntax error in pattern``: ``[``, ``[]``, ``[a-]``, a trailing ``\\``).
* **Pattern to regexp**: ``*`` is ``[^/]*``, ``?`` is ``[^/]``, ``**`` is ``(.*/)?`` (``.*`` at
  the end), ``\\x`` escapes ``x``. legacy escapes only ``.`` and ``$``, everything else keeps its Go
  regexp meaning (``a+b`` matches ``aab``, ``c++`` fails the build at once: see goregex.py);
  buildkit quotes ``. + ( ) | { } $`` (``^`` keeps its meaning) and matches a pattern with no wildcard
  or escape literally, ``x/**`` as a prefix and ``**rest`` (nothing else special) as a *suffix*:
  ``**file`` matches ``Dockerfile``. Its regexps compile when first used: a bad one (``[z-a]``) fails
  the build only if a path is matched against it. Anchored at both ends, case-sensitive.
* **Matching a path**: every pattern in order, the last one that matches wins (``!`` re-includes).
  legacy: a pattern also matches a path when it matches the path's ancestor *at the pattern's own
  depth* (``**/bar`` only looks at the ancestor two levels down, so with an exception that forces the
  walk, ``x/y/bar/f`` stays in). buildkit: a pattern that held for the parent directory holds (every
  ancestor counts), but a pattern that cannot change the answer is not tried and so not passed
  down (``step``: ``foo``, ``!foo/bar``, ``foo`` sends ``foo/bar/x``). Both quirks reproduced.
* **Walking** (context.py): an excluded directory is skipped unless an exception may reach inside.
  legacy: an exception starts with ``<dir>/`` literally; the directory itself is sent and walked.
  buildkit: the same test without the exception's trailing ``/**`` or ``/*``, or any exception with
  a wildcard (then every excluded directory is walked); the directory is sent only if something
  below it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, cast

import pathspec
import pathspec.util

from .errors import DockgenError
from .goregex import GoRegexError, compile_go


class IgnoreFileError(DockgenError):
    """An ignore file the engine would refuse (the build fails)."""


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` on a Unix system."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    floor = 0  # leading ".." elements of a relative path cannot be removed
    for elem in path.split("/"):
        if elem in ("", "."):
            continue
        if elem == "..":
            if len(out) > floor:
                out.pop()
            elif not rooted:
                out.append("..")
                floor = len(out)
            continue
        out.append(elem)
    text = "/".join(out)
    return ("/" + text) if rooted else (text or ".")


# -- Go's filepath.Match, for the error it returns on malformed patterns ------------------------------------
# The engine's Go validates the whole chunk it is matching (matchChunk goes on after a mismatch) but
# not the chunks after a failed one: `ab\` is an error, `x*y\` is not (checked against the engine).

class _BadPattern(Exception):
    pass


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise _BadPattern
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise _BadPattern
    r, rest = chunk[0], chunk[1:]
    if r == "\ufffd" or not rest:
        raise _BadPattern
    return r, rest


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        c = chunk[0]
        if c == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = bool(chunk) and chunk[0] == "^"
            if negated:
                chunk = chunk[1:]
            matched = False
            nrange = 0
            while True:
                if chunk and chunk[0] == "]" and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if r and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif c == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if c == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise _BadPattern
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    return ("", False) if failed else (s, True)


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = pattern.startswith("*")
    pattern = pattern.lstrip("*")
    inrange = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif c == "[":
            inrange = True
        elif c == "]":
            inrange = False
        elif c == "*" and not inrange:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def go_match(pattern: str, name: str) -> bool:
    """Go's ``filepath.Match``; raises _BadPattern where it returns ErrBadPattern."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "":
            return "/" not in name
        t, ok = _match_chunk(chunk, name)
        if ok and (len(t) == 0 or len(pattern) > 0):
            name = t
            continue
        if star:
            advanced = False
            i = 0
            while i < len(name) and name[i] != "/":
                t, ok = _match_chunk(chunk, name[i + 1:])
                if ok:
                    if len(pattern) == 0 and len(t) > 0:
                        i += 1
                        continue
                    name = t
                    advanced = True
                    break
                i += 1
            if advanced:
                continue
        return False
    return len(name) == 0


def go_match_is_valid(pattern: str) -> bool:
    """False when ``filepath.Match(pattern, ".")`` (the engine's check) returns ErrBadPattern."""
    try:
        go_match(pattern, ".")
    except _BadPattern:
        return False
    return True


# -- engines ----------------------------------------------------------------------------------------------

Engine = Literal["buildkit", "legacy"]
ENGINES: tuple[Engine, ...] = ("buildkit", "legacy")
DEFAULT_ENGINE: Engine = "buildkit"
ENGINE_HELP = ("buildkit: Docker 23+ with buildx (the default); legacy: Docker 20.10's client, "
               "whose .dockerignore matching differs")


def check_engine(value: object, where: str = "--engine") -> Engine:
    """``value`` as an engine name, or a DockgenError naming ``where`` it came from."""
    if isinstance(value, str) and value.strip().lower() in ENGINES:
        return cast(Engine, value.strip().lower())
    raise DockgenError(f"{where}: {value!r} is not an engine dockgen knows",
                       'use "buildkit" (Docker 23+ with buildx, the default) or "legacy" (Docker 20.10)')


# -- one pattern -----------------------------------------------------------------------------------------

def pattern_regexp(cleaned: str, engine: Engine = "legacy") -> str:
    """The Go regexp source of a cleaned pattern: Docker 20.10's ``Pattern.compile`` (``legacy``, only
    ``.`` and ``$`` escaped) or moby/patternmatcher's (``buildkit``: ``. + ( ) | { } $`` escaped)."""
    return _compile(cleaned, engine)[1]


_MODERN_QUOTED = frozenset(".+()|{}$")


def _compile(cleaned: str, engine: Engine) -> tuple[str, str]:
    """(match type, regexp source). The type is what moby/patternmatcher detects: ``exact`` (no
    wildcard, no escape), ``prefix`` (``dir/**``), ``suffix`` (starts with ``**``, nothing else
    special: ``**/bar``, ``**file``, which matches any path *ending* in ``file``) or ``regexp``.
    The legacy engine always matches with the regexp."""
    out = ["^"]
    kind = "exact"
    if cleaned.startswith("\ufeff"):  # Go's text/scanner skips a byte order mark at the start
        cleaned = cleaned[1:]
    quoted = _MODERN_QUOTED if engine == "buildkit" else frozenset(".$")
    i, n, token = 0, len(cleaned), 0
    while i < n:
        ch = cleaned[i]
        i += 1
        if ch == "*":
            if i < n and cleaned[i] == "*":
                i += 1
                if i < n and cleaned[i] == "/":  # treat **/ as **
                    i += 1
                if i >= n:  # is "**EOF": prefix match, unless something before needs the regexp
                    out.append(".*")
                    kind = "prefix" if kind == "exact" else "regexp"
                else:
                    out.append("(.*/)?")
                    kind = "regexp"
                if token == 0:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            out.append("[^/]")
            kind = "regexp"
        elif ch in quoted:
            out.append("\\" + ch)
        elif ch == "\\":
            if i < n:
                out.append("\\" + cleaned[i])
                i += 1
                kind = "regexp"
            else:
                out.append("\\")
        elif ch in "[]":
            out.append(ch)
            kind = "regexp"
        else:
            out.append(ch)
        token += 1
    out.append("$")
    return ("regexp" if engine == "legacy" else kind), "".join(out)  # legacy: always the regexp


class DockerIgnorePattern(pathspec.Pattern):
    """One .dockerignore line, registered with pathspec as ``dockerignore``.

    ``include`` follows pathspec: True for a line that selects paths (they are *excluded* from the
    context), False for a ``!`` exception. ``match_file`` applies the engine's parent rule itself.
    Under ``buildkit`` a regexp Go cannot compile is an error only when the engine first matches a path
    with it (``error`` holds the message; ``matches_path`` raises it), as moby/patternmatcher compiles lazily.
    """

    __slots__ = ("cleaned", "depth", "engine", "error", "exclusion", "kind", "line", "literal", "regex", "text")

    def __init__(self, text: str, line: int = 0, engine: Engine = DEFAULT_ENGINE,
                 source: str = ".dockerignore") -> None:
        exclusion = text.startswith("!")
        body = text[1:] if exclusion else text
        super().__init__(include=not exclusion)
        self.text = text
        self.line = line
        self.engine = engine
        self.exclusion = exclusion
        self.cleaned = body
        self.depth = len(body.split("/"))
        self.kind, source_re = _compile(body, engine)
        self.literal = {"exact": body, "prefix": body[:-2], "suffix": body[2:]}.get(self.kind, "")
        self.error: str | None = None
        self.regex: re.Pattern[str] | None = None
        if self.kind == "regexp":
            try:
                self.regex = compile_go(source_re)
            except GoRegexError as exc:
                if engine == "legacy":
                    raise
                self.error = (f"{source}:{line}: {exc} (pattern {text!r}): the engine fails the build "
                              "(failed to match excludepatterns)")

    def matches_path(self, path: str) -> bool:
        kind = self.kind
        if kind == "regexp":
            if self.regex is None:
                raise IgnoreFileError(self.error or "bad pattern", "fix or remove the pattern: an unescaped [ ] "
                                      "or a range like [z-a] is not a valid regular expression")
            return self.regex.search(path) is not None
        if kind == "exact":
            return path == self.literal
        if kind == "prefix":
            return path.startswith(self.literal)
        suffix = self.literal
        return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])

    def match_file(self, file: str) -> bool | None:
        if self.matches_path(file):
            return True
        parent = file.rsplit("/", 1)[0] if "/" in file else "."
        if parent != ".":
            dirs = parent.split("/")
            if self.engine == "buildkit":  # MatchesOrParentMatches: every ancestor
                if any(self.matches_path("/".join(dirs[:k])) for k in range(1, len(dirs) + 1)):
                    return True
            elif self.depth <= len(dirs) and self.matches_path("/".join(dirs[:self.depth])):
                return True
        return None


pathspec.util.register_pattern("dockerignore", DockerIgnorePattern)


def step(patterns: list[DockerIgnorePattern], rel: str, inherited: frozenset[int]) -> tuple[int, frozenset[int]]:
    """The buildkit engine's decision for ``rel`` (fsutil's walker calling moby/patternmatcher's
    ``MatchesUsingParentResults``): (index of the pattern that decides, -1 for none; the patterns that
    hold for ``rel`` and so for everything below it). ``inherited`` is the parent directory's set.

    Patterns run in order; one the parent matched matches; otherwise a pattern that cannot change the
    answer so far (a plain pattern when the path is already excluded, an exception when it is not) is
    not even tried, and is then *not* passed down: with ``foo``, ``!foo/bar``, ``foo``, the last line
    does not exclude ``foo/bar/x`` (the engine's quirk, reproduced).

    The deciding pattern reported is the last one that holds for ``rel`` (passed down or matching), a
    skipped one included: it gives the same answer (a skipped pattern agrees with the state it left
    alone), and it names the rule a reader expects (``**/.aws`` after ``*``, not ``*``)."""
    matched = False
    deciding = -1
    hits: list[int] = []
    for i, p in enumerate(patterns):
        if i not in inherited:
            if p.exclusion != matched:
                if holds_quietly(p, rel):
                    deciding = i
                continue
            if not p.matches_path(rel):
                continue
        hits.append(i)
        matched = not p.exclusion
        deciding = i
    return deciding, frozenset(hits)


def holds_quietly(pattern: DockerIgnorePattern, rel: str) -> bool:
    """Whether ``pattern`` matches ``rel``, for reporting only: a regexp the engine never tries here
    raises nothing."""
    try:
        return pattern.matches_path(rel)
    except IgnoreFileError:
        return False


def without_trailing_glob(cleaned: str) -> str:
    """fsutil's ``patternWithoutTrailingGlob``: ``a/**`` and ``a/*`` are ``a``."""
    if cleaned.endswith("/**"):
        cleaned = cleaned[:-3]
    if cleaned.endswith("/*"):
        cleaned = cleaned[:-2]
    return cleaned


@dataclass(frozen=True, slots=True)
class IgnoreLine:
    line: int  # 1-based line in the file
    pattern: str  # after cleaning, with its "!" if any


@dataclass(slots=True)
class DockerIgnore:
    """A parsed ignore file: the patterns as the engine keeps them, and a matcher."""

    source: str  # file name, for messages
    lines: list[IgnoreLine]
    patterns: list[DockerIgnorePattern] = field(default_factory=list)
    engine: Engine = DEFAULT_ENGINE

    @property
    def has_exceptions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def spec(self) -> pathspec.PathSpec[DockerIgnorePattern]:
        """The same rules as a pathspec ``PathSpec`` (``check_file`` names the deciding line)."""
        return pathspec.PathSpec(self.patterns)

    def excluded(self, path: str) -> bool:
        """True when the rules keep ``path`` (relative, ``/``-separated) out of the context, whether or
        not the walk reaches it (context.walk also prunes directories)."""
        deciding = self.deciding(path)
        return deciding is not None and not deciding.exclusion

    def deciding(self, path: str) -> DockerIgnorePattern | None:
        """The pattern that decides ``path`` (the last one that matches), or None."""
        if self.engine == "buildkit":
            parts = path.split("/")
            inherited: frozenset[int] = frozenset()
            index = -1
            for k in range(1, len(parts) + 1):
                index, inherited = step(self.patterns, "/".join(parts[:k]), inherited)
            return self.patterns[index] if index >= 0 else None
        for pattern in reversed(self.patterns):
            if pattern.match_file(path):
                return pattern
        return None


def read_lines(data: bytes) -> list[tuple[int, str]]:
    """The patterns of an ignore file as Docker's reader keeps them: (line number, pattern)."""
    text = data.decode("utf-8", errors="surrogateescape")
    out: list[tuple[int, str]] = []
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        if len(raw.encode("utf-8", errors="surrogateescape")) > 65536:  # bufio.Scanner's token limit
            raise IgnoreFileError(f"line {number} is longer than 64 KiB: Docker cannot read this ignore file",
                                  "split or shorten the line")
        if raw.endswith("\r"):
            raw = raw[:-1]
        if number == 1 and raw.startswith("\ufeff"):
            raw = raw[1:]
        if raw.startswith("#"):
            continue
        pattern = raw.strip(_GO_SPACE)
        if not pattern:
            continue
        invert = pattern[0] == "!"
        if invert:
            pattern = pattern[1:].strip(_GO_SPACE)
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern[0] == "/":
                pattern = pattern[1:]
        out.append((number, ("!" + pattern) if invert else pattern))
    return out


# strings.TrimSpace: Unicode White_Space
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


def parse(data: bytes | str, source: str = ".dockerignore", engine: Engine = DEFAULT_ENGINE) -> DockerIgnore:
    """Parse and validate like ``engine``; raises IgnoreFileError naming the file and line."""
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    lines: list[IgnoreLine] = []
    patterns: list[DockerIgnorePattern] = []
    try:
        read = read_lines(raw)
    except IgnoreFileError as exc:
        raise IgnoreFileError(f"{source}: {exc.message}", exc.hint) from exc
    for number, text in read:
        # NewPatternMatcher: trim, clean again, then the checks
        p = text.strip(_GO_SPACE)
        if not p:
            continue
        p = go_clean(p)
        if p == "!":
            raise IgnoreFileError(f"{source}:{number}: illegal exclusion pattern: \"!\"",
                                  "a line with only ! re-includes nothing; remove it or name a path")
        body = p[1:] if p.startswith("!") else p
        if not go_match_is_valid(body):
            raise IgnoreFileError(f"{source}:{number}: syntax error in pattern {text!r}",
                                  "check [ ] pairs and escape a literal [ or a trailing \\ with a backslash")
        try:
            patterns.append(DockerIgnorePattern(p, number, engine, source))
        except GoRegexError as exc:
            raise IgnoreFileError(f"{source}:{number}: {exc} (pattern {text!r})",
                                  "Docker 20.10 turns patterns into regular expressions: escape + ( ) | { } "
                                  "with a backslash") from exc
        lines.append(IgnoreLine(line=number, pattern=p))
    return DockerIgnore(source=source, lines=lines, patterns=patterns, engine=engine)


def from_patterns(patterns: Iterable[str], source: str = "<rules>", engine: Engine = DEFAULT_ENGINE) -> DockerIgnore:
    return parse("\n".join(patterns) + "\n", source, engine)

