"""Issue 11, item 5: special files never hang dockgen, and big files are read whole or refused clearly.

A FIFO named like a file dockgen reads (Dockerfile, .dockerignore, .dockgen.toml, a manifest, a
lockfile) used to block ``open()`` forever, even under ``--dry-run``; reads stopped at 4 MiB, so a valid
9 MB lockfile was "invalid JSON" and a 5 MB uv.lock "invalid TOML". Every command here runs in a
subprocess with a timeout: a hang fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockgen import reading
from dockgen.errors import DockgenError
from dockgen.repo import RepoView

from .apps import LOCK_V3, make_app

FIXTURES = Path(__file__).parent.parent / "fixtures" / "apps"
TIMEOUT = 30


def dockgen(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"dockgen {' '.join(map(str, args))} hung for {TIMEOUT} s") from exc


def _snapshot(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = p.read_bytes() if p.is_file() else ("fifo" if p.is_fifo() else "dir" if p.is_dir() else "other")
    return out


FIFO_NAMES = ["Dockerfile", ".dockerignore", ".dockgen.toml", "package.json", "package-lock.json", "server.js",
              ".nvmrc", ".npmrc", ".dockgen/rendered/Dockerfile"]
COMMANDS = [("init", "--dry-run"), ("init",), ("init", "--force"), ("init", "--check"), ("detect",), ("plan",),
            ("context",), ("context", "--suggest"), ("check",), ("update",), ("migrate",)]


@pytest.mark.parametrize("name", FIFO_NAMES)
def test_a_fifo_never_hangs_any_command(tmp_path: Path, name: str) -> None:
    app = make_app(tmp_path / "app")
    if name not in ("Dockerfile", ".dockerignore", ".dockgen/rendered/Dockerfile"):
        assert dockgen("init", app).returncode == 0  # a stamped Dockerfile, answers, rendered copies
    target = app / name
    if target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(target)
    before = _snapshot(app)
    errors: list[str] = []
    for command in COMMANDS:
        proc = dockgen(command[0], app, *command[1:])
        assert "Traceback" not in proc.stderr, (command, proc.stderr)
        if proc.returncode == 1:
            lines = proc.stderr.strip().splitlines()
            assert lines[-2].startswith("error: ") and lines[-1].startswith("hint: "), (command, proc.stderr)
            errors.append(proc.stderr)
    if name in ("Dockerfile", ".dockgen.toml", "package.json"):  # some command stops on it and says why
        assert any("FIFO" in e for e in errors), errors
    after = _snapshot(app)
    assert after[name] == "fifo", "the FIFO was replaced"
    assert {k: v for k, v in after.items() if k == name} == {k: v for k, v in before.items() if k == name}


def test_a_fifo_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "package.json").unlink()
    os.mkfifo(app / "package.json")
    proc = dockgen("init", app, "--dry-run")
    assert proc.returncode == 1
    assert "package.json" in proc.stderr and "FIFO" in proc.stderr and "hint: " in proc.stderr, proc.stderr


def test_a_link_to_a_device_is_not_read(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "package-lock.json").unlink()
    (app / "package-lock.json").symlink_to("/dev/zero")
    proc = dockgen("init", app, "--dry-run")  # ends: the link is not a lockfile (not a regular file)
    assert proc.returncode == 0 and "no lockfile" in proc.stderr, proc.stderr
    (app / "package.json").unlink()
    (app / "package.json").symlink_to("/dev/zero")
    proc = dockgen("init", app, "--dry-run")
    assert proc.returncode == 1 and "character device" in proc.stderr and "hint: " in proc.stderr, proc.stderr


def _big_lock(size: int) -> dict[str, object]:
    lock = json.loads(json.dumps(LOCK_V3))
    packages = lock["packages"]
    assert isinstance(packages, dict)
    n = 0
    while len(json.dumps(lock)) < size:
        for _ in range(2000):
            packages[f"node_modules/filler-{n}"] = {"version": "1.0.0", "resolved": f"https://example.invalid/f/{n}.tgz",
                                                    "integrity": "sha512-" + "A" * 86 + "==", "license": "MIT"}
            n += 1
    return lock


def test_a_9_mb_package_lock_is_read_whole(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "package-lock.json").write_text(json.dumps(_big_lock(9 << 20), indent=2))
    assert (app / "package-lock.json").stat().st_size > 9 << 20
    proc = dockgen("detect", app, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["lockfile"] == "package-lock.json"
    assert dockgen("init", app, "--dry-run").returncode == 0


def test_a_5_mb_uv_lock_is_read_whole(tmp_path: Path) -> None:
    app = shutil.copytree(FIXTURES / "fastapi-uv" / "app", tmp_path / "app")
    lock = (app / "uv.lock").read_text()
    filler = "".join(f'\n[[package]]\nname = "filler-{i}"\nversion = "1.0.{i}"\nsource = {{ registry = '
                     f'"https://example.invalid/simple" }}\nsdist = {{ url = "https://example.invalid/f-{i}.tar.gz", '
                     f'hash = "sha256:{"0" * 64}", size = {i} }}\n' for i in range(30000))
    (app / "uv.lock").write_text(lock + filler)
    assert (app / "uv.lock").stat().st_size > 5 << 20
    proc = dockgen("init", app, "--dry-run")
    assert proc.returncode == 0, proc.stderr


def test_a_file_past_the_cap_is_an_error_not_a_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path / "app")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    (app / "package-lock.json").write_text(json.dumps(_big_lock(5000)))
    with pytest.raises(DockgenError) as caught:
        reading.read_bytes(app / "package-lock.json", limit=reading.MAX_FILE_BYTES, shown="package-lock.json")
    assert "larger than" in caught.value.message and caught.value.hint


def test_heads_are_partial_on_purpose_and_whole_reads_are_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (5 << 20))
    repo = RepoView(tmp_path)
    assert len(repo.read_bytes("big.txt")) == 5 << 20
    assert len(repo.read_bytes("big.txt", 4096)) == 4096
    assert repo.read_text("big.txt", 10) == "x" * 10
