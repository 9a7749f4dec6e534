"""Monorepos: find the workspace an app belongs to, and what of it the app needs. Observations only.

An app directory is a workspace member when a directory above it (up to the repository's top, the
directory holding ``.git``, and at most eight levels) declares it:

* Node: package.json ``workspaces`` (npm, yarn, bun; a list or ``{"packages": [...]}``), or
  pnpm-workspace.yaml ``packages``; the member's directory matches one of the globs;
* Python: pyproject.toml ``[tool.uv.workspace] members`` (uv).

The image is then built from the workspace root (the build context), with the root's lockfile, and
installs only what the member needs: the workspace packages it depends on (``local``, dependencies
first), and for building also those it needs only to build (``build_local``: devDependencies such as a
shared tsconfig package). ``dockgen init --app <member>`` from the root and ``dockgen init`` inside the
member find the same workspace.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Any

from .errors import ManifestError
from .record import Record
from .repo import RepoView

MAX_LEVELS = 8
# what the image's COPY lines, RUN commands and .dockerignore rules can name as written: a member directory
# (every member's manifest may be copied, and an unused member is excluded by a rule), and a package name
# the install and build commands take (`pnpm install --filter <name>...`, `uv sync --package <name>`)
PLAIN_DIR = re.compile(r"[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*")
COMMAND_NAME = re.compile(r"(?:@[A-Za-z0-9~][A-Za-z0-9._~-]*/)?[A-Za-z0-9~][A-Za-z0-9._~-]*")
SKIP = frozenset({"node_modules", ".git", ".venv", "venv", "dist", "build", ".next", ".turbo", "__pycache__"})


class WorkspacePackage(Record):
    dir: str  # relative to the workspace root: "packages/core"
    name: str  # its package name
    build: bool  # its package.json has a build script


class Workspace(Record):
    """The workspace a member app belongs to."""

    tool: str  # "npm", "yarn", "pnpm", "bun" (whose workspaces), or "uv"
    root: str  # from the app's directory back to the workspace root: "../.."
    member: str  # the app's directory, relative to the workspace root: "apps/api"
    name: str  # the app's package name
    members: tuple[WorkspacePackage, ...]  # every package of the workspace
    local: tuple[WorkspacePackage, ...]  # workspace packages the app needs at run time, dependencies first
    build_local: tuple[WorkspacePackage, ...]  # ... and to build (devDependencies too), dependencies first
    turbo: str | None = None  # turbo's version when the workspace uses turborepo (turbo.json + turbo)

    def package(self) -> WorkspacePackage:
        return next(p for p in self.members if p.dir == self.member)


def find_root(app: Path) -> tuple[Path, str] | None:
    """The workspace root above ``app`` that declares it a member, and the workspace's tool."""
    app = app.resolve()
    here = app.parent
    for _ in range(MAX_LEVELS):
        found = _declares(here, app)
        if found:
            return here, found
        if (here / ".git").exists() or here.parent == here:
            return None
        here = here.parent
    return None


def _declares(root: Path, app: Path) -> str | None:
    rel = app.relative_to(root).as_posix()
    for tool, patterns in _patterns(RepoView(root)):
        if matches(rel, patterns):
            return tool
    return None


def _patterns(repo: RepoView) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    try:
        if repo.is_file("pnpm-workspace.yaml"):
            from .yamlish import parse

            packages = parse(repo.read_text("pnpm-workspace.yaml")).get("packages")
            if isinstance(packages, list):
                out.append(("pnpm", packages))
        if repo.is_file("package.json"):
            pkg = repo.read_json("package.json")
            globs = node_globs(pkg)
            if globs:
                out.append((node_tool(repo), globs))
        if repo.is_file("pyproject.toml"):
            members = _uv_members(repo.read_toml("pyproject.toml"))
            if members:
                out.append(("uv", members))
    except ManifestError:
        return out
    return out


