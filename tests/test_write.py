"""Writing: create / identical / conflict / overwrite, atomic, backups, dry runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dockgen.errors import DockgenError
from dockgen.model import RenderedFile, WriteStatus
from dockgen.write import write

FILES = [RenderedFile(path="Dockerfile", content="FROM scratch\n"), RenderedFile(path=".dockerignore", content="x\n")]


def test_create_then_identical(tmp_path: Path) -> None:
    first = write(FILES, tmp_path)
    assert [o.status for o in first] == [WriteStatus.CREATE, WriteStatus.CREATE] and all(o.written for o in first)
    again = write(FILES, tmp_path)
    assert [o.status for o in again] == [WriteStatus.IDENTICAL, WriteStatus.IDENTICAL]
    assert not any(o.written for o in again)


def test_conflict_writes_nothing_at_all(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM mine\n")
    outcomes = write(FILES, tmp_path)
    assert outcomes[0].status is WriteStatus.CONFLICT and outcomes[0].diff
    assert (tmp_path / "Dockerfile").read_text() == "FROM mine\n"
    assert not (tmp_path / ".dockerignore").exists(), "a conflict must leave every file untouched"


def test_force_keeps_a_backup_and_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_text("FROM mine\n")
    os.chmod(target, 0o640)
    outcomes = write(FILES, tmp_path, force=True)
    assert outcomes[0].status is WriteStatus.OVERWRITE and outcomes[0].backup == "Dockerfile.bak"
    assert (tmp_path / "Dockerfile.bak").read_text() == "FROM mine\n"
    assert target.read_text() == "FROM scratch\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    (target).write_text("FROM other\n")
    assert write(FILES, tmp_path, force=True)[0].backup == "Dockerfile.bak.1"


def test_dry_run_touches_nothing(tmp_path: Path) -> None:
    outcomes = write(FILES, tmp_path, dry_run=True)
    assert [o.status for o in outcomes] == [WriteStatus.CREATE, WriteStatus.CREATE]
    assert list(tmp_path.iterdir()) == []


def test_no_temp_files_are_left_behind(tmp_path: Path) -> None:
    write(FILES, tmp_path)
    write([RenderedFile(path="Dockerfile", content="FROM x\n")], tmp_path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore", "Dockerfile", "Dockerfile.bak"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "Dockerfile"
    target.write_text("FROM mine\n")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(DockgenError, match="cannot write"):
        write([RenderedFile(path="Dockerfile", content="FROM new\n")], tmp_path, force=True)
    assert target.read_text() == "FROM mine\n"
    assert [p.name for p in tmp_path.iterdir() if "dockgen-tmp" in p.name] == []


def test_directory_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").mkdir()
    with pytest.raises(DockgenError, match="is a directory"):
        write(FILES, tmp_path)
