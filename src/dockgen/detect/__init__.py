"""Detection: read the repository and report facts. No decisions here.

Language rule (documented in the README): ``--language`` wins. Otherwise a repository with only Node
manifests is Node, one with only Python manifests (pyproject.toml, requirements.txt, Pipfile,
setup.py, setup.cfg, manage.py) is Python; with both, it is Node when package.json has a ``start``
script or a Node server framework dependency (a Django app with a package.json for its assets is
Python), else Python.
"""

from __future__ import annotations

import os

from ..errors import ManifestError
from ..model import NodeFacts, PythonFacts
from ..repo import RepoView
from ..workspace import Workspace
from .node import FRAMEWORK_DEPS, detect_node
from .python import detect_python, is_python_repo

Facts = NodeFacts | PythonFacts
LANGUAGES = ("node", "python")


def detect(root: str | os.PathLike[str] | RepoView, language: str | None = None) -> Facts:
    """Facts about the app at ``root``."""
    repo = root if isinstance(root, RepoView) else RepoView(root)
    if language is not None and language not in LANGUAGES:
        raise ManifestError(f"unknown language {language!r}", "use --language node or --language python")
    has_node = repo.is_file("package.json")
    has_python = is_python_repo(repo)
    if repo.exists("package.json") and not has_node:
        repo.read_bytes("package.json", 0)  # says what it is (a directory, a FIFO, ...)
        raise ManifestError("package.json: not a regular file", "package.json must be a JSON file")
    if language == "node" or (language is None and has_node and (not has_python or _node_server(repo))):
        if not has_node:
            raise ManifestError(f"no package.json in {repo.root}", "a Node app needs package.json at its root")
        return detect_node(repo, _workspace(repo, "node"))
    if language == "python" or has_python:
        if not has_python:
            raise ManifestError(f"no Python project in {repo.root}",
                                "dockgen reads pyproject.toml, requirements.txt, Pipfile or setup.py")
        return detect_python(repo, _workspace(repo, "python"))
    raise ManifestError(
        f"no package.json or Python project in {repo.root}",
        "run dockgen in the app's root directory or pass its path (dockgen init PATH)",
    )


def _workspace(repo: RepoView, language: str) -> tuple[RepoView, Workspace] | None:
    """The workspace ``repo`` is a member of (its root's view, and what the member needs), if any."""
    from ..workspace import find_root, node_workspace, uv_workspace

    found = find_root(repo.root)
    if found is None:
        return None
    root, tool = found
    if (tool == "uv") != (language == "python"):
        return None
    ws = uv_workspace(root, repo.root) if tool == "uv" else node_workspace(root, repo.root, tool)
    return RepoView(root), ws


def _node_server(repo: RepoView) -> bool:
    pkg = repo.read_json("package.json")
    if not isinstance(pkg, dict):
        return True
    scripts = pkg.get("scripts")
    deps = pkg.get("dependencies")
    scripts = scripts if isinstance(scripts, dict) else {}
    deps = deps if isinstance(deps, dict) else {}
    return "start" in scripts or any(name in deps for _, names in FRAMEWORK_DEPS for name in names)


__all__ = ["LANGUAGES", "Facts", "detect"]