def node_globs(pkg: Any) -> list[str]:
    """package.json's workspaces globs: a list, or yarn's {"packages": [...]}."""
    value = pkg.get("workspaces") if isinstance(pkg, dict) else None
    if isinstance(value, dict):
        value = value.get("packages")
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def node_tool(repo: RepoView) -> str:
    """Whose workspaces a package.json declares: the packageManager field, else the lockfile."""
    pkg = repo.read_json("package.json") if repo.is_file("package.json") else {}
    field = pkg.get("packageManager") if isinstance(pkg, dict) else None
    if isinstance(field, str) and (m := re.match(r"(npm|yarn|pnpm|bun)@", field.strip())):
        return m.group(1)
    for name, tool in (("bun.lock", "bun"), ("bun.lockb", "bun"), ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn")):
        if repo.is_file(name):
            return tool
    return "npm"


def _uv_members(pyproject: dict[str, Any]) -> list[str]:
    tool = pyproject.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    members = ws.get("members") if isinstance(ws, dict) else None
    if not isinstance(members, list):
        return []
    excluded = ws.get("exclude") if isinstance(ws, dict) else None
    return [m for m in members if isinstance(m, str)] + [f"!{e}" for e in excluded or [] if isinstance(e, str)]


def matches(rel: str, patterns: list[str]) -> bool:
    """``apps/api`` against workspace globs (``apps/*``, ``packages/**``, ``!**/test``); the last match wins."""
    hit = False
    for raw in patterns:
        neg = raw.startswith("!")
        pattern = _clean(raw[1:] if neg else raw)
        if _glob(rel, pattern):
            hit = not neg
    return hit


def _clean(pattern: str) -> str:
    return pattern.strip().removeprefix("./").rstrip("/")


def _glob(rel: str, pattern: str) -> bool:
    if "**" in pattern:
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        return re.fullmatch(regex.replace(r"\?", "[^/]"), rel) is not None
    parts, rparts = pattern.split("/"), rel.split("/")
    return len(parts) == len(rparts) and all(fnmatch.fnmatchcase(r, p) for r, p in zip(rparts, parts, strict=True))


def _shown(text: str) -> str:
    cut = text[:60].encode("unicode_escape").decode("ascii")
    return repr(cut + ("..." if len(text) > 60 else ""))


def plain_members(dirs: list[str], manifest: str) -> list[str]:
    """``dirs``, when each is a path the Dockerfile and the .dockerignore can name as written."""
    for d in dirs:
        if not PLAIN_DIR.fullmatch(d):
            raise ManifestError(f"the workspace member {_shown(d)} has a name a COPY or a .dockerignore rule would "
                                "read differently (a space, $, *, ?, [, #, a backslash, a control character or a "
                                "non-ASCII letter)",
                                f"rename the directory to plain characters (letters, digits, . _ - @ +), or keep "
                                f"its {manifest} out of the workspace globs")
    return dirs


def command_name(pkg: WorkspacePackage, manifest: str) -> WorkspacePackage:
    """``pkg``, when its name is one the install and build commands can take as one word."""
    if not COMMAND_NAME.fullmatch(pkg.name):
        raise ManifestError(f"{pkg.dir}/{manifest}: the package name {_shown(pkg.name)} is not one a command of "
                            "the image can take (letters, digits, - . _ ~, and an @scope/)",
                            f"fix the name in {pkg.dir}/{manifest}: the install runs it as a word "
                            "(`--filter <name>`, `--package <name>`)")
    return pkg


def member_dirs(root: Path, patterns: list[str], manifest: str) -> list[str]:
    """Every directory under ``root`` the globs declare that holds ``manifest`` (sorted)."""
    found: list[str] = []
    base = root.resolve()
    for dirpath, dirnames, filenames in os.walk(base):
        rel = Path(dirpath).relative_to(base).as_posix()
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP and not d.startswith("."))
        if rel != "." and manifest in filenames and matches(rel, patterns):
            found.append(rel)
        if rel.count("/") >= 5:
            dirnames[:] = []
    return sorted(found)


def node_workspace(root: Path, app: Path, tool: str) -> Workspace:
    """The Node workspace of ``app``: its packages, and those the app needs (by name, transitively)."""
    repo = RepoView(root)
    member = app.resolve().relative_to(root.resolve()).as_posix()
    patterns = [p for t, ps in _patterns(repo) if t != "uv" for p in ps]
    packages: dict[str, tuple[WorkspacePackage, dict[str, Any]]] = {}
    for d in plain_members(member_dirs(root, patterns, "package.json"), "package.json"):
        try:
            pkg = repo.read_json(f"{d}/package.json")
        except ManifestError:
            continue
        if not isinstance(pkg, dict):
            continue
        name = pkg.get("name") if isinstance(pkg.get("name"), str) else d.rsplit("/", 1)[-1]
        scripts = pkg.get("scripts")
        packages[d] = (WorkspacePackage(dir=d, name=str(name), build=isinstance(scripts, dict) and "build" in scripts),
                       pkg)
    if member not in packages:
        raise ManifestError(f"{member}/package.json is not readable as a workspace package",
                            "check the member's package.json")
    by_name = {p.name: d for d, (p, _) in packages.items()}

    def needs(d: str, fields: tuple[str, ...], seen: list[str]) -> None:
        if d in seen:
            return
        pkg = packages[d][1]
        for f in fields:
            deps = pkg.get(f)
            for dep in sorted(deps) if isinstance(deps, dict) else ():
                if dep in by_name and by_name[dep] != member:
                    needs(by_name[dep], fields, seen)
        seen.append(d)  # after its dependencies: build order

    run: list[str] = []
    needs(member, ("dependencies", "optionalDependencies"), run)
    build: list[str] = []
    needs(member, ("dependencies", "optionalDependencies", "devDependencies"), build)
    root_pkg = repo.read_json("package.json") if repo.is_file("package.json") else {}
    return Workspace(tool=tool, root=_up(member), member=member,
                     name=command_name(packages[member][0], "package.json").name,
                     members=tuple(p for p, _ in packages.values()),
                     local=tuple(packages[d][0] for d in run if d != member),
                     build_local=tuple(command_name(packages[d][0], "package.json") for d in build if d != member),
                     turbo=_turbo(repo, root_pkg if isinstance(root_pkg, dict) else {}))


