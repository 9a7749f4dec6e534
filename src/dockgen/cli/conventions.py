"""What every dockgen command does the same way: ``-q/--quiet``, ``-v/--verbose``, ``--color``, errors as
JSON under ``--json``, and the exit codes of command-line errors.

* ``-q/--quiet`` and ``-v/--verbose`` (and ``--color WHEN``) are accepted by the root (``dockgen -q init``)
  and by every command (``dockgen init -q``): they are added to each click command here, so a command's
  signature does not repeat them. The two levels are exclusive (exit 2).
* quiet: stdout and stderr are muted while the command runs, except for what it was asked to print as its
  product (``product()``: --json, SARIF, --list, --suggest, --context, a completion script) and the errors
  (``error:``/``hint:`` and usage errors); exit codes are unchanged.
* verbose: ``detail()`` lines on stderr (the plan's decisions and why), and the time the run took.
* colour: ``paint_diff`` colours a unified diff's lines when ``colour_on()``: ``--color always|never``
  wins, then ``NO_COLOR`` (any non-empty value: no colour, https://no-color.org), then ``FORCE_COLOR``
  (non-empty: colour), then ``TERM=dumb`` (none), else only when stdout is a terminal.
* JSON errors: under ``--json`` (or ``--format json``), stdout holds exactly one JSON document: the
  command's result, or, when the command fails before printing one, ``{"error", "hint", "exit"}``.
  The ``error:``/``hint:`` lines still go to stderr.

This module imports neither typer nor click at import time (``emit_json`` uses it on the fast path).
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable


class Run:
    """The state of one run of the command (``main`` starts a new one)."""

    def __init__(self, args: list[str] | None = None) -> None:
        head = list(args or [])
        if "--" in head:
            head = head[:head.index("--")]
        self.json = "--json" in head or "--format=json" in head or any(
            a == "--format" and b == "json" for a, b in itertools.pairwise(head))
        self.level = "normal"  # quiet | normal | verbose
        self.color = "auto"  # auto | always | never
        self.emitted = False  # a JSON result was printed on stdout
        self.stdout: TextIO = sys.stdout  # the real streams, while quiet mutes sys.stdout and sys.stderr
        self.stderr: TextIO = sys.stderr
        self.muted: TextIO | None = None
        self.started = time.perf_counter()

    def mute(self) -> None:
        if self.muted is None:
            self.stdout, self.stderr = sys.stdout, sys.stderr
            self.muted = open(os.devnull, "w", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
            sys.stdout = sys.stderr = self.muted

    def restore(self) -> None:
        if self.muted is not None:
            sys.stdout, sys.stderr = self.stdout, self.stderr
            self.muted.close()
            self.muted = None


RUN = Run()


def start(args: list[str]) -> Run:
    global RUN
    RUN = Run(args)
    return RUN


def product() -> TextIO:
    """Where a command prints what it was asked for (JSON, a listing, a script): stdout, even under --quiet."""
    return RUN.stdout if RUN.muted is not None else sys.stdout


def errors() -> TextIO:
    """Where errors go: stderr, even under --quiet."""
    return RUN.stderr if RUN.muted is not None else sys.stderr


def verbose() -> bool:
    return RUN.level == "verbose"


def detail(line: str) -> None:
    """A line for --verbose only (stderr)."""
    if RUN.level == "verbose":
        sys.stderr.write(line + "\n")


def colour_on(stream: TextIO | None = None) -> bool:
    if RUN.color != "auto":
        return RUN.color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    target = stream if stream is not None else sys.stdout
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False


_RESET = "\033[0m"
_STYLES = (("+++", "\033[1m"), ("---", "\033[1m"), ("@@", "\033[36m"), ("+", "\033[32m"), ("-", "\033[31m"))


def paint_diff(text: str) -> str:
    """A unified diff as printed: its +, - and @@ lines coloured when ``colour_on()``, else as it is."""
    if not text or not colour_on():
        return text
    out = []
    for line in text.split("\n"):  # newlines only: a form feed or U+2028 inside a line does not start one
        style = next((s for prefix, s in _STYLES if line.startswith(prefix)), None)
        out.append(f"{style}{line}{_RESET}" if style else line)
    return "\n".join(out)


def json_error(message: str, hint: str | None, code: int) -> None:
    """Under --json, the error as the one JSON object on stdout (unless a result was printed already)."""
    if RUN.json and not RUN.emitted:
        import json

        product().write(json.dumps({"error": message, "hint": hint, "exit": code}, ensure_ascii=False) + "\n")
        RUN.emitted = True


def finish(code: int) -> None:
    RUN.restore()
    if RUN.level == "verbose":
        sys.stderr.write(f"dockgen: exit {code} after {(time.perf_counter() - RUN.started) * 1000:.0f} ms\n")


# --- the click side: only imported once typer is -------------------------------------------------------------

def _click() -> Any:
    try:
        from typer import _click as click  # typer >= 0.28 vendors click
    except ImportError:  # pragma: no cover - older typer uses click itself
        import click  # type: ignore[no-redef]
    return click


def _set_level(level: str) -> Callable[[Any, Any, bool], None]:
    def callback(ctx: Any, param: Any, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        if RUN.level not in ("normal", level):
            raise _click().exceptions.UsageError("--quiet and --verbose are exclusive", ctx=ctx)
        RUN.level = level

    return callback


COLOR_WHEN = ("auto", "always", "never")


def _set_color(ctx: Any, param: Any, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    if value not in COLOR_WHEN:
        import typer

        raise typer.BadParameter(f"{value!r}: --color is auto, always or never", ctx=ctx, param=param)
    RUN.color = value


def _show_completion(ctx: Any, param: Any, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from .completion import script

    product().write(script(value))
    ctx.exit(0)


def conventions(command: Any, *, root: bool = False) -> None:
    """Add -q/--quiet, -v/--verbose and --color to a click command (the root also gets --show-completion)."""
    from typer.core import TyperOption as option

    command.params.extend([
        option(param_decls=["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_level("quiet"),
               help="Print nothing but errors and what was asked for (--json, --list...); exit codes unchanged."),
        option(param_decls=["-v", "--verbose"], is_flag=True, expose_value=False, callback=_set_level("verbose"),
               help="Print more: the reasons for each decision, and the time taken (on stderr)."),
        option(param_decls=["--color"], default=None, metavar="WHEN",
               expose_value=False, callback=_set_color, help="Colour diffs: auto (on a terminal, unless NO_COLOR "
               "is set), always or never.", show_default=False),
    ])
    if not root and command.callback is not None:
        original = command.callback

        def invoke(*args: Any, **kwargs: Any) -> Any:
            if RUN.level == "quiet":  # muted once the command line is parsed: --help and usage errors still show
                RUN.mute()
            return original(*args, **kwargs)

        command.callback = functools.update_wrapper(invoke, original)
    if root:
        command.params.append(option(param_decls=["--show-completion"], metavar="SHELL", default=None,
                                     expose_value=False, callback=_show_completion, is_eager=True,
                                     help="Print the completion script for bash, zsh, fish or powershell "
                                          "(same as `dockgen completion SHELL`)."))


def build() -> Any:
    """The click command of the typer app, with the conventions added to the root and every command."""
    import typer.main

    from .commands import app

    group = typer.main.get_command(app)
    conventions(group, root=True)
    for command in getattr(group, "commands", {}).values():
        conventions(command)
    return group


def run_app(args: list[str]) -> int:
    """Run the typer app; return the exit code. A DockgenError propagates (``main`` prints it)."""
    import typer

    click = _click()
    if os.environ.get("_DOCKGEN_COMPLETE"):
        from typer._completion_classes import completion_init

        completion_init()  # typer's completion classes answer the TAB (the scripts are typer's)
    command = build()
    try:
        rv = command.main(args=args, prog_name="dockgen", standalone_mode=False)
    except click.exceptions.ClickException as exc:
        hint = None
        ctx = getattr(exc, "ctx", None)
        if isinstance(exc, click.exceptions.UsageError):
            hint = f"see `{ctx.command_path if ctx is not None else 'dockgen'} --help`"
        RUN.restore()
        exc.show(file=sys.stderr)
        json_error(exc.format_message(), hint, exc.exit_code)
        return int(exc.exit_code)
    except typer.Abort:
        errors().write("Aborted!\n")
        return 1
    return rv if isinstance(rv, int) else 0
