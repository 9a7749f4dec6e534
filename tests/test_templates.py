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

from .apps import make_app, node_slim_with
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


@pytest.mark.parametrize(("body", "line", "needle", "hint"), [
    ("FROM x\nWORKDIR {{ plan.workdirr }}\n", 3, "BuildPlan has no field 'workdirr' (did you mean workdir?)",
     "templates --context` lists the plan fields"),
    ("FROM x\n\n\nRUN {{ plan.runtime.resolvd }}\n", 5, "RuntimeChoice has no field 'resolvd'",
     "templates --context` lists the plan fields"),
    ("FROM x\n{% if plan.port %}\nEXPOSE 1\n", 4, "Unexpected end of template", "fix the Jinja syntax at that line"),
    ("FROM x\n{{ plan.port | nosuchfilter }}\n", 3, "No filter named 'nosuchfilter'",
     "dockgen's filters are chain, comment, copygroups"),
    ("FROM x\n{% include '_nope.j2' %}\n", 3, "cannot find '_nope.j2' to include", "your template directory"),
    ("FROM x\nEXPOSE {{ plan.port + 'x' }}\n", 3, "TypeError: unsupported operand", "check the types"),
    ("FROM x\nLABEL x={{ plan.labels['nope'] }}\n", 3,
     "plan.labels has no key 'nope'; its keys: org.opencontainers.image.title", "dockgen plan --json"),
    ("FROM x\n{{ plan.install.env.nope }}\n", 3, "plan.install.env has no key 'nope'", "dockgen plan --json"),
    ("FROM x\n{{ nope }}\n", 3, "'nope' is undefined", "one variable, `plan`"),
])
def test_a_broken_template_names_itself_and_the_line(tmp_path: Path, body: str, line: int, needle: str,
                                                     hint: str) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {"broken.Dockerfile.j2": "{# dockgen: base=node-slim #}\n" + body})
    built = dockgen.plan(dockgen.detect(app), template="broken", template_dir="house", root=app)
    with pytest.raises(TemplateError) as info:
        render_dockerfile(built)
    message = info.value.message
    assert message.startswith("template broken (") and f"{house / 'broken.Dockerfile.j2'}:{line})" in message
    assert needle in message and hint in (info.value.hint or ""), (message, info.value.hint)
    if "cannot find" in needle:  # the include and the directories searched
        assert str(house) in (info.value.hint or "") and "_common.j2" in (info.value.hint or "")
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
    [(file, _)] = files.items()
    name = file.removesuffix(".Dockerfile.j2")
    # not used (the app gets node-distroless): a warning, not an error
    built = dockgen.plan(dockgen.detect(app), template_dir="house", root=app)
    assert built.template == "node-distroless"
    assert any(needle in n.message and n.severity == "warning" for n in built.notices)
    with pytest.raises(TemplateError, match=needle.replace("(", r"\(").replace(")", r"\)")):  # used: the error
        dockgen.plan(dockgen.detect(app), template=name, template_dir="house", root=app)
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 1 and needle in proc.stdout and "hint:" in proc.stdout
    assert proc.stderr.startswith(f"error: 1 of your template files has an error: {name}\nhint: ")


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
    assert all(t["status"] == "ok" and t["error"] is None for t in data)
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 0 and proc.stderr == ""
    assert f"  house-node           ok      user: {house / 'house-node.Dockerfile.j2'}\n" in proc.stdout
    # the app's recorded template-dir is listed without the flag
    assert run("init", app, "--template-dir", house, "--template", "house-node").returncode == 0
    assert "house-node" in run("templates", app).stdout


