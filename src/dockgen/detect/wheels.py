"""Which locked Python packages have no wheel for the image, so pip/uv builds them from source there.

The lockfiles of uv, poetry and pdm name every file of every package (wheels with their tags, the sdist).
A package whose wheels are all for other platforms or interpreters, but which has an sdist, is compiled in
the builder, which then needs a C compiler (and headers; see plan_python). Requirements files and
Pipfile.lock name no files: there, known source-only packages are looked for by name.

Facts keep, for each locked package without a universal (``py3-none-any``) wheel, whether it has an sdist and
its wheels' tags; the plan decides against the CPython line and libc of the image it chose.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ManifestError
from ..model import Distribution, Lockfile
from ..repo import RepoView

# packages whose newest release publishes no Linux wheel (PyPI's JSON API, checked 2026-12-05): built from
# source wherever pip installs them from a requirements file or Pipfile.lock, which name no files
SOURCE_ONLY = frozenset({"uwsgi", "psycopg2", "mysqlclient", "pycairo", "python-ldap", "dbus-python", "mod-wsgi"})
WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)"
                   r"-(?P<plat>[^-]+)\.whl$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_distributions(repo: RepoView, lockfile: Lockfile | None) -> tuple[Distribution, ...]:
    """The locked packages that may need building: no universal wheel (sorted by name)."""
    if lockfile is None or lockfile.path not in ("uv.lock", "poetry.lock", "pdm.lock"):
        return ()
    try:
        data = repo.read_toml(lockfile.path)
    except ManifestError:
        return ()
    packages = data.get("package")
    out: dict[str, Distribution] = {}
    for pkg in packages if isinstance(packages, list) else []:
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            continue
        files = _files(pkg, lockfile.path)
        if files is None:
            continue
        wheels = [f for f in files if f.endswith(".whl")]
        sdist = any(f.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz")) for f in files)
        tags = tuple(sorted({f"{m['py']}-{m['abi']}-{m['plat']}" for w in wheels if (m := WHEEL.match(w))}))
        if any(_universal(t) for t in tags):
            continue
        out[normalize(pkg["name"])] = Distribution(name=normalize(pkg["name"]), sdist=sdist, wheels=tags)
    return tuple(out[k] for k in sorted(out))


def _files(pkg: dict[str, Any], lock: str) -> list[str] | None:
    """File names of a locked package; None for a package that is not from an index (the project, git...)."""
    if lock == "uv.lock":
        source = pkg.get("source")
        if isinstance(source, dict) and not ("registry" in source or "url" in source):
            return None
        files = []
        sdist = pkg.get("sdist")
        if isinstance(sdist, dict) and isinstance(sdist.get("url"), str):
            files.append(sdist["url"].rsplit("/", 1)[-1])
        elif isinstance(sdist, dict):
            files.append(f"{pkg['name']}.tar.gz")
        for w in pkg.get("wheels") or []:
            if isinstance(w, dict) and isinstance(w.get("url"), str):
                files.append(w["url"].rsplit("/", 1)[-1].split("#", 1)[0])
            elif isinstance(w, dict) and isinstance(w.get("filename"), str):
                files.append(w["filename"])
        return files
    source = pkg.get("source")
    if isinstance(source, dict) and source.get("type") in ("git", "directory", "file", "url"):
        return None
    entries = pkg.get("files")
    if not isinstance(entries, list):
        return None
    names = []
    for e in entries:
        if isinstance(e, dict):
            name = e.get("file") or (e.get("url", "").rsplit("/", 1)[-1] if isinstance(e.get("url"), str) else None)
            if isinstance(name, str):
                names.append(name)
    return names


def _universal(tag: str) -> bool:
    py, abi, plat = tag.split("-")
    return plat == "any" and abi == "none" and any(p.startswith("py3") or p == "py2.py3" for p in py.split("."))


def compatible(tag: str, line: str, musl: bool = False, arch: str = "x86_64") -> bool:
    """A wheel tag ``py-abi-plat`` installs on CPython ``line`` ("3.13"), Linux ``arch``, glibc or musl."""
    py, abi, plat = tag.split("-")
    major, minor = (int(x) for x in line.split("."))
    plats = plat.split(".")
    libc = "musllinux" if musl else "manylinux"
    plat_ok = "any" in plats or any((p.startswith(libc) or (not musl and p.startswith("linux")))
                                    and p.endswith(arch) for p in plats)
    if not plat_ok:
        return False
    for p in py.split("."):
        for a in abi.split("."):
            if (p.startswith("py3") or p == "py2.py3") and a == "none":
                return True
            m = re.fullmatch(r"cp(\d)(\d+)", p)
            if m and int(m.group(1)) == major:
                version = int(m.group(2))
                if a == "abi3" and version <= minor:
                    return True
                if version == minor and a in (f"cp{major}{minor}", f"cp{major}{minor}m", "none"):
                    return True
    return False


def source_builds(dists: tuple[Distribution, ...], requirements: tuple[str, ...], line: str,
                  musl: bool = False) -> tuple[str, ...]:
    """The packages the image builds from source on CPython ``line``: locked ones with an sdist and no
    compatible wheel, and known source-only ones named by requirements."""
    found = {d.name for d in dists if d.sdist and not any(compatible(t, line, musl) for t in d.wheels)}
    found |= {r for r in requirements if r in SOURCE_ONLY}
    return tuple(sorted(found))


def vcs_requirements(repo: RepoView, files: tuple[str, ...], lockfile: Lockfile | None) -> tuple[str, ...]:
    """Requirements fetched with git (``git+https://...``): the builder needs git."""
    found: list[str] = []
    for rel in files:
        text = repo.read_text_or_none(rel) or ""
        found += re.findall(r"(?m)^[^#\n]*?\b(git\+(?:https?|ssh|git)://\S+)", text)
    if lockfile is not None and lockfile.path in ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"):
        text = repo.read_text_or_none(lockfile.path) or ""
        if re.search(r'(?m)(?:^|[{,\s])git\s*=\s*"|type\s*=\s*"git"|"git":\s*"', text):
            found.append(f"a git source in {lockfile.path}")
    return tuple(dict.fromkeys(found))
