"""dockgen: turn a Node app repository into a pinned, multi-stage, non-root production container build.

The public Python API: ``detect``, ``plan``, ``render``, ``write`` and ``generate`` (see ``dockgen.api``),
plus ``Options`` and the ``DockgenError`` hierarchy. Imports are lazy so ``dockgen --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {"detect", "plan", "render", "measure", "write", "generate", "Generated"}
__all__ = ["DockgenError", "Options", "__version__", *sorted(_API)]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "Options":
        from .plan import Options

        return Options
    if name == "DockgenError":
        from .errors import DockgenError

        return DockgenError
    raise AttributeError(f"module 'dockgen' has no attribute {name!r}")
