"""`dockgen init --all` in a pnpm workspace, then `docker buildx bake` with the modern engine of
../shared/e2e (Docker 26 + buildx, the CLI users have): the docker-bake.hcl builds every app from the
workspace root with each app's own Dockerfile.dockerignore, and the images run (HTTP 200, non-root,
fast stop) inside that engine. The 20.10 engine has no buildx, so bake is tested where it exists."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .harness import DOCKER, SHARED_E2E
from .real_apps import REAL

MODERN = SHARED_E2E / "modern-engine.sh"
SOCKET = "unix:///run/dockgen-modern/docker.sock"


def _sh(*args: str, env: dict[str, str] | None = None, timeout: float = 600, cwd: Path | None = None) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    assert proc.returncode == 0, f"{' '.join(args[:3])}... failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_init_all_bakes_every_app(engine: None, tmp_path: Path) -> None:
    if not MODERN.exists():
        pytest.fail(f"no {MODERN}: the modern engine of ../shared/e2e is needed for buildx bake")
    root = Path(shutil.copytree(REAL / "pnpm-workspace-ts" / "app", tmp_path / "ws"))
    report = json.loads(_sh(sys.executable, "-m", "dockgen", "init", str(root), "--all", "--json", "--no-record"))
    assert [a["app"] for a in report["apps"]] == ["apps/api", "apps/worker-http"]
    images: set[str] = set()
    for app in report["apps"]:
        dockerfile = root / app["build"]["dockerfile"]
        text = re.sub(r"(?m)^# syntax=.*\n", "", dockerfile.read_text(encoding="utf-8"))
        dockerfile.write_text(text, encoding="utf-8")  # the engine cannot pull the syntax frontend here
        _sh("python3", str(SHARED_E2E / "alias-standins.py"), str(dockerfile), "--docker", DOCKER)
        args = dict(re.findall(r"(?m)^ARG (\w+)=(\S+)$", text))
        for ref in re.findall(r"(?m)^FROM (\S+)", text):
            ref = re.sub(r"\$\{(\w+)\}", lambda m, a=args: a[m.group(1)], ref)
            if ":" in ref:
                images.add(ref)
    _sh(str(MODERN), "start", timeout=900)
    client = _sh(str(MODERN), "client").strip().splitlines()[-1]
    _sh(str(MODERN), "load", *sorted(images), timeout=900)
    env = {**os.environ, "DOCKER_HOST": SOCKET}
    _sh(client, "buildx", "bake", "--load", env=env, timeout=900, cwd=root)  # from the root, as the file says
    host = _sh(DOCKER, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", "dockgen-modern-engine").strip()
    for target, port, body in (("api", 3000, "compiled by tsc"), ("worker-http", 8080, '"worker":"ready"')):
        cid = _sh(client, "run", "-d", "-p", f"{port}:{port}", f"{target}:latest", env=env).strip()
        try:
            text = ""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=3) as r:
                        text = r.read().decode()
                        break
                except OSError:
                    time.sleep(0.3)
            assert body in text, f"{target}: {text[:300]!r}"
            user = _sh(client, "inspect", "-f", "{{.Config.User}}", cid, env=env).strip()
            assert user and not user.startswith(("0", "root")), user
            t0 = time.monotonic()
            _sh(client, "stop", cid, env=env)
            assert time.monotonic() - t0 < 2.0
        finally:
            subprocess.run([client, "rm", "-f", cid], capture_output=True, env=env)
    subprocess.run([client, "rmi", "-f", "api:latest", "worker-http:latest"], capture_output=True, env=env)
