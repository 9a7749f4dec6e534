"""dockgen's walker against the engines' recorded answers: fixtures/dockerignore/engine-buildkit.json
(Docker 26 + buildx 0.13.1, the default engine) and engine-legacy.json (Docker 20.10), each compared
with dockgen under the matching ``engine``.

The records are made by tests/e2e/test_dockerignore_engine.py from the real engines; here the comparison
runs without one. Every path, file or directory, must agree; engine errors must be dockgen errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockgen.context import walk
from dockgen.dockerignore import ENGINES, Engine, IgnoreFileError, parse

from .conftest import ROOT
from .dockerignore_corpus import Case, all_cases
from .engine_context import make_tree

CASES = {c.name: c for c in all_cases()}


def record_path(engine: Engine) -> Path:
    return ROOT / "fixtures" / "dockerignore" / f"engine-{engine}.json"


def ours(case: Case, tmp: Path, engine: Engine) -> tuple[list[str] | None, str | None]:
    make_tree(tmp, case)
    try:
        ignore = parse((tmp / ".dockerignore").read_bytes(), engine=engine)
        return walk(tmp, ignore, listing=True).listing, None
    except IgnoreFileError as exc:  # buildkit: a bad regexp fails when the walk first matches with it
        return None, exc.message


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


def load_record(engine: Engine) -> dict[str, dict[str, object]]:
    path = record_path(engine)
    if not path.exists():
        return {}
    data: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


RECORDED = {engine: load_record(engine) for engine in ENGINES}


@pytest.mark.parametrize(("engine", "name"), [(e, n) for e in ENGINES for n in sorted(RECORDED[e])])
def test_walker_agrees_with_the_recorded_engine(engine: Engine, name: str, tmp_path: Path) -> None:
    if name not in CASES:
        pytest.fail(f"{name} is recorded but no longer in the corpus: re-record (pytest -m e2e --update-goldens)")
    entry = RECORDED[engine][name]
    assert entry["ignore"] == CASES[name].ignore, "corpus changed since recording: re-record"
    got, error = ours(CASES[name], tmp_path / "ctx", engine)
    if entry.get("error"):
        assert error is not None, f"the engine fails ({entry['error']}), dockgen sends {got}"
    else:
        assert error is None, f"dockgen fails ({error}), the engine sends {expand(entry, tmp_path / 'ctx')}"
        assert got == expand(entry, tmp_path / "ctx")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_record_covers_the_corpus(engine: Engine) -> None:
    assert RECORDED[engine], f"no {engine} record: run the e2e tests with that engine and --update-goldens"
    assert set(RECORDED[engine]) == set(CASES), f"re-record {engine}: the corpus and the record differ"
