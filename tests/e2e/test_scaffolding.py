"""Scaffolding against the real things: cookiecutter and copier (from PyPI) run examples/cookiecutter-express
and examples/copier-fastapi, whose hooks call dockgen.generate(); the projects they make are built and run
by the engine. A user template (--template-dir) is built too, and `dockgen update --write` after a hand
edit and a Node version change still builds, with the edit in the image."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ..apps import node_slim_with
from ..test_examples import copier
from .harness import PREFIX, build, copy_app, docker, for_this_engine, image_size, run, serve_checks

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cookiecutter-express"
FIXTURES = REPO / "fixtures" / "apps"


def _cookiecutter(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("cookiecutter")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(exe), "--no-input", "-o", str(out), str(EXAMPLE), *extra], capture_output=True,
                          text=True, timeout=300, env=env, check=False)


def test_cookiecutter_project_builds_and_runs(engine: None, tmp_path: Path, e2e_report: dict[str, Any]) -> None:
    proc = _cookiecutter(tmp_path, "project_name=Orders API", "port=8080", "node_major=22")
    assert proc.returncode == 0, proc.stderr[-2000:]
    project = tmp_path / "orders-api"
    assert "dockgen: create Dockerfile" in proc.stdout
    dockerfile = (project / "Dockerfile").read_text()
    assert "ARG NODE_VERSION=22." in dockerfile  # from the generated engines field
    assert "EXPOSE 8080" in dockerfile
    assert 'port = 8080' in (project / ".dockgen.toml").read_text()
    assert (project / ".dockgen" / "rendered" / "Dockerfile").read_text() == dockerfile
    tag = f"{PREFIX}/cookiecutter:orders-api"
    build(tag, project, for_this_engine(project / "Dockerfile", tmp_path / "Dockerfile"))
    figures = serve_checks(tag, 8080, '"service":"orders-api"')
    # the generated project is a dockgen project like any other: a re-run changes nothing
    check = subprocess.run([sys.executable, "-m", "dockgen", "init", str(project), "--check"], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    e2e_report["cookiecutter"] = {"image_mb": round(image_size(tag) / 1e6, 1), **figures}


def test_copier_project_builds_and_runs(engine: None, tmp_path: Path, e2e_report: dict[str, Any]) -> None:
    """copier (from PyPI) runs examples/copier-fastapi, whose task calls dockgen.generate(): a uv project
    on the distroless runtime, answers in its pyproject.toml, built and run by the engine."""
    project = tmp_path / "orders-api"
    proc = copier(project, "project_name=Orders API", "port=8080", "image=python-distroless")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "[tool.dockgen]" in (project / "pyproject.toml").read_text()
    tag = f"{PREFIX}/copier:orders-api"
    build(tag, project, for_this_engine(project / "Dockerfile", tmp_path / "Dockerfile"))
    figures = serve_checks(tag, 8080, '"service":"orders-api"')
    e2e_report["copier"] = {"image_mb": round(image_size(tag) / 1e6, 1), **figures}


HOUSE = """\
{# dockgen: base=node-slim summary="node-slim with the platform team's labels" #}
{% import "_common.j2" as common with context %}
{% import "_node.j2" as node with context %}
{{ common.header(plan) }}

{{ node.builder_stages(plan) }}
FROM {{ plan.runtime_image.ref_expr }} AS runtime
ARG TINI_VERSION
{{ common.labels(plan) }}
LABEL com.example.team="platform" com.example.app={{ plan.app_name | dq }}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends "{{ plan.init_package }}" \\
 && rm -rf /var/lib/apt/lists/*
WORKDIR {{ plan.workdir }}
ENV {{ plan.env | envpairs }}
{{ node.app_files(plan) }}
{{ common.tail(plan) }}
"""


def test_user_template_builds_and_update_keeps_hand_edit(engine: None, tmp_path: Path,
                                                         e2e_report: dict[str, Any]) -> None:
    app = copy_app(FIXTURES / "express-generator" / "app", tmp_path / "app")
    (app / "house").mkdir()
    (app / "house" / "house-node.Dockerfile.j2").write_text(HOUSE)
    dockgen = [sys.executable, "-m", "dockgen"]
    init = subprocess.run([*dockgen, "init", str(app), "--template", "house-node", "--template-dir",
                           str(app / "house"), "--node-version", "22", "--port", "3000"],
                          capture_output=True, text=True, check=False)
    assert init.returncode == 0, init.stderr
    assert 'template-dir = "house"' in (app / ".dockgen.toml").read_text()  # relative to the app: any clone works
    text = (app / "Dockerfile").read_text()
    assert 'LABEL com.example.team="platform"' in text and "ARG NODE_VERSION=22." in text
    # a hand edit far from what the update changes
    edited = text.replace("USER ", 'ENV HAND_EDIT="kept"\nUSER ', 1)
    (app / "Dockerfile").write_text(edited)
    upd = subprocess.run([*dockgen, "update", str(app), "--node-version", "24", "--write", "--json"],
                         capture_output=True, text=True, check=False)
    assert upd.returncode == 0, upd.stdout + upd.stderr
    report = json.loads(upd.stdout)
    assert {f["path"]: f["status"] for f in report["files"]}["Dockerfile"] == "merge"
    merged = (app / "Dockerfile").read_text()
    assert 'ENV HAND_EDIT="kept"' in merged and "ARG NODE_VERSION=24." in merged
    tag = f"{PREFIX}/house:merged"
    build(tag, app, for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile"))
    labels = json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag).stdout)
    assert labels["com.example.team"] == "platform" and labels["com.example.app"] == "app"
    env = json.loads(docker("image", "inspect", "--format", "{{json .Config.Env}}", tag).stdout)
    assert "HAND_EDIT=kept" in env
    figures = serve_checks(tag, 3000, "Express")
    e2e_report["user_template"] = {"image_mb": round(image_size(tag) / 1e6, 1), **figures}


@pytest.mark.parametrize("fixture", ["django-uv"])
def test_python_answers_in_pyproject_build(engine: None, tmp_path: Path, fixture: str) -> None:
    """A Python app records its answers in pyproject.toml, which the image copies: the build still works
    and `dockgen check` stays current (the [tool.dockgen] table is not an input of the plan)."""
    app = copy_app(FIXTURES / fixture / "app", tmp_path / "app")
    before = (app / "pyproject.toml").read_text()
    init = subprocess.run([sys.executable, "-m", "dockgen", "init", str(app), "--port", "8000"], capture_output=True,
                          text=True, check=False)
    assert init.returncode == 0, init.stderr
    after = (app / "pyproject.toml").read_text()
    assert after.startswith(before.rstrip("\n")) and "[tool.dockgen]" in after and "port = 8000" in after
    data = tomllib.loads(after)
    assert data["tool"].pop("dockgen")["port"] == 8000 and not data.pop("tool")  # nothing else changed
    assert data == tomllib.loads(before)
    check = subprocess.run([sys.executable, "-m", "dockgen", "check", str(app)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    tag = f"{PREFIX}/answers:{fixture}"
    build(tag, app, for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile"))
    container = run(tag, 8000)
    try:
        status, body = container.get("/", timeout=60)
        assert status == 200 and "hello from django" in body, body[:300]
    finally:
        container.remove()


def test_what_a_user_template_copies_reaches_the_image_and_other_secrets_do_not(engine: None, tmp_path: Path) -> None:
    """A user template copies .env.defaults, certs/server.pem and the directory ca/, which dockgen's
    secret rules exclude: the engine builds it (the `!path` exceptions after the rules work in Docker),
    and .env.local and another key stay out of the build context, so out of the image."""
    app = copy_app(FIXTURES / "express-generator" / "app", tmp_path / "app")
    for rel, text in {".env.defaults": "A=1\n", ".env.local": "SECRET=1\n", "certs/server.pem": "pem\n",
                      "certs/other.pem": "other\n", "ca/root.pem": "ca\n", "ca/sub/inter.pem": "i\n"}.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_text(text)
    house = node_slim_with(tmp_path / "house", "COPY .env.defaults certs/server.pem ./config/\nCOPY ca/ ./ca/\n")
    init = subprocess.run([sys.executable, "-m", "dockgen", "init", str(app), "--template-dir", str(house), "-t",
                           "node-slim"], capture_output=True, text=True, check=False)
    assert init.returncode == 0, init.stderr
    tag = f"{PREFIX}/house:exceptions"
    build(tag, app, for_this_engine(app / "Dockerfile", tmp_path / "Dockerfile"))
    listing = docker("run", "--rm", "--entrypoint", "sh", tag, "-c",
                     "ls -a /app/config; find /app/ca -type f; find / -name '.env.local' -o -name 'other.pem' "
                     "2>/dev/null; true").stdout.split()
    assert ".env.defaults" in listing and "server.pem" in listing
    assert "/app/ca/root.pem" in listing and "/app/ca/sub/inter.pem" in listing  # a directory copy: not emptied
    assert not [p for p in listing if p.endswith((".env.local", "other.pem"))], listing
