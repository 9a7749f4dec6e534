"""The ``detect --json`` report: facts plus the few decisions users ask about (runtime, start, port).

The field names are a stable contract: language, package_manager, package_manager_version, lockfile,
runtime {requested, source, resolved}, framework, build_command, start_command, port, workspace (null, or
{tool, root, member, name, local, turbo} for a workspace member). Extra fields may
be added, never renamed.
"""

from __future__ import annotations

import os
from typing import Any

from .detect import detect
from .errors import DockgenError
from .model import NodeFacts, Notice, Severity, to_jsonable
from .plan import Options, plan_app


def summarize(path: str | os.PathLike[str], options: Options | None = None) -> dict[str, Any]:
    options = options or Options()
    facts = detect(path, options.language)
    report: dict[str, Any] = {
        "language": facts.language.value,
        "package_manager": facts.package_manager.value,
        "package_manager_version": facts.package_manager_version,
        "package_manager_source": facts.package_manager_source,
        "lockfile": facts.lockfile.path if facts.lockfile else None,
        "lockfile_format": facts.lockfile.format if facts.lockfile else None,
        "runtime": {
            "name": facts.language.value,
            "requested": facts.version_hints[0].text if facts.version_hints else None,
            "source": facts.version_hints[0].source if facts.version_hints else None,
            "resolved": None,
        },
        "version_hints": to_jsonable(facts.version_hints),
        "framework": facts.framework.value if facts.framework else None,
        "build_command": None,
        "start_command": None,
        "port": None,
        "template": None,
        "workspace": None if facts.workspace is None else {
            "tool": facts.workspace.tool, "root": facts.workspace.root, "member": facts.workspace.member,
            "name": facts.workspace.name, "local": [p.dir for p in facts.workspace.local],
            "turbo": facts.workspace.turbo},
        "notices": to_jsonable(facts.notices),
    }
    if isinstance(facts, NodeFacts):
        report["typescript"] = facts.typescript
        report["native_addons"] = list(facts.native_addons)
    else:
        report["app_target"] = facts.app_target
        report["system_deps"] = list(facts.system_deps)
        report["requirements_files"] = list(facts.requirements_files)
    try:
        plan = plan_app(facts, options)
    except DockgenError as exc:  # facts are still worth showing; the problem is reported, not raised
        from pathlib import Path

        from .api import _at_workspace_root
        from .errors import PlanError

        if isinstance(exc, PlanError):
            exc = _at_workspace_root(Path(path), exc)
        problem = Notice(severity=Severity.ERROR, topic="plan", message=exc.message + (f" ({exc.hint})"
                                                                                      if exc.hint else ""))
        report["notices"] = report["notices"] + [to_jsonable(problem)]
        return report
    report["runtime"] = {
        "name": plan.runtime.name,
        "requested": plan.runtime.requested,
        "source": plan.runtime.source,
        "resolved": plan.runtime.resolved,
        "lts": plan.runtime.lts,
        "codename": plan.runtime.codename,
        "end_of_life": plan.runtime.end_of_life,
        "table_date": plan.runtime.table_date,
    }
    report["build_command"] = plan.build_command
    report["start_command"] = list(plan.start_command) if plan.start_command else None
    report["port"] = plan.port
    report["template"] = plan.template
    report["notices"] = to_jsonable(plan.notices)
    return report
