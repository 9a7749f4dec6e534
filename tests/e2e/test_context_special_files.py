"""What the engine sends for the awkward entries of a context, against dockgen's walker: symlink loops,
broken links, FIFOs, sockets, non-UTF-8 and newline names, unreadable files and directories."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from dockgen.context import walk
from dockgen.dockerignore import parse

from ..engine_context import DOCKER, engine_sent


def build_tree(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.js").write_text("x\n")
    (root / "loop").symlink_to("loop")
    (root / "broken").symlink_to("nowhere/at/all")
    (root / "dirlink").symlink_to("src")
    os.mkfifo(root / "fifo")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(root / "sock"))
    (root / os.fsdecode(b"bad-\xff-name")).write_text("x\n")
    (root / "new\nline").write_text("x\n")
    (root / "sparse").touch()
    os.truncate(root / "sparse", 5 * 1024**3)  # a 5 GB sparse file: one stat, never read


def test_special_entries_match_the_engine(engine: None, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    build_tree(ctx)
    (ctx / ".dockerignore").write_text("sparse\n")
    sent, error = engine_sent(ctx, tmp_path)
    assert error is None, error
    result = walk(ctx, parse((ctx / ".dockerignore").read_bytes(), engine="legacy"), listing=True)  # the host engine
    assert result.listing == sent
    assert "fifo" not in sent and "sock" in sent and "loop" in sent and "new\nline" in sent
    assert result.ignored_bytes == 5 * 1024**3 and result.ignored_files == 1


def _as_unprivileged_root(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Root reads anything; without CAP_DAC_OVERRIDE/READ_SEARCH it obeys file modes like a user."""
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to test permissions as root")
    return subprocess.run(prefix + argv, capture_output=True, env={**os.environ, "DOCKER_BUILDKIT": "1"}, timeout=120)


@pytest.mark.parametrize("ignored", [False, True], ids=["included", "ignored"])
def test_unreadable_directory_fails_the_build_even_when_ignored(engine: None, tmp_path: Path, ignored: bool) -> None:
    ctx = tmp_path / "ctx"
    (ctx / "secret").mkdir(parents=True)
    (ctx / "secret" / "key").write_text("k\n")
    (ctx / "app.js").write_text("x\n")
    (ctx / ".dockerignore").write_text("secret\n" if ignored else "")
    os.chmod(ctx / "secret", 0o000)
    (tmp_path / "Dockerfile.oracle").write_text("FROM scratch\nCOPY . /ctx/\n")
    proc = _as_unprivileged_root([DOCKER, "build", "-q", "-f", str(tmp_path / "Dockerfile.oracle"), "-o",
                                  "type=tar,dest=-", str(ctx)])
    assert proc.returncode != 0 and b"permission denied" in proc.stderr
    code = ("import sys; from dockgen.context import walk; from dockgen.dockerignore import parse; "
            "r = walk(sys.argv[1], parse(open(sys.argv[1] + '/.dockerignore','rb').read(), engine='legacy')); "
            "print([p.path for p in r.problems])")
    ours = _as_unprivileged_root(["python3" if shutil.which("python3") is None else os.sys.executable, "-c", code,
                                  str(ctx)])
    os.chmod(ctx / "secret", 0o755)
    assert ours.returncode == 0, ours.stderr
    assert "secret" in ours.stdout.decode()


def test_unreadable_file_is_sent_empty(engine: None, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "secret.txt").write_text("1234567890\n")
    os.chmod(ctx / "secret.txt", 0o000)
    (tmp_path / "Dockerfile.oracle").write_text("FROM scratch\nCOPY . /ctx/\n")
    proc = _as_unprivileged_root([DOCKER, "build", "-q", "-f", str(tmp_path / "Dockerfile.oracle"), "-o",
                                  f"type=local,dest={tmp_path / 'out'}", str(ctx)])
    os.chmod(ctx / "secret.txt", 0o644)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "ctx" / "secret.txt").stat().st_size == 0
