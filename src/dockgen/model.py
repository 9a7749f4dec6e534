"""Values shared by the pipeline stages: Facts (observations), BuildPlan (decisions), files.

Everything here is a frozen ``Record`` (see record.py) or a StrEnum, and turns into JSON through ``to_jsonable``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .record import Record
from .workspace import Workspace

if TYPE_CHECKING:
    from .dockerignore import Engine


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
    HONO = "hono"
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
    topic: str  # what it is about: "lockfile", "node version", "start command"...
    message: str  # one line for the user


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


class BuildApprovals(Record):
    """Which dependencies a package manager may run install scripts for, as the project says it
    (pnpm 10 ``onlyBuiltDependencies``, pnpm 11+ ``allowBuilds``, bun ``trustedDependencies``)."""

    setting: str  # "onlyBuiltDependencies", "allowBuilds", "trustedDependencies"
    source: str  # where: "package.json#pnpm", "pnpm-workspace.yaml"
    approved: tuple[str, ...]
    denied: tuple[str, ...] = ()
    strict: bool | None = None  # pnpm strictDepBuilds, when the project sets it


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
    install_scripts: tuple[str, ...] = ()  # dependencies with install scripts (npm's lockfile says; else known ones)
    bins: Mapping[str, str] = {}  # commands the scripts run -> their JS file (node_modules/next/dist/bin/next)
    yarn_linker: str | None = None  # .yarnrc.yml nodeLinker (yarn berry: unset means pnp)
    workspace: Workspace | None = None  # the workspace this app is a member of (root, member, local packages)
    entries: Mapping[str, str] = {}  # entry files the start scripts/main name -> "file", "ts:<source>", "missing"
    build_approvals: tuple[BuildApprovals, ...] = ()  # the project's approvals of those scripts, where it has any
    notices: tuple[Notice, ...] = ()
    inputs: Mapping[str, str] = {}  # the manifest and version files read: path -> sha256 prefix of the content


class Distribution(Record):
    """A locked Python package with no universal wheel: its sdist, and the tags of its wheels."""

    name: str  # normalized
    sdist: bool
    wheels: tuple[str, ...]  # "cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64"


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
    app_target_file: str | None = None  # the file that defines it ("src/pkg/module.py"), found in the code
    django_settings: str | None  # "mysite.settings"
    django_static_root: bool  # settings set STATIC_ROOT: collectstatic has a destination
    manage_py: bool
    procfile_web: str | None
    src_layout: bool
    entry_files: tuple[str, ...]  # app.py / main.py / server.py / wsgi.py / asgi.py at the root
    system_deps: tuple[str, ...]  # dependencies that need OS libraries (psycopg2, mysqlclient, Pillow, lxml)
    serves: str | None = None  # where the code starts a server itself ("main.py:12"): None for a job or a CLI
    distributions: tuple[Distribution, ...] = ()  # locked packages that may be built from source (no universal wheel)
    vcs_requirements: tuple[str, ...] = ()  # git+https:// requirements (the builder needs git)
    server_config: str | None = None  # a server's own config file: "uwsgi.ini", "gunicorn.conf.py"
    writable: tuple[str, ...] = ()  # directories the app creates at start (Flask's instance folder), from the app dir
    workspace: Workspace | None = None  # the uv workspace this app is a member of
    port_hints: tuple[PortHint, ...]
    notices: tuple[Notice, ...] = ()
    inputs: Mapping[str, str] = {}  # the manifest and version files read: path -> sha256 prefix of the content


class ImageRef(Record):
    """A base image: ``repository:tag[@digest]``; ``tag_expr`` is the tag as written with ARGs."""

    repository: str  # "node", "gcr.io/distroless/nodejs24-debian13"
    tag: str  # the resolved tag: "24.11.1-trixie-slim"
    tag_expr: str  # the tag as the Dockerfile writes it, with ARGs: "${NODE_VERSION}-trixie-slim"
    digest: str | None = None  # "sha256:..." when pinned by digest

    @property
    def ref(self) -> str:
        """``repository:tag[@digest]``, resolved."""
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")

    @property
    def ref_expr(self) -> str:
        """``repository:tag_expr[@digest]``: what FROM writes."""
        return f"{self.repository}:{self.tag_expr}" + (f"@{self.digest}" if self.digest else "")


class BuildArg(Record):
    """A global ``ARG NAME=value`` shown at the top of the Dockerfile so users can bump it."""

    name: str  # NODE_VERSION, PYTHON_VERSION, TINI_VERSION...
    value: str  # its pinned value
    comment: str  # one line saying what it is and where it came from


class CopyStep(Record):
    """``COPY [--from=stage] src... dest`` with paths already checked to be safe to write."""

    sources: tuple[str, ...]  # paths in the context or in the stage
    dest: str  # destination in the image
    from_stage: str | None = None  # COPY --from=<stage>; None: from the context
    comment: str | None = None  # what it copies and why


class RuntimeChoice(Record):
    """The runtime version decision and where it came from (``detect --json`` ``runtime``)."""

    name: str  # "node"
    requested: str | None  # the request as written (">=20", "lts/iron", "3.13"); None when nothing asked
    source: str | None  # where the request came from (".nvmrc", "--node-version", "requires-python")
    resolved: str  # the exact version the image runs: "24.11.1", "3.14.2"
    major: int  # 24; 3 for CPython
    lts: bool  # Node: a long-term-support line (CPython: always false)
    codename: str | None  # Node LTS codename ("Krypton")
    end_of_life: str | None  # ISO date the line reaches end of life, when known
    table_date: str  # when dockgen's version table was made (what it knows is as of then)
    line: str = ""  # the release line: Node's major ("24"), CPython's minor ("3.14")


class Decision(Record):
    """One explained choice of the plan (shown by ``dockgen plan``)."""

    topic: str  # "node version", "template", "install"...
    choice: str  # what was chosen
    why: str  # the reason, one sentence


class IgnoreRule(Record):
    """A .dockerignore rule dockgen adds."""

    pattern: str  # in .dockerignore syntax
    comment: str | None = None  # its category: what it keeps out


class InstallSpec(Record):
    """How the package manager is set up and run in the builder."""

    manager: PackageManager
    version: str | None  # what the image will run, when dockgen pins it
    lockfile: str | None  # the lockfile installs are frozen to
    manifest_files: tuple[str, ...]  # copied before the install, in this order
    setup: tuple[str, ...]  # shell commands run once before installs (e.g. npm install -g pnpm@x)
    setup_copy: tuple[CopyStep, ...]  # e.g. the bun binary copied from its image
    env: Mapping[str, str]  # ENV for the install stages
    install_all: str  # all dependencies, frozen
    install_prod: str  # production dependencies only, frozen (Python: the dependencies, not the project)
    cache_target: str  # BuildKit cache mount target
    frozen: bool  # installs refuse to change the lockfile
    secrets: tuple[str, ...] = ()  # build secrets mounted into the install (e.g. "npmrc")
    context_first: bool = False  # workspaces: the whole context is copied before installing
    install_project: str | None = None  # Python: installs the project itself, after the sources
    prune: str | None = None  # turborepo: the command of a "prune" stage (`turbo prune <app> --docker`)


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
    collectstatic: bool  # Django: run collectstatic in the builder
    server: str  # "gunicorn", "uvicorn", "gunicorn+uvicorn", "uwsgi", "procfile", "script", "python"
    writable: tuple[str, ...] = ()  # directories made in the builder and owned by the runtime user (Flask's instance)


class BuildPlan(Record):
    """Every decision for one app. JSON-serialisable; rendering reads only this."""

    schema: int = 1  # version of this structure
    dockgen_version: str  # the dockgen that made the plan
    language: Language
    template: str  # the template rendered (a user's, when --template-dir provides it)
    app_name: str  # the package name, for labels and comments (any text: use the comment/dq filters)
    runtime: RuntimeChoice  # the Node or CPython version the image runs
    args: tuple[BuildArg, ...]  # global ARGs with the pinned versions, in order
    builder_image: ImageRef  # the image the build stages start FROM
    runtime_image: ImageRef  # the image the final stage starts FROM
    tool_images: Mapping[str, ImageRef]  # images tools are copied from ("uv", "bun"), by name
    suite: str  # Debian suite (or "alpine3.22") of the images
    install: InstallSpec
    layout: str  # "deps+runtime", "deps+build+runtime", "build+runtime" (self-contained output), "static"
    build_command: str | None  # the build script run in the build stage ("npm run build"), None: no build
    build_cleanup: str | None = None  # run after the build (a workspace: the build stage's dev node_modules)
    build_env: Mapping[str, str]  # ENV of the build stage
    builder_packages: tuple[str, ...]  # OS packages for native addons, builder only
    runtime_packages: tuple[str, ...]  # OS packages the runtime needs (slim/alpine only)
    init: str  # path of tini in the runtime image
    init_package: str | None  # "tini=0.19.0-3+b8" / "tini=0.19.0-r3"; None when copied
    init_copy: CopyStep | None  # distroless: tini-static copied from the builder stage
    runtime_copies: tuple[CopyStep, ...]  # what the runtime stage copies from the build stages, in order
    copy_sources: bool  # runtime gets the (ignore-filtered) context: apps without a build step
    workdir: str  # WORKDIR of every stage ("/app")
    user: str  # numeric "uid:gid"
    user_create: tuple[str, ...]  # commands creating the user (alpine), empty when the base has it
    env: Mapping[str, str]  # ENV of the runtime stage (NODE_ENV, PORT, PATH...)
    port: int | None  # EXPOSE (None: the app listens on no known port)
    entrypoint: tuple[str, ...]  # ENTRYPOINT in exec form: tini first
    cmd: tuple[str, ...]  # CMD in exec form: the app
    start_command: tuple[str, ...] | None  # the app's argv as detect reports it (node ...)
    labels: Mapping[str, str]  # OCI labels (org.opencontainers.image.*)
    stopsignal: str | None  # STOPSIGNAL, when the server needs another than SIGTERM
    ignore: tuple[IgnoreRule, ...]  # .dockerignore rules this plan adds to the categories (ignore.py)
    context_needs: tuple[str, ...]  # paths the Dockerfile copies from the context ("." = all of it)
    decisions: tuple[Decision, ...]  # every choice and why (`dockgen plan`)
    notices: tuple[Notice, ...]  # warnings and notes for the user
    static_root: str | None = None  # static sites: where the web server serves from
    python: PythonSpec | None = None  # Python apps: the virtualenv and what runs in it
    inputs: Mapping[str, str] = {}  # the facts' input digests, stamped into the Dockerfile for `dockgen check`
    options: Mapping[str, str] = {}  # the options that shaped the plan (template, versions, port), stamped too
    carried: tuple[str, ...] = ()  # instructions kept verbatim from a migrated Dockerfile (runtime stage)
    carry: Carry | None = None  # all that a migration kept (stamped, so `dockgen check` can re-plan with it)
    template_dir: str | None = None  # absolute directory of the user templates (--template-dir), None: built-ins
    run_dir: str | None = None  # WORKDIR of the runtime stage when it is not ``workdir`` (a workspace member's dir)
    context: str = "."  # the build context, relative to the app's directory ("../.." for a workspace member)
    dockerfile: str = "Dockerfile"  # the Dockerfile's path in the build context ("apps/api/Dockerfile")
    ignore_file: str = ".dockerignore"  # the ignore file dockgen writes, relative to the app's directory
    workspace: Workspace | None = None  # the workspace the app is a member of
    engine: Engine = "buildkit"  # the user's engine: "buildkit" (Docker 23+ with buildx) or "legacy" (Docker 20.10)


class RenderedFile(Record):
    path: str  # relative to the app root
    content: str


class WriteStatus(enum.StrEnum):
    CREATE = "create"
    IDENTICAL = "identical"
    CONFLICT = "conflict"
    OVERWRITE = "overwrite"
    SKIP = "skip"
    KEEP = "keep"  # differs only by the user's edits that `dockgen update --write` kept: left as it is


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

