"""The public Python API (re-exported by ``dockgen``): no printing, no exiting, no cwd."""

from __future__ import annotations

import os

from .detect import Facts
from .detect import detect as _detect
from .model import BuildPlan, RenderedFile, WriteOutcome
from .pins import Pins
from .plan import Options, plan_app
from .record import Record
from .render import render as _render
from .write import write as _write


def detect(path: str | os.PathLike[str], language: str | None = None) -> Facts:
    """Facts about the app at ``path`` (``language``: "node"/"python" when a repo has both).
    Raises DockgenError subclasses on bad input."""
    return _detect(path, language)


def plan(facts: Facts, options: Options | None = None, *, pins: Pins | None = None, template: str | None = None,
         node_version: str | None = None, python_version: str | None = None, port: int | None = None) -> BuildPlan:
    """Every decision for the app. Options as an ``Options`` or as keywords (template=, node_version=,
    python_version=, port=)."""
    keywords = Options(template=template, node_version=node_version, python_version=python_version, port=port)
    if options is None:
        options = keywords
    elif keywords != Options():
        raise TypeError("pass options= or keyword options, not both")
    return plan_app(facts, options, pins)


def render(plan: BuildPlan) -> list[RenderedFile]:
    """The Dockerfile and .dockerignore text for a plan (pure)."""
    return _render(plan)


def write(files: list[RenderedFile], root: str | os.PathLike[str], *, force: bool = False,
          dry_run: bool = False) -> list[WriteOutcome]:
    """Write rendered files below ``root`` (atomic; conflicts write nothing; --force keeps .bak copies)."""
    return _write(files, root, force=force, dry_run=dry_run)


def measure(path: str | os.PathLike[str], plan: BuildPlan, *, allowlist: bool = False) -> RenderedFile:
    """The measured .dockerignore for ``plan`` (merged with an existing one, which keeps its lines)."""
    from .suggest import for_plan

    return RenderedFile(path=".dockerignore", content=for_plan(path, plan, allowlist=allowlist).text)


class Generated(Record):
    plan: BuildPlan
    files: list[RenderedFile]
    outcomes: list[WriteOutcome]


def generate(path: str | os.PathLike[str], options: Options | None = None, *, force: bool = False,
             dry_run: bool = False, template: str | None = None, node_version: str | None = None,
             python_version: str | None = None, port: int | None = None, language: str | None = None) -> Generated:
    """detect -> plan -> render -> measure -> write in one call."""
    lang = options.language if options is not None else language
    built = plan(detect(path, lang), options, template=template, node_version=node_version,
                 python_version=python_version, port=port)
    files = [f if f.path != ".dockerignore" else measure(path, built) for f in render(built)]
    return Generated(plan=built, files=files, outcomes=write(files, path, force=force, dry_run=dry_run))
