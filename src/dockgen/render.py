"""Rendering: plan in, text out. Templates lay text out; every value comes from the plan."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
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


def _source_line(where: str) -> str:
    """The text of the template line ``file:line`` ("" when it cannot be read)."""
    filename, _, line = where.rpartition(":")
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()
        return lines[int(line) - 1]
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return ""


SYNTAX_HINT = ("fix the Jinja syntax at that line: {{ expression }}, {% if ... %}...{% endif %}, "
               "{% for ... %}...{% endfor %}, {# comment #} (https://jinja.palletsprojects.com/en/stable/templates/)")
UNDEFINED_HINT = ("a template is rendered with one variable, `plan` (and the macros it imports); "
                  "`dockgen templates --context` lists its fields")
KEY_HINT = "the keys depend on the app: `dockgen plan --json` shows this plan's"
PYTHON_HINT = ("that line's expression raised it: check the types of the values it uses (`dockgen templates "
               "--context` gives each plan field's type, `dockgen plan --json` this plan's values)")


def _filter_hint() -> str:
    return (f"dockgen's filters are {', '.join(sorted(FILTERS))}, besides Jinja's own (join, default, ...); "
            "`dockgen templates --context` documents them")


def _include_hint(template_dir: str | None) -> str:
    from .templates_registry import builtin_partials

    mine = f"your template directory {template_dir}, then " if template_dir else ""
    return (f"dockgen looked in {mine}its built-in templates ({', '.join(builtin_partials())} and the "
            "<name>.Dockerfile.j2); name a file by its path in the template directory, or builtin/<file> for "
            "dockgen's own")


def _mappings(plan: BuildPlan) -> list[str]:
    """The plan's fields that are mappings ("labels", "env", "install.env"...)."""
    found = [n for n in plan.__fields__ if isinstance(getattr(plan, n), Mapping)]
    return found + [f"install.{n}" for n in plan.install.__fields__ if isinstance(getattr(plan.install, n), Mapping)]


