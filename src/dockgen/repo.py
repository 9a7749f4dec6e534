"""RepoView: a read-only view of the app root. Every read of the user's repository goes through it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from . import reading
from .errors import ManifestError


def huge_number(rel: str) -> ManifestError:
    """The error for a JSON or TOML file holding an integer of thousands of digits (Python refuses to
    convert one, as a guard against quadratic time)."""
    return ManifestError(f"{rel}: a number with thousands of digits, more than dockgen parses",
                         f"no real {rel} holds a number like this: fix or remove it")


class RepoView:
    """Read-only access to files below ``root``; paths are relative POSIX strings."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        path = Path(root)
        if not path.exists():
            raise ManifestError(f"{path}: no such directory", "pass the path of the app's root directory")
        if not path.is_dir():
            raise ManifestError(f"{path}: not a directory", "pass the app's root directory, not a file")
        self.root = path.resolve()
        self._json: dict[tuple[str, int], Any] = {}  # parsed once per view: lockfiles are read by several detectors

    def path(self, rel: str) -> Path:
        return self.root / PurePosixPath(rel)

    def exists(self, rel: str) -> bool:
        return self.path(rel).exists()

    def is_file(self, rel: str) -> bool:
        """A regular file (followed through symlinks): a FIFO or a device is not one."""
        return reading.is_regular(self.path(rel))

    def is_dir(self, rel: str) -> bool:
        return self.path(rel).is_dir()

    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        """The whole file (up to MAX_FILE_BYTES: a bigger one is an error, never parsed cut short), or with
        ``limit`` its first ``limit`` bytes (sniffing a source file). Only regular files are read, and a
        FIFO or device never blocks (files.py)."""
        if limit is None:
            return reading.read_bytes(self.path(rel), shown=rel)
        return reading.read_head(self.path(rel), limit, shown=rel)

    def read_text(self, rel: str, limit: int | None = None) -> str:
        data = self.read_bytes(rel, limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if limit is not None and exc.start >= len(data) - 3:  # a character cut by the limit
                return data[:exc.start].decode("utf-8-sig")
            raise ManifestError(f"{rel}: not valid UTF-8 (byte {exc.start})", "save the file as UTF-8") from exc

    def read_text_or_none(self, rel: str, limit: int | None = None) -> str | None:
        """The text of an optional file, or None when it is absent or not a regular file."""
        if not reading.is_regular(self.path(rel)):
            return None
        return self.read_text(rel, limit)

    def read_json(self, rel: str, limit: int = reading.MAX_FILE_BYTES) -> Any:
        """A JSON file, whole: a lockfile of tens of MB is read, one bigger than ``limit`` is an error
        (never parsed cut short, which would report valid JSON as invalid). Parsed once per view; the
        result is shared, so callers must not change it."""
        key = (rel, limit)
        if key not in self._json:
            self._json[key] = self._parse_json(rel, limit)
        return self._json[key]

    def _parse_json(self, rel: str, limit: int) -> Any:
        data = reading.read_bytes(self.path(rel), limit=limit, shown=rel)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ManifestError(f"{rel}: not valid UTF-8 (byte {exc.start})", "save the file as UTF-8") from exc
        try:
            return json.loads(text)
        except RecursionError as exc:
            raise ManifestError(f"{rel}: nested too deeply (thousands of [ or {{), more than dockgen parses",
                                f"is {rel} really a manifest or lockfile? no real one nests like this") from exc
        except json.JSONDecodeError as exc:
            raise ManifestError(
                f"{rel}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                f"fix the syntax in {rel} (e.g. `node -e 'require(\"./{rel}\")'` shows it too)",
            ) from exc
        except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
            raise huge_number(rel) from exc

    def read_toml(self, rel: str) -> dict[str, Any]:
        import tomllib

        text = self.read_text(rel)
        try:
            return tomllib.loads(text)
        except RecursionError as exc:
            raise ManifestError(f"{rel}: nested too deeply (thousands of [ or {{), more than dockgen parses",
                                f"is {rel} really TOML written by hand or a tool? no real one nests like this") from exc
        except tomllib.TOMLDecodeError as exc:
            # tomllib puts "(at line L, column C)" in its message
            raise ManifestError(f"{rel}: invalid TOML: {exc}", f"fix the syntax in {rel}") from exc
        except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
            raise huge_number(rel) from exc

    def digests(self, rels: list[str] | tuple[str, ...]) -> dict[str, str]:
        """sha256 prefixes of the regular files among ``rels`` (what `dockgen check` compares)."""
        import hashlib

        out: dict[str, str] = {}
        for rel in rels:
            if rel == "pyproject.toml" and self.is_file(rel):
                out[rel] = hashlib.sha256(self._pyproject_canonical()).hexdigest()[:12]
            elif self.is_file(rel):
                out[rel] = hashlib.sha256(reading.read_bytes(self.path(rel), limit=1 << 30, shown=rel)).hexdigest()[:12]
        return out

    def _pyproject_canonical(self) -> bytes:
        """pyproject.toml as its data without [tool.dockgen] (dockgen's recorded answers): recording them,
        or reformatting the file, does not make a Dockerfile stale."""
        data = self.read_toml("pyproject.toml")
        tool = data.get("tool")
        if isinstance(tool, dict) and "dockgen" in tool:
            rest = {k: v for k, v in tool.items() if k != "dockgen"}
            data = {k: v for k, v in data.items() if k != "tool"} | ({"tool": rest} if rest else {})
        return json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode("utf-8", "surrogatepass")

    def listdir(self, rel: str = ".") -> list[str]:
        try:
            return sorted(os.listdir(self.path(rel)))
        except OSError:
            return []

    def walk_files(self, rel: str = ".", *, suffixes: tuple[str, ...] = (), max_files: int = 2000,
                   skip_dirs: frozenset[str] = frozenset()) -> Iterator[str]:
        """Relative paths of regular files below ``rel`` (sorted, bounded, symlinks not followed)."""
        count = 0
        stack = [rel]
        while stack:
            current = stack.pop()
            try:
                entries = sorted(os.scandir(self.path(current)), key=lambda e: e.name, reverse=True)
            except OSError:
                continue
            for entry in entries:
                relpath = entry.name if current == "." else f"{current}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skip_dirs:
                        stack.append(relpath)
                elif entry.is_file(follow_symlinks=False) and (not suffixes or entry.name.endswith(suffixes)):
                    yield relpath
                    count += 1
                    if count >= max_files:
                        return
