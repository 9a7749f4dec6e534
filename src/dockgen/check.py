"""`dockgen check`: is a dockgen-written Dockerfile still what dockgen would write for this repository?

``current`` when re-planning with the stamped options renders the same file; ``stale`` when it does
not (a lockfile, engines, the Python version, the recorded answers or dockgen's templates changed: the
reasons say which; changed answers are re-planned with, as `dockgen init` and `dockgen update` do), or
when only the stamp is out of date (the body was edited back to exactly dockgen's render);
``edited`` when the file no longer matches the body hash dockgen stamped (someone changed it by hand;
edits that `dockgen update --write` kept are restamped, and stay ``current`` while dockgen renders
what it rendered last time);
``unstamped`` when dockgen did not write it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import DockgenError, StampError
from .model import Carry
from .record import Record

if TYPE_CHECKING:
    from .detect import Facts
    from .plan import Options
from .stamp import CORRUPT_HINT, RecordError, Stamp, carry_data, carry_record, split
from .write import unified_diff


class CheckResult(Record):
    dockerfile: str
    status: str  # "current", "stale", "edited"
    reasons: tuple[str, ...]  # why it is not current
    diff: str | None
    notes: tuple[str, ...] = ()  # current, but: what changed that does not change the instructions (not --strict)
    bumps: tuple[tuple[str, str, str], ...] = ()  # (ARG, stamped value, value in the file): a version bot's edit


OPTION_ARGS = {"NODE_VERSION": "node_version", "PYTHON_VERSION": "python_version"}  # ARGs an option decides
ARG_LINE = re.compile(r"ARG ([A-Z][A-Z0-9_]*)=(\S+)")


def arg_bumps(body: str, fresh: str) -> list[tuple[str, str, str]] | None:
    """(name, dockgen's value, the file's value) for every ``ARG NAME=value`` line that differs, when those
    are the only differences between the file and dockgen's render (a Renovate or Dependabot version bump);
    None when anything else differs too."""
    mine, ours = body.splitlines(), fresh.splitlines()
    if len(mine) != len(ours):
        return None
    bumps: list[tuple[str, str, str]] = []
    for a, b in zip(mine, ours, strict=True):
        if a == b:
            continue
        ma, mb = ARG_LINE.fullmatch(a.strip()), ARG_LINE.fullmatch(b.strip())
        if ma is None or mb is None or ma[1] != mb[1]:
            return None
        bumps.append((ma[1], mb[2], ma[2]))
    return bumps or None


_OPTIONAL = ("workdir", "start")  # the Carry fields that may be null; the others are lists of strings


def carry_of(data: dict[str, object] | None) -> Carry | None:
    """The Carry a stamp recorded (lists back to tuples); StampError when it is not one."""
    if not data:
        return None
    values: dict[str, object] = {}
    for key, value in data.items():
        ok = key in Carry.__fields__ and (
            (value is None and key in _OPTIONAL)
            or (key == "workdir" and isinstance(value, str))
            or (key != "workdir" and isinstance(value, list) and all(isinstance(v, str) for v in value)))
        if not ok:
            raise StampError(f"the migration record is corrupt ({key!r}: {json_of(value)})", CORRUPT_HINT)
        values[key] = tuple(value) if isinstance(value, list) else value
    return Carry(**values)  # type: ignore[arg-type]


def json_of(value: object) -> str:
    return json.dumps(value)[:60]


def stamped_carry(base: Path, dockerfile: str, stamp: Stamp) -> Carry | None:
    """What the migration that wrote ``dockerfile`` kept (its stamp's carry record); StampError when the
    stamp or the record is corrupt or missing."""
    def read() -> str | None:
        try:
            return (base / carry_record(dockerfile)).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordError(f"{carry_record(dockerfile)}: cannot read it ({exc})",
                             "restore .dockgen/carry/ from version control") from exc

    return carry_of(carry_data(stamp, read))


def answers_changed(stamped: dict[str, str], recorded: dict[str, str]) -> list[str]:
    """What differs between the options a stamp recorded and the recorded answers, said plainly
    (``python-version 3.10 -> 3.13``); both as ``Options.recorded()`` strings."""
    from .plan import Options

    return [f"{name.replace('_', '-')} {stamped.get(name, 'unset')} -> {recorded.get(name, 'unset')}"
            for name in Options.__fields__ if stamped.get(name) != recorded.get(name)]


def check(root: str | os.PathLike[str], dockerfile: str = "Dockerfile", *, strict: bool = False) -> CheckResult:
    """The Dockerfile against what dockgen would write now. Not ``strict`` (the default, for CI): a file
    whose instructions dockgen would not change is ``current`` with notes (a lockfile that changed without
    changing them, a newer dockgen rendering the same body, a version bump by a dependency bot that
    dockgen renders the same for the bumped version); ``strict``: those are stale or edited (exit 4)."""
    result = _check(root, dockerfile)
    if strict or result.status == "current":
        return result
    if result.status == "stale" and result.diff is None and not result.bumps:
        return result.replace(status="current", notes=result.reasons, reasons=())
    if result.status == "edited" and result.bumps and result.reasons[-1].startswith(_SAME_FOR):
        return result.replace(status="current", notes=result.reasons, reasons=(), diff=None)
    return result


_SAME_FOR = "dockgen renders these instructions for"


def _instructions(body: str) -> list[str]:
    """The lines that make the image (comments dropped: dockgen's comment above an ARG names its version)."""
    return [line for line in body.splitlines() if not line.lstrip().startswith("#")]


def _bump_reasons(base: Path, facts: Facts, options: Options, carry: Carry | None, body: str,
                  bumps: list[tuple[str, str, str]]) -> list[str]:
    """What a version bump is, and whether dockgen renders the bumped file itself (then the last reason
    starts with ``_SAME_FOR``)."""
    from .plan import plan_app
    from .render import render_dockerfile

    reasons = [f"ARG {name}={new} (dockgen wrote {old}): a version bump, as Renovate or Dependabot make"
               for name, old, new in bumps]
    names = {name for name, _, _ in bumps}
    if not names <= set(OPTION_ARGS):
        other = ", ".join(sorted(names - set(OPTION_ARGS)))
        reasons.append(f"dockgen pins {other} itself: `dockgen update --write` proposes its own pin; keep the bump "
                       "as a hand edit, or let dockgen's pins move it")
        return reasons
    values = {OPTION_ARGS[name]: new for name, _, new in bumps}
    bumped = options.replace(**values)
    try:
        again = render_dockerfile(plan_app(facts, bumped, carry=carry, root=base))
    except DockgenError:  # a bumped version dockgen cannot plan: not the same file
        again = ""
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in values.items())
    if _instructions(split(again)[1]) == _instructions(body):  # its comment still names the old version
        reasons.append(f"{_SAME_FOR} {flags}: `dockgen update {flags} --write` records the bump")
    else:
        reasons.append(f"dockgen renders more than this ARG differently for {flags} (its images, labels or "
                       f"stages follow the version): run `dockgen update {flags} --write`")
    return reasons


def _check(root: str | os.PathLike[str], dockerfile: str = "Dockerfile") -> CheckResult:
    from .detect import detect
    from .dockerfile_sources import read_dockerfile
    from .plan import Options, contain_template_dir, plan_app
    from .render import render_dockerfile

    base = Path(root)
    path = base / dockerfile
    text = read_dockerfile(path, str(path), errors="surrogateescape", missing_hint="run `dockgen init` to write one")
    stamp, body = split(text)
    if stamp is None:
        raise DockgenError(f"{dockerfile} was not written by dockgen (no dockgen-stamp line)",
                           "audit it with `dockgen migrate`, or write one with `dockgen init`")
    try:
        options = Options.from_recorded(stamp.options)
        carry = stamped_carry(base, dockerfile, stamp)
    except StampError as exc:
        raise StampError(f"{dockerfile}: {exc.message}", exc.hint) from exc
    answered: list[str] = []
    if dockerfile == "Dockerfile":  # the file `dockgen init` and `dockgen update` write with the answers
        from .answers import read_answers

        answers = read_answers(base)  # invalid answers fail here, as they do for `dockgen init`
        if answers.file is not None:
            answered = answers_changed(options.recorded(), answers.options.recorded())
            if answered:
                options = answers.options
    options = contain_template_dir(options, base, f"{dockerfile}: the stamp's template-dir" if not answered
                                   else "the recorded template-dir")
    facts = detect(base, options.language)
    fresh = render_dockerfile(plan_app(facts, options, carry=carry, root=base))
    _, fresh_body = split(fresh)
    reasons: list[str] = []
    edited = not stamp.matches(body)
    reverted = edited and fresh_body == body  # hand-edited back to exactly what dockgen renders
    bumps = arg_bumps(body, fresh_body) if edited and not reverted else None
    if edited and not reverted and bumps:
        reasons.append(f"{dockerfile} was edited after dockgen wrote it: only ARG versions changed")
        reasons += _bump_reasons(base, facts, options, carry, body, bumps)
        return CheckResult(dockerfile=dockerfile, status="edited", reasons=tuple(reasons),
                           diff=unified_diff(body, fresh_body, dockerfile), bumps=tuple(bumps))
    if edited and not reverted:
        reasons.append(f"{dockerfile} was edited by hand after dockgen wrote it")
    if answered:
        reasons.append("the recorded answers changed: " + ", ".join(answered))
    for rel in sorted(set(stamp.inputs) | set(facts.inputs)):
        before, now = stamp.inputs.get(rel), facts.inputs.get(rel)
        if before != now:
            reasons.append(f"{rel} " + ("appeared" if before is None else "is gone" if now is None else "changed"))
    if stamp.version != __version__:
        reasons.append(f"dockgen {stamp.version} wrote it; this is dockgen {__version__}")
    if reverted:
        reasons.append("the body is dockgen's render again; only the stamp is stale: `dockgen update --write` "
                       "refreshes it")
        return CheckResult(dockerfile=dockerfile, status="stale", reasons=tuple(reasons), diff=None)
    if fresh_body == body and not edited and not reasons:
        return CheckResult(dockerfile=dockerfile, status="current", reasons=(), diff=None)
    if not edited and not reasons and fresh_body != body and dockerfile == "Dockerfile":
        # edits `dockgen update --write` kept (and restamped): current while dockgen renders what it
        # rendered last time (.dockgen/rendered/, the base of its merges)
        from .answers import rendered_base

        last = rendered_base(base, dockerfile)
        if last is not None and split(last)[1] == fresh_body:
            return CheckResult(dockerfile=dockerfile, status="current",
                               reasons=("includes your edits, kept by `dockgen update --write`",), diff=None)
    if fresh_body == body and not edited:
        reasons.append("the instructions would not change, only the stamp: `dockgen update --write` refreshes it")
    elif not edited:
        reasons.append("dockgen now writes a different Dockerfile for this repository (diff below)")
    return CheckResult(dockerfile=dockerfile, status="edited" if edited else "stale", reasons=tuple(reasons),
                       diff=unified_diff(body, fresh_body, dockerfile) if fresh_body != body else None)
