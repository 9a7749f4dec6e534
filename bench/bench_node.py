#!/usr/bin/env python3
"""Benchmark: the naive v1 Dockerfile against dockgen's output for the express-generator app, and
`dockgen detect` start-up, all measured in one run on this machine (ratios, not absolute goals).

    python3 bench/bench_node.py [--app fixtures/apps/express-generator/app] [--runs 15] [--json out.json]

Measured: image size; cold build (`--no-cache`); rebuild after editing one source file; `docker stop`
(SIGTERM to exit); median wall time of `dockgen detect APP` against `python -c pass` (the
interpreter's own start-up, the baseline) and `dockgen --version`. Needs a Docker engine with the
stand-ins of ../shared/e2e for the image part (skipped with a message otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import harness  # noqa: E402

# as installed for users (pip/pipx compile bytecode): PYTHONDONTWRITEBYTECODE, set on some machines,
# would make every run compile dockgen's modules from source
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(argv: list[str], runs: int) -> float:
    subprocess.run(argv, capture_output=True, check=True, env=ENV)  # warm the page cache once
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def startup(app: Path, runs: int) -> dict[str, float]:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "dockgen")], check=True,
                   capture_output=True)
    exe = str(Path(sys.executable).parent / "dockgen")
    if not Path(exe).exists():
        exe = shutil.which("dockgen") or exe
    return {
        "python_pass_ms": 1000 * median_seconds([sys.executable, "-c", "pass"], runs),
        "dockgen_version_ms": 1000 * median_seconds([exe, "--version"], runs),
        "dockgen_detect_ms": 1000 * median_seconds([exe, "detect", str(app)], runs),
        "dockgen_detect_json_ms": 1000 * median_seconds([exe, "detect", str(app), "--json"], runs),
    }


def images(app_src: Path, work: Path) -> dict[str, dict[str, float]]:
    from dockgen.api import detect, plan, render, write

    results: dict[str, dict[str, float]] = {}
    gen = harness.copy_app(app_src, work / "gen")
    built = plan(detect(gen))
    write(render(built), gen)
    naive = harness.copy_app(app_src, work / "naive")
    v1 = harness.for_this_engine(harness.BASELINES / "v1.Dockerfile", work / "v1.Dockerfile")
    ours = harness.for_this_engine(gen / "Dockerfile", work / "gen.Dockerfile")
    cases = {
        "v1": (naive, v1, {"NODE_MAJOR": str(built.runtime.major), "BUILD": "true"}, built.port or 3000),
        "dockgen": (gen, ours, {}, built.port or 3000),
    }
    for name, (ctx, dockerfile, args, port) in cases.items():
        tag = f"{harness.PREFIX}/bench-{name}:latest"
        harness.docker("builder", "prune", "-af", check=False)  # cache mounts too: a really cold build
        cold = _cold_build(tag, ctx, dockerfile, args)
        edited = ctx / "app.js"
        edited.write_text(edited.read_text() + "\n// bench edit\n")
        rebuild = harness.build(tag, ctx, dockerfile, args)
        container = harness.run(tag, port)
        try:
            container.get("/")
            stop = container.stop_seconds()
        finally:
            container.remove()
        results[name] = {"size_mb": harness.image_size(tag) / 1e6, "cold_build_s": cold,
                         "rebuild_s": rebuild.seconds, "stop_s": stop}
    return results


def _cold_build(tag: str, ctx: Path, dockerfile: Path, args: dict[str, str]) -> float:
    argv = ["build", "--no-cache", "--progress=plain", "-t", tag, "-f", str(dockerfile)]
    for k, v in args.items():
        argv += ["--build-arg", f"{k}={v}"]
    t0 = time.monotonic()
    harness.docker(*argv, str(ctx))
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", type=Path, default=ROOT / "fixtures" / "apps" / "express-generator" / "app")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    out: dict[str, object] = {"startup": startup(a.app, a.runs)}
    problem = harness.engine_problem()
    if problem:
        print(f"images skipped: {problem}", file=sys.stderr)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out["images"] = images(a.app, Path(tmp))
    s = out["startup"]
    assert isinstance(s, dict)
    print(f"start-up (median of {a.runs}): python -c pass {s['python_pass_ms']:.0f} ms, dockgen --version "
          f"{s['dockgen_version_ms']:.0f} ms, dockgen detect {s['dockgen_detect_ms']:.0f} ms "
          f"({s['dockgen_detect_ms'] / s['python_pass_ms']:.1f}x the bare interpreter), "
          f"detect --json {s['dockgen_detect_json_ms']:.0f} ms")
    if "images" in out:
        im = out["images"]
        assert isinstance(im, dict)
        v1, ours = im["v1"], im["dockgen"]
        print(f"{'':10}{'size MB':>10}{'cold build s':>14}{'rebuild s':>11}{'docker stop s':>15}")
        for name, r in im.items():
            print(f"{name:10}{r['size_mb']:>10.1f}{r['cold_build_s']:>14.2f}{r['rebuild_s']:>11.2f}"
                  f"{r['stop_s']:>15.2f}")
        print(f"ratios dockgen/v1: size {ours['size_mb'] / v1['size_mb']:.2f}x, cold build "
              f"{ours['cold_build_s'] / v1['cold_build_s']:.2f}x, "
              f"rebuild {ours['rebuild_s'] / v1['rebuild_s']:.2f}x, "
              f"stop {ours['stop_s'] / v1['stop_s']:.3f}x")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
