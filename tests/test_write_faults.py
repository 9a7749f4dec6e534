"""Issue 11 item 3: a command's writes are all or nothing.

Fault injection: every mutating os call write.py makes during a clean run of a command (open, write,
fsync, replace, rename, link, mkdir, fchmod, fchown, close) is counted; then the command runs again on
a fresh copy of the same tree once per call k and per errno (ENOSPC, EROFS, EACCES), call k failing.
After each run the command either failed with exit 1, one ``error:`` line and one ``hint:`` line, and
the tree is byte for byte what it was (no temp file, no .bak, no directory left, no lock), or it tolerated the
fault (an optional step: a chown a non-root user may not make, a hard link the file system refuses) and
the tree is exactly what the clean run made. Anything else fails the test.

Also real processes: two concurrent `init --force` runs lose no backup, racing writers without the
lock never share a .bak name, and a process killed with SIGKILL in the middle of a write leaves temp
files that the build context does not count and the next write removes."""

from __future__ import annotations

import errno
import fcntl
import importlib
import json
import multiprocessing
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockgen.cli import main
from dockgen.errors import DockgenError
from dockgen.model import RenderedFile

from .apps import make_app

W = importlib.import_module("dockgen.write")  # the module (``dockgen.write`` is the API function)

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "fixtures" / "real"
APPS = ROOT / "fixtures" / "apps"
COUNTED = ("open", "write", "fsync", "replace", "rename", "link", "mkdir", "fchmod", "fchown", "close")
ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EACCES)
HAND_WRITTEN = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'


class FaultyOS:
    """``os`` as write.py sees it: the mutating calls are counted, and call ``fail_at`` raises ``err``."""

    def __init__(self, fail_at: int | None = None, err: int = errno.ENOSPC,
                 always: dict[str, int] | None = None) -> None:
        self.fail_at = fail_at
        self.err = err
        self.always = always or {}  # a call that fails every time: name -> errno
        self.calls: list[str] = []
        self.failed: str | None = None

    def __getattr__(self, name: str) -> Any:
        real = getattr(os, name)
        if name not in COUNTED:
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            if name in self.always:
                raise OSError(self.always[name], os.strerror(self.always[name]))
            self.calls.append(name)
            if len(self.calls) == self.fail_at:
                self.failed = name
                raise OSError(self.err, os.strerror(self.err))
            return real(*args, **kwargs)

        return call


