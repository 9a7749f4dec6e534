"""Walking and measuring the build context: exactly the paths `docker build` sends, and their sizes.

One ``os.scandir`` pass, never following symlinks (they are sent as links), sizes from ``lstat``
(a sparse 5 GB file is one stat, never read). Excluded directories are pruned as the engine's walker
prunes them (fsutil): unless an exception pattern literally starts with ``<dir>/``, nothing below an
excluded directory is looked at; with ``measure_ignored`` they are walked too, only to count what
the rules keep out. Memory is bounded by the number of directories, not files, unless a listing is
asked for.
"""

from __future__ import annotations

import glob
import heapq
import os
import re
import stat
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import parallel
from . import secrets as secret_scan
from .dockerignore import (
    DEFAULT_ENGINE,
    DockerIgnore,
    DockerIgnorePattern,
    Engine,
    holds_quietly,
    step,
    without_trailing_glob,
)
from .errors import DockgenError
from .secrets import Secret


class ContextError(DockgenError):
    """The context cannot be read the way `docker build` would need to."""


@dataclass(slots=True)
class Problem:
    path: str
    message: str


@dataclass(slots=True)
class Walk:
    """Totals of one walk. ``sent``/``ignored`` count non-directory entries (files, links, others)."""

    sent_files: int = 0
    sent_bytes: int = 0
    sent_dirs: int = 0
    ignored_files: int = 0
    ignored_bytes: int = 0
    ignored_complete: bool = True  # False when pruned directories were not measured
    pruned_dirs: list[str] = field(default_factory=list)
    dir_bytes: dict[str, list[int]] = field(default_factory=dict)  # dir -> [sent bytes, ignored bytes, files]
    largest_files: list[tuple[int, str, bool]] = field(default_factory=list)  # (size, path, sent)
    problems: list[Problem] = field(default_factory=list)  # the engine would fail on these
    warnings: list[Problem] = field(default_factory=list)
    listing: list[str] | None = None
    secrets: list[Secret] = field(default_factory=list)
    by_rule: list[list[int]] = field(default_factory=list)  # per pattern: [files, bytes] it keeps out
    ignored_unreadable_bytes: int = 0  # of ignored_bytes: files this process cannot read (sent, they are empty)

    def everything(self) -> tuple[int, int]:
        """(files, bytes) the context sends without rules, from a ``measure_ignored`` walk (every entry
        counted, sent or not): what ``walk(root, None)`` gives, without another walk."""
        return (self.sent_files + self.ignored_files,
                self.sent_bytes + self.ignored_bytes - self.ignored_unreadable_bytes)


# -- per-directory matching ----------------------------------------------------------------------------------
# Most patterns are plain globs: literal characters, `*`, `?`, escaped punctuation, and `**` as a whole path
# segment. For those the Go regexp Docker builds (dockerignore.pattern_regexp) matches a path segment by
# segment: a segment glob matches one name, a middle or leading `**` any number of names (none holding a
# newline: Go's `.`), a trailing `**` one or more. The walker carries, per such pattern, the positions its
# segments can have reached at each directory (a small NFA state), so a file is tested only against the
# patterns that can still match a name in its directory, and only on its name, all at once (one combined
# regexp per distinct directory state). Any other pattern (regexp characters: + ( ) | [ ] { } ^) is tested on
# the whole path, per entry, as before. ``deciding`` stays the reference: tests/test_walk_once.py checks that
# both give the same answer on random trees and rules.

_STAR2 = "**"
_ALWAYS = "[^\n]*"  # what a trailing `**` (Go `.*`) matches of one name
_ANY = "(?s:.*)"  # the same for buildkit's string kinds (prefix, suffix): a newline is a character like another
_PLAIN_PUNCT = frozenset("!\"#%&',-./:;<=>@_`~ ")


def _segment_regex(segment: str, engine: Engine = "legacy") -> str | None:
    """The Python regexp of one glob segment as the engine's translation makes it, or None when the segment
    is not a plain glob (regexp characters, a `**` inside a name, a trailing backslash). ``buildkit`` quotes
    ``+ ( ) | { }``, so they are plain there."""
    special = "[]^" if engine == "buildkit" else "+()|[]{}^"
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        i += 1
        if ch == "*":
            if i < n and segment[i] == "*":
                return None
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i >= n or not (segment[i].isascii() and not segment[i].isalnum()):
                return None
            out.append(re.escape(segment[i]))
            i += 1
        elif ch in special:
            return None
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Glob:
    """A pattern as segments: None for `**`, else the compiled regexp of one name."""

    segments: tuple[re.Pattern[str] | None, ...]
    texts: tuple[str | None, ...]  # the segments' regexp sources (None for `**`)
    dotall: bool = False  # `**` crosses names holding a newline (buildkit's string kinds; Go's `.` does not)

    @staticmethod
    def _literal(texts: list[str | None], dotall: bool) -> _Glob:
        compiled = tuple(re.compile(t, re.ASCII) if t is not None else None for t in texts)
        return _Glob(segments=compiled, texts=tuple(texts), dotall=dotall)

    @staticmethod
    def of(pattern: DockerIgnorePattern) -> _Glob | None:
        from .dockerignore import pattern_regexp
        from .goregex import translate

        body = pattern.cleaned
        engine = pattern.engine
        if body.startswith("\ufeff"):
            return None
        if engine == "buildkit" and pattern.kind != "regexp":
            # moby/patternmatcher's string kinds, as segments: exact `a/b` (path == literal), prefix `a/b/**`
            # (startswith "a/b/": one or more names below), suffix `**/a/b` (endswith "/a/b" or is "a/b") and
            # `**x/y` (endswith "x/y": a last name "y" under a name ending in "x")
            literal = pattern.literal
            if pattern.kind == "exact":
                return _Glob._literal([re.escape(x) for x in body.split("/")], False)
            if pattern.kind == "prefix" and literal.endswith("/") and len(literal) > 1:
                return _Glob._literal([*(re.escape(x) for x in literal[:-1].split("/")), None], True)
            if pattern.kind == "suffix" and literal.startswith("/") and len(literal) > 1:
                return _Glob._literal([None, *(re.escape(x) for x in literal[1:].split("/"))], True)
            if pattern.kind == "suffix" and literal:
                first, *rest = literal.split("/")
                return _Glob._literal([None, _ANY + re.escape(first), *(re.escape(x) for x in rest)], True)
            return None  # `dir**` (startswith "dir") and `**`: tested on the whole path, a string test
        if pattern.kind != "regexp" or pattern.regex is None:
            return None  # a lazy regexp error: by whole path (it raises when the engine tries it)
        if pattern.regex.pattern != translate(pattern_regexp(body, engine)):
            return None  # not the translation of this text: tested on the whole path
        texts: list[str | None] = []
        for segment in body.split("/"):
            if segment == _STAR2:
                texts.append(None)
                continue
            source = _segment_regex(segment, engine)
            if source is None:
                return None
            texts.append(source)
        compiled = tuple(re.compile(t, re.ASCII) if t is not None else None for t in texts)
        return _Glob(segments=compiled, texts=tuple(texts))

    def closure(self, positions: Iterable[int]) -> frozenset[int]:
        """Positions with the `**` not at the end skipped over (they match no name too)."""
        out: set[int] = set()
        last = len(self.segments) - 1
        todo = list(positions)
        while todo:
            j = todo.pop()
            if j in out:
                continue
            out.add(j)
            if self.segments[j] is None and j < last:
                todo.append(j + 1)
        return frozenset(out)

    def step(self, positions: frozenset[int], name: str) -> frozenset[int]:
        """Positions after a directory named ``name``; a completed match is no state (the parent rule carries
        it), except a trailing `**`, which goes on."""
        last = len(self.segments) - 1
        nxt: list[int] = []
        for j in positions:
            seg = self.segments[j]
            if seg is None:
                if self.dotall or "\n" not in name:
                    nxt.append(j)
            elif j < last and seg.fullmatch(name):
                nxt.append(j + 1)
        return self.closure(nxt) if nxt else frozenset()

    def name_regex(self, positions: frozenset[int]) -> str | None:
        """The regexp a child's name must match for the pattern to match the child, or None (it cannot)."""
        last = len(self.segments) - 1
        if last not in positions:
            return None
        text = self.texts[last]
        if text is None:
            return _ANY if self.dotall else _ALWAYS
        return text