def test_a_broken_template_fails_only_the_commands_that_use_it(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {"badbase-node.Dockerfile.j2": "{# dockgen: base=node-slimm #}\nFROM x\n",
                                   "headless.Dockerfile.j2": "FROM x\n",
                                   "house-node.Dockerfile.j2": HOUSE})
    badbase, headless = house / "badbase-node.Dockerfile.j2", house / "headless.Dockerfile.j2"
    proc = run("plan", app, "--template-dir", house)
    assert proc.returncode == 0, proc.stderr
    assert "template node-distroless" in proc.stdout
    assert "warning: your template badbase-node cannot be used" in proc.stderr
    assert run("init", app, "--template-dir", house, "--template", "house-node", "--dry-run").returncode == 0
    proc = run("plan", app, "--template-dir", house, "--template", "badbase-node")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {badbase}:1: base=node-slimm is not a built-in template "
                                  "(did you mean node-slim?)\nhint: choose one of: node-distroless")
    # every template is listed with its status, then the exit code says that some have errors
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert f"  badbase-node         error   user: {badbase}" in lines
    assert f"  headless             error   user: {headless}" in lines
    assert f"  house-node           ok      user: {house / 'house-node.Dockerfile.j2'}" in lines
    assert "  node-distroless      ok      built-in" in lines
    assert f"error: {headless}:1: a new template must say which built-in's plan it renders" in proc.stdout
    assert proc.stderr == ("error: 2 of your template files have errors: badbase-node, headless\n"
                           "hint: fix the errors listed above; a template with an error fails only the commands "
                           "that use it\n")
    proc = run("templates", "--template-dir", house, "--json")
    assert proc.returncode == 1 and proc.stderr.startswith("error: 2 of your template files have errors")
    by_name = {t["name"]: t for t in json.loads(proc.stdout)}
    assert by_name["badbase-node"]["status"] == "error" and by_name["badbase-node"]["role"] == "template"
    assert by_name["badbase-node"]["error"].startswith(f"{badbase}:1: base=node-slimm is not a built-in")
    assert by_name["badbase-node"]["hint"].startswith("choose one of:") and by_name["badbase-node"]["language"] is None
    assert by_name["headless"]["status"] == "error" and "{# dockgen: base=" in by_name["headless"]["hint"]
    assert by_name["house-node"]["status"] == "ok" and by_name["house-node"]["error"] is None
    assert by_name["node-slim"]["status"] == "ok"


def test_templates_parses_your_files_and_reports_syntax_errors(tmp_path: Path) -> None:
    house = _house(tmp_path / "house", {
        "unclosed.Dockerfile.j2": "{# dockgen: base=node-slim #}\nFROM x\n{% if plan.port %}\nEXPOSE 1\n",
        "filter.Dockerfile.j2": "{# dockgen: base=node-slim #}\nFROM x\n{{ plan.port | nosuchfilter }}\n",
        "missing.Dockerfile.j2": '{# dockgen: base=node-slim #}\nFROM x\n{% import "_gone.j2" as g %}\n',
        # parsed, not rendered: an unknown field is found when the plan renders it, not here
        "field.Dockerfile.j2": "{# dockgen: base=node-slim #}\nFROM x\n{{ plan.nope }}\n",
        "_broken.j2": "{% macro m() %}\n\n{% endmacr %}\n",
        "_fine.j2": "{% macro m() %}x{% endmacro %}\n",
    })
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = proc.stdout
    assert f"error: {house / 'unclosed.Dockerfile.j2'}:4: Unexpected end of template" in out
    assert f"error: {house / 'filter.Dockerfile.j2'}:3: No filter named 'nosuchfilter'" in out
    assert f"error: {house / 'missing.Dockerfile.j2'}:3: cannot find '_gone.j2' to import" in out
    assert f"error: {house / '_broken.j2'}:3: Encountered unknown tag 'endmacr'" in out
    assert "hint: fix the Jinja syntax at that line" in out
    assert f"hint: dockgen looked in your template directory {house}" in out
    assert f"  field                ok      user: {house / 'field.Dockerfile.j2'}" in out.splitlines()
    assert proc.stderr.startswith("error: 4 of your template files have errors: filter, missing, unclosed, _broken.j2")
    data = {t["name"]: t for t in json.loads(run("templates", "--template-dir", house, "--json").stdout)}
    assert data["_broken.j2"]["role"] == "partial" and data["_broken.j2"]["status"] == "error"
    assert data["_broken.j2"]["error"].startswith(f"{house / '_broken.j2'}:3: ")
    assert data["_fine.j2"]["status"] == "ok" and data["field"]["status"] == "ok"


