"""Build and run what `dockgen init` writes for real Python apps (FastAPI + uv, Flask + poetry,
Django + pip with hashes) with each Python template: HTTP answers on 127.0.0.1, the server runs as a
non-root uid under tini as PID 1, `docker stop` takes under 2 s, and a rebuild after a code edit does
not reinstall the dependencies. Sizes against a naive `FROM python:3.11` + `COPY . .` + `pip install`
built in the same run are reported (DOCKGEN_E2E_REPORT)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from dockgen.api import detect, measure, plan, render, write
from dockgen.model import PythonFacts

from ..conftest import FIXTURES
from .harness import BASELINES, PREFIX, build, copy_app, for_this_engine, image_size, run

TEMPLATES = ("python-slim", "python-distroless")
APPS = ("fastapi-uv", "flask-poetry", "django-pip")
CASES = [(a, t) for a in APPS for t in TEMPLATES]
EDITS = ("app/main.py", "myapp/__init__.py", "mysite/urls.py", "app.py", "main.py")
_v1: dict[str, int] = {}


def v1_size(case: str, facts: PythonFacts, work: Path) -> int:
    if case not in _v1:
        raw = copy_app(FIXTURES / case / "app", work / "v1ctx")
        install = "-r requirements.txt" if facts.requirements_files else " ".join(facts.dependencies)
        dockerfile = for_this_engine(BASELINES / "v1-python.Dockerfile", work / "v1.Dockerfile")
        build(f"{PREFIX}/{case}-v1:py", raw, dockerfile, {"INSTALL": install})
        _v1[case] = image_size(f"{PREFIX}/{case}-v1:py")
    return _v1[case]


@pytest.mark.parametrize(("case", "template"), CASES, ids=[f"{c}-{t}" for c, t in CASES])
def test_python_image_builds_runs_and_rebuilds_fast(case: str, template: str, engine: None, tmp_path: Path,
                                                    e2e_report: dict[str, Any]) -> None:
    config = tomllib.loads((FIXTURES / case / "case.toml").read_text(encoding="utf-8"))
    app = copy_app(FIXTURES / case / "app", tmp_path / "app")
    facts = detect(app)
    assert isinstance(facts, PythonFacts)
    built = plan(facts, template=template)
    write([f if f.path != ".dockerignore" else measure(app, built).file for f in render(built)], app)
    dockerfile = for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile")
    tag = f"{PREFIX}/{case}-{template}:test"
    cold = build(tag, app, dockerfile)
    size = image_size(tag)
    assert built.port is not None
    container = run(tag, built.port)
    try:
        status, body = container.get(config["e2e"]["path"], timeout=60)
        assert status == config["e2e"]["status"], body[:500]
        assert config["e2e"]["body_contains"] in body
        pid1 = container.pid1_cmdline()
        assert Path(pid1[0]).name in ("tini", "tini-static"), f"PID 1 is {pid1}"
        uid = container.uid_of(container.app_process())
        assert uid == int(built.user.split(":")[0]) != 0
        stop = container.stop_seconds()
        assert stop < 2.0, f"docker stop took {stop:.2f}s"
    finally:
        container.remove()
    edited = next(app / f for f in EDITS if (app / f).exists())
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited by the e2e test\n", encoding="utf-8")
    rebuild = build(tag, app, dockerfile)
    first_words = built.install.install_prod.split(" && ")[0]
    assert rebuild.step_cached(first_words), "the dependency install re-ran after a code edit"
    v1 = v1_size(case, facts, tmp_path)
    e2e_report[f"{case}/{template}"] = {
        "python": built.runtime.resolved, "size_mb": round(size / 1e6, 1), "v1_mb": round(v1 / 1e6, 1),
        "ratio_v1": round(size / v1, 3), "cold_build_s": round(cold.seconds, 2),
        "rebuild_s": round(rebuild.seconds, 2), "stop_s": round(stop, 2), "uid": uid, "pid1": pid1[0],
    }
