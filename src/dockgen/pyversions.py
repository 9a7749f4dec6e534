"""Resolve the CPython version for an app against the shipped, dated release table.

Rules (documented in the README):
  * the project's declared requirements are hard constraints: ``requires-python`` (PEP 440, through
    ``packaging``), Poetry's ``python`` (``^3.11`` read as ``>=3.11,<4.0``), Pipfile ``[requires]``;
    the tool pins are preferences: ``.python-version``, ``runtime.txt``, ``.tool-versions`` (``3.12``
    means any 3.12.x, ``3.12.7`` exactly); ``--python-version`` replaces them all;
  * the result is the newest release that satisfies every hint, preferring the *default line*: the
    newest minor released at least six months before the table's date (3.14 on 2026-11-29: 3.15 is a
    month old and many packages have no wheels for it yet) unless the hints need a newer one;
  * a preference that contradicts the requirements is set aside with a warning (uv and pip would refuse
    to install into that Python anyway); preferences that contradict each other: the first wins, with a
    warning; requirements nothing satisfies are an error;
  * lifecycle is judged as of the table's date.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any

from .errors import VersionError
from .model import Notice, RuntimeChoice, Severity, VersionHint
from .record import Record


class PythonTable(Record):
    generated: str
    releases: tuple[str, ...]  # ascending
    lines: dict[str, dict[str, str]]  # "3.13" -> released, bugfix_until, end_of_life

    def minor(self, version: str) -> str:
        return ".".join(version.split(".")[:2])

    def default_line(self) -> str:
        today = dt.date.fromisoformat(self.generated)
        ok = [m for m, line in self.lines.items()
              if dt.date.fromisoformat(line["released"]) <= today - dt.timedelta(days=183)]
        return max(ok, key=_key)

    def is_eol(self, minor: str) -> bool:
        line = self.lines.get(minor)
        if line is None:
            return False
        return dt.date.fromisoformat(line["end_of_life"]) <= dt.date.fromisoformat(self.generated)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


@functools.cache
def default_table() -> PythonTable:
    data: dict[str, Any] = json.loads((Path(__file__).resolve().parent / "data" / "python_releases.json")
                                      .read_text(encoding="utf-8"))
    return PythonTable(generated=data["generated"], releases=tuple(sorted(data["releases"], key=_key)),
                       lines=data["lines"])


def specifier_of(hint: VersionHint) -> Any:
    """The hint as a ``packaging`` SpecifierSet, or None when it names no CPython (pypy, system)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from .detect.python import poetry_constraint

    text = hint.text.strip()
    if re.search(r"\d{17}", text):
        return None  # a number no version has (and more than 4,300 digits would not even convert)
    given = hint.source.startswith(("--", "recorded "))  # a flag or a recorded answer
    if "requires-python" in hint.source or (given and re.search(r"[<>=!~,]", text)):
        spec_text = text
    elif "poetry" in hint.source:
        spec_text = poetry_constraint(text)
    else:
        m = re.fullmatch(r"(?:python-|cpython-|python|cpython)?v?(\d+(?:\.\d+){0,2})(?:[+-].*)?", text, re.I)
        if not m:
            return None
        parts = m.group(1).split(".")
        spec_text = f"=={m.group(1)}" if len(parts) == 3 else f"=={m.group(1)}.*"
    try:
        return SpecifierSet(spec_text)
    except InvalidSpecifier as exc:
        raise VersionError(f"{hint.source}: {hint.text!r} is not a Python version or PEP 440 specifier",
                           "write e.g. >=3.11 or 3.12") from exc


def _is_requirement(hint: VersionHint) -> bool:
    """The project's own declared requirement (hard), as opposed to a tool's pin (a preference)."""
    return hint.source.startswith(("pyproject.toml requires-python", "[tool.poetry", "Pipfile [requires]", "--",
                                   "recorded "))