_Decide = Callable[[str, str], int]


_DecideFull = Callable[[str, str], tuple[int, frozenset[int]]]


class _Decider:
    """How the entries of one directory are decided: ``constant`` when no pattern can decide an entry
    otherwise than the parent rule, else ``decide(name, rel)`` -> the deciding pattern's index or -1.
    buildkit: ``full(name, rel)`` -> (that index, what a subdirectory inherits); ``hits`` when constant."""

    __slots__ = ("constant", "decide", "full", "hits", "rules")

    def __init__(self, constant: int, decide: _Decide | None, full: _DecideFull | None = None,
                 hits: frozenset[int] = frozenset(), rules: dict[str, int] | None = None) -> None:
        self.constant = constant
        self.decide = decide
        self.full = full
        self.hits = hits
        self.rules = rules  # name -> what ``decide`` answered, when the name alone decides (the walker looks first)


_State = tuple[frozenset[int], ...]
_NONE: frozenset[int] = frozenset()


class _Matcher:
    """The engine's matching for one walk, with the parent results carried down the tree.

    ``inherited`` (per directory) is, for ``legacy``, the patterns that matched an ancestor at their own
    depth (Docker 20.10's parent rule); for ``buildkit``, the patterns that held for the directory
    (fsutil's ``MatchInfo``, see dockerignore.step)."""

    def __init__(self, ignore: DockerIgnore | None, *, per_directory: bool = True) -> None:
        self.patterns = list(ignore.patterns) if ignore else []
        self.engine: Engine = ignore.engine if ignore else DEFAULT_ENGINE
        self.modern = self.engine == "buildkit"
        self.has_exceptions = any(p.exclusion for p in self.patterns)
        if self.modern:
            exceptions = [without_trailing_glob(p.cleaned) for p in self.patterns if p.exclusion]
            # fsutil walks into every excluded directory once an exception has a wildcard
            self.walk_all = any(any(c in _PATTERN_CHARS for c in t) for t in exceptions)
            self.exception_texts = [t + "/" for t in exceptions]
        else:
            self.walk_all = False
            self.exception_texts = [p.cleaned + "/" for p in self.patterns if p.exclusion]
        self.by_depth: dict[int, list[int]] = {}
        for i, p in enumerate(self.patterns):
            self.by_depth.setdefault(p.depth, []).append(i)
        self.per_directory = per_directory
        self.globs: list[_Glob | None] = [_Glob.of(p) if per_directory else None for p in self.patterns]
        self._steps: dict[_State, tuple[list[frozenset[int]], list[int]]] = {}
        self._kids: dict[_State, dict[str, _State]] = {}
        self._deciders: dict[tuple[_State, int], _Decider] = {}
        self._modern_deciders: dict[tuple[_State, frozenset[int]], _Decider] = {}

    # -- per directory (see _Glob): the walker's fast path, equal to ``deciding`` on every entry --------------

    def start(self) -> _State:
        """The glob state at the context root."""
        return tuple(g.closure((0,)) if g is not None else _NONE for g in self.globs)

    def child_state(self, state: _State, name: str) -> _State:
        """The glob state inside the subdirectory ``name`` of a directory in ``state`` (memoized: a tree repeats
        its directory names, lib/, dist/, node_modules/...)."""
        kids = self._kids.get(state)
        if kids is None:
            if len(self._kids) > 10_000:
                self._kids.clear()
            kids = self._kids[state] = {}
        found = kids.get(name)
        if found is None:
            if len(kids) > 50_000:
                kids.clear()
            found = kids[name] = self._child_state(state, name)
        return found

    def _child_state(self, state: _State, name: str) -> _State:
        if "\n" in name:
            return tuple(g.step(s, name) if g is not None and s else _NONE
                         for g, s in zip(self.globs, state, strict=True))
        known = self._steps.get(state)
        if known is None:  # what does not depend on the name, once per distinct state
            fixed: list[frozenset[int]] = []
            varying: list[int] = []
            for i, (g, s) in enumerate(zip(self.globs, state, strict=True)):
                if g is None or not s:
                    fixed.append(_NONE)
                elif any(g.segments[j] is not None and j < len(g.segments) - 1 for j in s):
                    fixed.append(_NONE)
                    varying.append(i)
                else:
                    fixed.append(g.step(s, name))  # only `**` and complete positions: the same for any name
            known = self._steps[state] = (fixed, varying)
        fixed, varying = known
        if not varying:
            return tuple(fixed)
        out = list(fixed)
        for i in varying:
            g = self.globs[i]
            assert g is not None
            out[i] = g.step(state[i], name)
        return tuple(out)

    def decider(self, state: _State, depth: int, inherited: frozenset[int]) -> _Decider:
        """How the entries (at ``depth``) of a directory in ``state`` with ``inherited`` are decided."""
        if self.modern:
            if not self.per_directory:
                def reference(name: str, rel: str) -> tuple[int, frozenset[int]]:
                    return step(self.patterns, rel, inherited)
                return _Decider(-1, lambda name, rel: reference(name, rel)[0], reference)
            mkey = (state, inherited)
            known = self._modern_deciders.get(mkey)
            if known is None:
                if len(self._modern_deciders) > 50_000:
                    self._modern_deciders.clear()
                known = self._modern_deciders[mkey] = self._make_modern_decider(state, inherited)
            return known
        if not self.per_directory:
            return _Decider(-1, lambda name, rel: self.deciding(rel, depth, inherited))
        parent = max((i for i in inherited if self.patterns[i].depth < depth), default=-1)
        key = (state, parent)
        found = self._deciders.get(key)
        if found is None:
            found = self._deciders[key] = self._make_decider(state, parent)
        return found

    def _candidates(self, state: _State, indices: Iterable[int]) -> tuple[list[tuple[int, str]], list[int]]:
        """Of the patterns ``indices``, in that order: those that can match a name in a directory in
        ``state`` (with the regexp of that name), and those tested on the whole path."""
        by_name: list[tuple[int, str]] = []
        by_path: list[int] = []
        for i in indices:
            g = self.globs[i]
            if g is None:
                by_path.append(i)
                continue
            source = g.name_regex(state[i])
            if source is not None:
                by_name.append((i, source))
        return by_name, by_path

    def _make_decider(self, state: _State, parent: int) -> _Decider:
        # only a later pattern can override the parent rule
        by_name, by_path = self._candidates(state, range(len(self.patterns) - 1, parent, -1))
        if not by_name and not by_path:
            return _Decider(parent, None)
        combined = re.compile("|".join(f"(?P<p{i}>{src})" for i, src in by_name), re.ASCII) if by_name else None
        index = {f"p{i}": i for i, _ in by_name}
        patterns = self.patterns
        memo: dict[str, int] = {}  # by name: node_modules holds thousands of index.js and package.json

        def decide(name: str, rel: str) -> int:
            best = memo.get(name, -2)
            if best == -2:
                best = parent
                if combined is not None:
                    hit = combined.fullmatch(name)  # the first alternative that matches: the last pattern
                    if hit is not None and hit.lastgroup is not None:
                        best = index[hit.lastgroup]
                if len(memo) > 50_000:
                    memo.clear()
                memo[name] = best
            for i in by_path:  # descending
                if i <= best:
                    break
                if patterns[i].matches_path(rel):
                    return i
            return best

        return _Decider(-1, decide, rules=None if by_path else memo)

    def _make_modern_decider(self, state: _State, inherited: frozenset[int]) -> _Decider:
        """buildkit (dockerignore.step) per directory: only the patterns that hold here (``inherited``) and
        the ones that match an entry can change the answer, so the step runs over just those, in order;
        which globs match a name is the same in every directory of this state (memoized by name)."""
        patterns = self.patterns
        held = tuple(sorted(inherited))
        sources, by_path = self._candidates(state, (i for i in range(len(patterns)) if i not in inherited))
        by_name = [(i, re.compile(source, re.ASCII)) for i, source in sources]
        if not by_name and not by_path:
            return _Decider(held[-1] if held else -1, None, None, inherited)
        exclusion = [p.exclusion for p in patterns]
        memo: dict[str, tuple[int, frozenset[int]]] = {}
        names: dict[str, tuple[int, ...]] = {}

        def full(name: str, rel: str) -> tuple[int, frozenset[int]]:
            if not by_path:
                known = memo.get(name)
                if known is not None:
                    return known
            hit_names = names.get(name)
            if hit_names is None:
                hit_names = tuple(i for i, rx in by_name if rx.fullmatch(name))
                if len(names) > 50_000:
                    names.clear()
                names[name] = hit_names
            candidates = sorted((*held, *hit_names, *by_path)) if (hit_names or by_path) else held
            matched = False
            deciding = -1
            hits: list[int] = []
            for i in candidates:  # dockerignore.step over the patterns that may count, in order
                if i not in inherited:
                    if exclusion[i] != matched:  # skipped by the engine, reported if it holds (see step)
                        if i not in by_path_set or holds_quietly(patterns[i], rel):
                            deciding = i
                        continue
                    if i in by_path_set and not patterns[i].matches_path(rel):
                        continue
                hits.append(i)
                matched = not exclusion[i]
                deciding = i
            result = (deciding, frozenset(hits))
            if not by_path:
                if len(memo) > 50_000:
                    memo.clear()
                    rules.clear()
                memo[name] = result
                rules[name] = deciding
            return result

        by_path_set = frozenset(by_path)
        rules: dict[str, int] = {}

        def decide(name: str, rel: str) -> int:
            known = memo.get(name) if not by_path else None
            return (known if known is not None else full(name, rel))[0]

        return _Decider(-1, decide, full, rules=None if by_path else rules)

    def decide(self, rel: str, depth: int, inherited: frozenset[int], is_dir: bool) -> tuple[int, frozenset[int]]:
        """(index of the pattern that decides ``rel``, -1 for none; what its children inherit)."""
        if self.modern:
            return step(self.patterns, rel, inherited)
        return self.deciding(rel, depth, inherited), (self.dir_matches(rel, depth, inherited) if is_dir else inherited)

    def dir_matches(self, rel: str, depth: int, inherited: frozenset[int]) -> frozenset[int]:
        """legacy: patterns whose parent rule holds for everything below ``rel`` (a directory at ``depth``)."""
        if self.modern:
            return step(self.patterns, rel, inherited)[1]
        hits = [i for i in self.by_depth.get(depth, ()) if self.patterns[i].matches_path(rel)]
        return inherited.union(hits) if hits else inherited

    def deciding(self, rel: str, depth: int, inherited: frozenset[int]) -> int:
        """Index of the pattern that decides ``rel`` (the last one matching), or -1. ``inherited`` holds
        what the parent directory passed down (see the class)."""
        if self.modern:
            return step(self.patterns, rel, inherited)[0]
        for i in range(len(self.patterns) - 1, -1, -1):
            p = self.patterns[i]
            if p.matches_path(rel) or (p.depth < depth and i in inherited):
                return i
        return -1

    def excluded(self, rel: str, depth: int, inherited: frozenset[int]) -> bool:
        i = self.deciding(rel, depth, inherited)
        return i >= 0 and not self.patterns[i].exclusion

    def walk_into(self, rel: str) -> bool:
        """fsutil: an excluded directory is still walked when an exception may re-include a path below
        it: legacy, an exception starting with ``<dir>/``; buildkit, the same without a trailing
        ``/**`` or ``/*``, or any exception with a wildcard (then every excluded directory is walked)."""
        if self.walk_all:
            return True
        prefix = rel + "/"
        return any(t.startswith(prefix) for t in self.exception_texts)