@pytest.mark.parametrize(("file", "suggestion"), [
    ("node-slim.dockerfile.j2", "node-slim.Dockerfile.j2"),
    ("node-slim.Dockerfile.jinja", "node-slim.Dockerfile.j2"),
    ("node-slim.j2", "node-slim.Dockerfile.j2"),
    ("Dockerfile.j2", "<name>.Dockerfile.j2"),
    ("house.DOCKERFILE.jinja2", "house.Dockerfile.j2"),
])
def test_near_miss_names_are_listed_as_ignored_and_warned_about(tmp_path: Path, file: str, suggestion: str) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {file: "{# dockgen: base=node-slim #}\nFROM x\n", "README.md": "notes\n",
                                   "_house.j2": "{% macro m() %}x{% endmacro %}\n"})
    reason = f"not a template name (did you mean {suggestion}?)"
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 0, proc.stderr  # ignored files are not errors
    assert f"  {file:<20} ignored user: {house / file}\n{'':<31}{reason}\n" in proc.stdout
    assert "README.md" not in proc.stdout
    entries = json.loads(run("templates", "--template-dir", house, "--json").stdout)
    [ignored] = [e for e in entries if e["role"] == "ignored"]
    assert ignored == {"name": file, "role": "ignored", "status": "ignored", "error": None, "hint": None,
                       "source": "user", "path": str(house / file), "language": None, "kind": None, "base": None,
                       "summary": reason}
    assert all(set(e) >= set(ignored) for e in entries)  # every entry has the same keys
    warning = f"warning: {house / file} is ignored: {reason}\n"
    assert warning in run("plan", app, "--template-dir", house).stderr
    proc = run("init", app, "--template-dir", house, "--dry-run")
    assert proc.returncode == 0 and warning in proc.stderr
    built = dockgen.plan(dockgen.detect(app), template_dir="house", root=app)
    assert [n.message for n in built.notices if n.topic == "template dir"] == [warning[len("warning: "):-1]]


