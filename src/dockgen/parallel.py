"""Sharing a walk of a big context among processes.

A walk reads its first entries alone; when much is left, the directories on its stack (independent
subtrees) are shared out round-robin: forked workers take some, this process the others, and the parts
come back pickled through a pipe to be merged in the walk's own order (context._merge), so the result is
the one a single process makes. Only where ``os.fork`` exists, not on macOS, and while this process runs
no other Python thread (a fork copies one thread; a lock another one held would stay locked);
``DOCKGEN_WORKERS=1`` turns it off.
A worker that fails (an error in a rule, say) makes the caller do the rest itself, so errors are the
ones a single process raises, in its order.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
REPORT_EVERY = 5000


def workers() -> int:
    """How many processes a big walk may use: ``DOCKGEN_WORKERS`` if set, else the CPUs this process may
    run on (at most 4); 1 where forking is not safe or possible."""
    if not hasattr(os, "fork") or sys.platform == "darwin" or threading.active_count() > 1:
        return 1  # macOS: a forked child of a process using system frameworks may crash (Python spawns there)
    given = os.environ.get("DOCKGEN_WORKERS", "").strip()
    if given:
        try:
            return max(1, min(int(given), 64))
        except ValueError:
            return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


class Ticker:
    """Entries read so far, reported to ``progress`` every ``REPORT_EVERY``; the workers' counts are added
    while a walk is shared out."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.seen = 0
        self.next_report = REPORT_EVERY
        self.others: Callable[[], int] = lambda: 0

    def tick(self, entries: int) -> None:
        self.seen += entries
        if self.progress is not None:
            total = self.seen + self.others()
            if total >= self.next_report:
                self.progress(total)
                self.next_report = total + REPORT_EVERY


MAX_JOBS = 1024  # 4 bytes each, all written to the job pipe before a worker starts: 4 KiB, what any pipe holds


def run_units(units: Sequence[T], run: Callable[[T, Callable[[int], None]], R], count: int,
              ticker: Ticker) -> list[R] | None:
    """``run(unit, tick)`` for every unit, shared among ``count`` processes (this one included): the
    results in the units' order, or None when a worker (or this process) failed; nothing is left running.

    Units are taken as each process gets free (their sizes are unknown): the job numbers wait in a pipe, and
    a read of 4 bytes takes one whole, never the same twice."""
    n = max(1, min(count, len(units)))
    size = -(-len(units) // MAX_JOBS)  # units per job
    jobs = [range(k, min(k + size, len(units))) for k in range(0, len(units), size)]
    counters = mmap.mmap(-1, 8 * n)  # shared with the forked workers: entries each has read

    def counted(slot: int) -> Callable[[int], None]:
        def tick(entries: int) -> None:
            struct.pack_into("q", counters, 8 * slot, struct.unpack_from("q", counters, 8 * slot)[0] + entries)
        return tick

    def take(job_pipe: int, tick: Callable[[int], None]) -> list[tuple[int, R]]:
        done: list[tuple[int, R]] = []
        while True:
            number = os.read(job_pipe, 4)
            if len(number) < 4:
                return done
            for i in jobs[struct.unpack("i", number)[0]]:
                done.append((i, run(units[i], tick)))

    ticker.others = lambda: sum(struct.unpack_from(f"{n - 1}q", counters, 8)) if n > 1 else 0
    job_pipe, job_write = os.pipe()
    os.write(job_write, b"".join(struct.pack("i", k) for k in range(len(jobs))))
    os.close(job_write)  # before forking: the pipe ends when the jobs are taken
    children: list[tuple[int, int]] = []
    gc.freeze()  # the workers' collector never walks (and so never copies) the objects they share with this one
    try:
        for slot in range(1, n):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # a worker: the jobs it takes, pickled to its pipe; never returns
                _worker(read_end, write_end, lambda tick: take(job_pipe, tick), counted(slot))
            os.close(write_end)
            children.append((pid, read_end))
        results: list[R | None] = [None] * len(units)
        try:
            for i, result in take(job_pipe, ticker.tick):
                results[i] = result
        except Exception:
            return None
        failed = False
        while children:
            pid, read_end = children.pop(0)
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            if status != 0 or not data:
                failed = True
                continue
            for i, result in pickle.loads(data):
                results[i] = result
        if failed or any(r is None for r in results):
            return None
        return [r for r in results if r is not None]
    finally:
        os.close(job_pipe)
        for pid, read_end in children:  # only after a failure or an interrupt here
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(read_end)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        with contextlib.suppress(Exception):  # the workers' entries count as read (a final report adds them)
            ticker.seen += ticker.others()
        ticker.others = lambda: 0
        counters.close()
        gc.unfreeze()


def _worker(read_end: int, write_end: int, work: Callable[[Callable[[int], None]], list[tuple[int, R]]],
            tick: Callable[[int], None]) -> None:
    code = 1
    try:
        os.close(read_end)
        gc.disable()  # a short life: no collection touching every shared object
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills the workers
        payload = pickle.dumps(work(tick), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(payload)
        while view:
            view = view[os.write(write_end, view):]
        code = 0
    except BaseException:  # anything: the parent redoes this work and raises it itself
        code = 1
    finally:
        os._exit(code)
