"""The public Python API (re-exported by ``dockgen``): no printing, no exiting, no cwd.

Every function takes the options as an ``Options`` (``options=``) or as keywords (``port=8080``,
``node_version="24"``...: the fields of ``Options``, the same as the CLI's flags). Paths are the
app's root; a relative ``template_dir`` is relative to that root, never to the working directory.
Errors are ``DockgenError`` subclasses (``error.message``, ``error.hint``, ``error.exit_code``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from . import __version__, reading
from .detect import Facts
from .detect import detect as _detect
from .errors import DockgenError, PlanError
from .model import BuildPlan, Notice, RenderedFile, Severity, WriteOutcome, WriteStatus
from .pins import Pins
from .plan import Options, OptionValues, contain_template_dir, options_from, plan_app
from .record import Record
from .render import render as _render
from .update import UpdateResult

if TYPE_CHECKING:
    from .answers import Answers
    from .context import Tree
    from .write import Transaction
from .write import write as _write


def detect(path: str | os.PathLike[str], language: str | None = None) -> Facts:
    """Facts about the app at ``path`` (``language``: "node"/"python" when a repo has both).
    Raises DockgenError subclasses on bad input."""
    return _detect(path, language)


def plan(facts: Facts, options: Options | None = None, *, root: str | os.PathLike[str] | None = None,
         pins: Pins | None = None, **values: Unpack[OptionValues]) -> BuildPlan:
    """Every decision for the app. ``root``: the app's directory, needed only to resolve a relative
    ``template_dir``. Pure otherwise: reads nothing but a user template directory's listing."""
    return plan_app(facts, options_from(options, values), pins, root=root)


def render(plan: BuildPlan) -> list[RenderedFile]:
    """The Dockerfile and an unmeasured default .dockerignore for a plan (``measure`` gives the measured one)."""
    return _render(plan)


def write(files: list[RenderedFile], root: str | os.PathLike[str], *, force: bool = False,
          dry_run: bool = False) -> list[WriteOutcome]:
    """Write rendered files below ``root``: all or none (a failure changes nothing; a conflict writes nothing),
    holding the app's .dockgen/lock; ``force`` keeps .bak copies, each under a name of its own."""
    return _write(files, root, force=force, dry_run=dry_run)


def write_with_records(files: list[RenderedFile], records: list[RenderedFile], root: str | os.PathLike[str]
                       ) -> list[WriteOutcome]:
    """``files`` overwritten (``.bak`` kept) and dockgen's own ``records`` (no ``.bak``) in one transaction:
    `migrate --write`'s v2, its .dockerignore and the record its stamp names, all or none."""
    from .write import transaction

    with transaction(root) as tx:
        batch = tx.add(files, root, force=True)
        if records:
            tx.add(records, root, force=True, backup=False)
    return batch.outcomes


class ContextSecret(Record):
    """A secret in the build context (a private key, an env file, a token...) and what becomes of it."""

    path: str
    kind: str
    status: str  # "excluded"; "copied": the Dockerfile copies it by name; "re-included": a line of yours
    rule: str  # the .dockerignore line that decides
    guarded: bool  # excluded by dockgen's secrets rules (not merely inside node_modules or .git)


class ContextFigures(Record):
    """The build context with the measured .dockerignore, and without it."""

    sent_files: int
    sent_bytes: int
    before_files: int
    before_bytes: int
    flagged_lines: tuple[str, ...]  # the user's .dockerignore lines that exclude what the Dockerfile copies
    secrets: tuple[ContextSecret, ...] = ()  # every secret found in the context


class Measured(Record):
    """The measured .dockerignore and the context figures it gives."""

    file: RenderedFile
    context: ContextFigures


def measure(path: str | os.PathLike[str], plan: BuildPlan, *, allow_list: bool = False) -> Measured:
    """The measured .dockerignore for ``plan`` (merged with an existing one, which keeps its lines)."""
    return _measure(Path(path), plan, allow_list=allow_list)


