"""A big walk shared among processes (dockgen.parallel) gives what one process gives, in the same order.

``context._SPLIT_AT`` (entries a walk reads alone before sharing out the directories left) is set to 1
here, so even a small random tree is shared out among forked workers; every figure of the walk is
compared with a single-process walk: listing, totals, per-rule counts, the order of problems, warnings,
pruned directories, secrets and of the per-directory sizes (their order is the JSON's). A worker that
fails makes the walk redo the rest in one process: the error is the one a single process raises.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockgen import context, parallel
from dockgen.context import Walk, record, walk
from dockgen.dockerignore import ENGINES, Engine, IgnoreFileError, parse

from .test_walk_once import build, paths, rules

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here: walks run in one process")


def everything(w: Walk) -> tuple[object, ...]:
    return (w.listing, w.sent_files, w.sent_bytes, w.sent_dirs, w.ignored_files, w.ignored_bytes,
            w.ignored_complete, w.pruned_dirs, list(w.dir_bytes.items()), w.largest_files, w.problems, w.warnings,
            w.secrets, w.by_rule)


def outcome(**kwargs: object) -> tuple[object, ...]:
    try:
        return everything(walk(**kwargs))  # type: ignore[arg-type]
    except IgnoreFileError as exc:
        return ("error", exc.message)


# rules as people write them (the random token rules of test_walk_once rarely exclude a nested directory)
TYPICAL = ["**/node_modules", "node_modules", "**/*.log", "*.log", "**/.git", ".git", "dist", "**/dist", "src/lib",
           "*/lib", "**/keep", "!**/keep", "!src", "lib/**", "!lib/**/x.log", "*", "!**/*.txt", ".env", "**/e.env",
           "*/*/b", "**/ab/**", "!**/ab/d.txt", "src/**/c++", "**/a\nb"]
typical = st.lists(st.sampled_from(TYPICAL), min_size=1, max_size=7).map(lambda xs: "\n".join(xs) + "\n")


@pytest.fixture(autouse=True)
def split_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "_SPLIT_AT", 1)


@settings(max_examples=int(os.environ.get("DOCKGEN_FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=paths, text=st.one_of(rules, typical), engine=st.sampled_from(ENGINES), workers=st.integers(2, 4),
       secrets=st.booleans(), top=st.integers(1, 4), split=st.sampled_from([1, 2, 4, 9]))
@example(files=["a/x", "b/.env", "c/id_rsa", "d/e/f.log", "a/y"], text="*\n!**/*.log\n", engine="buildkit", workers=2,
         secrets=True, top=2, split=1)
@example(files=["x/a/k", "x/b/k"], text="x\n!x/*/k\n", engine="buildkit", workers=3, secrets=False, top=1,
         split=2)  # x is excluded, walked into, and sent once, from either of the parts that send x/a/k and x/b/k
def test_a_shared_out_walk_is_the_one_process_walk(files: list[str], text: str, engine: Engine, workers: int,
                                                   secrets: bool, top: int, split: int) -> None:
    """``split``: entries read before the rest is shared out (the directories then on the walk's stack)."""
    context._SPLIT_AT = split
    try:
        rules_ = parse(text, engine=engine)
    except IgnoreFileError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, files)
        for measure in (False, True):
            args = dict(root=root, ignore=rules_, listing=True, measure_ignored=measure, find_secrets=secrets, top=top)
            one = outcome(**args, workers=1)
            assert outcome(**args, workers=workers) == one
            tree, alone = record(root, workers=workers), record(root, workers=1)
            assert tree.dirs == alone.dirs and tree.entries == alone.entries  # names, kinds, sizes, errors
            assert outcome(**args, tree=tree, workers=workers) == one


def test_workers_take_part_and_their_entries_are_counted() -> None:
    """Units run in forked workers too (their pids differ), the progress count includes the workers'
    entries while they run, and no worker is left behind."""
    import time

    seen: list[int] = []
    parallel.REPORT_EVERY, old = 1, parallel.REPORT_EVERY
    ticker = parallel.Ticker(seen.append)
    mine: list[int] = []

    def run(unit: int, tick: Callable[[int], None]) -> int:
        time.sleep(0.03)
        tick(1)
        if os.getpid() == parent:
            mine.append(unit)
        return os.getpid()

    parent = os.getpid()
    try:
        pids = parallel.run_units(list(range(12)), run, 3, ticker)
    finally:
        parallel.REPORT_EVERY = old
    assert pids is not None and len(pids) == 12 and len(set(pids)) >= 2
    assert max(seen) > len(mine)  # the parent's count alone would stop at the units it ran
    assert ticker.seen == 12  # afterwards the workers' entries count as read: a final report does not go back
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_big_walk_is_shared_out(tmp_path: Path) -> None:
    build(tmp_path, [f"d{i}/f{j}" for i in range(12) for j in range(20)])
    calls: list[int] = []
    real = parallel.run_units

    def spy(units, run, count, ticker):  # type: ignore[no-untyped-def]
        calls.append(len(units))
        return real(units, run, count, ticker)

    parallel.run_units = spy  # type: ignore[assignment]
    reported: list[int] = []
    try:
        assert walk(tmp_path, None, workers=3, progress=reported.append).sent_files == 240
    finally:
        parallel.run_units = real  # type: ignore[assignment]
    assert calls and calls[0] >= 2
    assert reported[-1] == 240 + 12 == max(reported)  # the last report: every entry, the workers' too


def test_a_failing_worker_leaves_the_error_to_one_process(tmp_path: Path) -> None:
    """buildkit compiles a regexp when it first matches a path with it: `[z-a]` fails in whichever
    directory it is first tried; the shared-out walk raises the same error as one process."""
    build(tmp_path, [f"d{i}/sub/f" for i in range(6)])
    rules_ = parse("d5/sub/[z-a]\n", engine="buildkit")
    with pytest.raises(IgnoreFileError) as one:
        walk(tmp_path, rules_, workers=1)
    with pytest.raises(IgnoreFileError) as shared:
        walk(tmp_path, rules_, workers=2)
    assert shared.value.message == one.value.message


def test_run_units_gives_up_cleanly_when_a_unit_fails() -> None:
    ticker = parallel.Ticker(None)

    def run(unit: int, tick: object) -> int:
        if unit == 7:
            raise ValueError("boom")
        return unit * 2

    assert parallel.run_units(list(range(10)), run, 3, ticker) is None
    assert parallel.run_units(list(range(5)), run, 3, ticker) == [0, 2, 4, 6, 8]
    many = [u for u in range(5000) if u != 7]  # more units than jobs: several units a job, still in order
    assert parallel.run_units(many, run, 2, ticker) == [u * 2 for u in many]
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_one_worker_where_forking_is_not_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKGEN_WORKERS", "3")
    assert parallel.workers() == 3
    monkeypatch.setenv("DOCKGEN_WORKERS", "1")
    assert parallel.workers() == 1
    monkeypatch.setenv("DOCKGEN_WORKERS", "many")
    assert parallel.workers() == 1
    monkeypatch.delenv("DOCKGEN_WORKERS")
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)  # another thread: a fork would copy one
    assert parallel.workers() == 1
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert parallel.workers() == 1
