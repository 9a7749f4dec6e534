"""Detect facts about a Node.js app. Observations only: every choice is made in ``plan``.

Package manager rule (documented in the README):
  1. ``packageManager`` in package.json (``pnpm@9.1.0+sha512...``) names the manager.
  2. Otherwise the lockfile decides. When lockfiles of several managers exist, the first of
     bun.lock, bun.lockb, pnpm-lock.yaml, yarn.lock, npm-shrinkwrap.json, package-lock.json wins and
     a warning names the others (a stray package-lock.json beside another manager's lockfile is the
     usual accident, so npm's lockfiles come last).
  3. No lockfile: npm, with a warning that installs are not reproducible.

Node version hints, first wins (documented in the README): ``.nvmrc``, ``.node-version``,
``.tool-versions`` (asdf/mise ``nodejs``), ``package.json`` ``volta.node``, ``engines.node``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ManifestError
from ..jsonc import loads_jsonc
from ..model import (
    BuildApprovals,
    Framework,
    Lockfile,
    NodeFacts,
    Notice,
    PackageManager,
    PortHint,
    Severity,
    VersionHint,
)
from ..repo import RepoView
from ..secrets import has_npm_token
from ..workspace import Workspace
from .bins import resolve_bins

LOCKFILE_ORDER: tuple[tuple[str, PackageManager], ...] = (
    ("bun.lock", PackageManager.BUN),
    ("bun.lockb", PackageManager.BUN),
    ("pnpm-lock.yaml", PackageManager.PNPM),
    ("yarn.lock", PackageManager.YARN),
    ("npm-shrinkwrap.json", PackageManager.NPM),
    ("package-lock.json", PackageManager.NPM),
)

# direct dependencies that mark a framework, in priority order (a Next app also depends on react...)
FRAMEWORK_DEPS: tuple[tuple[Framework, tuple[str, ...]], ...] = (
    (Framework.NEXT, ("next",)),
    (Framework.NUXT, ("nuxt", "nuxt3")),
    (Framework.REMIX, ("@remix-run/serve", "@remix-run/node", "@react-router/serve")),
    (Framework.NEST, ("@nestjs/core",)),
    (Framework.FASTIFY, ("fastify",)),
    (Framework.KOA, ("koa",)),
    (Framework.HAPI, ("@hapi/hapi",)),
    (Framework.HONO, ("hono",)),
    (Framework.EXPRESS, ("express",)),
)

# packages that compile native code at install time (node-gyp) or ship platform binaries
NATIVE_ADDONS = frozenset({
    "argon2", "bcrypt", "better-sqlite3", "bufferutil", "canvas", "cpu-features", "deasync", "farmhash",
    "ffi-napi", "isolated-vm", "leveldown", "libxmljs", "libxmljs2", "node-expat", "node-sass",
    "re2", "ref-napi", "sharp", "sqlite3", "utf-8-validate", "zeromq", "node-pty", "usb", "serialport",
    "@serialport/bindings-cpp", "kerberos", "microtime", "unix-dgram", "epoll", "hiredis",
})

ENTRY_CANDIDATES = ("server.js", "server.mjs", "index.js", "index.mjs", "app.js", "main.js", "bin/www",
                    "src/server.js", "src/index.js", "src/app.js")
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
SKIP_DIRS = frozenset({"node_modules", ".git", "dist", "build", ".next", ".nuxt", ".output", "coverage",
                       ".turbo", ".cache", "out", "tmp", ".yarn", "vendor", "test", "tests", "__tests__"})
PORT_PATTERNS = (
    # process.env.PORT || 3000, Number(process.env.PORT) ?? '8080', parseInt(process.env.PORT, 10) || 80
    re.compile(r"process\.env\.PORT\b[^;\n|?]{0,16}(?:\|\||\?\?)\s*['\"`]?(\d{2,5})(?!\d)"),
    re.compile(r"\.listen\(\s*(\d{2,5})\b"),
    re.compile(r"\.listen\(\s*\{[^}]*?\bport\s*:\s*(\d{2,5})\b"),  # fastify.listen({ port: 3000 })
)


def detect_node(repo: RepoView, workspace: tuple[RepoView, Workspace] | None = None) -> NodeFacts:
    """Facts of the app at ``repo``; for a workspace member, ``workspace`` is the root's view and the
    workspace: the package manager, lockfile and install configuration are the root's."""
    if not repo.is_file("package.json"):
        raise ManifestError(
            f"no package.json in {repo.root}",
            "run dockgen in the app's root directory or pass its path (dockgen init PATH)",
        )
    pkg = repo.read_json("package.json")
    if not isinstance(pkg, dict):
        raise ManifestError("package.json: expected a JSON object at the top level",
                            "package.json must look like {\"name\": ..., \"scripts\": {...}}")
    notices: list[Notice] = []
    top, ws = workspace if workspace is not None else (repo, None)
    top_pkg = top.read_json("package.json") if ws is not None and top.is_file("package.json") else pkg
    top_pkg = top_pkg if isinstance(top_pkg, dict) else {}

    lockfiles = tuple(_read_lockfile(top, rel, mgr, notices) for rel, mgr in LOCKFILE_ORDER if top.is_file(rel))
    pm_pkg = pkg if ws is None or ("packageManager" in pkg and "packageManager" not in top_pkg) else top_pkg
    pm, pm_version, pm_source, lockfile = _package_manager(pm_pkg, lockfiles, notices)
    if ws is not None and pm_pkg is top_pkg:
        pm_source += f" (the workspace root {ws.root})"

    deps = tuple(sorted(_str_map(pkg.get("dependencies")).keys()))
    dev_deps = tuple(sorted(_str_map(pkg.get("devDependencies")).keys()))
    scripts = _str_map(pkg.get("scripts"))
    framework, evidence = _framework(deps, dev_deps, scripts)
    typescript = "typescript" in deps or "typescript" in dev_deps or repo.is_file("tsconfig.json")

    facts = NodeFacts(
        name=_opt_str(pkg.get("name")),
        version=_opt_str(pkg.get("version")),
        description=_opt_str(pkg.get("description")),
        license=_license(pkg.get("license")),
        repository=_repository(pkg.get("repository")),
        module_type=_opt_str(pkg.get("type")),
        package_manager=pm,
        package_manager_version=pm_version,
        package_manager_source=pm_source,
        lockfile=lockfile,
        lockfiles=lockfiles,
        version_hints=_version_hints(repo, pkg) + (tuple(
            h.replace(source=f"{ws.root}/{h.source}") for h in _version_hints(top, top_pkg)) if ws else ()),
        engines=_str_map(pkg.get("engines")),
        scripts=scripts,
        main=_opt_str(pkg.get("main")),
        bin=_bin(pkg),
        dependencies=deps,
        dev_dependencies=dev_deps,
        typescript=typescript,
        ts_out_dir=_ts_out_dir(repo, notices) if typescript else None,
        framework=framework,
        framework_evidence=evidence,
        next_output=_next_output(repo) if framework is Framework.NEXT else None,
        static_out_dir=_vite_out_dir(repo) if framework is Framework.VITE_STATIC else None,
        native_addons=_native_addons(top, deps, lockfile),
        port_hints=_port_hints(repo, pkg, scripts),
        entry_files=tuple(f for f in ENTRY_CANDIDATES if repo.is_file(f)),
        manifest_files=_manifest_files(top, pm),  # a member's: the workspace root's, relative to it
        has_public_dir=repo.is_dir("public"),
        workspaces=ws is None and (bool(pkg.get("workspaces")) or repo.is_file("pnpm-workspace.yaml")),
        npmrc_has_token=_npmrc_has_token(top),
        npm_allow_scripts=isinstance(pkg.get("allowScripts"), dict) and bool(pkg["allowScripts"]),
        install_scripts=_install_scripts(top, deps, lockfile),
        bins=_member_bins(resolve_bins(top, script_commands(scripts), lockfile, deps + dev_deps), ws, pm),
        yarn_linker=_yarn_linker(top) if pm is PackageManager.YARN else None,
        build_approvals=_build_approvals(top, top_pkg),
        workspace=ws,
        entries=_entries(repo, pkg, scripts),
        notices=tuple(notices),
        inputs=_inputs(repo, top, ws, lockfiles),
    )
    return facts