def _measure(root: Path, plan: BuildPlan, *, allow_list: bool, existing: str | bool | None = True,
             also_needed: tuple[str, ...] = (), sizes: dict[str, int] | None = None,
             tree: Tree | None = None, progress: Callable[[int], None] | None = None) -> Measured:
    """``existing``: the .dockerignore to merge with (True: the one on disk); ``also_needed``: context
    paths a user template copies beyond what the plan knows; ``sizes``: files measured at the size
    they are about to have (the answers in pyproject.toml, see ``as_written``)."""
    from .suggest import SECRET_TITLES, for_plan

    s = for_plan(root, plan, allowlist=allow_list, existing=existing, also_needed=also_needed, sizes=sizes, tree=tree,
                 progress=progress)
    found = tuple(ContextSecret(path=x.path, kind=x.kind, status=x.status, rule=x.rule,
                                guarded=x.status == "excluded" and x.section in SECRET_TITLES) for x in s.secrets)
    return Measured(file=RenderedFile(path=plan.ignore_file, content=s.text),
                    context=ContextFigures(sent_files=s.after_files, sent_bytes=s.after_bytes,
                                           before_files=s.before_files, before_bytes=s.before_bytes,
                                           flagged_lines=tuple(s.flagged), secrets=found))


class Generated(Record):
    """What ``generate`` did: the plan, the files, what happened to each, the context figures."""

    plan: BuildPlan
    files: list[RenderedFile]  # the Dockerfile and the measured .dockerignore
    outcomes: list[WriteOutcome]  # what happened to each (dry run: what would)
    context: ContextFigures
    options: Options  # the options used: given, else recorded
    answers: WriteOutcome | None  # the recorded answers file (None with record=False)


def generate(path: str | os.PathLike[str], options: Options | None = None, *, force: bool = False,
             dry_run: bool = False, record: bool = True, use_answers: bool = True, pins: Pins | None = None,
             progress: Callable[[int], None] | None = None, **values: Unpack[OptionValues]) -> Generated:
    """`dockgen init` in one call: detect -> plan -> render -> measure -> write.

    Options given here win over the answers recorded in the app (``use_answers=False`` ignores them);
    with ``record`` the options used and dockgen's version are recorded (pyproject.toml's
    [tool.dockgen] for Python apps, else .dockgen.toml) with the rendered files under
    .dockgen/rendered/ (``dockgen update``'s merge base). A conflict (a differing file, no ``force``)
    writes nothing at all. ``dry_run`` writes nothing and reports what would happen. All or nothing:
    a failing write (a full disk, a read-only directory) raises a DockgenError and leaves every file
    as it was; the app's .dockgen/lock is held from the first read to the last write. The build context
    is read once (``progress(entries read)`` is called now and then while it is)."""
    root = Path(path)
    given = options_from(options, values)
    if dry_run:
        return _generate(root, given, None, force=force, record=record, use_answers=use_answers, pins=pins,
                         progress=progress)[1]()
    from .write import transaction

    with transaction(root) as tx:
        _, done = _generate(root, given, tx, force=force, record=record, use_answers=use_answers, pins=pins,
                            progress=progress)
    return done()


def _add(tx: Transaction | None, files: list[RenderedFile], root: Path, *, force: bool,
         backup: bool = True) -> Callable[[], list[WriteOutcome]]:
    """``files`` added to ``tx`` (None: a dry run, only planned): their outcomes, final after the commit."""
    if tx is None:
        planned = _write(files, root, force=force, dry_run=True)
        return lambda: planned
    batch = tx.add(files, root, force=force, backup=backup)
    return lambda: batch.outcomes


