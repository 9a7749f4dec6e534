"""dockgen: turn a Node or Python app repository into a pinned, multi-stage, non-root production container build.

The public Python API (see ``dockgen.api``): ``detect``, ``plan``, ``render``, ``measure``, ``write``, the
one-call ``generate`` (what `dockgen init` does) and ``update``, plus ``Options`` and the ``DockgenError``
hierarchy. Imports are lazy so ``dockgen --help`` stays fast.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {"detect", "plan", "render", "measure", "write", "generate", "update", "Generated", "ContextFigures"}
__all__ = ["DockgenError", "Options", "__version__", *sorted(_API)]

if TYPE_CHECKING:
    from .api import ContextFigures as ContextFigures
    from .api import Generated as Generated
    from .api import detect as detect
    from .api import generate as generate
    from .api import measure as measure
    from .api import plan as plan
    from .api import render as render
    from .api import update as update
    from .api import write as write
    from .errors import DockgenError as DockgenError
    from .plan import Options as Options


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


class _Package(types.ModuleType):
    """``dockgen.detect`` is the API function, although ``dockgen/detect/`` (and plan.py, render.py,
    write.py, update.py) are modules of the same name: importing a submodule makes the import system
    set it as an attribute of the package, which would hide the function for the rest of the process.
    That binding is dropped (the module stays importable, ``sys.modules`` holds it), so the name keeps
    resolving through ``__getattr__`` to the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
