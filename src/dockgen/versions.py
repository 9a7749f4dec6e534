"""Resolve a Node.js version request against the shipped release table, with npm's semver semantics.

Rules (documented in the README):
  * the first version hint wins (.nvmrc > .node-version > .tool-versions > volta.node > engines.node),
    ``--node-version`` overrides them all; the others are checked and a warning names any that the
    chosen version does not satisfy;
  * a range resolves to the newest LTS release that satisfies it (odd majors are never LTS); when no
    LTS release satisfies, the newest release that does, with a warning;
  * ``lts/*``, ``lts/<codename>``, ``lts/-1`` (nvm), ``lts``, ``lts-<codename>`` (asdf) and
    ``node``/``stable``/``latest``/``current`` follow nvm;
  * no request: the newest LTS release in the table;
  * lifecycle (end of life) is judged as of the table's date, never the machine's clock.
"""

from __future__ import annotations

import re

from .errors import VersionError
from .model import Notice, RuntimeChoice, Severity, VersionHint
from .pins import OLD_CODENAMES, NodeRelease, NodeTable
from .semver import Range, parse_range

EXACT = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def _range_of(hint: VersionHint) -> str:
    """An nvm/asdf/semver request as an npm range (or a marker handled by the caller)."""
    text = hint.text.strip()
    if re.fullmatch(r"[vV]\d.*", text):
        text = text[1:]
    return text


def _valid_range(text: str) -> Range | None:
    return parse_range(text)


def _satisfies(release: NodeRelease, rng: Range) -> bool:
    return rng.satisfied_by(release.version)


def _lts_alias(table: NodeTable, hint: VersionHint) -> list[NodeRelease] | None:
    """Candidates for lts/* style requests, or None when the text is not such an alias."""
    text = hint.text.strip().lower()
    m = re.fullmatch(r"lts(?:/|-)?(.*)", text)
    if not m:
        if text in ("node", "stable", "latest", "current"):
            return [table.releases[-1]]  # nvm: the newest release, LTS or not
        return None
    what = m.group(1)
    lines = table.lts_lines()
    if what in ("", "*", "latest"):
        major = lines[0]
    elif re.fullmatch(r"-\d+", what):
        idx = int(what[1:])
        if idx >= len(lines):
            raise VersionError(f"{hint.source}: {hint.text!r} asks for an LTS line older than dockgen knows",
                               f"dockgen's table covers Node {min(lines)}+; pin a version instead")
        major = lines[idx]
    else:
        found = table.by_codename(what)
        if found is None:
            if what in OLD_CODENAMES:
                raise VersionError(
                    f"{hint.source}: {hint.text!r} is Node {OLD_CODENAMES[what]}, long past end of life",
                    "ask for a supported LTS line, e.g. lts/* or 24",
                )
            known = ", ".join(f"lts/{table.lines[m].codename}".lower() for m in lines if table.lines[m].codename)
            raise VersionError(f"{hint.source}: unknown LTS codename in {hint.text!r}", f"known: {known}")
        major = found
    return [r for r in table.releases if r.major == major and r.lts]


def resolve_node(table: NodeTable, hints: tuple[VersionHint, ...], override: str | None = None,
                 override_source: str = "--node-version") -> tuple[RuntimeChoice, list[Notice]]:
    notices: list[Notice] = []
    chosen_hint = VersionHint(source=override_source, text=override) if override else (hints[0] if hints else None)
    if chosen_hint is None:
        release = [r for r in table.releases if r.lts][-1]
        return _choice(table, release, None, notices), notices

    old = re.fullmatch(r"lts[/-](\w+)", chosen_hint.text.strip().lower())
    if old and old.group(1) in OLD_CODENAMES and table.by_codename(old.group(1)) is None:
        return _before_table(table, chosen_hint, hints, notices, f"Node {OLD_CODENAMES[old.group(1)]}")
    candidates = _lts_alias(table, chosen_hint)
    if candidates is None:
        text = _range_of(chosen_hint)
        rng = _valid_range(text)
        if rng is None:
            raise VersionError(
                f"{chosen_hint.source}: {chosen_hint.text!r} is not a Node.js version or range",
                "use a version (24.11.1), a range (>=22 <25, ^24) or lts/*",
            )
        exact = EXACT.fullmatch(text)
        if exact and table.find(".".join(exact.groups())) is None:
            version = ".".join(str(int(x)) for x in exact.groups())
            newest = table.releases[-1]
            same_major = [r for r in table.releases if r.major == int(exact.group(1))]
            if (same_major and same_major[-1].key < tuple(map(int, exact.groups()))) or (
                    not same_major and int(exact.group(1)) > newest.major):
                notices.append(Notice(severity=Severity.WARNING, topic="node version",
                                      message=f"{version} is newer than dockgen's release table "
                                              f"({table.generated}); using it as asked"))
                release = NodeRelease(version=version, key=(int(exact.group(1)), int(exact.group(2)),
                                                            int(exact.group(3))),
                                      date=None, lts=int(exact.group(1)) % 2 == 0)
                choice = _choice(table, release, chosen_hint, notices)
                _check_others(table, release, chosen_hint, hints, notices)
                return choice, notices
            raise VersionError(f"{chosen_hint.source}: Node.js {version} does not exist",
                               f"newest {exact.group(1)}.x known: "
                               f"{same_major[-1].version if same_major else 'none'}")
        candidates = [r for r in table.releases if _satisfies(r, rng)]
        if not candidates and _older_than_table(table, rng):
            return _before_table(table, chosen_hint, hints, notices)
        if not candidates:
            raise VersionError(
                f"{chosen_hint.source}: no Node.js release satisfies {chosen_hint.text!r}",
                f"dockgen knows Node {table.releases[0].version} to {table.releases[-1].version} "
                f"(as of {table.generated}); widen the range or pass --node-version",
            )
    if not candidates:
        raise VersionError(f"{chosen_hint.source}: {chosen_hint.text!r} matches no known release", None)
    lts = [r for r in candidates if r.lts]
    if lts:
        release = lts[-1]
    else:
        release = candidates[-1]
        notices.append(Notice(
            severity=Severity.WARNING, topic="node version",
            message=f"no LTS release satisfies {chosen_hint.text!r} ({chosen_hint.source}); using "
                    f"{release.version}, which is not LTS",
        ))
    choice = _choice(table, release, chosen_hint, notices)
    _check_others(table, release, chosen_hint, hints, notices)
    return choice, notices