def _generate(root: Path, given: Options, tx: Transaction | None, *, force: bool, record: bool, use_answers: bool,
              pins: Pins | None, progress: Callable[[int], None] | None = None,
              trees: dict[Path, Tree] | None = None) -> tuple[BuildPlan, Callable[[], Generated]]:
    """``generate`` into ``tx`` (None: a dry run): the plan, and the result (final once ``tx`` committed).
    ``trees``: the contexts read already (by path; the members of a workspace share its root's)."""
    from .answers import render_answers, rendered_copies
    from .context import record as read_tree
    from .suggest import context_of

    if tx is not None:
        tx.lock(root)  # a workspace member's own lock too (`init --all` holds the root's)
    _, opts, built = plan_recorded(root, given, use_answers=use_answers, pins=pins)
    answers = render_answers(root, opts, built.language) if record else None
    where = context_of(root, built)[0]
    if trees is not None and where not in trees:  # a workspace: one read of its context for every member
        trees[where] = read_tree(where, progress=progress)
    # one app: the measurement reads the context when it needs to (one walk from the disk, usually)
    tree = trees[where] if trees is not None else None
    files, context = _files(root, built, opts, refresh_figures=force, sizes=as_written(answers), tree=tree,
                            progress=progress)
    kept = set() if force else _kept_edits(root, files, lambda base: _measure(
        root, built, allow_list=bool(opts.allow_list), existing=base,
        also_needed=template_copies(built, files), tree=tree).file.content)
    mine = [f for f in files if f.path not in kept]  # a kept file's base stays what dockgen rendered last
    written = _add(tx, mine, root, force=force)
    conflict = any(o.status is WriteStatus.CONFLICT for o in written())
    if conflict and tx is not None:
        tx.discard()  # nothing at all is written; the answers' outcome says what writing them would do
    answers_written = _add(tx, [answers], root, force=True, backup=False) if answers is not None else None
    if tx is not None and record and not conflict:
        tx.add(rendered_copies(mine), root, force=True, backup=False)

    def done() -> Generated:
        mine_done = iter(written())
        outcomes = [WriteOutcome(path=f.path, status=WriteStatus.KEEP, written=False) if f.path in kept
                    else next(mine_done) for f in files]
        return Generated(plan=built, files=files, outcomes=outcomes, context=context, options=opts,
                         answers=answers_written()[0] if answers_written is not None else None)

    return built, done


def update(path: str | os.PathLike[str], options: Options | None = None, *, write: bool = False,
           pins: Pins | None = None, **values: Unpack[OptionValues]) -> UpdateResult:
    """`dockgen update`: re-render with the recorded answers (options given here win, and are
    recorded with ``write``), three-way merged with the files on disk (base: .dockgen/rendered/).
    With ``write`` and no conflict, applies it; with a conflict, writes nothing."""
    from .update import update as _update

    return _update(path, options_from(options, values), write=write, pins=pins)


def _kept_edits(root: Path, files: list[RenderedFile], ignore_from: Callable[[str], str]) -> set[str]:
    """The files that differ from the new render only by edits `dockgen update --write` kept: dockgen
    renders exactly what it rendered last time (.dockgen/rendered/), and nobody edited the file since
    update kept it (a Dockerfile: its stamp, which update restamps; a .dockerignore: the hash update
    recorded in .dockgen/rendered/.dockerignore.kept). init leaves them as they are.
    ``ignore_from(base)``: the .dockerignore dockgen renders growing from ``base`` (as update does)."""
    from .answers import is_kept, rendered_base
    from .stamp import split
    from .suggest import without_figures

    kept: set[str] = set()
    for f in files:
        base = rendered_base(root, f.path)
        try:
            mine = reading.read_text(root / f.path)
        except DockgenError:
            continue
        if base is None or mine == f.content:
            continue
        if f.path == "Dockerfile":
            stamp, body = split(mine)
            if base == f.content and stamp is not None and stamp.matches(body):
                kept.add(f.path)
        elif (f.path.endswith(".dockerignore") and is_kept(root, f.path, mine)
              and without_figures(base) == without_figures(ignore_from(base))):
            kept.add(f.path)
    return kept


