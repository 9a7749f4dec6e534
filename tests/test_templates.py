"""User templates (--template-dir): adding, overriding, partials, failures with the template's name
and line; the plan-context reference generated from the model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import dockgen
from dockgen.errors import TemplateError
from dockgen.plan_context import reference
from dockgen.render import render_dockerfile
from dockgen.stamp import split

from .apps import make_app
from .conftest import FIXTURES, ROOT
from .test_cli import run

HOUSE = """{# dockgen: base=node-slim summary="node-slim, with the team label" #}
{% import "_common.j2" as common with context %}
{% import "_node.j2" as node with context %}
{{ common.header(plan) }}

{{ node.builder_stages(plan) }}
FROM {{ plan.runtime_image.ref_expr }} AS runtime
{{ common.labels(plan) }}
LABEL com.example.team="platform"
WORKDIR {{ plan.workdir }}
{{ node.app_files(plan) }}
{{ common.tail(plan) }}
"""


def _house(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_reference_page_is_generated_from_the_model() -> None:
    page = (ROOT / "docs" / "plan-context.md").read_text()
    assert page == reference(), "docs/plan-context.md is stale: run python scripts/gen_plan_context.py"
    from dockgen.model import BuildPlan, ImageRef

    for name in (*BuildPlan.__fields__, *ImageRef.__fields__, "ref_expr"):
        assert f"| `{name}` |" in page, name


def test_cli_prints_the_reference() -> None:
    proc = run("templates", "--context")
    assert proc.returncode == 0 and proc.stdout == reference()


def test_new_user_template_renders_the_base_plan(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    _house(app / "house", {"house-node.Dockerfile.j2": HOUSE})
    built = dockgen.plan(dockgen.detect(app), template="house-node", template_dir="house", root=app)
    base = dockgen.plan(dockgen.detect(app), template="node-slim")
    assert built.template == "house-node" and built.template_dir == str(app / "house")
    assert built.runtime_image == base.runtime_image and built.cmd == base.cmd
    assert built.decisions[-1].topic == "template source"
    text = render_dockerfile(built)
    assert 'LABEL com.example.team="platform"' in text
    stamp, _ = split(text)
    assert stamp is not None and stamp.template == "house-node" and stamp.options["template_dir"] == "house"


def test_override_by_name_and_partials_shadow_builtins(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    common = (ROOT / "src" / "dockgen" / "templates" / "_common.j2").read_text()
    _house(app / "house", {
        # a house partial used by every template, built-ins too; it reaches dockgen's own through builtin/
        "_common.j2": '{% import "builtin/_common.j2" as base with context %}\n'
                      + common.replace("LABEL {{ plan.labels | labelpairs }}",
                                       'LABEL {{ plan.labels | labelpairs }}\nLABEL com.example.house="yes"'),
        "node-slim.Dockerfile.j2": '{% include "builtin/node-slim.Dockerfile.j2" %}\n# reviewed by platform\n',
    })
    slim = dockgen.plan(dockgen.detect(app), template="node-slim", template_dir="house", root=app)
    distroless = dockgen.plan(dockgen.detect(app), template_dir="house", root=app)
    slim_text, distroless_text = render_dockerfile(slim), render_dockerfile(distroless)
    assert slim_text.rstrip().endswith("# reviewed by platform")
    assert 'com.example.house="yes"' in slim_text and 'com.example.house="yes"' in distroless_text
    assert distroless.template == "node-distroless"  # not overridden: still dockgen's, with the house partial


def test_an_empty_template_dir_changes_nothing_but_the_stamp(tmp_path: Path) -> None:
    for case in ("express-generator", "nest", "django-uv", "vite-static", "express-alpine", "pillow-lxml"):
        src = FIXTURES / case / "app"
        app = tmp_path / case
        shutil.copytree(src, app)
        (app / "empty").mkdir()
        facts = dockgen.detect(app)
        plain = split(render_dockerfile(dockgen.plan(facts)))[1]
        via = split(render_dockerfile(dockgen.plan(facts, template_dir="empty", root=app)))[1]
        assert plain == via, case


@pytest.mark.parametrize(("body", "line", "needle"), [
    ("FROM x\nWORKDIR {{ plan.workdirr }}\n", 3, "BuildPlan has no field 'workdirr' (did you mean workdir?)"),
    ("FROM x\n\n\nRUN {{ plan.runtime.resolvd }}\n", 5, "RuntimeChoice has no field 'resolvd'"),
    ("FROM x\n{% if plan.port %}\nEXPOSE 1\n", 4, "Unexpected end of template"),
    ("FROM x\n{{ plan.port | nosuchfilter }}\n", 3, "No filter named 'nosuchfilter'"),
])
def test_a_broken_template_names_itself_and_the_line(tmp_path: Path, body: str, line: int, needle: str) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {"broken.Dockerfile.j2": "{# dockgen: base=node-slim #}\n" + body})
    built = dockgen.plan(dockgen.detect(app), template="broken", template_dir="house", root=app)
    with pytest.raises(TemplateError) as info:
        render_dockerfile(built)
    message = info.value.message
    assert message.startswith("template broken (") and f"{house / 'broken.Dockerfile.j2'}:{line})" in message
    assert needle in message and "templates --context" in (info.value.hint or "")
    proc = run("init", app, "--template", "broken", "--template-dir", house, "--dry-run")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: template broken ({house / 'broken.Dockerfile.j2'}:{line})")


def test_an_error_inside_a_macro_names_the_user_template_line(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    _house(app / "house", {"_mine.j2": "{% macro bad(plan) %}\n{{ plan.nope }}\n{% endmacro %}\n",
                           "m.Dockerfile.j2": '{# dockgen: base=node-slim #}\n{% import "_mine.j2" as m %}\n'
                                              "FROM x\n{{ m.bad(plan) }}\n"})
    built = dockgen.plan(dockgen.detect(app), template="m", template_dir="house", root=app)
    with pytest.raises(TemplateError, match=r"_mine.j2:2\): BuildPlan has no field 'nope'"):
        render_dockerfile(built)


@pytest.mark.parametrize(("files", "needle"), [
    ({"new.Dockerfile.j2": "FROM x\n"}, "must say which built-in's plan it renders"),
    ({"new.Dockerfile.j2": "{# dockgen: base=ubuntu #}\nFROM x\n"}, "base=ubuntu is not a built-in"),
    ({"new.Dockerfile.j2": "{# dockgen: bsae=node-slim #}\nFROM x\n"}, "unknown item 'bsae=node-slim'"),
    ({"node-slim.Dockerfile.j2": "{# dockgen: base=node-alpine-nonroot #}\n"}, "overrides the built-in node-slim"),
    ({"Bad Name.Dockerfile.j2": "{# dockgen: base=node-slim #}\n"}, "is not a template name"),
])
def test_bad_user_templates_are_clear_errors(tmp_path: Path, files: dict[str, str], needle: str) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", files)
    with pytest.raises(TemplateError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        dockgen.plan(dockgen.detect(app), template_dir="house", root=app)
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 1 and needle in proc.stderr and "hint:" in proc.stderr


def test_wrong_language_and_unknown_names(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    _house(app / "house", {"py.Dockerfile.j2": "{# dockgen: base=python-slim #}\nFROM x\n"})
    with pytest.raises(TemplateError, match="renders a python-slim plan, for python apps; this is a node app"):
        dockgen.plan(dockgen.detect(app), template="py", template_dir="house", root=app)
    with pytest.raises(TemplateError, match="unknown template 'nope'") as info:
        dockgen.plan(dockgen.detect(app), template="nope", template_dir="house", root=app)
    assert "py" in (info.value.hint or "")
    with pytest.raises(TemplateError, match="no such directory"):
        dockgen.plan(dockgen.detect(app), template_dir="missing", root=app)


def test_templates_lists_builtins_and_yours_with_their_source(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {"house-node.Dockerfile.j2": HOUSE,
                                   "node-slim.Dockerfile.j2": '{% include "builtin/node-slim.Dockerfile.j2" %}\n'})
    data = json.loads(run("templates", "--template-dir", house, "--json").stdout)
    by_name = {t["name"]: t for t in data}
    assert by_name["house-node"]["source"] == "user" and by_name["house-node"]["base"] == "node-slim"
    assert by_name["house-node"]["summary"] == "node-slim, with the team label"
    assert by_name["node-slim"]["source"] == "user" and by_name["node-slim"]["path"] == str(house / "node-slim"
                                                                                              ".Dockerfile.j2")
    assert by_name["node-distroless"]["source"] == "built-in"
    text = run("templates", "--template-dir", house).stdout
    assert f"house-node            user: {house / 'house-node.Dockerfile.j2'}" in text
    # the app's recorded template-dir is listed without the flag
    assert run("init", app, "--template-dir", house, "--template", "house-node").returncode == 0
    assert "house-node" in run("templates", app).stdout
