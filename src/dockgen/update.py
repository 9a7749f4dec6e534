"""`dockgen update`: render again with the recorded answers, and merge into the files on disk.

Three versions of each generated file: the *base* (what dockgen rendered last time, kept under
.dockgen/rendered/), *yours* (the file on disk, maybe edited by hand) and the *new* render. Statuses:

  identical  the file already is the new render
  create     no file yet: the new render is written
  update     you did not edit it: the new render replaces it
  keep       only you changed it (dockgen renders what it rendered last time): left as it is
  merge      both changed it, in different places: your edits and dockgen's are combined
  conflict   both changed the same lines (or there is no base to tell your edits from dockgen's):
             nothing is written; the diff shows both sides between conflict markers

With ``write`` and no conflict anywhere, the files are written (no .bak: every edit of yours is kept
and the diff shows what changed), the new renders become the base, and the answers are recorded.
A conflict anywhere writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import reading
from .errors import DockgenError
from .model import BuildPlan, RenderedFile, WriteOutcome
from .pins import Pins
from .plan import Options
from .record import Record
from .write import unified_diff

if TYPE_CHECKING:
    from .dockerignore import Engine
    from .write import Batch, Transaction

STATUSES = ("identical", "create", "update", "keep", "merge", "conflict")


class FileUpdate(Record):
    path: str
    status: str  # one of STATUSES
    content: str | None  # what writing puts there (None: a conflict, nothing is written)
    rendered: str  # dockgen's new render
    diff: str  # the file on disk -> content (a conflict: -> the merge with conflict markers)
    conflicts: int  # conflicting regions
    reason: str | None = None


class UpdateResult(Record):
    plan: BuildPlan
    options: Options  # the options rendered with: given, else recorded
    answers_file: str  # where the answers are (or would be) recorded
    recorded_version: str | None  # the dockgen that recorded the answers
    files: tuple[FileUpdate, ...]
    written: tuple[WriteOutcome, ...]  # empty unless written
    answers_written: bool = False  # the answers file changed (a flag given with write=True)
    warnings: tuple[str, ...] = ()  # e.g. a line of yours in the .dockerignore excludes what is copied

    @property
    def conflicted(self) -> bool:
        return any(f.status == "conflict" for f in self.files)

    @property
    def changes(self) -> bool:
        return any(f.status not in ("identical", "keep") for f in self.files)


def merge(path: str, base: str | None, yours: str | None, new: str) -> FileUpdate:
    """One file's three-way merge (pure). What is dockgen's alone takes no part in it: a Dockerfile's
    stamp line and a .dockerignore's measured figures are the new render's. Hand edits kept in a
    Dockerfile are restamped as reviewed, so `dockgen check` accepts them until the next hand edit."""
    if yours is None:
        return FileUpdate(path=path, status="create", content=new, rendered=new, diff=unified_diff("", new, path),
                          conflicts=0)
    if yours == new:
        return FileUpdate(path=path, status="identical", content=new, rendered=new, diff="", conflicts=0)
    on_disk = yours
    if base is None and path == "Dockerfile":
        base = _unedited(yours)
    if path == "Dockerfile":
        from .stamp import stamp_line, with_stamp_line

        line = stamp_line(new)
        if line is not None:
            yours, base = with_stamp_line(yours, line), (with_stamp_line(base, line) if base is not None else None)
    elif path.endswith(".dockerignore"):
        from .suggest import refigure

        yours, base = refigure(yours, new), (refigure(base, new) if base is not None else None)
        if yours == new:
            return FileUpdate(path=path, status="identical", content=on_disk, rendered=new, diff="", conflicts=0)

    def done(status: str, content: str, reason: str | None = None) -> FileUpdate:
        if path == "Dockerfile":
            from .stamp import restamped

            content = restamped(content)
        return FileUpdate(path=path, status=status, content=content, rendered=new,
                          diff=unified_diff(on_disk, content, path) if content != on_disk else "", conflicts=0,
                          reason=reason)

    if yours == new:
        return done("update", new)
    if base is None:
        return FileUpdate(path=path, status="conflict", content=None, rendered=new,
                          diff=unified_diff(on_disk, new, path), conflicts=1,
                          reason=f"no record of what dockgen last rendered (.dockgen/rendered/{path}): your edits "
                                 "cannot be told from dockgen's changes")
    if yours == base:
        return done("update", new)
    if new == base:
        return done("keep", yours, "only your edits differ from what dockgen rendered last time")
    from merge3 import Merge3

    m3 = Merge3(base.splitlines(keepends=True), yours.splitlines(keepends=True), new.splitlines(keepends=True))
    conflicts = sum(1 for region in m3.merge_regions() if region[0] == "conflict")
    merged = "".join(m3.merge_lines(name_a=f"yours ({path})", name_b="dockgen's new render",
                                    start_marker="<<<<<<<", mid_marker="=======", end_marker=">>>>>>>"))
    if conflicts and path == "Dockerfile":
        resolved = _resolve_subsumed(m3)
        if resolved is not None:
            return done("merge", resolved, "where you and dockgen changed the same lines, your lines are in "
                                           "dockgen's new render (a version bump such as a bot makes): taken")
    if conflicts:
        return FileUpdate(path=path, status="conflict", content=None, rendered=new,
                          diff=unified_diff(on_disk, merged, path), conflicts=conflicts,
                          reason="you and dockgen changed the same lines")
    return done("merge", merged)


def _resolve_subsumed(m3: Any) -> str | None:
    """The merge when, in every region where both changed the same lines, your lines make the same
    instructions as dockgen's new ones and carry no comment of your own (``ARG NODE_VERSION`` bumped by a
    bot, then `dockgen update --node-version` with that version: dockgen's comment above the ARG changed
    too); None when any conflict is a real one."""
    def parts(lines: list[str]) -> tuple[list[str], set[str]]:
        return ([x for x in lines if not x.lstrip().startswith("#")], {x for x in lines if x.lstrip().startswith("#")})

    out: list[str] = []
    for group in m3.merge_groups():
        if group[0] != "conflict":
            out += group[1]
            continue
        _, base, yours, new = group
        (mine, my_comments), (ours, our_comments) = parts(yours), parts(new)
        if mine != ours or not my_comments <= our_comments | parts(base or [])[1]:
            return None
        out += new
    return "".join(out)


def _unedited(text: str) -> str | None:
    """A Dockerfile whose stamp still matches its body is exactly what dockgen rendered: its own base."""
    from .stamp import split

    stamp, body = split(text)
    return text if stamp is not None and stamp.matches(body) else None


def _read(path: Path) -> str | None:
    """The file's text as it is (line endings untranslated), None when missing."""
    if not path.exists() and not path.is_symlink():
        return None
    data = reading.read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DockgenError(f"{path}: not valid UTF-8 (byte {exc.start})", "save the file as UTF-8") from exc


