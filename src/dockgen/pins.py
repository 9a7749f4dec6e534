"""The shipped, dated tables: Node.js releases (data/node_releases.json) and image/tool pins
(data/pins.toml). Loaded once; plans take a ``Pins`` value so tests can inject their own."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

from .record import Record

# codenames of lines older than the table, so `lts/gallium` gets a precise error
OLD_CODENAMES = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14,
                 "gallium": 16}


class NodeRelease(Record):
    version: str
    key: tuple[int, int, int]
    date: str | None
    lts: bool

    @property
    def major(self) -> int:
        return self.key[0]


class NodeLine(Record):
    major: int
    codename: str | None
    released: str | None
    lts_start: str | None
    lts_scheduled: str | None
    end_of_life: str | None


class NodeTable(Record):
    generated: str
    lines: dict[int, NodeLine]
    releases: tuple[NodeRelease, ...]  # ascending

    @property
    def today(self) -> dt.date:
        """The table's date: lifecycle questions are answered as of it, never the host clock."""
        return dt.date.fromisoformat(self.generated)

    def is_eol(self, major: int) -> bool:
        line = self.lines.get(major)
        return bool(line and line.end_of_life and dt.date.fromisoformat(line.end_of_life) <= self.today)

    def lts_lines(self) -> list[int]:
        """Majors with at least one LTS release, newest first."""
        return sorted({r.major for r in self.releases if r.lts}, reverse=True)

    def by_codename(self, name: str) -> int | None:
        for line in self.lines.values():
            if line.codename and line.codename.lower() == name.lower():
                return line.major
        return None

    def find(self, version: str) -> NodeRelease | None:
        for r in self.releases:
            if r.version == version:
                return r
        return None


class Pins(Record):
    """Everything version-like that the plan may write, as one injectable value."""

    node: NodeTable
    images: dict[str, Any]  # pins_table.PINS

    @property
    def as_of(self) -> str:
        return str(self.images["as_of"])


def _key(version: str) -> tuple[int, int, int]:
    a, b, c = (int(x) for x in version.split("."))
    return a, b, c


def node_table_from_json(data: dict[str, Any]) -> NodeTable:
    lines = {
        int(k): NodeLine(major=int(k), codename=v.get("codename"), released=v.get("released"),
                         lts_start=v.get("lts_start"), lts_scheduled=v.get("lts_scheduled"),
                         end_of_life=v.get("end_of_life"))
        for k, v in data["lines"].items()
    }
    releases = tuple(sorted(
        (NodeRelease(version=r["version"], key=_key(r["version"]), date=r.get("date"), lts=bool(r.get("lts")))
         for r in data["releases"]),
        key=lambda r: r.key,
    ))
    return NodeTable(generated=data["generated"], lines=lines, releases=releases)


@functools.cache
def default_pins() -> Pins:
    from .pins_table import PINS

    data = Path(__file__).resolve().parent / "data"
    node = node_table_from_json(json.loads((data / "node_releases.json").read_text(encoding="utf-8")))
    return Pins(node=node, images=PINS)