def _inputs(repo: RepoView, top: RepoView, ws: Workspace | None, lockfiles: tuple[Lockfile, ...]) -> dict[str, str]:
    """Digests of the files the plan is made from; a member's workspace-root files as ``../../pnpm-lock.yaml``."""
    own = ["package.json", ".nvmrc", ".node-version", ".tool-versions", "tsconfig.json", "next.config.js",
           "next.config.mjs", "next.config.ts", "vite.config.js", "vite.config.ts"]
    shared = [*(lf.path for lf in lockfiles), ".npmrc", ".yarnrc.yml", "pnpm-workspace.yaml"]
    if ws is None:
        return repo.digests(own + shared)
    roots = {f"{ws.root}/{k}": v for k, v in top.digests(["package.json", ".nvmrc", ".node-version", ".tool-versions",
                                                             "turbo.json", *shared]).items()}
    locals_ = {f"{ws.root}/{p.dir}/package.json": v for p in ws.build_local
               for k, v in top.digests([f"{p.dir}/package.json"]).items()}
    return repo.digests(own) | roots | locals_


def _member_bins(bins: dict[str, str], ws: Workspace | None, pm: PackageManager) -> dict[str, str]:
    """Command files as seen from a workspace member's directory (where the app starts): pnpm and bun link
    each direct dependency into the member's node_modules; npm's lockfile says where it installed one; yarn
    hoists to the root."""
    if ws is None:
        return bins
    out: dict[str, str] = {}
    for name, path in bins.items():
        if path.startswith(ws.member + "/"):
            out[name] = path[len(ws.member) + 1:]
        elif pm in (PackageManager.PNPM, PackageManager.BUN):
            out[name] = path
        else:
            out[name] = f"{ws.root}/{path}"
    return out


