"""npm's semver range semantics for release versions (x.y.z), as ``engines.node`` and nvm use them.

A small, dependency-free implementation of node-semver's ``Range`` (``||`` sets, hyphen ranges,
``^``/``~``/``~>``, x-ranges with ``x``/``X``/``*``, partial versions, ``v`` prefixes, the
comparators ``< <= > >= =``, and the ``-0`` prerelease bounds the desugaring produces). It answers
one question, "does release x.y.z satisfy this range?", which is all dockgen asks: the release table
holds no prereleases. tests/test_versions.py checks it against npm's own ``semver`` package on a
fixed corpus and on generated ranges. (node-semver on PyPI does the same but costs ~20 ms of
`dockgen detect` start-up.)
"""

from __future__ import annotations

import re
from typing import NamedTuple

Version = tuple[int, int, int]

_PARTIAL = r"v?(?:[xX*]|0|[1-9]\d*)(?:\.(?:[xX*]|0|[1-9]\d*)(?:\.(?:[xX*]|0|[1-9]\d*)" \
           r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)?)?"
_HYPHEN = re.compile(rf"^\s*({_PARTIAL})\s+-\s+({_PARTIAL})\s*$")
_COMPARATOR = re.compile(rf"^(<=|>=|<|>|=|\^|~>|~)?\s*({_PARTIAL})$")


class Bound(NamedTuple):
    """``op`` against ``version``; ``pre`` marks a prerelease bound such as ``2.0.0-0``."""

    op: str  # "<", "<=", ">", ">=", "="
    version: Version
    pre: bool = False

    def test(self, v: Version) -> bool:
        if self.pre:  # a release sorts after every prerelease of the same x.y.z
            if self.op in ("<", "<="):
                return v < self.version
            if self.op in (">", ">="):
                return v >= self.version
            return False
        if self.op == "<":
            return v < self.version
        if self.op == "<=":
            return v <= self.version
        if self.op == ">":
            return v > self.version
        if self.op == ">=":
            return v >= self.version
        return v == self.version


class Range(NamedTuple):
    text: str
    sets: tuple[tuple[Bound, ...], ...]

    def satisfied_by(self, version: str) -> bool:
        v = parse_version(version)
        return any(all(b.test(v) for b in bounds) for bounds in self.sets)


def parse_version(text: str) -> Version:
    a, b, c = (int(x) for x in text.split("."))
    return a, b, c


def _partial(text: str) -> tuple[int | None, int | None, int | None, bool]:
    """``1.2`` -> (1, 2, None, pre?); wildcards are None."""
    core = text.lstrip("v").split("+", 1)[0]
    pre = False
    if "-" in core:
        core, _ = core.split("-", 1)
        pre = True
    if re.search(r"\d{17}", core):  # past MAX_SAFE_INTEGER, which npm rejects
        raise _Invalid(text)  # no version has such a number (more than 4,300 digits would not even convert)
    parts: list[int | None] = [None if p in ("x", "X", "*") else int(p) for p in core.split(".")]
    while len(parts) < 3:
        parts.append(None)
    # anything after a wildcard is a wildcard too (1.x.3 == 1.x)
    for i in range(3):
        if parts[i] is None:
            parts[i + 1:] = [None] * (2 - i)
            break
    return parts[0], parts[1], parts[2], pre


def _invalid_order(text: str) -> bool:
    """npm (semver 7.7+) rejects a wildcard followed by a number in a plain x-range: ``x.1``, ``1.x.2``."""
    parts = text.lstrip("v").split("+", 1)[0].split("-", 1)[0].split(".")
    wild = [p in ("x", "X", "*") for p in parts]
    return any(wild[i] and not wild[i + 1] for i in range(len(wild) - 1))


class _Invalid(ValueError):
    pass


def _bounds(op: str, text: str) -> list[Bound]:
    if op in ("", "=", "<", "<=", ">", ">=") and _invalid_order(text):
        raise _Invalid(text)
    major, minor, patch, pre = _partial(text)
    if major is None:
        return [] if op in ("", "=", ">=", "<=", "^", "~", "~>") else [Bound("<", (0, 0, 0), True)]
    if op in ("~", "~>"):
        if minor is None:
            return [Bound(">=", (major, 0, 0)), Bound("<", (major + 1, 0, 0), True)]
        return [Bound(">=", (major, minor, patch or 0), pre), Bound("<", (major, minor + 1, 0), True)]
    if op == "^":
        if minor is None:
            return [Bound(">=", (major, 0, 0)), Bound("<", (major + 1, 0, 0), True)]
        if patch is None:
            upper = (major + 1, 0, 0) if major else (0, minor + 1, 0)
            return [Bound(">=", (major, minor, 0)), Bound("<", upper, True)]
        if major:
            upper = (major + 1, 0, 0)
        elif minor:
            upper = (0, minor + 1, 0)
        else:
            upper = (0, 0, patch + 1)
        return [Bound(">=", (major, minor, patch), pre), Bound("<", upper, True)]
    if minor is None or patch is None:  # x-range with an operator
        lo = (major, minor or 0, 0)
        hi = (major + 1, 0, 0) if minor is None else (major, minor + 1, 0)
        if op in ("", "="):
            return [Bound(">=", lo), Bound("<", hi, True)]
        if op == ">":
            return [Bound(">=", hi)]
        if op == ">=":
            return [Bound(">=", lo)]
        if op == "<":
            return [Bound("<", lo, True)]
        return [Bound("<", hi, True)]  # <=
    return [Bound(op or "=", (major, minor, patch), pre)]


def _hyphen(lo: str, hi: str) -> list[Bound]:
    out: list[Bound] = []
    a_major, a_minor, a_patch, a_pre = _partial(lo)
    if a_major is not None:
        out.append(Bound(">=", (a_major, a_minor or 0, a_patch or 0), a_pre))
    b_major, b_minor, b_patch, b_pre = _partial(hi)
    if b_major is None:
        return out
    if b_minor is None:
        out.append(Bound("<", (b_major + 1, 0, 0), True))
    elif b_patch is None:
        out.append(Bound("<", (b_major, b_minor + 1, 0), True))
    else:
        out.append(Bound("<=", (b_major, b_minor, b_patch), b_pre))
    return out


def parse_range(text: str) -> Range | None:
    """The range, or None when npm's ``semver.validRange`` would reject it."""
    sets: list[tuple[Bound, ...]] = []
    for part in text.split("||"):
        part = part.strip()
        m = _HYPHEN.match(part)
        if m:
            try:
                sets.append(tuple(_hyphen(m.group(1), m.group(2))))
            except _Invalid:
                return None
            continue
        # "> = 1", ">= 1": npm glues an operator to its version
        part = re.sub(r"(<=|>=|<|>|=|\^|~>|~)\s+", r"\1", part)
        bounds: list[Bound] = []
        for word in part.split():
            cm = _COMPARATOR.match(word)
            if cm is None:
                return None
            try:
                bounds += _bounds(cm.group(1) or "", cm.group(2))
            except _Invalid:
                return None
        sets.append(tuple(bounds))
    return Range(text=text, sets=tuple(sets))
