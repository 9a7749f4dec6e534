"""Every decision for a Python app, in one pure function: ``plan_python(facts, options, pins)``.

The app's dependencies go into a virtualenv (``/opt/venv``) made in a builder stage and copied into the
runtime. In ``python-slim`` the builder and the runtime are the same official ``python:<x.y.z>-slim``
image; in ``python-distroless`` the runtime is ``gcr.io/distroless/python3-debian13`` (Debian's own
CPython at ``/usr/bin/python3.13``), so the builder is plain Debian with the same interpreter: a venv
made from ``/usr/local/bin/python`` would point at a path distroless does not have.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from . import __version__
from .errors import PlanError, TemplateError
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
    Notice,
    PackageManager,
    PythonFacts,
    PythonSpec,
    Severity,
)
from .pins import Pins, default_pins
from .plan import _safe_arg  # the Node planner's: printable (no C0/C1 control, no line separator), no backslash
from .plan import label_text as _label_text
from .pyversions import default_table, resolve_python
from .templates_registry import get_template

WORKDIR = "/app"
VENV = "/opt/venv"
TOOLS = "/opt/tools"
DEFAULT_PORT = 8000


def plan_python(facts: PythonFacts, options: object = None, pins: Pins | None = None,
                carry: Carry | None = None, origins: Mapping[str, str] | None = None) -> BuildPlan:
    from .plan import Options, in_file, origin

    opts = options if isinstance(options, Options) else Options()
    carry = carry or Carry()
    workdir = carry.workdir if carry.workdir and re.fullmatch(r"/[A-Za-z0-9._/-]+", carry.workdir) else WORKDIR
    pins = pins or default_pins()
    py = pins.images["python"]
    table = default_table()
    notices: list[Notice] = list(facts.notices)
    decisions: list[Decision] = []

    template = opts.template or "python-slim"
    info = get_template(template)
    if info.language != "python":
        raise TemplateError(f"{template} is a Node template; this is a Python app",
                            "use --template python-slim or python-distroless")
    distroless = template == "python-distroless"
    allowed = tuple(d["minor"] for d in py["distroless"].values()) if distroless else None
    only = ", ".join(f"{d['minor']} ({k})" for k, d in py["distroless"].items())
    runtime, version_notices = resolve_python(
        table, facts.version_hints, opts.python_version, allowed,
        f"python-distroless runs Debian's own CPython, so only {only}; "
        "--template python-slim has every CPython release", origin(origins, "python_version"))
    notices += version_notices
    if opts.node_version:
        notices.append(Notice(severity=Severity.WARNING, topic="node version",
                              message=f"{origin(origins, 'node_version')} is for Node apps; this is a Python app: "
                                      "ignored"))
    if distroless:
        distro = next(k for k, d in py["distroless"].items() if d["minor"] == runtime.line)
        deb = py["distroless"][distro]
        debian_patch = deb["deb"].split("-")[0]  # Debian's patch level is what runs
        if runtime.requested and re.fullmatch(r"\d+\.\d+\.\d+", runtime.requested.strip().removeprefix("==")) \
                and runtime.requested.strip().removeprefix("==") != debian_patch:
            notices.append(Notice(severity=Severity.WARNING, topic="python version",
                                  message=f"{runtime.source} pins CPython {runtime.requested.strip()}, but "
                                          f"python-distroless runs Debian's {debian_patch}: the image has that "
                                          "one (--template python-slim runs the exact release)"))
        runtime = runtime.replace(resolved=debian_patch)
        suite = deb["suite"]
        why = (f"python-distroless runs Debian {suite}'s CPython {runtime.resolved} ({distro})"
               + (f"; {runtime.source} asks for {runtime.requested!r}" if runtime.source else ""))
    else:
        suite = py["slim_suite"].get(runtime.line, "trixie")
        satisfies = "it" if opts.python_version else "every hint"
        why = (f"{runtime.source} asks for {runtime.requested!r}: newest release that satisfies {satisfies}"
               if runtime.source else f"nothing requested: newest release of {table.default_line()}, the newest "
                                      f"line released more than six months before {table.generated}")
    decisions.append(Decision(topic="python version", choice=runtime.resolved, why=why))
    decisions.append(Decision(topic="template", choice=template,
                              why=origin(origins, "template") if opts.template
                              else "python-slim is the default for Python: system libraries can be added at run "
                                   "time; python-distroless on request"))

    suites = pins.images["debian"]["suites"]
    tini_version = suites[suite]["tini"]
    args = [BuildArg(name="PYTHON_VERSION", value=runtime.resolved,
                     comment=f"CPython {runtime.resolved}" + (f"; from {in_file(runtime.source)} "
                                                               f"{runtime.requested!r}" if runtime.source
                                                               else "; nothing requested"))]
    if distroless:
        debian_version = py["debian"][suite]
        args[0] = BuildArg(name="PYTHON_DEB_VERSION", value=deb["deb"],
                           comment=f"Debian {suite}'s python{runtime.line} package: the interpreter distroless runs")
        args.insert(0, BuildArg(name="DEBIAN_VERSION", value=debian_version, comment=f"Debian {suite} point release"))
        builder = ImageRef(repository="debian", tag=f"{debian_version}-slim", tag_expr="${DEBIAN_VERSION}-slim")
        runtime_image = ImageRef(repository=f"gcr.io/distroless/python3-{distro}", tag="nonroot", tag_expr="nonroot")
        python_bin = f"/usr/bin/python{runtime.line}"
        builder_python: tuple[str, ...] = (f'python{runtime.line}="${{PYTHON_DEB_VERSION}}"',
                          f'python{runtime.line}-venv="${{PYTHON_DEB_VERSION}}"')
    else:
        builder = ImageRef(repository="python", tag=f"{runtime.resolved}-slim-{suite}",
                           tag_expr=f"${{PYTHON_VERSION}}-slim-{suite}")
        runtime_image = builder
        python_bin = "/usr/local/bin/python"
        builder_python = ()
    args.append(BuildArg(name="TINI_VERSION", value=tini_version, comment=f"Debian {suite}'s tini package"))

    # ---- system libraries --------------------------------------------------------------------------
    build_pkgs: list[str] = []
    run_pkgs: list[str] = []
    for dep in facts.system_deps:
        spec = py["system"][dep]
        build_pkgs += [p for p in spec["build"] if p not in build_pkgs]
        run_pkgs += [p for p in spec["runtime"] if p not in run_pkgs]
    if distroless and any(d in ("psycopg2", "mysqlclient") for d in facts.system_deps):
        libs = ", ".join(d for d in facts.system_deps if d in ("psycopg2", "mysqlclient"))
        raise TemplateError(f"{libs} needs shared libraries (libpq/libmariadb) that distroless does not have",
                            "use --template python-slim, or the binary wheels (psycopg[binary], psycopg2-binary)")
    if distroless and facts.system_deps:
        notices.append(Notice(severity=Severity.INFO, topic="system libraries",
                              message=f"{', '.join(facts.system_deps)}: distroless relies on their wheels, "
                                      "which bundle the libraries they need"))
        run_pkgs = []
    # packages with no wheel for this CPython and libc are compiled in the builder: a C compiler and the
    # headers (the official python images carry CPython's; Debian's interpreter needs python3.X-dev)
    from .detect.wheels import source_builds

    requirement_names = facts.dependencies if facts.lockfile is None or facts.lockfile.path in (
        "requirements.txt", "Pipfile.lock") else ()
    compiled = source_builds(facts.distributions, requirement_names, runtime.line)
    if distroless and ("uwsgi" in compiled or (facts.server_config or "").startswith("uwsgi")):
        raise TemplateError("uWSGI links libpython3.X.so, which distroless does not have (checked: the image "
                            "exits with 'libpython3.13.so.1.0: cannot open shared object file')",
                            "use --template python-slim (the official image has the shared libpython)")
    if compiled:
        extra_dev = [p for name in compiled for p in py["source_build"].get(name, ())]
        build_pkgs += [p for p in ("gcc", "libc6-dev", *extra_dev) if p not in build_pkgs]
        decisions.append(Decision(topic="source builds", choice=", ".join(compiled),
                                  why=f"no wheel for CPython {runtime.line} on Linux (from "
                                      f"{facts.lockfile.path if facts.lockfile else 'requirements'}): built in the "
                                      "builder with gcc; the runtime gets only the built package"))
        if "uwsgi" in compiled:
            notices.append(Notice(severity=Severity.INFO, topic="source builds",
                                  message="uWSGI links only the libraries its build finds: with gcc alone it has "
                                          "no SSL, XML or PCRE support (add their -dev packages in a template if "
                                          "the app needs them)"))
    if facts.vcs_requirements:
        build_pkgs.append("git")
        decisions.append(Decision(topic="git", choice="git in the builder",
                                  why=f"requirements fetched with git ({facts.vcs_requirements[0]}); never shipped"))
    if distroless and build_pkgs:  # Debian's interpreter: C extensions built from source need its headers
        build_pkgs.insert(0, f"python{runtime.line}-dev")
    if facts.system_deps:
        decisions.append(Decision(topic="system libraries", choice=", ".join(facts.system_deps),
                                  why=f"build stage gets {' '.join(build_pkgs)}"
                                      + (f"; runtime gets {' '.join(run_pkgs)}" if run_pkgs else "")))

    # ---- install ------------------------------------------------------------------------------------
    start_argv, server, start_why, extra = _start(facts, notices)
    if carry.start:
        start_argv, server, start_why, extra = carry.start, "carried", "the migrated Dockerfile's CMD, kept", ()
    port = _port(facts, opts.port, server, decisions, origin(origins, "port"))
    if start_argv and port is not None:
        start_argv = tuple(a.replace("$PORT", str(port)).replace("${PORT}", str(port)) for a in start_argv)
    # the project itself is installed only when running it needs that: a console script, or a src/ layout
    # (otherwise the server imports it from /app, and a code edit does not rebuild a wheel)
    install_project = (facts.is_package and (server == "script" or facts.src_layout)) or (
        facts.package_manager is PackageManager.PIP and not facts.requirements_files and bool(facts.dependencies)
    ) or facts.workspace is not None  # a member's workspace dependencies are installed with it
    # uv keeps its own layout: the project's environment is .venv in the project (/app/.venv), where uv run,
    # scripts using .venv/bin and UV_PROJECT_ENVIRONMENT-less tooling expect it; the other managers get /opt/venv
    venv = f"{workdir}/.venv" if facts.package_manager is PackageManager.UV else VENV
    install = _install(facts, py["tools"], python_bin, extra, notices, install_project, venv)
    tools_venv = TOOLS if install.manager in (PackageManager.POETRY, PackageManager.PDM, PackageManager.PIPENV) \
        else None
    # poetry 2 needs poetry-plugin-export for `poetry export`; poetry 1.x depends on the plugin itself (and the
    # plugin's current release requires poetry 2). pdm 2.29 breaks with hishel 2 (AttributeError
    # SyncSqliteStorage, seen 2026-12-05): kept below 2.
    plugin = ""
    if install.manager is PackageManager.POETRY and not str(install.version).startswith(("0.", "1.")):
        plugin = f" poetry-plugin-export=={py['tools']['poetry-plugin-export']}"
    elif install.manager is PackageManager.PDM:
        plugin = " " + " ".join(f"'{c}'" for c in py["tools"]["pdm-constraints"])
    tool_install = (f"{python_bin} -m venv {TOOLS} && {TOOLS}/bin/pip install --no-cache-dir "
                    f"{install.manager}=={install.version}{plugin}") if tools_venv else None
    decisions.append(Decision(
        topic="package manager", choice=f"{install.manager}" + (f" {install.version}" if install.version else ""),
        why=f"{facts.package_manager_source}; " + (
            f"frozen install from {install.lockfile}" if install.lockfile
            else ("pinned by " + ", ".join(facts.requirements_files) + (" with hashes" if facts.requirements_hashes
                                                                         else "")) if install.frozen
            else "nothing locks the versions, so the install is not frozen"),
    ))
    if start_argv is None:
        raise PlanError(f"cannot tell how to start the app ({start_why})",
                        "add a Procfile `web:` line, a [project.scripts] entry, or an app module (app.py)")
    decisions.append(Decision(topic="start command", choice=" ".join(start_argv), why=start_why))
    collectstatic = facts.framework is Framework.DJANGO and facts.manage_py and facts.django_static_root
    if facts.framework is Framework.DJANGO and not facts.django_static_root:
        notices.append(Notice(severity=Severity.INFO, topic="django",
                              message="settings have no STATIC_ROOT: collectstatic is not run"))

    # ---- runtime --------------------------------------------------------------------------------------
    env = {"VIRTUAL_ENV": venv, "PATH": f"{venv}/bin:${{PATH}}", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONUNBUFFERED": "1"}
    if port is not None:
        env["PORT"] = str(port)
    target_file = facts.app_target_file or ""
    if target_file.startswith("src/") and not install_project:  # e.g. notes.app:app in src/notes/app.py
        env["PYTHONPATH"] = f"{workdir}/src"
        decisions.append(Decision(topic="import path", choice=f"PYTHONPATH={workdir}/src",
                                  why=f"the app module is {target_file}, and the project is not installed (no build "
                                      "system), so the server imports it from src/"))
    user_create: tuple[str, ...] = ()
    if distroless:
        user = "65532:65532"
        init, init_copy = "/tini", CopyStep(sources=("/usr/bin/tini-static",), dest="/tini", from_stage="builder",
                                            comment="a static tini as PID 1: forwards signals, reaps zombies")
        init_package = f"tini={tini_version}"
    else:
        user = "10001:10001"
        user_create = ("groupadd --system --gid 10001 app",
                       "useradd --system --uid 10001 --gid app --create-home --home-dir /home/app "
                       "--shell /usr/sbin/nologin app")
        init, init_copy, init_package = "/usr/bin/tini", None, f"tini={tini_version}"
    decisions.append(Decision(topic="user", choice=user, why="numeric and non-root, so Kubernetes runAsNonRoot can "
                                                             "verify it; the app's files stay owned by root"))
    decisions.append(Decision(topic="init", choice=f"tini ({init})",
                              why="forwards SIGTERM to the server and reaps orphans: `docker stop` is immediate"))

    name = _label_text(facts.name) or "app"
    labels = {"org.opencontainers.image.title": name}
    for key, value in (("version", facts.version), ("description", facts.description), ("licenses", facts.license),
                       ("source", facts.repository)):
        if text := _label_text(value):
            labels[f"org.opencontainers.image.{key}"] = text
    labels["org.opencontainers.image.base.name"] = runtime_image.ref

    ignore: tuple[IgnoreRule, ...] = (IgnoreRule(pattern="**/.venv", comment="virtualenvs: the image makes its own"),
              IgnoreRule(pattern="**/venv", comment="virtualenvs: the image makes its own"),
              IgnoreRule(pattern="**/*.pyc", comment="bytecode: compiled in the image"),
              IgnoreRule(pattern="*.egg-info", comment="packaging leftovers"),
              IgnoreRule(pattern="build", comment="packaging leftovers"),
              IgnoreRule(pattern="dist", comment="packaging leftovers"))
    if facts.django_static_root:
        ignore += (IgnoreRule(pattern="staticfiles", comment="collectstatic output: the image collects its own"),)
    if facts.workspace is not None:
        from .plan import workspace_rules

        ignore += workspace_rules(facts.workspace, ("pyproject.toml", "README.md"))
    needs = tuple(dict.fromkeys([*(p.rstrip("/") for p in install.manifest_files), "."]))

    writable = _writable(facts, workdir, venv, install_project, decisions)
    built = BuildPlan(
        dockgen_version=__version__,
        language=Language.PYTHON,
        template=info.name,
        app_name=name,
        runtime=runtime,
        args=tuple(args),
        builder_image=builder,
        runtime_image=runtime_image,
        tool_images={"uv": ImageRef(repository="ghcr.io/astral-sh/uv", tag=py["tools"]["uv"],
                                    tag_expr=py["tools"]["uv"])} if install.manager is PackageManager.UV else {},
        suite=suite,
        install=install,
        layout="venv+runtime",
        build_command="python manage.py collectstatic --noinput" if collectstatic else None,
        build_env={},
        builder_packages=tuple(dict.fromkeys((*build_pkgs, *carry.builder_packages))),
        runtime_packages=tuple(dict.fromkeys((*run_pkgs, *carry.runtime_packages))),
        init=init,
        init_package=init_package,
        init_copy=init_copy,
        runtime_copies=_runtime_copies(facts, workdir, venv, collectstatic),
        copy_sources=False,
        workdir=workdir,
        user=user,
        user_create=user_create,
        env=env,
        port=port,
        entrypoint=(init, "--", *carry.entrypoint),
        cmd=start_argv,
        start_command=start_argv,
        labels=labels,
        stopsignal=None,
        ignore=ignore,
        context_needs=needs,
        decisions=tuple(decisions),
        notices=tuple(notices),
        python=PythonSpec(venv=venv, python=python_bin, builder_python_packages=builder_python, writable=writable,
                          tools_venv=tools_venv, tool_install=tool_install, extra_packages=extra,
                          collectstatic=collectstatic, server=server),
        inputs=facts.inputs,
        options=opts.recorded(),
        carried=carry.instructions,
        carry=carry if carry != Carry() else None,
    )
    if facts.workspace is None:
        return built
    from .plan import placed

    return placed(built, facts.workspace, f"{workdir}/{facts.workspace.member}")


def _install(facts: PythonFacts, tools: dict[str, str], python_bin: str, extra: tuple[str, ...],
             notices: list[Notice], install_project: bool, venv: str = VENV) -> InstallSpec:
    """How the dependencies (and, when the start command needs it, the project) get into the venv."""
    pm = facts.package_manager
    lock = facts.lockfile.path if facts.lockfile else None
    frozen = lock is not None or (pm is PackageManager.PIP and bool(facts.requirements_files))
    env: dict[str, str] = {}
    add = f" && {{pip}} install {' '.join(extra)}" if extra else ""
    project: str | None = None
    setup_copy: tuple[CopyStep, ...] = ()
    if pm is PackageManager.UV:
        env = {"UV_PROJECT_ENVIRONMENT": venv, "UV_PYTHON": python_bin, "UV_PYTHON_DOWNLOADS": "never",
               "UV_COMPILE_BYTECODE": "1", "UV_LINK_MODE": "copy"}
        setup_copy = (CopyStep(sources=("/uv", "/uvx"), dest="/bin/", from_stage=f"ghcr.io/astral-sh/uv:{tools['uv']}",
                               comment="uv, pinned, from its official image (never shipped)"),)
        locked = "--locked" if lock else ""
        ws = facts.workspace
        if ws is not None:  # a uv workspace member: its dependencies and the members it uses, nothing else
            deps = f"uv sync {locked} --no-dev --package {ws.name} --no-install-workspace".replace("  ", " ")
            project = f"uv sync {locked} --no-dev --package {ws.name} --no-editable".replace("  ", " ")
        else:
            deps = f"uv sync {locked} --no-dev --no-install-project".replace("  ", " ")
            project = f"uv sync {locked} --no-dev --no-editable".replace("  ", " ")
        deps += f" && uv pip install {' '.join(extra)}" if extra else ""
        cache, version = "/root/.cache/uv", tools["uv"]
    elif pm is PackageManager.POETRY:
        # poetry.lock -> hashed requirements (poetry-plugin-export reads only the lock) -> pip verifies them
        deps = (f"{TOOLS}/bin/poetry export --only main --format requirements.txt --output /tmp/requirements.txt"
                " && pip install --require-hashes --no-deps -r /tmp/requirements.txt") + add.format(pip="pip")
        project = "pip install --no-deps ."
        cache, version = "/root/.cache/pip", facts.package_manager_version or tools["poetry"]
    elif pm is PackageManager.PDM:
        # pdm itself installs from pdm.lock into the active virtualenv (hashes checked): `pdm export` fails on
        # lockfiles written without inherit_metadata, `pdm sync` reads every lock format pdm 2 writes
        env = {"PDM_CHECK_UPDATE": "false", "PDM_USE_VENV": "true"}
        deps = (f"{TOOLS}/bin/pdm sync --prod --no-self --no-editable" if lock else
                f"{TOOLS}/bin/pdm install --prod --no-self --no-editable") + add.format(pip="pip")
        project = "pip install --no-deps ." if facts.is_package else None
        cache, version = "/root/.cache/pip", tools["pdm"]
    elif pm is PackageManager.PIPENV:
        deps = (f"{TOOLS}/bin/pipenv requirements --hash > /tmp/requirements.txt"
                " && pip install --require-hashes --no-deps -r /tmp/requirements.txt") + add.format(pip="pip")
        project = None
        cache, version = "/root/.cache/pip", tools["pipenv"]
    else:
        cache, version = "/root/.cache/pip", None
        if facts.requirements_files:
            hashes = " --require-hashes" if facts.requirements_hashes else ""
            deps = f"pip install{hashes} -r {facts.requirements_files[0]}" + add.format(pip="pip")
            project = "pip install --no-deps ." if facts.is_package else None
        else:
            deps = f"pip install {' '.join(extra)}" if extra else ""
            project = "pip install ."
        if facts.requirements_files and not facts.requirements_hashes:
            notices.append(Notice(severity=Severity.INFO, topic="requirements",
                                  message="requirements without hashes: pin them with `--generate-hashes` "
                                          "(uv pip compile or pip-compile) and dockgen adds --require-hashes"))
    if not install_project:
        project = None
    return InstallSpec(manager=pm, version=version, lockfile=lock, manifest_files=facts.manifest_files, setup=(),
                       setup_copy=setup_copy, env=env, install_all=deps, install_prod=deps, cache_target=cache,
                       frozen=frozen, install_project=project)


def _start(facts: PythonFacts, notices: list[Notice]) -> tuple[tuple[str, ...] | None, str, str, tuple[str, ...]]:
    """(argv, server, why, server packages to add). The port is filled in by the caller."""
    from .pins import default_pins

    tools = default_pins().images["python"]["tools"]
    deps = set(facts.dependencies)

    def need(pkg: str) -> tuple[str, ...]:
        if pkg in deps:
            return ()
        notices.append(Notice(severity=Severity.WARNING, topic="server",
                              message=f"{pkg} is not a dependency: dockgen installs {pkg} {tools[pkg]} into the "
                                      f"image; add it to your dependencies to choose its version"))
        return (f"{pkg}=={tools[pkg]}",)

    if facts.procfile_web:
        try:
            words = shlex.split(facts.procfile_web)
        except ValueError:
            words = []
        if words and not any(op in facts.procfile_web for op in ("&&", "||", ";", "|", "`", "$(")) \
                and all(_safe_arg(w) for w in words):
            return tuple(words), "procfile", "Procfile web: (with $PORT filled in)", ()
        notices.append(Notice(severity=Severity.WARNING, topic="start command",
                              message="the Procfile web: line needs a shell; ignored"))
    target = facts.app_target
    if facts.server_config and facts.server_config.startswith("uwsgi"):
        flag = "--ini" if facts.server_config.endswith(".ini") else f"--{facts.server_config.rsplit('.', 1)[1]}"
        # uWSGI reloads on SIGTERM unless told otherwise: --die-on-term makes `docker stop` stop it
        return (("uwsgi", flag, facts.server_config, "--die-on-term"), "uwsgi",
                f"uwsgi is a dependency and {facts.server_config} configures it", ())
    if facts.server_config == "gunicorn.conf.py" and (target or facts.framework is None):
        argv: tuple[str, ...] = ("gunicorn", "--bind", "0.0.0.0:$PORT")
        if target:
            argv += (target,)
        return (argv, "gunicorn", "gunicorn.conf.py configures gunicorn (workers, worker class"
                + ("" if target else ", the app") + "); the bind follows PORT", ())
    if facts.framework in (Framework.DJANGO, Framework.FLASK) and target and "waitress" in deps \
            and "gunicorn" not in deps:  # the app's own WSGI server
        call = ("--call", target[:-2]) if target.endswith("()") else (target,)
        return (("waitress-serve", "--listen=0.0.0.0:$PORT", *call), "waitress",
                f"{facts.framework} app {target} served by waitress, a dependency", ())
    if facts.framework in (Framework.DJANGO, Framework.FLASK) and target:
        # no --bind: gunicorn binds 0.0.0.0:$PORT when PORT is set (ENV PORT), so `docker run -e PORT=...` works
        return (("gunicorn", target), "gunicorn",
                f"{facts.framework} app {target} served by gunicorn (WSGI)", need("gunicorn"))
    if facts.framework in (Framework.FASTAPI, Framework.STARLETTE) and target:
        if "gunicorn" in deps:
            worker = "uvicorn_worker.UvicornWorker" if "uvicorn-worker" in deps else "uvicorn.workers.UvicornWorker"
            return (("gunicorn", "--worker-class", worker, target), "gunicorn+uvicorn",
                    f"{facts.framework} app {target}: gunicorn is a dependency, so it runs uvicorn workers",
                    need("uvicorn"))
        if target.endswith("()"):  # an app factory: uvicorn calls it itself
            return (("uvicorn", "--factory", target[:-2], "--host", "0.0.0.0", "--port", "$PORT"), "uvicorn",
                    f"{facts.framework} app factory {target[:-2]} ({facts.app_target_file}) served by uvicorn "
                    "--factory (ASGI)", need("uvicorn"))
        return (("uvicorn", target, "--host", "0.0.0.0", "--port", "$PORT"), "uvicorn",
                f"{facts.framework} app {target} served by uvicorn (ASGI)", need("uvicorn"))
    if facts.framework is not None and not target:
        notices.append(Notice(severity=Severity.WARNING, topic="start command",
                              message=f"{facts.framework} is a dependency but no app object was found"))
    if len(facts.scripts) == 1 and facts.is_package:
        script = next(iter(facts.scripts))
        if _safe_arg(script):
            return (script,), "script", f"the project's only console script ([project.scripts] {script})", ()
    for candidate in ("app.py", "main.py", "server.py"):
        if candidate in facts.entry_files:
            return ("python", candidate), "python", f"{candidate} exists (run with python)", ()
    return None, "", "no Procfile, framework app, console script or app.py/main.py", ()


def _port(facts: PythonFacts, option: int | None, server: str, decisions: list[Decision],
          given: str = "--port") -> int | None:
    if option is not None:
        if not 1 <= option <= 65535:
            raise PlanError(f"{given} {option} is not a TCP port", "use 1-65535")
        decisions.append(Decision(topic="port", choice=str(option), why=f"{given} (also set as ENV PORT)"))
        return option
    # app.run(port=5000) is the development server's port: it counts only when the app runs itself
    hints = [h for h in facts.port_hints if h.kind != "listen" or server in ("python", "script")]
    if server in ("python", "script") and facts.serves is None and not hints:
        decisions.append(Decision(topic="port", choice="none", why="the start command runs a job, not a server "
                                  "(no server is started in the code): nothing is exposed"))
        return None
    if hints:
        hint = hints[0]
        decisions.append(Decision(topic="port", choice=str(hint.port), why=f"found in {hint.source}"))
        return hint.port
    decisions.append(Decision(topic="port", choice=str(DEFAULT_PORT),
                              why=f"the default dockgen gives {server or 'the server'}: passed to it and set as "
                                  "ENV PORT"))
    return DEFAULT_PORT



def _writable(facts: PythonFacts, workdir: str, venv: str, installed: bool,
              decisions: list[Decision]) -> tuple[str, ...]:
    """Where the app's start-up writes (Flask's instance folder: beside the app's package, or
    ``<venv>/var/<package>-instance`` when the package is installed), made and given to the app's user in
    the builder: the app's own files stay root's."""
    if not facts.writable or not facts.app_target_file:
        return ()
    parts = facts.app_target_file.split("/")
    top = parts[1] if parts[0] == "src" and len(parts) > 2 else parts[0]
    if installed and facts.src_layout:
        path = f"{venv}/var/{top.removesuffix('.py')}-instance"
    else:
        parent = "/".join(parts[:1]) if parts[0] == "src" and len(parts) > 2 else ""
        path = f"{workdir}/{parent + '/' if parent else ''}instance"
    if not re.fullmatch(r"/[A-Za-z0-9._/-]+", path):
        return ()
    decisions.append(Decision(topic="writable", choice=path, why="Flask's instance folder: the app creates and "
                              "writes it at start (instance_path), so it belongs to the app's user"))
    return (path,)


def _runtime_copies(facts: PythonFacts, workdir: str, venv: str, collectstatic: bool) -> tuple[CopyStep, ...]:
    """The virtualenv and the app from the builder. A workspace member: the virtualenv (its workspace
    dependencies are installed in it, non-editable) and the member's own directory, nothing else of the
    workspace."""
    if facts.workspace is not None:
        member = f"{workdir}/{facts.workspace.member}"
        return (CopyStep(sources=(venv,), dest=venv, from_stage="builder",
                         comment="the virtualenv: the dependencies and the workspace packages the app uses"),
                CopyStep(sources=(member,), dest=member, from_stage="builder", comment="the app"))
    inside = venv.startswith(workdir + "/")
    return (*((CopyStep(sources=(venv,), dest=venv, from_stage="builder", comment="the virtualenv"),)
              if not inside else ()),
            CopyStep(sources=(workdir,), dest=workdir, from_stage="builder",
                     comment="the app (sources" + (", collected static files" if collectstatic else "")
                             + ", compiled bytecode" + (f", the virtualenv {venv}" if inside else "") + ")"))
