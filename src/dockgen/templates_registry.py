"""The templates: dockgen's built-in ones, and a user's from a template directory.

A user template is a file ``<name>.Dockerfile.j2`` in the directory given by ``--template-dir`` (or
the ``template-dir`` answer). It is rendered with the same plan context as the built-ins
(docs/plan-context.md). Its name either overrides the built-in of that name, or is new; a new one
says which built-in's plan it renders in a header comment on its first line::

    {# dockgen: base=node-slim summary="Node on our hardened slim image" #}

Every other file of the directory (``_partials.j2``...) is importable from the templates; a file
named like a built-in partial (``_common.j2``) shadows it, and ``builtin/<file>`` always reaches
dockgen's own.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from .errors import TemplateError
from .record import Record

SUFFIX = ".Dockerfile.j2"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
HEADER = re.compile(r"\A\s*\{#-?\s*dockgen:(?P<body>.*?)-?#\}", re.S)
HEADER_KEYS = ("base", "summary")


class TemplateInfo(Record):
    name: str
    file: str  # the file name the template loader finds it under
    language: str
    kind: str  # "node-server", "python-server" or "static"
    summary: str
    source: str = "built-in"  # "built-in" or "user"
    base: str | None = None  # user templates: the built-in whose plan they render
    path: str | None = None  # user templates: where the file is


BUILTIN: tuple[TemplateInfo, ...] = (
    TemplateInfo(name="node-distroless", file="node-distroless.Dockerfile.j2", language="node", kind="node-server",
                 summary="Node server on gcr.io/distroless/nodejs (no shell, no package manager), "
                         "tini-static as PID 1, uid 65532. The default."),
    TemplateInfo(name="node-slim", file="node-slim.Dockerfile.j2", language="node", kind="node-server",
                 summary="Node server on the official node:<x.y.z>-<debian>-slim image with Debian's tini, "
                         "uid 1000 (node). Has a shell for debugging; takes runtime OS packages."),
    TemplateInfo(name="node-alpine-nonroot", file="node-alpine-nonroot.Dockerfile.j2", language="node",
                 kind="node-server",
                 summary="Node server on node:<x.y.z>-alpine<3.x> with apk's tini at /sbin/tini and a fixed "
                         "non-root uid/gid 10001."),
    TemplateInfo(name="python-slim", file="python-slim.Dockerfile.j2", language="python", kind="python-server",
                 summary="Python app on the official python:<x.y.z>-slim image: a virtualenv built in a "
                         "builder stage, Debian's tini, uid 10001. The default for Python."),
    TemplateInfo(name="python-distroless", file="python-distroless.Dockerfile.j2", language="python",
                 kind="python-server",
                 summary="Python app on gcr.io/distroless/python3-debian13 (Debian's CPython 3.13, or "
                         "debian12's 3.11): the venv is built with the same interpreter; uid 65532."),
    TemplateInfo(name="static-nginx", file="static-nginx.Dockerfile.j2", language="node", kind="static",
                 summary="Static sites (Vite, Next export): built with Node, served by "
                         "nginxinc/nginx-unprivileged (uid 101, port 8080). Chosen automatically."),
)
_BY_NAME = {t.name: t for t in BUILTIN}


def _header(path: Path, text: str) -> dict[str, str]:
    match = HEADER.match(text)
    if not match:
        return {}
    try:
        words = shlex.split(match["body"])
    except ValueError as exc:
        raise TemplateError(f"{path}: cannot read its dockgen header ({exc})",
                            'write it as {# dockgen: base=node-slim summary="..." #}') from exc
    meta: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or key not in HEADER_KEYS:
            raise TemplateError(f"{path}: unknown item {word!r} in its dockgen header",
                                f"the header takes {' and '.join(k + '=' for k in HEADER_KEYS)}")
        meta[key] = value
    return meta


def user_templates(directory: str | Path) -> tuple[TemplateInfo, ...]:
    """The templates of a user's template directory (sorted by name)."""
    base_dir = Path(directory)
    if not base_dir.is_dir():
        raise TemplateError(f"template directory {base_dir}: no such directory",
                            "pass --template-dir an existing directory (relative to the app's root), or fix "
                            "template-dir in the recorded answers")
    found: list[TemplateInfo] = []
    for path in sorted(base_dir.glob("*" + SUFFIX)):
        name = path.name[: -len(SUFFIX)]
        if not NAME.fullmatch(name):
            raise TemplateError(f"{path}: {name!r} is not a template name",
                                "name templates with lowercase letters, digits, '.', '_' and '-'")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{path}: cannot read it ({exc})", "templates are UTF-8 text files") from exc
        meta = _header(path, text)
        builtin = _BY_NAME.get(name)
        if builtin is not None and meta.get("base", name) != name:
            raise TemplateError(f"{path} overrides the built-in {name} but says base={meta['base']}",
                                f"drop base= (an override renders {name}'s plan), or give the file another name")
        base = name if builtin is not None else meta.get("base")
        if base is None:
            raise TemplateError(f"{path}: a new template must say which built-in's plan it renders",
                                'start it with {# dockgen: base=node-slim summary="..." #} '
                                f"(built-ins: {', '.join(_BY_NAME)})")
        if base not in _BY_NAME:
            raise TemplateError(f"{path}: base={base} is not a built-in template",
                                f"choose one of: {', '.join(_BY_NAME)}")
        b = _BY_NAME[base]
        summary = meta.get("summary") or (f"your {name} (overrides the built-in)" if builtin
                                          else f"your template, rendered from the {base} plan")
        found.append(TemplateInfo(name=name, file=path.name, language=b.language, kind=b.kind, summary=summary,
                                  source="user", base=base, path=str(path)))
    return tuple(found)


def catalog(template_dir: str | Path | None = None) -> tuple[TemplateInfo, ...]:
    """Every template: a user's first (they win over a built-in of the same name), then the built-ins."""
    user = user_templates(template_dir) if template_dir is not None else ()
    names = {t.name for t in user}
    return user + tuple(t for t in BUILTIN if t.name not in names)


def get_template(name: str, template_dir: str | Path | None = None) -> TemplateInfo:
    templates = catalog(template_dir)
    for info in templates:
        if info.name == name:
            return info
    names = ", ".join(t.name for t in templates)
    raise TemplateError(f"unknown template {name!r}", f"choose one of: {names} (see `dockgen templates`)")

