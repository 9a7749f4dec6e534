"""Every decision for a Node app, in one pure function: ``plan_node(facts, options, pins)``.

Nothing here reads the disk or the host: facts and pins in, BuildPlan out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from . import __version__
from .detect.node import clean_rel
from .dockerignore import DEFAULT_ENGINE, ENGINES, check_engine
from .errors import OptionError, PlanError, TemplateError
from .ignore import node_plan_rules
from .model import (
    BuildArg,
    BuildPlan,
    Carry,
    CopyStep,
    Decision,
    Framework,
    IgnoreRule,
    ImageRef,
    InstallSpec,
    Language,
    NodeFacts,
    Notice,
    PackageManager,
    PythonFacts,
    RuntimeChoice,
    Severity,
)
from .pins import Pins, default_pins
from .record import Record
from .startcmd import translate
from .templates_registry import dir_notices, get_template
from .versions import pending_lts, resolve_node
from .workspace import Workspace, WorkspacePackage

WORKDIR = "/app"
SAFE_PATH = re.compile(r"[A-Za-z0-9._@+-][A-Za-z0-9._@+/-]*")
SAFE_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# native addons that need shared libraries at run time (beyond glibc/libstdc++): Debian packages
RUNTIME_LIBS = {
    "canvas": ("libcairo2", "libpango-1.0-0", "libpangocairo-1.0-0", "libjpeg62-turbo", "libgif7", "librsvg2-2"),
}
# addons whose install script must run (no prebuilt binary bundled in the package itself)
NEEDS_INSTALL_SCRIPT = frozenset({"canvas", "sqlite3", "better-sqlite3", "argon2", "node-sass", "re2", "isolated-vm",
                                  "zeromq", "node-pty", "usb", "serialport", "@serialport/bindings-cpp", "libxmljs",
                                  "libxmljs2", "leveldown", "microtime", "farmhash", "kerberos", "hiredis",
                                  "cpu-features", "deasync", "ffi-napi", "ref-napi", "node-expat", "unix-dgram",
                                  "epoll"})
BUILD_TOOLS_DEBIAN = ("python3", "make", "g++")
BUILD_TOOLS_ALPINE = ("python3", "make", "g++")
# headers an addon compiles against when no prebuilt binary can be fetched (builder only)
BUILD_LIBS_DEBIAN = {
    "canvas": ("pkg-config", "libcairo2-dev", "libpango1.0-dev", "libjpeg-dev", "libgif-dev", "librsvg2-dev"),
}
BUILD_LIBS_ALPINE = {
    "canvas": ("pkgconf", "cairo-dev", "pango-dev", "jpeg-dev", "giflib-dev", "librsvg-dev"),
}
RUNTIME_LIBS_ALPINE = {"canvas": ("cairo", "pango", "jpeg", "giflib", "librsvg")}
FRAMEWORK_PORTS = {Framework.NEXT: 3000, Framework.NUXT: 3000, Framework.REMIX: 3000, Framework.NEST: 3000}
SOURCE_DIRS = frozenset({"public"})  # copied to the runtime through the build stage, but sources, not outputs
SERVER_FRAMEWORKS = {Framework.EXPRESS, Framework.FASTIFY, Framework.KOA, Framework.HAPI, Framework.HONO}


class Options(Record):
    """The user's choices, shared by the CLI, the recorded answers and the Python API (declared once:
    the CLI flags, the answers keys and ``OptionValues`` are checked against these fields by the tests)."""

    template: str | None = None
    node_version: str | None = None
    python_version: str | None = None
    port: int | None = None
    language: str | None = None  # "node" / "python": which manifests to read when a repo has both
    template_dir: str | None = None  # a directory of user templates; relative paths are relative to the app root
    allow_list: bool | None = None  # write the .dockerignore as an allow-list
    engine: str | None = None  # the user's engine: "buildkit" (Docker 23+ with buildx, the default) or "legacy" (20.10)

    def recorded(self) -> dict[str, str]:
        """The options that were given, as strings (stamped into the Dockerfile, recorded for re-runs)."""
        return {name: _text(getattr(self, name)) for name in self.__fields__ if getattr(self, name) is not None}

    @classmethod
    def from_recorded(cls, values: dict[str, str]) -> Options:
        """The options a dockgen-stamp recorded (StampError when they are corrupt)."""
        from .errors import StampError

        known: dict[str, object] = {k: v for k, v in values.items() if k in cls.__fields__}
        if "port" in known:
            port = str(known["port"])
            if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
                raise StampError(f"the stamp's options are corrupt: port {port!r} is not a port number",
                                 "restore the stamp line from version control; or delete it, and dockgen treats "
                                 "the file as a hand-written one (`dockgen migrate` moves it to the v2)")
            known["port"] = int(port)
        if "allow_list" in known:
            known["allow_list"] = str(known["allow_list"]).lower() == "true"
        return cls(**known)  # type: ignore[arg-type]

    def over(self, recorded: Options) -> Options:
        """These options where given, ``recorded`` ones elsewhere (a flag beats a recorded answer)."""
        return Options(**{n: getattr(self, n) if getattr(self, n) is not None else getattr(recorded, n)
                          for n in self.__fields__})


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class OptionValues(TypedDict, total=False):
    """``Options`` as keyword arguments of the API functions (``dockgen.plan(facts, port=8080)``)."""

    template: str | None
    node_version: str | None
    python_version: str | None
    port: int | None
    language: str | None
    template_dir: str | None
    allow_list: bool | None
    engine: str | None


def options_from(options: Options | None, values: Mapping[str, object]) -> Options:
    """One ``Options`` from an ``options=`` argument or keyword values (not both)."""
    unknown = sorted(set(values) - set(Options.__fields__))
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; options are {', '.join(Options.__fields__)}")
    if options is not None and not isinstance(options, Options):
        raise OptionError(f"options= takes a dockgen.Options, not {type(options).__name__}",
                          "pass options=Options(port=8080), or the options as keywords: port=8080")
    if options is not None and any(v is not None for v in values.values()):
        raise TypeError("pass options= or keyword options, not both")
    return checked(options if options is not None else Options(**values))  # type: ignore[arg-type]


_OPTION_TYPES: dict[str, tuple[type, ...]] = {"port": (int,), "allow_list": (bool,), "template_dir": (str, os.PathLike)}


def checked(options: Options) -> Options:
    """``options`` when every value has its declared type (a str, ``port`` an int in 1-65535,
    ``allow_list`` a bool, ``template_dir`` a str or path), else an OptionError naming the option.
    The CLI and the answers reader check their own input; this is the API's guard."""
    for name in Options.__fields__:
        value = getattr(options, name)
        if value is None:
            continue
        kinds = _OPTION_TYPES.get(name, (str,))
        wrong = not isinstance(value, kinds) or (name == "port" and isinstance(value, bool))
        if wrong:
            expected = " or ".join({"int": "an int", "bool": "a bool", "str": "a str"}.get(k.__name__, "a path")
                                   for k in kinds)
            raise OptionError(f"option {name}={value!r} is {type(value).__name__!r}, not {expected}",
                              f"pass {name}=" + {"port": "8080", "allow_list": "True"}.get(name, '"..."'))
        if name == "port" and not 1 <= value <= 65535:
            raise OptionError(f"option port={value} is not a TCP port", "use 1-65535")
        if name == "engine" and value not in ENGINES:
            raise OptionError(f"option engine={value!r} is not an engine dockgen knows", 'pass engine="buildkit" '
                              '(Docker 23+ with buildx, the default) or engine="legacy" (Docker 20.10)')
        if name == "language" and value not in ("node", "python"):
            raise OptionError(f"option language={value!r} is not 'node' or 'python'", 'pass language="node" '
                              'or language="python"')
        if isinstance(value, str) and not value.strip():
            raise OptionError(f"option {name} is empty", f"omit {name}, or give it a value")
    if isinstance(options.template_dir, os.PathLike):
        return options.replace(template_dir=os.fspath(options.template_dir))
    return options


def resolve_template_dir(options: Options, root: str | os.PathLike[str] | None) -> Path | None:
    """The absolute template directory of ``options`` (a relative one is relative to the app root)."""
    if options.template_dir is None:
        return None
    if not options.template_dir.isprintable():  # NUL (no path holds it), a line break, an escape sequence
        raise TemplateError(f"template directory {options.template_dir[:80]!r} holds a control character",
                            "name the directory of your templates with printable characters (--template-dir DIR)")
    path = Path(options.template_dir)
    if path.is_absolute():
        return path
    if root is None:
        raise TemplateError(f"template directory {options.template_dir!r} is relative, and no app root was given",
                            "pass root= (relative template directories are relative to the app's root) "
                            "or an absolute path")
    return Path(os.path.abspath(Path(root) / path))


