"""What dockgen decides for the real apps of fixtures/real (issue 10), kind by kind. These are plan-level
checks that run in seconds; tests/e2e/test_real_apps.py builds and runs every one of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockgen.api import detect, plan, render
from dockgen.detect.wheels import compatible, source_builds
from dockgen.errors import PlanError, TemplateError
from dockgen.model import Distribution, PythonFacts

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def planned(case: str, **options: object):  # type: ignore[no-untyped-def]
    return plan(detect(REAL / case / "app"), **options)  # type: ignore[arg-type]


# -- bun ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "cmd"), [("bun-init", ("/usr/local/bin/bun", "index.ts")),
                                          ("bun-hono", ("/usr/local/bin/bun", "src/index.ts"))])
def test_bun_apps_run_with_bun(case: str, cmd: tuple[str, ...]) -> None:
    built = planned(case)
    assert built.template == "bun-distroless" and built.runtime.name == "bun"
    assert built.cmd == cmd and built.entrypoint[0] == "/tini" and built.user == "65532:65532"
    assert built.runtime_image.repository == "oven/bun" and built.runtime_image.tag.endswith("-distroless")
    assert [a.name for a in built.args] == ["BUN_VERSION", "TINI_VERSION"]  # no Node.js in the image
    assert built.port == 3000
    slim = planned(case, template="bun-slim")
    assert slim.user == "1000:1000" and slim.init == "/usr/bin/tini"
    with pytest.raises(TemplateError, match="runs with bun") as err:
        planned(case, template="node-slim")
    assert "bun-distroless or bun-slim" in str(err.value.hint)


# -- pnpm -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "pnpm"), [("pnpm7-lockfile-v54", "7.33.7"), ("pnpm8-lockfile-v6", "8.15.9"),
                                           ("react-router-v7", "10.34.9")])
def test_pnpm_without_package_manager_follows_the_lockfile(case: str, pnpm: str) -> None:
    built = planned(case)
    assert built.install.version == pnpm
    assert any(f"installing pnpm {pnpm}" in n.message for n in built.notices)


def test_pnpm_build_approvals_are_read_and_said() -> None:
    unapproved = planned("pnpm10-unapproved-builds")
    assert any("bcrypt" in n.message and "approve" in n.message for n in unapproved.notices)
    for case in ("pnpm10-approved-builds", "pnpm10-onlybuilt-pkgjson"):
        assert not any("bcrypt" in n.message for n in planned(case).notices), case


def test_pnpm_11_and_later_skip_unapproved_builds_instead_of_failing(tmp_path: Path) -> None:
    app = Path(shutil.copytree(REAL / "pnpm10-unapproved-builds" / "app", tmp_path / "app"))
    pkg = (app / "package.json").read_text(encoding="utf-8")
    (app / "package.json").write_text(pkg.replace('"pnpm@10.34.9"', '"pnpm@12.24.0"'), encoding="utf-8")
    built = plan(detect(app))
    assert "--config.strict-dep-builds=false" in built.install.install_prod
    (app / "pnpm-workspace.yaml").write_text("strictDepBuilds: true\n", encoding="utf-8")
    assert "strict-dep-builds" not in plan(detect(app)).install.install_prod  # the project's own choice


# -- start commands ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "argv"), [
    ("react-router-v7", ("node", "node_modules/@react-router/serve/bin.js", "./build/server/index.js")),
    ("next-app-router", ("node", "node_modules/next/dist/bin/next", "start")),
    ("fastify-ts", ("node", "node_modules/fastify-cli/cli.js", "start", "-l", "info", "dist/app.js")),
])
def test_dependency_commands_run_their_js_file(case: str, argv: tuple[str, ...]) -> None:
    built = planned(case)
    assert built.start_command == argv


def test_a_typescript_start_file_comes_from_the_build(tmp_path: Path) -> None:
    app = Path(shutil.copytree(REAL / "fastify-ts" / "app", tmp_path / "app"))
    pkg = (app / "package.json").read_text(encoding="utf-8")
    start = '"start": "npm run build:ts && fastify start -l info dist/app.js"'
    assert start in pkg
    (app / "package.json").write_text(pkg.replace(start, '"start": "node app.js"').replace(
        '"build:ts": "tsc"', '"build": "tsc"'), encoding="utf-8")
    built = plan(detect(app))
    assert built.start_command == ("node", "dist/app.js")
    (app / "package.json").write_text(pkg.replace(start, '"start": "node nowhere.js"'), encoding="utf-8")
    with pytest.raises(PlanError, match="does not exist"):
        plan(detect(app))


def test_react_router_serve_exits_soon_after_sigterm() -> None:
    built = planned("react-router-v7")
    assert "--require /opt/dockgen/stop.cjs" in built.env["NODE_OPTIONS"]
    assert any(d.topic == "stop" for d in built.decisions)
    assert "setTimeout(() => process.exit(0), 1000).unref()" in render(built)[0].content


def test_a_script_that_serves_nothing_exposes_no_port() -> None:
    for case in ("node-cli-report", "py-console-report", "py-script-main"):
        built = planned(case)
        assert built.port is None and "PORT" not in built.env, case
        assert "EXPOSE" not in render(built)[0].content


# -- yarn PnP ----------------------------------------------------------------------------------------------

def test_yarn_pnp_is_kept() -> None:
    built = planned("express-yarn-pnp")
    assert "YARN_NODE_LINKER" not in built.install.env
    assert built.env["NODE_OPTIONS"] == "--require /app/.pnp.cjs"
    assert [c.sources for c in built.runtime_copies[:2]] == [("/app/.pnp.cjs",), ("/app/.yarn",)]
    # the committed cache holds dev packages too: not sent, the deps stage fetches the production ones
    assert ".yarn/cache/" not in built.install.manifest_files
    ignore = [r.pattern for r in built.ignore]
    assert ignore[:2] == [".yarn/*", "!.yarn/releases"] and "!.yarn/cache" not in ignore


# -- old engines ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["engines-node16", "koa2-engines-range"])
def test_end_of_life_engines_still_get_an_image(case: str) -> None:
    built = planned(case)
    assert built.runtime.resolved == "16.20.2" and built.template == "node-slim" and built.suite == "bookworm"
    assert any("end of life" in n.message for n in built.notices)


# -- Python -----------------------------------------------------------------------------------------------

def test_uv_keeps_its_venv_in_the_project() -> None:
    built = planned("py-uv-venv-path")
    assert built.python is not None and built.python.venv == "/app/.venv"
    assert built.install.env["UV_PROJECT_ENVIRONMENT"] == "/app/.venv"


@pytest.mark.parametrize(("case", "compiled"), [("py-native-nowheel", "netifaces"), ("py-native-uwsgi", "uwsgi"),
                                               ("py-native-psycopg2", "psycopg2")])
def test_packages_without_a_wheel_get_a_compiler_in_the_builder_only(case: str, compiled: str) -> None:
    built = planned(case)
    assert "gcc" in built.builder_packages and "gcc" not in built.runtime_packages
    assert any(d.topic == "source builds" and compiled in d.choice for d in built.decisions)


def test_old_lock_follows_python_version_and_needs_no_compiler() -> None:
    built = planned("py-native-old-lock")  # cffi 1.16.0 has cp311 wheels: .python-version says 3.11
    assert built.runtime.line == "3.11" and "gcc" not in built.builder_packages


def test_uwsgi_runs_its_ini_and_dies_on_term() -> None:
    built = planned("py-native-uwsgi")
    assert built.cmd == ("uwsgi", "--ini", "uwsgi.ini", "--die-on-term") and built.port == 8000
    with pytest.raises(TemplateError, match="libpython"):
        planned("py-native-uwsgi", template="python-distroless")


def test_flask_factory_with_waitress_and_a_writable_instance_folder() -> None:
    built = planned("py-poetry-flaskr-factory")
    assert built.cmd == ("waitress-serve", "--listen=0.0.0.0:8000", "--call", "flaskr:create_app")
    assert built.python is not None and built.python.writable == ("/app/instance",)
    assert "chown 10001:10001 /app/instance" in render(built)[0].content


def test_asgi_factory_and_src_module() -> None:
    assert planned("py-fastapi-factory").cmd[:3] == ("uvicorn", "--factory", "service.factory:create_app")
    facts = detect(REAL / "py-flask-src-module" / "app")
    assert isinstance(facts, PythonFacts) and facts.app_target == "myservice.web:application"
    old = planned("py-pdm-old-flask")  # src/notes/app.py, the project is not installed
    assert old.env.get("PYTHONPATH") == "/app/src"


def test_pdm_installs_with_pdm_sync() -> None:
    for case in ("py-pdm-old-flask", "py-pdm-fastapi"):
        built = planned(case)
        assert "pdm sync --prod --no-self --no-editable" in built.install.install_prod
        assert built.python is not None and "'hishel<2'" in str(built.python.tool_install)


def test_poetry_1_gets_no_export_plugin() -> None:
    built = planned("py-poetry1-fastapi")
    assert built.python is not None and "poetry==1.8.5" in str(built.python.tool_install)
    assert "poetry-plugin-export" not in str(built.python.tool_install)
    assert built.cmd[:3] == ("gunicorn", "--bind", "0.0.0.0:8000")


TAGS = st.sampled_from(["cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp39-abi3-manylinux2014_x86_64",
                        "cp312-cp312-manylinux_2_28_x86_64", "py3-none-any", "cp313-cp313-win_amd64",
                        "cp313-cp313-musllinux_1_2_x86_64", "cp313-cp313-manylinux_2_17_aarch64",
                        "cp314-abi3-manylinux_2_17_x86_64", "cp27-cp27mu-manylinux1_x86_64"])


@given(TAGS, st.sampled_from(["3.11", "3.13", "3.14"]))
def test_wheel_tags_against_the_image(tag: str, line: str) -> None:
    ok = compatible(tag, line)
    py, abi, plat = tag.split("-")
    minor = int(line.split(".")[1])
    if "win" in plat or "aarch64" in plat or "musllinux" in plat:
        assert not ok
    elif tag == "py3-none-any":
        assert ok
    elif abi == "abi3":
        assert ok == (int(py[3:]) <= minor)
    else:
        assert ok == (py == f"cp3{minor}")


def test_source_builds_need_an_sdist() -> None:
    only_windows = Distribution(name="pywin32", sdist=False, wheels=("cp313-cp313-win_amd64",))
    old = Distribution(name="cffi", sdist=True, wheels=("cp311-cp311-manylinux_2_17_x86_64",))
    assert source_builds((only_windows, old), (), "3.13") == ("cffi",)
    assert source_builds((only_windows, old), (), "3.11") == ()
    assert source_builds((), ("uwsgi", "flask"), "3.13") == ("uwsgi",)


# -- every corpus Dockerfile passes the house checks (Docker's parser, hadolint, invariants) -------------------

def _runs() -> list[tuple[str, Path]]:
    from tests.e2e.real_apps import load_runs

    out = []
    for spec in load_runs():
        base = REAL / spec.case / "app" / spec.cwd
        app = base / spec.args[spec.args.index("--app") + 1] if "--app" in spec.args else base
        out.append((spec.id, app))
    return out


@pytest.mark.parametrize(("run", "app"), _runs(), ids=[r for r, _ in _runs()])
def test_corpus_dockerfiles_lint_clean(run: str, app: Path) -> None:
    from dockgen.api import generate

    from .dockerfile_checks import check_invariants, hadolint_findings

    done = generate(app, dry_run=True, record=False)
    dockerfile = next(f.content for f in done.files if f.path == "Dockerfile")
    assert hadolint_findings(dockerfile) == []
    check_invariants(dockerfile, port=done.plan.port, init=done.plan.init or None)


def test_git_requirements_put_git_in_the_builder_only(tmp_path: Path) -> None:
    # GitHub is not reachable here, so no corpus app installs one; the plan is checked instead
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("flask==3.1.3\nmylib @ git+https://github.com/acme/mylib@v1.2\n",
                                          encoding="utf-8")
    (app / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n", encoding="utf-8")
    built = plan(detect(app))
    assert "git" in built.builder_packages and "git" not in built.runtime_packages
    assert any(d.topic == "git" for d in built.decisions)
