"""The one place that writes files into the user's repository.

Statuses: create (new file), identical (nothing to do), conflict (differs, --force not given: the
file is left alone), overwrite (differs, --force: the old file is kept as ``<name>.bak`` first).
A symlink is written through: the file it points to is replaced, the link stays (a dangling link is
an error); the mode and owner of a replaced file are kept. A file with no write bit set is read-only:
it is refused, for root too, before anything of the same write is touched. Paths are relative and
stay below the root. With ``dry_run`` nothing is touched, the statuses say what would happen.
A conflict leaves every file untouched: files are only written when none of them conflicts.

All or nothing: every file one command writes (the answers, the Dockerfile(s), the .dockerignore, the
copies under .dockgen/rendered/, the .bak copies, docker-bake.hcl) goes into one ``Transaction``, which
plans each file when it is added (nothing is touched) and writes them together when it commits:

1. stage: each new content is written to a temp file next to its target
   (``.<name>.<pid>-<hex>.dockgen-tmp``), mode and owner set, fsync'd; a file about to be replaced gets
   a hard link (a copy where the file system has none) that can put it back; a .bak, a staged copy;
2. apply: each .bak gets its name exclusively (``.bak``, else ``.bak.1``...: a hard link or an
   O_CREAT|O_EXCL file, so an existing backup is never replaced, not even by a concurrent run), then
   each temp file is renamed over its target;
3. sync: the directories written in are fsync'd.

When any step fails, every step done is undone (the replaced files put back, the created files and
directories removed, the temp files removed) and one DockgenError is raised: a failed command changed
nothing. A process killed in the middle (kill -9) leaves temp files: their name says who made them,
the measured .dockerignore excludes them (``**/.*.dockgen-tmp``) and its figures never count them, and
the next commit into the same directory removes those of runs that are gone. Each file is whole: the
old one or the new one; a kill between two renames (a few system calls) can leave some of a
command's files new and the others old.

A command that writes holds ``.dockgen/lock`` in the app's directory (``fcntl.flock``; on Windows
``msvcrt.locking`` of its first byte), from before it
reads the repository until its files are written: a second dockgen waits up to ``LOCK_WAIT`` seconds,
then fails. The lock file, and .dockgen when it was made for it, are removed when the command ends.
Where .dockgen cannot hold it (a file, a link leading outside the app, a read-only directory), the
app's directory itself is locked. Dry runs (and --check) take no lock and create nothing.

Where the platform lacks a POSIX call (Windows): files are opened without O_NOFOLLOW/O_OPEN_FLAGS (and in
binary mode), owners are not set (no fchown), modes are set by path (no fchmod), directories are not
fsync'd (no O_DIRECTORY: Windows cannot open a directory, and NTFS journals the renames), a temp file's
pid is not probed (os.kill would end that process: only a day-old temp file of another run is removed),
and the app's directory itself cannot be locked (a clear error where .dockgen cannot hold the lock).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from .errors import DockgenError
from .model import RenderedFile, WriteOutcome, WriteStatus

TEMP_SUFFIX = ".dockgen-tmp"
LOCK_DIR = ".dockgen"
LOCK_FILE = "lock"
LOCK_WAIT = 10.0  # seconds a write waits for another dockgen writing in the same directory
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + r"\Z", re.DOTALL)
_OLD_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + r"\Z", re.DOTALL)  # dockgen <= 0.1 (mkstemp)
_STALE = 24 * 3600.0  # a temp file this old is removed even when its pid is alive (reused by another process)


def _optional(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


fcntl = _optional("fcntl")  # POSIX
msvcrt = _optional("msvcrt")  # Windows
_WINDOWS = sys.platform == "win32"
# flags os.open takes where the platform has them (Windows has neither O_NOFOLLOW nor O_OPEN_FLAGS, and
# opens in text mode unless told O_BINARY)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = getattr(os, "O_OPEN_FLAGS", 0) | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_BINARY", 0)
# link() errors that mean "no hard links here": a copy stands in for the link
_NO_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS, errno.EXDEV})


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


ANSWERS_FILES = ("pyproject.toml", ".dockgen.toml")  # where answers.py records (no import: a cycle)


def _checked_path(rel: str) -> None:
    """A DockgenError unless ``rel`` names a file below the root (after resolving "..")."""
    if "\0" in rel:
        raise DockgenError(f"{rel!r}: a path with a NUL byte", "give a plain path relative to the app's root")
    if os.path.isabs(rel):
        raise DockgenError(f"{rel}: an absolute path; dockgen writes only below the app's root",
                           "give the path relative to the root (e.g. Dockerfile)")
    norm = os.path.normpath(rel)
    if norm == os.curdir or norm == os.pardir or norm.startswith(os.pardir + os.sep):
        raise DockgenError(f"{rel}: not a file below the app's root",
                           "give a path below the root, without '..' that leaves it")


def _inside(base: Path, rel: str) -> None:
    """A DockgenError when ``rel`` below ``base`` leads outside it through a symlink (a linked file or
    directory): a cloned repository must not make dockgen write anywhere else."""
    real_root = os.path.realpath(base)
    real = os.path.realpath(base / rel)
    if os.path.commonpath([real_root, real]) != real_root:
        link = next((p for p in [base / rel, *(base / rel).parents] if p.is_symlink()), base / rel)
        shown = link.relative_to(base).as_posix() if link.is_relative_to(base) else str(link)
        target = os.readlink(link) if link.is_symlink() else real
        raise DockgenError(f"{rel} leads outside the app through the symlink {shown} (-> {target}); dockgen "
                           "writes only inside the app's directory (--dry-run and --check, which write "
                           "nothing, read through it)",
                           "make it a file or directory inside the app" + (
                               ", or run with --no-record" if rel in ANSWERS_FILES or rel.startswith(".dockgen/")
                               else ""))


def _resolve(target: Path, rel: str) -> Path:
    """The file a write to ``target`` replaces: ``target``, or the file its symlink (chain) points to."""
    if not target.is_symlink():
        return target
    try:
        return Path(os.path.realpath(target, strict=True))
    except OSError as exc:
        dest = os.readlink(target)
        if exc.errno == errno.ELOOP:
            raise DockgenError(f"{rel} is a symlink loop (-> {dest})", f"point the link {rel} at a file") from exc
        raise DockgenError(f"{rel} is a dangling symlink (-> {dest}, which does not exist)",
                           f"create the file it points to, or remove the link {rel}") from exc


def _read_only_hint(rel: str) -> str:
    if rel in ANSWERS_FILES:
        return (f"make it writable (chmod u+w {rel}) to record the answers in it, "
                "or run `dockgen init --no-record`")
    return f"make it writable (chmod u+w {rel}) if dockgen may replace it, or run with --dry-run to see the change"


def _refuse_read_only(target: Path, rel: str) -> os.stat_result | None:
    """The stat of ``target`` (followed through a symlink), None when missing; a DockgenError when it is a
    regular file with no write bit at all (the mode decides, for root too: os.replace would not ask)."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode) and not st.st_mode & 0o222:
        raise DockgenError(f"{rel} is read-only", _read_only_hint(rel))
    return st


