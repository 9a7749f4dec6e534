"""Ask the real engine what it sends: build `FROM scratch` + `COPY . /ctx/` and read the result."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

from .dockerignore_corpus import Case

DOCKER = os.environ.get("DOCKGEN_E2E_DOCKER", "/usr/bin/docker")


def make_tree(root: Path, case: Case) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for rel in case.tree:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n", encoding="utf-8")
    for name, target in case.links:
        (root / name).symlink_to(target)
    (root / ".dockerignore").write_bytes(case.ignore.encode("utf-8"))


def engine_sent(context: Path, dockerfile_dir: Path) -> tuple[list[str] | None, str | None]:
    """(sorted paths, None) or (None, the engine's error). Directories end with '/'."""
    dockerfile = dockerfile_dir / "Dockerfile.oracle"
    dockerfile.write_text("FROM scratch\nCOPY . /ctx/\n", encoding="utf-8")
    proc = subprocess.run([DOCKER, "build", "-q", "-f", str(dockerfile), "-o", "type=tar,dest=-", str(context)],
                          capture_output=True, env={**os.environ, "DOCKER_BUILDKIT": "1"}, timeout=120)
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
