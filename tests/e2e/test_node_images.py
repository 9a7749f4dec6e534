"""Build and run what `dockgen init` writes, with the real engine, for real sample apps.

For each app (express-generator, a TypeScript build, a pnpm app) and each Node template: the image
builds, answers HTTP on 127.0.0.1, runs the app as a non-root uid under tini as PID 1, stops in
under 2 s, rebuilds after a source edit without re-running the dependency install, and is compared
with the naive v1 and a hand-written v2 of the same Node major built in the same run.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dockgen.api import detect, measure, plan, render, write
from dockgen.model import BuildPlan
from dockgen.plan import Options

from ..conftest import FIXTURES
from .harness import BASELINES, PREFIX, Build, build, copy_app, for_this_engine, image_size, is_slim_standin, run

TEMPLATES = ("node-distroless", "node-slim", "node-alpine-nonroot")
CASES = [(case, t) for case in ("express-generator", "ts-build", "pnpm-fastify") for t in TEMPLATES]
CASES += [("express-node22", "node-distroless"), ("express-node26", "node-distroless")]
EDIT_CANDIDATES = ("app.js", "server.js", "src/index.ts", "index.js")
V2_FOR = {"express-generator": "v2-npm.Dockerfile", "ts-build": "v2-npm-build.Dockerfile",
          "pnpm-fastify": "v2-pnpm.Dockerfile", "express-node22": "v2-npm.Dockerfile",
          "express-node26": "v2-npm.Dockerfile"}
V2_BASE = "gcr.io/distroless/nodejs{major}-{distro}:nonroot"
TINI_ALLOWANCE = 2_000_000  # tini (0.8 MB) plus the dpkg/apk metadata of installing it
_baselines: dict[tuple[str, int], tuple[int, int]] = {}


def _distro(built: BuildPlan) -> str:
    return "debian13" if built.runtime.major >= 22 else "debian12"


def case_config(case: str) -> dict[str, Any]:
    return tomllib.loads((FIXTURES / case / "case.toml").read_text(encoding="utf-8"))


def baseline_sizes(case: str, built: BuildPlan, work: Path) -> tuple[int, int]:
    """Sizes of the naive v1 and the hand-written v2 of the same app and Node major (built once)."""
    major = built.runtime.major
    key = (case, major)
    if key in _baselines:
        return _baselines[key]
    raw = copy_app(FIXTURES / case / "app", work / "raw")  # no .dockerignore: v1 sends everything
    v1 = for_this_engine(BASELINES / "v1.Dockerfile", work / "v1.Dockerfile")
    build_cmd = "npm run build" if built.build_command else "true"
    build(f"{PREFIX}/{case}-v1:{major}", raw, v1, {"NODE_MAJOR": str(major), "BUILD": build_cmd})
    v2ctx = copy_app(FIXTURES / case / "app", work / "v2ctx")
    shutil.copy(BASELINES / "v2.dockerignore", v2ctx / ".dockerignore")
    v2 = for_this_engine(BASELINES / V2_FOR[case], work / "v2.Dockerfile")
    distro = _distro(built)
    suite = "trixie" if distro == "debian13" else "bookworm"
    args = {"NODE_VERSION": built.runtime.resolved, "NODE_MAJOR": str(major), "SUITE": suite, "DISTRO": distro}
    if built.install.manager == "pnpm" and built.install.version:
        args["PNPM_VERSION"] = built.install.version
    build(f"{PREFIX}/{case}-v2:{major}", v2ctx, v2, args)
    sizes = (image_size(f"{PREFIX}/{case}-v1:{major}"), image_size(f"{PREFIX}/{case}-v2:{major}"))
    _baselines[key] = sizes
    return sizes


@pytest.mark.parametrize(("case", "template"), CASES, ids=[f"{c}-{t}" for c, t in CASES])
def test_generated_image_builds_runs_and_beats_v1(case: str, template: str, engine: None, tmp_path: Path,
                                                  e2e_report: dict[str, Any]) -> None:
    config = case_config(case)
    opts = {**config.get("options", {}), "template": template}
    app = copy_app(FIXTURES / case / "app", tmp_path / "app")
    built = plan(detect(app), options=Options(**opts))
    write([f if f.path != ".dockerignore" else measure(app, built).file for f in render(built)], app)
    assert built.port is not None
    dockerfile = for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile")
    tag = f"{PREFIX}/{case}-{template}:test"

    cold: Build = build(tag, app, dockerfile)
    size = image_size(tag)
    container = run(tag, built.port)
    try:
        status, body = container.get(config["e2e"]["path"])
        assert status == config["e2e"]["status"], body[:500]
        assert config["e2e"]["body_contains"] in body
        pid1 = container.pid1_cmdline()
        assert Path(pid1[0]).name in ("tini", "tini-static"), f"PID 1 is {pid1}"
        app_pid = container.app_process()
        uid = container.uid_of(app_pid)
        assert uid != 0, "the app runs as root"
        assert uid == int(built.user.split(":")[0])
        stop = container.stop_seconds()
        assert stop < 2.0, f"docker stop took {stop:.2f}s: SIGTERM is not reaching the app"
    finally:
        container.remove()

    # a rebuild after editing one source file must not re-run the dependency install
    edited = next(app / f for f in EDIT_CANDIDATES if (app / f).exists())
    edited.write_text(edited.read_text(encoding="utf-8") + "\n// edited by the e2e test\n", encoding="utf-8")
    rebuild = build(tag, app, dockerfile)
    if built.layout.startswith("deps+"):
        assert rebuild.step_cached(built.install.install_prod), "the production install re-ran after a source edit"
    if built.build_command and built.layout != "deps+runtime":
        assert rebuild.step_cached(built.install.install_all), "the full install re-ran after a source edit"

    v1, v2 = baseline_sizes(case, built, tmp_path)
    major = built.runtime.major
    e2e_report[f"{case}/{template}"] = {
        "node": built.runtime.resolved, "size_mb": round(size / 1e6, 1), "v1_mb": round(v1 / 1e6, 1),
        "v2_mb": round(v2 / 1e6, 1), "ratio_v1": round(size / v1, 3), "ratio_v2": round(size / v2, 3),
        "cold_build_s": round(cold.seconds, 2), "rebuild_s": round(rebuild.seconds, 2), "stop_s": round(stop, 2),
        "uid": uid, "pid1": pid1[0],
    }
    # What dockgen adds on top of its runtime base must be as lean as the hand-written v2's own layers
    # (production dependencies and the app only) plus tini: no dev dependencies, caches or sources of
    # the build stage leak into the runtime, whatever the base.
    ours_added = size - image_size(built.runtime_image.ref)
    v2_added = v2 - image_size(V2_BASE.format(major=major, distro=_distro(built)))
    e2e_report[f"{case}/{template}"].update(added_mb=round(ours_added / 1e6, 2), v2_added_mb=round(v2_added / 1e6, 2))
    assert ours_added <= 1.02 * v2_added + TINI_ALLOWANCE, (
        f"dockgen adds {ours_added/1e6:.1f} MB to its base, the hand-written v2 only {v2_added/1e6:.1f} MB")
    if template == "node-distroless":
        assert size <= 1.02 * v2, f"{size/1e6:.1f} MB is {size/v2:.3f}x the hand-written v2 ({v2/1e6:.1f} MB)"
    if size > 0.70 * v1:
        if is_slim_standin(f"node:{major}"):
            # ../shared/e2e's node:<major> is only an alias of the slim stand-in (~0.25 GB); the real
            # node:<major> that v1 names is the full image (~1.1 GB). Reported, not hidden: XFAIL.
            pytest.xfail(f"{size/1e6:.1f} MB is {size/v1:.2f}x v1 ({v1/1e6:.1f} MB), but this engine's "
                         f"node:{major} is the slim stand-in, not the full official image")
        pytest.fail(f"{size/1e6:.1f} MB is {size/v1:.2f}x the naive v1 ({v1/1e6:.1f} MB), above 0.70x")
