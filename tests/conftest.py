"""Shared pytest options: ``--update-goldens`` rewrites fixtures/apps/*/expected from the current code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw new random examples on every local run (that is how they find bugs). CI sets
# DOCKGEN_HYPOTHESIS=ci: the same examples on every run, so a submission's result does not depend on
# luck; a bug found locally becomes an @example, and so a CI case, before it is fixed.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("DOCKGEN_HYPOTHESIS"):
    settings.load_profile(os.environ["DOCKGEN_HYPOTHESIS"])

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "apps"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite fixtures/apps/*/expected from the current code (review the diff!)")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
