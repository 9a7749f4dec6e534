"""Walking and measuring the build context: exactly the paths `docker build` sends, and their sizes.

One ``os.scandir`` pass, never following symlinks (they are sent as links), sizes from ``lstat``
(a sparse 5 GB file is one stat, never read). Excluded directories are pruned as the engine's walker
prunes them (fsutil): unless an exception pattern literally starts with ``<dir>/``, nothing below an
excluded directory is looked at; with ``measure_ignored`` they are walked too, only to count what
the rules keep out. Memory is bounded by the number of directories, not files, unless a listing is
asked for.
"""

from __future__ import annotations

import heapq
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .dockerignore import DockerIgnore
from .errors import DockgenError

KIND_FILE, KIND_DIR, KIND_LINK, KIND_FIFO, KIND_OTHER = "file", "dir", "symlink", "fifo", "other"


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


class _Matcher:
    """Docker's matching for one walk, with the parent-rule results carried down the tree."""

    def __init__(self, ignore: DockerIgnore | None) -> None:
        self.patterns = list(ignore.patterns) if ignore else []
        self.has_exceptions = any(p.exclusion for p in self.patterns)
        self.exception_texts = [p.cleaned + "/" for p in self.patterns if p.exclusion]
        self.by_depth: dict[int, list[int]] = {}
        for i, p in enumerate(self.patterns):
            self.by_depth.setdefault(p.depth, []).append(i)

    def dir_matches(self, rel: str, depth: int, inherited: frozenset[int]) -> frozenset[int]:
        """Patterns whose parent rule holds for everything below ``rel`` (a directory at ``depth``)."""
        hits = [i for i in self.by_depth.get(depth, ()) if self.patterns[i].matches_path(rel)]
        return inherited.union(hits) if hits else inherited

    def excluded(self, rel: str, depth: int, inherited: frozenset[int]) -> bool:
        """Last match wins; ``inherited`` holds the patterns that matched an ancestor at their depth."""
        for i in range(len(self.patterns) - 1, -1, -1):
            p = self.patterns[i]
            if p.matches_path(rel) or (p.depth < depth and i in inherited):
                return not p.exclusion
        return False

    def walk_into(self, rel: str) -> bool:
        """fsutil: an excluded directory is still walked when an exception names a path below it."""
        prefix = rel + "/"
        return any(t.startswith(prefix) for t in self.exception_texts)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return KIND_DIR
    if stat.S_ISREG(mode):
        return KIND_FILE
    if stat.S_ISLNK(mode):
        return KIND_LINK
    if stat.S_ISFIFO(mode):
        return KIND_FIFO
    return KIND_OTHER  # sockets arrive as empty files, devices as devices (COPY makes empty files)