def update(root: str | os.PathLike[str], given: Options, *, write: bool = False,
           pins: Pins | None = None) -> UpdateResult:
    """The merge of each file; with ``write`` and no conflict, the files, the new base and the answers
    written in one transaction (all or nothing), holding the app's .dockgen/lock from the first read."""
    base_dir = Path(root)
    if not base_dir.is_dir():
        raise DockgenError(f"{base_dir}: no such directory", "pass the app's root directory")
    if not write:
        return _update(base_dir, given, None, pins=pins)()
    from .write import transaction

    with transaction(base_dir) as tx:
        done = _update(base_dir, given, tx, pins=pins)
    return done()


def _update(base_dir: Path, given: Options, tx: Transaction | None, *,
            pins: Pins | None) -> Callable[[], UpdateResult]:
    """``update`` (with ``tx``: its files added to it); the result, final once ``tx`` committed."""
    from .answers import kept_record, render_answers, rendered_base, rendered_copies
    from .api import _files, as_written, plan_recorded, template_copies

    answers, opts, built = plan_recorded(base_dir, given, require=True, pins=pins)
    assert answers is not None
    answers_file = render_answers(base_dir, opts, built.language)
    # the new render grows from what dockgen rendered last; the merge then adds the user's edits
    last = rendered_base(base_dir, built.ignore_file)
    files, _ = _files(base_dir, built, opts, existing=True if last is None else last, sizes=as_written(answers_file))
    on_disk = {f.path: _read(base_dir / f.path) for f in files}
    crlf = {p for p, text in on_disk.items() if text is not None and "\r\n" in text}
    updates = tuple(merge(f.path, rendered_base(base_dir, f.path), _lf(on_disk[f.path]), f.content)
                    for f in files)
    conflicted = any(u.status == "conflict" for u in updates)
    written: Batch | None = None
    answers_written: Batch | None = None
    if tx is not None and conflicted:
        tx.discard()
    elif tx is not None:
        # written in the file's own line endings (a CRLF checkout stays CRLF)
        changed = [RenderedFile(path=u.path, content=u.content.replace("\n", "\r\n") if u.path in crlf
                                else u.content) for u in updates
                   if u.content is not None and u.status != "identical" and u.content != _lf(on_disk[u.path])]
        # a .dockerignore kept with the user's edits is recorded as such (the Dockerfile: its stamp)
        kept = [kept_record(u.path, u.content) for u in updates
                if u.path == built.ignore_file and u.status in ("keep", "merge") and u.content is not None]
        # all in one transaction: a read-only file among them is refused before any is written
        written = tx.add(changed, base_dir, force=True, backup=False)
        tx.add([*rendered_copies(files), *kept], base_dir, force=True, backup=False)
        answers_written = tx.add([answers_file], base_dir, force=True, backup=False)
    ignore = next((u.content for u in updates if u.path == built.ignore_file and u.content is not None), None)
    warnings = _excluded_copies(ignore, (*built.context_needs, *template_copies(built, files)),
                                built.engine) if ignore is not None else ()
    return lambda: UpdateResult(
        plan=built, options=opts, answers_file=answers_file.path, recorded_version=answers.version, files=updates,
        written=tuple(written.outcomes) if written is not None else (),
        answers_written=answers_written.outcomes[0].written if answers_written is not None else False,
        warnings=warnings)


def _lf(text: str | None) -> str | None:
    return None if text is None else text.replace("\r\n", "\n")


def _excluded_copies(ignore: str, needs: tuple[str, ...], engine: Engine) -> tuple[str, ...]:
    """What the merged .dockerignore keeps out that the Dockerfile copies (a line of yours, kept)."""
    from .context import _Matcher, path_is_sent
    from .dockerignore import parse

    rules = parse(ignore + "\n", ".dockerignore", engine=engine)
    matcher = _Matcher(rules)
    lines = ignore.splitlines()
    out = []
    for need in dict.fromkeys(needs):
        if need in ("", "."):
            continue
        status, rule = path_is_sent(matcher, need)
        if status != "sent":
            written = lines[rule.line - 1].strip() if rule is not None and 0 < rule.line <= len(lines) else ""
            where = f" (line {rule.line}: {written})" if rule is not None else ""
            out.append(f"your .dockerignore excludes {need}, which the Dockerfile copies{where}: the image "
                       "would lack it (the build or the app fails)")
    return tuple(out)

