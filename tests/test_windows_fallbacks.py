"""dockgen where the POSIX calls it uses are missing (Windows). There is no Windows machine here: each test
runs the real commands on a real tree in a Python whose ``os`` lacks what Windows lacks (geteuid,
getegid, getgroups, fchown, fchmod, fork, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC; so no descriptor-relative
walk) and where ``import fcntl`` fails. Locking then goes through ``msvcrt.locking``: a stand-in module
with Windows' interface and answers (EACCES while another process holds the byte), built on real POSIX
byte-range locks (lockf), so two processes really contend; or, with no msvcrt either, the command
refuses with one clear error.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .apps import make_app
from .test_migrate import prepare

W = importlib.import_module("dockgen.write")  # the module (``dockgen.write`` is the API function)

WINDOWS_LIKE = r"""
import errno, os, sys, types
import fcntl as _posix  # only for the msvcrt stand-in below
for _name in ("geteuid", "getegid", "getgroups", "fchown", "fchmod", "fork", "O_DIRECTORY", "O_NOFOLLOW",
              "O_CLOEXEC"):
    if hasattr(os, _name):
        delattr(os, _name)
sys.modules["fcntl"] = None  # import fcntl: ImportError
if os.environ.get("WINLIKE_LOCKS") == "msvcrt":
    _m = types.ModuleType("msvcrt")
    _m.LK_UNLCK, _m.LK_LOCK, _m.LK_NBLCK, _m.LK_RLCK, _m.LK_NBRLCK = 0, 1, 2, 3, 4
    def _locking(fd, mode, nbytes):
        try:
            if mode == _m.LK_UNLCK:
                _posix.lockf(fd, _posix.LOCK_UN, nbytes, 0, os.SEEK_CUR)
            else:
                _posix.lockf(fd, _posix.LOCK_EX | _posix.LOCK_NB, nbytes, 0, os.SEEK_CUR)
        except (BlockingIOError, PermissionError):
            raise PermissionError(errno.EACCES, "Permission denied") from None
    _m.locking = _locking
import importlib
W = importlib.import_module("dockgen.write")
if os.environ.get("WINLIKE_LOCKS") == "msvcrt":
    W.msvcrt = _m  # given to dockgen only: the standard library would take itself for Windows
assert W.fcntl is None and not importlib.import_module("dockgen.context")._FD_WALK
if os.environ.get("WINLIKE_LOCK_WAIT"):
    W.LOCK_WAIT = float(os.environ["WINLIKE_LOCK_WAIT"])
"""

RUN_CLI = WINDOWS_LIKE + """
from dockgen.cli import main
sys.argv = ["dockgen", *sys.argv[1:]]
main()
"""

HOLD_LOCK = WINDOWS_LIKE + """
from pathlib import Path
lock = W._take_lock(Path(sys.argv[1]), 5.0)
print("held", flush=True)
sys.stdin.read()
W._release(lock, unlink=True)
"""


def env(locks: str = "msvcrt", **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("DOCKGEN")}
    out.update(WINLIKE_LOCKS=locks, **extra)
    return out


def windows_like(*args: str | Path, locks: str = "msvcrt", **extra: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-c", RUN_CLI, *map(str, args)], capture_output=True, text=True,
                          env=env(locks, **extra), timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def posix(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                          env=env(), timeout=120)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_commands_write_what_they_write_on_posix(tmp_path: Path) -> None:
    """init, check, init --force (a .bak), context and migrate --write: the same files and reports as the
    POSIX run, no traceback, the lock taken through msvcrt and removed after."""
    win, nix = make_app(tmp_path / "win"), make_app(tmp_path / "nix")
    for run, app in ((windows_like, win), (posix, nix)):
        assert run("init", app).returncode == 0
    assert tree(win) == tree(nix)
    assert not (win / ".dockgen" / "lock").exists()
    check = windows_like("check", win)
    assert check.returncode == 0 and "current" in check.stdout

    (win / "Dockerfile").write_text((win / "Dockerfile").read_text() + "# edited\n")
    forced = windows_like("init", win, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (win / "Dockerfile.bak").read_text().endswith("# edited\n")
    assert (win / "Dockerfile").read_bytes() == (nix / "Dockerfile").read_bytes()

    (win / "Dockerfile.bak").unlink()
    (win / "node_modules" / "pkg").mkdir(parents=True)
    (win / "node_modules" / "pkg" / "index.js").write_text("x" * 5000)
    (win / ".env").write_text("TOKEN=1\n")
    shutil.copytree(win, tmp_path / "win-copy", symlinks=True)
    ours = windows_like("context", win, "--json")
    theirs = posix("context", tmp_path / "win-copy", "--json")
    assert ours.returncode == theirs.returncode, ours.stderr
    mine, other = json.loads(ours.stdout), json.loads(theirs.stdout)
    for key in ("root", "context", "path", "app_dir"):
        mine.pop(key, None)
        other.pop(key, None)
    assert json.dumps(mine, sort_keys=True).replace(str(win), "@") == \
        json.dumps(other, sort_keys=True).replace(str(tmp_path / "win-copy"), "@")

    old = prepare("seed-v1-express", tmp_path / "seed")
    migrated = windows_like("migrate", old, "--write")
    assert migrated.returncode == 0, migrated.stderr
    assert (old / "Dockerfile.bak").exists()
    after = windows_like("check", old)
    assert after.returncode == 0 and "current" in after.stdout, after.stdout + after.stderr


def test_another_dockgen_holding_the_msvcrt_lock_is_waited_for(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(app)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        blocked = windows_like("init", app, WINLIKE_LOCK_WAIT="0.5")
        waited = time.monotonic() - started
        assert blocked.returncode == 1, blocked.stdout + blocked.stderr
        assert f"error: another dockgen is writing in {app}" in blocked.stderr and "hint: " in blocked.stderr
        assert waited >= 0.5 and not (app / "Dockerfile").exists()
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0, holder.stderr
    assert windows_like("init", app).returncode == 0 and (app / "Dockerfile").exists()


def test_no_locking_at_all_is_one_clear_error(tmp_path: Path) -> None:
    """Neither fcntl nor msvcrt: the write is refused with one error line and a hint, nothing written."""
    app = make_app(tmp_path / "app")
    before = tree(app)
    proc = windows_like("init", app, locks="none")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "cannot take dockgen's lock" in lines[0], proc.stderr
    assert lines[1].startswith("hint: ") and len(lines) == 2
    assert tree(app) == before


def test_a_temp_file_pid_is_not_signalled_on_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.kill(pid, 0) terminates the process on Windows: there the pid is taken for alive, and a dead
    run's temp file goes only when a day old."""
    def no_kill(pid: int, sig: int) -> None:
        raise AssertionError("os.kill called")

    monkeypatch.setattr(W, "_WINDOWS", True)
    monkeypatch.setattr(os, "kill", no_kill)
    dead = 2**22 + 12345  # above pid_max's default: no such process
    fresh = tmp_path / f".Dockerfile.{dead}-0123abcd.dockgen-tmp"
    old = tmp_path / f".other.{dead}-0123abcd.dockgen-tmp"
    for p in (fresh, old):
        p.write_text("x")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(fresh, (time.time() - 60, time.time() - 60))
    assert W.remove_abandoned([tmp_path], time.time()) == [old]
    assert fresh.exists()
