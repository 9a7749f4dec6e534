"""Rendering: plan in, text out. Templates lay text out; every value comes from the plan."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .ignore import render_unmeasured
from .model import BuildPlan, RenderedFile
from .templates_registry import get_template

if TYPE_CHECKING:
    import jinja2

SAFE_WORD = re.compile(r"[A-Za-z0-9._@+/=:,-]+")


def comment(value: object) -> str:
    """Text safe inside a ``#`` comment: one line, no control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())


def oneline(value: object) -> str:
    """A line kept verbatim, except that no control character can start a new instruction."""
    return "".join(c if c.isprintable() or c == "\t" else " " for c in str(value))


def dq(value: object) -> str:
    """A double-quoted Dockerfile word (LABEL/ENV value): \\, " and $ escaped, one line."""
    text = comment(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def envpairs(env: Mapping[str, str]) -> str:
    """ENV pairs; values are quoted with $ escaped, except the plan's own ``${PATH}`` (PATH="/opt/venv/bin:${PATH}")."""
    parts = []
    for key, value in env.items():
        text = str(value)
        if SAFE_WORD.fullmatch(text):
            parts.append(f"{key}={text}")
        else:
            parts.append(f"{key}={dq(text).replace(chr(92) + '${PATH}', '${PATH}')}")
    return " \\\n    ".join(parts)


def labelpairs(labels: Mapping[str, str]) -> str:
    return " \\\n      ".join(f"{key}={dq(value)}" for key, value in labels.items())


def execform(argv: Iterable[str]) -> str:
    """Exec form: a JSON array. ensure_ascii keeps it on one line whatever the text holds."""
    return json.dumps(list(argv), ensure_ascii=True)


def chain(command: str) -> str:
    """A shell ``a && b && c`` laid out one command per line."""
    return " \\\n && ".join(part.strip() for part in command.split(" && "))


def copygroups(paths: Iterable[str]) -> list[tuple[str, str]]:
    """COPY lines that keep each path where it is: root files together into ./, a file in a directory
    into that directory, a directory (written with a trailing /) onto itself. ``COPY a/b.txt ./``
    would flatten it, and ``COPY dir ./`` would spill its contents into the working directory."""
    root = [p for p in paths if "/" not in p]
    lines = [(copysrc(root), "./")] if root else []
    for p in paths:
        if p.endswith("/"):
            lines.append((copysrc([p.rstrip("/")]), p))
        elif "/" in p:
            lines.append((copysrc([p]), p.rsplit("/", 1)[0] + "/"))
    return lines


def copysrc(paths: Iterable[str]) -> str:
    items = list(paths)
    for p in items:
        if not SAFE_WORD.fullmatch(p) or "$" in p:
            raise ValueError(f"unsafe path in a COPY: {p!r}")  # the plan only passes checked paths
    return " ".join(items)


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dockgen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(oneline=oneline, comment=comment, dq=dq, envpairs=envpairs, labelpairs=labelpairs,
                       execform=execform,
                       copysrc=copysrc, chain=chain, copygroups=copygroups)
    return env


def render_dockerfile(plan: BuildPlan) -> str:
    from .stamp import stamped

    info = get_template(plan.template)
    text = _environment().get_template(info.file).render(plan=plan)
    text = re.sub(r"\n{3,}", "\n\n", text)  # layout only: at most one blank line between blocks
    text = text.rstrip("\n") + "\n"
    from .model import to_jsonable

    return stamped(text, version=plan.dockgen_version, template=plan.template, options=plan.options,
                   inputs=plan.inputs, carry=to_jsonable(plan.carry) if plan.carry else None)


def render(plan: BuildPlan) -> list[RenderedFile]:
    """The Dockerfile and an unmeasured default .dockerignore (``measure`` writes the measured one)."""
    header = (f".dockerignore by dockgen {plan.dockgen_version} for the {plan.template} Dockerfile (not measured:\n"
              "`dockgen init` measures the context and says what each rule keeps out).\n"
              "Nothing the Dockerfile copies is excluded.")
    return [
        RenderedFile(path="Dockerfile", content=render_dockerfile(plan)),
        RenderedFile(path=".dockerignore", content=render_unmeasured(plan.ignore, header)),
    ]