def plan_recorded(root: Path, given: Options, *, use_answers: bool = True, use_stamp: bool = True,
                  require: bool = False, pins: Pins | None = None) -> tuple[Answers | None, Options, BuildPlan]:
    """The plan with the recorded answers under the options ``given`` (a flag wins over an answer):
    (the answers read, the options used, the plan). With no answers file, the Dockerfile stamp's
    options stand in (``use_stamp``); ``require``: an error when there is neither."""
    from .answers import read_answers
    from .errors import DockgenError

    answers = read_answers(root) if use_answers else None
    recorded = answers.options if answers is not None else Options()
    if answers is not None and answers.file is None and (use_stamp or require):
        stamped = stamped_options(root)
        if stamped is None and require:
            from .workspace import apps_first, members_of

            members = apps_first(root, members_of(root))
            raise DockgenError(f"no recorded answers in {root} (no .dockgen.toml, no [tool.dockgen] in "
                               "pyproject.toml, no dockgen-stamped Dockerfile)",
                               f"{root} is a workspace root: run it for an app (`--app {members[0]}`)" if members
                               else "run `dockgen init` first: it records the answers `dockgen update` uses")
        recorded = stamped or recorded
    opts = given.over(recorded)
    if given.template_dir is None and recorded.template_dir is not None:
        label = (answers.file if answers is not None and answers.file else "the Dockerfile stamp")
        opts = contain_template_dir(opts, root, f"recorded template-dir ({label})")
    try:
        built = plan_app(_detect(root, opts.language), opts, pins, root=root,
                         origins=origins_of(given, recorded, answers.file if answers is not None else None))
    except PlanError as exc:
        raise _at_workspace_root(root, exc) from exc
    return answers, opts, with_newer_notice(built, answers.version if answers is not None else None)


def _at_workspace_root(root: Path, exc: PlanError) -> PlanError:
    """At a workspace root with no start of its own, the error names the apps to pick from."""
    from .workspace import apps_first, declared, members_of

    if "cannot tell how to start" not in exc.message:
        return exc
    members = apps_first(root, members_of(root))
    if not members:
        globs = declared(root)
        if globs:
            return PlanError(f"{root} is a workspace root whose globs ({', '.join(globs)}) match no package",
                             "create the members (each with its package.json or pyproject.toml), or fix the globs")
        return exc
    shown = ", ".join(members[:6]) + (f" and {len(members) - 6} more" if len(members) > 6 else "")
    return PlanError(f"{root} is a workspace root with no start command of its own (its packages: {shown})",
                     f"containerize one app with `dockgen init --app {members[0]}` (or run dockgen inside it), or "
                     "every app with `dockgen init --all`")


def with_newer_notice(built: BuildPlan, recorded: str | None) -> BuildPlan:
    """``built`` with a warning when the answers were recorded by a newer dockgen than this one."""
    if not _newer(recorded):
        return built
    return built.replace(notices=(*built.notices, Notice(
        severity=Severity.WARNING, topic="answers",
        message=f"the answers were recorded by dockgen {recorded}, newer than this one ({__version__}): what "
                "it writes may differ from what that version wrote; upgrade dockgen")))


def _newer(version: str | None) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return version is not None and Version(version) > Version(__version__)
    except InvalidVersion:
        return False


def stamped_options(root: Path) -> Options | None:
    """The options stamped in the app's Dockerfile (None without a readable dockgen stamp)."""
    from .stamp import split

    try:
        text = reading.read_text(root / "Dockerfile", errors="surrogateescape")
    except DockgenError:
        return None
    stamp = split(text)[0]
    if stamp is None:
        return None
    from .errors import StampError

    try:
        return Options.from_recorded(stamp.options)
    except StampError as exc:
        raise StampError(f"Dockerfile: {exc.message}", exc.hint) from exc


def origins_of(given: Options, recorded: Options, where: str | None) -> dict[str, str]:
    """Where each option not given came from, for messages: ``recorded port (.dockgen.toml)``."""
    label = where if where in (None, ".dockgen.toml") else f"{where} [tool.dockgen]"
    return {name: f"recorded {name.replace('_', '-')} ({label or 'the Dockerfile stamp'})"
            for name in Options.__fields__ if getattr(given, name) is None and getattr(recorded, name) is not None}


