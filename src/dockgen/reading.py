"""Reading a file of the user's repository safely: only regular files, never blocking, never cut short.

A repository is untrusted input: a FIFO named ``Dockerfile`` would block an ``open()`` forever, a link
to ``/dev/zero`` would never end, and a file read up to a limit and parsed would turn a valid 9 MB
lockfile into "invalid JSON". Every read here opens with ``O_NONBLOCK`` (a FIFO opens at once), checks
with ``fstat`` that it holds a regular file, and reads it whole, or raises a DockgenError naming the
limit; ``read_head`` is the one deliberate partial read (sniffing the start of a source file).
"""

from __future__ import annotations

import os
import stat

from .errors import ManifestError as DockgenError  # a repository file that cannot be read: a manifest error

MAX_FILE_BYTES = 256 << 20  # the largest manifest, lockfile or Dockerfile dockgen reads (lockfiles of big monorepos)
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _open(path: str | os.PathLike[str], shown: str) -> tuple[int, os.stat_result]:
    """A file descriptor on the regular file ``path`` and its stat; a DockgenError otherwise."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError as exc:
        raise DockgenError(f"{shown}: no such file", None) from exc
    except PermissionError as exc:
        raise DockgenError(f"{shown}: permission denied", "make the file readable by this user") from exc
    except IsADirectoryError as exc:
        raise DockgenError(f"{shown}: is a directory, expected a file", f"remove or rename the directory {shown}") \
            from exc
    except OSError as exc:
        raise DockgenError(f"{shown}: cannot read ({exc.strerror})", None) from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise DockgenError(f"{shown}: is a directory, expected a file", f"remove or rename the directory {shown}")
        raise DockgenError(f"{shown}: {_kind(st.st_mode)}, not a regular file",
                           f"dockgen reads {shown} only when it is a regular file: replace it with one, or remove it")
    return fd, st


def _read(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        except BlockingIOError:  # a regular file never blocks; a file system that says so is retried
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_bytes(path: str | os.PathLike[str], *, limit: int = MAX_FILE_BYTES, shown: str | None = None) -> bytes:
    """The whole of the regular file ``path``; a DockgenError (``error:`` + ``hint:``) when it is not a
    regular file, cannot be read, or is larger than ``limit`` (never a part of it)."""
    name = shown if shown is not None else os.fspath(path)
    try:
        fd, st = _open(path, name)
    except OSError as exc:  # fstat failing on a vanished file system
        raise DockgenError(f"{name}: cannot read ({exc.strerror})", None) from exc
    try:
        if st.st_size > limit:
            raise _too_big(name, limit)
        try:
            data = _read(fd, limit)
        except OSError as exc:
            raise DockgenError(f"{name}: cannot read ({exc.strerror})", None) from exc
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise _too_big(name, limit)
    return data


def _too_big(name: str, limit: int) -> DockgenError:
    return DockgenError(f"{name}: larger than {limit >> 20} MiB, more than dockgen reads",
                        f"is {name} really a manifest, lockfile or Dockerfile? dockgen reads such files up to "
                        f"{limit >> 20} MiB")


def read_head(path: str | os.PathLike[str], size: int, *, shown: str | None = None) -> bytes:
    """At most the first ``size`` bytes of the regular file ``path`` (a deliberate partial read)."""
    name = shown if shown is not None else os.fspath(path)
    fd, _ = _open(path, name)
    try:
        return _read(fd, size - 1) if size > 0 else b""
    except OSError as exc:
        raise DockgenError(f"{name}: cannot read ({exc.strerror})", None) from exc
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], *, limit: int = MAX_FILE_BYTES, shown: str | None = None,
              errors: str = "strict") -> str:
    """``read_bytes`` decoded as UTF-8 with universal newlines, as ``Path.read_text`` gives it (a BOM is
    kept, as there); an invalid byte is an error naming it unless ``errors`` says otherwise."""
    name = shown if shown is not None else os.fspath(path)
    data = read_bytes(path, limit=limit, shown=name)
    try:
        text = data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise DockgenError(f"{name}: not valid UTF-8 (byte {exc.start})", "save the file as UTF-8") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_regular(path: str | os.PathLike[str]) -> bool:
    """``path`` (followed through symlinks) is a regular file: what the readers here accept."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


__all__ = ["MAX_FILE_BYTES", "is_regular", "read_bytes", "read_head", "read_text"]
