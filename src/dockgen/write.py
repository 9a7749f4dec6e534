"""The one place that writes files into the user's repository.

Statuses: create (new file), identical (nothing to do), conflict (differs, --force not given: the
file is left alone), overwrite (differs, --force: the old file is kept as ``<name>.bak`` first).
Writes are atomic: a temp file in the same directory, fsync, then ``os.replace``; the mode of an
existing file is kept. With ``dry_run`` nothing is touched, the statuses say what would happen.
A conflict leaves every file untouched: files are only written when none of them conflicts.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from pathlib import Path

from .errors import DockgenError
from .model import RenderedFile, WriteOutcome, WriteStatus


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def _read_existing(target: Path, rel: str) -> str | None:
    if not target.exists() and not target.is_symlink():
        return None
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
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bak.{n}")
        n += 1
    return candidate


def atomic_write(target: Path, content: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``target`` in one step: readers see the old file or the new one, never a part."""
    if mode is None and target.exists():
        mode = target.stat().st_mode & 0o7777
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dockgen-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def plan_writes(files: list[RenderedFile], root: str | os.PathLike[str], *,
                force: bool = False) -> list[WriteOutcome]:
    """What writing would do, file by file (nothing is touched)."""
    base = Path(root)
    outcomes: list[WriteOutcome] = []
    for f in files:
        target = base / f.path
        old = _read_existing(target, f.path)
        if old is None:
            outcomes.append(WriteOutcome(path=f.path, status=WriteStatus.CREATE, written=False,
                                         diff=unified_diff("", f.content, f.path)))
        elif old == f.content:
            outcomes.append(WriteOutcome(path=f.path, status=WriteStatus.IDENTICAL, written=False))
        else:
            status = WriteStatus.OVERWRITE if force else WriteStatus.CONFLICT
            outcomes.append(WriteOutcome(path=f.path, status=status, written=False,
                                         diff=unified_diff(old, f.content, f.path)))
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
                atomic_write(bak, target.read_bytes(), mode=target.stat().st_mode & 0o7777)
                kept = bak.name
            atomic_write(target, f.content)
        except PermissionError as exc:
            raise DockgenError(f"{f.path}: permission denied while writing",
                               "make the directory writable, or run with --dry-run to see the files") from exc
        except OSError as exc:
            raise DockgenError(f"{f.path}: cannot write ({exc.strerror})", None) from exc
        done.append(WriteOutcome(path=o.path, status=o.status, written=True, backup=kept, diff=o.diff))
    return done