def _dac_override() -> bool:
    """True when this process may read any file (root with CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16) & 0b110 == 0b110
    except OSError:
        pass
    return os.geteuid() == 0


_OVERRIDE: list[bool] = []


def _allowed(st: os.stat_result, bits: int) -> bool:
    """The permission check the kernel makes for this process (``bits`` as for the owner: 0o4 read,
    0o1 search). ACLs are not looked at."""
    if not _OVERRIDE:
        _OVERRIDE.append(_dac_override())
    if _OVERRIDE[0]:
        return True
    if st.st_uid == os.geteuid():
        shift = 6
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        shift = 3
    else:
        shift = 0
    return (st.st_mode >> shift) & bits == bits


def walk(root: str | os.PathLike[str], ignore: DockerIgnore | None, *, measure_ignored: bool = False,
         listing: bool = False, top: int = 10, dir_depth: int = 3,
         progress: Callable[[int], None] | None = None) -> Walk:
    base = Path(root)
    if not base.exists():
        raise ContextError(f"{base}: no such directory", "pass the build context directory")
    if not base.is_dir():
        raise ContextError(f"{base}: not a directory", "the build context is a directory")
    real = os.path.realpath(base)  # the engine resolves a symlinked context root
    matcher = _Matcher(ignore)
    result = Walk(listing=[] if listing else None)
    heap: list[tuple[int, str, bool]] = []
    # stack of (relative dir, depth of its children, inherited pattern hits, sent?)
    stack: list[tuple[str, int, frozenset[int], bool]] = [("", 1, frozenset(), True)]
    seen = 0
    while stack:
        rel_dir, depth, inherited, sent_dir = stack.pop()
        full = os.path.join(real, rel_dir) if rel_dir else real
        try:
            entries = list(os.scandir(full))
        except PermissionError:
            problem = Problem(path=rel_dir or ".", message="permission denied: the engine cannot read this directory")
            (result.problems if sent_dir else result.warnings).append(problem)
            continue
        except OSError as exc:
            (result.problems if sent_dir else result.warnings).append(
                Problem(path=rel_dir or ".", message=f"cannot read: {exc.strerror}"))
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                result.warnings.append(Problem(path=rel, message=f"cannot stat: {exc.strerror}"))
                continue
            kind = _kind(st.st_mode)
            is_dir = kind == KIND_DIR
            if sent_dir:
                excluded = matcher.patterns and matcher.excluded(rel, depth, inherited)
            else:
                excluded = True
            if is_dir and not _allowed(st, 0o5):
                # the engine opens every directory its walk reaches, excluded or not, and fails
                result.problems.append(Problem(path=rel, message="permission denied: `docker build` fails "
                                                                  "opening this directory (even when it is ignored)"))
                continue
            if is_dir:
                child_inherited = matcher.dir_matches(rel, depth, inherited) if sent_dir and matcher.patterns \
                    else inherited
                if not excluded:
                    _sent_dir(result, rel)
                    stack.append((rel, depth + 1, child_inherited, True))
                elif sent_dir and matcher.has_exceptions and matcher.walk_into(rel):
                    _sent_dir(result, rel)  # the engine sends the directory itself and walks on
                    stack.append((rel, depth + 1, child_inherited, True))
                else:
                    if sent_dir:
                        result.pruned_dirs.append(rel)
                    if measure_ignored:
                        stack.append((rel, depth + 1, child_inherited, False))
                    else:
                        result.ignored_complete = False
                continue
            size = st.st_size if kind in (KIND_FILE, KIND_LINK) else 0
            if kind == KIND_FILE and not excluded and not _allowed(st, 0o4):
                result.warnings.append(Problem(path=rel, message="unreadable: the engine sends it as an empty file"))
                size = 0
            seen += 1
            if progress and seen % 5000 == 0:
                progress(seen)
            if excluded:
                result.ignored_files += 1
                result.ignored_bytes += size
            else:
                result.sent_files += 1
                result.sent_bytes += size
                if result.listing is not None and kind != KIND_FIFO:  # COPY drops FIFOs
                    result.listing.append(rel)
            _add_dir_bytes(result, rel, size, not excluded, dir_depth)
            if kind == KIND_FILE:
                item = (size, rel, not excluded)
                if len(heap) < top:
                    heapq.heappush(heap, item)
                elif size > heap[0][0]:
                    heapq.heapreplace(heap, item)
    result.largest_files = sorted(heap, reverse=True)
    if result.listing is not None:
        result.listing.sort()
    return result


def _sent_dir(result: Walk, rel: str) -> None:
    result.sent_dirs += 1
    if result.listing is not None:
        result.listing.append(rel + "/")


def _add_dir_bytes(result: Walk, rel: str, size: int, sent: bool, max_depth: int) -> None:
    parts = rel.split("/")[:-1]
    for k in range(1, min(len(parts), max_depth) + 1):
        key = "/".join(parts[:k])
        slot = result.dir_bytes.get(key)
        if slot is None:
            slot = result.dir_bytes[key] = [0, 0, 0]
        slot[0 if sent else 1] += size
        slot[2] += 1


def sent_paths(root: str | os.PathLike[str], ignore: DockerIgnore | None) -> Iterator[str]:
    """Every path the engine sends: files and links as ``a/b``, directories as ``a/``; sorted."""
    yield from walk(root, ignore, listing=True).listing or []