def template_copies(built: BuildPlan, rendered: list[RenderedFile]) -> tuple[str, ...]:
    """What a user template's Dockerfile copies from the context (it may copy what the plan does not
    know, and no rule may exclude it); () for dockgen's own templates, whose copies the plan knows."""
    if not built.template_dir:
        return ()
    from .dockerfile_sources import copy_sources

    dockerfile = next(f.content for f in rendered if f.path == "Dockerfile")
    return tuple(s.path for s in copy_sources(dockerfile) if s.resolved and s.path not in ("", "."))


def _files(root: Path, built: BuildPlan, opts: Options, *, refresh_figures: bool = False,
           existing: str | bool | None = True, sizes: dict[str, int] | None = None, tree: Tree | None = None,
           progress: Callable[[int], None] | None = None) -> tuple[list[RenderedFile], ContextFigures]:
    """The Dockerfile and the measured .dockerignore (merged with ``existing``, see ``_measure``). A
    .dockerignore on disk whose rules are the new ones is kept as it is (its figures describe the tree
    when it was written: node_modules after `npm ci`, a new source file or a log do not make it differ)
    unless ``refresh_figures``."""
    from .suggest import same_rules

    rendered = render(built)
    measured = _measure(root, built, allow_list=bool(opts.allow_list), existing=existing,
                        also_needed=template_copies(built, rendered), sizes=sizes, tree=tree, progress=progress)
    ignore = measured.file
    if not refresh_figures:
        on_disk = root / built.ignore_file
        try:
            old = reading.read_text(on_disk) if reading.is_regular(on_disk) else None
        except DockgenError:
            old = None
        if same_rules(old, ignore.content):
            assert old is not None
            ignore = ignore.replace(content=old)
    files = [f if f.path != built.ignore_file else ignore for f in rendered]
    return files, measured.context


def as_written(answers: RenderedFile | None) -> dict[str, int] | None:
    """The answers file's size once written: the context is measured with it (a pyproject.toml that
    grows a [tool.dockgen] table is part of the context) before anything is written."""
    return None if answers is None else {answers.path: len(answers.content.encode("utf-8"))}



class AppGenerated(Record):
    member: str  # the app's directory in the workspace
    target: str  # its docker-bake target
    generated: Generated


class WorkspaceGenerated(Record):
    """What ``generate_all`` did: each app, the members that are not apps (and why), the bake file."""

    apps: list[AppGenerated]
    skipped: list[tuple[str, str]]
    bake: WriteOutcome


def generate_all(path: str | os.PathLike[str], options: Options | None = None, *, force: bool = False,
                 dry_run: bool = False, record: bool = True, pins: Pins | None = None,
                 **values: Unpack[OptionValues]) -> WorkspaceGenerated:
    """`dockgen init --all`: ``generate`` for every member of the workspace at ``path`` that is an app (a
    member with no start command is a library: skipped, and said so), then a docker-bake.hcl at the root
    with one target per app. All or nothing: when a file of any app conflicts (it differs and ``force`` is
    not given), nothing is written and the result says what would have happened; a failing write leaves
    every file of every app as it was (one transaction, holding the root's and each app's lock)."""
    from .errors import DockgenError
    from .workspace import declared, members_of

    root = Path(path)
    members = members_of(root)
    if not members and declared(root):
        raise DockgenError(f"{root} is a workspace root whose globs ({', '.join(declared(root))}) match no package",
                           "create the members (each with its package.json or pyproject.toml), or fix the globs")
    if not members:
        raise DockgenError(f"{root} is not a workspace root (no workspaces in package.json, no "
                           "pnpm-workspace.yaml, no [tool.uv.workspace])",
                           "run --all at the workspace root, or `dockgen init` for a single app")
    opts = options_from(options, values)
    if dry_run:
        return _generate_all(root, members, opts, None, force=force, record=record, pins=pins)()
    from .write import transaction

    with transaction(root) as tx:
        if not force:  # all or nothing: a conflict anywhere writes nothing anywhere
            trial = _generate_all(root, members, opts, None, force=False, record=record, pins=pins)()
            outcomes = [o for a in trial.apps for o in a.generated.outcomes] + [trial.bake]
            if any(o.status is WriteStatus.CONFLICT for o in outcomes):
                tx.discard()
                return trial
        done = _generate_all(root, members, opts, tx, force=force, record=record, pins=pins)
    return done()