def state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry below ``root``: kind, mode and bytes (files), target (links)."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
    return out


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:  # pragma: no cover (main always exits)
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def quiet_cli(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0  # pragma: no cover


# ---- the commands and the trees they run on ----

def _node(tmp: Path) -> Path:
    return make_app(tmp / "app")


def _python(tmp: Path) -> Path:
    return Path(shutil.copytree(APPS / "django-uv" / "app", tmp / "app"))


def _initialised(tmp: Path) -> Path:
    """An app dockgen already wrote, whose Dockerfile was then edited by hand, with an older .bak."""
    app = make_app(tmp / "app")
    assert quiet_cli(["init", str(app)]) == 0
    text = (app / "Dockerfile").read_text()
    (app / "Dockerfile").write_text(text.replace("\nCMD ", "\nLABEL mine=yes\nCMD ", 1))
    (app / "Dockerfile.bak").write_text("an older backup\n")
    return app


def _hand_written(tmp: Path) -> Path:
    return make_app(tmp / "app", files={"Dockerfile": HAND_WRITTEN})


def _workspace(tmp: Path) -> Path:
    return Path(shutil.copytree(REAL / "pnpm-workspace-ts" / "app", tmp / "app"))


def _workspace_initialised(tmp: Path) -> Path:
    root = _workspace(tmp)
    assert quiet_cli(["init", str(root), "--all"]) == 0
    dockerfile = root / "apps" / "api" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# mine\n")
    return root


SCENARIOS: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    # answers (.dockgen.toml), Dockerfile, .dockerignore and .dockgen/rendered/ created
    "init": (_node, ["init"]),
    # the answers recorded into the user's own pyproject.toml (replaced, no .bak)
    "init-python": (_python, ["init"]),
    # every file replaced, the Dockerfile's .bak next to an older one (Dockerfile.bak.1)
    "init-force": (_initialised, ["init", "--force", "--port", "8080"]),
    # a three-way merge written, the base and the answers rewritten
    "update-write": (_initialised, ["update", "--write", "--port", "8080"]),
    # a hand-written Dockerfile replaced (its .bak kept), a .dockerignore created
    "migrate-write": (_hand_written, ["migrate", "--write"]),
    # every app of a workspace, their answers and bases, docker-bake.hcl
    "init-all": (_workspace, ["init", "--all"]),
    # the same over files dockgen wrote, one edited by hand (a .bak in the member)
    "init-all-force": (_workspace_initialised, ["init", "--all", "--force", "--port", "8080"]),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each scenario's tree, made once; every run works on a copy."""
    out = {}
    for name, (make, _) in SCENARIOS.items():
        out[name] = make(tmp_path_factory.mktemp(name))
    return out


def _copy(src: Path, dest: Path) -> Path:
    return Path(shutil.copytree(src, dest / "app", symlinks=True))


def _run(root: Path, name: str, fake: FaultyOS, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = [SCENARIOS[name][1][0], str(root), *SCENARIOS[name][1][1:]]
    with monkeypatch.context() as m:
        m.setattr(W, "os", fake)
        return cli(argv, capsys)


def _no_temp_files(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.endswith(".dockgen-tmp")]


# the workspace commands make 90 to 120 calls at ~70 ms a run: each call fails with one errno in turn
# (all three appear), unless DOCKGEN_FAULTS_FULL=1 asks for every errno at every call (~1 min more)
ROTATED = {"init-all", "init-all-force"}


def sweep(name: str, pristine: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str], *, always: dict[str, int] | None = None) -> dict[str, int]:
    """Fail each counted call of a clean run in turn, with each errno; the figures of what happened."""
    rotate = name in ROTATED and os.environ.get("DOCKGEN_FAULTS_FULL") != "1"
    clean_root = _copy(pristine[name], tmp_path / "clean")
    before = state(clean_root)
    counter = FaultyOS(always=always)
    code, out, err = _run(clean_root, name, counter, monkeypatch, capsys)
    assert code == 0, err
    after = state(clean_root)
    assert after != before and not _no_temp_files(clean_root)
    assert not (clean_root / ".dockgen" / "lock").exists()
    points = len(counter.calls)
    assert points >= 10, counter.calls  # the calls really go through the counted functions
    figures = {"points": points, "runs": 0, "failed_cleanly": 0, "tolerated": 0}
    for k in range(1, points + 1):
        for err_no in (ERRNOS[k % len(ERRNOS)],) if rotate else ERRNOS:
            work = tmp_path / f"k{k}-{err_no}"
            root = _copy(pristine[name], work)
            fake = FaultyOS(fail_at=k, err=err_no, always=always)
            code, out, err = _run(root, name, fake, monkeypatch, capsys)
            figures["runs"] += 1
            where = f"{name}: call {k} ({fake.failed or counter.calls[k - 1]}) failing with {errno.errorcode[err_no]}"
            assert fake.failed is not None, f"{where}: the run made fewer calls than the clean one"
            if code == 0:  # an optional step failed: the result is the clean run's
                assert state(root) == after, f"{where}: succeeded with another result"
                figures["tolerated"] += 1
            else:
                lines = err.splitlines()
                assert code == 1, f"{where}: exit {code}: {err}"
                assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), \
                    f"{where}: {err!r}"
                assert out == "", f"{where}: printed {out!r}"
                assert state(root) == before, f"{where}: the tree changed: {_diff(before, state(root))}"
                figures["failed_cleanly"] += 1
            shutil.rmtree(work)
    assert figures["failed_cleanly"] > 0
    print(f"\n{name}: {figures}")
    return figures


