#!/usr/bin/env python3
"""Refresh src/dockgen/data/python_releases.json, the shipped table of CPython releases.

Versions: `uv python list --all-versions --output-format json` (the CPython builds uv knows, i.e. real
releases; final releases only, no alphas/betas/rcs). Line dates follow PEP 602's annual cycle as the
release PEPs give them (x.y.0 in October; bugfix fixes for 2 years; security fixes until 5 years after
x.y.0), kept in LINES below. uv's version is recorded with the table.

usage: scripts/refresh_python_table.py [--uv uv]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "dockgen" / "data" / "python_releases.json"
# minor: (x.y.0 release date, end of bugfix releases, end of life) from the release PEPs / PEP 602
LINES = {
    "3.9": ("2020-10-05", "2022-05-17", "2025-10-31"),
    "3.10": ("2021-10-04", "2023-04-05", "2026-10-31"),
    "3.11": ("2022-10-24", "2024-04-02", "2027-10-31"),
    "3.12": ("2023-10-02", "2025-04-08", "2028-10-31"),
    "3.13": ("2024-10-07", "2026-10-01", "2029-10-31"),
    "3.14": ("2025-10-07", "2027-10-01", "2030-10-31"),
    "3.15": ("2026-10-01", "2028-10-01", "2031-10-31"),
}


def key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--uv", default="uv")
    a = ap.parse_args()
    uv_version = subprocess.run([a.uv, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    raw = json.loads(subprocess.run([a.uv, "python", "list", "--all-versions", "--output-format", "json"],
                                    capture_output=True, text=True, check=True).stdout)
    versions = sorted({d["version"] for d in raw if d["implementation"] == "cpython"
                       and re.fullmatch(r"3\.\d+\.\d+", d["version"])}, key=key)
    versions = [v for v in versions if ".".join(v.split(".")[:2]) in LINES]
    table = {
        "generated": dt.date.today().isoformat(),
        "about": f"CPython releases known to dockgen: final releases from uv {uv_version}'s download list; "
                 "line dates from the release PEPs (PEP 602). Refresh with scripts/refresh_python_table.py.",
        "uv": uv_version,
        "lines": {m: {"released": r, "bugfix_until": b, "end_of_life": e} for m, (r, b, e) in LINES.items()},
        "releases": versions,
    }
    OUT.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(versions)} releases")


if __name__ == "__main__":
    main()
