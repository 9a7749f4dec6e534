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
from .errors import OptionError, PlanError, TemplateError
from .ignore import node_plan_rules
from .model import (
    BuildArg,
    BuildPlan,
    Carry,
    CopyStep,
    Decision,
    Framework,
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
SERVER_FRAMEWORKS = {Framework.EXPRESS, Framework.FASTIFY, Framework.KOA, Framework.HAPI}


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

    def recorded(self) -> dict[str, str]:
        """The options that were given, as strings (stamped into the Dockerfile, recorded for re-runs)."""
        return {name: _text(getattr(self, name)) for name in self.__fields__ if getattr(self, name) is not None}

    @classmethod
    def from_recorded(cls, values: dict[str, str]) -> Options:
        known: dict[str, object] = {k: v for k, v in values.items() if k in cls.__fields__}
        if "port" in known:
            known["port"] = int(str(known["port"]))
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
    path = Path(options.template_dir)
    if path.is_absolute():
        return path
    if root is None:
        raise TemplateError(f"template directory {options.template_dir!r} is relative, and no app root was given",
                            "pass root= (relative template directories are relative to the app's root) "
                            "or an absolute path")
    return Path(os.path.abspath(Path(root) / path))


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


def plan_node(facts: NodeFacts, options: Options | None = None, pins: Pins | None = None,
              carry: Carry | None = None, origins: Mapping[str, str] | None = None) -> BuildPlan:
    options = options or Options()
    carry = carry or Carry()
    workdir = carry.workdir if carry.workdir and SAFE_PATH.fullmatch(carry.workdir.lstrip("/")) else WORKDIR
    pins = pins or default_pins()
    notices: list[Notice] = list(facts.notices)
    decisions: list[Decision] = []

    runtime, version_notices = resolve_node(pins.node, facts.version_hints, options.node_version,
                                            origin(origins, "node_version"))
    notices += version_notices
    if options.python_version:
        notices.append(Notice(severity=Severity.WARNING, topic="python version",
                              message=f"{origin(origins, 'python_version')} is for Python apps; this is a Node "
                                      "app: ignored"))
    decisions.append(Decision(
        topic="node version", choice=runtime.resolved,
        why=(f"{runtime.source} asks for {runtime.requested!r}; newest {'LTS ' if runtime.lts else ''}release "
             f"that satisfies it in dockgen's table ({runtime.table_date})")
        if runtime.source
        else f"no version requested: the newest LTS release in dockgen's table ({runtime.table_date})"
        + (f"; {pending}" if (pending := pending_lts(pins.node)) else ""),
    ))

    static = facts.framework is Framework.VITE_STATIC or facts.next_output == "export"
    template = _choose_template(facts, options, runtime, pins, static, decisions, origin(origins, "template"))
    info = get_template(template)

    node = pins.images["node"]
    alpine = pins.images["alpine"]
    if template == "node-alpine-nonroot":
        suite = f"alpine{alpine['version']}"
    elif template == "node-distroless":
        suite = "trixie" if runtime.major in node["distroless"]["debian13"] else "bookworm"
    else:
        suite = "trixie" if runtime.major in node["images"]["trixie"] else "bookworm"
    suites = pins.images["debian"]["suites"]

    args = [BuildArg(name="NODE_VERSION", value=runtime.resolved, comment=_node_comment(runtime))]
    if template == "node-alpine-nonroot":
        args.append(BuildArg(name="ALPINE_VERSION", value=alpine["version"],
                             comment="Alpine release of the node image"))
        builder = ImageRef(repository="node", tag=f"{runtime.resolved}-alpine{alpine['version']}",
                           tag_expr="${NODE_VERSION}-alpine${ALPINE_VERSION}")
    else:
        builder = ImageRef(repository="node", tag=f"{runtime.resolved}-{suite}-slim",
                           tag_expr=f"${{NODE_VERSION}}-{suite}-slim")

    if template == "node-distroless":
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
        if template == "node-distroless":
            init = "/tini"
            init_copy = CopyStep(sources=("/usr/bin/tini-static",), dest="/tini", from_stage="tini",
                                 comment="a static tini as PID 1: forwards signals, reaps zombies")
        else:
            init = "/usr/bin/tini"
    if init:
        decisions.append(Decision(topic="init", choice=f"tini ({init})",
                                  why="node as PID 1 ignores SIGTERM and never reaps orphans; tini forwards "
                                      "signals so `docker stop` takes well under a second"))

    # ---- package manager ---------------------------------------------------------------------------
    install = _install_spec(facts, runtime, template, pins, notices)
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
    start_argv, start_env, start_why, prebuild = _start_command(facts, notices)
    if carry.start:
        start_argv, start_env, start_why, prebuild = carry.start, (), "the migrated Dockerfile's CMD, kept", ()
    build_command = _build_command(facts, install.manager, prebuild)
    outputs = _build_outputs(facts, start_argv) if build_command else ()
    node_path = "/nodejs/bin/node" if template == "node-distroless" else "node"
    runtime_copies: list[CopyStep] = []
    copy_sources = False
    has_deps = bool(facts.dependencies) or facts.workspaces  # workspace packages bring their own
    static_root: str | None = None
    entry_in_outputs = False
    if static:
        layout = "static"
        out = facts.static_out_dir or ("out" if facts.next_output == "export" else "dist")
        if build_command is None:
            raise PlanError("a static site needs a build script", "add scripts.build (e.g. \"vite build\")")
        static_root = "/usr/share/nginx/html"
        runtime_copies.append(CopyStep(sources=(f"{workdir}/{out}",), dest=static_root, from_stage="build",
                                       comment="the built site, nothing else"))
        start_argv, start_env = None, ()
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
            runtime_copies.append(CopyStep(sources=(f"{workdir}/node_modules",), dest="./node_modules",
                                           from_stage="deps", comment="production dependencies only"))
        for out in outputs:
            runtime_copies.append(CopyStep(sources=(f"{workdir}/{out}",), dest=f"./{out}", from_stage="build"))
        if not copy_sources:
            runtime_copies.append(CopyStep(sources=("package.json",), dest="./"))
    elif has_deps:
        layout = "deps+runtime"
        copy_sources = True
        runtime_copies.append(CopyStep(sources=(f"{workdir}/node_modules",), dest="./node_modules",
                                       from_stage="deps", comment="production dependencies only"))
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
        for k, v in start_env:
            if SAFE_ENV_NAME.fullmatch(k) and k not in ("PORT",):
                env.setdefault(k, v)
    build_env = {"NEXT_TELEMETRY_DISABLED": "1"} if facts.framework is Framework.NEXT else {}

    user_create: tuple[str, ...] = ()
    if template == "node-distroless":
        user = "65532:65532"
        user_why = "distroless's nonroot user"
    elif template == "node-slim":
        user = "1000:1000"
        user_why = "the node user of the official image"
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
        cmd = (node_path if start_argv[0] == "node" else start_argv[0], *start_argv[1:])
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
    ignore = node_plan_rules(
        built_outputs=tuple(sorted(built_outputs)),
        secret_npmrc=facts.npmrc_has_token,
        yarn_berry=install.manager is PackageManager.YARN and _is_berry(facts),
    )
    # what the Dockerfile copies from the build context ("." when it copies all of it)
    needs = list(dict.fromkeys(p.rstrip("/") for p in install.manifest_files))
    if copy_sources or build_command or install.context_first:
        needs.append(".")
    needs += [step.sources[0].removeprefix(f"{workdir}/") for step in runtime_copies if step.from_stage == "build"
              and step.sources[0].removeprefix(f"{workdir}/") in SOURCE_DIRS]
    if start_argv is not None and copy_sources:
        needs += [c for a in start_argv[1:2] if (c := clean_rel(a)) and not c.startswith("node_modules/")]
    needs += [s for step in runtime_copies if step.from_stage is None for s in step.sources]
    context_needs = tuple(dict.fromkeys(needs))

    return BuildPlan(
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


def _install_spec(facts: NodeFacts, runtime: RuntimeChoice, template: str, pins: Pins,
                  notices: list[Notice]) -> InstallSpec:
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
            env["YARN_NODE_LINKER"] = "node-modules"  # plain node_modules even for Plug'n'Play repos
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
    by_lock = tools["pnpm_for_lockfile"]
    lock_version = facts.lockfile.format.removeprefix("pnpm ") if facts.lockfile else None
    if lock_version in by_lock:
        version = by_lock[lock_version]
        why = f"pnpm-lock.yaml is lockfile v{lock_version}, written by pnpm {version.split('.')[0]}"
    elif lock_version is not None and lock_version != "unknown":
        version = tools["pnpm"]
        why = f"pnpm-lock.yaml is lockfile v{lock_version}, which dockgen does not know: the newest pnpm it knows"
    else:
        version = tools["pnpm"]
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
            if not all(_safe_arg(a) for a in t.argv + tuple(v for _, v in t.env)):
                problem = f"scripts.{name} has control characters or backslashes"
                continue
            why = f"scripts.{t.script} ({facts.scripts.get(t.script or name, '')!r}), run with node directly"
            if t.prebuild:
                why += f"; its build step ({' && '.join(t.prebuild)}) runs in the build stage"
            return t.argv, t.env, why, t.prebuild
        if t.problem and "no scripts" not in t.problem:
            problem = t.problem
    if problem:
        notices.append(Notice(severity=Severity.WARNING, topic="start command",
                              message=f"{problem}; falling back to main or an entry file"))
    main = clean_rel(facts.main) if facts.main else None
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


def _safe_arg(arg: str) -> bool:
    """No control characters and no backslash: Docker parses both fine in exec form, but hadolint
    (language-docker) misreads a JSON array holding ``\\"`` and the output must lint clean."""
    return arg.isprintable() and "\\" not in arg


def _build_command(facts: NodeFacts, pm: PackageManager, prebuild: tuple[str, ...] = ()) -> str | None:
    if "build" in facts.scripts:
        return "npm run build" if pm is PackageManager.NPM else f"{pm} run build"
    if prebuild:  # the start script's own build step (`npm run build:ts && fastify start dist/app.js`)
        return " && ".join(prebuild)
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