# -- package.json helpers ---------------------------------------------------------------------------

def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _license(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("type")
    return _opt_str(value)


def _repository(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("url")
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    if url.startswith("git+"):
        url = url[4:]
    if url.endswith(".git"):
        url = url[:-4]
    m = re.fullmatch(r"(?:github:)?([\w.-]+)/([\w.-]+)", url)
    if m:  # npm shorthand "owner/repo"
        url = f"https://github.com/{m.group(1)}/{m.group(2)}"
    m = re.fullmatch(r"git@([\w.-]+):(.+)", url)
    if m:
        url = f"https://{m.group(1)}/{m.group(2)}"
    return url if url.startswith("https://") else None


def _bin(pkg: Mapping[str, Any]) -> dict[str, str]:
    value = pkg.get("bin")
    if isinstance(value, str) and value.strip():
        name = str(pkg.get("name") or "app").rsplit("/", 1)[-1]
        return {name: value}
    return _str_map(value)


# -- lockfiles and the package manager --------------------------------------------------------------

def _read_lockfile(repo: RepoView, rel: str, mgr: PackageManager, notices: list[Notice]) -> Lockfile:
    if rel in ("package-lock.json", "npm-shrinkwrap.json"):
        data = repo.read_json(rel)
        version = data.get("lockfileVersion") if isinstance(data, dict) else None
        if version not in (1, 2, 3):
            notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                                  message=f"{rel}: unknown lockfileVersion {version!r}; npm ci may reject it"))
        return Lockfile(path=rel, manager=mgr, format=f"{rel.removesuffix('.json')} v{version}")
    if rel == "yarn.lock":
        head = repo.read_text(rel, limit=4096)
        if "# yarn lockfile v1" in head:
            return Lockfile(path=rel, manager=mgr, format="yarn classic (v1)")
        m = re.search(r"__metadata:\s*\n\s+version:\s*(\d+)", head)
        if m:
            return Lockfile(path=rel, manager=mgr, format=f"yarn berry (v{m.group(1)})")
        notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                              message="yarn.lock: neither a yarn 1 nor a yarn berry lockfile header"))
        return Lockfile(path=rel, manager=mgr, format="yarn (unknown)")
    if rel == "pnpm-lock.yaml":
        head = repo.read_text(rel, limit=1024)
        m = re.search(r"^lockfileVersion:\s*['\"]?([\d.]+)", head, re.M)
        return Lockfile(path=rel, manager=mgr, format=f"pnpm {m.group(1) if m else 'unknown'}")
    if rel == "bun.lock":
        return Lockfile(path=rel, manager=mgr, format="bun text")
    return Lockfile(path=rel, manager=mgr, format="bun binary")


