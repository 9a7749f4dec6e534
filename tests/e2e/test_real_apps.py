"""The real-app corpus (fixtures/real/): every app as a new user meets it. `dockgen init` (the CLI, in the
run's directory, with its arguments), then a real build with the engine, then a run judged as a user
would: a server answers HTTP 200 with the expected text, tini is PID 1 (nginx's master for a static site),
the app's uid is not 0, `docker stop` takes under 2 s; a job exits with the expected code. Figures go to
the e2e report ($DOCKGEN_E2E_REPORT, key "real").

A build that fails only because a stand-in base image of ../shared/e2e lacks what the official image has
is an expected failure that says so (xfail), never a pass: the python:*-slim stand-ins carry Debian's
CPython without its headers (python3.X-dev), so a C extension built from source cannot compile on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import is_standin
from .real_apps import RunSpec, build_image, copy_case, dockgen_init, judge, load_runs

RUNS = load_runs()


@pytest.mark.parametrize("spec", RUNS, ids=[r.id for r in RUNS])
def test_real_app_builds_and_runs(spec: RunSpec, engine: None, tmp_path: Path, e2e_report: dict[str, Any]) -> None:
    from .harness import docker, image_size

    tree = copy_case(spec, tmp_path / "tree")
    gen = dockgen_init(spec, tree)
    try:
        tag, seconds = build_image(spec, gen)
    except AssertionError as exc:
        base = _builder(gen.dockerfile.read_text(encoding="utf-8"))
        if "Python.h: No such file or directory" in str(exc) and base and is_standin(base):
            e2e_report.setdefault("real", {})[spec.id] = {"xfail": "stand-in without CPython headers"}
            pytest.xfail(f"{base} is a stand-in without CPython's headers (the official image has them): "
                         "a C extension cannot compile on it")
        raise
    try:
        figures = judge(spec, gen, tag)
        figures |= {"build_s": round(seconds, 1), "size_mb": round(image_size(tag) / 1e6, 1),
                    "template": gen.report.get("template")}
    finally:
        docker("rmi", "-f", tag, check=False)
    e2e_report.setdefault("real", {})[spec.id] = figures


def _builder(dockerfile: str) -> str | None:
    """The first stage's image, with its ARGs filled in (as the engine resolves them)."""
    import re

    args = dict(re.findall(r"(?m)^ARG (\w+)=(\S+)$", dockerfile))
    m = re.search(r"(?m)^FROM (\S+)", dockerfile)
    if not m:
        return None
    return re.sub(r"\$\{(\w+)\}", lambda a: args.get(a.group(1), a.group(0)), m.group(1))
