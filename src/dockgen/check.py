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
from pathlib import Path

from . import __version__
from .errors import DockgenError, StampError
from .model import Carry
from .record import Record
from .stamp import CORRUPT_HINT, RecordError, Stamp, carry_data, carry_record, split
from .write import unified_diff


class CheckResult(Record):
    dockerfile: str
    status: str  # "current", "stale", "edited"
    reasons: tuple[str, ...]
    diff: str | None


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


def check(root: str | os.PathLike[str], dockerfile: str = "Dockerfile") -> CheckResult:
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
