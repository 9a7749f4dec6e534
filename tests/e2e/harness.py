"""Real-engine helpers for the e2e tests: build with BuildKit through Debian's client, run with the
port on 127.0.0.1, inspect PID 1 and the app's uid from the host's /proc, time `docker stop`.

See ../shared/e2e/README.md: build with `DOCKER_BUILDKIT=1 /usr/bin/docker build`, strip `# syntax=`
lines and `@sha256:` pins, and let alias-standins.py tag the nearest stand-in under exact names.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DOCKER = os.environ.get("DOCKGEN_E2E_DOCKER", "/usr/bin/docker")
SHARED_E2E = Path(os.environ.get("DOCKGEN_E2E_SHARED", Path(__file__).resolve().parents[3] / "shared" / "e2e"))
BASELINES = Path(__file__).resolve().parent / "baselines"
PREFIX = "dockgen-e2e"


def engine_problem() -> str | None:
    """None when a Docker engine answers through the BuildKit-capable client, else why not."""
    if not Path(DOCKER).exists():
        return f"no Docker client at {DOCKER} (run ../shared/e2e/setup-docker.sh)"
    proc = subprocess.run([DOCKER, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if proc.returncode != 0:
        return f"the Docker engine does not answer: {proc.stderr.strip()[:200]}"
    if not (SHARED_E2E / "alias-standins.py").exists():
        return f"stand-in scripts not found at {SHARED_E2E}"
    return None


def docker(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "DOCKER_BUILDKIT": "1"})
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])}... failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def copy_app(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("node_modules", "dist", ".next", ".output"))
    return dest


def for_this_engine(dockerfile: Path, out: Path) -> Path:
    """The Dockerfile as this engine can build it: no `# syntax=` line (it would pull a frontend),
    no digests; then the nearest stand-ins are tagged under the exact names it asks for."""
    text = dockerfile.read_text(encoding="utf-8")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# syntax="))
    text = re.sub(r"@sha256:[0-9a-f]{64}", "", text)
    out.write_text(text, encoding="utf-8")
    proc = subprocess.run(["python3", str(SHARED_E2E / "alias-standins.py"), str(out), "--docker", DOCKER],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"alias-standins.py: {proc.stderr}"
    return out


@dataclass
class Build:
    tag: str
    seconds: float
    log: str

    def step_cached(self, needle: str) -> bool:
        """True when the build step whose command contains ``needle`` was served from the cache."""
        steps: dict[str, list[str]] = {}
        for line in self.log.splitlines():
            m = re.match(r"#(\d+) (.*)", line)
            if m:
                steps.setdefault(m.group(1), []).append(m.group(2))
        found = [lines for lines in steps.values() if lines and needle in lines[0]]
        assert found, f"no build step runs {needle!r}:\n{self.log[-3000:]}"
        return all(any(x.strip() == "CACHED" for x in lines) for lines in found)


def build(tag: str, context: Path, dockerfile: Path, build_args: dict[str, str] | None = None) -> Build:
    args = ["build", "--progress=plain", "-t", tag, "-f", str(dockerfile)]
    for k, v in (build_args or {}).items():
        args += ["--build-arg", f"{k}={v}"]
    t0 = time.monotonic()
    proc = docker(*args, str(context))
    return Build(tag=tag, seconds=time.monotonic() - t0, log=proc.stderr)


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "-f", "{{.Size}}", tag).stdout.strip())


def image_id(ref: str) -> str:
    return docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()


def is_standin(ref: str) -> bool:
    """True when ``ref`` is one of ../shared/e2e's stand-ins (built from Debian packages, not the official image)."""
    label = docker("image", "inspect", "-f", '{{index .Config.Labels "org.dockgen.e2e.standin"}}', ref,
                   check=False).stdout.strip()
    return bool(label) and label != "<no value>"


def is_slim_standin(ref: str) -> bool:
    """True when ``ref`` (e.g. node:26) is one of ../shared/e2e's stand-ins and only an alias of the
    slim image: the real node:<major> is the full Debian image (~1.1 GB), the stand-in ~0.25 GB."""
    label = docker("image", "inspect", "-f", '{{index .Config.Labels "org.dockgen.e2e.standin"}}', ref,
                   check=False).stdout.strip()
    if not label or label == "<no value>":
        return False
    slim = docker("image", "inspect", "-f", "{{.Id}}", f"{ref}-slim", check=False)
    return slim.returncode == 0 and slim.stdout.strip() == image_id(ref)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    cid: str
    host_port: int

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.host_port}{path}", timeout=3) as r:
                    return r.status, r.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode("utf-8", "replace")
            except (OSError, urllib.error.URLError) as e:
                last = e
                time.sleep(0.25)
        logs = docker("logs", self.cid, check=False).stdout + docker("logs", self.cid, check=False).stderr
        raise AssertionError(f"no HTTP answer on port {self.host_port}: {last}\ncontainer logs:\n{logs[-2000:]}")

    def pid1(self) -> int:
        return int(docker("inspect", "-f", "{{.State.Pid}}", self.cid).stdout.strip())

    def pid1_cmdline(self) -> list[str]:
        raw = Path(f"/proc/{self.pid1()}/cmdline").read_bytes()
        return [p.decode() for p in raw.split(b"\0") if p]

    def app_process(self) -> int:
        """The host PID of PID 1's first child (the app under tini)."""
        pid = self.pid1()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert children, f"PID 1 ({self.pid1_cmdline()}) has no child process"
        return int(children[0])

    def uid_of(self, pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])  # real uid (the namespace maps it 1:1 without userns-remap)
        raise AssertionError("no Uid line")

    def stop_seconds(self) -> float:
        t0 = time.monotonic()
        docker("stop", "-t", "10", self.cid)
        return time.monotonic() - t0

    def remove(self) -> None:
        docker("rm", "-f", self.cid, check=False)


def run(tag: str, container_port: int) -> Running:
    host_port = free_port()
    cid = docker("run", "-d", "-p", f"127.0.0.1:{host_port}:{container_port}", tag).stdout.strip()
    return Running(cid=cid, host_port=host_port)


def remove_images(*tags: str) -> None:
    if tags:
        docker("rmi", "-f", *tags, check=False)


def serve_checks(tag: str, port: int | None, body: str) -> dict[str, object]:
    """Run the image: GET / answers 200 with ``body`` in it, tini is PID 1, the app does not run as
    root, and `docker stop` takes under 2 s. Returns the figures measured."""
    container = run(tag, port or 3000)
    try:
        status, text = container.get("/", timeout=60)
        assert status == 200 and body in text, text[:300]
        pid1 = container.pid1_cmdline()
        assert Path(pid1[0]).name in ("tini", "tini-static"), pid1
        uid = container.uid_of(container.app_process())
        assert uid != 0
        stop = container.stop_seconds()
        assert stop < 2.0, f"docker stop took {stop:.2f}s"
    finally:
        container.remove()
    return {"uid": uid, "stop_s": round(stop, 2), "pid1": pid1[0]}