def _generate_all(root: Path, members: list[str], opts: Options, tx: Transaction | None, *, force: bool,
                  record: bool, pins: Pins | None) -> Callable[[], WorkspaceGenerated]:
    """``generate_all`` into ``tx`` (None: a dry run): the result, final once ``tx`` committed."""
    from .errors import DockgenError, PlanError
    from .model import NodeFacts

    apps: list[tuple[str, str, Callable[[], Generated]]] = []
    skipped: list[tuple[str, str]] = []
    trees: dict[Path, Tree] = {}  # every member's context is the workspace root: read once
    for member in members:
        facts = _detect(root / member, opts.language)
        if isinstance(facts, NodeFacts) and not any(k in facts.scripts for k in ("start", "start:prod")):
            skipped.append((member, "no start script: a library"))
            continue
        try:
            built, done = _generate(root / member, opts, tx, force=force, record=record, use_answers=True,
                                    pins=pins, trees=trees)
        except PlanError as exc:
            if "cannot tell how to start" in exc.message:
                skipped.append((member, "no start command: a library"))
                continue
            raise DockgenError(f"{member}: {exc.message}", exc.hint, exit_code=exc.exit_code) from exc
        except DockgenError as exc:
            raise DockgenError(f"{member}: {exc.message}", exc.hint, exit_code=exc.exit_code) from exc
        apps.append((member, bake_target(built, member), done))
    if not apps:
        raise DockgenError(f"no member of the workspace at {root} is an app (none has a start command)",
                           "add scripts.start to the members that run, or run `dockgen init --app <member>`")

    def each() -> list[AppGenerated]:
        return [AppGenerated(member=member, target=target, generated=done()) for member, target, done in apps]

    bake = RenderedFile(path="docker-bake.hcl", content=render_bake(each()))
    try:  # a bake file dockgen wrote is dockgen's to rewrite (a new app, a renamed one; a .bak is kept)
        ours = reading.read_text(root / bake.path).startswith(BAKE_HEADER)
    except DockgenError:
        ours = False
    bake_written = _add(tx, [bake], root, force=force or ours)
    return lambda: WorkspaceGenerated(apps=each(), skipped=skipped, bake=bake_written()[0])


BAKE_HEADER = "# docker-bake.hcl written by dockgen"


def bake_target(built: BuildPlan, member: str) -> str:
    import re

    name = built.app_name.rsplit("/", 1)[-1] if built.app_name != "app" else member.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "app"


def render_bake(apps: list[AppGenerated]) -> str:
    """docker-bake.hcl: one target per app, all built from the workspace root (their build context)."""
    from . import __version__

    seen: set[str] = set()
    lines = [f"{BAKE_HEADER} {__version__}: one target per app of this workspace.",
             "# From this directory (the build context of every target): docker buildx bake    one app: "
             "docker buildx bake <target>",
             "", "group \"default\" {",
             "  targets = [" + ", ".join(f'"{a.target}"' for a in apps) + "]", "}"]
    for a in apps:
        if a.target in seen:
            raise ValueError(f"two apps make the bake target {a.target!r}")
        seen.add(a.target)
        lines += ["", f'target "{a.target}" {{', '  context    = "."',
                  f'  dockerfile = "{a.generated.plan.dockerfile}"', f'  tags       = ["{a.target}:latest"]', "}"]
    return "\n".join(lines) + "\n"
