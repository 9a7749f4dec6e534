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
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import secrets as secret_scan
from .dockerignore import DEFAULT_ENGINE, DockerIgnore, DockerIgnorePattern, Engine, step, without_trailing_glob
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


class _Matcher:
    """The engine's matching for one walk, with the parent results carried down the tree.

    ``inherited`` (per directory) is, for ``legacy``, the patterns that matched an ancestor at their own
    depth (Docker 20.10's parent rule); for ``buildkit``, the patterns that held for the directory
    (fsutil's ``MatchInfo``, see dockerignore.step)."""

    def __init__(self, ignore: DockerIgnore | None) -> None:
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


def _head(path: str) -> Callable[[], bytes]:
    def read() -> bytes:
        from . import reading
        from .errors import DockgenError

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


# fstatat relative to a directory's descriptor where the platform has it; by path elsewhere (Windows)
_FD_WALK = hasattr(os, "O_DIRECTORY") and os.stat in os.supports_dir_fd and os.scandir in os.supports_fd


def _listable(path: str) -> int | None:
    """No descriptor (the walk goes by path), after raising what opening the directory would."""
    os.scandir(path).close()
    return None


def walk(root: str | os.PathLike[str], ignore: DockerIgnore | None, *, measure_ignored: bool = False,
         listing: bool = False, top: int = 10, dir_depth: int = 3,
         progress: Callable[[int], None] | None = None, find_secrets: bool = False,
         skip: frozenset[str] = frozenset(), sizes: Mapping[str, int] | None = None) -> Walk:
    """Walk the context once. The hot loop stays small: one ``fstatat`` per entry relative to its
    directory's descriptor, directory totals added once per directory, not per file."""
    base = Path(root)
    if not base.exists():
        raise ContextError(f"{base}: no such directory", "pass the build context directory")
    if not base.is_dir():
        raise ContextError(f"{base}: not a directory", "the build context is a directory")
    real = os.path.realpath(base)  # the engine resolves a symlinked context root
    matcher = _Matcher(ignore)
    patterns = matcher.patterns
    modern = matcher.modern
    result = Walk(listing=[] if listing else None, by_rule=[[0, 0] for _ in patterns])
    listed = result.listing
    override = _has_override()
    heap: list[tuple[int, str, bool]] = []
    floor = -1  # smallest size in a full heap: most files are smaller and skip the heap entirely
    # stack of (relative dir, depth of its children, inherited pattern hits, walked by the engine?, rule that
    # pruned it, buildkit: the excluded directories above not sent yet)
    stack: list[tuple[str, int, frozenset[int], bool, int, _Pending | None]] = [("", 1, frozenset(), True, -1, None)]
    seen, next_report = 0, 5000
    S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFIFO = 0o170000, stat.S_IFDIR, stat.S_IFREG, stat.S_IFLNK, stat.S_IFIFO
    while stack:
        rel_dir, depth, inherited, sent_dir, owner, pending = stack.pop()
        prefix = rel_dir + "/" if rel_dir else ""
        where = secret_scan.place(rel_dir) if find_secrets else secret_scan.ROOT
        here = os.path.join(real, rel_dir) if rel_dir else real
        try:
            fd = os.open(here, os.O_RDONLY | os.O_DIRECTORY) if _FD_WALK else _listable(here)
        except PermissionError:
            problem = Problem(path=rel_dir or ".", message="permission denied: the engine cannot read this directory")
            (result.problems if sent_dir else result.warnings).append(problem)
            continue
        except OSError as exc:
            (result.problems if sent_dir else result.warnings).append(
                Problem(path=rel_dir or ".", message=f"cannot read: {exc.strerror}"))
            continue
        dir_sent = dir_ignored = dir_files = dir_sent_files = dir_ignored_files = 0
        try:
            with os.scandir(here if fd is None else fd) as it:
                entries = list(it)
            for entry in entries:
                name = entry.name
                rel = prefix + name
                if skip and (rel in skip or _is_backup(rel, skip) or _is_transient(rel, name)):
                    continue
                try:
                    st = (os.stat(name, dir_fd=fd, follow_symlinks=False) if fd is not None
                          else os.stat(os.path.join(here, name), follow_symlinks=False))
                except OSError as exc:
                    result.warnings.append(Problem(path=rel, message=f"cannot stat: {exc.strerror}"))
                    continue
                fmt = st.st_mode & S_IFMT
                is_dir = fmt == S_IFDIR
                if patterns and sent_dir:
                    rule, child = matcher.decide(rel, depth, inherited, is_dir)
                    excluded = rule >= 0 and not patterns[rule].exclusion
                else:
                    rule = owner
                    excluded = not sent_dir
                    child = inherited
                if is_dir:
                    into = excluded and sent_dir and matcher.has_exceptions and matcher.walk_into(rel)
                    if not override and not _allowed(st, 0o5):
                        if not modern or (not excluded and sent_dir):
                            # the engine opens the directory and fails (legacy: excluded or not)
                            result.problems.append(Problem(path=rel, message="permission denied: `docker build` "
                                                           "fails opening this directory" + (
                                                               "" if modern else " (even when it is ignored)")))
                            continue
                        into = False  # buildkit: an excluded directory it cannot read is skipped
                    if not excluded:
                        if pending is not None:
                            _emit(result, pending)
                        _sent_dir(result, rel)
                        stack.append((rel, depth + 1, child, True, -1, None))
                    elif into and modern:  # walked, sent only if something below is
                        stack.append((rel, depth + 1, child, True, -1, _Pending(rel, pending)))
                    elif into:
                        _sent_dir(result, rel)  # legacy: the engine sends the directory itself and walks on
                        stack.append((rel, depth + 1, child, True, -1, None))
                    else:
                        if sent_dir:
                            result.pruned_dirs.append(rel)
                        if measure_ignored:
                            stack.append((rel, depth + 1, child, False, rule, None))
                        else:
                            result.ignored_complete = False
                    continue
                is_file = fmt == S_IFREG
                size = st.st_size if is_file or fmt == S_IFLNK else 0
                if sizes and rel in sizes:  # a file as it is about to be written (a dry run's pyproject.toml)
                    size = sizes[rel]
                if is_file and not excluded and not override and not _allowed(st, 0o4):
                    result.warnings.append(Problem(path=rel, message="unreadable: sent as an empty file"))
                    size = 0

                if find_secrets and is_file:
                    found = secret_scan.check(rel, name, st.st_size, not excluded, _head(os.path.join(real, rel)),
                                              where)
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
                        _emit(result, pending)
                        pending = None
                    dir_sent += size
                    dir_sent_files += 1
                    if listed is not None and fmt != S_IFIFO:  # COPY drops FIFOs
                        listed.append(rel)
                if is_file and size > floor:
                    item = (size, rel, not excluded)
                    if len(heap) < top:
                        heapq.heappush(heap, item)
                    else:
                        heapq.heapreplace(heap, item)
                    if len(heap) == top:
                        floor = heap[0][0]
        finally:
            if fd is not None:
                os.close(fd)
        if progress is not None:
            seen += len(entries)
            if seen >= next_report:
                progress(seen)
                next_report = seen + 5000
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
    result.largest_files = sorted(heap, reverse=True)
    if listed is not None:
        listed.sort()
    return result


def _emit(result: Walk, pending: _Pending) -> None:
    """Send the excluded directories above a sent path (buildkit), nearest first, up to one already sent."""
    node: _Pending | None = pending
    while node is not None and not node.emitted:
        node.emitted = True
        _sent_dir(result, node.rel)
        node = node.parent


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
            progress: Callable[[int], None] | None = None, engine: Engine = DEFAULT_ENGINE) -> ContextReport:
    """Everything `dockgen context` reports about the build context at ``root``, as ``engine`` sends it."""
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
                  progress=progress, find_secrets=True)
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