def repository_top(root: str | os.PathLike[str]) -> Path:
    """The checkout ``root`` belongs to: the nearest directory up from it with a ``.git``, else its
    workspace root, else ``root`` (all resolved)."""
    start = Path(os.path.realpath(root))
    for candidate in (start, *start.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    from .workspace import find_root

    found = find_root(start)
    return Path(os.path.realpath(found[0])) if found is not None else start


def contain_template_dir(options: Options, root: str | os.PathLike[str], where: str) -> Options:
    """``options`` read from the repository (answers, a Dockerfile stamp), when their template directory
    resolves inside the repository's checkout: a cloned repository must not point dockgen at templates
    elsewhere on the machine. A directory given on the command line (or to the API) is the user's own
    choice, and is not checked here."""
    if options.template_dir is None:
        return options
    try:
        wanted = resolve_template_dir(options, root)
    except TemplateError as exc:
        raise TemplateError(f"{where}: {exc.message}", exc.hint) from exc
    assert wanted is not None
    top = repository_top(root)
    real = Path(os.path.realpath(wanted))
    if os.path.commonpath([top, real]) != str(top):
        raise TemplateError(f"{where}: template-dir {options.template_dir!r} leads outside the repository "
                            f"({real}, not below {top}); dockgen uses a template directory from the repository "
                            "only inside it",
                            "templates outside the checkout are used when you name them: pass --template-dir DIR "
                            "(or template_dir= to the API)")
    return options


def origin(origins: Mapping[str, str] | None, name: str) -> str:
    """How the user gave option ``name``, for messages: its flag, or the recorded answer it came from."""
    return (origins or {}).get(name) or "--" + name.replace("_", "-")


def plan_app(facts: NodeFacts | PythonFacts, options: Options | None = None, pins: Pins | None = None,
             carry: Carry | None = None, root: str | os.PathLike[str] | None = None,
             origins: Mapping[str, str] | None = None) -> BuildPlan:
    """Every decision for the app, Node or Python (``carry``: what a migrated Dockerfile keeps;
    ``origins``: option name -> where it came from when not a flag, e.g. a recorded answer).

    A user template (``options.template_dir``) is planned as its base built-in, then rendered from the
    user's file: the plan names it, and says where the templates come from."""
    options = options or Options()
    template_dir = resolve_template_dir(options, root)
    try:
        chosen = get_template(options.template, template_dir) if options.template else None
    except TemplateError as exc:
        if origins and "template" in origins:  # a recorded answer: say where it is
            raise TemplateError(f"{origins['template']}: {exc.message}", exc.hint) from exc
        raise
    planned = options.replace(template=chosen.base) if chosen is not None and chosen.base else options
    if chosen is not None and chosen.source == "user" and chosen.language != facts.language.value:
        raise TemplateError(f"your template {chosen.name} renders a {chosen.base} plan, for {chosen.language} apps; "
                            f"this is a {facts.language.value} app",
                            f"choose a {facts.language.value} template (see `dockgen templates`), or change its base=")
    if isinstance(facts, PythonFacts):
        from .plan_python import plan_python

        plan = plan_python(facts, planned, pins, carry, origins)
    else:
        plan = plan_node(facts, planned, pins, carry, origins)
    plan = _for_engine(plan, planned, origins)
    if template_dir is None:
        return plan
    final = get_template(chosen.name if chosen is not None else plan.template, template_dir)
    decisions = plan.decisions
    if final.source == "user":
        why = (f"your template {final.path} overrides the built-in" if final.base == final.name
               else f"your template {final.path}, rendered from the {final.base} plan")
        decisions += (Decision(topic="template source", choice=final.name, why=why),)
    return plan.replace(template=final.name, template_dir=str(template_dir), decisions=decisions,
                        options=options.recorded(), notices=plan.notices + dir_notices(template_dir, final.name))


def _for_engine(plan: BuildPlan, options: Options, origins: Mapping[str, str] | None) -> BuildPlan:
    """The user's engine: whose .dockerignore semantics the measured .dockerignore follows.

    It does not change the Dockerfile. ``COPY --link`` was weighed for a modern engine and left out, after
    building it on both image stores of Docker 26: with the default graph-driver store it changes nothing
    (Docker turns the layer merge off there: after a new base image the copies run again), and with the
    containerd store, where it does keep the app's layers, the merge re-owns the WORKDIR (root instead of
    the base image's user: distroless's 65532 could no longer create files there). One Dockerfile would then
    give the app a writable WORKDIR on one store and not on the other; plain COPY behaves the same on all."""
    engine = check_engine(options.engine, origin(origins, "engine")) if options.engine else DEFAULT_ENGINE
    if options.engine:
        why = f"{origin(origins, 'engine')}; its .dockerignore semantics are measured"
    else:
        why = ("the default: Docker 23+ with buildx, whose .dockerignore semantics are measured; --engine legacy "
               "for Docker 20.10's")
    decision = Decision(topic="engine", choice=engine, why=why + "; the Dockerfile is the same for both (plain "
                        "COPY: COPY --link would re-own the WORKDIR on the containerd image store)")
    return plan.replace(engine=engine, decisions=(*plan.decisions, decision))


def plan_node(facts: NodeFacts, options: Options | None = None, pins: Pins | None = None,
              carry: Carry | None = None, origins: Mapping[str, str] | None = None) -> BuildPlan:
    options = options or Options()
    carry = carry or Carry()
    workdir = carry.workdir if carry.workdir and SAFE_PATH.fullmatch(carry.workdir.lstrip("/")) else WORKDIR
    pins = pins or default_pins()
    notices: list[Notice] = list(facts.notices)
    decisions: list[Decision] = []

    static = facts.framework is Framework.VITE_STATIC or facts.next_output == "export"
    start_argv, start_env, start_why, prebuild = _start_command(facts, notices)
    if carry.start:
        start_argv, start_env, start_why, prebuild = carry.start, (), "the migrated Dockerfile's CMD, kept", ()
    # the start command runs bun (`bun index.ts`): Bun is the runtime, from its official image
    bun = not static and bool(start_argv) and (start_argv or ("",))[0] == "bun"
    bun_builder = bun and facts.package_manager is PackageManager.BUN  # else node installs, bun runs
    bun_choice = _bun_runtime(facts, pins)
    version_notices: list[Notice] = []
    if bun_builder:  # no Node.js in the image: its version hints do not apply
        runtime = bun_choice
        if options.node_version:
            notices.append(Notice(severity=Severity.WARNING, topic="node version",
                                  message=f"{origin(origins, 'node_version')}: the app runs with Bun and bun "
                                          "installs it; no Node.js in the image, so it is ignored"))
    else:
        runtime, version_notices = resolve_node(pins.node, facts.version_hints, options.node_version,
                                                origin(origins, "node_version"))
    notices += version_notices
    if options.python_version:
        notices.append(Notice(severity=Severity.WARNING, topic="python version",
                              message=f"{origin(origins, 'python_version')} is for Python apps; this is a Node "
                                      "app: ignored"))
    if runtime.name == "node":
        decisions.append(Decision(
            topic="node version", choice=runtime.resolved,
            why=(f"{runtime.source} asks for {runtime.requested!r}; newest {'LTS ' if runtime.lts else ''}release "
                 f"that satisfies it in dockgen's table ({runtime.table_date})")
            if runtime.source
            else f"no version requested: the newest LTS release in dockgen's table ({runtime.table_date})"
            + (f"; {pending}" if (pending := pending_lts(pins.node)) else ""),
        ))
    if bun:
        decisions.append(Decision(topic="bun version", choice=bun_choice.resolved,
                                  why=f"scripts run the app with bun ({' '.join(start_argv or ())}); "
                                      + (f"{bun_choice.source} pins {bun_choice.requested}" if bun_choice.source
                                         else f"the newest Bun dockgen knows ({pins.as_of})")))

    if bun:
        template = _choose_bun_template(options, decisions, origin(origins, "template"))
    else:
        template = _choose_template(facts, options, runtime, pins, static, decisions, origin(origins, "template"))
    info = get_template(template)

    node = pins.images["node"]
    alpine = pins.images["alpine"]
    if bun_builder:
        suite = pins.images["bun"]["suite"]
    elif template == "node-alpine-nonroot":
        suite = f"alpine{alpine['version']}"
    elif template == "node-distroless":
        suite = "trixie" if runtime.major in node["distroless"]["debian13"] else "bookworm"
    else:
        suite = "trixie" if runtime.major in node["images"]["trixie"] else "bookworm"
    suites = pins.images["debian"]["suites"]

    args = [BuildArg(name="NODE_VERSION", value=runtime.resolved, comment=_node_comment(runtime))]
    if bun:
        bun_arg = BuildArg(name="BUN_VERSION", value=bun_choice.resolved,
                           comment=f"Bun {bun_choice.resolved}, the app's runtime (oven/bun)"
                           + (f"; from {bun_choice.source}" if bun_choice.source else ""))
        args = [bun_arg] if bun_builder else [*args, bun_arg]
    if bun_builder:
        builder = ImageRef(repository="oven/bun", tag=f"{bun_choice.resolved}-slim", tag_expr="${BUN_VERSION}-slim")
    elif template == "node-alpine-nonroot":
        args.append(BuildArg(name="ALPINE_VERSION", value=alpine["version"],
                             comment="Alpine release of the node image"))
        builder = ImageRef(repository="node", tag=f"{runtime.resolved}-alpine{alpine['version']}",
                           tag_expr="${NODE_VERSION}-alpine${ALPINE_VERSION}")
    else:
        builder = ImageRef(repository="node", tag=f"{runtime.resolved}-{suite}-slim",
                           tag_expr=f"${{NODE_VERSION}}-{suite}-slim")

    if bun:
        variant = "distroless" if template == "bun-distroless" else "slim"
        runtime_image = ImageRef(repository="oven/bun", tag=f"{bun_choice.resolved}-{variant}",
                                 tag_expr=f"${{BUN_VERSION}}-{variant}")
    elif template == "node-distroless":
        distro = f"debian{suites[suite]['version']}"
        runtime_image = ImageRef(repository=f"gcr.io/distroless/nodejs{runtime.major}-{distro}",
                                 tag=node["distroless"]["tag"], tag_expr=node["distroless"]["tag"])
    elif template == "static-nginx":
        static_pins = pins.images["static"]
        args.append(BuildArg(name="NGINX_VERSION", value=static_pins["nginx_unprivileged"],
                             comment="nginx of the static runtime (nginxinc/nginx-unprivileged)"))
        runtime_image = ImageRef(repository="nginxinc/nginx-unprivileged",
                                 tag=f"{static_pins['nginx_unprivileged']}-{static_pins['nginx_variant']}",
                                 tag_expr=f"${{NGINX_VERSION}}-{static_pins['nginx_variant']}")
    else:
        runtime_image = builder

    # ---- init (tini) -------------------------------------------------------------------------------
    init_package: str | None = None
    init_copy: CopyStep | None = None
    if template == "node-alpine-nonroot":
        init, init_package = "/sbin/tini", f"tini={alpine['tini']}"
        args.append(BuildArg(name="TINI_VERSION", value=alpine["tini"], comment="Alpine's tini package"))
    elif template == "static-nginx":
        init = ""
    else:
        args.append(BuildArg(name="TINI_VERSION", value=suites[suite]["tini"],
                             comment=f"Debian {suite}'s tini package"))
        init_package = f"tini={suites[suite]['tini']}"
        if template in ("node-distroless", "bun-distroless"):
            init = "/tini"
            init_copy = CopyStep(sources=("/usr/bin/tini-static",), dest="/tini", from_stage="tini",
                                 comment="a static tini as PID 1: forwards signals, reaps zombies")
        else:
            init = "/usr/bin/tini"
    if init:
        decisions.append(Decision(topic="init", choice=f"tini ({init})",
                                  why=f"{'bun' if bun else 'node'} as PID 1 ignores SIGTERM and never reaps "
                                      "orphans; tini forwards "
                                      "signals so `docker stop` takes well under a second"))

    # ---- package manager ---------------------------------------------------------------------------
    install = _install_spec(facts, runtime, template, pins, notices, bun_builder=bun_builder)
    ws = facts.workspace
    if ws is not None:
        install = _workspace_install(facts, ws, install, notices)
        if not any(k in facts.scripts for k in ("start", "start:prod")):
            notices.append(Notice(severity=Severity.WARNING, topic="workspaces",
                                  message=f"{ws.member} has no start script: it looks like a library of the "
                                          "workspace, not an app (`dockgen init --all` skips it)"))
    if install.setup_copy:
        bun_ref = install.setup_copy[0].from_stage or ""
        repo_, _, tag = bun_ref.partition(":")
        tool_images = {"bun": ImageRef(repository=repo_, tag=tag, tag_expr=tag)}
    else:
        tool_images = {}
    decisions.append(Decision(
        topic="package manager",
        choice=f"{install.manager}" + (f" {install.version}" if install.version else ""),
        why=f"{facts.package_manager_source}; " + (f"frozen install from {install.lockfile}" if install.frozen
                                                    else "no lockfile, so the install is not frozen"),
    ))

    # ---- start command, build, layout --------------------------------------------------------------
    build_command = _build_command(facts, install.manager, prebuild, bun=bun)
    if ws is not None:
        build_command = _workspace_build(facts, ws, install.manager, build_command, notices)
    outputs = _build_outputs(facts, start_argv) if build_command else ()
    if start_argv and not bun and not carry.start:
        start_argv, start_why = _checked_entry(facts, start_argv, start_why, build_command, outputs, notices)
        if build_command:
            outputs = _build_outputs(facts, start_argv)
    node_path = "/nodejs/bin/node" if template == "node-distroless" else "node"
    runtime_copies: list[CopyStep] = []
    copy_sources = False
    has_deps = bool(facts.dependencies) or facts.workspaces  # workspace packages bring their own
    static_root: str | None = None
    entry_in_outputs = False
    run_dir: str | None = None
    build_cleanup: str | None = None
    in_app = f"{workdir}/{ws.member}" if ws is not None else workdir  # the app's directory in the image
    if static:
        layout = "static"
        out = facts.static_out_dir or ("out" if facts.next_output == "export" else "dist")
        if build_command is None:
            raise PlanError("a static site needs a build script", "add scripts.build (e.g. \"vite build\")")
        static_root = "/usr/share/nginx/html"
        runtime_copies.append(CopyStep(sources=(f"{in_app}/{out}",), dest=static_root, from_stage="build",
                                       comment="the built site, nothing else"))
        start_argv, start_env = None, ()
    elif ws is not None:
        layout, copies, start_argv, start_why = _workspace_layout(facts, ws, workdir, build_command, start_argv,
                                                                  start_why)
        runtime_copies += copies
        run_dir = in_app
        if build_command and layout == "deps+build+runtime":  # the runtime takes the production node_modules
            build_cleanup = "rm -rf " + " ".join(f"{p.dir}/node_modules" for p in (*ws.local, ws.package()))
    elif facts.framework is Framework.NEXT and facts.next_output == "standalone":
        layout = "build+runtime"
        runtime_copies += [
            CopyStep(sources=(f"{workdir}/.next/standalone",), dest="./", from_stage="build",
                     comment="Next.js standalone output: server.js plus the node_modules it traces"),
            CopyStep(sources=(f"{workdir}/.next/static",), dest="./.next/static", from_stage="build"),
        ]
        if facts.has_public_dir:
            runtime_copies.append(CopyStep(sources=(f"{workdir}/public",), dest="./public", from_stage="build"))
        start_argv = ("node", "server.js")
        start_why = "Next.js standalone output runs server.js"
    elif facts.framework is Framework.NUXT and build_command:
        layout = "build+runtime"
        runtime_copies.append(CopyStep(sources=(f"{workdir}/.output",), dest="./.output", from_stage="build",
                                       comment="Nuxt's .output is self-contained (server and its dependencies)"))
        start_argv = ("node", ".output/server/index.mjs")
        start_why = "Nuxt builds a self-contained server at .output/server/index.mjs"
    elif build_command:
        if facts.framework is Framework.NEXT:
            notices.append(Notice(severity=Severity.INFO, topic="next.js",
                                  message="set output: 'standalone' in next.config to ship only the files the "
                                          "server needs (typically a third of the size)"))
        layout = "deps+build+runtime" if has_deps else "build+runtime"
        entry_in_outputs = bool(start_argv) and any(_under(a, outputs) for a in (start_argv or ())[1:2])
        copy_sources = not entry_in_outputs
        if has_deps:
            runtime_copies += _deps_copies(facts, workdir)
        for out in outputs:
            runtime_copies.append(CopyStep(sources=(f"{workdir}/{out}",), dest=f"./{out}", from_stage="build"))
        if not copy_sources:
            runtime_copies.append(CopyStep(sources=("package.json",), dest="./"))
    elif has_deps:
        layout = "deps+runtime"
        copy_sources = True
        runtime_copies += _deps_copies(facts, workdir)
    else:
        layout = "runtime"  # no dependencies and nothing to build: the sources are the app
        copy_sources = True
    if start_argv is None and not static:
        raise PlanError(
            f"cannot tell how to start the app ({start_why})",
            'add scripts.start ("node server.js") or "main" to package.json, or create server.js',
        )
    decisions.append(Decision(topic="layout", choice=layout, why=_layout_why(layout, outputs, copy_sources)))
    if start_argv is not None:
        decisions.append(Decision(topic="start command", choice=" ".join(start_argv), why=start_why))

    # ---- port, env, user --------------------------------------------------------------------------
    port = _port(facts, options, static, notices, decisions, origin(origins, "port"))
    env: dict[str, str] = {}
    if not static:
        env["NODE_ENV"] = "production"
        if port is not None:
            env["PORT"] = str(port)
        if facts.framework is Framework.NEXT:
            env["HOSTNAME"] = "0.0.0.0"
            env["NEXT_TELEMETRY_DISABLED"] = "1"
        if facts.framework is Framework.NUXT:
            env["HOST"] = "0.0.0.0"
        if start_argv and any(a.startswith("node_modules/fastify-cli/") for a in start_argv[1:2]):
            env["FASTIFY_ADDRESS"] = "0.0.0.0"  # fastify-cli listens on localhost outside Docker/Kubernetes
        preload: list[str] = []
        if _pnp(facts):  # as `yarn node` runs it: Plug'n'Play resolves the requires (and ESM imports)
            preload.append(f"--require {workdir}/.pnp.cjs")
            if facts.module_type == "module":
                preload.append(f"--experimental-loader {workdir}/.pnp.loader.mjs")
        lingering = _lingers(start_argv)
        if lingering and layout != "runtime":  # the helper is written in the base stage
            preload.append(f"--require {STOP_HELPER}")
            install = install.replace(setup=(*install.setup, *STOP_WRITE))
            runtime_copies.append(CopyStep(sources=(STOP_HELPER,), dest=STOP_HELPER, from_stage="base",
                                           comment=f"{lingering} closes its server on SIGTERM, then lingers on "
                                                   "timers: this exits 1 s after the signal"))
            decisions.append(Decision(topic="stop", choice="exit 1 s after SIGTERM",
                                      why=f"{lingering} closes its server on SIGTERM but the process lives on until "
                                          "React's streaming abort timers end (6 s after the last request): a "
                                          "preloaded helper exits 1 s after the signal, so `docker stop` is fast"))
        if preload:
            env["NODE_OPTIONS"] = " ".join(preload)
        for k, v in start_env:
            if SAFE_ENV_NAME.fullmatch(k) and k not in ("PORT",):
                env.setdefault(k, v)
    build_env = {"NEXT_TELEMETRY_DISABLED": "1"} if facts.framework is Framework.NEXT else {}

    user_create: tuple[str, ...] = ()
    if template in ("node-distroless", "bun-distroless"):
        user = "65532:65532"
        user_why = "distroless's nonroot user"
    elif template in ("node-slim", "bun-slim"):
        user = "1000:1000"
        user_why = f"the {'bun' if bun else 'node'} user of the official image"
    elif template == "static-nginx":
        user = "101:101"
        user_why = "nginx-unprivileged's nginx user"
    else:
        user = "10001:10001"
        user_create = ("addgroup -S -g 10001 app", "adduser -S -D -H -u 10001 -G app -s /sbin/nologin app")
        user_why = "a fixed uid/gid so volume permissions are predictable"
    decisions.append(Decision(topic="user", choice=user,
                              why=f"{user_why}; numeric so Kubernetes runAsNonRoot can verify it"))

    builder_packages: tuple[str, ...] = ()
    runtime_packages: tuple[str, ...] = ()
    if facts.native_addons:
        alpine_based = template == "node-alpine-nonroot"
        tools = BUILD_TOOLS_ALPINE if alpine_based else BUILD_TOOLS_DEBIAN
        dev_libs = BUILD_LIBS_ALPINE if alpine_based else BUILD_LIBS_DEBIAN
        builder_packages = tools + tuple(sorted({p for a in facts.native_addons for p in dev_libs.get(a, ())}))
        run_libs = RUNTIME_LIBS_ALPINE if alpine_based else RUNTIME_LIBS
        libs = sorted({lib for a in facts.native_addons for lib in run_libs.get(a, ())})
        if libs:
            if template == "node-distroless":
                raise TemplateError(f"{', '.join(a for a in facts.native_addons if a in RUNTIME_LIBS)} needs "
                                    "shared libraries that distroless does not have",
                                    "use --template node-slim")
            runtime_packages = tuple(libs)
        if (install.manager is PackageManager.NPM and runtime.major >= 24 and not facts.npm_allow_scripts
                and any(a in NEEDS_INSTALL_SCRIPT for a in facts.native_addons)):
            notices.append(Notice(severity=Severity.WARNING, topic="native addons",
                                  message="npm 11.19+ (Node 24+) runs only approved install scripts: approve the "
                                          "addons' builds with `npm install-scripts approve <pkg>` (package.json "
                                          "allowScripts), or npm ci installs them unbuilt"))
        decisions.append(Decision(topic="native addons", choice=", ".join(facts.native_addons),
                                  why="compilers (" + " ".join(builder_packages) + ") in the build stages only"
                                      + (f"; runtime gets {' '.join(libs)}" if libs else "")))

    name = label_text(facts.name) or "app"
    labels = {"org.opencontainers.image.title": name}
    for key, value in (("version", facts.version), ("description", facts.description),
                       ("licenses", facts.license), ("source", facts.repository)):
        text = label_text(value)
        if text:
            labels[f"org.opencontainers.image.{key}"] = text
    labels["org.opencontainers.image.base.name"] = runtime_image.ref

    if start_argv is not None and not static:
        program = {"node": node_path, "bun": "/usr/local/bin/bun"}.get(start_argv[0], start_argv[0])
        cmd = (program, *start_argv[1:])
    else:
        cmd = ()
    entrypoint = (init, "--", *carry.entrypoint) if init else carry.entrypoint

    # local build outputs are never sent: the image builds its own (only what this Dockerfile builds)
    built_outputs = set(outputs) - SOURCE_DIRS
    if facts.framework is Framework.NEXT and build_command:
        built_outputs.add(".next")
    if facts.framework is Framework.NUXT and build_command:
        built_outputs |= {".nuxt", ".output"}
    if static:
        built_outputs.add(facts.static_out_dir or ("out" if facts.next_output == "export" else "dist"))
    if ws is not None:  # the rules are the workspace root's: the member's outputs are under its directory
        built_outputs = {f"{ws.member}/{o}" for o in built_outputs}
    ignore = node_plan_rules(
        built_outputs=tuple(sorted(built_outputs)),
        secret_npmrc=facts.npmrc_has_token,
        yarn_berry=install.manager is PackageManager.YARN and _is_berry(facts),
    ) + (workspace_rules(ws, ("package.json",) if install.manager in (PackageManager.YARN, PackageManager.BUN)
                         or install.prune else ()) if ws is not None else ())  # turbo prune reads the whole graph
    # what the Dockerfile copies from the build context ("." when it copies all of it)
    needs = list(dict.fromkeys(p.rstrip("/") for p in install.manifest_files))
    if copy_sources or build_command or install.context_first or install.prune:
        needs.append(".")
    needs += [step.sources[0].removeprefix(f"{workdir}/") for step in runtime_copies if step.from_stage == "build"
              and step.sources[0].removeprefix(f"{workdir}/") in SOURCE_DIRS]
    if start_argv is not None and copy_sources:
        needs += [c for a in start_argv[1:2] if (c := clean_rel(a)) and not c.startswith("node_modules/")]
    needs += [s for step in runtime_copies if step.from_stage is None for s in step.sources]
    context_needs = tuple(dict.fromkeys(needs))

    built = BuildPlan(
        dockgen_version=__version__,
        language=Language.NODE,
        template=info.name,
        app_name=name,
        runtime=runtime,
        args=tuple(args),
        builder_image=builder,
        runtime_image=runtime_image,
        tool_images=tool_images,
        suite=suite,
        install=install,
        layout=layout,
        build_command=build_command,
        build_env=build_env,
        builder_packages=tuple(dict.fromkeys(builder_packages + carry.builder_packages)),
        runtime_packages=tuple(dict.fromkeys(runtime_packages + carry.runtime_packages)),
        init=init,
        init_package=init_package,
        init_copy=init_copy,
        runtime_copies=tuple(runtime_copies),
        copy_sources=copy_sources,
        workdir=workdir,
        user=user,
        user_create=user_create,
        env=env,
        port=port,
        entrypoint=entrypoint,
        cmd=cmd,
        start_command=start_argv,
        labels=labels,
        stopsignal=None,
        ignore=ignore,
        context_needs=context_needs,
        carried=carry.instructions,
        carry=carry if carry != Carry() else None,
        decisions=tuple(decisions),
        notices=tuple(notices),
        static_root=static_root,
        inputs=facts.inputs,
        options=options.recorded(),
    )
    return placed(built, ws, run_dir).replace(build_cleanup=build_cleanup)


def placed(plan: BuildPlan, ws: Workspace | None, run_dir: str | None) -> BuildPlan:
    """A workspace member's plan: the context is the workspace root, the Dockerfile and its own ignore file
    (`<Dockerfile>.dockerignore`, which BuildKit reads instead of the root's .dockerignore) are in the
    member's directory, and the runtime starts in it."""
    if ws is None:
        return plan
    return plan.replace(run_dir=run_dir, context=ws.root, dockerfile=f"{ws.member}/Dockerfile",
                        ignore_file="Dockerfile.dockerignore", workspace=ws)


def workspace_rules(ws: Workspace, keep: tuple[str, ...] = ()) -> tuple[IgnoreRule, ...]:
    """What a member's ignore file adds: the workspace packages the app does not need are not sent (an edit
    there does not rebuild this image), except the files the install reads in every member (``keep``: yarn
    and bun check the lockfile against every package.json, uv against every pyproject.toml); and dockgen's
    own files of every member (Dockerfile, its ignore file, the answers) are not sent either."""
    needed = {ws.member, *(p.dir for p in ws.build_local)}
    rules: list[IgnoreRule] = []
    others = "workspace packages this app does not use"
    for p in ws.members:
        if p.dir in needed:
            continue
        rules.append(IgnoreRule(pattern=p.dir, comment=others))
        rules += [IgnoreRule(pattern=f"!{p.dir}/{k}", comment=others) for k in keep]
    mine = "dockgen's files of the workspace's apps"
    for d in sorted(needed):
        rules += [IgnoreRule(pattern=f"{d}/{f}", comment=mine)
                  for f in ("Dockerfile", "Dockerfile.dockerignore", ".dockgen.toml", ".dockgen", "*.bak")]
    return tuple(rules)


# -- workspaces ----------------------------------------------------------------------------------------

def _pm_in(pm: PackageManager, berry: bool, pkg: WorkspacePackage, script: str) -> str:
    """``<pm> run <script>`` in a workspace package's directory (no `cd`: hadolint wants WORKDIR for that)."""
    if pm is PackageManager.NPM:
        return f"npm run {script} --workspace {pkg.dir}"
    if pm is PackageManager.PNPM:
        return f"pnpm --dir {pkg.dir} run {script}"
    if pm is PackageManager.YARN:
        return f"yarn workspace {pkg.name} run {script}" if berry else f"yarn --cwd {pkg.dir} run {script}"
    return f"bun run --cwd {pkg.dir} {script}"


def _workspace_install(facts: NodeFacts, ws: Workspace, install: InstallSpec, notices: list[Notice]) -> InstallSpec:
    """Installs from the workspace root that take only what the member needs."""
    pm = install.manager
    berry = pm is PackageManager.YARN and _is_berry(facts)
    closure = [*(p.dir for p in ws.build_local), ws.member]
    run_closure = [*(p.dir for p in ws.local), ws.member]
    root_files = [f for f in install.manifest_files if f != "package.json"]
    mkdirs = "mkdir -p node_modules " + " ".join(f"{d}/node_modules" for d in run_closure)
    if ws.turbo:
        prune = f"turbo prune {ws.name} --docker"
        setup = (*install.setup, f"npm install -g turbo@{ws.turbo}")
        env = {**install.env, "TURBO_TELEMETRY_DISABLED": "1"}
        prod = install.install_prod
        if berry:
            prod = f"yarn workspaces focus {ws.name} --production"
        return install.replace(manifest_files=(), setup=setup, env=env, install_prod=f"{prod} && {mkdirs}",
                               prune=prune, context_first=False)
    if pm is PackageManager.NPM:
        all_ = ("npm ci --no-audit --no-fund --include-workspace-root "
                + " ".join(f"--workspace {d}" for d in closure))
        prod = f"npm ci --omit=dev --no-audit --no-fund --workspace {ws.member}"
        manifests = [f"{d}/package.json" for d in closure]
    elif pm is PackageManager.PNPM:
        all_ = f"{install.install_all} --filter {ws.name}... --filter ."
        prod = f"{install.install_prod} --filter {ws.name}..."
        manifests = [f"{d}/package.json" for d in closure]
    elif berry:
        all_, prod = install.install_all, f"yarn workspaces focus {ws.name} --production"
        manifests = [f"{p.dir}/package.json" for p in ws.members]  # yarn checks the lockfile against every one
    else:  # yarn classic and bun install the whole workspace
        all_, prod = install.install_all, install.install_prod
        manifests = [f"{p.dir}/package.json" for p in ws.members]
        notices.append(Notice(severity=Severity.INFO, topic="workspaces",
                              message=f"{pm if pm is PackageManager.BUN else 'yarn 1'} cannot install one "
                                      "workspace's dependencies alone: the image installs the production "
                                      "dependencies of the whole workspace"))
    return install.replace(manifest_files=("package.json", *root_files, *manifests), install_all=all_,
                           install_prod=f"{prod} && {mkdirs}", context_first=False)


def _workspace_build(facts: NodeFacts, ws: Workspace, pm: PackageManager, member_build: str | None,
                     notices: list[Notice]) -> str | None:
    """Build the workspace packages the member needs (dependencies first), then the member; turborepo
    does it itself (`turbo run build --filter=<app>`, its tasks' dependsOn)."""
    berry = pm is PackageManager.YARN and _is_berry(facts)
    deps = [p for p in ws.build_local if p.build]
    if member_build is None and not deps:
        return None
    if ws.turbo:
        return f"turbo run build --filter={ws.name}"
    steps = [_pm_in(pm, berry, p, "build") for p in deps]
    if member_build is not None:
        script = "build" if "build" in facts.scripts else None
        m = re.fullmatch(r"(?:npm|pnpm|yarn|bun) run ([\w:.-]+)", member_build)
        script = script or (m.group(1) if m else None)
        if script is None:
            notices.append(Notice(severity=Severity.WARNING, topic="workspaces",
                                  message=f"the build step {member_build!r} is not a script of "
                                          f"{ws.member}/package.json: it is not run (add it as scripts.build)"))
        else:
            steps.append(_pm_in(pm, berry, ws.package(), script))
    return " && ".join(steps) if steps else None


def _workspace_layout(facts: NodeFacts, ws: Workspace, workdir: str, build_command: str | None,
                      start_argv: tuple[str, ...] | None, start_why: str
                      ) -> tuple[str, list[CopyStep], tuple[str, ...] | None, str]:
    """The runtime of a workspace member: the root's production node_modules, and for the member and each
    workspace package it needs at run time, its directory (built, when there is a build) and its own
    node_modules. WORKDIR is the member's directory, so the start command is the member's own."""
    app = f"{workdir}/{ws.member}"
    if facts.framework is Framework.NEXT and facts.next_output == "standalone" and build_command:
        copies = [CopyStep(sources=(f"{app}/.next/standalone",), dest=f"{workdir}/", from_stage="build",
                           comment="Next.js standalone output: the member's server.js (under its workspace path) "
                                   "and the node_modules it traces"),
                  CopyStep(sources=(f"{app}/.next/static",), dest=f"{app}/.next/static", from_stage="build")]
        if facts.has_public_dir:
            copies.append(CopyStep(sources=(f"{app}/public",), dest=f"{app}/public", from_stage="build"))
        return "build+runtime", copies, ("node", "server.js"), "Next.js standalone output runs server.js"
    if facts.framework is Framework.NUXT and build_command:
        return ("build+runtime", [CopyStep(sources=(f"{app}/.output",), dest=f"{app}/.output", from_stage="build",
                                           comment="Nuxt's .output is self-contained")],
                ("node", ".output/server/index.mjs"), "Nuxt builds a self-contained server")
    dirs = [*(p.dir for p in ws.local), ws.member]
    copies = []
    for i, d in enumerate(dirs):
        comment = None
        if i == 0:
            comment = ("the app and the workspace packages it needs" + (", built" if build_command else "")
                       + " (their node_modules are the production ones below)")
        copies.append(CopyStep(sources=((f"{workdir}/{d}",) if build_command else (d,)), dest=f"{workdir}/{d}",
                               from_stage="build" if build_command else None, comment=comment))
    copies.append(CopyStep(sources=(f"{workdir}/node_modules",), dest=f"{workdir}/node_modules", from_stage="deps",
                           comment="production dependencies only: the workspace root's, then each package's own"))
    copies += [CopyStep(sources=(f"{workdir}/{d}/node_modules",), dest=f"{workdir}/{d}/node_modules",
                        from_stage="deps") for d in dirs]
    return ("deps+build+runtime" if build_command else "deps+runtime"), copies, start_argv, start_why


# -- helpers -------------------------------------------------------------------------------------------

def in_file(source: str) -> str:
    """A source as a generated file names it: a flag and a recorded answer are both "the <name> option",
    so a re-run without the flag (the answer then) writes the same file."""
    m = re.match(r"(?:--|recorded )([a-z-]+)", source)
    return f"the {m.group(1)} option" if m else source


def _node_comment(runtime: RuntimeChoice) -> str:
    kind = f"LTS '{runtime.codename}'" if runtime.lts and runtime.codename else ("LTS" if runtime.lts else "not LTS")
    source = (f"from {in_file(runtime.source)} {runtime.requested!r}" if runtime.source
              else "newest LTS, nothing requested")
    return f"Node.js {runtime.resolved}, {kind}; {source}"


def _choose_template(facts: NodeFacts, options: Options, runtime: RuntimeChoice, pins: Pins, static: bool,
                     decisions: list[Decision], given: str = "--template") -> str:
    distroless = pins.images["node"]["distroless"]
    has_distroless = runtime.major in distroless["debian13"] or runtime.major in distroless["debian12"]
    needs_libs = [a for a in facts.native_addons if a in RUNTIME_LIBS]
    if options.template:
        info = get_template(options.template)
        if info.kind == "bun-server":
            raise TemplateError(f"{info.name} runs Bun, but this app's start command runs node",
                                "start the app with bun (scripts.start: \"bun index.ts\") to use a Bun template, "
                                "or use node-distroless, node-slim or node-alpine-nonroot")
        if info.language != "node":
            raise TemplateError(f"{info.name} is a Python template; this is a Node app",
                                "use node-distroless, node-slim, node-alpine-nonroot or static-nginx")
        if static and info.kind != "static":
            raise TemplateError(f"this is a static site ({facts.framework_evidence or 'next export'}); "
                                f"{info.name} runs a Node server", "use --template static-nginx or omit --template")
        if not static and info.kind == "static":
            raise TemplateError("static-nginx serves static sites; this app runs a Node server",
                                "use node-distroless, node-slim or node-alpine-nonroot")
        if info.name == "node-distroless" and not has_distroless:
            raise TemplateError(f"gcr.io/distroless has no nodejs{runtime.major} image",
                                "use --template node-slim, or an LTS Node version (22, 24)")
        decisions.append(Decision(topic="template", choice=info.name, why=given))
        return info.name
    if static:
        choice, why = "static-nginx", "a static site needs no Node at run time; nginx serves the built files"
    elif needs_libs:
        choice, why = "node-slim", f"{', '.join(needs_libs)} needs shared libraries distroless lacks"
    elif not has_distroless:
        choice, why = "node-slim", f"distroless has no Node {runtime.major} image"
    else:
        choice, why = "node-distroless", "smallest attack surface: no shell, no package manager (the default)"
    decisions.append(Decision(topic="template", choice=choice, why=why))
    return choice


def _bun_runtime(facts: NodeFacts, pins: Pins) -> RuntimeChoice:
    """Bun as the runtime: the version packageManager pins (bun@1.x.y), else the newest dockgen knows."""
    pinned = facts.package_manager_version if facts.package_manager is PackageManager.BUN else None
    version = pinned or str(pins.images["tools"]["bun"])
    return RuntimeChoice(name="bun", requested=pinned, source="packageManager field" if pinned else None,
                         resolved=version, major=int(version.split(".")[0]), lts=False, codename=None,
                         end_of_life=None, table_date=pins.as_of, line=version.split(".")[0])


def _choose_bun_template(options: Options, decisions: list[Decision], given: str = "--template") -> str:
    if options.template:
        info = get_template(options.template)
        if info.kind != "bun-server":
            raise TemplateError(f"the app runs with bun (its start script); {info.name} runs "
                                + ("Python" if info.language == "python" else "Node.js"),
                                "use --template bun-distroless or bun-slim (or start the app with node)")
        decisions.append(Decision(topic="template", choice=info.name, why=given))
        return info.name
    decisions.append(Decision(topic="template", choice="bun-distroless",
                              why="the app runs with bun: Bun's distroless image (no shell, no package manager)"))
    return "bun-distroless"


def _install_spec(facts: NodeFacts, runtime: RuntimeChoice, template: str, pins: Pins,
                  notices: list[Notice], bun_builder: bool = False) -> InstallSpec:
    tools = pins.images["tools"]
    pm = facts.package_manager
    lock = facts.lockfile.path if facts.lockfile else None
    frozen = lock is not None
    manifest = ["package.json", *([lock] if lock else []), *facts.manifest_files]
    setup: list[str] = []
    setup_copy: list[CopyStep] = []
    env: dict[str, str] = {}
    version = facts.package_manager_version
    if pm is PackageManager.NPM:
        if version:
            setup.append(f"npm install -g npm@{version}")
        flags = "--no-audit --no-fund"
        all_, prod = (f"npm ci {flags}", f"npm ci --omit=dev {flags}") if frozen else \
            (f"npm install {flags}", f"npm install --omit=dev {flags}")
        cache = "/root/.npm"
    elif pm is PackageManager.YARN:
        if _is_berry(facts):
            version = version or tools["yarn_berry"]
            setup += [f"npm install -g --force corepack@{tools['corepack']}", "corepack enable yarn",
                      f"corepack prepare yarn@{version} --activate"]
            env["COREPACK_ENABLE_DOWNLOAD_PROMPT"] = "0"
            if not _pnp(facts):
                env["YARN_NODE_LINKER"] = "node-modules"  # node_modules for the image (see _pnp)
            all_ = "yarn install --immutable" if frozen else "yarn install"
            prod = "yarn workspaces focus --all --production"
            cache = "/root/.yarn/berry/cache"
        else:
            version = version or tools["yarn_classic"]
            if runtime.major >= 25 or template == "node-alpine-nonroot" or version != tools["yarn_classic"]:
                setup.append(f"npm install -g --force yarn@{version}")
            flags = "--frozen-lockfile --non-interactive" if frozen else "--non-interactive"
            all_, prod = f"yarn install {flags}", f"yarn install {flags} --production"
            cache = "/usr/local/share/.cache/yarn"
    elif pm is PackageManager.PNPM:
        version = version or _pnpm_version(facts, pins, notices)
        setup.append(f"npm install -g pnpm@{version}")
        flags = "--frozen-lockfile --store-dir /pnpm/store" if frozen else "--store-dir /pnpm/store"
        flags += _pnpm_build_flags(facts, version, notices)
        all_, prod = f"pnpm install {flags}", f"pnpm install {flags} --prod"
        cache = "/pnpm/store"
    else:
        version = version or tools["bun"]
        suffix = "-alpine" if template == "node-alpine-nonroot" else ""
        if not bun_builder:  # the build stages are node's: bun is copied in to install
            setup_copy.append(CopyStep(sources=("/usr/local/bin/bun",), dest="/usr/local/bin/bun",
                                       from_stage=f"oven/bun:{version}{suffix}",
                                       comment="bun installs the dependencies; node runs the app"))
        flags = "--frozen-lockfile" if frozen else ""
        all_ = f"bun install {flags}".strip()
        prod = f"bun install {flags} --production".replace("  ", " ").strip()
        cache = "/root/.bun/install/cache"
    if facts.npmrc_has_token:
        notices.append(Notice(severity=Severity.WARNING, topic="secrets",
                              message=".npmrc holds a token: it is mounted as a build secret, never copied; "
                                      "build with `docker build --secret id=npmrc,src=.npmrc .`"))
    if facts.workspaces:
        notices.append(Notice(severity=Severity.WARNING, topic="workspaces",
                              message="workspaces: the whole context is copied before the install, so any "
                                      "change re-runs it (per-package manifests are not copied one by one)"))
    return InstallSpec(
        manager=pm, version=version, lockfile=lock, manifest_files=tuple(manifest), setup=tuple(setup),
        setup_copy=tuple(setup_copy), env=env, install_all=all_, install_prod=prod, cache_target=cache,
        frozen=frozen, secrets=("npmrc",) if facts.npmrc_has_token else (), context_first=facts.workspaces,
    )


def _pnpm_version(facts: NodeFacts, pins: Pins, notices: list[Notice]) -> str:
    """pnpm for a project without packageManager: the line that wrote its lockfile (pnpm 7 cannot read what
    pnpm 9 writes, and pnpm 9 refuses lockfile 5.4 with ERR_PNPM_BROKEN_LOCKFILE)."""
    tools = pins.images["tools"]
    by_lock = pins.images["pnpm_for_lockfile"]
    lock_version = facts.lockfile.format.removeprefix("pnpm ") if facts.lockfile else None
    version: str
    if lock_version in by_lock:
        version = str(by_lock[lock_version])
        why = f"pnpm-lock.yaml is lockfile v{lock_version}, which pnpm {version.split('.')[0]} installs"
    elif lock_version is not None and lock_version != "unknown":
        version = str(tools["pnpm"])
        why = f"pnpm-lock.yaml is lockfile v{lock_version}, which dockgen does not know: the newest pnpm it knows"
    else:
        version = str(tools["pnpm"])
        why = "no lockfile: the newest pnpm dockgen knows"
    notices.append(Notice(severity=Severity.INFO, topic="package manager",
                          message=f"no packageManager field: installing pnpm {version} ({why}); pin yours with "
                                  "`corepack use pnpm@<version>`"))
    return version


def _pnpm_build_flags(facts: NodeFacts, version: str, notices: list[Notice]) -> str:
    """pnpm 10+ runs install scripts only for approved dependencies; 10 skips the others with a warning, 11+
    fails (ERR_PNPM_IGNORED_BUILDS) unless strictDepBuilds is off. The project's approvals are honoured as
    they are (nothing is approved for it); an unapproved script is skipped, as pnpm 10 does, and named."""
    major = int(version.split(".")[0])
    if major < 10:
        return ""
    # pnpm 10 reads onlyBuiltDependencies (and, in its late releases, allowBuilds); 11+ reads only allowBuilds
    settings = ("allowBuilds",) if major >= 11 else ("onlyBuiltDependencies", "allowBuilds")
    setting = " or ".join(settings)
    honoured = [a for a in facts.build_approvals if a.setting in settings]
    ignored = [a for a in facts.build_approvals if a.setting in ("allowBuilds", "onlyBuiltDependencies")
               and a.setting not in settings]
    approved = {n for a in honoured for n in a.approved}
    for a in ignored:
        notices.append(Notice(severity=Severity.WARNING, topic="install scripts",
                              message=f"{a.source} approves builds with {a.setting}, which pnpm {major} does not "
                                      f"read (it reads {setting}): run `pnpm approve-builds` with pnpm {major}"))
    unapproved = [d for d in facts.install_scripts if d not in approved]
    needed = [d for d in unapproved if d in NEEDS_INSTALL_SCRIPT]
    if needed:
        notices.append(Notice(severity=Severity.WARNING, topic="install scripts",
                              message=f"pnpm {major} will not run the install scripts of {', '.join(needed)} (not "
                                      f"approved in {setting}), so they are installed unbuilt and may fail at run "
                                      f"time: approve them with `pnpm approve-builds {' '.join(needed)}`"))
    elif unapproved:
        notices.append(Notice(severity=Severity.INFO, topic="install scripts",
                              message=f"pnpm {major} skips the install scripts of {', '.join(unapproved)} (not "
                                      f"approved in {setting}); they work without them"))
    strict = next((a.strict for a in facts.build_approvals if a.strict is not None), None)
    if major >= 11 and strict is None:
        notices.append(Notice(severity=Severity.INFO, topic="install scripts",
                              message=f"pnpm {major} fails an install with unapproved build scripts; the image skips "
                                      "them instead (--config.strict-dep-builds=false, as pnpm 10 does): set "
                                      "strictDepBuilds in pnpm-workspace.yaml to choose otherwise"))
        return " --config.strict-dep-builds=false"
    return ""


# servers that close on SIGTERM but keep the process alive on timers (checked by the e2e corpus: 5 s)
LINGERING = {"@react-router/serve": "react-router-serve", "@remix-run/serve": "remix-serve"}
STOP_HELPER = "/opt/dockgen/stop.cjs"
STOP_WRITE = (f"mkdir -p {STOP_HELPER.rsplit('/', 1)[0]}",
              "printf '%s\\n' \"for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => setTimeout(() => "
              f"process.exit(0), 1000).unref());\" > {STOP_HELPER}")


def _lingers(argv: tuple[str, ...] | None) -> str | None:
    """The server of ``argv`` when it is one that lingers after SIGTERM."""
    entry = argv[1] if argv and len(argv) > 1 else ""
    return next((name for pkg, name in LINGERING.items() if f"node_modules/{pkg}/" in entry), None)


def _deps_copies(facts: NodeFacts, workdir: str) -> list[CopyStep]:
    """The production dependencies the runtime gets from the deps stage."""
    if _pnp(facts):
        esm = (f"{workdir}/.pnp.loader.mjs",) if facts.module_type == "module" else ()
        return [CopyStep(sources=(f"{workdir}/.pnp.cjs", *esm), dest="./", from_stage="deps",
                         comment="Plug'n'Play: the production dependency map and the zip archives it maps"),
                CopyStep(sources=(f"{workdir}/.yarn",), dest="./.yarn", from_stage="deps")]
    return [CopyStep(sources=(f"{workdir}/node_modules",), dest="./node_modules", from_stage="deps",
                     comment="production dependencies only")]


def _pnp(facts: NodeFacts) -> bool:
    """Yarn berry's Plug'n'Play (its default linker) is kept: the image runs node with .pnp.cjs required, as
    `yarn node` does. Not when the app starts a dependency's command (`next start`): PnP has no
    node_modules/.bin, and the file lives inside a zip archive; those apps get a node_modules linker, as
    workspace members do."""
    if facts.package_manager is not PackageManager.YARN or not _is_berry(facts):
        return False
    if facts.workspace is not None:  # a member ships its packages' node_modules (see _workspace_layout)
        return False
    if facts.yarn_linker not in (None, "pnp"):
        return False
    return not any(name in facts.bins or name in facts.dependencies or name in facts.dev_dependencies
                   for name in _start_commands(facts))


def _start_commands(facts: NodeFacts) -> set[str]:
    from .detect.node import script_commands

    return script_commands({k: v for k, v in facts.scripts.items() if k in ("start", "start:prod", "serve")})


def _is_berry(facts: NodeFacts) -> bool:
    """Yarn 2+ ("berry"): its lockfile header, a packageManager yarn@2+, or a .yarnrc.yml."""
    version = facts.package_manager_version
    return (bool(facts.lockfile and "berry" in facts.lockfile.format)
            or (facts.package_manager is PackageManager.YARN and version is not None and not version.startswith("1."))
            or ".yarnrc.yml" in facts.manifest_files)


def _start_command(facts: NodeFacts, notices: list[Notice]) -> tuple[tuple[str, ...] | None,
                                                                      tuple[tuple[str, str], ...], str,
                                                                      tuple[str, ...]]:
    """(argv, env, why, the build steps the start script ran first)."""
    names = ["start"]
    if facts.framework is Framework.NEST:
        names.insert(0, "start:prod")
    problem = None
    for name in names:
        t = translate(facts.scripts, name)
        if t.argv is not None:
            argv = _real_bin(facts, t.argv, notices)
            t = t._replace(argv=argv)
            if not all(_safe_arg(a) for a in argv + tuple(v for _, v in t.env)):
                problem = f"scripts.{name} has control characters or backslashes"
                continue
            runner = "bun" if argv[0] == "bun" else "node"
            why = f"scripts.{t.script} ({facts.scripts.get(t.script or name, '')!r}), run with {runner} directly"
            if t.prebuild:
                why += f"; its build step ({' && '.join(t.prebuild)}) runs in the build stage"
            return t.argv, t.env, why, t.prebuild
        if t.problem and "no scripts" not in t.problem:
            problem = t.problem
    if problem:
        notices.append(Notice(severity=Severity.WARNING, topic="start command",
                              message=f"{problem}; falling back to main or an entry file"))
    main = clean_rel(facts.main) if facts.main else None
    if main and facts.entries.get(main) == "missing":  # npm init's default "index.js", never written
        main = None
    if main and SAFE_PATH.fullmatch(main):
        if facts.typescript and main.endswith(".ts"):
            main = None
        else:
            return ("node", main), (), "package.json main", ()
    for entry in facts.entry_files:
        return ("node", entry), (), f"{entry} exists (conventional entry point)", ()
    if len(facts.bin) == 1:
        path = clean_rel(next(iter(facts.bin.values())))
        if path and SAFE_PATH.fullmatch(path):
            return ("node", path), (), "package.json bin", ()
    return None, (), problem or "no scripts.start, main, bin or server.js/index.js", ()


def _checked_entry(facts: NodeFacts, argv: tuple[str, ...], why: str, build: str | None, outputs: tuple[str, ...],
                   notices: list[Notice]) -> tuple[tuple[str, ...], str]:
    """The start command's entry file must exist in the image: in the repository, or made by the build.
    ``node app.js`` where only app.ts exists and the build compiles to dist/ starts dist/app.js; an entry
    nothing provides is an error, not a container that dies with "Cannot find module"."""
    out: list[str] = list(argv)
    for i, arg in enumerate(argv[1:], start=1):
        rel = clean_rel(arg)
        state = facts.entries.get(rel or "")
        if rel is None or state is None or state == "file":
            continue
        built = build is not None and (_under(rel, outputs) or _under(rel, (facts.ts_out_dir or "dist",)))
        if built:
            continue
        if state.startswith("ts:") and build is not None:
            source = state[3:]
            inner = source.removeprefix("src/") if source.startswith("src/") else source
            target = f"{facts.ts_out_dir or 'dist'}/{inner.rsplit('.', 1)[0]}.js"
            out[i] = target
            notices.append(Notice(severity=Severity.INFO, topic="start command",
                                  message=f"{rel} does not exist: the build compiles {source} to {target}, which "
                                          "the image starts"))
            why += f"; {rel} is built from {source} as {target}"
            continue
        if state.startswith("ts:"):
            raise PlanError(f"the start command runs {rel}, which does not exist: only its TypeScript source "
                            f"{state[3:]} does, and the app has no build script",
                            'add scripts.build ("tsc") so the image compiles it, or start the compiled file')
        raise PlanError(f"the start command runs {rel}, which does not exist in the repository and no build "
                        "makes it", "fix scripts.start or main (the container would exit with "
                                    "\"Cannot find module\")")
    return tuple(out), why


def _real_bin(facts: NodeFacts, argv: tuple[str, ...], notices: list[Notice]) -> tuple[str, ...]:
    """``node node_modules/.bin/next start`` -> ``node node_modules/next/dist/bin/next start``: pnpm's .bin
    entries are shell scripts node cannot run (npm's, yarn's and bun's are links to the same file)."""
    if len(argv) < 2 or argv[0] != "node" or not argv[1].startswith("node_modules/.bin/"):
        return argv
    name = argv[1].removeprefix("node_modules/.bin/")
    real = facts.bins.get(name)
    if real:
        return (argv[0], real, *argv[2:])
    if facts.package_manager is PackageManager.PNPM:
        notices.append(Notice(severity=Severity.WARNING, topic="start command",
                              message=f"{name}: pnpm's node_modules/.bin/{name} is a shell script node cannot run, "
                                      f"and dockgen does not know which file of which package it starts; set "
                                      f"scripts.start to `node node_modules/<package>/<file>`"))
    return argv


def _safe_arg(arg: str) -> bool:
    """No control characters and no backslash: Docker parses both fine in exec form, but hadolint
    (language-docker) misreads a JSON array holding ``\\"`` and the output must lint clean."""
    return arg.isprintable() and "\\" not in arg


def _build_command(facts: NodeFacts, pm: PackageManager, prebuild: tuple[str, ...] = (),
                   bun: bool = False) -> str | None:
    if "build" in facts.scripts:
        return "npm run build" if pm is PackageManager.NPM else f"{pm} run build"
    if prebuild:  # the start script's own build step (`npm run build:ts && fastify start dist/app.js`)
        return " && ".join(prebuild)
    if bun:  # Bun runs TypeScript itself: nothing to compile
        return None
    if facts.typescript and ("typescript" in facts.dev_dependencies or "typescript" in facts.dependencies):
        return "node_modules/.bin/tsc -p ."
    return None


def _build_outputs(facts: NodeFacts, start: tuple[str, ...] | None) -> tuple[str, ...]:
    outs: list[str] = []
    if facts.framework is Framework.NEXT:
        outs.append(".next")
        if facts.has_public_dir:
            outs.append("public")
    elif facts.framework is Framework.REMIX:
        outs.append("build")
        if facts.has_public_dir:
            outs.append("public")
    elif facts.typescript or facts.framework is Framework.NEST:
        outs.append(facts.ts_out_dir or "dist")
    if start and len(start) > 1:
        entry = clean_rel(start[1])
        if entry and "/" in entry and not entry.startswith("node_modules/"):
            top = entry.split("/", 1)[0]
            if top in ("dist", "build", "out", "lib", ".output", "server") and top not in outs:
                outs.append(top)
    return tuple(o for o in outs if SAFE_PATH.fullmatch(o))


def _under(arg: str, outputs: tuple[str, ...]) -> bool:
    rel = clean_rel(arg)
    return bool(rel) and any(rel == o or (rel or "").startswith(o + "/") for o in outputs)


def _layout_why(layout: str, outputs: tuple[str, ...], copy_sources: bool) -> str:
    if layout == "runtime":
        return "no dependencies and no build step: the runtime gets the sources only"
    if layout == "deps+runtime":
        return "no build step: production dependencies in their own stage, then the sources"
    if layout == "deps+build+runtime":
        outs = ", ".join(outputs) or "nothing"
        return (f"build stage with all dependencies; runtime gets production dependencies and {outs}"
                + (" plus the sources (the entry point is not a build output)" if copy_sources else ""))
    if layout == "static":
        return "the site is built with Node and served as files"
    return "the build output is self-contained"


def _port(facts: NodeFacts, options: Options, static: bool, notices: list[Notice],
          decisions: list[Decision], given: str = "--port") -> int | None:
    if static:
        if options.port not in (None, 8080):
            notices.append(Notice(severity=Severity.WARNING, topic="port",
                                  message=f"static-nginx listens on 8080; {given} is ignored "
                                          "(publish it with -p <host>:8080)"))
        decisions.append(Decision(topic="port", choice="8080", why="nginx-unprivileged listens on 8080"))
        return 8080
    if options.port is not None:
        if not 1 <= options.port <= 65535:
            raise PlanError(f"{given} {options.port} is not a TCP port", "use 1-65535")
        fixed = [h for h in facts.port_hints if h.port != options.port and h.kind == "listen"]
        if fixed:
            notices.append(Notice(severity=Severity.WARNING, topic="port",
                                  message=f"{given} {options.port}, but the code may listen on {fixed[0].port} "
                                          f"({fixed[0].source}); make it read process.env.PORT"))
        decisions.append(Decision(topic="port", choice=str(options.port), why=f"{given} (also set as ENV PORT)"))
        return options.port
    if facts.port_hints:
        hint = facts.port_hints[0]
        decisions.append(Decision(topic="port", choice=str(hint.port), why=f"found in {hint.source}"))
        return hint.port
    if facts.framework in FRAMEWORK_PORTS:
        port = FRAMEWORK_PORTS[facts.framework]
        decisions.append(Decision(topic="port", choice=str(port), why=f"{facts.framework}'s default"))
        return port
    if facts.framework in SERVER_FRAMEWORKS:
        decisions.append(Decision(topic="port", choice="3000", why="no port found in the code; 3000 assumed "
                                  "and passed as ENV PORT"))
        notices.append(Notice(severity=Severity.INFO, topic="port",
                              message="no port found in the code: assuming 3000 (set --port)"))
        return 3000
    return None


def label_text(value: str | None) -> str | None:
    """A package.json string made safe as a label value: control characters become spaces, backslashes
    are dropped (hadolint misparses an escaped backslash before a quote), at most 200 characters."""
    if not value:
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in value.replace("\\", "")).split())
    return text[:200] or None