PM_FIELD = re.compile(r"(npm|yarn|pnpm|bun)@(\d+\.\d+\.\d+(?:-[\w.]+)?)(?:\+[\w.]+)?")


def _package_manager(
    pkg: Mapping[str, Any], lockfiles: tuple[Lockfile, ...], notices: list[Notice]
) -> tuple[PackageManager, str | None, str, Lockfile | None]:
    field = pkg.get("packageManager")
    named: PackageManager | None = None
    version: str | None = None
    if isinstance(field, str) and field.strip():
        m = PM_FIELD.fullmatch(field.strip())
        if m:
            named, version = PackageManager(m.group(1)), m.group(2)
        else:
            notices.append(Notice(severity=Severity.WARNING, topic="package manager",
                                  message=f"packageManager {field!r} is not NAME@x.y.z; ignored"))
    if named is not None:
        own = [lf for lf in lockfiles if lf.manager is named]
        others = [lf.path for lf in lockfiles if lf.manager is not named]
        if others:
            notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                                  message=f"packageManager is {named}; ignoring {', '.join(others)}"))
        if not own:
            notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                                  message=f"packageManager is {named} but its lockfile is missing; "
                                          "installs are not frozen"))
        return named, version, "packageManager field", own[0] if own else None
    if not lockfiles:
        notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                              message="no lockfile: installs are not reproducible "
                                      "(run `npm install --package-lock-only` and commit package-lock.json)"))
        return PackageManager.NPM, None, "default (no lockfile)", None
    chosen = lockfiles[0]
    ignored = [lf.path for lf in lockfiles[1:] if lf.manager is not chosen.manager]
    if ignored:
        notices.append(Notice(severity=Severity.WARNING, topic="lockfile",
                              message=f"lockfiles of several package managers: using {chosen.path}, "
                                      f"ignoring {', '.join(ignored)} (delete the stray ones or set packageManager)"))
    return chosen.manager, None, f"lockfile {chosen.path}", chosen


# -- versions ----------------------------------------------------------------------------------------

def _first_line(text: str) -> str | None:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            return line
    return None


def _version_hints(repo: RepoView, pkg: Mapping[str, Any]) -> tuple[VersionHint, ...]:
    hints: list[VersionHint] = []
    for rel in (".nvmrc", ".node-version"):
        text = repo.read_text_or_none(rel, limit=4096)
        line = _first_line(text) if text is not None else None
        if line:
            hints.append(VersionHint(source=rel, text=line))
    text = repo.read_text_or_none(".tool-versions", limit=16384)
    if text is not None:
        for raw in text.splitlines():
            words = raw.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] in ("nodejs", "node"):
                hints.append(VersionHint(source=".tool-versions", text=words[1]))
                break
    volta = pkg.get("volta")
    if isinstance(volta, dict) and isinstance(volta.get("node"), str) and volta["node"].strip():
        hints.append(VersionHint(source="package.json#volta.node", text=volta["node"].strip()))
    engines = pkg.get("engines")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str) and engines["node"].strip():
        hints.append(VersionHint(source="package.json#engines.node", text=engines["node"].strip()))
    return tuple(hints)