def _explain_key(key: str, where: str, plan: BuildPlan | None) -> str:
    """"dict has no attribute 'x'" as "plan.labels has no key 'x'", with its keys, when the line says which."""
    import difflib

    line = _source_line(where) if where else ""
    access = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?:\[\s*(['\"])" + re.escape(key)
                        + r"\2\s*\]|\." + re.escape(key) + r"(?!\w))")
    for match in access.finditer(line) if plan is not None else ():
        expr = match[1]
        names = expr.split(".")
        if names[0] != "plan":
            continue
        value: object = plan
        for name in names[1:]:
            value = getattr(value, name, None)
        if isinstance(value, Mapping) and key not in value:
            keys = [str(k) for k in value]
            close = difflib.get_close_matches(key, keys, n=1)
            shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
            return (f"{expr} has no key {key!r}" + (f" (did you mean {close[0]}?)" if close else "")
                    + (f"; its keys: {shown}" if keys else "; it is empty in this plan"))
    mappings = f" (the plan's mappings: {', '.join(_mappings(plan))})" if plan is not None else ""
    return f"a mapping has no key {key!r}{mappings}"


def _explain(message: str, where: str = "", plan: BuildPlan | None = None) -> str:
    """Jinja's "'dockgen.model.BuildPlan object' has no attribute 'x'" as "BuildPlan has no field 'x'",
    with the closest field names; a mapping's missing key names the plan field and its keys."""
    import difflib

    from . import model

    match = re.fullmatch(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']*)'", message)
    if not match:
        return message
    cls_name, attr = match.groups()
    if cls_name in ("dict", "mappingproxy"):
        return _explain_key(attr, where, plan)
    cls = getattr(model, cls_name, None)
    fields = list(getattr(cls, "__fields__", ()))
    if not fields:
        return message
    close = difflib.get_close_matches(attr, fields, n=3)
    return f"{cls_name} has no field {attr!r}" + (f" (did you mean {', '.join(close)}?)" if close else "")


def _describe(exc: BaseException, where: str, template_dir: str | None,
              plan: BuildPlan | None = None) -> tuple[str, str]:
    """The message and the hint that fit a template error: syntax, unknown filter, missing import,
    unknown field, a Python exception."""
    import jinja2

    if isinstance(exc, jinja2.TemplatesNotFound | jinja2.TemplateNotFound):
        names = list(exc.templates) if isinstance(exc, jinja2.TemplatesNotFound) else [exc.name]
        verb = re.search(r"\{%-?\s*(import|from|include|extends)\b", _source_line(where) if where else "")
        what = {"from": "import", None: "load"}.get(verb[1] if verb else None, verb[1] if verb else "load")
        return (f"cannot find {', '.join(repr(str(n)) for n in names)} to {what}", _include_hint(template_dir))
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message = exc.message or str(exc)
        if message.startswith(("No filter named", "No test named")):
            return message, _filter_hint()
        return message, SYNTAX_HINT
    if isinstance(exc, jinja2.UndefinedError):
        message = _explain(exc.message or str(exc), where, plan)
        if re.fullmatch(r"'\w+' is undefined", message):
            return message, UNDEFINED_HINT
        return message, KEY_HINT if "has no key" in message else CONTEXT_HINT
    if isinstance(exc, jinja2.TemplateError):
        return _explain(exc.message or str(exc), where, plan), CONTEXT_HINT
    return f"{type(exc).__name__}: {exc}", PYTHON_HINT


def check_user_file(template_dir: str, name: str) -> TemplateError | None:
    """A user template or partial parsed and compiled, not rendered: its syntax error, unknown filter
    or import of a file that does not exist, with its file:line (None: none found)."""
    import jinja2
    from jinja2 import nodes

    env = _environment(template_dir)
    path = Path(template_dir) / name
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return TemplateError(f"{path}: cannot read it ({exc})", "templates are UTF-8 text files")
    try:
        tree = env.parse(source, name, str(path))
        env.compile(tree, name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        message, hint = _describe(exc, f"{path}:{exc.lineno}", template_dir)
        return TemplateError(f"{path}:{exc.lineno}: {message}", hint)
    assert env.loader is not None
    kinds = ((nodes.Include, "include"), (nodes.Import, "import"), (nodes.FromImport, "import"),
             (nodes.Extends, "extend"))
    for node in tree.find_all(tuple(k for k, _ in kinds)):
        target = getattr(node, "template", None)
        if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
            continue  # a name computed at render time
        if isinstance(node, nodes.Include) and node.ignore_missing:
            continue
        try:
            env.loader.get_source(env, target.value)
        except jinja2.TemplateNotFound:
            what = next(v for k, v in kinds if isinstance(node, k))
            return TemplateError(f"{path}:{node.lineno}: cannot find {target.value!r} to {what}",
                                 _include_hint(template_dir))
    return None


def render_dockerfile(plan: BuildPlan) -> str:
    import jinja2

    from .model import to_jsonable
    from .stamp import carry_json, digest, stamped

    info = get_template(plan.template, plan.template_dir)
    try:
        text = _environment(plan.template_dir).get_template(info.file).render(plan=plan)
    except Exception as exc:
        if plan.template_dir is None and not isinstance(exc, jinja2.TemplateError):
            raise  # a built-in template failing without user files is dockgen's bug: keep the traceback
        where = _where(exc)
        message, hint = _describe(exc, where, plan.template_dir, plan)
        raise TemplateError(f"template {info.name}" + (f" ({where})" if where else "") + f": {message}",
                            hint) from exc
    text = re.sub(r"\n{3,}", "\n\n", text)  # layout only: at most one blank line between blocks
    text = text.rstrip("\n") + "\n"
    return stamped(text, version=plan.dockgen_version, template=plan.template, options=plan.options,
                   inputs=plan.inputs, carry=digest(carry_json(to_jsonable(plan.carry))) if plan.carry else None)


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
        RenderedFile(path=plan.ignore_file, content=render_unmeasured(plan.ignore, header)),
    ]
