"""Plan decisions that goldens do not spell out: template choice and refusals, ports, addons."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockgen.detect import detect
from dockgen.errors import PlanError, TemplateError
from dockgen.plan import Options, plan_node

from .apps import make_app


def test_odd_major_falls_back_to_slim_and_explicit_distroless_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path, package={"name": "a", "engines": {"node": "^25"}, "dependencies": {"express": "4"},
                                      "scripts": {"start": "node server.js"}})
    assert plan_node(detect(app)).template == "node-slim"
    with pytest.raises(TemplateError, match="no nodejs25 image"):
        plan_node(detect(app), Options(template="node-distroless"))


def test_static_site_and_server_templates_do_not_mix(tmp_path: Path) -> None:
    site = make_app(tmp_path / "site", package={"name": "s", "devDependencies": {"vite": "7"},
                                                "scripts": {"build": "vite build"}})
    assert plan_node(detect(site)).template == "static-nginx"
    with pytest.raises(TemplateError, match="static site"):
        plan_node(detect(site), Options(template="node-slim"))
    server = make_app(tmp_path / "server")
    with pytest.raises(TemplateError, match="Node server"):
        plan_node(detect(server), Options(template="static-nginx"))


def test_no_way_to_start_is_an_error(tmp_path: Path) -> None:
    app = make_app(tmp_path, package={"name": "a", "scripts": {"start": "nodemon app.js"}})
    (app / "server.js").unlink()
    with pytest.raises(PlanError, match="cannot tell how to start") as err:
        plan_node(detect(app))
    assert "nodemon" in err.value.message and err.value.hint


def test_port_option_warns_when_the_code_listens_elsewhere(tmp_path: Path) -> None:
    app = make_app(tmp_path, files={"server.js": "require('http').createServer().listen(4000)\n"})
    plan = plan_node(detect(app), Options(port=8080))
    assert plan.port == 8080 and plan.env["PORT"] == "8080"
    assert any("4000" in n.message for n in plan.notices)
    with pytest.raises(PlanError, match="not a TCP port"):
        plan_node(detect(app), Options(port=70000))


def test_native_addons_get_compilers_in_the_build_stages_only(tmp_path: Path) -> None:
    app = make_app(tmp_path, package={"name": "a", "dependencies": {"sqlite3": "5"},
                                      "scripts": {"start": "node server.js"}})
    plan = plan_node(detect(app))
    assert plan.builder_packages[:3] == ("python3", "make", "g++") and plan.runtime_packages == ()
    assert any("allowScripts" in n.message for n in plan.notices)  # npm 11.19+ skips unapproved scripts
    approved = make_app(tmp_path / "b", package={"name": "a", "dependencies": {"sqlite3": "5"},
                                                 "allowScripts": {"sqlite3@5.1.7": True},
                                                 "scripts": {"start": "node server.js"}})
    assert not any("allowScripts" in n.message for n in plan_node(detect(approved)).notices)


def test_canvas_needs_runtime_libraries_so_distroless_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path, package={"name": "a", "dependencies": {"canvas": "3"},
                                      "scripts": {"start": "node server.js"}})
    plan = plan_node(detect(app))
    assert plan.template == "node-slim" and "libcairo2" in plan.runtime_packages
    assert "libcairo2-dev" in plan.builder_packages
    with pytest.raises(TemplateError, match="shared libraries"):
        plan_node(detect(app), Options(template="node-distroless"))


def test_plan_is_pure_and_repeatable(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert plan_node(detect(app)) == plan_node(detect(app))


def test_dockgens_rules_never_exclude_what_the_dockerfile_copies() -> None:
    from dockgen.ignore import check_needs_sent, default_rules
    from dockgen.model import IgnoreRule

    check_needs_sent((), ["package.json", "src", "."])
    # a category's rule gives way to a copied path: a secrets rule stays, with an exception after it
    check_needs_sent((), ["certs/ca.pem", "logs/server.js"])
    patterns = [r.pattern for r in default_rules((), ["certs/ca.pem", "logs/server.js"])]
    assert patterns[patterns.index("**/*.pem") + 1] == "!certs/ca.pem" and "logs" not in patterns
    assert "logs" in [r.pattern for r in default_rules((), ["server.js"])]
    with pytest.raises(AssertionError, match="'dist' would exclude dist"):  # a plan's own rule: dockgen's bug
        check_needs_sent((IgnoreRule(pattern="dist"),), ["dist"])