def resolve_python(table: PythonTable, hints: tuple[VersionHint, ...], override: str | None = None,
                   allowed_minors: tuple[str, ...] | None = None,
                   narrowed_hint: str = "", override_source: str = "--python-version"
                   ) -> tuple[RuntimeChoice, list[Notice]]:
    """The CPython release for the app. ``allowed_minors`` narrows the choice (distroless images);
    ``narrowed_hint`` is the error's hint when only that narrowing leaves nothing."""
    notices: list[Notice] = []
    active = (VersionHint(source=override_source, text=override),) if override else hints
    specs: list[tuple[VersionHint, Any]] = []
    for hint in active:
        spec = specifier_of(hint)
        if spec is None and override:
            raise VersionError(f"{override_source}: {override!r} is not a CPython version",
                               "write a version (3.13, 3.13.5) or a PEP 440 range (>=3.12,<3.14)")
        if spec is None:
            notices.append(Notice(severity=Severity.WARNING, topic="python version",
                                  message=f"{hint.source}: {hint.text!r} is not a CPython version; ignored"))
            continue
        specs.append((hint, spec))
    pool = [v for v in table.releases if allowed_minors is None or table.minor(v) in allowed_minors]

    def matching(selected: list[tuple[VersionHint, Any]]) -> list[str]:
        return [v for v in pool if all(spec.contains(v) for _, spec in selected)]

    hard = [(h, s) for h, s in specs if _is_requirement(h)]
    soft = [(h, s) for h, s in specs if not _is_requirement(h)]
    where = f" among {', '.join(allowed_minors)}" if allowed_minors else ""
    candidates = matching(hard)
    known = f"dockgen knows CPython {table.releases[0]} to {table.releases[-1]} (as of {table.generated})"

    def hint_for(selected: list[tuple[VersionHint, Any]]) -> str:
        anywhere = any(all(spec.contains(v) for _, spec in selected) for v in table.releases)
        return narrowed_hint if narrowed_hint and allowed_minors and anywhere else known

    if not candidates:
        raise VersionError(f"{hard[0][0].source if hard else 'the app'}: no CPython release{where} satisfies "
                           f"{' and '.join(repr(h.text) for h, _ in hard)}", hint_for(hard))
    chosen_hint: VersionHint | None = hard[0][0] if hard else None
    kept: list[tuple[VersionHint, Any]] = []
    for hint, spec in soft:
        narrowed = [v for v in candidates if spec.contains(v)]
        if narrowed:
            candidates, chosen_hint = narrowed, (chosen_hint if kept else hint)
            kept.append((hint, spec))
            continue
        if not any(spec.contains(v) for v in pool):
            raise VersionError(f"{hint.source}: no CPython release{where} satisfies {hint.text!r}",
                               hint_for([(hint, spec)]))
        if kept and any(spec.contains(v) for v in matching(hard)):
            against = f"{kept[0][0].source} ({kept[0][0].text!r})"
        elif hard:
            against = f"{hard[0][0].source} ({hard[0][0].text!r})"
        else:
            against = f"the Pythons available{where}"
        notices.append(Notice(severity=Severity.WARNING, topic="python version",
                              message=f"{hint.source} asks for {hint.text!r}, which contradicts {against}; "
                                      "set aside"))
    default = table.default_line()
    preferred = [v for v in candidates if _key(table.minor(v)) <= _key(default)]
    version = (preferred or candidates)[-1]
    minor = table.minor(version)
    if table.is_eol(minor):
        notices.append(Notice(severity=Severity.WARNING, topic="python version",
                              message=f"Python {minor} reached end of life on {table.lines[minor]['end_of_life']}"))
    if override:
        _check_hints(version, override_source, hints, notices)
    line = table.lines.get(minor, {})
    return RuntimeChoice(
        name="python", requested=chosen_hint.text if chosen_hint else None,
        source=chosen_hint.source if chosen_hint else None, resolved=version, major=int(version.split(".")[0]),
        line=minor, lts=False, codename=None, end_of_life=line.get("end_of_life"), table_date=table.generated,
    ), notices


def _check_hints(version: str, override_source: str, hints: tuple[VersionHint, ...], notices: list[Notice]) -> None:
    """An override wins, but each repository hint it does not satisfy gets a warning (as Node's do).
    Hints that name no CPython, or are not valid specifiers, constrain nothing here and are skipped."""
    for hint in hints:
        try:
            spec = specifier_of(hint)
        except VersionError:
            continue
        if spec is not None and not spec.contains(version):
            notices.append(Notice(severity=Severity.WARNING, topic="python version",
                                  message=f"{hint.source} asks for {hint.text!r}, which {version} "
                                          f"(from {override_source}) does not satisfy"))
