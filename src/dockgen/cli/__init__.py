"""The ``dockgen`` command: the only package that prints or exits.

``main`` translates ``DockgenError`` into ``error:``/``hint:`` lines and the documented exit code.
Exit codes: 0 ok, 1 bad input, 2 bad command line, 3 conflict (init found a differing file and
--force was not given; nothing was written), 4 drift (init --check: files would change).

Start-up: ``dockgen detect [PATH] [--json]`` (what scripts call most) is served before typer is
imported (typer alone costs ~70 ms here); any other command, option or unusual argument goes through
the typer app in ``commands.py``, which prints the same thing (tests/test_cli.py checks both paths).
So are ``dockgen --version``/``-V`` and ``dockgen completion SHELL``/``--show-completion SHELL``
(bench/bench_startup.py). The conventions every command shares (--quiet, --verbose, --color, errors as
JSON) are in ``conventions.py``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import DockgenError

if TYPE_CHECKING:
    from typing import Any


def emit_json(data: object) -> None:
    """The command's result as JSON on stdout (also under --quiet): the one document stdout holds."""
    import json

    from . import conventions

    conventions.product().write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    conventions.RUN.emitted = True


def print_detect(path: str, json_out: bool, language: str | None = None) -> None:
    from ..plan import Options
    from ..summary import summarize

    report = summarize(path, Options(language=language))
    if json_out:
        emit_json(report)
        return
    rt = report["runtime"]
    pm = report["package_manager"] + (f" {report['package_manager_version']}" if report["package_manager_version"]
                                      else "")
    rows = [
        ("language", report["language"]),
        ("package manager", pm),
        ("lockfile", report["lockfile"] or "none"),
        (rt["name"], f"{rt['resolved'] or '?'}" + (f" (from {rt['source']}: {rt['requested']})" if rt["source"]
                                                    else " (nothing requested)")),
        ("framework", report["framework"] or "none"),
        ("build", report["build_command"] or "none"),
        ("start", " ".join(report["start_command"]) if report["start_command"] else "?"),
        ("port", str(report["port"]) if report["port"] else "none"),
        ("native addons" if report["language"] == "node" else "system libs",
         ", ".join(report.get("native_addons") or report.get("system_deps") or []) or "none"),
        ("template", report["template"] or "?"),
    ]
    sys.stdout.write("".join(f"{key:<16}{value}\n" for key, value in rows))
    print_notices(report["notices"])


def shown(path: str, *, raw_bytes: bool = False) -> str:
    """A path as a terminal can show it: as it is when it is plain printable text, else quoted the way
    bash and GNU ls do (``$'a\\nb'``): a newline, an escape sequence or an undecodable byte in a file name
    cannot break a line or drive the terminal. ``raw_bytes``: such a byte alone is no reason to quote."""
    undecodable = any("\udc80" <= c <= "\udcff" for c in path)
    plain = all(c.isprintable() or "\udc80" <= c <= "\udcff" for c in path)
    if plain and (raw_bytes or (not undecodable and "\\" not in path)):
        return path  # raw_bytes (--list): a byte that is not UTF-8 is written as it is, as ls -N does
    out = []
    for c in path:
        if "\udc80" <= c <= "\udcff":  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c in "\\'":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c.isprintable():
            out.append(c)
        else:
            code = ord(c)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "$'" + "".join(out) + "'"


def print_notices(notices: list[dict[str, Any]]) -> None:
    for n in notices:
        sys.stderr.write(f"{n['severity']}: {n['message']}\n")


def _fast_detect(argv: list[str]) -> bool:
    """Serve `detect [PATH] [--json]` without typer; False when argv is anything else."""
    if not argv or argv[0] != "detect" or len(argv) > 3:
        return False
    rest = argv[1:]
    json_out = "--json" in rest
    paths = [a for a in rest if a != "--json"]
    if len(paths) > 1 or rest.count("--json") > 1 or any(p.startswith("-") for p in paths):
        return False
    print_detect(paths[0] if paths else ".", json_out)
    return True


def _fast(args: list[str]) -> bool:
    """Serve, without typer, what must be instant: --version, a completion script, `detect`."""
    if args in (["--version"], ["-V"]):
        sys.stdout.write(f"dockgen {__version__}\n")
        return True
    if len(args) == 2 and args[0] in ("completion", "--show-completion") and not args[1].startswith("-"):
        from .completion import script

        sys.stdout.write(script(args[1]))
        return True
    return _fast_detect(args)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    import os

    from . import conventions

    run = conventions.start(args)
    code = 0
    try:
        if "_DOCKGEN_COMPLETE" in os.environ or not _fast(args):
            code = conventions.run_app(args)
    except DockgenError as exc:
        run.restore()
        sys.stderr.write(f"error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        conventions.json_error(exc.message, exc.hint, exc.exit_code)
        code = exc.exit_code
    finally:
        conventions.finish(code)
    sys.exit(code)
