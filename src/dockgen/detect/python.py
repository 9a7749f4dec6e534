"""Detect facts about a Python app. Observations only: every choice is made in ``plan_python``.

Package manager rule (documented in the README), the first that applies:
  1. ``uv.lock`` -> uv; ``poetry.lock`` -> poetry; ``pdm.lock`` -> pdm; ``Pipfile.lock`` -> pipenv
     (when several lockfiles exist, this order decides and a warning names the others);
  2. no lockfile: ``[tool.poetry]`` -> poetry, ``[tool.pdm]`` -> pdm, ``[tool.uv]`` -> uv, a
     ``Pipfile`` -> pipenv (all unlocked, with a warning);
  3. ``requirements*.txt`` -> pip (``--require-hashes`` when every line carries a hash);
  4. ``pyproject.toml`` with ``[project]``, or ``setup.py``/``setup.cfg`` -> pip installing the
     project itself (unlocked, with a warning).

Python version hints, all collected (the plan resolves the newest release satisfying every one):
``.python-version``, ``runtime.txt``, ``.tool-versions``, Pipfile ``[requires]``,
``requires-python`` (PEP 621) or Poetry's ``python`` dependency.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ManifestError
from ..model import Framework, Lockfile, Notice, PackageManager, PortHint, PythonFacts, Severity, VersionHint
from ..repo import RepoView
from ..workspace import Workspace
from .node import PLAIN_PATH, tcp_port
from .wheels import locked_distributions, vcs_requirements

LOCKFILES: tuple[tuple[str, PackageManager], ...] = (
    ("uv.lock", PackageManager.UV),
    ("poetry.lock", PackageManager.POETRY),
    ("pdm.lock", PackageManager.PDM),
    ("Pipfile.lock", PackageManager.PIPENV),
)
FRAMEWORKS: tuple[tuple[Framework, str], ...] = (
    (Framework.DJANGO, "django"), (Framework.FASTAPI, "fastapi"), (Framework.STARLETTE, "starlette"),
    (Framework.FLASK, "flask"),
)
SYSTEM_DEPS = ("psycopg2", "mysqlclient", "pillow", "lxml")
SKIP_DIRS = frozenset({".git", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox", ".nox", "build",
                       "dist", ".mypy_cache", ".pytest_cache", "site-packages", "tests", "test", "docs"})
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def is_python_repo(repo: RepoView) -> bool:
    return any(repo.is_file(f) for f in ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py", "setup.cfg",
                                          "uv.lock", "poetry.lock", "manage.py"))


def detect_python(repo: RepoView, workspace: tuple[RepoView, Workspace] | None = None) -> PythonFacts:
    """Facts of the app at ``repo``; for a uv workspace member, ``workspace`` is the root's view and the
    workspace: the lockfile is the root's."""
    notices: list[Notice] = []
    top, ws = workspace if workspace is not None else (repo, None)
    pyproject: dict[str, Any] = repo.read_toml("pyproject.toml") if repo.is_file("pyproject.toml") else {}
    pipfile: dict[str, Any] = repo.read_toml("Pipfile") if repo.is_file("Pipfile") else {}
    project = _table(pyproject, "project")
    tool = _table(pyproject, "tool")
    poetry = _table(tool, "poetry")
    setup_cfg = _setup_cfg(repo)

    lockfiles = tuple(_lockfile(top, rel, mgr) for rel, mgr in LOCKFILES if top.is_file(rel))
    req_files, req_deps, hashed, pinned = _requirements(repo, notices)
    pm, source, lockfile = _package_manager(repo, pyproject, tool, pipfile, lockfiles, req_files, notices)
    if pm is PackageManager.PIP and pinned:  # fully pinned requirements are the lockfile of pip projects
        lockfile = Lockfile(path="requirements.txt", manager=pm,
                            format="requirements.txt (pinned" + (", with hashes)" if hashed else ")"))

    deps = _dependencies(pm, project, poetry, pipfile, req_deps, setup_cfg)
    scripts = _scripts(project, poetry, setup_cfg)
    backend = _table(pyproject, "build-system").get("build-backend")
    src_layout = repo.is_dir("src") and any(repo.is_file(f"src/{d}/__init__.py") for d in repo.listdir("src"))
    is_package = _is_package(repo, pyproject, poetry, pm)

    framework, evidence = None, None
    for fw, dep in FRAMEWORKS:
        if dep in deps:
            framework, evidence = fw, f"dependency {dep}"
            break
    sources = list(repo.walk_files(".", suffixes=(".py",), max_files=400, skip_dirs=SKIP_DIRS))
    django_settings, static_root, target, target_file = None, False, None, None
    if framework is Framework.DJANGO or repo.is_file("manage.py"):
        django_settings, static_root, target = _django(repo)
        if framework is None and django_settings:
            framework, evidence = Framework.DJANGO, "manage.py"
        if target:
            target_file = _module_file(repo, target.split(":")[0])
            if target_file is None:  # WSGI_APPLICATION names a module the repository does not have
                notices.append(Notice(severity=Severity.WARNING, topic="start command",
                                      message=f"the settings name {target}, but no such module is in the "
                                              "repository: not used"))
                target = None
    elif framework is not None:
        target, target_file = _app_target(repo, sources, framework, src_layout)
    entry_files = tuple(f for f in ("app.py", "main.py", "server.py", "wsgi.py", "asgi.py") if repo.is_file(f))
    procfile = _procfile(repo)

    facts = PythonFacts(
        name=_str(project.get("name")) or _str(poetry.get("name")) or setup_cfg.get("name"),
        version=_str(project.get("version")) or _str(poetry.get("version")) or setup_cfg.get("version"),
        description=_str(project.get("description")) or _str(poetry.get("description")),
        license=_license(project.get("license")) or _str(poetry.get("license")),
        repository=_repository(project, poetry),
        package_manager=pm,
        package_manager_version=_pm_version(repo, pm, lockfile, tool),
        package_manager_source=source,
        lockfile=lockfile,
        lockfiles=lockfiles,
        requirements_files=tuple(req_files) if pm is PackageManager.PIP else (),
        requirements_hashes=hashed if pm is PackageManager.PIP else False,
        manifest_files=_workspace_manifests(top, ws) if ws else _manifest_files(repo, pm, lockfile, req_files),
        version_hints=_version_hints(repo, project, poetry, pipfile, notices) + (tuple(
            h.replace(source=f"{ws.root}/{h.source}") for h in _version_hints(
                top, _table(top.read_toml("pyproject.toml"), "project"), {}, {}, notices)) if ws else ()),
        build_backend=backend if isinstance(backend, str) else None,
        is_package=is_package,
        dependencies=tuple(sorted(deps)),
        dev_groups=_dev_groups(pyproject, poetry, pipfile),
        scripts=scripts,
        framework=framework,
        framework_evidence=evidence,
        app_target=target,
        app_target_file=target_file,
        django_settings=django_settings,
        django_static_root=static_root,
        manage_py=repo.is_file("manage.py"),
        procfile_web=procfile,
        src_layout=src_layout,
        entry_files=entry_files,
        serves=_serves(repo, [*entry_files, *(f for t in scripts.values() if (f := _module_file(repo, t)))]),
        system_deps=tuple(d for d in SYSTEM_DEPS if d in deps),
        port_hints=_port_hints(repo, sources, procfile),
        notices=tuple(notices),
        workspace=ws,
        distributions=locked_distributions(top, lockfile),
        vcs_requirements=vcs_requirements(repo, tuple(req_files), lockfile if ws is None else None),
        server_config=_server_config(repo, deps),
        writable=_writable(repo, sources, framework),
        inputs=repo.digests(["pyproject.toml", *([] if ws else [lf.path for lf in lockfiles]), *req_files, "Pipfile",
                             ".python-version", "runtime.txt", ".tool-versions", "Procfile", "setup.py", "setup.cfg",
                             "manage.py"]) | ({f"{ws.root}/{k}": v for k, v in top.digests(
                                 ["pyproject.toml", "uv.lock", ".python-version"]).items()} if ws else {}),
    )
    return facts