# fsutil's patternChars: an exception with one of these (once a trailing /** or /* is cut) is not a plain prefix
_PATTERN_CHARS = frozenset("*[]?^\\")


class _Pending:
    """buildkit: an excluded directory the walk goes into is sent only once something below it is."""

    __slots__ = ("emitted", "parent", "rel")

    def __init__(self, rel: str, parent: _Pending | None) -> None:
        self.rel = rel
        self.parent = parent
        self.emitted = False


def _emit(result: Walk, pending: _Pending, emitted: list[str] | None = None) -> None:
    """Send the excluded directories above a sent path (buildkit), nearest first, up to one already sent.
    A part of a shared-out walk (``emitted``) only notes them (the parts are merged, each counted once) and
    leaves the shared ``_Pending`` chain as it was."""
    node: _Pending | None = pending
    if emitted is not None:
        while node is not None and not node.emitted and node.rel not in emitted:
            emitted.append(node.rel)
            node = node.parent
        return
    while node is not None and not node.emitted:
        node.emitted = True
        _sent_dir(result, node.rel)
        node = node.parent


def _head(real: str, rel: str) -> Callable[[], bytes]:
    def read() -> bytes:
        from . import reading
        from .errors import DockgenError

        path = os.path.join(real, rel)
        try:  # never blocks: a FIFO named like a secret is not opened for reading
            return reading.read_head(path, secret_scan.HEAD)
        except DockgenError as exc:
            raise OSError(exc.message) from exc
    return read