# -- framework, build and start ------------------------------------------------------------------

def _framework(deps: tuple[str, ...], dev_deps: tuple[str, ...],
               scripts: Mapping[str, str]) -> tuple[Framework | None, str | None]:
    for framework, names in FRAMEWORK_DEPS:
        for name in names:
            if name in deps:
                return framework, f"dependency {name}"
    for framework, names in FRAMEWORK_DEPS[:3]:  # next/nuxt/remix are sometimes dev-only deps
        for name in names:
            if name in dev_deps:
                return framework, f"devDependency {name}"
    build = scripts.get("build", "")
    if ("vite" in deps or "vite" in dev_deps) and re.search(r"\bvite\b(?:\s+build)?", build):
        return Framework.VITE_STATIC, "vite builds the site and no server framework is a dependency"
    return None, None


def _config_text(repo: RepoView, stem: str) -> str | None:
    for ext in ("js", "mjs", "cjs", "ts", "mts"):
        text = repo.read_text_or_none(f"{stem}.{ext}", limit=262144)
        if text is not None:
            return text
    return None


def _next_output(repo: RepoView) -> str | None:
    text = _config_text(repo, "next.config")
    if text is None:
        return None
    m = re.search(r"""\boutput\s*:\s*['"`](standalone|export)['"`]""", text)
    return m.group(1) if m else None


def _vite_out_dir(repo: RepoView) -> str:
    text = _config_text(repo, "vite.config")
    if text:
        m = re.search(r"""\boutDir\s*:\s*['"`]([^'"`]+)['"`]""", text)
        if m:
            return _plain_dir(m.group(1), "vite.config: build.outDir") or "dist"
    return "dist"


PLAIN_PATH = r"[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*"  # what a COPY and a .dockerignore rule name as written
PLAIN_DIR = re.compile(PLAIN_PATH + "/?")


def _plain_dir(value: str, where: str) -> str | None:
    """A build output directory as dockgen copies and ignores it (``clean_rel``); an error when it has
    characters that a COPY or a .dockerignore rule would read differently (space, ``$``, ``*``, a
    backslash, a newline): the image would copy something else than what the build wrote."""
    stripped = value.strip()
    candidate = stripped.removeprefix("./")
    if not PLAIN_DIR.fullmatch(candidate) and not stripped.startswith(("/", "../")):
        shown = value.encode("unicode_escape").decode("ascii")
        raise ManifestError(f"{where} is {shown!r}: a COPY or .dockerignore rule cannot name it as written "
                            "(a space, $, *, ?, [, a backslash or a control character)",
                            "use a plain directory name for the build output (letters, digits, . _ - @ +, /), "
                            "e.g. dist")
    return clean_rel(stripped)


def _ts_out_dir(repo: RepoView, notices: list[Notice]) -> str | None:
    text = repo.read_text_or_none("tsconfig.json")
    if text is None:
        return None
    try:
        data = loads_jsonc(text)
    except ValueError as exc:
        notices.append(Notice(severity=Severity.WARNING, topic="typescript",
                              message=f"tsconfig.json could not be read ({exc}); assuming outDir dist"))
        return None
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    out = options.get("outDir") if isinstance(options, dict) else None
    return _plain_dir(out, "tsconfig.json: compilerOptions.outDir") if isinstance(out, str) else None


