"""The typer app: thin commands that parse, call one core function and present the result.
Errors propagate to ``dockgen.cli.main``, which prints them; anything else is a bug and keeps its
traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import DockgenError, ExitCode
from . import emit_json, print_detect

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
  dockgen init --template node-slim --node-version 22 --port 8080

\b
Exit codes: 0 ok, 1 bad input, 2 bad usage, 3 conflict (nothing written),
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
)

PathArg = Annotated[Path, typer.Argument(help="The app's root directory (holds package.json).", show_default=".")]
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
AllowListOpt = Annotated[bool, typer.Option("--allow-list", help="Write the .dockerignore as an allow-list: `*`, "
                                                                 "then `!` for exactly what the Dockerfile copies.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dockgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """dockgen: Dockerfiles that are small, pinned, non-root, with tini as PID 1."""


def _options(template: str | None, node_version: str | None, port: int | None, python_version: str | None = None,
             language: str | None = None) -> Any:
    from ..plan import Options

    return Options(template=template, node_version=node_version, python_version=python_version, port=port,
                   language=language)


def _notices(notices: Any) -> None:
    for n in notices:
        typer.echo(f"{n.severity}: {n.message}", err=True)


@app.command(epilog="Example: dockgen detect --json | jq .start_command")
def detect(path: PathArg = Path("."), language: LanguageOpt = None, json_out: JsonOpt = False) -> None:
    """Show what dockgen sees in the app: package manager, runtime version, framework, start command, port."""
    print_detect(str(path), json_out, language)


@app.command(epilog="Example: dockgen plan --json > plan.json")
def plan(path: PathArg = Path("."), template: TemplateOpt = None, node_version: NodeVersionOpt = None,
         python_version: PythonVersionOpt = None, port: PortOpt = None, language: LanguageOpt = None,
         json_out: JsonOpt = False) -> None:
    """Show every decision dockgen would make for the app, and why."""
    from .. import api
    from ..model import to_jsonable

    opts = _options(template, node_version, port, python_version, language)
    built = api.plan(api.detect(path, opts.language), options=opts)
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
    template: TemplateOpt = None,
    node_version: NodeVersionOpt = None,
    python_version: PythonVersionOpt = None,
    port: PortOpt = None,
    language: LanguageOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of every change.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite differing files (the old one is kept as "
                                                        "<name>.bak).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 4 when the files on disk differ "
                                                        "from what dockgen would write (for CI).")] = False,
    allow_list: AllowListOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a Dockerfile and a measured .dockerignore for the app.

    The .dockerignore is measured: each rule says what it keeps out of the build context. An existing
    .dockerignore is merged (its lines kept, first). A differing file is never overwritten without
    --force, and then the old one is kept as <name>.bak.
    """
    from .. import api
    from ..model import RenderedFile, WriteStatus, to_jsonable
    from ..suggest import for_plan, human

    opts = _options(template, node_version, port, python_version, language)
    built = api.plan(api.detect(path, opts.language), options=opts)
    measured = for_plan(path, built, allowlist=allow_list)
    files = [f if f.path != ".dockerignore" else RenderedFile(path=f.path, content=measured.text)
             for f in api.render(built)]
    outcomes = api.write(files, path, force=force, dry_run=dry_run or check)
    conflict = any(o.status is WriteStatus.CONFLICT for o in outcomes)
    drift = check and any(o.status is not WriteStatus.IDENTICAL for o in outcomes)
    if json_out:
        emit_json({
            "files": [{"path": o.path, "status": o.status.value, "written": o.written, "backup": o.backup}
                      | ({"diff": o.diff} if diff and o.diff else {}) for o in outcomes],
            "dry_run": dry_run or check,
            "template": built.template,
            "runtime": to_jsonable(built.runtime),
            "port": built.port,
            "context": {"sent_files": measured.after_files, "sent_bytes": measured.after_bytes,
                        "before_files": measured.before_files, "before_bytes": measured.before_bytes,
                        "flagged_lines": measured.flagged},
            "notices": to_jsonable(built.notices),
        })
    else:
        for o in outcomes:
            verb = o.status.value if o.written or o.status is WriteStatus.IDENTICAL else f"would {o.status.value}"
            if o.status is WriteStatus.CONFLICT:
                verb = "conflict"
            typer.echo(f"{verb:<16}{o.path}" + (f"  (old file kept as {o.backup})" if o.backup else ""))
            if diff and o.diff and o.status is not WriteStatus.IDENTICAL:
                typer.echo(o.diff, nl=False)
        _notices(built.notices)
        typer.echo(f"context: {human(measured.after_bytes)} in {measured.after_files:,} files sent "
                   f"(without this .dockerignore: {human(measured.before_bytes)} in {measured.before_files:,})",
                   err=True)
        for line in measured.flagged:
            typer.echo(f"warning: your .dockerignore line {line!r} excludes a file the Dockerfile copies", err=True)
        if not conflict and not dry_run and not check and any(o.written for o in outcomes):
            publish = f" -p {built.port}:{built.port}" if built.port else ""
            typer.echo(f"next: docker build -t {_image_name(built.app_name)} {path} && "
                       f"docker run --rm{publish} {_image_name(built.app_name)}", err=True)
    if conflict:
        names = ", ".join(o.path for o in outcomes if o.status is WriteStatus.CONFLICT)
        raise DockgenError(f"{names} exists and differs from the generated file; nothing was written",
                           "see the changes with --diff, then overwrite with --force (keeps a .bak copy)",
                           exit_code=ExitCode.CONFLICT)
    if drift:
        raise DockgenError("files differ from what dockgen would write", "run `dockgen init --force`",
                           exit_code=ExitCode.DRIFT)