def _before_table(table: NodeTable, chosen: VersionHint, hints: tuple[VersionHint, ...], notices: list[Notice],
                  what: str = "") -> tuple[RuntimeChoice, list[Notice]]:
    """An end-of-life request from before the table (engines "14.x", lts/fermium): the app still needs an
    image, so the oldest LTS line still supported, with a warning that says so."""
    release = _oldest_supported_lts(table)
    notices.append(Notice(
        severity=Severity.WARNING, topic="node version",
        message=f"{chosen.source} asks for {chosen.text!r}{f' ({what})' if what else ''}, older than any release "
                f"dockgen knows (its table starts at Node {table.releases[0].major}; those lines are long past end "
                f"of life): using {release.version}, the oldest LTS line still supported on {table.generated}; "
                "test the app on it and update the request"))
    choice = _choice(table, release, chosen, notices)
    _check_others(table, release, chosen, hints, notices)
    return choice, notices


def _older_than_table(table: NodeTable, rng: Range) -> bool:
    """The range admits some version of a major older than the table's first one, and none the table has."""
    first = table.releases[0].major
    probes = (f"{major}.{minor}.{patch}" for major in range(first) for minor in (0, 1, 10, 99)
              for patch in (0, 99))
    return any(rng.satisfied_by(v) for v in probes)


def _oldest_supported_lts(table: NodeTable) -> NodeRelease:
    """The newest release of the oldest LTS line that has not reached end of life as of the table's date."""
    lines = sorted(m for m in table.lts_lines() if not table.is_eol(m))
    major = lines[0] if lines else table.lts_lines()[0]
    return [r for r in table.releases if r.major == major and r.lts][-1]


def pending_lts(table: NodeTable) -> str | None:
    """A line that is LTS by schedule but has no LTS release in the table yet (e.g. Node 26 in late 2026)."""
    major = max(table.lines)
    line = table.lines[major]
    if line.lts_scheduled and not line.lts_start and line.lts_scheduled <= table.generated:
        newest = [r.version for r in table.releases if r.major == major][-1]
        return (f"Node {major} is LTS by schedule since {line.lts_scheduled}, but its newest release in the "
                f"table ({newest}) is still 'Current'")
    return None


def _check_others(table: NodeTable, release: NodeRelease, chosen: VersionHint,
                  hints: tuple[VersionHint, ...], notices: list[Notice]) -> None:
    for other in hints:
        if other == chosen:
            continue
        if _lts_alias(table, other) is not None:
            continue
        rng = _valid_range(_range_of(other))
        if rng is not None and not _satisfies(release, rng):
            notices.append(Notice(
                severity=Severity.WARNING, topic="node version",
                message=f"{other.source} asks for {other.text!r}, which {release.version} "
                        f"(from {chosen.source}) does not satisfy",
            ))


def _choice(table: NodeTable, release: NodeRelease, hint: VersionHint | None,
            notices: list[Notice]) -> RuntimeChoice:
    line = table.lines.get(release.major)
    eol = line.end_of_life if line else None
    if table.is_eol(release.major):
        supported = ", ".join(str(m) for m in sorted(table.lts_lines()) if not table.is_eol(m))
        notices.append(Notice(severity=Severity.WARNING, topic="node version",
                              message=f"Node {release.major} reached end of life on {eol}: no more security "
                                      f"fixes; move to a supported LTS line ({supported})"))
    return RuntimeChoice(
        name="node",
        requested=hint.text if hint else None,
        source=hint.source if hint else None,
        resolved=release.version,
        major=release.major,
        lts=release.lts,
        codename=line.codename if (line and release.lts) else None,
        end_of_life=eol,
        table_date=table.generated,
        line=str(release.major),
    )
