"""The real-app corpus (fixtures/real/<name>/): `dockgen init` as a user runs it, then a real build and
run, judged as a user would judge it. Shared by tests/e2e/test_real_apps.py and bench/bench_real.py.

Each case.toml has one or more ``[[run]]``: ``cwd`` (where `dockgen init` runs, relative to app/), ``args``
(its extra arguments), and either ``path`` + ``body_contains`` (a server: GET answers 200 with that text)
or ``exit_code`` (a job: the container exits with it). The verdict for a server: HTTP 200 with the text,
PID 1 is the init (tini, or nginx's master for a static site), the app's uid is not 0, `docker stop`
takes under 2 s. For a job: the expected exit code, the image's user is not root and its entrypoint is
tini.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .harness import PREFIX, build, docker, for_this_engine, run

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"


@dataclass(frozen=True)
class RunSpec:
    case: str
    index: int
    cwd: str
    args: tuple[str, ...]
    path: str | None
    body: str | None
    exit_code: int | None
    kinds: tuple[str, ...] = ()
    expect: str | None = None  # "xfail: <reason>" when this machine cannot build it (said, not hidden)

    @property
    def id(self) -> str:
        return f"{self.case}#{self.index}" if self.index else self.case


def load_runs(root: Path = REAL) -> list[RunSpec]:
    specs: list[RunSpec] = []
    for case_toml in sorted(root.glob("*/case.toml")):
        data = tomllib.loads(case_toml.read_text(encoding="utf-8"))
        for i, r in enumerate(data.get("run", [])):
            specs.append(RunSpec(case=case_toml.parent.name, index=i, cwd=r.get("cwd", "."),
                                 args=tuple(r.get("args", ())), path=r.get("path"), body=r.get("body_contains"),
                                 exit_code=r.get("exit_code"), kinds=tuple(data.get("kinds", ())),
                                 expect=r.get("expect")))
    return specs


def copy_case(spec: RunSpec, dest: Path) -> Path:
    shutil.copytree(REAL / spec.case / "app", dest, symlinks=True)
    return dest


@dataclass
class Generated:
    app: Path  # where init ran
    report: dict[str, Any]  # `dockgen init --json`
    context: Path
    dockerfile: Path


def dockgen_init(spec: RunSpec, tree: Path) -> Generated:
    """`dockgen init --json [args]` in the run's cwd, as a user types it (a subprocess, like the real thing)."""
    cwd = tree / spec.cwd
    proc = subprocess.run([sys.executable, "-m", "dockgen", "init", *spec.args, "--json"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"dockgen init failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    b = report["build"]
    app = (cwd / b["app_dir"]).resolve()
    context = (app / b["context"]).resolve()
    return Generated(app=app, report=report, context=context, dockerfile=context / b["dockerfile"])


def build_image(spec: RunSpec, gen: Generated) -> tuple[str, float]:
    tag = f"{PREFIX}/real-{spec.id.replace('#', '-')}:test".lower()
    # the engine-ready Dockerfile replaces the generated one in place (the copy is a scratch tree): a
    # Dockerfile-specific ignore file (<Dockerfile>.dockerignore) stays beside it and keeps applying
    ready = for_this_engine(gen.dockerfile, gen.dockerfile)
    built = build(tag, gen.context, ready)
    return tag, built.seconds


def judge(spec: RunSpec, gen: Generated, tag: str) -> dict[str, Any]:
    port = gen.report.get("port")
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", tag).stdout)
    user = str(config.get("User") or "")
    assert user and user.split(":")[0] not in ("0", "root"), f"image user is {user!r}"
    figures: dict[str, Any] = {"user": user}
    if spec.exit_code is not None:
        entry = config.get("Entrypoint") or []
        assert entry and Path(entry[0]).name in ("tini", "tini-static"), f"entrypoint {entry}"
        assert port is None, f"a job got a port: {port}"
        t0 = time.monotonic()
        proc = docker("run", "--rm", tag, check=False, timeout=120)
        figures["run_s"] = round(time.monotonic() - t0, 2)
        assert proc.returncode == spec.exit_code, (
            f"exit {proc.returncode}, expected {spec.exit_code}:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
        return figures
    assert port, f"a server got no port: {gen.report.get('notices')}"
    container = run(tag, int(port))
    try:
        status, text = container.get(spec.path or "/", timeout=90)
        assert status == 200 and (spec.body or "") in text, f"GET {spec.path}: {status}\n{text[:500]}"
        pid1 = container.pid1_cmdline()
        if Path(pid1[0]).name.startswith("nginx") or pid1[0].startswith("nginx"):
            app_pid = container.pid1()
        else:
            assert Path(pid1[0]).name in ("tini", "tini-static"), pid1
            app_pid = container.app_process()
        uid = container.uid_of(app_pid)
        assert uid != 0, "the app runs as root"
        stop = container.stop_seconds()
        assert stop < 2.0, f"docker stop took {stop:.2f}s"
        figures |= {"uid": uid, "stop_s": round(stop, 2), "pid1": Path(pid1[0]).name}
    finally:
        container.remove()
    return figures