def _dac_override() -> bool:
    """True when this process may read any file (root with CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16) & 0b110 == 0b110
    except OSError:
        pass
    if not hasattr(os, "geteuid"):  # Windows: no POSIX permission bits to check (ACLs are not looked at)
        return True
    return os.geteuid() == 0


_OVERRIDE: list[bool] = []


def _has_override() -> bool:
    if not _OVERRIDE:
        _OVERRIDE.append(_dac_override())
    return _OVERRIDE[0]


def _allowed(st: os.stat_result, bits: int) -> bool:
    """The permission check the kernel makes for this process (``bits`` as for the owner: 0o4 read,
    0o1 search). ACLs are not looked at."""
    if _has_override():
        return True
    if st.st_uid == os.geteuid():
        shift = 6
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        shift = 3
    else:
        shift = 0
    return (st.st_mode >> shift) & bits == bits


def _is_backup(name: str, skip: frozenset[str]) -> bool:
    """A numbered .bak copy of a skipped top-level file (Dockerfile.bak.2)."""
    base, sep, n = name.rpartition(".")
    return bool(sep) and n.isdigit() and base in skip


def _is_transient(rel: str, name: str) -> bool:
    """What exists only while dockgen writes (write.py): its temp files (``.<name>.<pid>-<hex>.dockgen-tmp``)
    and its lock (``.dockgen/lock``, a workspace member's too). Never measured."""
    return (name[:1] == "." and name.endswith(".dockgen-tmp")) or (
        name == "lock" and (rel == ".dockgen/lock" or rel.endswith("/.dockgen/lock")))


# -- one directory's entries, read from the file system or from a recorded tree ----------------------------
# kinds: what an entry is, with the permission check the engine's walk would make on it
K_ERROR, K_DIR, K_DIR_DENIED, K_FILE, K_FILE_UNREADABLE, K_LINK, K_FIFO, K_OTHER = range(8)


@dataclass(slots=True)
class Listing:
    """One directory: its entries' names, kinds (K_*) and sizes (regular files and links; else 0), in the
    order the directory lists them; ``errors``: why an entry could not be stat'ed (kind K_ERROR)."""

    names: list[str]
    kinds: bytes | list[int]
    sizes: Sequence[int]
    errors: dict[str, str] | None = None
    subdirs: list[str] | None = None  # the readable subdirectories' names, while a record reads on (then None)


# fstatat relative to a directory's descriptor where the platform has it; by path elsewhere (Windows)
_FD_WALK = hasattr(os, "O_DIRECTORY") and os.stat in os.supports_dir_fd and os.scandir in os.supports_fd


def _listable(path: str) -> int | None:
    """No descriptor (the walk goes by path), after raising what opening the directory would."""
    os.scandir(path).close()
    return None


def _list_dir(real: str, rel_dir: str, override: bool) -> Listing | tuple[bool, str]:
    """The entries of ``rel_dir`` (one ``fstatat`` each, relative to the directory's descriptor), or
    (permission denied?, message) when it cannot be opened."""
    here = os.path.join(real, rel_dir) if rel_dir else real
    try:
        fd = os.open(here, os.O_RDONLY | os.O_DIRECTORY) if _FD_WALK else _listable(here)
    except PermissionError:
        return True, "permission denied: the engine cannot read this directory"
    except OSError as exc:
        return False, f"cannot read: {exc.strerror}"
    kinds: list[int] = []
    sizes: list[int] = []
    subdirs: list[str] = []
    errors: dict[str, str] | None = None
    try:
        with os.scandir(here if fd is None else fd) as it:
            names = [entry.name for entry in it]
        stat_ = os.stat
        for name in names:
            try:
                st = (stat_(name, dir_fd=fd, follow_symlinks=False) if fd is not None
                      else stat_(os.path.join(here, name), follow_symlinks=False))
            except OSError as exc:
                kinds.append(K_ERROR)
                sizes.append(0)
                if errors is None:
                    errors = {}
                errors[name] = f"cannot stat: {exc.strerror}"
                continue
            fmt = st.st_mode & 0o170000
            if fmt == 0o100000:
                kinds.append(K_FILE if override or _allowed(st, 0o4) else K_FILE_UNREADABLE)
                sizes.append(st.st_size)
            elif fmt == 0o040000:
                if override or _allowed(st, 0o5):
                    kinds.append(K_DIR)
                    subdirs.append(name)
                else:
                    kinds.append(K_DIR_DENIED)
                sizes.append(0)
            elif fmt == 0o120000:
                kinds.append(K_LINK)
                sizes.append(st.st_size)
            else:
                kinds.append(K_FIFO if fmt == stat.S_IFIFO else K_OTHER)
                sizes.append(0)
    finally:
        if fd is not None:
            os.close(fd)
    return Listing(names=names, kinds=kinds, sizes=sizes, errors=errors, subdirs=subdirs)


@dataclass(slots=True)
class Tree:
    """A context read once (every directory, ignored ones too): the walks of one `dockgen init` or
    `context --suggest` evaluate their rule sets against it instead of reading the disk again."""

    root: str  # the real path read
    dirs: dict[str, Listing | tuple[bool, str]]
    entries: int = 0


def record(root: str | os.PathLike[str], *, progress: Callable[[int], None] | None = None,
           workers: int | None = None) -> Tree:
    """Read every directory of the context at ``root`` once (``progress(entries seen)`` now and then); a big
    tree is shared out among processes as ``walk`` does."""
    base = Path(root)
    _check_root(base)
    real = os.path.realpath(base)
    override = _has_override()
    tree = Tree(root=real, dirs={})
    ticker = parallel.Ticker(progress)
    stack = [""]
    count = parallel.workers() if workers is None else workers
    _read_into(tree, stack, override, ticker.tick, _SPLIT_AT if count > 1 else None)
    if stack:
        def unit(rel_dir: str, tick: Callable[[int], None]) -> _Packed:
            part = Tree(root=real, dirs={})
            _read_into(part, [rel_dir], override, tick, None)
            return _pack(part)

        parts = parallel.run_units(stack[::-1], unit, count, ticker)
        if parts is None:
            _read_into(tree, stack, override, ticker.tick, None)
        else:
            for packed in parts:
                _unpack(packed, tree)
    if progress is not None:
        progress(tree.entries)
    return tree


# a part of a tree as a few flat byte strings, quick to pickle and to read back (a worker sends hundreds of
# thousands of names): the directories' paths and entry counts, every name NUL-joined (a name holds no NUL),
# every kind, every size; then the unreadable directories and the entries that could not be stat'ed
_Packed = tuple[list[str], list[int], bytes, bytes, bytes, dict[str, tuple[bool, str]], dict[str, dict[str, str]]]


def _pack(part: Tree) -> _Packed:
    rels: list[str] = []
    counts: list[int] = []
    names: list[str] = []
    kinds = bytearray()
    sizes = array("q")
    failed: dict[str, tuple[bool, str]] = {}
    errors: dict[str, dict[str, str]] = {}
    for rel, got in part.dirs.items():
        if isinstance(got, tuple):
            failed[rel] = got
            continue
        rels.append(rel)
        counts.append(len(got.names))
        names += got.names
        kinds += got.kinds if isinstance(got.kinds, bytes) else bytes(got.kinds)
        sizes.extend(got.sizes)
        if got.errors:
            errors[rel] = got.errors
    return rels, counts, os.fsencode("\0".join(names)), bytes(kinds), sizes.tobytes(), failed, errors


def _unpack(packed: _Packed, into: Tree) -> None:
    rels, counts, blob, kinds, raw, failed, errors = packed
    names = os.fsdecode(blob).split("\0") if blob else []
    if sum(counts) == 0:
        names = []
    sizes = array("q")
    sizes.frombytes(raw)
    at = 0
    for rel, n in zip(rels, counts, strict=True):
        into.dirs[rel] = Listing(names=names[at:at + n], kinds=kinds[at:at + n], sizes=sizes[at:at + n],
                                 errors=errors.get(rel))
        at += n
    into.dirs.update(failed)
    into.entries += at


def _read_into(tree: Tree, stack: list[str], override: bool, tick: Callable[[int], None], budget: int | None) -> None:
    """Read the directories of ``stack`` and below into ``tree``, until done or ``budget`` entries were read."""
    real = tree.root
    read = 0
    while stack:
        if budget is not None and read >= budget:
            return
        rel_dir = stack.pop()
        listing = _list_dir(real, rel_dir, override)
        tree.dirs[rel_dir] = listing
        if isinstance(listing, tuple):
            continue
        prefix = rel_dir + "/" if rel_dir else ""
        stack += [prefix + name for name in listing.subdirs or ()]
        listing.subdirs = None
        listing.kinds = bytes(listing.kinds)  # compact: the tree holds every entry of the context
        listing.sizes = array("q", listing.sizes)
        tree.entries += len(listing.names)
        read += len(listing.names)
        tick(len(listing.names))


def _check_root(base: Path) -> None:
    if not base.exists():
        raise ContextError(f"{base}: no such directory", "pass the build context directory")
    if not base.is_dir():
        raise ContextError(f"{base}: not a directory", "the build context is a directory")


def walk(root: str | os.PathLike[str], ignore: DockerIgnore | None, *, measure_ignored: bool = False,
         listing: bool = False, top: int = 10, dir_depth: int = 3,
         progress: Callable[[int], None] | None = None, find_secrets: bool = False,
         skip: frozenset[str] = frozenset(), sizes: Mapping[str, int] | None = None,
         tree: Tree | None = None, per_directory: bool = True, largest_sent: bool = False,
         workers: int | None = None) -> Walk:
    """Walk the context once (``tree``: as recorded, without reading the disk again). The hot loop stays
    small: one ``fstatat`` per entry relative to its directory's descriptor, the rules matched per
    directory where they allow it (``per_directory=False``: every pattern on every path, the reference),
    directory totals added once per directory, not per file. ``largest_sent``: ``largest_files`` holds
    only sent files.

    A disk walk that is still going after ``_SPLIT_AT`` entries shares the directories left among
    ``workers`` processes (default: the CPUs, at most 4; see ``parallel.workers``); the result is the same
    as one process's, in the same order."""
    base = Path(root)
    if tree is None:
        _check_root(base)
    run = _Run(root=tree.root if tree is not None else os.path.realpath(base),  # the engine resolves a symlinked root
               matcher=_Matcher(ignore, per_directory=per_directory), tree=tree, measure_ignored=measure_ignored,
               listing=listing, top=top, dir_depth=dir_depth, find_secrets=find_secrets, skip=skip, sizes=sizes,
               largest_sent=largest_sent)
    result = run.new_walk()
    ticker = parallel.Ticker(progress)
    # stack of (relative dir, depth of its children, inherited pattern hits, walked by the engine?, rule that
    # pruned it, per-pattern glob state, buildkit: the excluded directories above not sent yet)
    stack: list[_Item] = [("", 1, frozenset(), True, -1, run.matcher.start(), None)]
    count = parallel.workers() if workers is None else workers
    _drain(run, stack, result, ticker.tick, None, _SPLIT_AT if count > 1 else None)
    if stack:  # a big tree: the directories left, each a subtree of its own, shared out in the walk's order
        units = stack[::-1]
        parts = parallel.run_units(units, lambda unit, tick: _unit(run, unit, tick), count, ticker)
        if parts is None:  # a worker failed (an error in a rule, say): the rest here, as one process does it
            _drain(run, stack, result, ticker.tick, None, None)
        else:
            done: set[str] = set()
            for part, emitted in parts:
                _merge(result, part, emitted, done, top)
    result.largest_files = sorted(result.largest_files, reverse=True)
    if result.listing is not None:
        result.listing.sort()
    if progress is not None and tree is None:  # the entries read (the workers' too), as record() ends
        progress(ticker.seen)
    return result


_Item = tuple[str, int, frozenset[int], bool, int, _State, "_Pending | None"]
_SPLIT_AT = 10_000  # entries a walk reads alone before it shares out the rest


@dataclass(slots=True)
class _Run:
    """What one walk does, the same for each of its parts."""

    root: str
    matcher: _Matcher
    tree: Tree | None
    measure_ignored: bool
    listing: bool
    top: int
    dir_depth: int
    find_secrets: bool
    skip: frozenset[str]
    sizes: Mapping[str, int] | None
    largest_sent: bool
    override: bool = field(default_factory=lambda: _has_override())
    memos: dict[secret_scan.Place, dict[str, bool]] = field(default_factory=dict)  # may_be_secret, per place
    places: dict[str, secret_scan.Place] = field(default_factory=dict)  # per directory walked

    def new_walk(self) -> Walk:
        return Walk(listing=[] if self.listing else None, by_rule=[[0, 0] for _ in self.matcher.patterns])

    def secret_memo(self, where: secret_scan.Place) -> dict[str, bool]:
        """``may_be_secret(name, where)`` by name, for the files of one place."""
        memo = self.memos.get(where)
        if memo is None or len(memo) > 100_000:
            memo = self.memos[where] = {}
        return memo

    def place(self, rel_dir: str) -> secret_scan.Place:
        """secrets.place(rel_dir), from the parent directory's when it was walked."""
        parent, _, name = rel_dir.rpartition("/")
        up = self.places.get(parent) if rel_dir else None
        where = secret_scan.child_place(up, name) if up is not None else secret_scan.place(rel_dir)
        self.places[rel_dir] = where
        return where


def _unit(run: _Run, item: _Item, tick: Callable[[int], None]) -> tuple[Walk, list[str]]:
    """One subtree of a shared-out walk: its own totals, and the excluded directories above it that it
    sends (buildkit; counted once however many parts send them)."""
    part = run.new_walk()
    emitted: list[str] = []
    _drain(run, [item], part, tick, emitted, None)
    return part, emitted


def _merge(result: Walk, part: Walk, emitted: list[str], done: set[str], top: int) -> None:
    """Add a part's walk to ``result`` as if the walk had gone on there (parts come in the walk's order)."""
    result.sent_files += part.sent_files
    result.sent_bytes += part.sent_bytes
    result.sent_dirs += part.sent_dirs
    result.ignored_files += part.ignored_files
    result.ignored_bytes += part.ignored_bytes
    result.ignored_unreadable_bytes += part.ignored_unreadable_bytes
    result.ignored_complete = result.ignored_complete and part.ignored_complete
    result.pruned_dirs += part.pruned_dirs
    result.problems += part.problems
    result.warnings += part.warnings
    result.secrets += part.secrets
    for key, (sent, ignored, files) in part.dir_bytes.items():
        slot = result.dir_bytes.get(key)
        if slot is None:
            slot = result.dir_bytes[key] = [0, 0, 0]
        slot[0] += sent
        slot[1] += ignored
        slot[2] += files
    for counts, more in zip(result.by_rule, part.by_rule, strict=True):
        counts[0] += more[0]
        counts[1] += more[1]
    if result.listing is not None and part.listing is not None:
        result.listing += part.listing
    for rel in emitted:
        if rel not in done:
            done.add(rel)
            _sent_dir(result, rel)
    heap = result.largest_files
    for item in part.largest_files:
        if len(heap) < top:
            heapq.heappush(heap, item)
        elif top > 0 and item > heap[0]:
            heapq.heapreplace(heap, item)


def _drain(run: _Run, stack: list[_Item], result: Walk, tick: Callable[[int], None] | None,
           emitted: list[str] | None, budget: int | None) -> None:
    """Walk the directories of ``stack`` (and below) into ``result``, until the stack is empty or ``budget``
    entries were read. ``emitted``: a part of a shared-out walk (see _emit)."""
    real, tree, matcher = run.root, run.tree, run.matcher
    patterns = matcher.patterns
    modern = matcher.modern
    exclusion = [p.exclusion for p in patterns]
    listed = result.listing
    heap = result.largest_files  # a heap while walking
    top, dir_depth, largest_sent = run.top, run.dir_depth, run.largest_sent
    floor = heap[0][0] if top > 0 and len(heap) == top else -1  # smallest size in a full heap: most files skip it
    measure_ignored, find_secrets, skip, sizes = run.measure_ignored, run.find_secrets, run.skip, run.sizes
    override = run.override
    may_be_secret = secret_scan.may_be_secret
    skip_dirs = {p.rpartition("/")[0] for p in skip}  # the directories holding a path to skip
    sized_dirs = {p.rpartition("/")[0] for p in sizes or ()}  # ... a file about to be written
    read = 0
    while stack:
        if budget is not None and read >= budget:
            return
        rel_dir, depth, inherited, sent_dir, owner, state, pending = stack.pop()
        prefix = rel_dir + "/" if rel_dir else ""
        skip_here = rel_dir in skip_dirs
        sized_here = rel_dir in sized_dirs
        where = run.place(rel_dir) if find_secrets else secret_scan.ROOT
        secret_memo = run.secret_memo(where) if find_secrets else {}
        got = tree.dirs.get(rel_dir) if tree is not None else _list_dir(real, rel_dir, override)
        if got is None:  # not recorded: the tree was read without it (cannot happen for a full record)
            got = _list_dir(real, rel_dir, override)
        if isinstance(got, tuple):
            problem = Problem(path=rel_dir or ".", message=got[1])
            (result.problems if sent_dir else result.warnings).append(problem)
            continue
        full = rules = None
        const_hits = inherited
        if patterns and sent_dir:
            decider = matcher.decider(state, depth, inherited)
            constant, decide, full, rules = decider.constant, decider.decide, decider.full, decider.rules
            const_excluded = constant >= 0 and not exclusion[constant]
            if modern:
                const_hits = decider.hits
        else:
            constant, decide, const_excluded = owner, None, not sent_dir
        dir_sent = dir_ignored = dir_files = dir_sent_files = dir_ignored_files = 0
        errors = got.errors
        for name, kind, size in zip(got.names, got.kinds, got.sizes, strict=True):
            rel = prefix + name
            if skip and ((skip_here and (rel in skip or _is_backup(rel, skip)))
                         or ((name[:1] == "." or name == "lock") and _is_transient(rel, name))):
                continue
            if kind == K_ERROR:
                result.warnings.append(Problem(path=rel, message=(errors or {}).get(name, "cannot stat")))
                continue
            is_dir = kind in (K_DIR, K_DIR_DENIED)
            child = const_hits
            if decide is None:
                rule, excluded = constant, const_excluded
            else:
                if is_dir and full is not None:
                    rule, child = full(name, rel)
                else:
                    rule = rules.get(name, -2) if rules is not None else -2
                    if rule == -2:
                        rule = decide(name, rel)
                excluded = rule >= 0 and not exclusion[rule]
            if is_dir:
                into = excluded and sent_dir and matcher.has_exceptions and matcher.walk_into(rel)
                if kind == K_DIR_DENIED:
                    if not modern or (not excluded and sent_dir):
                        # the engine opens the directory and fails (legacy: excluded or not)
                        result.problems.append(Problem(path=rel, message="permission denied: `docker build` "
                                                       "fails opening this directory" + (
                                                           "" if modern else " (even when it is ignored)")))
                        continue
                    into = False  # buildkit: an excluded directory it cannot read is skipped
                if patterns and sent_dir:
                    if not modern:
                        child = matcher.dir_matches(rel, depth, inherited)
                    child_state = matcher.child_state(state, name)
                else:
                    child, child_state = inherited, state
                if not excluded:
                    if pending is not None:
                        _emit(result, pending, emitted)
                    _sent_dir(result, rel)
                    stack.append((rel, depth + 1, child, True, -1, child_state, None))
                elif into and modern:  # walked, sent only if something below is
                    stack.append((rel, depth + 1, child, True, -1, child_state, _Pending(rel, pending)))
                elif into:
                    _sent_dir(result, rel)  # legacy: the engine sends the directory itself and walks on
                    stack.append((rel, depth + 1, child, True, -1, child_state, None))
                else:
                    if sent_dir:
                        result.pruned_dirs.append(rel)
                    if measure_ignored:
                        stack.append((rel, depth + 1, child, False, rule, child_state, None))
                    else:
                        result.ignored_complete = False
                continue
            is_file = kind in (K_FILE, K_FILE_UNREADABLE)
            raw = size
            if sized_here and sizes and rel in sizes:  # a file about to be written (a dry run's pyproject.toml)
                size = sizes[rel]
            if kind == K_FILE_UNREADABLE:
                if not excluded:
                    result.warnings.append(Problem(path=rel, message="unreadable: sent as an empty file"))
                    size = 0
                else:
                    result.ignored_unreadable_bytes += size
            if find_secrets and is_file:
                known = secret_memo.get(name)
                if known is None:
                    known = secret_memo[name] = may_be_secret(name, where)
                if known:
                    found = secret_scan.check(rel, name, raw, not excluded, _head(real, rel), where)
                    if found is not None:
                        result.secrets.append(found)
            dir_files += 1
            if excluded:
                dir_ignored += size
                dir_ignored_files += 1
                if rule >= 0:
                    counts = result.by_rule[rule]
                    counts[0] += 1
                    counts[1] += size
            else:
                if pending is not None:
                    _emit(result, pending, emitted)
                    pending = None
                dir_sent += size
                dir_sent_files += 1
                if listed is not None and (kind != K_FIFO or modern):  # legacy's COPY drops FIFOs
                    listed.append(rel)
            if is_file and size >= floor and top > 0 and not (largest_sent and excluded):
                # the `top` largest by (size, path, sent), whatever the order the entries come in
                item = (size, rel, not excluded)
                if len(heap) < top:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
                if len(heap) == top:
                    floor = heap[0][0]
        if tick is not None:
            tick(len(got.names))
        read += len(got.names)
        result.sent_bytes += dir_sent
        result.ignored_bytes += dir_ignored
        result.sent_files += dir_sent_files
        result.ignored_files += dir_ignored_files
        if rel_dir and dir_files:
            parts = rel_dir.split("/")
            for k in range(1, min(len(parts), dir_depth) + 1):
                key = "/".join(parts[:k])
                slot = result.dir_bytes.get(key)
                if slot is None:
                    slot = result.dir_bytes[key] = [0, 0, 0]
                slot[0] += dir_sent
                slot[1] += dir_ignored
                slot[2] += dir_files


def _sent_dir(result: Walk, rel: str) -> None:
    result.sent_dirs += 1
    if result.listing is not None:
        result.listing.append(rel + "/")


def sent_paths(root: str | os.PathLike[str], ignore: DockerIgnore | None) -> Iterator[str]:
    """Every path the engine sends: files and links as ``a/b``, directories as ``a/``; sorted."""
    yield from walk(root, ignore, listing=True).listing or []


# -- the report behind `dockgen context` ------------------------------------------------------------------

@dataclass(slots=True)
class SourceCheck:
    line: int
    instruction: str
    source: str
    status: str  # "sent", "excluded", "partly-excluded", "missing", "unresolved"
    excluded_by: str | None = None  # "<ignore file>:<line>: <pattern>"


@dataclass(slots=True)
class ContextReport:
    root: str
    dockerfile: str | None
    ignore_file: str | None
    ignore_rules: int
    walk: Walk
    secrets: list[Secret]
    sources: list[SourceCheck]

    @property
    def errors(self) -> list[str]:
        out = [f"{p.path}: {p.message}" for p in self.walk.problems]
        out += [f"{s.instruction} {s.source} (Dockerfile line {s.line}) is excluded by {s.excluded_by}"
                for s in self.sources if s.status == "excluded"]
        out += [f"{s.instruction} {s.source} (Dockerfile line {s.line}): no such file in the context"
                for s in self.sources if s.status == "missing"]
        return out


def choose_ignore_file(root: Path, dockerfile: Path | None) -> Path | None:
    """BuildKit's rule: ``<Dockerfile>.dockerignore`` beside the Dockerfile replaces ``.dockerignore``
    (even when empty); otherwise ``.dockerignore`` at the context root (a directory there is ignored)."""
    if dockerfile is not None:
        specific = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if specific.is_file():
            return specific
    default = root / ".dockerignore"
    return default if default.is_file() else None


def path_is_sent(matcher: _Matcher, path: str) -> tuple[str, DockerIgnorePattern | None]:
    """Whether the engine sends ``path`` ("sent", "excluded", "partly-excluded") and which rule decided."""
    parts = path.split("/")
    inherited: frozenset[int] = frozenset()
    for k in range(1, len(parts) + 1):
        rel = "/".join(parts[:k])
        if not matcher.patterns:
            break
        index, child = matcher.decide(rel, k, inherited, k < len(parts))
        if index >= 0 and not matcher.patterns[index].exclusion:
            rule = matcher.patterns[index]
            if matcher.has_exceptions and matcher.walk_into(rel):
                if k == len(parts):
                    return "partly-excluded", rule
            else:
                return "excluded", rule
        inherited = child
    return "sent", None


def analyze(root: str | os.PathLike[str], *, dockerfile: str | os.PathLike[str] | None = None,
            ignore_file: str | os.PathLike[str] | None = None, measure_ignored: bool = False,
            listing: bool = False, top: int = 10,
            progress: Callable[[int], None] | None = None, tree: Tree | None = None,
            engine: Engine = DEFAULT_ENGINE) -> ContextReport:
    """Everything `dockgen context` reports about the build context at ``root``, as ``engine`` sends it
    (``tree``: as read already by ``record``, for a caller that walks it again)."""
    from .dockerfile_sources import copy_sources
    from .dockerignore import parse

    base = Path(root)
    if not base.is_dir():
        raise ContextError(f"{base}: no such directory" if not base.exists() else f"{base}: not a directory",
                           "pass the build context directory")
    df: Path | None = Path(dockerfile) if dockerfile is not None else base / "Dockerfile"
    if dockerfile is not None and not df.is_file():  # type: ignore[union-attr]
        raise ContextError(f"{dockerfile}: no such Dockerfile", "-f takes the Dockerfile's path")
    if df is not None and not df.is_file():
        df = None
    chosen = Path(ignore_file) if ignore_file is not None else choose_ignore_file(base, df)
    if ignore_file is not None and not chosen.is_file():  # type: ignore[union-attr]
        raise ContextError(f"{ignore_file}: no such ignore file", "--ignore-file takes a .dockerignore's path")
    from . import reading
    from .dockerfile_sources import read_dockerfile
    from .errors import DockgenError

    rules: DockerIgnore | None = None
    if chosen is not None:
        try:
            data = reading.read_bytes(chosen, shown=str(chosen))
        except DockgenError as exc:
            raise ContextError(exc.message, "check its permissions, or pass another with --ignore-file") from exc
        rules = parse(data, source=_display(chosen, base) or str(chosen), engine=engine)
    sources_spec = copy_sources(read_dockerfile(df, str(df))) if df is not None else []
    need_listing = listing or any(s.wildcard for s in sources_spec)
    result = walk(base, rules, measure_ignored=measure_ignored, listing=need_listing, top=top,
                  progress=progress, find_secrets=True, tree=tree)
    matcher = _Matcher(rules)
    checks: list[SourceCheck] = []
    sent_set = set(result.listing or ()) if need_listing else set()
    for s in sources_spec:
        if not s.resolved:
            checks.append(SourceCheck(line=s.line, instruction=s.instruction, source=s.source, status="unresolved"))
            continue
        if s.path == ".":
            checks.append(SourceCheck(line=s.line, instruction=s.instruction, source=s.source, status="sent"))
            continue
        if s.wildcard:
            depth = s.path.count("/") + 1
            hits = [p for p in sent_set if p.rstrip("/").count("/") + 1 == depth and _safe_match(s.path, p.rstrip("/"))]
            # Go's filepath.Match: ``**`` is ``*``, one path segment (pathlib's glob would recurse, 1,000
            # directories deep is a RecursionError); glob.glob without recursive= matches segment by segment
            on_disk = bool(glob.glob(glob.escape(str(base)) + "/" + s.path, include_hidden=True))
            status = "sent" if hits else ("excluded" if on_disk else "missing")
            checks.append(SourceCheck(line=s.line, instruction=s.instruction, source=s.source, status=status,
                                      excluded_by=_rules_text(rules) if status == "excluded" else None))
            continue
        if not os.path.lexists(base / s.path):
            checks.append(SourceCheck(line=s.line, instruction=s.instruction, source=s.source, status="missing"))
            continue
        status, rule = path_is_sent(matcher, s.path)
        if status == "partly-excluded" and not (base / s.path).is_dir():
            status = "excluded"  # a file has no inside for an exception to send: COPY finds nothing
        by = f"{rules.source}:{rule.line}: {rule.text}" if rule is not None and rules is not None else None
        checks.append(SourceCheck(line=s.line, instruction=s.instruction, source=s.source, status=status,
                                  excluded_by=by))
    return ContextReport(root=str(base), dockerfile=_display(df, base) if df else None,
                         ignore_file=_display(chosen, base) if chosen else None,
                         ignore_rules=len(rules.patterns) if rules else 0, walk=result,
                         secrets=sorted(result.secrets, key=lambda s: s.path), sources=checks)


def _safe_match(pattern: str, path: str) -> bool:
    from .dockerignore import _BadPattern, go_match

    try:
        return go_match(pattern, path)
    except _BadPattern:
        return False


def _rules_text(rules: DockerIgnore | None) -> str | None:
    return f"the rules of {rules.source}" if rules is not None else None


def _display(path: Path | None, base: Path) -> str | None:
    """A path as the user knows it: relative to the context when inside it."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
