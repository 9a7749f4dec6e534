"""Ask a real engine what it sends: build `FROM scratch` + `COPY . /ctx/` and read the result.

Two engines (../shared/e2e/README.md): ``legacy``, the host's Docker 20.10 through Debian's client
($DOCKGEN_E2E_DOCKER, /usr/bin/docker); ``buildkit``, Docker 26 + buildx 0.13.1 started by
``modern-engine.sh start``, reached through its own client ($DOCKGEN_E2E_MODERN_DOCKER, else
/opt/dockgen-modern/bin/docker) with DOCKER_HOST=$DOCKGEN_E2E_MODERN_HOST (else its socket) set for
that client only."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

from .dockerignore_corpus import Case

DOCKER = os.environ.get("DOCKGEN_E2E_DOCKER", "/usr/bin/docker")
MODERN_DOCKER = os.environ.get("DOCKGEN_E2E_MODERN_DOCKER") or "/opt/dockgen-modern/bin/docker"
MODERN_HOST = os.environ.get("DOCKGEN_E2E_MODERN_HOST") or "unix:///run/dockgen-modern/docker.sock"


def client(engine: str) -> tuple[str, dict[str, str]]:
    """The docker CLI that speaks to ``engine`` and its environment."""
    if engine == "buildkit":
        return MODERN_DOCKER, {**os.environ, "DOCKER_HOST": MODERN_HOST}
    # a shell that exported the modern engine's DOCKER_HOST (modern-engine.sh prints it) must not move these
    env = {k: v for k, v in os.environ.items() if not (k == "DOCKER_HOST" and v == MODERN_HOST)}
    return DOCKER, {**env, "DOCKER_BUILDKIT": "1"}


def engine_problem(engine: str) -> str | None:
    """None when ``engine`` answers, else why not (the e2e tests skip, or fail under DOCKGEN_E2E=require)."""
    docker, env = client(engine)
    if not Path(docker).exists():
        how = ("start it: ../shared/e2e/modern-engine.sh start, then DOCKGEN_E2E_MODERN_DOCKER=$(modern-engine.sh "
               "client)" if engine == "buildkit" else "run ../shared/e2e/setup-docker.sh")
        return f"no Docker client for the {engine} engine at {docker} ({how})"
    try:
        proc = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the {engine} engine does not answer: {exc}"
    if proc.returncode != 0:
        return f"the {engine} engine does not answer ({docker}): {proc.stderr.strip()[:200]}"
    if engine == "buildkit":
        plugin = subprocess.run([docker, "buildx", "version"], capture_output=True, text=True, env=env, timeout=60)
        if plugin.returncode != 0:
            return f"{docker} has no buildx plugin: its .dockerignore answers would not be the modern engine's"
    return None


def make_tree(root: Path, case: Case) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for rel in case.tree:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n", encoding="utf-8")
    for name, target in case.links:
        (root / name).symlink_to(target)
    (root / ".dockerignore").write_bytes(case.ignore.encode("utf-8"))


def engine_sent(context: Path, dockerfile_dir: Path, engine: str = "legacy") -> tuple[list[str] | None, str | None]:
    """(sorted paths, None) or (None, the engine's error). Directories end with '/'."""
    dockerfile = dockerfile_dir / "Dockerfile.oracle"
    dockerfile.write_text("FROM scratch\nCOPY . /ctx/\n", encoding="utf-8")
    docker, env = client(engine)
    proc = subprocess.run([docker, "build", "-q", "-f", str(dockerfile), "-o", "type=tar,dest=-", str(context)],
                          capture_output=True, env=env, timeout=120)
    if proc.returncode != 0:
        return None, proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
    out = []
    with tarfile.open(fileobj=io.BytesIO(proc.stdout), encoding="utf-8", errors="surrogateescape") as tar:
        for member in tar.getmembers():
            name = member.name.rstrip("/")
            if name == "ctx":
                continue
            assert name.startswith("ctx/"), name
            rel = name[len("ctx/"):]
            out.append(rel + "/" if member.isdir() else rel)
    return sorted(out), None