def uv_workspace(root: Path, app: Path) -> Workspace:
    repo = RepoView(root)
    member = app.resolve().relative_to(root.resolve()).as_posix()
    patterns = _uv_members(repo.read_toml("pyproject.toml"))
    members: list[WorkspacePackage] = []
    for d in plain_members(member_dirs(root, patterns, "pyproject.toml"), "pyproject.toml"):
        try:
            data = repo.read_toml(f"{d}/pyproject.toml")
        except ManifestError:
            continue
        project = data.get("project")
        name = project.get("name") if isinstance(project, dict) and isinstance(project.get("name"), str) \
            else d.rsplit("/", 1)[-1]
        members.append(WorkspacePackage(dir=d, name=str(name), build=bool(data.get("build-system"))))
    this = next((m for m in members if m.dir == member), None)
    if this is None:
        raise ManifestError(f"{member}/pyproject.toml is not readable as a uv workspace member",
                            "check the member's pyproject.toml")
    by_name = {_norm(m.name): m for m in members}
    needed: list[WorkspacePackage] = []

    def needs(pkg: WorkspacePackage) -> None:
        try:
            data = repo.read_toml(f"{pkg.dir}/pyproject.toml")
        except ManifestError:
            return
        tool = data.get("tool")
        uv = tool.get("uv") if isinstance(tool, dict) else None
        sources = uv.get("sources") if isinstance(uv, dict) else None
        for name, spec in sorted(sources.items()) if isinstance(sources, dict) else ():
            dep = by_name.get(_norm(name))
            if isinstance(spec, dict) and spec.get("workspace") is True and dep is not None and dep not in needed \
                    and dep != this:
                needs(dep)
                needed.append(dep)

    needs(this)
    return Workspace(tool="uv", root=_up(member), member=member, name=command_name(this, "pyproject.toml").name,
                     members=tuple(members),
                     local=tuple(needed), build_local=tuple(needed))


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _up(member: str) -> str:
    return "/".join([".."] * (member.count("/") + 1))


def _turbo(repo: RepoView, root_pkg: dict[str, Any]) -> str | None:
    """turbo's exact version when the workspace uses it (turbo.json and a turbo dependency at the root)."""
    if not repo.is_file("turbo.json"):
        return None
    spec = None
    for field in ("devDependencies", "dependencies"):
        deps = root_pkg.get(field)
        if isinstance(deps, dict) and isinstance(deps.get("turbo"), str):
            spec = deps["turbo"]
    if spec is None:
        return None
    for lock in ("pnpm-lock.yaml", "package-lock.json", "yarn.lock", "bun.lock"):
        if not repo.is_file(lock):
            continue
        text = repo.read_text(lock)
        patterns = (r"\n\s+turbo:\n\s+specifier: [^\n]*\n\s+version: (\d+\.\d+\.\d+)",  # pnpm v6/v9 importers
                    r'"node_modules/turbo":\s*\{\s*"version":\s*"(\d+\.\d+\.\d+)"',  # package-lock
                    r'\n"?turbo@[^\n]*:\n\s+version:? "?(\d+\.\d+\.\d+)',  # yarn
                    r'"turbo": \["turbo@(\d+\.\d+\.\d+)"')  # bun.lock
        for pattern in patterns:
            m = re.search(pattern, text)
            if m:
                return m.group(1)
    m = re.search(r"(\d+\.\d+\.\d+)", spec)
    return m.group(1) if m else None


def members_of(root: Path) -> list[str]:
    """The members a workspace root declares (Node and uv), sorted."""
    repo = RepoView(root)
    found: set[str] = set()
    for tool, patterns in _patterns(repo):
        found |= set(member_dirs(root, patterns, "pyproject.toml" if tool == "uv" else "package.json"))
    return sorted(found)


def declared(root: Path) -> list[str]:
    """The member globs a directory declares (empty when it is no workspace root)."""
    return [p for _, patterns in _patterns(RepoView(root)) for p in patterns]


def apps_first(root: Path, members: list[str]) -> list[str]:
    """``members`` with the Node ones that have a start script first (what a hint should suggest)."""
    repo = RepoView(root)

    def starts(member: str) -> bool:
        try:
            pkg = repo.read_json(f"{member}/package.json") if repo.is_file(f"{member}/package.json") else None
        except ManifestError:
            return False
        scripts = pkg.get("scripts") if isinstance(pkg, dict) else None
        return isinstance(scripts, dict) and ("start" in scripts or "start:prod" in scripts)

    return sorted(members, key=lambda m: not starts(m))
