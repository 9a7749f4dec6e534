#!/usr/bin/env python3
"""Benchmark: measuring a 200,000-file build context, all in one run on this machine.

    python3 bench/bench_context.py [--dir /tmp/dockgen-bench-tree] [--runs 5] [--engine] [--json out.json]

The tree (made once, reused): a node_modules-like directory (150,000 files), .git (30,000) and
src (20,000). Medians of:
  * `dockgen context --json` with a typical .dockerignore (dockgen's always-written categories);
  * docker-py's `exclude_paths` with the same patterns (a pruning walker, but not Docker's semantics);
  * `find -type f` (no stat) and `find -type f -printf '%s'` (one stat per file, like a measurement);
  * the unignored full measurement: `dockgen context --json` with an empty ignore file (every file
    sent and stat'ed).
Both as whole processes (what a user waits for) and, for dockgen vs docker-py, as in-process calls
(the walk itself, without interpreter and import start-up). Peak memory (max RSS) of each process.
With --engine, the typical case is also built by the real engine (`FROM scratch`, `COPY . /ctx/`)
and its file list compared with dockgen's and docker-py's: exactness, not just speed.
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
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def make_tree(root: Path) -> None:
    if (root / ".complete").exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    rnd = random.Random(1)
    for pkg in range(3000):
        d = root / "node_modules" / f"pkg{pkg}" / "lib" / f"sub{pkg % 7}"
        d.mkdir(parents=True, exist_ok=True)
        for f in range(50):
            p = d / f"f{f}.js" if f % 3 else root / "node_modules" / f"pkg{pkg}" / f"file{f}.json"
            p.write_text("x" * rnd.randint(0, 200))
    for i in range(300):
        d = root / ".git" / "objects" / f"{i:02x}"
        d.mkdir(parents=True, exist_ok=True)
        for f in range(100):
            (d / f"{f:038x}").write_text("y" * 50)
    for i in range(200):
        d = root / "src" / f"mod{i}" / "sub"
        d.mkdir(parents=True, exist_ok=True)
        for f in range(100):
            (d / f"file{f}.ts").write_text("z" * 100)
    (root / ".complete").write_text("")


def typical_patterns() -> list[str]:
    from dockgen.ignore import CATEGORIES

    return [p for c in CATEGORIES for p in c.rules]  # every category is always written


def timed(argv: list[str], runs: int) -> tuple[float, int]:
    """Median wall seconds and the largest max RSS (kB) over ``runs`` runs of a command."""
    times, rss = [], 0
    subprocess.run(argv, capture_output=True, env=ENV)  # warm
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, env=ENV)
        times.append(time.perf_counter() - t0)
        rss = max(rss, int(proc.stderr.decode().strip().splitlines()[-1]))
    return statistics.median(times), rss


def in_process(fn: object, runs: int) -> float:
    assert callable(fn)
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "dockgen-bench-tree")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--engine", action="store_true", help="check exactness with the real engine too")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    tree = a.dir
    make_tree(tree)
    patterns = typical_patterns()
    (tree / ".dockerignore").write_text("\n".join(patterns) + "\n")
    empty = tree.parent / "dockgen-bench-empty.dockerignore"
    empty.write_text("")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "dockgen")], capture_output=True)
    dockgen = [sys.executable, "-m", "dockgen"]
    dockerpy = [sys.executable, "-c", "import sys; from docker.utils.build import exclude_paths; "
                "exclude_paths(sys.argv[1], open(sys.argv[2]).read().split())", str(tree), str(tree / ".dockerignore")]
    r: dict[str, object] = {"files": 200_000, "patterns": len(patterns)}
    r["dockgen_context_s"], r["dockgen_context_kb"] = timed([*dockgen, "context", str(tree), "--json"], a.runs)
    r["dockerpy_s"], r["dockerpy_kb"] = timed(dockerpy, a.runs)
    r["find_s"], r["find_kb"] = timed(["find", str(tree), "-type", "f"], a.runs)
    r["find_size_s"], _ = timed(["find", str(tree), "-type", "f", "-printf", "%s\\n"], a.runs)
    r["dockgen_full_s"], r["dockgen_full_kb"] = timed(
        [*dockgen, "context", str(tree), "--json", "--ignore-file", str(empty)], a.runs)

    from docker.utils.build import exclude_paths

    from dockgen.context import walk
    from dockgen.dockerignore import parse

    rules = parse((tree / ".dockerignore").read_bytes())
    r["dockgen_walk_s"] = in_process(lambda: walk(tree, rules), a.runs)
    r["dockerpy_walk_s"] = in_process(lambda: exclude_paths(str(tree), list(patterns)), a.runs)

    ours = {p for p in (walk(tree, rules, listing=True).listing or []) if not p.endswith("/")}
    theirs = {p for p in exclude_paths(str(tree), list(patterns)) if (tree / p).is_file() or (tree / p).is_symlink()}
    r["dockgen_vs_dockerpy_differences"] = len(ours ^ theirs)
    if a.engine:
        from tests.engine_context import engine_sent

        with tempfile.TemporaryDirectory() as tmp:
            sent, error = engine_sent(tree, Path(tmp))
        assert error is None, error
        engine_files = {p for p in sent or [] if not p.endswith("/")}
        r["engine_files"] = len(engine_files)
        r["dockgen_vs_engine_differences"] = len(ours ^ engine_files)
        r["dockerpy_vs_engine_differences"] = len(theirs ^ engine_files)

    print(f"tree: 200,000 files; typical .dockerignore of {len(patterns)} patterns; medians of {a.runs} runs")
    print(f"  dockgen context --json        {r['dockgen_context_s']:.3f} s  (max RSS {r['dockgen_context_kb']} kB)")
    print(f"  docker-py exclude_paths       {r['dockerpy_s']:.3f} s  (max RSS {r['dockerpy_kb']} kB)")
    print(f"    in-process walk: dockgen {r['dockgen_walk_s']:.3f} s, docker-py {r['dockerpy_walk_s']:.3f} s "
          f"= {r['dockgen_walk_s'] / r['dockerpy_walk_s']:.2f}x")  # type: ignore[operator]
    print(f"  find -type f                  {r['find_s']:.3f} s;  with sizes (-printf %s) {r['find_size_s']:.3f} s")
    print(f"  dockgen full measurement      {r['dockgen_full_s']:.3f} s  (max RSS {r['dockgen_full_kb']} kB)")
    print(f"ratios: context/docker-py {r['dockgen_context_s'] / r['dockerpy_s']:.2f}x (goal <= 0.6), "  # type: ignore[operator]
          f"full/find {r['dockgen_full_s'] / r['find_s']:.2f}x (goal <= 1.5), "  # type: ignore[operator]
          f"full/find-with-sizes {r['dockgen_full_s'] / r['find_size_s']:.2f}x")  # type: ignore[operator]
    print(f"exactness: dockgen and docker-py disagree on {r['dockgen_vs_dockerpy_differences']} files"
          + (f"; vs the engine ({r['engine_files']} files sent): dockgen {r['dockgen_vs_engine_differences']}, "
             f"docker-py {r['dockerpy_vs_engine_differences']}" if a.engine else ""))
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