def tcp_port(text: str, where: str) -> int:
    """The port a start command names; an error when it is not a TCP port (the server could not bind it,
    and EXPOSE would refuse it)."""
    port = int(text) if len(text) <= 6 else 0
    if not 1 <= port <= 65535:
        raise ManifestError(f"{where} binds port {text[:12]}{'...' if len(text) > 12 else ''}, not a TCP port",
                            "fix the port in the start command (1 to 65535), or drop it and pass --port")
    return port


def clean_rel(path: str) -> str | None:
    """``./dist/`` -> ``dist``; None for paths leaving the root or absolute ones."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or path.startswith("/"):
        return None
    return "/".join(parts)


def _native_addons(repo: RepoView, deps: tuple[str, ...], lockfile: Lockfile | None) -> tuple[str, ...]:
    found = {d for d in deps if d in NATIVE_ADDONS}
    if lockfile is not None and lockfile.path in ("package-lock.json", "npm-shrinkwrap.json"):
        data = repo.read_json(lockfile.path)
        packages = data.get("packages") if isinstance(data, dict) else None
        if isinstance(packages, dict):
            for key, meta in packages.items():
                name = key.rsplit("node_modules/", 1)[-1]
                if (isinstance(meta, dict) and not meta.get("dev") and name in NATIVE_ADDONS
                        and not meta.get("optional")):
                    found.add(name)
    return tuple(sorted(found))


def _port_hints(repo: RepoView, pkg: Mapping[str, Any], scripts: Mapping[str, str]) -> tuple[PortHint, ...]:
    hints: list[PortHint] = []
    start = scripts.get("start", "")
    m = re.search(r"(?:--port|-p)[ =](\d+)\b|\bPORT=(\d+)\b", start)
    if m:
        hints.append(PortHint(port=tcp_port(m.group(1) or m.group(2), "package.json scripts.start"),
                              source="scripts.start", kind="script"))
    files: list[str] = []
    for rel in ENTRY_CANDIDATES:
        if repo.is_file(rel):
            files.append(rel)
    main = pkg.get("main")
    if isinstance(main, str) and (c := clean_rel(main)) and repo.is_file(c) and c not in files:
        files.insert(0, c)
    files += [f for f in repo.walk_files(".", suffixes=SOURCE_SUFFIXES, max_files=300, skip_dirs=SKIP_DIRS)
              if f not in files]
    for rel in files:
        try:
            text = repo.read_text(rel, limit=262144)
        except ManifestError:
            continue
        for index, pattern in enumerate(PORT_PATTERNS):
            for pm in pattern.finditer(text):
                port = int(pm.group(1))
                if 1 <= port <= 65535:
                    line = text.count("\n", 0, pm.start()) + 1
                    hints.append(PortHint(port=port, source=f"{rel}:{line}",
                                          kind="env-default" if index == 0 else "listen"))
        if len(hints) >= 5:
            break
    return tuple(hints)


def _manifest_files(repo: RepoView, pm: PackageManager) -> tuple[str, ...]:
    """Files the install step reads besides package.json and the lockfile (copied before it)."""
    found: list[str] = []
    candidates = [".npmrc"]
    if pm is PackageManager.YARN:
        # a committed .yarn/cache (zero-installs) is not sent: it holds every package, dev ones included, and
        # the image's runtime must not (the deps stage fetches the production ones)
        candidates += [".yarnrc.yml", ".yarnrc", ".yarn/releases", ".yarn/plugins", ".yarn/patches"]
    if pm is PackageManager.PNPM:
        candidates += ["pnpm-workspace.yaml", ".pnpmfile.cjs"]
    if pm is PackageManager.BUN:
        candidates += ["bunfig.toml"]
    candidates += ["patches"]  # patch-package / pnpm patchedDependencies
    for rel in candidates:
        if rel == ".npmrc" and _npmrc_has_token(repo):
            continue  # never copied: passed as a build secret instead
        if repo.exists(rel):
            found.append(rel + "/" if repo.is_dir(rel) else rel)  # a directory keeps its trailing /
    return tuple(found)


def _npmrc_has_token(repo: RepoView) -> bool:
    text = repo.read_text_or_none(".npmrc", limit=65536)
    return bool(text and has_npm_token(text))  # the detector `dockgen context` uses


# dependencies known to run an install script (node-gyp builds, binary downloads): npm's lockfile marks
# them (hasInstallScript); pnpm's, yarn's and bun's lockfiles do not, so these are looked for by name
KNOWN_INSTALL_SCRIPTS = NATIVE_ADDONS | frozenset({
    "esbuild", "@swc/core", "@prisma/engines", "prisma", "@parcel/watcher", "protobufjs", "puppeteer",
    "core-js", "lmdb", "msgpackr-extract", "unrs-resolver", "@biomejs/biome", "nx", "@nestjs/core",
})
PNPM_PACKAGE = re.compile(r"""^  ['"]?/?((?:@[^/@\s'"]+/)?[^/@\s'"(]+)[@/]""", re.M)


def _install_scripts(repo: RepoView, deps: tuple[str, ...], lockfile: Lockfile | None) -> tuple[str, ...]:
    """Dependencies (direct or not) whose install scripts a package manager would run."""
    found: set[str] = set()
    if lockfile is not None and lockfile.path in ("package-lock.json", "npm-shrinkwrap.json"):
        data = repo.read_json(lockfile.path)
        packages = data.get("packages") if isinstance(data, dict) else None
        if isinstance(packages, dict):
            for key, meta in packages.items():
                if (isinstance(meta, dict) and meta.get("hasInstallScript") and not meta.get("dev") and key
                        and not meta.get("link")):
                    found.add(key.rsplit("node_modules/", 1)[-1])
        return tuple(sorted(found))
    found |= {d for d in deps if d in KNOWN_INSTALL_SCRIPTS}
    if lockfile is not None and lockfile.path == "pnpm-lock.yaml":
        text = repo.read_text(lockfile.path)
        start = re.search(r"^packages:\s*$", text, re.M)
        if start:
            found |= {m.group(1) for m in PNPM_PACKAGE.finditer(text, start.end())
                      if m.group(1) in KNOWN_INSTALL_SCRIPTS}
    elif lockfile is not None and lockfile.path in ("yarn.lock", "bun.lock"):
        text = repo.read_text(lockfile.path)
        found |= {name for name in KNOWN_INSTALL_SCRIPTS if re.search(
            r'(?:^|[\s"])' + re.escape(name) + r'@', text, re.M)}
    return tuple(sorted(found))


def _build_approvals(repo: RepoView, pkg: Mapping[str, Any]) -> tuple[BuildApprovals, ...]:
    """The project's own approvals of install scripts: pnpm's (package.json "pnpm" field, pnpm-workspace.yaml)
    and bun's trustedDependencies."""
    from ..yamlish import parse as parse_yaml

    out: list[BuildApprovals] = []
    field = pkg.get("pnpm")
    if isinstance(field, dict):
        only = field.get("onlyBuiltDependencies")
        never = field.get("neverBuiltDependencies")
        if isinstance(only, list) or isinstance(never, list):
            out.append(BuildApprovals(setting="onlyBuiltDependencies", source="package.json#pnpm",
                                      approved=_names(only), denied=_names(never)))
    text = repo.read_text_or_none("pnpm-workspace.yaml")
    if text is not None:
        data = parse_yaml(text)
        strict_text = data.get("strictDepBuilds")
        strict = strict_text.lower() == "true" if isinstance(strict_text, str) else None
        allow = data.get("allowBuilds")
        if isinstance(allow, dict):
            out.append(BuildApprovals(setting="allowBuilds", source="pnpm-workspace.yaml", strict=strict,
                                      approved=tuple(sorted(k for k, v in allow.items() if v.lower() == "true")),
                                      denied=tuple(sorted(k for k, v in allow.items() if v.lower() != "true"))))
        only = data.get("onlyBuiltDependencies")
        never = data.get("neverBuiltDependencies") or data.get("ignoredBuiltDependencies")
        if isinstance(only, list) or isinstance(never, list):
            out.append(BuildApprovals(setting="onlyBuiltDependencies", source="pnpm-workspace.yaml", strict=strict,
                                      approved=_names(only), denied=_names(never)))
        elif strict is not None and not isinstance(allow, dict):
            out.append(BuildApprovals(setting="strictDepBuilds", source="pnpm-workspace.yaml", approved=(),
                                      strict=strict))
    trusted = pkg.get("trustedDependencies")
    if isinstance(trusted, list):
        out.append(BuildApprovals(setting="trustedDependencies", source="package.json", approved=_names(trusted)))
    return tuple(out)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(sorted({v for v in value if isinstance(v, str) and v})) if isinstance(value, list) else ()


