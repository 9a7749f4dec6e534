"""The built-in templates: name, file, what they are for."""

from __future__ import annotations

from .errors import TemplateError
from .record import Record


class TemplateInfo(Record):
    name: str
    file: str
    language: str
    kind: str  # "node-server" or "static"
    summary: str


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


def get_template(name: str) -> TemplateInfo:
    for info in BUILTIN:
        if info.name == name:
            return info
    names = ", ".join(t.name for t in BUILTIN)
    raise TemplateError(f"unknown template {name!r}", f"choose one of: {names} (see `dockgen templates`)")
