"""The templates: dockgen's built-in ones, and a user's from a template directory.

A user template is a file ``<name>.Dockerfile.j2`` in the directory given by ``--template-dir`` (or
the ``template-dir`` answer). It is rendered with the same plan context as the built-ins
(docs/plan-context.md). Its name either overrides the built-in of that name, or is new; a new one
says which built-in's plan it renders in a header comment on its first line::

    {# dockgen: base=node-slim summary="Node on our hardened slim image" #}

Every other file of the directory (``_partials.j2``...) is importable from the templates; a file
named like a built-in partial (``_common.j2``) shadows it, and ``builtin/<file>`` always reaches
dockgen's own.

A broken user template (a bad header, a bad name) is listed with its error and fails only when it is
the one used; a file named almost like a template (``node-slim.dockerfile.j2``, ``node-slim.j2``)
is ignored, and said so (``dockgen templates``, and a warning of the plan).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import TypeVar

from .errors import TemplateError
from .model import Notice, Severity
from .record import Record

SUFFIX = ".Dockerfile.j2"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
HEADER = re.compile(r"\A\s*\{#-?\s*dockgen:(?P<body>.*?)-?#\}", re.S)
HEADER_KEYS = ("base", "summary")
JINJA_EXTENSIONS = (".j2", ".jinja2", ".jinja")  # what a Jinja file is called (partials, near-miss templates)
# what a template imports: {% import "x" %}, {% from "x" import y %}, {% include "x" %}, {% extends "x" %}
REFERENCE = re.compile(r"""\{%-?\s*(?:import|from|include|extends)\s+(['"])(?P<name>[^'"]+)\1""")
HEADER_HINT = 'write it as {# dockgen: base=node-slim summary="..." #} on the first line'


class TemplateInfo(Record):
    name: str
    file: str  # the file name the template loader finds it under
    language: str  # "" for a broken user template whose base is unknown
    kind: str  # "node-server", "python-server" or "static" ("" when unknown)
    summary: str
    source: str = "built-in"  # "built-in" or "user"
    base: str | None = None  # user templates: the built-in whose plan they render
    path: str | None = None  # user templates: where the file is
    error: str | None = None  # why it cannot be used (one line, with its file:line); None: it can
    hint: str | None = None  # how to fix the error

    @property
    def status(self) -> str:
        return "ok" if self.error is None else "error"


class PartialInfo(Record):
    """A file templates import (``_common.j2``): dockgen's own, or one of the template directory."""

    name: str  # as templates import it: "_common.j2", "lib/house.j2"
    source: str  # "built-in" or "user"
    path: str | None = None  # user partials: where the file is
    overrides: bool = False  # a user partial named like a built-in one: it replaces it for every template
    error: str | None = None
    hint: str | None = None

    @property
    def status(self) -> str:
        return "ok" if self.error is None else "error"


class IgnoredFile(Record):
    """A file of the template directory named almost like a template, which dockgen does not use as one."""

    file: str
    path: str
    suggestion: str  # the name it would be a template under: "node-slim.Dockerfile.j2"

    @property
    def reason(self) -> str:
        return f"not a template name (did you mean {self.suggestion}?)"


class TemplateDir(Record):
    """What a user's template directory holds (sorted by name)."""

    path: str
    templates: tuple[TemplateInfo, ...]
    partials: tuple[PartialInfo, ...]
    ignored: tuple[IgnoredFile, ...]


class Listing(Record):
    """Every template and partial, a user's first (they win over a built-in of the same name), with its
    status; and the files of the template directory that are ignored."""

    template_dir: str | None
    templates: tuple[TemplateInfo, ...]
    partials: tuple[PartialInfo, ...]
    ignored: tuple[IgnoredFile, ...] = ()

    @property
    def broken(self) -> tuple[str, ...]:
        """The names of the templates and partials that have an error."""
        return (tuple(t.name for t in self.templates if t.error is not None)
                + tuple(p.name for p in self.partials if p.error is not None))


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
    TemplateInfo(name="bun-distroless", file="bun-distroless.Dockerfile.j2", language="node", kind="bun-server",
                 summary="Bun app (scripts run it with bun) on oven/bun:<x.y.z>-distroless, tini-static as PID 1, "
                         "uid 65532. Chosen automatically for Bun apps."),
    TemplateInfo(name="bun-slim", file="bun-slim.Dockerfile.j2", language="node", kind="bun-server",
                 summary="Bun app on oven/bun:<x.y.z>-slim (Debian) with Debian's tini, uid 1000 (bun)."),
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


def builtin_partials() -> tuple[str, ...]:
    """The names of dockgen's own partials (``_common.j2``...)."""
    from importlib import resources

    folder = resources.files("dockgen") / "templates"
    return tuple(sorted(e.name for e in folder.iterdir() if e.name.startswith("_") and e.name.endswith(".j2")))


def _header(path: Path, text: str) -> tuple[dict[str, str], int]:
    """The header's items, and the line it is on (1 when there is none)."""
    match = HEADER.match(text)
    if not match:
        return {}, 1
    where = f"{path}:{text[:match.start('body')].count(chr(10)) + 1}"
    try:
        words = shlex.split(match["body"])
    except ValueError as exc:
        raise TemplateError(f"{where}: cannot read its dockgen header ({exc})", HEADER_HINT) from exc
    meta: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or key not in HEADER_KEYS:
            raise TemplateError(f"{where}: unknown item {word!r} in its dockgen header",
                                f"the header takes {' and '.join(k + '=' for k in HEADER_KEYS)}")
        meta[key] = value
    return meta, int(where.rsplit(":", 1)[1])


def _user_template(path: Path) -> TemplateInfo:
    """The template of one ``<name>.Dockerfile.j2`` file; a broken one carries its error."""
    name = path.name[: -len(SUFFIX)]
    info = TemplateInfo(name=name, file=path.name, language="", kind="", summary="your template", source="user",
                        path=str(path))
    try:
        return _read_template(path, name, info)
    except TemplateError as exc:
        return info.replace(error=exc.message, hint=exc.hint)


def _read_template(path: Path, name: str, info: TemplateInfo) -> TemplateInfo:
    if not NAME.fullmatch(name):
        lower = name.lower()
        raise TemplateError(f"{path}: {name!r} is not a template name",
                            "name templates with lowercase letters, digits, '.', '_' and '-'"
                            + (f" (rename it {lower}{SUFFIX})" if NAME.fullmatch(lower) else ""))
    top = os.path.realpath(path.parent)
    if os.path.commonpath([top, os.path.realpath(path)]) != top:
        raise TemplateError(f"{path}: a link that leads outside the template directory",
                            "copy the template into the directory; dockgen reads no template file outside it")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read it ({exc})", "templates are UTF-8 text files") from exc
    meta, line = _header(path, text)
    if "summary" in meta:
        info = info.replace(summary=meta["summary"])
    builtin = _BY_NAME.get(name)
    if builtin is not None and meta.get("base", name) != name:
        raise TemplateError(f"{path}:{line}: overrides the built-in {name} but says base={meta['base']}",
                            f"drop base= (an override renders {name}'s plan), or give the file another name")
    base = name if builtin is not None else meta.get("base")
    if base is None:
        raise TemplateError(f"{path}:1: a new template must say which built-in's plan it renders",
                            'start it with {# dockgen: base=node-slim summary="..." #} '
                            f"(built-ins: {', '.join(_BY_NAME)})")
    if base not in _BY_NAME:
        import difflib

        close = difflib.get_close_matches(base, list(_BY_NAME), n=1)
        raise TemplateError(f"{path}:{line}: base={base} is not a built-in template"
                            + (f" (did you mean {close[0]}?)" if close else ""),
                            f"choose one of: {', '.join(_BY_NAME)}")
    b = _BY_NAME[base]
    summary = meta.get("summary") or (f"your {name} (overrides the built-in)" if builtin
                                      else f"your template, rendered from the {base} plan")
    return info.replace(language=b.language, kind=b.kind, summary=summary, base=base)


def near_miss(file_name: str) -> str | None:
    """The template name a file is almost called (``node-slim.dockerfile.j2``, ``node-slim.Dockerfile.jinja``,
    ``node-slim.j2``, ``Dockerfile.j2`` -> ``<name>.Dockerfile.j2``); None for a partial or any other file."""
    if file_name.startswith(("_", ".")) or file_name.endswith(SUFFIX):
        return None
    lower = file_name.lower()
    ext = next((e for e in JINJA_EXTENSIONS if lower.endswith(e)), None)
    if ext is None:
        return None
    parts = file_name[: -len(ext)].split(".")
    if any(p.lower() == "dockerfile" for p in parts):
        name = ".".join(p for p in parts if p.lower() != "dockerfile").lower()
        return f"{name or '<name>'}{SUFFIX}"
    stem = ".".join(parts).lower()
    return f"{stem}{SUFFIX}" if stem in _BY_NAME else None


def _references(path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {m["name"] for m in REFERENCE.finditer(text) if not m["name"].startswith("builtin/")}


def scan(directory: str | Path) -> TemplateDir:
    """The templates, partials and ignored files of a user's template directory. Only a missing
    directory raises: a broken template carries its error (``TemplateInfo.error``)."""
    base_dir = Path(directory)
    hint = ("pass --template-dir an existing directory (a flag is relative to the working "
            "directory; template-dir in the recorded answers to the app's root)")
    try:  # Path.is_dir raises for a name too long or a loop of links
        if not base_dir.is_dir():
            raise TemplateError(f"template directory {base_dir}: "
                                + ("not a directory" if base_dir.exists() else "no such directory"), hint)
        files = sorted(p for p in base_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError as exc:
        raise TemplateError(f"template directory {base_dir}: cannot read it ({exc.strerror or exc})", hint) from exc
    templates = tuple(_user_template(p) for p in files if p.name.endswith(SUFFIX))
    jinja_files = [p for p in files if p.name.lower().endswith(JINJA_EXTENSIONS)]
    referenced: set[str] = set()  # a file a template imports is a partial, whatever its name
    for p in jinja_files:
        referenced |= _references(p)
    builtins = set(builtin_partials())
    partials: list[PartialInfo] = []
    ignored: list[IgnoredFile] = []
    for p in files:
        if p.name.endswith(SUFFIX):
            continue
        guess = near_miss(p.name)
        if guess is not None and p.name not in referenced:
            ignored.append(IgnoredFile(file=p.name, path=str(p), suggestion=guess))
        elif p in jinja_files or p.name in referenced:
            partials.append(PartialInfo(name=p.name, source="user", path=str(p), overrides=p.name in builtins))
    for name in sorted(referenced):  # partials in subdirectories ("lib/house.j2")
        sub = base_dir / name
        if "/" in name and ".." not in name.split("/") and sub.is_file():
            partials.append(PartialInfo(name=name, source="user", path=str(sub)))
    return TemplateDir(path=str(base_dir), templates=templates, partials=tuple(sorted(partials, key=lambda p: p.name)),
                       ignored=tuple(ignored))


def catalog(template_dir: str | Path | None = None) -> tuple[TemplateInfo, ...]:
    """Every template: a user's first (they win over a built-in of the same name), then the built-ins.
    A broken user template is there, with its error."""
    user = scan(template_dir).templates if template_dir is not None else ()
    names = {t.name for t in user}
    return user + tuple(t for t in BUILTIN if t.name not in names)


def get_template(name: str, template_dir: str | Path | None = None) -> TemplateInfo:
    """The template called ``name``; a broken one raises its error (only the template used has to work)."""
    templates = catalog(template_dir)
    for info in templates:
        if info.name == name:
            if info.error is not None:
                raise TemplateError(info.error, info.hint)
            return info
    names = ", ".join(t.name for t in templates)
    raise TemplateError(f"unknown template {name!r}", f"choose one of: {names} (see `dockgen templates`)")


def dir_notices(template_dir: str | Path, used: str) -> tuple[Notice, ...]:
    """Warnings for a plan that uses ``template_dir``: the files it ignores, and its broken templates
    (other than ``used``, which would have failed the plan)."""
    found = scan(template_dir)
    notices = [Notice(severity=Severity.WARNING, topic="template dir",
                      message=f"{f.path} is ignored: {f.reason}") for f in found.ignored]
    notices += [Notice(severity=Severity.WARNING, topic="template dir",
                       message=f"your template {t.name} cannot be used (`dockgen templates` lists it): {t.error}")
                for t in found.templates if t.error is not None and t.name != used]
    return tuple(notices)


def listing(template_dir: str | Path | None = None) -> Listing:
    """Every template and partial with its status (``dockgen templates``). The user's files are parsed,
    not rendered: a Jinja syntax error, an unknown filter or an import of a missing file is their error."""
    builtin_parts = builtin_partials()
    if template_dir is None:
        return Listing(template_dir=None, templates=BUILTIN,
                       partials=tuple(PartialInfo(name=n, source="built-in") for n in builtin_parts))
    from .render import check_user_file

    found = scan(template_dir)
    directory = str(found.path)
    templates = tuple(t if t.error is not None else _checked(t, check_user_file(directory, t.file))
                      for t in found.templates)
    partials = tuple(_checked(p, check_user_file(directory, p.name)) for p in found.partials)
    mine = {p.name for p in partials}
    names = {t.name for t in templates}
    return Listing(template_dir=directory,
                   templates=templates + tuple(t for t in BUILTIN if t.name not in names),
                   partials=partials + tuple(PartialInfo(name=n, source="built-in") for n in builtin_parts
                                             if n not in mine),
                   ignored=found.ignored)


_Info = TypeVar("_Info", TemplateInfo, PartialInfo)


def _checked(info: _Info, problem: TemplateError | None) -> _Info:
    return info if problem is None else info.replace(error=problem.message, hint=problem.hint)
