"""The real engine decides: for every corpus case, build `FROM scratch` + `COPY . /ctx/` and compare
every path it sends with dockgen's walker. `--update-goldens` re-records fixtures/dockerignore/engine.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..dockerignore_corpus import all_cases
from ..engine_context import engine_sent, make_tree
from ..test_dockerignore_corpus import RECORD, compact, ours

CASES = all_cases()
_fresh: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_and_dockgen_send_the_same_paths(case: Any, engine: None, tmp_path: Path,
                                                update_goldens: bool) -> None:
    ctx = tmp_path / "ctx"
    make_tree(ctx, case)
    sent, error = engine_sent(ctx, tmp_path)
    _fresh[case.name] = {"ignore": case.ignore, "error": error} | (compact(sent, ctx) if sent is not None else {})
    if update_goldens and len(_fresh) == len(CASES):
        RECORD.write_text(json.dumps(dict(sorted(_fresh.items())), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    got, our_error = ours(case, tmp_path / "ours")
    if error:
        assert our_error is not None, f"engine: {error}; dockgen sends {got}"
    else:
        assert our_error is None, f"dockgen: {our_error}; engine sends {sent}"
        missing = sorted(set(sent or []) - set(got or []))
        extra = sorted(set(got or []) - set(sent or []))
        assert not missing and not extra, f"engine-only {missing}, dockgen-only {extra}"