def _universal(text: str) -> str:
    """``text`` as a text-mode read gives it back (CRLF and CR read as LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_existing(target: Path, rel: str) -> str | None:
    """The file's text, with universal newlines (a CRLF copy of a file is identical to it)."""
    if not target.exists() and not target.is_symlink():
        return None
    target = _resolve(target, rel)
    if target.is_dir():
        raise DockgenError(f"{rel} is a directory", f"move it away; dockgen writes {rel} as a file")
    from . import reading

    data = reading.read_bytes(target, shown=rel)  # never blocks: a FIFO or a device is refused, not opened
    try:
        return _universal(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _universal(data.decode("utf-8", errors="replace"))



def plan_writes(files: list[RenderedFile], root: str | os.PathLike[str], *,
                force: bool = False) -> list[WriteOutcome]:
    """What writing would do, file by file (nothing is touched)."""
    base = Path(root)
    for f in files:
        _checked_path(f.path)
    outcomes: list[WriteOutcome] = []
    for f in files:
        target = base / os.path.normpath(f.path)  # "sub/../Dockerfile" is the Dockerfile (no sub/ needed)
        old = _read_existing(target, f.path)
        new = _universal(f.content)  # line endings alone are no change (a CRLF checkout is identical)
        if old is None:
            outcomes.append(WriteOutcome(path=f.path, status=WriteStatus.CREATE, written=False,
                                         diff=unified_diff("", new, f.path)))
        elif old == new:
            outcomes.append(WriteOutcome(path=f.path, status=WriteStatus.IDENTICAL, written=False))
        else:
            status = WriteStatus.OVERWRITE if force else WriteStatus.CONFLICT
            outcomes.append(WriteOutcome(path=f.path, status=status, written=False,
                                         diff=unified_diff(old, new, f.path)))
    return outcomes


def write(files: list[RenderedFile], root: str | os.PathLike[str], *, force: bool = False,
          dry_run: bool = False, backup: bool = True) -> list[WriteOutcome]:
    """Write ``files`` below ``root``, all or none (one transaction). Returns one outcome per file; with
    a conflict, writes none. ``backup=False``: overwrite without a .bak copy (dockgen's own files)."""
    base = Path(root)
    if not base.is_dir():
        raise DockgenError(f"{base}: no such directory", "pass the app's root directory")
    for f in files:
        _checked_path(f.path)
    if dry_run:
        return plan_writes(files, base, force=force)
    with transaction(base) as tx:
        batch = tx.add(files, base, force=force, backup=backup)
        if batch.conflict:
            tx.discard()
    return batch.outcomes


# ---- files: created exclusively, written whole, synced ----

def is_temp(name: str) -> bool:
    """A name dockgen gives its temp files (``.<name>.<pid>-<hex>.dockgen-tmp``; older dockgens left out
    the pid)."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def _temp_path(directory: Path, name: str) -> Path:
    short = name if len(os.fsencode(name)) <= 160 else name[:32]  # the temp name stays below NAME_MAX
    return directory / f".{short}.{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}"


def _create(path: Path, data: bytes, *, mode: int | None = None, owner: tuple[int, int] | None = None) -> None:
    """A new file at ``path`` (O_EXCL: FileExistsError when the name is taken) holding ``data``, with
    ``mode`` (None: 0o666 less the umask) and ``owner`` (when the writer may give it), fsync'd. On any
    failure the file is removed again."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _OPEN_FLAGS,
                 0o666 if mode is None else 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if owner is not None and hasattr(os, "fchown"):
                now = os.fstat(fd)
                if (now.st_uid, now.st_gid) != owner:
                    with contextlib.suppress(PermissionError):  # not root: the file becomes the writer's
                        os.fchown(fd, *owner)
            if mode is not None:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                else:
                    os.chmod(path, mode)
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        os.close(fd)  # NFS reports a failed write here
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _temp(directory: Path, name: str, data: bytes, *, mode: int | None = None,
          owner: tuple[int, int] | None = None) -> Path:
    """A temp file for ``name`` in ``directory`` holding ``data`` (see ``_create``)."""
    for _ in range(100):
        path = _temp_path(directory, name)
        try:
            _create(path, data, mode=mode, owner=owner)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(directory))


