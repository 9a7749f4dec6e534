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
  dockgen init --template node-slim --node-version 22 --port 8080

\b
Exit codes: 0 ok, 1 bad input, 2 bad usage, 3 conflict (nothing written),
4 drift (init --check: the files on disk differ from what dockgen would write).
"""

app = typer.Typer(
    name="dockgen",
    help="Turn a Node app repository into a pinned, multi-stage, non-root production Docker build.",
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
PortOpt = Annotated[int | None, typer.Option("--port", help="Port the app listens on: EXPOSE and ENV PORT.")]


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


def _options(template: str | None, node_version: str | None, port: int | None) -> Any:
    from ..plan import Options

    return Options(template=template, node_version=node_version, port=port)


def _notices(notices: Any) -> None:
    for n in notices:
        typer.echo(f"{n.severity}: {n.message}", err=True)


@app.command(epilog="Example: dockgen detect --json | jq .start_command")
def detect(path: PathArg = Path("."), json_out: JsonOpt = False) -> None:
    """Show what dockgen sees in the app: package manager, Node version, framework, start command, port."""
    print_detect(str(path), json_out)


@app.command(epilog="Example: dockgen plan --json > plan.json")
def plan(path: PathArg = Path("."), template: TemplateOpt = None, node_version: NodeVersionOpt = None,
         port: PortOpt = None, json_out: JsonOpt = False) -> None:
    """Show every decision dockgen would make for the app, and why."""
    from .. import api
    from ..model import to_jsonable

    built = api.plan(api.detect(path), options=_options(template, node_version, port))
    if json_out:
        emit_json(to_jsonable(built))
        return
    typer.echo(f"template {built.template}  (node {built.runtime.resolved}, {built.install.manager}, "
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
    port: PortOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of every change.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite differing files (the old one is kept as "
                                                        "<name>.bak).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 4 when the files on disk differ "
                                                        "from what dockgen would write (for CI).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a Dockerfile and .dockerignore for the app (never overwrites a differing file without --force)."""
    from .. import api
    from ..model import WriteStatus, to_jsonable

    built = api.plan(api.detect(path), options=_options(template, node_version, port))
    files = api.render(built)
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
