"""The typer app: thin commands that parse, call one core function and present the result.
Errors propagate to ``dockgen.cli.main``, which prints them; anything else is a bug and keeps its
traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__, reading
from ..errors import DockgenError, ExitCode
from . import emit_json, print_detect, shown
from .conventions import colour_on, detail, paint_diff, product, verbose

EPILOG = """\
\b
Examples:
  dockgen init                    write Dockerfile + .dockerignore for the app here
  dockgen init ../api --dry-run   show what would be written, touch nothing
  dockgen init --diff --force     overwrite (old files kept as *.bak), showing the diff
  dockgen detect --json           what dockgen sees, for scripts
  dockgen plan                    every decision and why
  dockgen context --json          what `docker build` sends: sizes, secrets, COPY checks
  dockgen context --suggest       a measured .dockerignore for this context
  dockgen migrate                 audit an existing Dockerfile, show the v2 it becomes
  dockgen check                   CI: is the generated Dockerfile stale or hand-edited?
  dockgen update --write          re-render with the recorded answers, keeping your edits
  dockgen templates --template-dir house   built-in templates and yours
  dockgen init --template node-slim --node-version 22 --port 8080

\b
Exit codes: 0 ok, 1 bad input, 2 bad usage, 3 conflict (init, update; nothing written),
4 drift (init --check / dockgen check: the files differ from what dockgen would write),
5 findings (migrate --check: findings at or above --fail-on).
"""

app = typer.Typer(
    name="dockgen",
    help="Turn a Node or Python app repository into a pinned, multi-stage, non-root production Docker build.",
    epilog=EPILOG,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PathArg = Annotated[Path, typer.Argument(help="The app's root directory (holds package.json, pyproject.toml or "
                                                 "requirements.txt).", show_default=".")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts instead of text.")]
TemplateOpt = Annotated[str | None, typer.Option("--template", "-t", help="Template name (see `dockgen templates`); "
                                                  "default: node-distroless, or what the app needs.")]
NodeVersionOpt = Annotated[str | None, typer.Option("--node-version", help="Node.js version or range (24, ^22, "
                                                     "24.11.1, lts/*); overrides .nvmrc, engines...")]
PythonVersionOpt = Annotated[str | None, typer.Option("--python-version", help="CPython version or PEP 440 range "
                                                         "(3.13, 3.12.7, >=3.12); overrides .python-version, "
                                                         "requires-python...")]
LanguageOpt = Annotated[str | None, typer.Option("--language", help="node or python, when the repository has "
                                                 "manifests of both (default: see the README's language rule).")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port the app listens on: EXPOSE and ENV PORT.")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="Your Docker, whose .dockerignore semantics the "
                                              "measured .dockerignore follows: buildkit (Docker 23+ with buildx, the "
                                              "default) or legacy (Docker 20.10). Recorded by init.")]
AllowListOpt = Annotated[bool, typer.Option("--allow-list", help="Write the .dockerignore as an allow-list: `*`, "
                                                                 "then `!` for exactly what the Dockerfile copies.")]
TemplateDirOpt = Annotated[Path | None, typer.Option("--template-dir", help="A directory of your templates "
                                                     "(<name>.Dockerfile.j2): they add to the built-ins or override "
                                                     "them by name. See `dockgen templates`.")]
AllowListAnswerOpt = Annotated[bool | None, typer.Option("--allow-list/--deny-list", help="Write the .dockerignore "
                                                         "as an allow-list (`*`, then `!` for exactly what the "
                                                         "Dockerfile copies), or as rules that exclude (the "
                                                         "default).", show_default=False)]
AppOpt = Annotated[Path | None, typer.Option("--app", help="A workspace member to containerize, relative to PATH "
                                             "(e.g. apps/api): its Dockerfile goes in its directory, the build "
                                             "context is the workspace root. Same as running dockgen inside it.")]
NoRecordOpt = Annotated[bool, typer.Option("--no-record", help="Do not record the answers (.dockgen.toml or "
                                           "pyproject.toml's [tool.dockgen]) nor the rendered files "
                                           "(.dockgen/rendered/).")]
IgnoreAnswersOpt = Annotated[bool, typer.Option("--ignore-answers", help="Start from dockgen's defaults instead "
                                                "of the recorded answers (init and update then record the ones "
                                                "used afresh; plan records nothing).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dockgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """dockgen: Dockerfiles that are small, pinned, non-root, with tini as PID 1."""


def _options(template: str | None, node_version: str | None, port: int | None, python_version: str | None = None,
             language: str | None = None, template_dir: Path | None = None, root: Path | None = None,
             allow_list: bool | None = None, engine: str | None = None) -> Any:
    from ..dockerignore import check_engine
    from ..plan import Options

    for flag, value in (("--template", template), ("--node-version", node_version),
                        ("--python-version", python_version), ("--language", language)):
        if value is not None and not value.strip():
            raise DockgenError(f"{flag} is empty", f"omit {flag}, or give it a value")
    return Options(template=template, node_version=node_version, python_version=python_version, port=port,
                   language=language, template_dir=_template_dir(template_dir, root or Path(".")),
                   allow_list=allow_list, engine=check_engine(engine) if engine is not None else None)


def _template_dir(value: Path | None, root: Path) -> str | None:
    """A --template-dir typed relative to the working directory, as the answers keep it: relative to the
    app's root (``house``, ``../shared/templates``: the record stays valid in any clone of the repo);
    absolute only when no relative path leads there (another drive)."""
    if value is None:
        return None
    import os

    absolute = os.path.realpath(value)  # both resolved: the record does not depend on how a path is spelled
    try:
        return Path(os.path.relpath(absolute, os.path.realpath(root))).as_posix()
    except ValueError:
        return absolute


def _typed(options: Any) -> dict[str, object]:
    """The options given, with their types (``port`` an int), for --json."""
    return {name: getattr(options, name) for name in options.__fields__ if getattr(options, name) is not None}


def _as_answers(options: Any) -> str:
    """The options as the answers file writes them: ``port=8080, node-version=22``."""
    return ", ".join(f"{name.replace('_', '-')}={value}" for name, value in options.recorded().items()) \
        or "dockgen's defaults"


def _echo_diff(text: str) -> None:
    """A unified diff on stdout, coloured on a terminal (see conventions.colour_on)."""
    typer.echo(paint_diff(text), nl=False, color=True if colour_on() else None)


def _why(built: Any) -> None:
    """--verbose: the decisions behind the files (what `dockgen plan` shows), on stderr."""
    if verbose():
        detail(f"why (template {built.template}):")
        for d in built.decisions:
            detail(f"  {d.topic}: {d.choice} ({d.why})")


def _notices(notices: Any) -> None:
    for n in notices:
        typer.echo(f"{n.severity}: {n.message}", err=True)


@app.command(epilog="Example: dockgen detect --json | jq .start_command")
def detect(path: PathArg = Path("."), app_: AppOpt = None, language: LanguageOpt = None,
           json_out: JsonOpt = False) -> None:
    """Show what dockgen sees in the app: package manager, runtime version, framework, start command, port."""
    print_detect(str(_app_path(path, app_)), json_out, language)


@app.command(epilog="Example: dockgen plan --json > plan.json")
def plan(path: PathArg = Path("."), app_: AppOpt = None, template: TemplateOpt = None,
         node_version: NodeVersionOpt = None,
         python_version: PythonVersionOpt = None, port: PortOpt = None, language: LanguageOpt = None,
         template_dir: TemplateDirOpt = None, engine: EngineOpt = None, ignore_answers: IgnoreAnswersOpt = False,
         json_out: JsonOpt = False) -> None:
    """Show every decision dockgen would make for the app, and why (with the recorded answers, like init)."""
    from .. import api
    from ..model import to_jsonable

    path = _app_path(path, app_)
    given = _options(template, node_version, port, python_version, language, template_dir, path, engine=engine)
    _, _, built = api.plan_recorded(path, given, use_answers=not ignore_answers, use_stamp=False)
    if json_out:
        emit_json(to_jsonable(built))
        return
    typer.echo(f"template {built.template}  ({built.runtime.name} {built.runtime.resolved}, {built.install.manager}, "
               f"layout {built.layout})")
    width = max(len(d.topic) for d in built.decisions)
    for d in built.decisions:
        typer.echo(f"  {d.topic:<{width}}  {d.choice}")
        typer.echo(f"  {'':<{width}}    {d.why}")
    _notices(built.notices)


@app.command(epilog="Example: dockgen init --dry-run --diff")
def init(
    path: PathArg = Path("."),
    app_: AppOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="In a workspace root: a Dockerfile for every member that is an "
                                                     "app (it has a start command), and a docker-bake.hcl that "
                                                     "builds them all (`docker buildx bake`).")] = False,
    template: TemplateOpt = None,
    node_version: NodeVersionOpt = None,
    python_version: PythonVersionOpt = None,
    port: PortOpt = None,
    language: LanguageOpt = None,
    template_dir: TemplateDirOpt = None,
    allow_list: AllowListAnswerOpt = None,
    engine: EngineOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of every change.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite differing files (the old one is kept as "
                                                        "<name>.bak).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 4 when the files on disk differ "
                                                        "from what dockgen would write (for CI).")] = False,
    no_record: NoRecordOpt = False,
    ignore_answers: IgnoreAnswersOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a Dockerfile and a measured .dockerignore for the app, and record the answers used.

    In a monorepo, run it in the app's directory or pass --app: the Dockerfile and its own
    Dockerfile.dockerignore go in the app's directory, built from the workspace root
    (`docker build -f apps/api/Dockerfile .`); --all does every app and writes a docker-bake.hcl.

    The .dockerignore is measured: each rule says what it keeps out of the build context. An existing
    .dockerignore is merged (its lines kept, first). A differing file is never overwritten without
    --force, and then the old one is kept as <name>.bak.

    The options used are recorded (pyproject.toml's [tool.dockgen] for Python apps, else .dockgen.toml)
    with dockgen's version, and the rendered files under .dockgen/rendered/: a re-run reproduces the
    same files, and `dockgen update` re-renders with them. A flag wins over a recorded answer.
    """
    import sys

    from .. import api
    from ..model import WriteStatus, to_jsonable
    from ..suggest import human

    if all_:
        if app_ is not None:
            raise DockgenError("--all and --app are exclusive", "--all writes every app of the workspace; --app one",
                               exit_code=ExitCode.USAGE)
        _init_all(path, dry_run=dry_run, force=force, check=check, record=not no_record, json_out=json_out,
                  options=_options(template, node_version, port, python_version, language, template_dir, path,
                                   allow_list, engine))
        return
    shown = "" if app_ is None else f"{_app_path(path, app_).relative_to(path).as_posix()}/"  # paths as typed
    path = _app_path(path, app_)
    opts = _options(template, node_version, port, python_version, language, template_dir, path, allow_list, engine)
    progress = _progress() if sys.stderr.isatty() and not json_out else None
    try:
        done = api.generate(path, opts, force=force, dry_run=dry_run or check, record=not no_record,
                            use_answers=not ignore_answers, progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\r\033[K")
    built, outcomes, measured = done.plan, done.outcomes, done.context
    conflict = any(o.status is WriteStatus.CONFLICT for o in outcomes)
    settled = (WriteStatus.IDENTICAL, WriteStatus.KEEP)  # KEEP: your edits, kept by update --write
    drift = check and any(o.status not in settled for o in outcomes)
    answers = done.answers
    _why(built)
    if json_out:
        emit_json({
            "files": [{"path": o.path, "status": o.status.value, "written": o.written, "backup": o.backup}
                      | ({"diff": o.diff} if diff and o.diff else {}) for o in outcomes],
            "dry_run": dry_run or check,
            "template": built.template,
            "runtime": to_jsonable(built.runtime),
            "port": built.port,
            "options": _typed(done.options),
            "answers": None if answers is None else {"path": answers.path, "status": answers.status.value,
                                                     "written": answers.written},
            "context": {"sent_files": measured.sent_files, "sent_bytes": measured.sent_bytes,
                        "before_files": measured.before_files, "before_bytes": measured.before_bytes,
                        "flagged_lines": list(measured.flagged_lines),
                        "secrets": [to_jsonable(x) for x in measured.secrets]},
            "notices": to_jsonable(built.notices),
            "build": _build_info(path, built),
        })
    else:
        for o in outcomes:
            verb = o.status.value if o.written or o.status in settled else f"would {o.status.value}"
            if o.status is WriteStatus.CONFLICT:
                verb = "differs" if check else "conflict"
            typer.echo(f"{verb:<16}{shown}{o.path}" + (f"  (old file kept as {o.backup})" if o.backup else "")
                       + ("  (your edits, kept by `dockgen update --write`)" if o.status is WriteStatus.KEEP else ""))
            if diff and o.diff and o.status not in settled:
                _echo_diff(o.diff)
        if answers is not None and answers.written:
            recorded = _as_answers(done.options)
            typer.echo(f"{'recorded':<16}{shown}{answers.path}  ({recorded})")
        _notices(built.notices)
        typer.echo(f"context: {human(measured.sent_bytes)} in {measured.sent_files:,} files sent "
                   f"(without dockgen's rules: {human(measured.before_bytes)} in {measured.before_files:,})",
                   err=True)
        for line in measured.flagged_lines:
            typer.echo(f"warning: your .dockerignore line {line!r} excludes a file the Dockerfile copies", err=True)
        _secret_lines([x for x in measured.secrets if x.status != "excluded" or x.guarded])
        if not conflict and not dry_run and not check and any(o.written for o in outcomes):
            publish = f" -p {built.port}:{built.port}" if built.port else ""
            typer.echo(f"next: {_build_info(path, built)['command']} && "
                       f"docker run --rm{publish} {_image_name(built.app_name)}", err=True)
    if drift:  # --check: a differing or missing file is drift (exit 4), not a refused write
        missing = [o.path for o in outcomes if o.status is WriteStatus.CREATE]
        differ = [o.path for o in outcomes if o.status not in settled and o.status is not WriteStatus.CREATE]
        said = ([f"{', '.join(differ)} differ{'s' if len(differ) == 1 else ''} from what dockgen would write"]
                if differ else []) + ([f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"]
                                      if missing else [])
        raise DockgenError("; ".join(said),
                           "see the changes with `dockgen init --dry-run --diff`; `dockgen update --write` "
                           "brings them up to date and keeps your edits" if differ
                           else "write them with `dockgen init`", exit_code=ExitCode.DRIFT)
    if conflict:
        names = ", ".join(o.path for o in outcomes if o.status is WriteStatus.CONFLICT)
        one = sum(o.status is WriteStatus.CONFLICT for o in outcomes) == 1
        raise DockgenError(f"{names} {'exists and differs' if one else 'exist and differ'} from what dockgen "
                           "generates; nothing was written",
                           "see the changes with --diff; to change an option of a generated project, or keep "
                           "your edits, use `dockgen update [options] --write` (a three-way merge); --force "
                           "overwrites (keeps a .bak copy)",
                           exit_code=ExitCode.CONFLICT)


@app.command(epilog="Examples: dockgen update; dockgen update --write; dockgen update --node-version 24 --write")
def update(
    path: PathArg = Path("."),
    app_: AppOpt = None,
    write_: Annotated[bool, typer.Option("--write", help="Apply it: write the merged files, record the "
                                                         "answers. With a conflict, nothing is written.")] = False,
    template: TemplateOpt = None,
    node_version: NodeVersionOpt = None,
    python_version: PythonVersionOpt = None,
    port: PortOpt = None,
    language: LanguageOpt = None,
    template_dir: TemplateDirOpt = None,
    allow_list: AllowListAnswerOpt = None,
    engine: EngineOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Render again with the recorded answers and show what changes; --write applies it, keeping your edits.

    After dockgen or the repository changed (a new lockfile, a Node release), the files are rendered
    again with the answers `dockgen init` recorded (a flag given here wins, and is recorded with
    --write). Each file is merged three ways: what dockgen rendered last time (.dockgen/rendered/),
    the file on disk, and the new render. Your hand edits are kept where dockgen did not change the
    same lines; where it did, the conflict is shown and nothing is written (exit 3).
    """
    from .. import api

    path = _app_path(path, app_)
    opts = _options(template, node_version, port, python_version, language, template_dir, path, allow_list, engine)
    result = api.update(path, opts, write=write_)
    _why(result.plan)
    if json_out:
        emit_json({
            "write": write_,
            "template": result.plan.template,
            "options": _typed(result.options),
            "answers_written": result.answers_written,
            "warnings": list(result.warnings),
            "answers_file": result.answers_file,
            "recorded_version": result.recorded_version,
            "files": [{"path": f.path, "status": f.status, "conflicts": f.conflicts, "reason": f.reason,
                       "diff": f.diff, "written": any(w.path == f.path and w.written for w in result.written)}
                      for f in result.files],
        })
    else:
        if result.recorded_version and result.recorded_version != __version__:
            newer = any(n.topic == "answers" for n in result.plan.notices)
            typer.echo(f"{'warning: ' if newer else ''}answers recorded by dockgen {result.recorded_version}; this "
                       f"is dockgen {__version__}" + (": upgrade dockgen" if newer else ""), err=True)
        for f in result.files:
            final = (write_ and not result.conflicted) or f.status in ("identical", "keep", "conflict")
            verb = f.status if final else f"would {f.status}"
            typer.echo(f"{verb:<16}{f.path}" + (f"  ({f.reason})" if f.reason and f.status != "identical" else ""))
            if f.diff:
                _echo_diff(f.diff)
        if result.answers_written:
            typer.echo(f"{'recorded':<16}{result.answers_file}  ({_as_answers(result.options)})")
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if not result.changes:
            typer.echo("up to date: dockgen renders what it rendered last time", err=True)
        elif not write_ and not result.conflicted:
            typer.echo("apply it with `dockgen update --write`", err=True)
    if result.conflicted:
        names = ", ".join(f.path for f in result.files if f.status == "conflict")
        raise DockgenError(f"{names}: your edits and dockgen's new render conflict; nothing was written",
                           "make your file agree with one side of each conflict shown, then run `dockgen update "
                           "--write` again (or `dockgen init --force` to take dockgen's)",
                           exit_code=ExitCode.CONFLICT)


@app.command(epilog="Examples: dockgen context --list | head; dockgen context --json --top 5; "
                    "dockgen context --suggest > .dockerignore.new")
def context(
    path: Annotated[Path, typer.Argument(help="The build context directory.", show_default=".")] = Path("."),
    app_: Annotated[Path | None, typer.Option("--app", help="A workspace member (relative to PATH, the workspace "
                                              "root): measure the context its Dockerfile is built with.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="The Dockerfile (default: PATH/Dockerfile); "
                                                                   "its <name>.dockerignore wins, as in BuildKit.")]
    = None,
    ignore_file: Annotated[Path | None, typer.Option("--ignore-file", help="Use this ignore file instead.")] = None,
    list_files: Annotated[bool, typer.Option("--list", help="Print every file the build sees (what `COPY . /x` "
                                                           "copies), one relative path per line, sorted; a name with a "
                                                           "control character is quoted as "
                                                           "$'a\\nb' (as bash and ls do; -0 prints names as they are)."
                                                           )] = False,
    dirs: Annotated[bool, typer.Option("--dirs", help="With --list: directories too (with a trailing /).")] = False,
    null: Annotated[bool, typer.Option("--null", "-0", help="With --list: end paths with NUL, not newline.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Also measure inside ignored directories (slower).")] = False,
    top: Annotated[int, typer.Option("--top", help="How many of the largest directories and files.")] = 10,
    suggest_: Annotated[bool, typer.Option("--suggest", help="Print a measured .dockerignore for this context "
                                                             "(merged with the existing one).")] = False,
    allow_list: AllowListOpt = False,
    engine: Annotated[str | None, typer.Option("--engine", help="Whose .dockerignore semantics: buildkit (Docker "
                                               "23+ with buildx, the default) or legacy (Docker 20.10). Default: "
                                               "`engine` in .dockgen.toml / [tool.dockgen], else buildkit.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Measure the build context exactly as `docker build` sends it: sizes, secrets, excluded COPY sources.

    Exit code 1 when the build would fail: a COPY/ADD source excluded by the rules or missing, or a
    directory the engine cannot read.
    """
    import sys

    from ..context import analyze, record
    from ..suggest import human, suggest

    path, file = _member_context(path, app_, file)
    _readable_dockerfile(file if file is not None else path / "Dockerfile", given=file is not None)
    progress = _progress() if sys.stderr.isatty() and not json_out else None
    from ..answers import recorded_engine
    from ..dockerignore import check_engine

    chosen = check_engine(engine, "--engine") if engine is not None else recorded_engine(path)
    tree = record(path, progress=progress) if suggest_ and path.is_dir() else None  # --suggest: one read
    report = analyze(path, dockerfile=file, ignore_file=ignore_file, measure_ignored=full or suggest_,
                     listing=list_files, top=top, progress=progress, tree=tree, engine=chosen)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    if list_files:
        end = b"\0" if null else b"\n"
        out = product().buffer
        for p in report.walk.listing or []:
            if p.endswith("/") and not dirs:
                continue
            # -0: names exactly as they are; newline-separated: a name with a control character quoted
            out.write((p if null else shown(p, raw_bytes=True)).encode("utf-8", "surrogateescape") + end)
        out.flush()
        _fail_on_errors(report.errors)
        return
    suggestion = None
    if suggest_:
        needed = [s.source for s in report.sources if s.status in ("sent", "partly-excluded")] or ["."]
        existing_path = Path(ignore_file) if ignore_file else (path / report.ignore_file if report.ignore_file
                                                               else None)
        existing = reading.read_text(existing_path, errors="surrogateescape") if existing_path else None
        suggestion = suggest(path, needed=needed, existing=existing, allowlist=allow_list, top=top,
                             version=__version__, tree=tree, engine=chosen)
    data = _context_json(report, top)
    if suggestion is not None:
        data["suggestion"] = {"text": suggestion.text, "sent_files": suggestion.after_files,
                              "sent_bytes": suggestion.after_bytes, "flagged_lines": suggestion.flagged,
                              "secrets": [{"path": x.path, "kind": x.kind, "status": x.status, "rule": x.rule}
                                          for x in suggestion.secrets]}
    if json_out:
        emit_json(data)
    elif suggestion is not None:
        typer.echo(suggestion.text, nl=False, file=product())
        typer.echo(f"context: {human(suggestion.before_bytes)} in {suggestion.before_files:,} files now, "
                   f"{human(suggestion.after_bytes)} in {suggestion.after_files:,} with this .dockerignore",
                   err=True)
        _secret_lines([x for x in suggestion.secrets if x.status != "excluded"])
    else:
        _print_context(data, human)
    _fail_on_errors(report.errors)


def _readable_dockerfile(dockerfile: Path, *, given: bool) -> None:
    """A DockgenError when the Dockerfile `dockgen context` reads is a directory (given with -f) or cannot
    be read; a missing one is context's to report (or to do without)."""
    import stat

    from ..dockerfile_sources import read_dockerfile

    try:
        mode = dockerfile.stat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or (given and stat.S_ISDIR(mode)):
        read_dockerfile(dockerfile, str(dockerfile), missing_hint="-f takes the Dockerfile's path")


def _secret_lines(found: Any) -> None:
    """One line on stderr per secret in the context: kept out (info), or sent and why (warning)."""
    for x in found:
        where = f"secret {shown(x.path)} ({x.kind})"
        if x.status == "excluded":
            typer.echo(f"info: {where} is in the context: the .dockerignore keeps it out ({x.rule})", err=True)
        elif x.status == "copied":
            typer.echo(f"warning: {where} is copied by the Dockerfile: it enters the image (pass it as a build "
                       "secret instead: docker build --secret)", err=True)
        elif x.status == "re-included":
            typer.echo(f"warning: {where} is sent: your .dockerignore line {x.rule or '!...'!r} lets it in", err=True)
        else:
            typer.echo(f"warning: {where} is sent to the builder", err=True)


def _progress() -> Any:
    import sys

    def show(n: int) -> None:
        sys.stderr.write(f"\rscanning the context: {n:,} files")
        sys.stderr.flush()

    return show


def _fail_on_errors(errors: list[str]) -> None:
    if errors:
        raise DockgenError(f"the build would fail: {errors[0]}" + (f" (and {len(errors) - 1} more)"
                                                                    if len(errors) > 1 else ""),
                           "see `dockgen context --json` for all of them")


def _context_json(report: Any, top: int) -> dict[str, Any]:
    w = report.walk
    dirs = sorted(((v[0] + v[1], k, v) for k, v in w.dir_bytes.items()), key=lambda t: (-t[0], t[1]))[:top]
    return {
        "context": report.root,
        "dockerfile": report.dockerfile,
        "ignore_file": report.ignore_file,
        "ignore_rules": report.ignore_rules,
        "sent": {"files": w.sent_files, "bytes": w.sent_bytes, "dirs": w.sent_dirs},
        "ignored": {"files": w.ignored_files, "bytes": w.ignored_bytes, "complete": w.ignored_complete,
                    "pruned_dirs": w.pruned_dirs[:200], "pruned_dir_count": len(w.pruned_dirs)},
        "largest_dirs": [{"path": k, "bytes": total, "sent_bytes": v[0], "ignored_bytes": v[1], "files": v[2]}
                         for total, k, v in dirs],
        "largest_files": [{"path": p, "bytes": size, "sent": sent} for size, p, sent in w.largest_files],
        "secrets": [{"path": s.path, "kind": s.kind, "sent": s.sent} for s in report.secrets],
        "copy_sources": [{"line": c.line, "instruction": c.instruction, "source": c.source, "status": c.status,
                          "excluded_by": c.excluded_by} for c in report.sources],
        "errors": report.errors,
        "warnings": [f"{p.path}: {p.message}" for p in w.warnings],
    }


def _print_context(data: dict[str, Any], human: Any) -> None:
    sent, ignored = data["sent"], data["ignored"]
    typer.echo(f"context      {data['context']}")
    typer.echo(f"ignore file  {data['ignore_file'] or 'none'} ({data['ignore_rules']} rules); "
               f"Dockerfile {data['dockerfile'] or 'none'}")
    typer.echo(f"sent         {human(sent['bytes']):>10}  {sent['files']:>9,} files")
    note = "" if ignored["complete"] else f"  + {ignored['pruned_dir_count']} ignored dirs not measured (--full)"
    typer.echo(f"ignored      {human(ignored['bytes']):>10}  {ignored['files']:>9,} files{note}")
    if data["largest_dirs"]:
        typer.echo(f"\n{'largest directories':<42}{'sent':>10} {'ignored':>10} {'files':>8}")
        for d in data["largest_dirs"]:
            typer.echo(f"  {shown(d['path'])[:40]:<40}{human(d['sent_bytes']):>10} {human(d['ignored_bytes']):>10}"
                       f" {d['files']:>8,}")
    if data["largest_files"]:
        typer.echo("\nlargest files")
        for f in data["largest_files"]:
            typer.echo(f"  {shown(f['path'])[:40]:<40}{human(f['bytes']):>10}  {'sent' if f['sent'] else 'ignored'}")
    for s in data["secrets"]:
        if s["sent"]:
            typer.echo(f"warning: secret {shown(s['path'])} ({s['kind']}) is sent to the builder: add it to the "
                       ".dockerignore (dockgen context --suggest)", err=True)
        else:
            typer.echo(f"secret       {shown(s['path'])} ({s['kind']}): ignored, good")
    for c in data["copy_sources"]:
        if c["status"] != "sent":
            typer.echo(f"{c['instruction']} {shown(c['source'])} (line {c['line']}): {c['status']}"
                       + (f" by {c['excluded_by']}" if c["excluded_by"] else ""), err=True)
    for w in data["warnings"]:
        typer.echo(f"warning: {w}", err=True)


@app.command(epilog="Examples: dockgen migrate; dockgen migrate --write; dockgen migrate --check --fail-on error; "
                    "dockgen migrate --format sarif > dockgen.sarif")
def migrate(
    path: PathArg = Path("."),
    file: Annotated[str, typer.Option("--file", "-f",
                                      help="The Dockerfile to audit, relative to PATH.")] = "Dockerfile",
    write_: Annotated[bool, typer.Option("--write", help="Replace it with the v2 (the old one is kept as "
                                                         "<name>.bak) and write a measured .dockerignore.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 5 when there are findings at or above --fail-on "
                                                        "(for CI); writes nothing.")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on",
                                         help="Threshold for --check: info, warning or error.")] = "warning",
    fmt: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    json_out: JsonOpt = False,
    template: TemplateOpt = None,
    language: LanguageOpt = None,
    engine: EngineOpt = None,
) -> None:
    """Audit an existing Dockerfile and move it to dockgen's v2, keeping what it meant.

    Prints the findings explained and a unified diff to the v2. What could not be carried over is listed.
    """
    from .. import api
    from ..migrate import SEVERITIES
    from ..migrate import migrate as run_migrate
    from ..model import WriteStatus

    if fmt not in ("text", "json", "sarif"):
        raise typer.BadParameter("--format is text, json or sarif")
    if fail_on not in SEVERITIES:
        raise typer.BadParameter("--fail-on is info, warning or error")
    fmt = "json" if json_out else fmt
    result = run_migrate(path, file, _options(template, None, None, None, language, engine=engine))
    written: list[Any] = []
    if write_ and not check:
        files = [f.replace(path=file) if f.path == "Dockerfile" else f for f in result.files]
        # with dockgen's record of what was kept, which the new stamp names (no .bak): all or none
        written = api.write_with_records(list(files), list(result.records), path)
    if fmt == "json":
        emit_json(_migration_json(result, written))
    elif fmt == "sarif":
        emit_json(_sarif(result))
    else:
        for f in result.findings:
            where = f"{file}:{f.line}" if f.line else "context"
            typer.echo(f"{where}: {f.severity}: [{f.category}] {f.rule}: {f.message}")
            typer.echo(f"    fix: {f.fix}")
        if not result.findings:
            typer.echo("no findings")
        if result.carried:
            typer.echo("\nkept in the v2:")
            typer.echo("".join(f"  {c}\n" for c in result.carried), nl=False)
        if result.not_carried:
            typer.echo("\nnot carried over:")
            typer.echo("".join(f"  {c}\n" for c in result.not_carried), nl=False)
        if written:
            for o in written:
                if o.status is not WriteStatus.IDENTICAL:
                    typer.echo(f"{o.status.value:<16}{o.path}" + (f"  (old file kept as {o.backup})" if o.backup
                                                                   else ""))
        elif not check:
            _echo_diff("\n" + (result.diff or "the v2 is identical\n"))
    if check:
        level = SEVERITIES.index(fail_on)
        worst = [f for f in result.findings if SEVERITIES.index(f.severity) >= level]
        if worst:
            raise DockgenError(f"{len(worst)} finding(s) at or above {fail_on} in {file}",
                               "`dockgen migrate --write` moves it to the v2", exit_code=ExitCode.FINDINGS)


def _migration_json(result: Any, written: list[Any]) -> dict[str, Any]:
    from ..model import to_jsonable

    return {
        "dockerfile": result.dockerfile,
        "findings": [to_jsonable(f) for f in result.findings],
        "carried": list(result.carried),
        "not_carried": list(result.not_carried),
        "template": result.plan.template,
        "diff": result.diff,
        "written": [{"path": o.path, "status": o.status.value, "backup": o.backup} for o in written],
    }


def _sarif(result: Any) -> dict[str, Any]:
    levels = {"info": "note", "warning": "warning", "error": "error"}
    rules = sorted({f.rule: f for f in result.findings}.values(), key=lambda f: f.rule)
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "dockgen", "version": __version__, "informationUri":
                                "https://github.com/dockgen/dockgen",
                                "rules": [{"id": f.rule, "shortDescription": {"text": f.rule.replace("-", " ")},
                                           "properties": {"category": f.category}} for f in rules]}},
            "results": [{
                "ruleId": f.rule, "level": levels[f.severity],
                "message": {"text": f"{f.message} Fix: {f.fix}"},
                "properties": {"category": f.category},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": result.dockerfile},
                                                    "region": {"startLine": max(f.line, 1)}}}],
            } for f in result.findings],
        }],
    }