# -- small readers --------------------------------------------------------------------------------------

def _table(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _license(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("text")
    return _str(value)


def _repository(project: Mapping[str, Any], poetry: Mapping[str, Any]) -> str | None:
    urls = _table(project, "urls")
    for key in ("Source", "Repository", "source", "repository", "Homepage", "homepage"):
        value = urls.get(key)
        if isinstance(value, str) and value.startswith("https://"):
            return value
    value = poetry.get("repository")
    return value if isinstance(value, str) and value.startswith("https://") else None


def _setup_cfg(repo: RepoView) -> dict[str, Any]:
    text = repo.read_text_or_none("setup.cfg")
    if text is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ManifestError(f"setup.cfg: cannot parse ({exc.message.splitlines()[0]})", "fix setup.cfg") from exc
    out: dict[str, Any] = {}
    if parser.has_section("metadata"):
        out["name"] = parser.get("metadata", "name", fallback=None)
        out["version"] = parser.get("metadata", "version", fallback=None)
    if parser.has_section("options"):
        out["install_requires"] = [ln.strip() for ln in parser.get("options", "install_requires", fallback="")
                                   .splitlines() if ln.strip()]
    if parser.has_section("options.entry_points"):
        scripts = parser.get("options.entry_points", "console_scripts", fallback="")
        out["scripts"] = dict(_entry(line) for line in scripts.splitlines() if "=" in line)
    return out


def _entry(line: str) -> tuple[str, str]:
    name, _, target = line.partition("=")
    return name.strip(), target.strip()


def _lockfile(repo: RepoView, rel: str, mgr: PackageManager) -> Lockfile:
    head = repo.read_text(rel, limit=4096)
    if mgr is PackageManager.UV:
        m = re.search(r"^version\s*=\s*(\d+)", head, re.M)
        return Lockfile(path=rel, manager=mgr, format=f"uv.lock v{m.group(1) if m else '?'}")
    if mgr is PackageManager.POETRY:
        m = re.search(r"@generated by Poetry ([\d.]+)", head)
        return Lockfile(path=rel, manager=mgr, format=f"poetry.lock (Poetry {m.group(1) if m else '?'})")
    if mgr is PackageManager.PDM:
        return Lockfile(path=rel, manager=mgr, format="pdm.lock")
    return Lockfile(path=rel, manager=mgr, format="Pipfile.lock")


def _requirements(repo: RepoView, notices: list[Notice]) -> tuple[list[str], list[str], bool, bool]:
    """requirements.txt and its -r/-c includes: (files, dependency names, every line hashed, every line
    pinned with ==)."""
    if not repo.is_file("requirements.txt"):
        return [], [], False, False
    files: list[str] = []
    names: list[str] = []
    lines_total = hashed = pinned = 0
    queue = ["requirements.txt"]
    while queue:
        rel = queue.pop(0)
        if rel in files:
            continue
        if not SAFE_FILE.fullmatch(rel):
            shown = rel.encode("unicode_escape").decode("ascii")
            raise ManifestError(f"requirements: {shown!r} is included (-r/-c), a name a COPY would read differently "
                                "($, *, ?, [, a space, a backslash or a control character)",
                                "rename the file to plain characters (letters, digits, . _ - @ +, /) and update the "
                                "-r line")
        if not repo.is_file(rel):
            notices.append(Notice(severity=Severity.WARNING, topic="requirements",
                                  message=f"{rel} is included but does not exist"))
            continue
        files.append(rel)
        base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        text = repo.read_text(rel).replace("\\\n", " ")
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(?:-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
            if m:
                included = _join(base, m.group(1))
                if m.group(1).startswith("/") or included.split("/", 1)[0] == "..":
                    shown = m.group(1).encode("unicode_escape").decode("ascii")
                    raise ManifestError(f"{rel} includes {shown!r} (-r/-c), outside the app's directory: the "
                                        "image is built from that directory, and a COPY cannot reach it",
                                        "move the file into the app's directory and include it by a relative "
                                        "path, or run dockgen on the directory that holds both")
                queue.append(included)
                continue
            if line.startswith("-"):
                continue
            m2 = NAME.match(line)
            if m2 and not line.startswith(("http:", "https:", "git+", ".", "/")):
                names.append(normalize(m2.group(1)))
                lines_total += 1
                hashed += "--hash=" in line
                pinned += re.search(r"===?\s*[\w.!+*-]+", line) is not None and "*" not in line.split("--")[0]
    return files, names, lines_total > 0 and hashed == lines_total, lines_total > 0 and pinned == lines_total


def _join(base: str, rel: str) -> str:
    parts = [p for p in (base + rel).split("/") if p not in ("", ".")]
    out: list[str] = []
    for p in parts:
        if p == ".." and out:
            out.pop()
        else:
            out.append(p)
    return "/".join(out)


def _package_manager(repo: RepoView, pyproject: Mapping[str, Any], tool: Mapping[str, Any],
                     pipfile: Mapping[str, Any], lockfiles: tuple[Lockfile, ...], req_files: list[str],
                     notices: list[Notice]) -> tuple[PackageManager, str, Lockfile | None]:
    if lockfiles:
        chosen = lockfiles[0]
        if len(lockfiles) > 1:
            notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                                  message=f"several lockfiles: using {chosen.path}, ignoring "
                                          f"{', '.join(lf.path for lf in lockfiles[1:])}"))
        return chosen.manager, f"lockfile {chosen.path}", chosen
    for key, mgr in (("poetry", PackageManager.POETRY), ("pdm", PackageManager.PDM), ("uv", PackageManager.UV)):
        if key in tool and (key != "poetry" or _table(tool, key).get("dependencies")):
            notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                                  message=f"[tool.{key}] but no lockfile: installs are not reproducible "
                                          f"(run `{key} lock` and commit the lockfile)"))
            return mgr, f"[tool.{key}] in pyproject.toml", None
    if pipfile:
        notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                              message="Pipfile without Pipfile.lock: run `pipenv lock` and commit it"))
        return PackageManager.PIPENV, "Pipfile", None
    if req_files:
        return PackageManager.PIP, "requirements.txt", None
    if "project" in pyproject or repo.is_file("setup.py") or repo.is_file("setup.cfg"):
        notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                              message="no lockfile or requirements.txt: the install resolves versions at build "
                                      "time (lock with `uv lock` or pin a requirements.txt)"))
        return PackageManager.PIP, "pyproject.toml/setup.py (no lockfile)", None
    raise ManifestError(f"no Python project in {repo.root}",
                        "dockgen reads pyproject.toml, requirements.txt, Pipfile or setup.py")


