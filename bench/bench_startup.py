#!/usr/bin/env python3
"""Benchmark: start-up of `dockgen --version`, with and without bytecode, against baselines measured in the
same run. Exits 1 when a `dockgen --version` median is over the limit (100 ms).

    python3 bench/bench_startup.py [--runs 21] [--limit 100] [--json out.json]

`dockgen` is run as the console script pip installs runs it (`from dockgen.cli import main; main()`),
from this tree's sources, in three settings:
  * bytecode: dockgen's and the standard library's __pycache__ exist (a normal installation; warmed first);
  * no bytecode (dockgen): PYTHONDONTWRITEBYTECODE=1 and a copy of dockgen's sources that has no
    __pycache__ (a source checkout run with bytecode writing off): dockgen is compiled on every run;
  * no bytecode (all): PYTHONDONTWRITEBYTECODE=1 and PYTHONPYCACHEPREFIX set to an empty directory: every
    module, the standard library's included, is compiled from source on every run (the worst case).
Baselines in each setting: `python -c pass` (the interpreter) and `python -c "import typer"` (what any
command served by the typer app costs on top). Also shown, not judged: `dockgen completion bash`, a TAB
completion (the shell runs `dockgen` with _DOCKGEN_COMPLETE) and `dockgen --help`. Runs are interleaved
(one of each command in turn), the median of each is reported.
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

ENTRY = """import sys
from dockgen.cli import main
if __name__ == "__main__":
    sys.argv[0] = "dockgen"
    sys.exit(main())
"""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH", "_DOCKGEN_COMPLETE")
           and not k.startswith("DOCKGEN")}
    env.update(extra)
    return env


def measure(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
            times[name].append((time.perf_counter() - start) * 1000)
            if proc.returncode != 0:
                raise SystemExit(f"{name}: exit {proc.returncode}\n{proc.stderr.decode(errors='replace')}")
    return {name: statistics.median(t) for name, t in times.items()}


def settings(work: Path) -> dict[str, tuple[dict[str, str], Path]]:
    """Each setting: its environment and the directory dockgen is imported from."""
    src = ROOT / "src"
    copy = work / "src"
    shutil.copytree(src / "dockgen", copy / "dockgen", ignore=shutil.ignore_patterns("__pycache__"))
    empty = work / "pycache"
    empty.mkdir()
    return {
        "bytecode": (clean_env(PYTHONPATH=str(src)), src),
        "no bytecode (dockgen)": (clean_env(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1"), copy),
        "no bytecode (all)": (clean_env(PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1",
                                        PYTHONPYCACHEPREFIX=str(empty)), src),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--limit", type=float, default=100.0, help="ms allowed for `dockgen --version`")
    parser.add_argument("--json", type=Path, help="write the figures here")
    opts = parser.parse_args()
    py = sys.executable
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="dockgen-startup-") as tmp:
        work = Path(tmp)
        entry = work / "dockgen"
        entry.write_text(ENTRY)
        for name, (env, _) in settings(work).items():
            if name == "bytecode":  # write dockgen's __pycache__ (and check the command works)
                for args in (["--version"], ["--help"], ["completion", "bash"]):
                    subprocess.run([py, str(entry), *args], env=env, stdout=subprocess.DEVNULL, check=True)
            tab = dict(env, _DOCKGEN_COMPLETE="complete_bash", COMP_WORDS="dockgen in", COMP_CWORD="1")
            commands = {
                "python -c pass": ([py, "-c", "pass"], env),
                "python -c 'import typer'": ([py, "-c", "import typer"], env),
                "dockgen --version": ([py, str(entry), "--version"], env),
                "dockgen completion bash": ([py, str(entry), "completion", "bash"], env),
                "TAB completion (dockgen in<TAB>)": ([py, str(entry)], tab),
                "dockgen --help": ([py, str(entry), "--help"], env),
            }
            results[name] = measure(commands, opts.runs)
            if name == "no bytecode (all)" and any((work / "pycache").iterdir()):
                raise SystemExit("PYTHONDONTWRITEBYTECODE=1 wrote bytecode: the measurement is not what it says")
    print(f"python {sys.version.split()[0]}, {opts.runs} runs each, median ms (limit for --version: "
          f"{opts.limit:.0f} ms)")
    names = list(next(iter(results.values())))
    width = max(map(len, names)) + 2
    print(f"{'':<{width}}" + "".join(f"{s:>24}" for s in results))
    for n in names:
        print(f"{n:<{width}}" + "".join(f"{results[s][n]:>24.1f}" for s in results))
    over = [s for s in results if results[s]["dockgen --version"] > opts.limit]
    if opts.json:
        opts.json.write_text(json.dumps({"runs": opts.runs, "limit_ms": opts.limit, "median_ms": results,
                                         "over": over}, indent=2) + "\n")
    if over:
        print(f"FAIL: `dockgen --version` over {opts.limit:.0f} ms with {', '.join(over)}", file=sys.stderr)
        return 1
    print(f"ok: `dockgen --version` within {opts.limit:.0f} ms in every setting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