@app.command(name="check", epilog="Example (CI): dockgen check || exit 1")
def check_cmd(
    path: PathArg = Path("."),
    app_: AppOpt = None,
    file: Annotated[str, typer.Option("--file", "-f", help="The Dockerfile, relative to PATH.")] = "Dockerfile",
    all_: Annotated[bool, typer.Option("--all", help="In a workspace root: check every member that has a "
                                                     "Dockerfile (what `dockgen init --all` wrote).")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail when only the stamp is out of date: an input "
                                                          "changed, or another dockgen wrote it, but the instructions "
                                                          "would not change; and on a version bump dockgen renders "
                                                          "the same way (by default: exit 0 with a note).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Fail (exit 4) when a dockgen-written Dockerfile is stale against the repository or was edited by hand.

    A lockfile change that leaves the instructions as they are, a newer dockgen that renders the same body,
    or an `ARG NODE_VERSION`/`PYTHON_VERSION` bump (Renovate, Dependabot) that dockgen renders exactly for
    that version pass with a note; --strict fails on them too.
    """
    from ..check import check as run_check

    if all_:
        _check_all(path, file, json_out, strict)
        return
    target = _app_path(path, app_)
    if not (target / file).exists() and app_ is None:
        from ..workspace import apps_first, members_of

        members = apps_first(path, members_of(path))
        if members:
            raise DockgenError(f"{path / file}: no such Dockerfile; {path} is a workspace root",
                               f"check one app with `dockgen check --app {members[0]}`, or every app with "
                               "`dockgen check --all`")
    result = run_check(target, file, strict=strict)
    if json_out:
        emit_json(_check_json(result))
    else:
        typer.echo(f"{file}: {result.status}")
        for r in result.reasons:
            typer.echo(f"  {r}")
        for n in result.notes:
            typer.echo(f"  note: {n}")
        if result.diff:
            _echo_diff(result.diff)
    if result.status != "current":
        raise DockgenError(f"{file} is {result.status}: " + "; ".join(result.reasons[:3]),
                           "`dockgen update --write` brings it up to date and keeps hand edits; `dockgen init "
                           "--force` replaces it", exit_code=ExitCode.DRIFT)


@app.command(epilog="Examples: dockgen templates; dockgen templates --template-dir house --json")
def templates(
    path: Annotated[Path, typer.Argument(help="The app's root: its recorded template-dir is listed too.",
                                         show_default=".")] = Path("."),
    template_dir: TemplateDirOpt = None,
    context: Annotated[bool, typer.Option("--context", help="Print the reference of the plan context templates "
                                                             "are rendered with (markdown; with --json: "
                                                             "{\"markdown\": ...}).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the templates dockgen can render: built-in ones, and yours (--template-dir, or the app's
    recorded template-dir), with where each comes from and its status; the partials they import; the
    files of your directory that are ignored. Exit 1 when one of yours has an error (after the list).

    Your templates are <name>.Dockerfile.j2 files rendered with the plan (`dockgen plan --json` shows
    one; docs/plan-context.md documents every field). A file named like a built-in overrides it; a new
    name starts with {# dockgen: base=<built-in> summary="..." #}: the built-in whose plan it renders.
    Your files are parsed (not rendered): a Jinja syntax error is shown with its file:line.
    """
    import os

    from ..answers import read_answers
    from ..errors import TemplateError
    from ..plan import contain_template_dir, resolve_template_dir
    from ..templates_registry import listing, scan

    if not path.is_dir():
        raise DockgenError(f"{path}: " + ("not a directory" if path.exists() else "no such directory"),
                           "pass the app's root directory (its recorded template-dir is listed), or omit it")
    if template_dir is not None:
        directory: Path | None = Path(os.path.abspath(template_dir))
    else:
        directory = resolve_template_dir(contain_template_dir(read_answers(path).options, path,
                                                              "the recorded template-dir"), path)
    if context:
        from ..plan_context import reference

        if directory is not None:
            scan(directory)  # a missing directory is an error here too
        if json_out:
            emit_json({"format": "markdown", "markdown": reference()})
        else:
            typer.echo(reference(), nl=False, file=product())
        return
    found = listing(directory)
    if json_out:
        none = {"language": None, "kind": None, "base": None}  # every entry has the same keys
        emit_json([{"name": t.name, "role": "template", "status": t.status, "error": t.error, "hint": t.hint,
                    "source": t.source, "path": t.path, "language": t.language or None, "kind": t.kind or None,
                    "base": t.base, "summary": t.summary} for t in found.templates]
                  + [{"name": p.name, "role": "partial", "status": p.status, "error": p.error, "hint": p.hint,
                      "source": p.source, "path": p.path, **none, "overrides": p.overrides,
                      "summary": f"replaces the built-in {p.name} for every template" if p.overrides
                      else "a partial templates can import"} for p in found.partials]
                  + [{"name": f.file, "role": "ignored", "status": "ignored", "error": None, "hint": None,
                      "source": "user", "path": f.path, **none, "summary": f.reason} for f in found.ignored])
    else:
        pad = f"{'':<31}"
        typer.echo("templates:")
        for t in found.templates:
            source = "built-in" if t.source == "built-in" else f"user: {t.path}"
            typer.echo(f"  {t.name:<20} {t.status:<8}{source}")
            typer.echo(f"{pad}{t.summary}")
            if t.error is not None:
                typer.echo(f"{pad}error: {t.error}")
                typer.echo(f"{pad}hint: {t.hint}")
        typer.echo("partials:")
        for p in found.partials:
            source = "built-in" if p.source == "built-in" else f"user: {p.path}"
            typer.echo(f"  {p.name:<20} {p.status:<8}{source}")
            if p.overrides:
                typer.echo(f"{pad}replaces the built-in {p.name} for every template (builtin/{p.name} is dockgen's)")
            if p.error is not None:
                typer.echo(f"{pad}error: {p.error}")
                typer.echo(f"{pad}hint: {p.hint}")
        if found.ignored:
            typer.echo("ignored:")
            for f in found.ignored:
                typer.echo(f"  {f.file:<20} {'ignored':<8}user: {f.path}")
                typer.echo(f"{pad}{f.reason}")
    if found.broken:
        n = len(found.broken)
        raise TemplateError(f"{n} of your template files {'has an error' if n == 1 else 'have errors'}: "
                            f"{', '.join(found.broken)}",
                            "fix the errors listed above; a template with an error fails only the commands that "
                            "use it")


def _image_name(name: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower().rsplit("/", 1)[-1]).strip("-._")
    return slug or "app"


def _app_path(path: Path, app: Path | None) -> Path:
    """PATH, or the workspace member --app names below it."""
    if app is None:
        return path
    import os

    target = app if app.is_absolute() else path / app
    if not target.is_dir():
        raise DockgenError(f"--app {app}: no such directory in {path}", "give the member's path relative to the "
                           "workspace root, e.g. --app apps/api")
    real, base = os.path.realpath(target), os.path.realpath(path)
    if os.path.commonpath([real, base]) != base or real == base:
        raise DockgenError(f"--app {app}: not a directory below {path}", "give the member's path relative to the "
                           "workspace root, e.g. --app apps/api")
    return path / os.path.relpath(real, base)


def _build_info(path: Path, built: Any) -> dict[str, str]:
    """How to build the image: the context (relative to the app's directory), the Dockerfile in it, the command
    (from the directory dockgen ran in)."""
    import os
    import shlex

    context = os.path.normpath(path / built.context)
    tag = _image_name(built.app_name)
    if built.context == ".":
        command = f"docker build -t {tag} {shlex.quote(str(path))}"
    else:
        dockerfile = shlex.quote(os.path.normpath(path / "Dockerfile"))
        command = f"docker build -t {tag} -f {dockerfile} {shlex.quote(context)}"
    return {"app_dir": str(path), "context": built.context, "dockerfile": built.dockerfile, "command": command}


def _init_all(root: Path, *, dry_run: bool, force: bool, check: bool, record: bool, json_out: bool,
              options: Any) -> None:
    """`init --all`: every app of the workspace at ``root``, then docker-bake.hcl."""
    from .. import api
    from ..model import WriteStatus

    done = api.generate_all(root, options, force=force, dry_run=dry_run or check, record=record)
    settled = (WriteStatus.IDENTICAL, WriteStatus.KEEP)
    if json_out:
        emit_json({"apps": [{"app": a.member, "template": a.generated.plan.template, "port": a.generated.plan.port,
                             "files": [{"path": f"{a.member}/{o.path}", "status": o.status.value,
                                        "written": o.written} for o in a.generated.outcomes],
                             "build": _build_info(root / a.member, a.generated.plan)} for a in done.apps],
                   "skipped": [{"app": m, "why": why} for m, why in done.skipped],
                   "bake": {"path": done.bake.path, "status": done.bake.status.value, "written": done.bake.written},
                   "dry_run": dry_run or check})
    else:
        def verb_of(o: Any) -> str:
            if o.status is WriteStatus.CONFLICT:
                return "differs" if check else "conflict"
            return o.status.value if o.written or o.status in settled else f"would {o.status.value}"

        for a in done.apps:
            for o in a.generated.outcomes:
                typer.echo(f"{verb_of(o):<16}{a.member}/{o.path}")
        for member, why in done.skipped:
            typer.echo(f"{'skipped':<16}{member}  ({why})")
        b = done.bake
        typer.echo(f"{verb_of(b):<16}{b.path}")
        if not dry_run and not check and b.written:
            where = "" if root == Path(".") else f"cd {root} && "
            typer.echo(f"next: {where}docker buildx bake  (one app: docker buildx bake "
                       f"{done.apps[0].target if done.apps else '<app>'})", err=True)
    outcomes = [o for a in done.apps for o in a.generated.outcomes] + [done.bake]
    if check and any(o.status not in settled for o in outcomes):
        raise DockgenError("the workspace's files differ from what dockgen would write",
                           "see them with `dockgen init --all --dry-run`", exit_code=ExitCode.DRIFT)
    if any(o.status is WriteStatus.CONFLICT for o in outcomes):
        raise DockgenError("files exist and differ from what dockgen generates; nothing was written",
                           "see the changes with `dockgen init --all --dry-run --diff`; `dockgen update --write` "
                           "in an app brings its files up to date and keeps your edits; --force overwrites (keeps "
                           ".bak copies)", exit_code=ExitCode.CONFLICT)


def _check_json(result: Any) -> dict[str, Any]:
    return {"dockerfile": result.dockerfile, "status": result.status, "reasons": list(result.reasons),
            "notes": list(result.notes), "bumps": [{"arg": a, "dockgen": old, "file": new}
                                                   for a, old, new in result.bumps], "diff": result.diff}


def _check_all(root: Path, file: str, json_out: bool, strict: bool = False) -> None:
    """`check --all`: every member of the workspace at ``root`` that has a Dockerfile."""
    from ..check import check as run_check
    from ..workspace import members_of

    members = [m for m in members_of(root) if (root / m / file).is_file()]
    if not members:
        raise DockgenError(f"no member of {root} has a {file}", "write them with `dockgen init --all`")
    results = [(m, run_check(root / m, file, strict=strict)) for m in members]
    if json_out:
        emit_json({"apps": [{"app": m, **_check_json(r), "dockerfile": f"{m}/{file}"} for m, r in results]})
    else:
        for m, r in results:
            typer.echo(f"{m}/{file}: {r.status}")
            for reason in r.reasons:
                typer.echo(f"  {reason}")
            for n in r.notes:
                typer.echo(f"  note: {n}")
    bad = [f"{m}/{file} is {r.status}" for m, r in results if r.status != "current"]
    if bad:
        raise DockgenError("; ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else ""),
                           "`dockgen update --write` in each app brings it up to date and keeps hand edits",
                           exit_code=ExitCode.DRIFT)


def _member_context(path: Path, app: Path | None, file: Path | None) -> tuple[Path, Path | None]:
    """The context and Dockerfile `dockgen context` measures: with --app, the member's Dockerfile in the
    workspace root's context; in a member whose Dockerfile dockgen wrote for its workspace, the same."""
    import os

    if app is not None:
        member = _app_path(path, app)
        return path, file or member / "Dockerfile"
    if file is not None or not (path / "Dockerfile").is_file():
        return path, file
    from ..stamp import split
    from ..workspace import find_root

    found = find_root(path)
    if found is None:
        return path, file
    try:
        stamp = split(reading.read_text(path / "Dockerfile", errors="surrogateescape"))[0]
    except DockgenError:
        return path, file  # an unreadable Dockerfile: `context` says so
    if stamp is None:
        return path, file
    root = Path(os.path.relpath(found[0], Path.cwd())) if not path.is_absolute() else found[0]
    return root, path / "Dockerfile"


@app.command(epilog="Example: dockgen completion bash > ~/.local/share/bash-completion/completions/dockgen")
def completion(
    shell: Annotated[str | None, typer.Argument(help="bash, zsh, fish or powershell (default: the one $SHELL "
                                                     "names).", show_default=False)] = None,
) -> None:
    """Print the shell completion script: TAB then completes commands, options and their values.

    bash: dockgen completion bash > ~/.local/share/bash-completion/completions/dockgen
    zsh: dockgen completion zsh > "${fpath[1]}/_dockgen"; fish: dockgen completion fish >
    ~/.config/fish/completions/dockgen.fish. Same as `dockgen --show-completion SHELL`.
    """
    from .completion import script

    product().write(script(shell))