def _link_backup(staged: Path, target: Path, data: bytes, old: os.stat_result) -> Path:
    """The first free name of ``<target>.bak``, ``<target>.bak.1``... given to the staged copy of the
    old file: link() fails when the name exists, so a backup is never replaced, not even by a concurrent
    run. Without hard links, the copy is written under that name, created with O_CREAT|O_EXCL."""
    n, links = 0, True
    while True:
        bak = target.with_name(f"{target.name}.bak" + (f".{n}" if n else ""))
        try:
            if links:
                os.link(staged, bak)
            else:
                _create(bak, data, mode=stat.S_IMODE(old.st_mode), owner=(old.st_uid, old.st_gid))
            return bak
        except FileExistsError:
            n += 1
        except OSError as exc:
            if not links or exc.errno not in _NO_LINKS:
                raise
            links = False


def atomic_write(target: Path, content: str | bytes, *, mode: int | None = None,
                 like: Path | None = None) -> None:
    """Replace one file in one step: readers see the old file or the new one, never a part.

    A symlink is written through (the file it points to is replaced, the link kept). The new file gets
    ``mode``, else the mode and owner of ``like``, else those of the file it replaces. A read-only
    file (no write bit) is refused with a DockgenError, and so is a dangling symlink. No lock: a
    command's files go through a ``Transaction``."""
    real = _resolve(target, target.name)
    old = _refuse_read_only(real, target.name)
    source = like.stat() if like is not None else old
    if mode is None and source is not None:
        mode = stat.S_IMODE(source.st_mode)
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = _temp(real.parent, real.name, data, mode=mode,
                owner=(source.st_uid, source.st_gid) if source is not None else None)
    try:
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _alive(pid: int) -> bool:
    if _WINDOWS:  # os.kill(pid, 0) terminates the process there: take it for alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: another user's process
        return True
    return True


