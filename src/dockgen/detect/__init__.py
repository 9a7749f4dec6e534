"""Detection: read the repository and report facts. No decisions here."""

from __future__ import annotations

import os

from ..errors import ManifestError
from ..model import NodeFacts
from ..repo import RepoView
from .node import detect_node

Facts = NodeFacts


def detect(root: str | os.PathLike[str] | RepoView) -> Facts:
    """Facts about the app at ``root`` (a Node app: package.json at the root)."""
    repo = root if isinstance(root, RepoView) else RepoView(root)
    if repo.is_file("package.json"):
        return detect_node(repo)
    if repo.exists("package.json"):
        raise ManifestError("package.json: is a directory, expected a file", "package.json must be a JSON file")
    raise ManifestError(
        f"no package.json in {repo.root}",
        "run dockgen in the app's root directory or pass its path (dockgen init PATH)",
    )


__all__ = ["Facts", "detect"]
