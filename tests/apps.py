"""Build small app trees in a temp dir for unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LOCK_V3 = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
           "packages": {"": {"name": "app", "version": "1.0.0"}}}


def make_app(root: Path, package: dict[str, Any] | None = None, files: dict[str, str | bytes] | None = None,
             lock: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    pkg = {"name": "app", "version": "1.0.0", "scripts": {"start": "node server.js"},
           "dependencies": {"express": "^4.21.0"}}
    if package is not None:
        pkg = package
    (root / "package.json").write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    if lock:
        (root / "package-lock.json").write_text(json.dumps(LOCK_V3), encoding="utf-8")
    (root / "server.js").write_text("require('http').createServer((q, s) => s.end('ok'))"
                                    ".listen(process.env.PORT || 3000)\n", encoding="utf-8")
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` and its bytes (to assert that nothing was touched)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def node_slim_with(directory: Path, extra: str) -> Path:
    """A user template directory whose node-slim is the built-in one plus ``extra`` instructions after
    its runtime WORKDIR (e.g. a COPY of files dockgen's own plan does not know about)."""
    import dockgen

    builtin = (Path(dockgen.__file__).parent / "templates" / "node-slim.Dockerfile.j2").read_text()
    anchor = "\nWORKDIR {{ plan.run_dir or plan.workdir }}\n"
    assert builtin.count(anchor) == 1, "the built-in node-slim template changed: update this helper"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "node-slim.Dockerfile.j2").write_text(builtin.replace(anchor, anchor + extra))
    return directory
