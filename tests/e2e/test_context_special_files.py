"""What each engine sends for the awkward entries of a context, against dockgen's walker under the same
engine setting: symlink loops, broken links, FIFOs, sockets, non-UTF-8 and newline names, unreadable files
and directories (buildkit: Docker 26 + buildx; legacy: the host's Docker 20.10)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dockgen.context import walk
from dockgen.dockerignore import parse

from ..engine_context import client, engine_sent


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


def test_special_entries_match_the_engine(engine_name: str, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    build_tree(ctx)
    (ctx / ".dockerignore").write_text("sparse\n")
    sent, error = engine_sent(ctx, tmp_path, engine_name)
    assert error is None, error
    result = walk(ctx, parse((ctx / ".dockerignore").read_bytes(), engine=engine_name), listing=True)  # type: ignore[arg-type]
    assert result.listing == sent
    assert ("fifo" in sent) == (engine_name == "buildkit")  # buildkit makes the FIFO in the image, legacy drops it
    assert "sock" in sent and "loop" in sent and "new\nline" in sent
    assert result.ignored_bytes == 5 * 1024**3 and result.ignored_files == 1


def _as_unprivileged_root(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Root reads anything; without CAP_DAC_OVERRIDE/READ_SEARCH it obeys file modes like a user."""
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to test permissions as root")
    return subprocess.run(prefix + argv, capture_output=True, env=env or dict(os.environ), timeout=120)


def _engine_build(engine_name: str, ctx: Path, tmp_path: Path, output: str) -> subprocess.CompletedProcess[bytes]:
    """`docker build` of `FROM scratch` + `COPY . /ctx/` by a client that cannot read what the modes forbid
    (the client reads the context: buildx's too)."""
    (tmp_path / "Dockerfile.oracle").write_text("FROM scratch\nCOPY . /ctx/\n")
    docker, env = client(engine_name)
    return _as_unprivileged_root([docker, "build", "-q", "-f", str(tmp_path / "Dockerfile.oracle"), "-o", output,
                                  str(ctx)], env)


def _our_problems(engine_name: str, ctx: Path) -> list[str]:
    code = ("import sys; from dockgen.context import walk; from dockgen.dockerignore import parse; "
            "r = walk(sys.argv[1], parse(open(sys.argv[1] + '/.dockerignore','rb').read(), engine=sys.argv[2])); "
            "print('\\n'.join(p.path for p in r.problems))")
    ours = _as_unprivileged_root([sys.executable, "-c", code, str(ctx), engine_name])
    assert ours.returncode == 0, ours.stderr
    return ours.stdout.decode().split()


@pytest.mark.parametrize("ignored", [False, True], ids=["included", "ignored"])
def test_unreadable_directory(engine_name: str, tmp_path: Path, ignored: bool) -> None:
    """legacy: the build fails even when the directory is ignored; buildkit: only when it is sent."""
    ctx = tmp_path / "ctx"
    (ctx / "secret").mkdir(parents=True)
    (ctx / "secret" / "key").write_text("k\n")
    (ctx / "app.js").write_text("x\n")
    (ctx / ".dockerignore").write_text("secret\n" if ignored else "")
    os.chmod(ctx / "secret", 0o000)
    try:
        proc = _engine_build(engine_name, ctx, tmp_path, "type=tar,dest=-")
        ours = _our_problems(engine_name, ctx)
    finally:
        os.chmod(ctx / "secret", 0o755)
    fails = engine_name == "legacy" or not ignored
    assert (proc.returncode != 0) == fails, proc.stderr.decode()[-500:]
    if fails:
        assert b"permission denied" in proc.stderr
    assert ours == (["secret"] if fails else []), ours


def test_unreadable_file_is_sent_empty(engine_name: str, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "secret.txt").write_text("1234567890\n")
    os.chmod(ctx / "secret.txt", 0o000)
    try:
        proc = _engine_build(engine_name, ctx, tmp_path, f"type=local,dest={tmp_path / 'out'}")
    finally:
        os.chmod(ctx / "secret.txt", 0o644)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "ctx" / "secret.txt").stat().st_size == 0
