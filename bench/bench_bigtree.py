#!/usr/bin/env python3
"""Benchmark: `dockgen init` and `dockgen context --suggest` on big trees, against `dockgen context`
and `find`, all measured in one run on this machine (ratios against baselines of the same run).

    python3 bench/bench_bigtree.py [--dir /tmp/dockgen-bigtree] [--runs 3] [--json out.json] [--profile]

Two trees (made once, reused):
  * ``app``: a realistic Node app (express, from fixtures/apps/express-slim) without a .dockerignore:
    a node_modules tree of 300,000 files (packages with nested node_modules, .bin, README/LICENSE,
    maps, .d.ts), .git (20,000 objects), dist, coverage, .cache, logs, an .env, src (4,000 files);
  * ``flat``: 200,000 files nobody ignores (data/<dir>/<file>), no .dockerignore.
Medians of whole processes (what a user waits for):
  * ``context``: `dockgen context --json APP`  (every file is sent: one walk, no rule)
  * ``suggest``: `dockgen context --suggest --json APP`
  * ``init``:    `dockgen init --dry-run --json APP` (measures, writes nothing)
  * ``find``:    `find FLAT -printf '%s\\n'` (one stat per entry) and `dockgen context --json FLAT`.
Goals (exit 1 when one is missed): init <= 1.5x context on the app tree; context on the flat tree
<= 1.5x find -printf %s on it. suggest/context is reported too (the same work as init).
With --profile, one in-process `init --dry-run` is profiled (cProfile, top 25 by cumulative time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_FIXTURE = ROOT / "fixtures" / "apps" / "express-slim" / "app"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT / "src")
GOALS = {"init/context": 1.5, "vendored init/context": 1.5, "flat context/find": 1.5}


def _write(path: Path, size: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if size:
            os.write(fd, b"x" * size)
    finally:
        os.close(fd)


def _files(d: Path, names: list[str], rnd: random.Random, big: int = 400) -> int:
    d.mkdir(parents=True, exist_ok=True)
    for n in names:
        _write(d / n, rnd.randint(0, big))
    return len(names)


def _package(d: Path, rnd: random.Random, files: int) -> int:
    """One npm package of about ``files`` files, laid out as real ones are."""
    made = _files(d, ["package.json", "README.md", "LICENSE", "CHANGELOG.md"], rnd)
    left = files - made
    per = 12
    k = 0
    while left > 0:
        sub = d / ("lib" if k % 3 == 0 else "dist" if k % 3 == 1 else "types") / f"m{k}"
        n = min(per, left)
        names = [f"f{i}.js" if i % 3 == 0 else f"f{i}.d.ts" if i % 3 == 1 else f"f{i}.js.map" for i in range(n)]
        made += _files(sub, names, rnd)
        left -= n
        k += 1
    return made


def make_app(root: Path, deps: str = "node_modules") -> int:
    if (root / ".complete").exists():
        return int((root / ".complete").read_text())
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(APP_FIXTURE, root)
    rnd = random.Random(12)
    total = 0
    nm = root / deps
    pkg = 0
    while total < 300_000:
        d = nm / (f"@scope{pkg % 40}/pkg{pkg}" if pkg % 5 == 0 else f"pkg{pkg}")
        total += _package(d, rnd, 100)
        if pkg % 10 == 0:  # a nested copy of a dependency at another version
            total += _package(d / "node_modules" / f"dep{pkg}", rnd, 40)
        pkg += 1
    total += _files(nm / ".bin", [f"bin{i}" for i in range(300)], rnd)
    for i in range(200):
        total += _files(root / ".git" / "objects" / f"{i:02x}", [f"{f:038x}" for f in range(100)], rnd)
    total += _files(root / ".git", ["HEAD", "config", "index", "description"], rnd)
    for i in range(40):
        total += _files(root / "src" / f"feature{i}" / "components", [f"C{f}.tsx" for f in range(60)], rnd, 3000)
        total += _files(root / "src" / f"feature{i}" / "__tests__", [f"C{f}.test.tsx" for f in range(40)], rnd)
    for i in range(20):
        total += _files(root / "dist" / f"chunk{i}", [f"c{f}.js" for f in range(100)], rnd, 9000)
    for i in range(30):
        total += _files(root / "coverage" / "lcov-report" / f"d{i}", [f"f{f}.html" for f in range(100)], rnd)
    total += _files(root / "node_modules" / ".cache" / "babel", [f"{f:032x}.json" for f in range(500)], rnd)
    total += _files(root / "logs", [f"app-{f}.log" for f in range(50)], rnd)
    total += _files(root, [".env", "npm-debug.log", ".eslintcache"], rnd)
    (root / ".complete").write_text(str(total))
    return total


def make_flat(root: Path) -> int:
    if (root / ".complete").exists():
        return int((root / ".complete").read_text())
    shutil.rmtree(root, ignore_errors=True)
    rnd = random.Random(13)
    total = 0
    for i in range(2000):
        total += _files(root / "data" / f"d{i // 100}" / f"e{i % 100}", [f"r{f}.csv" for f in range(100)], rnd)
    (root / ".complete").write_text(str(total))
    return total


def timed(argv: list[str], runs: int) -> float:
    """Median wall seconds over ``runs`` runs of a command (after one warm-up run); it must succeed."""
    times = []
    for k in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=ENV)
        if k:
            times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
    return statistics.median(times)


def profile(app: Path) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT / "src"))
    from dockgen import api

    prof = cProfile.Profile()
    prof.enable()
    api.generate(app, dry_run=True)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "dockgen-bigtree")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", action="store_true", help="profile one in-process init --dry-run and stop")
    ap.add_argument("--workers", type=int, help="DOCKGEN_WORKERS for dockgen (default: dockgen's own choice, "
                    "the CPUs up to 4; 1: one process)")
    a = ap.parse_args()
    if a.workers is not None:
        ENV["DOCKGEN_WORKERS"] = str(a.workers)
    app, vendored, flat = a.dir / "app", a.dir / "vendored", a.dir / "flat"
    app_files, flat_files = make_app(app), make_flat(flat)
    make_app(vendored, "vendor")
    if a.profile:
        profile(app)
        return
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "dockgen")], capture_output=True)
    dockgen = [sys.executable, "-m", "dockgen"]
    r: dict[str, float | int] = {"app_files": app_files, "flat_files": flat_files, "runs": a.runs}
    for key, tree in (("", app), ("vendored_", vendored)):
        r[f"{key}context_s"] = timed([*dockgen, "context", str(tree), "--json"], a.runs)
        r[f"{key}suggest_s"] = timed([*dockgen, "context", str(tree), "--suggest", "--json"], a.runs)
        r[f"{key}init_s"] = timed([*dockgen, "init", str(tree), "--dry-run", "--json"], a.runs)
    r["find_app_s"] = timed(["find", str(app), "-printf", "%s\\n"], a.runs)
    r["flat_context_s"] = timed([*dockgen, "context", str(flat), "--json"], a.runs)
    r["flat_find_s"] = timed(["find", str(flat), "-printf", "%s\\n"], a.runs)
    ratios = {"init/context": r["init_s"] / r["context_s"], "suggest/context": r["suggest_s"] / r["context_s"],
              "vendored init/context": r["vendored_init_s"] / r["vendored_context_s"],
              "vendored suggest/context": r["vendored_suggest_s"] / r["vendored_context_s"],
              "flat context/find": r["flat_context_s"] / r["flat_find_s"]}
    workers = ENV.get("DOCKGEN_WORKERS", "default")
    print(f"dockgen workers: {workers}")
    print(f"app tree: {app_files:,} files, no .dockerignore (VENDORED: the same with vendor/ for node_modules/: "
          f"sent, every file matched against dockgen's rules); flat tree: {flat_files:,} files; "
          f"medians of {a.runs} runs")
    rows = [("dockgen context APP", r["context_s"]), ("dockgen context --suggest APP", r["suggest_s"]),
            ("dockgen init --dry-run APP", r["init_s"]), ("find APP -printf %s", r["find_app_s"]),
            ("dockgen context VENDORED", r["vendored_context_s"]),
            ("dockgen context --suggest VENDORED", r["vendored_suggest_s"]),
            ("dockgen init --dry-run VENDORED", r["vendored_init_s"]),
            ("dockgen context FLAT", r["flat_context_s"]), ("find FLAT -printf %s", r["flat_find_s"])]
    for name, secs in rows:
        print(f"  {name:<38}{secs:8.3f} s")
    missed = []
    for name, value in ratios.items():
        goal = GOALS.get(name)
        verdict = "" if goal is None else (f"(goal <= {goal}: ok)" if value <= goal else f"(goal <= {goal}: MISSED)")
        if goal is not None and value > goal:
            missed.append(name)
        print(f"  {name:<38}{value:8.2f}x {verdict}")
    if a.json:
        a.json.write_text(json.dumps({**r, "workers": workers, "ratios": ratios, "missed": missed}, indent=2) + "\n")
    if missed:
        raise SystemExit(f"goal missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
