"""The one place that writes files into the user's repository.

Statuses: create (new file), identical (nothing to do), conflict (differs, --force not given: the
file is left alone), overwrite (differs, --force: the old file is kept as ``<name>.bak`` first).
Writes are atomic: a temp file in the same directory, fsync, then ``os.replace``; the mode and owner
of an existing file are kept. A symlink is written through: the file it points to is replaced, the link
stays (a dangling link is an error). A file with no write bit set is read-only: it is refused, for root
too, before anything of the same write is touched. Paths are relative and stay below the root.
With ``dry_run`` nothing is touched, the statuses say what would happen.
A conflict leaves every file untouched: files are only written when none of them conflicts.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import DockgenError
from .model import RenderedFile, WriteOutcome, WriteStatus


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


def refuse_read_only(root: str | os.PathLike[str], files: list[RenderedFile]) -> None:
    """A DockgenError when one of these files exists, differs and is read-only: callers that write
    several files in steps (answers, then the files, then their rendered copies) ask first, so a
    refusal comes before any of them is touched."""
    base = Path(root)
    for f in files:
        _checked_path(f.path)
        _inside(base, f.path)
        old = _read_existing(base / f.path, f.path)  # compared as plan_writes compares: would it be written?
        if old is not None and old != _universal(f.content):
            _refuse_read_only(base / f.path, f.path)


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
    try:
        return target.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return target.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise DockgenError(f"{rel}: cannot read ({exc.strerror})", "check the file's permissions") from exc


def _backup_name(target: Path) -> Path:
    candidate = target.with_name(target.name + ".bak")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = target.with_name(f"{target.name}.bak.{n}")
        n += 1
    return candidate


def atomic_write(target: Path, content: str | bytes, *, mode: int | None = None,
                 like: Path | None = None) -> None:
    """Replace ``target`` in one step: readers see the old file or the new one, never a part.

    A symlink is written through (the file it points to is replaced, the link kept). The new file gets
    ``mode``, else the mode and owner of ``like``, else those of the file it replaces. A read-only
    file (no write bit) is refused with a DockgenError, and so is a dangling symlink."""
    real = _resolve(target, target.name)
    old = _refuse_read_only(real, target.name)
    source = like.stat() if like is not None else old
    if mode is None and source is not None:
        mode = stat.S_IMODE(source.st_mode)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".dockgen-tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            now = os.fstat(fh.fileno())
        if source is not None and (source.st_uid, source.st_gid) != (now.st_uid, now.st_gid):
            with contextlib.suppress(PermissionError):  # not root: the file becomes the writer's
                os.chown(tmp, source.st_uid, source.st_gid)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def plan_writes(files: list[RenderedFile], root: str | os.PathLike[str], *,
                force: bool = False) -> list[WriteOutcome]:
    """What writing would do, file by file (nothing is touched)."""
    base = Path(root)
    for f in files:
        _checked_path(f.path)
    outcomes: list[WriteOutcome] = []
    for f in files:
        target = base / f.path
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
    """Write ``files`` below ``root``. Returns one outcome per file; with a conflict, writes none.
    ``backup=False``: overwrite without a .bak copy (dockgen's own files: answers, rendered copies)."""
    base = Path(root)
    if not base.is_dir():
        raise DockgenError(f"{base}: no such directory", "pass the app's root directory")
    outcomes = plan_writes(files, base, force=force)
    if dry_run or any(o.status is WriteStatus.CONFLICT for o in outcomes):
        return outcomes
    for f, o in zip(files, outcomes, strict=True):  # refused before any file of this write is touched
        if o.status is not WriteStatus.IDENTICAL:
            _inside(base, f.path)
        if o.status is WriteStatus.OVERWRITE:
            _refuse_read_only(base / f.path, f.path)
    done: list[WriteOutcome] = []
    for f, o in zip(files, outcomes, strict=True):
        if o.status is WriteStatus.IDENTICAL:
            done.append(o)
            continue
        target = base / f.path
        kept = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if o.status is WriteStatus.OVERWRITE and backup:
                bak = _backup_name(target)
                atomic_write(bak, target.read_bytes(), like=target)
                kept = bak.name
            atomic_write(target, f.content)
        except PermissionError as exc:
            raise DockgenError(f"{f.path}: permission denied while writing",
                               "make the directory writable, or run with --dry-run to see the files") from exc
        except OSError as exc:
            raise DockgenError(f"{f.path}: cannot write ({exc.strerror})", None) from exc
        done.append(WriteOutcome(path=o.path, status=o.status, written=True, backup=kept, diff=o.diff))
    return done
