"""Writing: create / identical / conflict / overwrite, atomic, backups, dry runs."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from dockgen.errors import DockgenError
from dockgen.model import RenderedFile, WriteStatus
from dockgen.write import atomic_write, write

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


def test_a_symlink_inside_the_app_is_written_through_and_kept(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "docker").mkdir(parents=True)
    (app / "docker" / "Dockerfile").write_text("FROM mine\n")
    os.chmod(app / "docker" / "Dockerfile", 0o640)
    (app / "Dockerfile").symlink_to("docker/Dockerfile")
    outcomes = write(FILES, app, force=True)
    assert outcomes[0].status is WriteStatus.OVERWRITE and outcomes[0].written
    assert (app / "Dockerfile").is_symlink() and os.readlink(app / "Dockerfile") == "docker/Dockerfile"
    assert (app / "docker" / "Dockerfile").read_text() == "FROM scratch\n"
    assert stat.S_IMODE((app / "docker" / "Dockerfile").stat().st_mode) == 0o640
    assert (app / "Dockerfile.bak").read_text() == "FROM mine\n" and not (app / "Dockerfile.bak").is_symlink()
    assert [p.name for p in (app / "docker").iterdir()] == ["Dockerfile"]  # no temp file left next to it
    assert write(FILES, app)[0].status is WriteStatus.IDENTICAL  # compared through the link too


@pytest.mark.parametrize("link", ["file", "directory"])
def test_a_symlink_leading_outside_the_app_is_refused(tmp_path: Path, link: str) -> None:
    """A cloned repository with `Dockerfile -> ~/.bashrc` or `.dockgen -> /somewhere` must not make
    dockgen write outside the app: refused before anything is written, dry runs included."""
    outside, app = tmp_path / "outside", tmp_path / "app"
    outside.mkdir()
    app.mkdir()
    (outside / "victim").write_text("precious\n")
    if link == "file":
        (app / "Dockerfile").symlink_to("../outside/victim")
        files = FILES
    else:
        (app / ".dockgen").symlink_to("../outside")
        files = [RenderedFile(path=".dockgen/rendered/Dockerfile", content="FROM scratch\n")]
    with pytest.raises(DockgenError, match="leads outside the app through the symlink"):
        write(files, app, force=True)
    # a dry run writes nothing, so it only reports; without --force a differing file is a conflict
    assert not any(o.written for o in write(files, app, dry_run=True))
    if link == "file":
        assert write(files, app)[0].status is WriteStatus.CONFLICT
    else:
        with pytest.raises(DockgenError, match=r"\.dockgen/rendered/Dockerfile leads outside") as err:
            write(files, app)
        assert "--no-record" in (err.value.hint or "")
    assert (outside / "victim").read_text() == "precious\n" and sorted(p.name for p in outside.iterdir()) == ["victim"]


def test_atomic_write_follows_a_chain_of_symlinks(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("a = 1\n")
    (tmp_path / "mid.toml").symlink_to("real.toml")
    (tmp_path / "pyproject.toml").symlink_to("mid.toml")
    atomic_write(tmp_path / "pyproject.toml", "a = 2\n")
    assert (tmp_path / "pyproject.toml").is_symlink() and (tmp_path / "mid.toml").is_symlink()
    assert (tmp_path / "real.toml").read_text() == "a = 2\n"


@pytest.mark.parametrize(("dest", "needle"), [("missing/Dockerfile", "dangling symlink"),
                                              (".dockerignore", "symlink loop")])
def test_a_dangling_symlink_is_an_error_and_nothing_is_written(tmp_path: Path, dest: str, needle: str) -> None:
    (tmp_path / ".dockerignore").symlink_to(dest)
    for kwargs in ({}, {"force": True}, {"dry_run": True}):
        with pytest.raises(DockgenError, match=needle) as err:
            write(FILES, tmp_path, **kwargs)  # type: ignore[arg-type]
        assert err.value.hint and ".dockerignore" in err.value.hint
    with pytest.raises(DockgenError, match=needle):
        atomic_write(tmp_path / ".dockerignore", "x\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore"]  # no Dockerfile either
    assert os.readlink(tmp_path / ".dockerignore") == dest and not (tmp_path / "missing").exists()


def test_a_read_only_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    # the mode decides, for root too (os.replace only needs the directory to be writable)
    (tmp_path / ".dockerignore").write_text("old\n")
    os.chmod(tmp_path / ".dockerignore", 0o444)
    with pytest.raises(DockgenError) as err:
        write(FILES, tmp_path, force=True)  # the Dockerfile comes first: it must not be created
    assert err.value.message == ".dockerignore is read-only"
    assert err.value.hint is not None and "chmod u+w .dockerignore" in err.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore"]
    assert (tmp_path / ".dockerignore").read_text() == "old\n"
    assert stat.S_IMODE((tmp_path / ".dockerignore").stat().st_mode) == 0o444
    # a dry run says what would happen; an identical read-only file is no write at all
    assert write(FILES, tmp_path, force=True, dry_run=True)[1].status is WriteStatus.OVERWRITE
    (tmp_path / ".dockerignore").chmod(0o644)
    (tmp_path / ".dockerignore").write_text("x\n")
    (tmp_path / ".dockerignore").chmod(0o444)
    assert [o.status for o in write(FILES, tmp_path)] == [WriteStatus.CREATE, WriteStatus.IDENTICAL]


def test_a_read_only_answers_file_hints_at_no_record(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("[project]\n")
    os.chmod(tmp_path / "real.toml", 0o400)
    (tmp_path / "pyproject.toml").symlink_to("real.toml")  # the mode of the file the link points to
    with pytest.raises(DockgenError, match=r"^pyproject.toml is read-only$") as err:
        write([RenderedFile(path="pyproject.toml", content="[project]\nx = 1\n")], tmp_path, force=True)
    assert err.value.hint is not None and "--no-record" in err.value.hint
    with pytest.raises(DockgenError, match="read-only"):
        atomic_write(tmp_path / "pyproject.toml", "x = 2\n")
    assert (tmp_path / "real.toml").read_text() == "[project]\n" and (tmp_path / "pyproject.toml").is_symlink()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another user needs root")
def test_the_owner_and_mode_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_text("FROM mine\n")
    os.chown(target, 4242, 4343)
    os.chmod(target, 0o604)
    write(FILES, tmp_path, force=True)
    st, bak = target.stat(), (tmp_path / "Dockerfile.bak").stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4242, 4343, 0o604)
    assert (bak.st_uid, bak.st_gid, stat.S_IMODE(bak.st_mode)) == (4242, 4343, 0o604)
    assert target.read_text() == "FROM scratch\n"
    new = tmp_path / ".dockerignore"
    assert (new.stat().st_uid, new.stat().st_gid) == (os.getuid(), os.getgid())  # a new file is the writer's


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="needs root to become nobody")
def test_a_user_who_cannot_chown_still_writes_and_cannot_replace_a_read_only_file() -> None:
    # a real non-root writer (a forked child that setuid()s to nobody), in a directory it may write to
    base = Path(tempfile.mkdtemp(prefix="dockgen-nonroot-"))
    try:
        os.chmod(base, 0o777)
        theirs, locked = base / "Dockerfile", base / "pyproject.toml"
        theirs.write_text("FROM mine\n")
        os.chmod(theirs, 0o666)  # root's file that anyone may write: chown back to root is refused
        locked.write_text("[project]\n")
        os.chmod(locked, 0o444)  # os.replace would replace it anyway: the directory is writable
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            code = 1
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                atomic_write(theirs, "FROM new\n")
                code = 2
                try:
                    atomic_write(locked, "x = 1\n")
                except DockgenError as exc:
                    code = 0 if exc.message == "pyproject.toml is read-only" else 3
            finally:
                os._exit(code)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        st = theirs.stat()
        assert theirs.read_text() == "FROM new\n" and stat.S_IMODE(st.st_mode) == 0o666 and st.st_uid == 65534
        assert locked.read_text() == "[project]\n" and sorted(p.name for p in base.iterdir()) == [
            "Dockerfile", "pyproject.toml"]
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize("path", ["../evil", "a/../../evil", "sub/../../evil", "..", ".", ""])
def test_a_path_outside_the_root_is_refused(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for kwargs in ({}, {"dry_run": True}):
        with pytest.raises(DockgenError, match="not a file below the app's root"):
            write([*FILES, RenderedFile(path=path, content="pwned\n")], root, **kwargs)  # type: ignore[arg-type]
    assert list(root.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_an_absolute_path_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    evil = tmp_path / "evil"
    with pytest.raises(DockgenError, match="an absolute path") as err:
        write([*FILES, RenderedFile(path=str(evil), content="pwned\n")], root)
    assert err.value.hint and "relative" in err.value.hint
    assert not evil.exists() and list(root.iterdir()) == []


def test_dot_dot_that_stays_inside_the_root_is_fine(tmp_path: Path) -> None:
    outcomes = write([RenderedFile(path="sub/../Dockerfile", content="FROM x\n")], tmp_path)
    assert outcomes[0].written and (tmp_path / "Dockerfile").read_text() == "FROM x\n"


def test_line_endings_alone_are_no_change_and_crlf_is_written_as_given(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM scratch\r\n")  # a CRLF checkout (core.autocrlf)
    assert write(FILES[:1], tmp_path)[0].status is WriteStatus.IDENTICAL
    crlf = RenderedFile(path="pyproject.toml", content="[project]\r\nname = \"x\"\r\n")
    write([crlf], tmp_path)
    assert (tmp_path / "pyproject.toml").read_bytes() == b"[project]\r\nname = \"x\"\r\n"
    changed = RenderedFile(path="pyproject.toml", content="[project]\r\nname = \"y\"\r\n")
    outcome = write([changed], tmp_path, force=True, backup=False)[0]
    assert outcome.diff is not None
    assert [line for line in outcome.diff.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")] \
        == ['-name = "x"', '+name = "y"']  # the line that changed, not every line for its CRLF
    assert (tmp_path / "pyproject.toml").read_bytes() == b"[project]\r\nname = \"y\"\r\n"