def _pm_version(repo: RepoView, pm: PackageManager, lockfile: Lockfile | None,
                tool: Mapping[str, Any]) -> str | None:
    if pm is PackageManager.UV:
        uv = _table(tool, "uv")
        req = uv.get("required-version")
        m = re.fullmatch(r"\s*=?=\s*([\d.]+)\s*", req) if isinstance(req, str) else None
        return m.group(1) if m else None
    if pm is PackageManager.POETRY and lockfile is not None:
        m = re.search(r"\(Poetry ([\d.]+)\)", lockfile.format)
        return m.group(1) if m else None
    return None


def _dependencies(pm: PackageManager, project: Mapping[str, Any], poetry: Mapping[str, Any],
                  pipfile: Mapping[str, Any], req_deps: list[str], setup_cfg: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    listed = project.get("dependencies")
    for dep in listed if isinstance(listed, list) else ():
        if isinstance(dep, str) and (m := NAME.match(dep)):
            names.add(normalize(m.group(1)))
    deps = _table(poetry, "dependencies")
    names |= {normalize(k) for k in deps if k.lower() != "python"}
    packages = _table(pipfile, "packages")
    names |= {normalize(k) for k in packages}
    names |= set(req_deps)
    for dep in setup_cfg.get("install_requires") or []:
        if m := NAME.match(dep):
            names.add(normalize(m.group(1)))
    return names


def _dev_groups(pyproject: Mapping[str, Any], poetry: Mapping[str, Any], pipfile: Mapping[str, Any]) -> tuple[str, ...]:
    groups: list[str] = []
    groups += [f"[dependency-groups] {g}" for g in _table(pyproject, "dependency-groups")]
    groups += [f"[tool.poetry.group] {g}" for g in _table(poetry, "group")]
    if "dev-dependencies" in poetry:
        groups.append("[tool.poetry.dev-dependencies]")
    if pipfile.get("dev-packages"):
        groups.append("Pipfile [dev-packages]")
    return tuple(groups)


def _scripts(project: Mapping[str, Any], poetry: Mapping[str, Any], setup_cfg: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for source in (project.get("scripts"), poetry.get("scripts"), setup_cfg.get("scripts")):
        if isinstance(source, dict):
            out.update({str(k): v for k, v in source.items() if isinstance(v, str)})
    return out


def _is_package(repo: RepoView, pyproject: Mapping[str, Any], poetry: Mapping[str, Any], pm: PackageManager) -> bool:
    if pm is PackageManager.POETRY:
        return poetry.get("package-mode", True) is not False and bool(pyproject.get("build-system"))
    if _table(pyproject, "build-system") and "project" in pyproject:
        return True
    return repo.is_file("setup.py") or (repo.is_file("setup.cfg") and not repo.is_file("requirements.txt"))


def _workspace_manifests(top: RepoView, ws: Workspace) -> tuple[str, ...]:
    """What `uv sync --locked` reads in a workspace: the root's pyproject.toml and uv.lock, and every member's
    pyproject.toml (the lock is checked against all of them), relative to the workspace root."""
    files = ["pyproject.toml", "uv.lock"]
    for m in ws.members:
        files.append(f"{m.dir}/pyproject.toml")
        if top.is_file(f"{m.dir}/README.md"):
            files.append(f"{m.dir}/README.md")  # the build backends read the readme the metadata names
    if top.is_file("README.md"):
        files.append("README.md")
    return tuple(files)


def _manifest_files(repo: RepoView, pm: PackageManager, lockfile: Lockfile | None,
                    req_files: list[str]) -> tuple[str, ...]:
    files: list[str] = []
    if pm is PackageManager.PIP:
        files += req_files
        lockfile = None  # requirements.txt is already listed
    elif pm is PackageManager.PIPENV:
        files += ["Pipfile"]
    else:
        files += ["pyproject.toml"] if repo.is_file("pyproject.toml") else []
    if lockfile is not None:
        files.append(lockfile.path)
    for extra in ("README.md", "README.rst", "README"):  # build backends read the readme named in metadata
        if pm in (PackageManager.UV, PackageManager.POETRY, PackageManager.PDM) and repo.is_file(extra):
            files.append(extra)
            break
    return tuple(dict.fromkeys(files))


# -- versions ------------------------------------------------------------------------------------------

def _first_value(text: str) -> str | None:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            return line
    return None


def poetry_constraint(text: str) -> str:
    """Poetry's ``^3.11`` / ``~3.11`` / ``3.11.*`` as a PEP 440 specifier."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        m = re.fullmatch(r"([\^~])\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", part)
        if not m:
            out.append(part)
            continue
        op, major, minor, patch = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        low = ".".join(x for x in (str(major), minor, patch) if x is not None)
        if op == "^":
            high = f"{major + 1}.0" if major else f"0.{int(minor or 0) + 1}"
        else:
            high = f"{major}.{int(minor) + 1}" if minor is not None else f"{major + 1}.0"
        out += [f">={low}", f"<{high}"]
    return ",".join(out)


def _version_hints(repo: RepoView, project: Mapping[str, Any], poetry: Mapping[str, Any],
                   pipfile: Mapping[str, Any], notices: list[Notice]) -> tuple[VersionHint, ...]:
    hints: list[VersionHint] = []
    text = repo.read_text_or_none(".python-version", limit=4096)
    if text is not None and (value := _first_value(text)):
        hints.append(VersionHint(source=".python-version", text=value))
    text = repo.read_text_or_none("runtime.txt", limit=4096)
    if text is not None and (value := _first_value(text)):
        hints.append(VersionHint(source="runtime.txt", text=value))
    text = repo.read_text_or_none(".tool-versions", limit=16384)
    if text is not None:
        for raw in text.splitlines():
            words = raw.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] == "python":
                hints.append(VersionHint(source=".tool-versions", text=words[1]))
                break
    requires = _table(pipfile, "requires")
    for key in ("python_full_version", "python_version"):
        if isinstance(requires.get(key), str):
            hints.append(VersionHint(source=f"Pipfile [requires] {key}", text=requires[key]))
            break
    if isinstance(project.get("requires-python"), str) and project["requires-python"].strip():
        hints.append(VersionHint(source="pyproject.toml requires-python", text=project["requires-python"].strip()))
    deps = _table(poetry, "dependencies")
    if isinstance(deps.get("python"), str) and not project.get("requires-python"):
        hints.append(VersionHint(source="[tool.poetry.dependencies] python", text=deps["python"].strip()))
    return tuple(hints)


# -- frameworks and start ------------------------------------------------------------------------------

def _django(repo: RepoView) -> tuple[str | None, bool, str | None]:
    manage = repo.read_text_or_none("manage.py") or ""
    m = re.search(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]""", manage)
    if not m:
        return None, False, None
    settings = m.group(1)
    rel = settings.replace(".", "/")
    text = repo.read_text_or_none(f"{rel}.py") or repo.read_text_or_none(f"{rel}/__init__.py") or ""
    static_root = re.search(r"^STATIC_ROOT\s*=", text, re.M) is not None
    wsgi = re.search(r"""^WSGI_APPLICATION\s*=\s*['"]([\w.]+)['"]""", text, re.M)
    target = None
    if wsgi:
        module, _, attr = wsgi.group(1).rpartition(".")
        target = f"{module}:{attr}"
    elif repo.is_file(f"{settings.rsplit('.', 1)[0].replace('.', '/')}/wsgi.py"):
        target = f"{settings.rsplit('.', 1)[0]}.wsgi:application"
    return settings, static_root, target


APP_PATTERNS = {
    Framework.FLASK: re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:flask\.)?Flask\(", re.M),
    Framework.FASTAPI: re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:fastapi\.)?FastAPI\(", re.M),
    Framework.STARLETTE: re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:starlette\.applications\.)?Starlette\(", re.M),
}
# a module-level factory: Flask's application factory (gunicorn "pkg:create_app()"), or an ASGI one
# (uvicorn --factory); the framework's class must be made in the file, so a helper named so is not taken
FACTORY = re.compile(r"^(?:async\s+)?def (create_app|make_app|app_factory|get_app|build_app|create_application)\(",
                     re.M)
FRAMEWORK_CLASS = {Framework.FLASK: "Flask(", Framework.FASTAPI: "FastAPI(", Framework.STARLETTE: "Starlette("}
# the code starts a server itself (a script, not a one-shot job): it gets a port
SERVER_CALL = re.compile(
    r"\.run\([^)]*\b(?:port|host)\s*=|\bapp\.run\(|\buvicorn\.run\(|\bweb\.run_app\(|\bwaitress\.serve\(|"
    r"\.serve_forever\(|\bHTTPServer\(|\bmake_server\(|\bserve\(\s*app\b|\bgranian\b|\bhypercorn\b|"
    r"\.bind\(\s*\(|\bstart_server\(")


def _module_of(rel: str, src_layout: bool) -> str:
    path = rel[:-3]
    if src_layout and path.startswith("src/"):
        path = path[4:]
    if path.endswith("/__init__"):
        path = path[: -len("/__init__")]
    return path.replace("/", ".")


def _app_target(repo: RepoView, sources: list[str], framework: Framework,
                src_layout: bool) -> tuple[str | None, str | None]:
    """The app object the server should load, found in the code: ``("pkg.web:app", "src/pkg/web.py")``, or a
    factory ``"pkg:create_app()"`` when no module makes the app at import time. Only a module-level
    assignment or ``def`` counts (the object then exists when the module is imported)."""
    pattern = APP_PATTERNS.get(framework)
    if pattern is None:
        return None, None
    preferred = sorted(sources, key=lambda s: (s.count("/") - (s.startswith("src/")),
                                               s.rsplit("/", 1)[-1] not in ("app.py", "main.py", "wsgi.py", "asgi.py",
                                                                            "__init__.py"), s))
    for rel in preferred:
        text = repo.read_text_or_none(rel, limit=262144) or ""
        m = pattern.search(text)
        if m and _importable(rel):
            return f"{_module_of(rel, src_layout)}:{m.group(1)}", rel
    for rel in preferred:
        text = repo.read_text_or_none(rel, limit=262144) or ""
        m = FACTORY.search(text)
        if m and FRAMEWORK_CLASS[framework] in text and _importable(rel):
            return f"{_module_of(rel, src_layout)}:{m.group(1)}()", rel
    return None, None


def _importable(rel: str) -> bool:
    """A file whose path is a dotted module name (``my-app/main.py`` is not one)."""
    parts = rel[:-3].split("/")
    return all(p.isidentifier() for p in parts)


def _module_file(repo: RepoView, target: str) -> str | None:
    """The file of ``pkg.mod`` or ``pkg.mod:func``, at the root or under src/, when it exists."""
    module = target.split(":", 1)[0].strip()
    if not module or not all(p.isidentifier() for p in module.split(".")):
        return None
    rel = module.replace(".", "/")
    for candidate in (f"{rel}.py", f"{rel}/__init__.py", f"src/{rel}.py", f"src/{rel}/__init__.py"):
        if repo.is_file(candidate):
            return candidate
    return None


def _serves(repo: RepoView, files: list[str]) -> str | None:
    """Where the code starts a server itself (``main.py:12``), else None: a job or a CLI, not a server."""
    for rel in dict.fromkeys(files):
        text = repo.read_text_or_none(rel, limit=262144) or ""
        m = SERVER_CALL.search(text)
        if m:
            return f"{rel}:{text.count(chr(10), 0, m.start()) + 1}"
    return None


def _procfile(repo: RepoView) -> str | None:
    text = repo.read_text_or_none("Procfile", limit=16384)
    if text is None:
        return None
    for line in text.splitlines():
        if line.startswith("web:"):
            return line[4:].strip() or None
    return None


SAFE_FILE = re.compile(PLAIN_PATH)  # what a COPY names as written (the rule of vite's outDir)
PORT_PATTERNS = (
    re.compile(r"""environ(?:\.get)?\(\s*['"]PORT['"]\s*,\s*['"]?(\d{2,5})(?!\d)"""),
    re.compile(r"""getenv\(\s*['"]PORT['"]\s*,\s*['"]?(\d{2,5})(?!\d)"""),
    re.compile(r"""\.run\([^)]*\bport\s*=\s*(\d{2,5})(?!\d)"""),
)


def _port_hints(repo: RepoView, sources: list[str], procfile: str | None) -> tuple[PortHint, ...]:
    hints: list[PortHint] = []
    ini = repo.read_text_or_none("uwsgi.ini", limit=65536)
    if ini and (m := re.search(r"(?m)^\s*http(?:-socket)?\s*=\s*[\w.]*:(\d+)\b", ini)):
        hints.append(PortHint(port=tcp_port(m.group(1), "uwsgi.ini http"), source="uwsgi.ini", kind="script"))
    if procfile and (m := re.search(r"(?:--bind|-b)[ =]\S*:(\d+)\b|--port[ =](\d+)", procfile)):
        hints.append(PortHint(port=tcp_port(m.group(1) or m.group(2), "Procfile"), source="Procfile", kind="script"))
    for rel in sources[:200]:
        text = repo.read_text_or_none(rel, limit=262144) or ""
        for index, pattern in enumerate(PORT_PATTERNS):
            for m in pattern.finditer(text):
                if not 1 <= int(m.group(1)[:6]) <= 65535:
                    continue  # not a port (a literal in code is only a hint)
                line = text.count("\n", 0, m.start()) + 1
                hints.append(PortHint(port=int(m.group(1)), source=f"{rel}:{line}",
                                      kind="env-default" if index < 2 else "listen"))
        if len(hints) >= 5:
            break
    return tuple(hints)


def _server_config(repo: RepoView, deps: set[str]) -> str | None:
    """The server's own config file, when the app has one and depends on that server."""
    if "uwsgi" in deps:
        for name in ("uwsgi.ini", "uwsgi.yaml", "uwsgi.xml"):
            if repo.is_file(name):
                return name
    if "gunicorn" in deps and repo.is_file("gunicorn.conf.py"):
        return "gunicorn.conf.py"
    return None


def _writable(repo: RepoView, sources: list[str], framework: Framework | None) -> tuple[str, ...]:
    """Directories the app makes at start and writes: Flask's instance folder (``instance/`` beside the app
    package) when the code creates or uses it."""
    if framework is not Framework.FLASK:
        return ()
    for rel in sources[:200]:
        text = repo.read_text_or_none(rel, limit=262144) or ""
        if re.search(r"instance_path|instance_relative_config\s*=\s*True", text):
            return ("instance",)
    return ()
