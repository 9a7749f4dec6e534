"""Rendering: plan in, text out. Templates lay text out; every value comes from the plan."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .errors import TemplateError
from .ignore import check_needs_sent, render_unmeasured
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
    """LABEL pairs, one per line, values double-quoted (``dq``)."""
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
    """COPY sources joined by spaces; a path that would need quoting is refused (ValueError)."""
    items = list(paths)
    for p in items:
        if not SAFE_WORD.fullmatch(p) or "$" in p:
            raise ValueError(f"unsafe path in a COPY: {p!r}")  # the plan only passes checked paths
    return " ".join(items)


CONTEXT_HINT = "`dockgen templates --context` lists the plan fields a template can use (docs/plan-context.md)"
FILTERS = {"oneline": oneline, "comment": comment, "dq": dq, "envpairs": envpairs, "labelpairs": labelpairs,
           "execform": execform, "copysrc": copysrc, "chain": chain, "copygroups": copygroups}


@functools.cache
def _environment(template_dir: str | None = None) -> jinja2.Environment:
    """Built-in templates, or a user's directory first (shadowing files of the same name) with the
    built-ins behind it; ``builtin/<file>`` always reaches dockgen's own."""
    import jinja2

    package = jinja2.PackageLoader("dockgen", "templates")
    loaders: list[jinja2.BaseLoader] = [package, jinja2.PrefixLoader({"builtin": package})]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(template_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost template frame of a rendering error ("" when none is known)."""
    import traceback

    lineno = getattr(exc, "lineno", None)
    filename = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if lineno and filename:
        return f"{filename}:{lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _explain(message: str) -> str:
    """Jinja's "'dockgen.model.BuildPlan object' has no attribute 'x'" as "BuildPlan has no field 'x'",
    with the closest field names."""
    import difflib

    from . import model

    match = re.fullmatch(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']*)'", message)
    if not match:
        return message
    cls_name, attr = match.groups()
    cls = getattr(model, cls_name, None)
    fields = list(getattr(cls, "__fields__", ()))
    close = difflib.get_close_matches(attr, fields, n=3)
    return f"{cls_name} has no field {attr!r}" + (f" (did you mean {', '.join(close)}?)" if close else "")


def render_dockerfile(plan: BuildPlan) -> str:
    import jinja2

    from .model import to_jsonable
    from .stamp import stamped

    info = get_template(plan.template, plan.template_dir)
    try:
        text = _environment(plan.template_dir).get_template(info.file).render(plan=plan)
    except jinja2.TemplateError as exc:
        where = _where(exc)
        raise TemplateError(f"template {info.name}" + (f" ({where})" if where else "") + f": "
                            f"{_explain(exc.message or str(exc))}",
                            CONTEXT_HINT) from exc
    except Exception as exc:
        if info.source != "user":
            raise  # a built-in template failing is dockgen's bug: keep the traceback
        where = _where(exc)
        raise TemplateError(f"template {info.name}" + (f" ({where})" if where else "") + f": "
                            f"{type(exc).__name__}: {exc}",
                            CONTEXT_HINT) from exc
    text = re.sub(r"\n{3,}", "\n\n", text)  # layout only: at most one blank line between blocks
    text = text.rstrip("\n") + "\n"
    return stamped(text, version=plan.dockgen_version, template=plan.template, options=plan.options,
                   inputs=plan.inputs, carry=to_jsonable(plan.carry) if plan.carry else None)


def render(plan: BuildPlan) -> list[RenderedFile]:
    """The Dockerfile and an unmeasured default .dockerignore (``measure`` writes the measured one).

    The default rules are checked against what the Dockerfile copies here rather than in the planner:
    the check needs Docker's matcher, which `dockgen detect` should not pay to import. (The measured
    .dockerignore leaves out any rule that would exclude a copied path, and says so.)"""
    check_needs_sent(plan.ignore, plan.context_needs)
    header = (f".dockerignore by dockgen {plan.dockgen_version} for the {plan.template} Dockerfile (not measured:\n"
              "`dockgen init` measures the context and says what each rule keeps out).\n"
              "Nothing the Dockerfile copies is excluded.")
    return [
        RenderedFile(path="Dockerfile", content=render_dockerfile(plan)),
        RenderedFile(path=".dockerignore", content=render_unmeasured(plan.ignore, header)),
    ]
