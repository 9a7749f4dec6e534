"""Values shared by the pipeline stages: Facts (observations), BuildPlan (decisions), files.

Everything here is a frozen ``Record`` (see record.py) or a StrEnum, and turns into JSON through ``to_jsonable``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from .record import Record


class Language(enum.StrEnum):
    NODE = "node"
    PYTHON = "python"


class PackageManager(enum.StrEnum):
    NPM = "npm"
    YARN = "yarn"
    PNPM = "pnpm"
    BUN = "bun"
    UV = "uv"
    POETRY = "poetry"
    PDM = "pdm"
    PIPENV = "pipenv"
    PIP = "pip"


class Framework(enum.StrEnum):
    EXPRESS = "express"
    FASTIFY = "fastify"
    KOA = "koa"
    HAPI = "hapi"
    NEST = "nest"
    NEXT = "next"
    NUXT = "nuxt"
    REMIX = "remix"
    VITE_STATIC = "vite-static"
    DJANGO = "django"
    FLASK = "flask"
    FASTAPI = "fastapi"
    STARLETTE = "starlette"


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Notice(Record):
    """A warning or note produced while detecting or planning (data, not an exception)."""

    severity: Severity
    topic: str
    message: str


class VersionHint(Record):
    """One place that asks for a runtime version, e.g. ``.nvmrc`` saying ``lts/iron``."""

    source: str  # ".nvmrc", ".node-version", ".tool-versions", "package.json#volta.node", ...
    text: str  # the request exactly as written (stripped)


class PortHint(Record):
    port: int
    source: str  # "bin/www:15", "scripts.start"
    kind: str  # "env-default" (process.env.PORT || N), "listen" (a literal port), "script" (--port/PORT= in start)


class Lockfile(Record):
    path: str  # relative POSIX path
    manager: PackageManager
    format: str  # "package-lock v3", "yarn classic (v1)", "yarn berry (v8)", "pnpm 9.0", "bun text", ...


class NodeFacts(Record):
    """What the repository says, and nothing decided. No host state (versions, env) leaks in."""

    language: Language = Language.NODE
    name: str | None
    version: str | None
    description: str | None
    license: str | None
    repository: str | None
    module_type: str | None  # package.json "type"
    package_manager: PackageManager
    package_manager_version: str | None
    package_manager_source: str  # "packageManager field", "lockfile pnpm-lock.yaml", "default (no lockfile)"
    lockfile: Lockfile | None
    lockfiles: tuple[Lockfile, ...]  # every lockfile found, in the order of the documented rule
    version_hints: tuple[VersionHint, ...]  # in precedence order, first wins
    engines: Mapping[str, str]
    scripts: Mapping[str, str]
    main: str | None
    bin: Mapping[str, str]
    dependencies: tuple[str, ...]
    dev_dependencies: tuple[str, ...]
    typescript: bool
    ts_out_dir: str | None  # compilerOptions.outDir of tsconfig.json, cleaned
    framework: Framework | None
    framework_evidence: str | None
    next_output: str | None  # "standalone" / "export" from next.config.*
    static_out_dir: str | None  # vite build.outDir (default "dist") for static sites
    native_addons: tuple[str, ...]
    port_hints: tuple[PortHint, ...]
    entry_files: tuple[str, ...]  # conventional entry points that exist (server.js, index.js, ...)
    manifest_files: tuple[str, ...]  # files the install step needs besides package.json + lockfile
    has_public_dir: bool
    workspaces: bool
    npmrc_has_token: bool
    npm_allow_scripts: bool = False  # package.json "allowScripts" (npm 11.19+ runs only approved install scripts)
    notices: tuple[Notice, ...] = ()
    inputs: Mapping[str, str] = {}  # the manifest and version files read: path -> sha256 prefix of the content


class PythonFacts(Record):
    """What a Python repository says, and nothing decided."""

    language: Language = Language.PYTHON
    name: str | None
    version: str | None
    description: str | None
    license: str | None
    repository: str | None
    package_manager: PackageManager
    package_manager_version: str | None
    package_manager_source: str
    lockfile: Lockfile | None
    lockfiles: tuple[Lockfile, ...]
    requirements_files: tuple[str, ...]  # requirements.txt and every -r/-c file it pulls in, in order
    requirements_hashes: bool  # every requirement line is pinned with --hash
    manifest_files: tuple[str, ...]  # files the dependency install reads (copied before the sources)
    version_hints: tuple[VersionHint, ...]
    build_backend: str | None  # "hatchling.build", "setuptools.build_meta", "poetry.core.masonry.api", ...
    is_package: bool  # the project itself is installable (a build system and a package), not just deps
    dependencies: tuple[str, ...]  # normalized names of the runtime dependencies
    dev_groups: tuple[str, ...]  # dependency groups / extras / dev sections that are not shipped
    scripts: Mapping[str, str]  # [project.scripts] / [tool.poetry.scripts]: name -> "module:function"
    framework: Framework | None
    framework_evidence: str | None
    app_target: str | None  # "pkg.module:app", "pkg:create_app()" or Django's "mysite.wsgi:application"
    django_settings: str | None  # "mysite.settings"
    django_static_root: bool  # settings set STATIC_ROOT: collectstatic has a destination
    manage_py: bool
    procfile_web: str | None
    src_layout: bool
    entry_files: tuple[str, ...]  # app.py / main.py / server.py / wsgi.py / asgi.py at the root
    system_deps: tuple[str, ...]  # dependencies that need OS libraries (psycopg2, mysqlclient, Pillow, lxml)
    port_hints: tuple[PortHint, ...]
    notices: tuple[Notice, ...] = ()
    inputs: Mapping[str, str] = {}  # the manifest and version files read: path -> sha256 prefix of the content


class ImageRef(Record):
    """A base image: ``repository:tag[@digest]``; ``tag_expr`` is the tag as written with ARGs."""

    repository: str
    tag: str
    tag_expr: str
    digest: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")

    @property
    def ref_expr(self) -> str:
        return f"{self.repository}:{self.tag_expr}" + (f"@{self.digest}" if self.digest else "")


class BuildArg(Record):
    """A global ``ARG NAME=value`` shown at the top of the Dockerfile so users can bump it."""

    name: str
    value: str
    comment: str


class CopyStep(Record):
    """``COPY [--from=stage] src... dest`` with paths already checked to be safe to write."""

    sources: tuple[str, ...]
    dest: str
    from_stage: str | None = None
    comment: str | None = None


class RuntimeChoice(Record):
    """The runtime version decision and where it came from (``detect --json`` ``runtime``)."""

    name: str  # "node"
    requested: str | None
    source: str | None
    resolved: str
    major: int
    lts: bool
    codename: str | None
    end_of_life: str | None
    table_date: str
    line: str = ""  # the release line: Node's major ("24"), CPython's minor ("3.14")


class Decision(Record):
    """One explained choice of the plan (shown by ``dockgen plan``)."""

    topic: str
    choice: str
    why: str


class IgnoreRule(Record):
    pattern: str
    comment: str | None = None


class InstallSpec(Record):
    """How the package manager is set up and run in the builder."""

    manager: PackageManager
    version: str | None  # what the image will run, when dockgen pins it
    lockfile: str | None
    manifest_files: tuple[str, ...]  # copied before the install, in this order
    setup: tuple[str, ...]  # shell commands run once before installs (e.g. npm install -g pnpm@x)
    setup_copy: tuple[CopyStep, ...]  # e.g. the bun binary copied from its image
    env: Mapping[str, str]  # ENV for the install stages
    install_all: str  # all dependencies, frozen
    install_prod: str  # production dependencies only, frozen (Python: the dependencies, not the project)
    cache_target: str  # BuildKit cache mount target
    frozen: bool
    secrets: tuple[str, ...] = ()  # build secrets mounted into the install (e.g. "npmrc")
    context_first: bool = False  # workspaces: the whole context is copied before installing
    install_project: str | None = None  # Python: installs the project itself, after the sources


class Carry(Record):
    """What `dockgen migrate` keeps from an existing Dockerfile; the planners fold it into the plan."""

    workdir: str | None = None
    start: tuple[str, ...] | None = None  # the old CMD when it runs the app directly (node x.js, ./run.sh)
    entrypoint: tuple[str, ...] = ()  # an entrypoint script the old file ran (goes after tini)
    runtime_packages: tuple[str, ...] = ()  # OS packages the app needs at run time (the base's own names)
    builder_packages: tuple[str, ...] = ()  # build tools, for the build stages only
    instructions: tuple[str, ...] = ()  # ENV/ARG/LABEL/VOLUME/HEALTHCHECK/EXPOSE lines kept verbatim


class PythonSpec(Record):
    """What only a Python plan needs."""

    venv: str  # the virtualenv copied into the runtime, e.g. /opt/venv
    python: str  # the interpreter the venv is made from (it must exist at the same path at run time)
    builder_python_packages: tuple[str, ...]  # Debian packages giving that interpreter (distroless builder)
    tools_venv: str | None  # where poetry/pdm/pipenv are installed in the builder (never shipped)
    tool_install: str | None  # the pinned install of that tool
    extra_packages: tuple[str, ...]  # server packages dockgen adds because the app does not depend on them
    collectstatic: bool
    server: str  # "gunicorn", "uvicorn", "gunicorn+uvicorn", "procfile", "script", "python"


class BuildPlan(Record):
    """Every decision for one app. JSON-serialisable; rendering reads only this."""

    schema: int = 1
    dockgen_version: str
    language: Language
    template: str
    app_name: str
    runtime: RuntimeChoice
    args: tuple[BuildArg, ...]
    builder_image: ImageRef
    runtime_image: ImageRef
    tool_images: Mapping[str, ImageRef]
    suite: str  # Debian suite (or "alpine3.22") of the images
    install: InstallSpec
    layout: str  # "deps+runtime", "deps+build+runtime", "build+runtime" (self-contained output), "static"
    build_command: str | None
    build_env: Mapping[str, str]
    builder_packages: tuple[str, ...]  # OS packages for native addons, builder only
    runtime_packages: tuple[str, ...]  # OS packages the runtime needs (slim/alpine only)
    init: str  # path of tini in the runtime image
    init_package: str | None  # "tini=0.19.0-3+b8" / "tini=0.19.0-r3"; None when copied
    init_copy: CopyStep | None  # distroless: tini-static copied from the builder stage
    runtime_copies: tuple[CopyStep, ...]
    copy_sources: bool  # runtime gets the (ignore-filtered) context: apps without a build step
    workdir: str
    user: str  # numeric "uid:gid"
    user_create: tuple[str, ...]  # commands creating the user (alpine), empty when the base has it
    env: Mapping[str, str]
    port: int | None
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    start_command: tuple[str, ...] | None  # the app's argv as detect reports it (node ...)
    labels: Mapping[str, str]
    stopsignal: str | None
    ignore: tuple[IgnoreRule, ...]  # .dockerignore rules this plan adds to the categories (ignore.py)
    context_needs: tuple[str, ...]  # paths the Dockerfile copies from the context ("." = all of it)
    decisions: tuple[Decision, ...]
    notices: tuple[Notice, ...]
    static_root: str | None = None  # static sites: where the web server serves from
    python: PythonSpec | None = None  # Python apps: the virtualenv and what runs in it
    inputs: Mapping[str, str] = {}  # the facts' input digests, stamped into the Dockerfile for `dockgen check`
    options: Mapping[str, str] = {}  # the options that shaped the plan (template, versions, port), stamped too
    carried: tuple[str, ...] = ()  # instructions kept verbatim from a migrated Dockerfile (runtime stage)
    carry: Carry | None = None  # all that a migration kept (stamped, so `dockgen check` can re-plan with it)


class RenderedFile(Record):
    path: str  # relative to the app root
    content: str


class WriteStatus(enum.StrEnum):
    CREATE = "create"
    IDENTICAL = "identical"
    CONFLICT = "conflict"
    OVERWRITE = "overwrite"
    SKIP = "skip"


class WriteOutcome(Record):
    path: str
    status: WriteStatus
    written: bool
    backup: str | None = None
    diff: str | None = None


def to_jsonable(value: Any) -> Any:
    """Records, enums, mappings and tuples to plain JSON values (field order kept)."""
    if isinstance(value, Record):
        return {name: to_jsonable(getattr(value, name)) for name in value.__fields__}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value