@app.command(epilog="Examples: dockgen context --list | head; dockgen context --json --top 5; "
                    "dockgen context --suggest > .dockerignore.new")
def context(
    path: Annotated[Path, typer.Argument(help="The build context directory.", show_default=".")] = Path("."),
    file: Annotated[Path | None, typer.Option("--file", "-f", help="The Dockerfile (default: PATH/Dockerfile); "
                                                                   "its <name>.dockerignore wins, as in BuildKit.")]
    = None,
    ignore_file: Annotated[Path | None, typer.Option("--ignore-file", help="Use this ignore file instead.")] = None,
    list_files: Annotated[bool, typer.Option("--list", help="Print every file the build sees (what `COPY . /x` "
                                                           "copies), one relative path per line, sorted.")] = False,
    dirs: Annotated[bool, typer.Option("--dirs", help="With --list: directories too (with a trailing /).")] = False,
    null: Annotated[bool, typer.Option("--null", "-0", help="With --list: end paths with NUL, not newline.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Also measure inside ignored directories (slower).")] = False,
    top: Annotated[int, typer.Option("--top", help="How many of the largest directories and files.")] = 10,
    suggest_: Annotated[bool, typer.Option("--suggest", help="Print a measured .dockerignore for this context "
                                                             "(merged with the existing one).")] = False,
    allow_list: AllowListOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Measure the build context exactly as `docker build` sends it: sizes, secrets, excluded COPY sources.

    Exit code 1 when the build would fail: a COPY/ADD source excluded by the rules or missing, or a
    directory the engine cannot read.
    """
    import sys

    from ..context import analyze
    from ..suggest import human, suggest

    progress = _progress() if sys.stderr.isatty() and not json_out else None
    report = analyze(path, dockerfile=file, ignore_file=ignore_file, measure_ignored=full or suggest_,
                     listing=list_files, top=top, progress=progress)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    if list_files:
        end = b"\0" if null else b"\n"
        out = sys.stdout.buffer
        for p in report.walk.listing or []:
            if p.endswith("/") and not dirs:
                continue
            out.write(p.encode("utf-8", "surrogateescape") + end)
        out.flush()
        _fail_on_errors(report.errors)
        return
    suggestion = None
    if suggest_:
        needed = [s.source for s in report.sources if s.status in ("sent", "partly-excluded")] or ["."]
        existing_path = Path(ignore_file) if ignore_file else (path / report.ignore_file if report.ignore_file
                                                               else None)
        existing = existing_path.read_text(encoding="utf-8", errors="surrogateescape") if existing_path else None
        suggestion = suggest(path, needed=needed, existing=existing, allowlist=allow_list, top=top,
                             version=__version__)
    data = _context_json(report, top)
    if suggestion is not None:
        data["suggestion"] = {"text": suggestion.text, "sent_files": suggestion.after_files,
                              "sent_bytes": suggestion.after_bytes, "flagged_lines": suggestion.flagged}
    if json_out:
        emit_json(data)
    elif suggestion is not None:
        typer.echo(suggestion.text, nl=False)
        typer.echo(f"context: {human(suggestion.before_bytes)} in {suggestion.before_files:,} files now, "
                   f"{human(suggestion.after_bytes)} in {suggestion.after_files:,} with this .dockerignore",
                   err=True)
    else:
        _print_context(data, human)
    _fail_on_errors(report.errors)


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
            typer.echo(f"  {d['path'][:40]:<40}{human(d['sent_bytes']):>10} {human(d['ignored_bytes']):>10}"
                       f" {d['files']:>8,}")
    if data["largest_files"]:
        typer.echo("\nlargest files")
        for f in data["largest_files"]:
            typer.echo(f"  {f['path'][:40]:<40}{human(f['bytes']):>10}  {'sent' if f['sent'] else 'ignored'}")
    for s in data["secrets"]:
        if s["sent"]:
            typer.echo(f"warning: secret {s['path']} ({s['kind']}) is sent to the builder: add it to the "
                       ".dockerignore (dockgen context --suggest)", err=True)
        else:
            typer.echo(f"secret       {s['path']} ({s['kind']}): ignored, good")
    for c in data["copy_sources"]:
        if c["status"] != "sent":
            typer.echo(f"{c['instruction']} {c['source']} (line {c['line']}): {c['status']}"
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
    result = run_migrate(path, file, _options(template, None, None, None, language))
    written: list[Any] = []
    if write_ and not check:
        files = [f.replace(path=file) if f.path == "Dockerfile" else f for f in result.files]
        written = api.write(list(files), path, force=True)
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
            typer.echo("\n" + (result.diff or "the v2 is identical\n"), nl=False)
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
    file: Annotated[str, typer.Option("--file", "-f", help="The Dockerfile, relative to PATH.")] = "Dockerfile",
    json_out: JsonOpt = False,
) -> None:
    """Fail (exit 4) when a dockgen-written Dockerfile is stale against the repository or was edited by hand."""
    from ..check import check as run_check

    result = run_check(path, file)
    if json_out:
        emit_json({"dockerfile": result.dockerfile, "status": result.status, "reasons": list(result.reasons),
                   "diff": result.diff})
    else:
        typer.echo(f"{file}: {result.status}")
        for r in result.reasons:
            typer.echo(f"  {r}")
        if result.diff:
            typer.echo(result.diff, nl=False)
    if result.status != "current":
        raise DockgenError(f"{file} is {result.status}: " + "; ".join(result.reasons[:3]),
                           "regenerate it with `dockgen init --force` (hand edits: keep them in the repo's "
                           "inputs, or drop the stamp)", exit_code=ExitCode.DRIFT)


@app.command()
def templates(json_out: JsonOpt = False) -> None:
    """List the templates dockgen can render."""
    from ..templates_registry import BUILTIN

    if json_out:
        emit_json([{"name": t.name, "language": t.language, "kind": t.kind, "source": "built-in",
                     "summary": t.summary} for t in BUILTIN])
        return
    for t in BUILTIN:
        typer.echo(f"{t.name:<22}{t.summary}")


def _image_name(name: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower().rsplit("/", 1)[-1]).strip("-._")
    return slug or "app"