def test_a_file_your_templates_import_is_a_partial_whatever_its_name(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    house = _house(app / "house", {"node-slim.j2": "{% macro m() %}# house{% endmacro %}\n",
                                   "mine.Dockerfile.j2": '{# dockgen: base=node-slim #}\n'
                                                         '{% import "node-slim.j2" as h %}\nFROM x\n{{ h.m() }}\n'})
    entries = {e["name"]: e for e in json.loads(run("templates", "--template-dir", house, "--json").stdout)}
    assert entries["node-slim.j2"]["role"] == "partial" and entries["node-slim.j2"]["status"] == "ok"
    built = dockgen.plan(dockgen.detect(app), template="mine", template_dir="house", root=app)
    assert not [n for n in built.notices if n.topic == "template dir"]
    assert "# house" in render_dockerfile(built)


def test_templates_lists_partials_and_the_ones_that_replace_builtins(tmp_path: Path) -> None:
    common = (ROOT / "src" / "dockgen" / "templates" / "_common.j2").read_text()
    house = _house(tmp_path / "house", {"_common.j2": common, "_house.j2": "{% macro m() %}x{% endmacro %}\n"})
    proc = run("templates", "--template-dir", house)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    partials = lines[lines.index("partials:") + 1:]
    assert partials[:5] == [
        f"  _common.j2           ok      user: {house / '_common.j2'}",
        f"{'':<31}replaces the built-in _common.j2 for every template (builtin/_common.j2 is dockgen's)",
        f"  _house.j2            ok      user: {house / '_house.j2'}",
        "  _node.j2             ok      built-in",
        "  _python.j2           ok      built-in",
    ]
    entries = [e for e in json.loads(run("templates", "--template-dir", house, "--json").stdout)
               if e["role"] == "partial"]
    assert [(e["name"], e["source"], e["overrides"]) for e in entries] == [
        ("_common.j2", "user", True), ("_house.j2", "user", False), ("_node.j2", "built-in", False),
        ("_python.j2", "built-in", False)]
    assert entries[0]["path"] == str(house / "_common.j2") and entries[2]["path"] is None
    # without a template directory: dockgen's own
    builtin = [e["name"] for e in json.loads(run("templates", "--json").stdout) if e["role"] == "partial"]
    assert builtin == ["_common.j2", "_node.j2", "_python.j2"]


def test_templates_refuses_a_missing_path_or_template_dir(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    for args in (["templates", missing], ["templates", "--template-dir", missing],
                 ["templates", "--context", "--template-dir", missing], ["templates", missing, "--json"]):
        proc = run(*args)
        assert proc.returncode == 1, args
        if "--json" in args:  # the error is also the one JSON object on stdout (README, Conventions)
            assert json.loads(proc.stdout)["error"] == f"{missing}: no such directory"
        else:
            assert proc.stdout == "", args
        assert proc.stderr.startswith("error: ") and f"{missing}: no such directory\nhint: " in proc.stderr, args
    # a recorded template-dir that is gone is an error too
    app = make_app(tmp_path / "app")
    _house(app / "house", {})
    assert run("init", app, "--template-dir", app / "house").returncode == 0
    (app / "house").rmdir()
    proc = run("templates", app)
    assert proc.returncode == 1 and "no such directory" in proc.stderr and "template-dir" in proc.stderr


def test_context_with_json_is_json(tmp_path: Path) -> None:
    proc = run("templates", "--context", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"format": "markdown", "markdown": reference()}
    house = _house(tmp_path / "house", {})
    proc = run("templates", "--context", "--template-dir", house)
    assert proc.returncode == 0 and proc.stdout == reference()


@pytest.mark.parametrize("allow_list", [False, True])
def test_what_a_user_template_copies_is_never_excluded_and_secrets_stay_out(tmp_path: Path,
                                                                            allow_list: bool) -> None:
    """A user template copies .env.defaults and certs/server.pem, which dockgen's secret rules exclude:
    the rules stay (.env.local, other keys stay out) and an exception follows each for what is copied,
    read with Docker's own matching; `dockgen context` finds no COPY the build would fail on."""
    from dockgen.dockerignore import parse

    app = make_app(tmp_path / "app", files={".env.defaults": "A=1\n", ".env.local": "SECRET=1\n",
                                            "certs/server.pem": "pem\n", "certs/other.pem": "pem\n"})
    house = node_slim_with(tmp_path / "house", "COPY .env.defaults certs/server.pem ./config/\n")
    args = ["--allow-list"] if allow_list else []
    proc = run("init", app, "--template-dir", house, "-t", "node-slim", *args)
    assert proc.returncode == 0, proc.stderr
    text = (app / ".dockerignore").read_text()
    rules = parse(text)
    assert not rules.excluded(".env.defaults") and not rules.excluded("certs/server.pem")
    assert rules.excluded(".env.local") and rules.excluded("certs/other.pem") and rules.excluded(".env")
    assert "**/.env.*\n!.env.defaults\n" in text and "**/*.pem\n!certs/server.pem\n" in text
    context = run("context", app)
    assert context.returncode == 0, context.stderr
    again = run("init", app, "--template-dir", house, "-t", "node-slim", *args)  # and it stays that way
    assert again.returncode == 0 and "identical       .dockerignore" in again.stdout
    assert (app / ".dockerignore").read_text() == text


def test_a_user_templates_directory_and_wildcard_copies_get_exceptions_too(tmp_path: Path) -> None:
    """`COPY certs/ ...` and `COPY keys/*.key ...`: the secrets rules would empty the directory and fail
    the wildcard; dockgen follows each rule with `!certs` / `!keys/*.key`, and a key elsewhere stays out."""
    from dockgen.dockerignore import parse

    app = make_app(tmp_path / "app", files={"certs/x.pem": "x\n", "certs/sub/y.pem": "y\n", "keys/a.key": "k\n",
                                            "other.key": "s\n", "keys/notes.txt": "n\n"})
    house = node_slim_with(tmp_path / "house", "COPY certs/ /etc/ssl/house/\nCOPY keys/*.key /keys/\n")
    proc = run("init", app, "--template-dir", house, "-t", "node-slim")
    assert proc.returncode == 0, proc.stderr
    text = (app / ".dockerignore").read_text()
    rules = parse(text)
    assert "\n!certs\n" in text and "\n!keys/*.key\n" in text
    assert not any(rules.excluded(p) for p in ("certs/x.pem", "certs/sub/y.pem", "keys/a.key"))
    assert rules.excluded("other.key")
    context = run("context", app)
    assert context.returncode == 0, context.stdout + context.stderr
