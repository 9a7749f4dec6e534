"""Where a dependency's command (``next``, ``fastify``, ``react-router-serve``) really lives.

A start script that runs a dependency's binary is run in the image as ``node <its JS file>``: never a
package manager, never a shell. ``node_modules/.bin/<name>`` is a symlink to that file with npm, yarn
and bun, but a shell script with pnpm (and with yarn's PnP there is no node_modules at all), so the
file itself is found:

1. from the lockfile, when it records packages' ``bin`` (package-lock.json v2/v3, bun.lock, yarn berry's
   yarn.lock): exact;
2. else from a table of the commands apps start with, by the package's major version where a release
   moved the file (pnpm-lock.yaml and yarn classic record no ``bin``).

Paths are relative to the directory holding ``node_modules`` (``node_modules/next/dist/bin/next``).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ManifestError
from ..jsonc import loads_jsonc
from ..model import Lockfile
from ..repo import RepoView

# command -> (package, ((first major, path inside the package), ...)): checked with `npm view <pkg>@<v> bin`
# on 2026-12-05 for the releases named
KNOWN: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    "next": ("next", ((0, "dist/bin/next"),)),
    "nuxt": ("nuxt", ((3, "bin/nuxt.mjs"),)),
    "nuxi": ("nuxi", ((3, "bin/nuxi.mjs"),)),
    "remix-serve": ("@remix-run/serve", ((1, "dist/cli.js"),)),
    "react-router-serve": ("@react-router/serve", ((7, "bin.js"), (8, "bin.cjs"))),
    "fastify": ("fastify-cli", ((0, "cli.js"),)),
    "nest": ("@nestjs/cli", ((0, "bin/nest.js"),)),
    "serve": ("serve", ((14, "build/main.js"),)),
    "http-server": ("http-server", ((0, "bin/http-server"),)),
    "astro": ("astro", ((2, "astro.js"), (4, "bin/astro.mjs"))),
    "vite": ("vite", ((2, "bin/vite.js"),)),
    "svelte-kit": ("@sveltejs/kit", ((1, "svelte-kit.js"),)),
    "pm2-runtime": ("pm2", ((0, "bin/pm2-runtime"),)),
    "strapi": ("@strapi/strapi", ((4, "bin/strapi.js"),)),
    "sails": ("sails", ((0, "bin/sails.js"),)),
    "gatsby": ("gatsby", ((0, "cli.js"),)),
    "json-server": ("json-server", ((1, "lib/cli/bin.js"),)),
    "keystone": ("@keystone-6/core", ((0, "bin/cli.js"),)),
    "payload": ("payload", ((3, "bin.js"),)),
    "directus": ("directus", ((9, "cli.js"),)),
    "ng": ("@angular/cli", ((0, "bin/ng.js"),)),
    "tsx": ("tsx", ((3, "dist/cli.mjs"),)),
    "ts-node": ("ts-node", ((8, "dist/bin.js"),)),
}


def resolve_bins(repo: RepoView, names: set[str], lockfile: Lockfile | None,
                 dependencies: tuple[str, ...]) -> dict[str, str]:
    """``{command: node_modules/<package>/<file>}`` for the commands found."""
    if not names:
        return {}
    found: dict[str, str] = {}
    try:
        if lockfile is not None and lockfile.path in ("package-lock.json", "npm-shrinkwrap.json"):
            found = _from_npm(repo.read_json(lockfile.path), names)
        elif lockfile is not None and lockfile.path == "bun.lock":
            found = _from_bun(loads_jsonc(repo.read_text(lockfile.path)), names)
        elif lockfile is not None and lockfile.path == "yarn.lock" and "berry" in lockfile.format:
            found = _from_berry(repo.read_text(lockfile.path), names)
    except (ManifestError, ValueError):
        found = {}
    versions = _pnpm_versions(repo, lockfile) if lockfile is not None and lockfile.path == "pnpm-lock.yaml" else {}
    for name in sorted(names - set(found)):
        if name not in KNOWN:
            continue
        package, paths = KNOWN[name]
        major = versions.get(package)
        path = paths[-1][1] if major is None else next((p for first, p in reversed(paths) if major >= first),
                                                        paths[0][1])
        if package in dependencies or package in versions or lockfile is None or not versions:
            found[name] = f"node_modules/{package}/{path}"
    return found


def _clean(path: str) -> str:
    return re.sub(r"^(\./)+", "", path)


def _from_npm(data: Any, names: set[str]) -> dict[str, str]:
    packages = data.get("packages") if isinstance(data, dict) else None
    out: dict[str, str] = {}
    if not isinstance(packages, dict):
        return out
    # the shallowest install of a package wins (node_modules/x over node_modules/y/node_modules/x)
    for key in sorted(packages, key=lambda k: k.count("node_modules/")):
        meta = packages[key]
        if not key or not isinstance(meta, dict) or meta.get("link"):
            continue
        bins = meta.get("bin")
        if isinstance(bins, dict):
            for name, path in bins.items():
                if name in names and name not in out and isinstance(path, str):
                    out[name] = f"{key}/{_clean(path)}"
    return out


def _from_bun(data: Any, names: set[str]) -> dict[str, str]:
    packages = data.get("packages") if isinstance(data, dict) else None
    out: dict[str, str] = {}
    if not isinstance(packages, dict):
        return out
    for key in sorted(packages, key=lambda k: k.count("/")):
        entry = packages[key]
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        spec = entry[0]
        package = spec[: spec.rindex("@")] if spec.rfind("@") > 0 else spec
        meta = next((e for e in entry[1:] if isinstance(e, dict)), {})
        bins = meta.get("bin")
        if isinstance(bins, str):
            bins = {package.rsplit("/", 1)[-1]: bins}
        if isinstance(bins, dict) and "/" not in key.removeprefix("@").split("/", 1)[-1]:
            for name, path in bins.items():
                if name in names and name not in out and isinstance(path, str):
                    out[name] = f"node_modules/{package}/{_clean(path)}"
    return out


ENTRY = re.compile(r'^"?(?P<pkg>@?[^@"\s]+)@[^\n]*:\s*$', re.M)


def _from_berry(text: str, names: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        m = ENTRY.match(block)
        if not m or "\n  bin:\n" not in block:
            continue
        bins = block.split("\n  bin:\n", 1)[1]
        for line in bins.splitlines():
            bm = re.match(r"^    (\S+): (.+)$", line)
            if not bm:
                break
            name, path = bm.group(1).strip('"'), bm.group(2).strip().strip('"')
            if name in names and name not in out:
                out[name] = f"node_modules/{m.group('pkg')}/{_clean(path)}"
    return out


def _pnpm_versions(repo: RepoView, lockfile: Lockfile) -> dict[str, int]:
    """package -> major of the version the importers use (pnpm-lock.yaml v5 to v9)."""
    try:
        text = repo.read_text(lockfile.path)
    except ManifestError:
        return {}
    out: dict[str, int] = {}
    for m in re.finditer(r"^\s+'?(@?[\w./-]+?)'?:\n\s+specifier: [^\n]*\n\s+version: (\d+)", text, re.M):
        out.setdefault(m.group(1), int(m.group(2)))
    for m in re.finditer(r"^  '?(@?[\w./-]+?)'?: (\d+)\.\d+\.\d+", text, re.M):  # v5: dependencies: name: 1.2.3
        out.setdefault(m.group(1), int(m.group(2)))
    return out
