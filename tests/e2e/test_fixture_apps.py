"""Every other fixture app with an [e2e] table (Node and Python frameworks, every package manager,
native addons and system libraries, workspaces, hostile values, a static site): `dockgen init`
with the default options, then a real build and run: HTTP answers, non-root, the expected PID 1,
`docker stop` in under 2 s."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dockgen.api import detect, measure, plan, render, write

from ..conftest import FIXTURES
from .harness import PREFIX, build, copy_app, for_this_engine, is_standin, run

COVERED_ELSEWHERE = {"express-generator", "express-slim", "express-alpine", "express-node22", "express-node26",
                     "ts-build", "pnpm-fastify",  # test_node_images.py builds these with every template
                     "fastapi-uv", "flask-poetry", "django-pip"}  # test_python_images.py, with both templates
CASES = sorted(
    p.parent.name for p in FIXTURES.glob("*/case.toml")
    if p.parent.name not in COVERED_ELSEWHERE and "[e2e]" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES)
def test_fixture_app_builds_and_runs(case: str, engine: None, tmp_path: Path) -> None:
    config = tomllib.loads((FIXTURES / case / "case.toml").read_text(encoding="utf-8"))
    app = copy_app(FIXTURES / case / "app", tmp_path / "app")
    opts = config.get("options", {})
    built = plan(detect(app, opts.pop("language", None)), **opts)
    write([f if f.path != ".dockerignore" else measure(app, built).file for f in render(built)], app)
    assert built.port is not None
    tag = f"{PREFIX}/{case}:test"
    try:
        build(tag, app, for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile"))
    except AssertionError as exc:
        if "Python.h: No such file or directory" in str(exc) and is_standin(built.builder_image.ref):
            # The official python:<x.y.z>-slim images ship CPython's headers; ../shared/e2e's stand-in is
            # Debian's python3.13 without python3.13-dev, so a C extension built from source (psycopg2)
            # cannot compile here. Reported, not hidden.
            pytest.xfail(f"the stand-in {built.builder_image.ref} has no Python.h (the official image has)")
        raise
    container = run(tag, built.port)
    try:
        status, body = container.get(config["e2e"]["path"], timeout=60)
        assert status == config["e2e"]["status"], body[:300]
        assert config["e2e"]["body_contains"] in body, body[:300]
        pid1 = container.pid1_cmdline()
        if built.init:
            assert Path(pid1[0]).name in ("tini", "tini-static"), pid1
            app_pid = container.app_process()
        else:  # static-nginx: nginx's master process is PID 1 and handles its own signals
            assert pid1[0].startswith("nginx"), pid1
            app_pid = container.pid1()
        assert container.uid_of(app_pid) == int(built.user.split(":")[0]) != 0
        assert container.stop_seconds() < 2.0
    finally:
        container.remove()