def _diff(before: dict[str, tuple[object, ...]], now: dict[str, tuple[object, ...]]) -> list[str]:
    return sorted([f"+{k}" for k in now.keys() - before.keys()] + [f"-{k}" for k in before.keys() - now.keys()]
                  + [f"~{k}" for k in before.keys() & now.keys() if before[k] != now[k]])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_failing_write_step_leaves_the_tree_as_it_was(
        name: str, pristine: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    figures = sweep(name, pristine, tmp_path, monkeypatch, capsys)
    rotated = name in ROTATED and os.environ.get("DOCKGEN_FAULTS_FULL") != "1"
    assert figures["runs"] == (1 if rotated else 3) * figures["points"]


@pytest.mark.parametrize("name", ["init-force", "migrate-write"])
def test_without_hard_links_every_failing_step_leaves_the_tree_as_it_was(
        name: str, pristine: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A file system without hard links (link() is EPERM): the copies stand in for the links."""
    sweep(name, pristine, tmp_path, monkeypatch, capsys, always={"link": errno.EPERM})


def test_the_api_raises_a_dockgen_error_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dockgen

    app = _initialised(tmp_path)
    before = state(app)
    calls = FaultyOS()
    with monkeypatch.context() as m:
        m.setattr(W, "os", calls)
        dockgen.generate(_copy(app, tmp_path / "clean"), force=True, port=8080)
    replaces = [i for i, c in enumerate(calls.calls, 1) if c == "replace"]
    assert len(replaces) >= 3  # the Dockerfile, the answers, its rendered copy
    for k in replaces:
        with monkeypatch.context() as m:
            m.setattr(W, "os", FaultyOS(fail_at=k, err=errno.ENOSPC))
            with pytest.raises(DockgenError) as err:
                dockgen.generate(app, force=True, port=8080)
        assert "nothing was changed" in err.value.message and err.value.hint
        assert err.value.exit_code == 1
        assert state(app) == before


def test_a_failing_undo_keeps_the_old_file_as_a_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Two faults: the second rename fails, and so does putting the first file back. The old file is not
    lost: it is kept as a .bak and the error says so."""
    app = make_app(tmp_path / "app", files={"Dockerfile": "FROM mine\n", ".dockerignore": "mine\n"})

    class TwoFaults(FaultyOS):
        def __getattr__(self, name: str) -> Any:
            if name != "replace":
                return getattr(os, name)

            def replace(src: Any, dst: Any) -> None:
                self.calls.append(name)
                if len(self.calls) >= 2:
                    raise OSError(errno.EIO, os.strerror(errno.EIO))
                os.replace(src, dst)
            return replace

    files = [RenderedFile(path="Dockerfile", content="FROM new\n"), RenderedFile(path=".dockerignore", content="n\n")]
    with monkeypatch.context() as m:
        m.setattr(W, "os", TwoFaults())
        with pytest.raises(DockgenError) as err:
            W.write(files, app, force=True, backup=False)
    assert "Dockerfile" in err.value.message and "Dockerfile.bak" in err.value.message
    assert (app / "Dockerfile.bak").read_text() == "FROM mine\n"
    assert (app / ".dockerignore").read_text() == "mine\n"


# ---- the lock ----

def test_a_dry_run_and_a_check_take_no_lock_and_create_nothing(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path / "app")
    before = state(app)
    for argv in (["init", str(app), "--dry-run"], ["init", str(app), "--check"], ["update", str(app)],
                 ["migrate", str(app)]):
        cli(argv, capsys)
        assert state(app) == before, argv


def test_a_write_with_nothing_to_change_leaves_no_lock_behind(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path / "app")
    assert cli(["init", str(app), "--no-record"], capsys)[0] == 0
    assert not (app / ".dockgen").exists()  # made for the lock, removed with it
    before = state(app)
    assert cli(["init", str(app), "--no-record"], capsys)[0] == 0  # identical
    assert state(app) == before
    assert cli(["init", str(app)], capsys)[0] == 0
    assert sorted(p.name for p in (app / ".dockgen").iterdir()) == ["rendered"]


def test_another_dockgen_writing_is_waited_for_then_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path / "app")
    (app / ".dockgen").mkdir()
    holder = os.open(app / ".dockgen" / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's lock: flock locks belong to the open file
    monkeypatch.setattr(W, "LOCK_WAIT", 0.3)
    before = state(app)
    try:
        started = time.monotonic()
        code, _, err = cli(["init", str(app)], capsys)
        waited = time.monotonic() - started
    finally:
        os.close(holder)
    assert code == 1 and f"error: another dockgen is writing in {app}" in err and "hint: " in err
    assert 0.3 <= waited < 5
    assert state(app) == before
    assert cli(["init", str(app)], capsys)[0] == 0  # released: the next run writes


def test_a_lock_released_while_waiting_is_taken(tmp_path: Path) -> None:
    """A waiter gets the lock when the holder finishes (the holder removes the lock file: the waiter
    must not lock the removed file while a third process locks a new one)."""
    app = make_app(tmp_path / "app")
    tx = W.Transaction(app)
    tx.lock(app)
    ctx = multiprocessing.get_context("fork")
    done = ctx.Queue()

    def waiter() -> None:
        other = W.Transaction(app)
        other.lock(app)
        done.put(time.monotonic())
        other.release()

    child = ctx.Process(target=waiter)
    child.start()
    time.sleep(0.3)
    released = time.monotonic()
    tx.release()
    got = done.get(timeout=10)
    child.join(10)
    assert child.exitcode == 0 and got >= released
    assert not (app / ".dockgen").exists()


@pytest.mark.parametrize("kind", ["file", "outside"])
def test_an_unusable_dockgen_directory_locks_the_app_directory(tmp_path: Path, kind: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`.dockgen` is a file, or a link leading outside the app: the lock is taken on the app's directory
    instead, nothing is created in its place or outside, and the write goes on."""
    outside = tmp_path / "outside"
    outside.mkdir()
    app = make_app(tmp_path / "app")
    if kind == "file":
        (app / ".dockgen").write_text("not dockgen's\n")
    else:
        (app / ".dockgen").symlink_to("../outside")
    files = [RenderedFile(path="Dockerfile", content="FROM x\n")]
    assert W.write(files, app)[0].written
    assert list(outside.iterdir()) == [] and (app / ".dockgen").is_symlink() == (kind == "outside")
    if kind == "file":
        assert (app / ".dockgen").read_text() == "not dockgen's\n"
    else:  # init --no-record writes nothing under .dockgen: it works as it did
        assert cli(["init", str(app), "--no-record", "--force"], capsys)[0] == 0
        assert list(outside.iterdir()) == []


class ReadOnlyOS(FaultyOS):
    """A read-only file system: what would create or change a file or directory fails with EROFS."""

    def __getattr__(self, name: str) -> Any:
        real = getattr(os, name)
        if name in ("mkdir", "link", "replace", "rename", "unlink", "rmdir"):
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))
            return refuse
        if name == "open":
            def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
                if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                    raise OSError(errno.EROFS, os.strerror(errno.EROFS))
                return real(path, flags, *args, **kwargs)
            return open_
        return real


def test_a_read_only_file_system_fails_clearly_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """No .dockgen can be made: the lock falls back to the app's directory; with nothing to write, init
    succeeds; with something to write, the first file says the file system is read-only."""
    app = make_app(tmp_path / "app")
    assert cli(["init", str(app), "--no-record"], capsys)[0] == 0
    before = state(app)
    with monkeypatch.context() as m:
        m.setattr(W, "os", ReadOnlyOS())
        code, _, err = cli(["init", str(app), "--no-record"], capsys)  # identical: nothing to write
        assert code == 0, err
        code, out, err = cli(["init", str(app), "--no-record", "--force", "--port", "8080"], capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == ["error: Dockerfile: cannot write (read-only file system); nothing was changed",
                                "hint: remount the file system read-write, or run with --dry-run to see the files"]
    assert state(app) == before


# ---- real processes ----

def test_concurrent_init_force_runs_lose_no_backup(tmp_path: Path) -> None:
    for round_ in range(3):
        app = make_app(tmp_path / f"app{round_}", files={"Dockerfile": HAND_WRITTEN})
        procs = [subprocess.Popen([sys.executable, "-m", "dockgen", "init", str(app), "--force", "--port", str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
                 for port in (8080, 9090)]
        results = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        backups = {p.name: p.read_text() for p in app.glob("Dockerfile.bak*")}
        assert HAND_WRITTEN in backups.values(), backups  # the original survives
        final = (app / "Dockerfile").read_text()
        # the first run's render is the second one's backup: every version is somewhere
        assert len(backups) == 2 and final not in backups.values() and len(set(backups.values())) == 2
        assert not _no_temp_files(app) and not (app / ".dockgen" / "lock").exists()


def _racer(app: str, content: str, barrier: Any, out: Any) -> None:
    w = importlib.import_module("dockgen.write")
    w.Transaction.lock = lambda self, directory: None  # racing without the lock
    barrier.wait()
    outcome = w.write([RenderedFile(path="Dockerfile", content=content)], app, force=True)
    out.put(outcome[0].backup)


def test_racing_writers_never_share_a_backup_name(tmp_path: Path) -> None:
    """Without the lock (another tool's write, a member written by `init --all` and by `init` in it at
    once), each writer's .bak gets a name of its own: it is created exclusively, never overwritten, so
    the original survives and no backup is lost (which render wins is a race, as with any two writers)."""
    ctx = multiprocessing.get_context("fork")
    for round_ in range(5):
        app = tmp_path / f"app{round_}"
        app.mkdir()
        (app / "Dockerfile").write_text("FROM original\n")
        n = 8
        barrier, out = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_racer, args=(str(app), f"FROM v{i}\n", barrier, out)) for i in range(n)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        assert [p.exitcode for p in procs] == [0] * n
        names = [out.get(timeout=5) for _ in range(n)]
        assert None not in names and len(set(names)) == n, names  # every writer kept its own backup
        backups = {p.name: p.read_text() for p in app.glob("Dockerfile.bak*")}
        assert sorted(backups) == sorted(names)  # none overwritten
        assert "FROM original\n" in backups.values()
        assert set(backups.values()) <= {"FROM original\n", *(f"FROM v{i}\n" for i in range(n))}
        assert not _no_temp_files(app)


KILLER = """
import os, signal, sys
import importlib
from dockgen.cli import main
target, nth = sys.argv[1], int(sys.argv[2])
calls = []
class Killing:
    def __getattr__(self, name):
        real = getattr(os, name)
        if name != target:
            return real
        def call(*a, **k):
            calls.append(name)
            if len(calls) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*a, **k)
        return call
importlib.import_module('dockgen.write').os = Killing()
main(sys.argv[3:])
"""


def _sent(app: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    report = subprocess.run([sys.executable, "-m", "dockgen", "context", str(app), "--json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert report.returncode == 0, report.stderr
    listing = subprocess.run([sys.executable, "-m", "dockgen", "context", str(app), "--list"], capture_output=True,
                             text=True, env=env, timeout=60)
    return int(json.loads(report.stdout)["sent"]["files"]), listing.stdout.splitlines()


@pytest.mark.parametrize(("call", "nth"), [("fsync", 3), ("replace", 1), ("replace", 3)])
def test_a_killed_write_leaves_temp_files_the_context_ignores_and_the_next_write_removes(
        tmp_path: Path, call: str, nth: int) -> None:
    """SIGKILL at the nth call: while staging, before the first rename, between two renames."""
    app = _initialised(tmp_path)
    files = ("Dockerfile", ".dockerignore", ".dockgen.toml", ".dockgen/rendered/Dockerfile")
    old = {rel: (app / rel).read_bytes() for rel in files}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = ["init", str(app), "--force", "--port", "8080"]
    proc = subprocess.run([sys.executable, "-c", KILLER, call, str(nth), *argv], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = _no_temp_files(app)
    assert left, "the killed run had staged files"
    killed = {rel: (app / rel).read_bytes() for rel in files}
    baks = {p.name: p.read_bytes() for p in app.glob("Dockerfile.bak*")}
    # the build context does not count them: the same figures as the tree without them
    sent, listing = _sent(app, env)
    assert not [p for p in listing if p.endswith(".dockgen-tmp")], listing
    clean = Path(shutil.copytree(app, tmp_path / "clean", symlinks=True))
    for rel in _no_temp_files(clean):
        (clean / rel).unlink()
    assert sent == _sent(clean, env)[0]
    # the next write removes the dead run's temp files and finishes the job
    rerun = subprocess.run([sys.executable, "-m", "dockgen", *argv], capture_output=True, text=True, env=env,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert _no_temp_files(app) == [] and not (app / ".dockgen" / "lock").exists()
    assert "port = 8080" in (app / ".dockgen.toml").read_text()
    for rel in files:  # each file was whole when the run died: the old one or the new one, never a part
        assert killed[rel] in (old[rel], (app / rel).read_bytes()), rel
    for name, data in baks.items():  # and so was every .bak
        assert data in (b"an older backup\n", old["Dockerfile"]), name


def test_a_live_writers_temp_files_are_left_alone(tmp_path: Path) -> None:
    """Cleaning removes temp files of dockgen runs that are gone, never those of one still running."""
    app = make_app(tmp_path / "app")
    running = subprocess.Popen(["sleep", "60"])
    try:
        live = app / f".Dockerfile.{running.pid}-0123abcd.dockgen-tmp"
        dead = app / ".Dockerfile.999999999-0123abcd.dockgen-tmp"
        legacy = app / ".Dockerfile.k2j3h4g5.dockgen-tmp"  # an older dockgen's name (no pid)
        elsewhere = app / "src" / ".x.999999999-0123abcd.dockgen-tmp"  # not a directory this write writes in
        elsewhere.parent.mkdir()
        unknown = app / ".notes.dockgen-tmp"  # not a name dockgen gives
        for p in (live, dead, legacy, elsewhere, unknown):
            p.write_text("partial")
            os.utime(p, (time.time() - 60, time.time() - 60))
        W.write([RenderedFile(path="Dockerfile", content="FROM x\n")], app)
        assert live.exists() and not dead.exists() and not legacy.exists() and elsewhere.exists() and unknown.exists()
    finally:
        running.kill()
        running.wait()
