"""The real engines decide: for every corpus case, build `FROM scratch` + `COPY . /ctx/` on each engine
(``buildkit``: Docker 26 + buildx, the default; ``legacy``: Docker 20.10) and compare every path it sends
with dockgen's walker under the same engine setting. `--update-goldens` re-records
fixtures/dockerignore/engine-<engine>.json.

The builds of one engine run two at a time (the machines have two cores) when its first case runs;
each case then only compares. The time each engine took goes to the e2e report."""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ..dockerignore_corpus import Case, all_cases
from ..engine_context import engine_sent, make_tree
from ..test_dockerignore_corpus import compact, ours, record_path

CASES = all_cases()
_answers: dict[str, dict[str, dict[str, Any]]] = {}
_seconds: dict[str, float] = {}


def _ask(engine: str, case: Case, top: Path) -> dict[str, Any]:
    where = Path(tempfile.mkdtemp(prefix=f"{case.name}-", dir=top))
    ctx = where / "ctx"
    make_tree(ctx, case)
    sent, error = engine_sent(ctx, where, engine)
    return {"ignore": case.ignore, "error": error, "sent": sent} | (compact(sent, ctx) if sent is not None else {})


def answers(engine: str, top: Path, update: bool) -> dict[str, dict[str, Any]]:
    """What ``engine`` sends for every case, asked once (two builds at a time)."""
    if engine not in _answers:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=int(os.environ.get("DOCKGEN_E2E_PARALLEL", "2"))) as pool:
            got = list(pool.map(lambda c: _ask(engine, c, top), CASES))
        _seconds[engine] = time.monotonic() - start
        _answers[engine] = {c.name: a for c, a in zip(CASES, got, strict=True)}
        if update:
            record = {name: {k: v for k, v in a.items() if k != "sent"} for name, a in _answers[engine].items()}
            record_path(engine).write_text(json.dumps(dict(sorted(record.items())), indent=1, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
    return _answers[engine]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_and_dockgen_send_the_same_paths(case: Case, engine_name: str, tmp_path: Path,
                                                tmp_path_factory: pytest.TempPathFactory, update_goldens: bool,
                                                e2e_report: dict[str, Any]) -> None:
    asked = answers(engine_name, tmp_path_factory.mktemp(f"engine-{engine_name}"), update_goldens)
    e2e_report.setdefault("dockerignore_engine_seconds", {}).update({k: round(v, 1) for k, v in _seconds.items()})
    e2e_report.setdefault("dockerignore_engine_cases", {})[engine_name] = len(asked)
    answer = asked[case.name]
    sent, error = answer["sent"], answer["error"]
    got, our_error = ours(case, tmp_path / "ours", engine_name)  # type: ignore[arg-type]
    if error:
        assert our_error is not None, f"{engine_name}: {error}; dockgen sends {got}"
    else:
        assert our_error is None, f"dockgen ({engine_name}): {our_error}; the engine sends {sent}"
        missing = sorted(set(sent or []) - set(got or []))
        extra = sorted(set(got or []) - set(sent or []))
        assert not missing and not extra, f"{engine_name}: engine-only {missing}, dockgen-only {extra}"
