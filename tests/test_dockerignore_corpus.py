"""dockgen's walker against the engine's recorded answers (fixtures/dockerignore/engine.json).

The record is made by tests/e2e/test_dockerignore_engine.py from the real engine; here the comparison
runs without one. Every path, file or directory, must agree; engine errors must be dockgen errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockgen.context import walk
from dockgen.dockerignore import IgnoreFileError, parse

from .conftest import ROOT
from .dockerignore_corpus import Case, all_cases
from .engine_context import make_tree

RECORD = ROOT / "fixtures" / "dockerignore" / "engine.json"
CASES = {c.name: c for c in all_cases()}


def ours(case: Case, tmp: Path) -> tuple[list[str] | None, str | None]:
    make_tree(tmp, case)
    try:
        ignore = parse((tmp / ".dockerignore").read_bytes())
    except IgnoreFileError as exc:
        return None, exc.message
    return walk(tmp, ignore, listing=True).listing, None


def full_tree(root: Path) -> list[str]:
    """Every path of a context as the engine lists it (directories with a trailing /)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            path = os.path.join(dirpath, d)
            name = d if rel == "." else f"{rel}/{d}"
            out.append(name if os.path.islink(path) else name + "/")
        out += [f if rel == "." else f"{rel}/{f}" for f in filenames]
    return sorted(out)


def compact(sent: list[str], root: Path) -> dict[str, list[str]]:
    """The engine's answer as the paths of the tree it did not send (the record stays small)."""
    full = full_tree(root)
    assert set(sent) <= set(full), sorted(set(sent) - set(full))
    return {"not_sent": sorted(set(full) - set(sent))}


def expand(entry: dict[str, object], root: Path) -> list[str]:
    not_sent = set(entry["not_sent"])  # type: ignore[arg-type]
    return [p for p in full_tree(root) if p not in not_sent]


def load_record() -> dict[str, dict[str, object]]:
    if not RECORD.exists():
        return {}
    data: dict[str, dict[str, object]] = json.loads(RECORD.read_text(encoding="utf-8"))
    return data


RECORDED = load_record()


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_walker_agrees_with_the_recorded_engine(name: str, tmp_path: Path) -> None:
    if name not in CASES:
        pytest.fail(f"{name} is recorded but no longer in the corpus: re-record (pytest -m e2e --update-goldens)")
    entry = RECORDED[name]
    assert entry["ignore"] == CASES[name].ignore, "corpus changed since recording: re-record"
    got, error = ours(CASES[name], tmp_path / "ctx")
    if entry.get("error"):
        assert error is not None, f"the engine fails ({entry['error']}), dockgen sends {got}"
    else:
        assert error is None, f"dockgen fails ({error}), the engine sends {expand(entry, tmp_path / 'ctx')}"
        assert got == expand(entry, tmp_path / "ctx")


def test_the_record_covers_the_corpus() -> None:
    assert RECORDED, "no engine record: run the e2e tests with an engine and --update-goldens"
    assert set(RECORDED) == set(CASES), "re-record: the corpus and the record differ"