def _abandoned(name: str, st: os.stat_result, started: float) -> bool:
    """A temp file of a dockgen run that is gone: made before this run began, by a process that is
    no more (or a day ago; an older dockgen's name carries no pid: made before this run is enough)."""
    if st.st_mtime >= started:
        return False
    found = _TEMP.match(name)
    if found is None:
        return _OLD_TEMP.match(name) is not None
    if time.time() - st.st_mtime > _STALE:
        return True
    pid = int(found["pid"])
    return pid == os.getpid() or not _alive(pid)


def remove_abandoned(directories: Iterable[Path], started: float) -> list[Path]:
    """Remove the temp files that dockgen runs killed before ``started`` left in ``directories``
    (best effort: what cannot be removed stays, and is excluded from the context anyway)."""
    removed = []
    for directory in directories:
        try:
            with os.scandir(directory) as it:
                entries = [e for e in it if is_temp(e.name)]
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and _abandoned(entry.name, st, started):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue
    return removed


# ---- the lock ----

class _Lock:
    __slots__ = ("fd", "made", "path")

    def __init__(self, fd: int, path: Path | None, made: Path | None) -> None:
        self.fd, self.path, self.made = fd, path, made  # path None: the directory itself is locked


def _holds_lock(directory: Path, home: Path) -> bool:
    """``home`` (.dockgen) is a directory inside ``directory`` (through a link inside it, fine)."""
    if not os.path.isdir(home):
        return False
    root = os.path.realpath(directory)
    return os.path.commonpath([root, os.path.realpath(home)]) == root


def _directory_lock(directory: Path) -> _Lock:
    if not hasattr(os, "O_DIRECTORY") or fcntl is None:  # Windows: a directory cannot be opened nor locked
        raise DockgenError(f"{directory}: dockgen cannot make .dockgen/lock there to take its lock",
                           "make the directory writable (or remove a .dockgen that is not a directory)")
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | _OPEN_FLAGS)
    except OSError as exc:
        raise DockgenError(f"{directory}: cannot open it to take dockgen's lock ({exc.strerror})",
                           "check the directory's permissions") from exc
    return _Lock(fd, None, None)


def _open_lock(directory: Path) -> _Lock | None:
    """``.dockgen/lock`` opened (both made when missing), or the directory itself where .dockgen cannot
    hold it; None when another run removed .dockgen meanwhile (try again)."""
    home = directory / LOCK_DIR
    made = None
    try:
        os.mkdir(home)
        made = home
    except FileExistsError:
        pass
    except OSError:  # a read-only directory, a full disk...: nothing is written there anyway
        return _directory_lock(directory)
    if not _holds_lock(directory, home):  # a file, a link leading outside: not dockgen's to use
        return _directory_lock(directory)
    path = home / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _OPEN_FLAGS, 0o644)
    except FileNotFoundError:
        return None
    except OSError:
        if made is not None:
            with contextlib.suppress(OSError):
                os.rmdir(made)
        return _directory_lock(directory)
    return _Lock(fd, path, made)


def _release(lock: _Lock, *, unlink: bool) -> None:
    """Close the lock; its holder (``unlink``) removes the file first, and .dockgen when it made it and
    it stayed empty. A waiter that opened the removed file sees it is gone once it has the lock."""
    if fcntl is None and msvcrt is not None:  # Windows unlocks a closed file's range "eventually": now
        with contextlib.suppress(OSError):
            os.lseek(lock.fd, 0, os.SEEK_SET)
            msvcrt.locking(lock.fd, msvcrt.LK_UNLCK, 1)
    if unlink and lock.path is not None:
        with contextlib.suppress(OSError):  # Windows cannot remove an open file: it stays, and is reused
            os.unlink(lock.path)
    with contextlib.suppress(OSError):
        os.close(lock.fd)
    if lock.made is not None:
        with contextlib.suppress(OSError):
            os.rmdir(lock.made)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    now = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino)


