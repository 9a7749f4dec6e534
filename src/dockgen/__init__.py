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

_API = {"detect", "plan", "render", "measure", "write", "generate", "update", "Generated", "ContextFigures",
        "ContextSecret", "Measured"}
# the types the API's signatures use, and the errors it raises: importable from the package itself
_TYPES = {
    "Options": "plan", "OptionValues": "plan",
    "Facts": "detect", "NodeFacts": "model", "PythonFacts": "model", "BuildPlan": "model", "RenderedFile": "model",
    "WriteOutcome": "model", "WriteStatus": "model", "Notice": "model",
    "UpdateResult": "update", "FileUpdate": "update",
    "DockgenError": "errors", "ManifestError": "errors", "VersionError": "errors", "TemplateError": "errors",
    "PlanError": "errors", "OptionError": "errors",
}
__all__ = ["__version__", *sorted(_API), *sorted(_TYPES)]

if TYPE_CHECKING:
    from .api import ContextFigures as ContextFigures
    from .api import ContextSecret as ContextSecret
    from .api import Generated as Generated
    from .api import Measured as Measured
    from .api import detect as detect
    from .api import generate as generate
    from .api import measure as measure
    from .api import plan as plan
    from .api import render as render
    from .api import update as update
    from .api import write as write
    from .detect import Facts as Facts
    from .errors import DockgenError as DockgenError
    from .errors import ManifestError as ManifestError
    from .errors import OptionError as OptionError
    from .errors import PlanError as PlanError
    from .errors import TemplateError as TemplateError
    from .errors import VersionError as VersionError
    from .model import BuildPlan as BuildPlan
    from .model import NodeFacts as NodeFacts
    from .model import Notice as Notice
    from .model import PythonFacts as PythonFacts
    from .model import RenderedFile as RenderedFile
    from .model import WriteOutcome as WriteOutcome
    from .model import WriteStatus as WriteStatus
    from .plan import Options as Options
    from .plan import OptionValues as OptionValues
    from .update import FileUpdate as FileUpdate
    from .update import UpdateResult as UpdateResult


def __getattr__(name: str) -> Any:
    import importlib

    if name in _API:
        return getattr(importlib.import_module(".api", __name__), name)
    if name in _TYPES:
        return getattr(importlib.import_module(f".{_TYPES[name]}", __name__), name)
    raise AttributeError(f"module 'dockgen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


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
