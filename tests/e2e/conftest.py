"""E2E tests need a real Docker engine. Without one they skip with the reason, unless
DOCKGEN_E2E=require (as in CI), where a missing engine is a failure."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockgen.dockerignore import ENGINES

from ..engine_context import engine_problem as context_engine_problem
from .harness import engine_problem


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def engine() -> None:
    problem = engine_problem()
    if problem is None:
        return
    if os.environ.get("DOCKGEN_E2E") == "require":
        pytest.fail(f"DOCKGEN_E2E=require but {problem}")
    pytest.skip(f"e2e: {problem}")


@pytest.fixture(scope="session")
def e2e_report() -> Iterator[dict[str, Any]]:
    """Figures measured by the e2e tests; written to $DOCKGEN_E2E_REPORT (JSON) when set."""
    report: dict[str, Any] = {}
    yield report
    path = os.environ.get("DOCKGEN_E2E_REPORT")
    if path and report:
        Path(path).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Each engine whose .dockerignore answers dockgen follows: ``buildkit`` (Docker 26 + buildx, started by
    ../shared/e2e/modern-engine.sh) and ``legacy`` (the host's Docker 20.10)."""
    name: str = request.param
    problem = context_engine_problem(name)
    if problem is not None:
        if os.environ.get("DOCKGEN_E2E") == "require":
            pytest.fail(f"DOCKGEN_E2E=require but {problem}")
        pytest.skip(f"e2e ({name}): {problem}")
    return name