NOT_DEPENDENCY_COMMANDS = frozenset({"node", "npm", "npx", "yarn", "pnpm", "pnpx", "bun", "bunx", "cross-env", "env",
                                     "cd", "rm", "cp", "mv", "mkdir", "echo", "sh", "bash", "exec", "true"})


def script_commands(scripts: Mapping[str, str]) -> set[str]:
    """The dependency commands the scripts run (``next`` in ``next start -p 4000``)."""
    names: set[str] = set()
    for text in scripts.values():
        for step in re.split(r"&&|\|\||;|\|", text):
            words = [w for w in step.split() if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", w)]
            if words and words[0] == "cross-env":
                words = [w for w in words[1:] if "=" not in w]
            if words and re.fullmatch(r"[@\w][\w.-]*", words[0]) and words[0] not in NOT_DEPENDENCY_COMMANDS:
                names.add(words[0])
    return names


def _yarn_linker(repo: RepoView) -> str | None:
    """.yarnrc.yml's nodeLinker (pnp, node-modules, pnpm); None when it does not say (yarn 2+: pnp)."""
    from ..yamlish import parse as parse_yaml

    text = repo.read_text_or_none(".yarnrc.yml")
    value = parse_yaml(text).get("nodeLinker") if text else None
    return value if isinstance(value, str) and value else None


TS_SUFFIXES = {".js": (".ts", ".tsx", ".mts"), ".mjs": (".mts",), ".cjs": (".cts",), "": (".ts",)}


def _entries(repo: RepoView, pkg: Mapping[str, Any], scripts: Mapping[str, str]) -> dict[str, str]:
    """The entry files the start scripts and ``main`` name, and what the repository holds for each: "file",
    "ts:<source>" (missing, but a TypeScript source of that name exists: a build makes it), or "missing"."""
    names: list[str] = []
    for key in ("start", "start:prod", "serve"):
        for word in scripts.get(key, "").replace("&&", " ").split():
            if re.fullmatch(r"[\w@./-]+\.(?:js|mjs|cjs)|(?:\./)?(?:bin|dist|build|lib|out)/[\w./-]+", word):
                names.append(word)
    if isinstance(pkg.get("main"), str):
        names.append(pkg["main"])
    out: dict[str, str] = {}
    for name in names:
        rel = clean_rel(name)
        if rel is None or rel.startswith("node_modules/") or rel in out:
            continue
        if repo.is_file(rel) or repo.is_file(rel + ".js"):
            out[rel] = "file"
            continue
        stem, dot, ext = rel.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = rel, ""
        ext = f".{ext}" if ext else ""
        base = stem.split("/", 1)[1] if "/" in stem and stem.split("/", 1)[0] in ("dist", "build", "lib", "out") \
            else stem
        found = next((cand for s in TS_SUFFIXES.get(ext, ()) for cand in (base + s, f"src/{base}{s}")
                      if repo.is_file(cand)), None)
        out[rel] = f"ts:{found}" if found else "missing"
    return out