def _try_lock(fd: int) -> None:
    """Lock ``fd`` exclusively at once, or BlockingIOError: flock() on POSIX, msvcrt.locking of the first
    byte on Windows (which answers EACCES, or EDEADLOCK, while another process holds it)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    if msvcrt is None:
        raise OSError(errno.ENOTSUP, "no file locking on this platform (neither fcntl nor msvcrt)")
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EDEADLK, getattr(errno, "EDEADLOCK", errno.EDEADLK)):
            raise BlockingIOError(errno.EAGAIN, "locked by another process") from exc
        raise


def _take_lock(directory: Path, wait: float) -> _Lock:
    if fcntl is None and msvcrt is None:  # refused before .dockgen/lock is made
        raise DockgenError(f"{directory}: cannot take dockgen's lock (this platform has neither fcntl nor msvcrt)",
                           "run dockgen on Linux, macOS or Windows; nothing was written")
    deadline = time.monotonic() + wait
    for _ in range(100_000):
        lock = _open_lock(directory)
        if lock is None:
            continue
        try:
            _try_lock(lock.fd)
        except BlockingIOError:
            _release(lock, unlink=False)
            if time.monotonic() >= deadline:
                held = directory / LOCK_DIR / LOCK_FILE if lock.path is not None else directory
                raise DockgenError(f"another dockgen is writing in {directory}",
                                   f"wait for it to finish, then run this again (it holds a lock on {held}); "
                                   "nothing was written") from None
            time.sleep(0.05)
            continue
        except OSError as exc:
            _release(lock, unlink=False)
            raise DockgenError(f"{directory}: cannot take dockgen's lock ({exc.strerror})",
                               "the file system does not support file locks; run dockgen on a local copy") from exc
        if lock.path is None or _same_file(lock.fd, lock.path):
            return lock
        _release(lock, unlink=False)  # the holder removed the file we waited on: lock the new one
    raise DockgenError(f"{directory}: cannot take dockgen's lock", "run it again")  # pragma: no cover


# ---- the transaction ----

class _Op:
    """One file of a transaction: what it becomes, and the files staged for it."""

    __slots__ = ("backup", "bak", "bak_tmp", "data", "done", "old", "old_data", "real", "save", "shown",
                 "target", "tmp")

    def __init__(self, shown: str, target: Path, real: Path, data: bytes, old: os.stat_result | None,
                 backup: bool) -> None:
        self.shown, self.target, self.real, self.data, self.old = shown, target, real, data, old
        self.backup = backup and old is not None
        self.tmp: Path | None = None  # the new content
        self.save: Path | None = None  # a link to (or copy of) the replaced file: the undo
        self.bak_tmp: Path | None = None  # the staged .bak
        self.old_data = b""
        self.bak: Path | None = None  # the .bak, once it has its name
        self.done = False  # renamed into place


class Batch:
    """The files of one ``Transaction.add``: their outcomes as planned, final once it has committed."""

    def __init__(self, tx: Transaction, planned: list[WriteOutcome], ops: list[_Op | None]) -> None:
        self._tx, self._planned, self._ops = tx, planned, ops

    @property
    def conflict(self) -> bool:
        return any(o.status is WriteStatus.CONFLICT for o in self._planned)

    @property
    def outcomes(self) -> list[WriteOutcome]:
        if not self._tx.committed:
            return list(self._planned)
        return [o if op is None else o.replace(written=True, backup=op.bak.name if op.bak is not None else None)
                for o, op in zip(self._planned, self._ops, strict=True)]


class Transaction:
    """Every file one command writes, written together or not at all (see the module's docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.started = time.time()
        self.committed = False
        self.discarded = False
        self._ops: list[_Op] = []
        self._targets: set[str] = set()
        self._dirs: dict[Path, None] = {}  # every directory the command writes in (cleaned of abandoned temps)
        self._made: list[Path] = []  # directories made while staging
        self._locks: dict[str, _Lock] = {}
        self._doing = (".", "cannot write")  # the step under way, for the error: (path, what failed)

    def lock(self, directory: str | os.PathLike[str]) -> None:
        """Hold dockgen's lock of ``directory`` until ``release`` (again: nothing; no directory: no lock,
        the command fails on its own)."""
        key = os.path.realpath(directory)
        if key not in self._locks and os.path.isdir(key):
            self._locks[key] = _take_lock(Path(directory), LOCK_WAIT)

    def release(self) -> None:
        for key in reversed(list(self._locks)):
            _release(self._locks.pop(key), unlink=True)

    def discard(self) -> None:
        """Write nothing (a conflict somewhere): later adds only plan."""
        self.discarded = True

    def add(self, files: list[RenderedFile], base: str | os.PathLike[str], *, force: bool = False,
            backup: bool = True) -> Batch:
        """Plan ``files`` below ``base`` (a directory at or below the root) for the commit: nothing is
        touched. A conflict stages none of them; so does a discarded transaction."""
        where = Path(base)
        planned = plan_writes(files, where, force=force)
        ops: list[_Op | None] = [None] * len(files)
        for f in files:
            self._dirs[(where / os.path.normpath(f.path)).parent] = None
        if self.discarded or any(o.status is WriteStatus.CONFLICT for o in planned):
            return Batch(self, planned, ops)
        for f, o in zip(files, planned, strict=True):  # refused before any file of the command is touched
            if o.status is not WriteStatus.IDENTICAL:
                _inside(where, f.path)
            if o.status is WriteStatus.OVERWRITE:
                _refuse_read_only(where / f.path, f.path)
        for i, (f, o) in enumerate(zip(files, planned, strict=True)):
            if o.status not in (WriteStatus.CREATE, WriteStatus.OVERWRITE):
                continue
            target = where / os.path.normpath(f.path)
            real = _resolve(target, f.path)
            key = os.path.realpath(real)
            if key in self._targets:
                raise ValueError(f"{f.path} is written twice in one transaction")
            self._targets.add(key)
            self._dirs[real.parent] = None
            shown = Path(os.path.relpath(target, self.root)).as_posix()
            op = _Op(shown, target, real, f.content.encode("utf-8"),
                     real.stat() if o.status is WriteStatus.OVERWRITE else None, backup)
            self._ops.append(op)
            ops[i] = op
        return Batch(self, planned, ops)

    def commit(self) -> None:
        """Write every file added, or none: a failure undoes what was done and raises a DockgenError."""
        if self.discarded or self.committed:
            return
        remove_abandoned([d for d in self._dirs if os.path.isdir(d)], self.started)
        try:
            for op in self._ops:
                self._stage(op)
            for op in self._ops:
                self._apply(op)
            self._sync()
        except OSError as exc:
            raise self._failure(exc, self._undo()) from exc
        except BaseException:
            self._undo()
            raise
        self.committed = True
        for op in self._ops:  # done: what could undo it goes (a file left here is removed by the next run)
            for path in (op.save, op.bak_tmp):
                if path is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(path)

    def _shown(self, path: Path) -> str:
        rel = Path(os.path.relpath(path, self.root)).as_posix()
        return rel if rel != "." else str(self.root)

    def _make_dirs(self, directory: Path) -> None:
        missing = []
        while not os.path.lexists(directory):
            missing.append(directory)
            directory = directory.parent
        for d in reversed(missing):
            self._doing = (self._shown(d), "cannot create the directory")
            os.mkdir(d)
            self._made.append(d)

    def _stage(self, op: _Op) -> None:
        self._make_dirs(op.real.parent)
        self._doing = (op.shown, "cannot write")
        if op.old is None:
            op.tmp = _temp(op.real.parent, op.real.name, op.data)
            return
        mode, owner = stat.S_IMODE(op.old.st_mode), (op.old.st_uid, op.old.st_gid)
        op.tmp = _temp(op.real.parent, op.real.name, op.data, mode=mode, owner=owner)
        op.save = self._save(op.real)
        if op.backup:
            self._doing = (f"{op.shown}.bak", "cannot write")
            op.old_data = op.real.read_bytes()
            op.bak_tmp = _temp(op.target.parent, op.target.name, op.old_data, mode=mode, owner=owner)

    @staticmethod
    def _save(real: Path) -> Path:
        """A second name for the file about to be replaced (a copy where there are no hard links)."""
        for _ in range(100):
            save = _temp_path(real.parent, real.name)
            try:
                os.link(real, save)
            except FileExistsError:
                continue
            except FileNotFoundError:  # Linux: another writer renamed over the file that very moment
                if os.path.lexists(real):
                    continue
                raise
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                break
            return save
        st = real.stat()
        return _temp(real.parent, real.name, real.read_bytes(), mode=stat.S_IMODE(st.st_mode),
                     owner=(st.st_uid, st.st_gid))

    def _apply(self, op: _Op) -> None:
        assert op.tmp is not None
        if op.bak_tmp is not None and op.old is not None:
            self._doing = (f"{op.shown}.bak", "cannot write")
            op.bak = _link_backup(op.bak_tmp, op.target, op.old_data, op.old)
        self._doing = (op.shown, "cannot write")
        os.replace(op.tmp, op.real)
        op.done = True

    def _sync(self) -> None:
        """fsync the directories written in: the renames are on disk before the command says so."""
        dirs = dict.fromkeys([*(op.real.parent for op in self._ops),
                              *(op.bak.parent for op in self._ops if op.bak is not None),
                              *(d.parent for d in self._made)])
        if not hasattr(os, "O_DIRECTORY"):  # Windows: a directory cannot be opened (NTFS journals renames)
            return
        for d in dirs:
            self._doing = (self._shown(d), "cannot sync the directory")
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY | _OPEN_FLAGS)
            try:
                os.fsync(fd)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):  # no fsync for directories
                    raise
            finally:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _undo(self) -> list[str]:
        """Put everything back as it was; what could not be (each a few words for the error)."""
        problems: list[str] = []
        for op in reversed(self._ops):
            keep_bak = False
            if op.done and op.save is not None:
                try:
                    os.replace(op.save, op.real)
                    op.save = None
                except OSError:
                    keep_bak = True
                    problems.append(self._keep(op))
            elif op.done:
                try:
                    os.unlink(op.real)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    problems.append(f"{op.shown} could not be removed ({exc.strerror})")
            op.done = False
            if op.bak is not None and not keep_bak:
                try:
                    os.unlink(op.bak)
                except OSError as exc:
                    problems.append(f"{self._shown(op.bak)} could not be removed ({exc.strerror})")
                op.bak = None
            for path in (op.tmp, op.save, op.bak_tmp):
                if path is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            op.tmp = op.save = op.bak_tmp = None
        for d in reversed(self._made):
            try:
                os.rmdir(d)
            except OSError as exc:
                problems.append(f"{self._shown(d)} could not be removed ({exc.strerror})")
        self._made.clear()
        return problems

    def _keep(self, op: _Op) -> str:
        """The replaced file could not be put back: its old content is kept as a .bak (never lost)."""
        assert op.save is not None and op.old is not None
        if op.bak is not None:
            kept = op.bak
        else:
            try:
                kept = _link_backup(op.save, op.target, op.save.read_bytes(), op.old)
            except OSError:
                kept = op.save
            if kept != op.save:
                with contextlib.suppress(OSError):
                    os.unlink(op.save)
        op.save = None
        return f"{op.shown} could not be put back (its old content is kept as {self._shown(kept)})"

    def _failure(self, exc: OSError, problems: list[str]) -> DockgenError:
        where, what = self._doing
        if exc.errno in (errno.EACCES, errno.EPERM):
            message, hint = (f"{where}: permission denied while writing" if what == "cannot write"
                             else f"{where}: {what} (permission denied)",
                             "make the directory writable, or run with --dry-run to see the files")
        elif exc.errno == errno.EROFS:
            message, hint = (f"{where}: {what} (read-only file system)",
                             "remount the file system read-write, or run with --dry-run to see the files")
        elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
            message, hint = (f"{where}: {what} ({exc.strerror})", "free some disk space (or quota) and run it again")
        else:
            message, hint = (f"{where}: {what} ({exc.strerror or exc})",
                             "fix the cause and run it again, or run with --dry-run to see the files")
        if problems:
            return DockgenError(f"{message}; undoing the other files failed: {'; '.join(problems)}",
                                "check those files by hand (`git status` shows what changed)")
        return DockgenError(f"{message}; nothing was changed", hint)


@contextlib.contextmanager
def transaction(root: str | os.PathLike[str]) -> Iterator[Transaction]:
    """A ``Transaction`` holding the lock of ``root``: committed when the block ends normally (after a
    ``discard``: nothing is written), released in any case."""
    tx = Transaction(root)
    try:
        tx.lock(tx.root)
        yield tx
        tx.commit()
    finally:
        tx.release()
