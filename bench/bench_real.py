#!/usr/bin/env python3
"""Benchmark: the real-app corpus (fixtures/real/), as tests/e2e/test_real_apps.py builds it: per run, the
build time and image size of what `dockgen init` writes, then the medians. Baseline, measured in the same
run: for every single-package npm app, the classic v1 image (tests/e2e/baselines/v1.Dockerfile: node:<major>,
the whole context, `npm install`), so the size ratio dockgen/v1 is reported too.

    python3 bench/bench_real.py [--only PREFIX ...] [--cold] [--no-baseline] [--json out.json]

--cold prunes the engine's build cache before each build (what CI sees); without it, layers and cache mounts
of earlier builds are reused, as on a developer's machine. Needs the engine and the stand-ins of
../shared/e2e. Note: here node:<major> is the slim stand-in, so the v1 sizes are smaller than with the
official full image (~1.1 GB): the ratio flatters v1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import harness  # noqa: E402
from tests.e2e.real_apps import build_image, copy_case, dockgen_init, judge, load_runs  # noqa: E402


def v1_size(spec_case: str, tmp: Path, major: str) -> int | None:
    """The naive image of a single-package npm app (None for anything else)."""
    app = ROOT / "fixtures" / "real" / spec_case / "app"
    pkg = json.loads((app / "package.json").read_text(encoding="utf-8"))
    if not (app / "package-lock.json").is_file() or pkg.get("workspaces"):
        return None
    ctx = copy_case_plain(app, tmp / "v1ctx")
    dockerfile = harness.for_this_engine(harness.BASELINES / "v1.Dockerfile", tmp / "v1.Dockerfile")
    tag = f"{harness.PREFIX}/bench-v1-{spec_case}:bench"
    harness.build(tag, ctx, dockerfile, {"NODE_MAJOR": major})
    try:
        return harness.image_size(tag)
    finally:
        harness.remove_images(tag)


def copy_case_plain(src: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(src, dest, symlinks=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    if (problem := harness.engine_problem()) is not None:
        sys.exit(f"bench_real: {problem}")
    rows = []
    for spec in load_runs():
        if a.only and not any(spec.case.startswith(p) for p in a.only):
            continue
        if a.cold:
            harness.docker("builder", "prune", "-af", check=False)
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            row: dict[str, object] = {"run": spec.id}
            gen = None
            t0 = time.monotonic()
            try:
                gen = dockgen_init(spec, copy_case(spec, tmp / "tree"))
                row["init_s"] = round(time.monotonic() - t0, 2)
                tag, seconds = build_image(spec, gen)
                row |= {"build_s": round(seconds, 1), "size_mb": round(harness.image_size(tag) / 1e6, 1),
                        "template": gen.report.get("template")}
                row |= judge(spec, gen, tag)
                harness.remove_images(tag)
            except AssertionError as exc:
                row["error"] = str(exc).splitlines()[0][:200]
            major = str(gen.report["runtime"]["major"]) if gen is not None and "error" not in row else ""
            if not a.no_baseline and spec.index == 0 and major and gen and gen.report["runtime"]["name"] == "node":
                if harness.docker("image", "inspect", f"node:{major}", check=False).returncode != 0:
                    row["v1"] = f"no node:{major} image here"  # e.g. Node 16: no stand-in of that major
                else:
                    try:
                        v1 = v1_size(spec.case, tmp, major)
                        if v1:
                            row["v1_mb"] = round(v1 / 1e6, 1)
                    except AssertionError as exc:
                        row["v1"] = str(exc).splitlines()[0][:200]
        rows.append(row)
        print(json.dumps(row), flush=True)
    ok = [r for r in rows if "error" not in r]
    builds = [float(r["build_s"]) for r in ok]  # type: ignore[arg-type]
    sizes = [float(r["size_mb"]) for r in ok]  # type: ignore[arg-type]
    ratios = [float(r["size_mb"]) / float(r["v1_mb"]) for r in ok if "v1_mb" in r]  # type: ignore[arg-type]
    summary = {"runs": len(rows), "passed": len(ok), "failed": [r["run"] for r in rows if "error" in r],
               "median_build_s": round(statistics.median(builds), 1) if builds else None,
               "median_size_mb": round(statistics.median(sizes), 1) if sizes else None,
               "median_size_vs_v1": round(statistics.median(ratios), 3) if ratios else None,
               "cold": a.cold}
    print(json.dumps(summary, indent=1))
    if a.json:
        a.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
