"""The public Python API as a scaffolding tool uses it: typed results, no output, no exit, no cwd."""

from __future__ import annotations

import os
import shutil
import stat
import types
import typing
from pathlib import Path

import pytest

import dockgen
from dockgen.api import ContextFigures, Generated
from dockgen.model import BuildPlan, NodeFacts, PythonFacts, RenderedFile, WriteOutcome, WriteStatus
from dockgen.plan import Options, OptionValues
from dockgen.update import UpdateResult

from .apps import make_app, snapshot
from .conftest import FIXTURES


def test_public_names_are_exported_and_documented() -> None:
    for name in ("detect", "plan", "render", "write", "generate", "update", "measure", "Options", "DockgenError",
                 "Generated"):
        obj = getattr(dockgen, name)
        assert obj.__doc__, name
    assert set(dockgen.__all__) >= {"detect", "plan", "render", "write", "generate", "update"}
    assert (Path(dockgen.__file__).parent / "py.typed").is_file()  # type checkers see the annotations


def test_api_names_survive_importing_the_modules_of_the_same_name() -> None:
    """dockgen/detect/, plan.py, render.py, write.py, update.py share the API functions' names."""
    import importlib

    for name in ("detect", "plan", "render", "write", "update"):
        module = importlib.import_module(f"dockgen.{name}")
        assert isinstance(module, types.ModuleType)
        assert callable(getattr(dockgen, name)) and getattr(dockgen, name).__module__ == "dockgen.api", name


def test_options_are_declared_once() -> None:
    """Options, the API keywords and the CLI flags of init/update are the same set."""
    from typer.main import get_command

    from dockgen.cli.commands import app

    fields = set(Options.__fields__)
    assert set(OptionValues.__annotations__) == fields
    hints = typing.get_type_hints(OptionValues)
    option_hints = typing.get_type_hints(Options)
    assert all(hints[f] == option_hints[f] for f in fields)
    group = get_command(app)
    for command in ("init", "update"):
        params = {p.name for p in group.commands[command].params}  # type: ignore[attr-defined]
        assert fields <= params, (command, fields - params)


def test_generate_is_typed_and_silent(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path / "app")
    facts = dockgen.detect(app)
    built = dockgen.plan(facts, port=8080)
    files = dockgen.render(built)
    outcomes = dockgen.write(files, app, dry_run=True)
    done = dockgen.generate(app, port=8080)
    result = dockgen.update(app)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert isinstance(facts, NodeFacts) and isinstance(built, BuildPlan) and built.port == 8080
    assert all(isinstance(f, RenderedFile) for f in files)
    assert all(isinstance(o, WriteOutcome) and o.status is WriteStatus.CREATE for o in outcomes)
    assert isinstance(done, Generated) and isinstance(done.context, ContextFigures)
    assert [o.status for o in done.outcomes] == [WriteStatus.CREATE, WriteStatus.CREATE]
    assert done.answers is not None and done.answers.path == ".dockgen.toml" and done.answers.written
    assert done.options == Options(port=8080)
    assert isinstance(result, UpdateResult) and {f.status for f in result.files} == {"identical"}


def test_errors_are_exceptions_not_exits(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(dockgen.DockgenError) as info:
        dockgen.generate(tmp_path / "missing")
    assert info.value.hint and info.value.exit_code == 1
    app = make_app(tmp_path / "app")
    with pytest.raises(dockgen.DockgenError, match="unknown template"):
        dockgen.generate(app, template="nope")
    with pytest.raises(dockgen.DockgenError, match="no recorded answers"):
        dockgen.update(app)
    assert not (app / "Dockerfile").exists() and not (app / ".dockgen.toml").exists()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_options_or_keywords_not_both(tmp_path: Path) -> None:
    facts = dockgen.detect(make_app(tmp_path / "app"))
    with pytest.raises(TypeError, match="not both"):
        dockgen.plan(facts, Options(port=1), port=2)
    with pytest.raises(TypeError, match="unknown option"):
        dockgen.plan(facts, prot=8080)  # type: ignore[call-arg]
    assert dockgen.plan(facts, Options(port=9)).port == dockgen.plan(facts, port=9).port == 9


def test_no_cwd_dependence(tmp_path: Path) -> None:
    """The same call from two working directories gives the same files; a relative template_dir is
    relative to the app, not to the working directory."""
    results = []
    for i, cwd in enumerate((tmp_path, Path("/"))):
        app = make_app(tmp_path / f"app{i}")
        (app / "house").mkdir()
        (app / "house" / "node-slim.Dockerfile.j2").write_text('{% include "builtin/node-slim.Dockerfile.j2" %}\n'
                                                                "# house marker\n")
        old = Path.cwd()
        os.chdir(cwd)
        try:
            done = dockgen.generate(app, template="node-slim", template_dir="house")
        finally:
            os.chdir(old)
        results.append({f.path: f.content for f in done.files})
        assert "# house marker" in (app / "Dockerfile").read_text()
    assert results[0] == results[1]


def test_relative_template_dir_needs_a_root(tmp_path: Path) -> None:
    facts = dockgen.detect(make_app(tmp_path / "app"))
    with pytest.raises(dockgen.DockgenError, match="relative"):
        dockgen.plan(facts, template_dir="house")


def test_dry_run_and_no_record_write_only_what_they_say(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    before = snapshot(app)
    done = dockgen.generate(app, dry_run=True)
    assert snapshot(app) == before and all(not o.written for o in done.outcomes)
    dockgen.generate(app, record=False)
    assert set(snapshot(app)) - set(before) == {"Dockerfile", ".dockerignore"}


def test_conflict_writes_nothing_not_even_the_answers(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "django-uv" / "app", app)
    (app / "Dockerfile").write_text("FROM python:3\n")
    before = snapshot(app)
    done = dockgen.generate(app, port=8000)
    assert done.outcomes[0].status is WriteStatus.CONFLICT
    assert done.answers is not None and not done.answers.written
    assert snapshot(app) == before  # pyproject.toml put back byte for byte; no .dockgen/


def test_generate_for_a_python_app(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "flask-module" / "app", app)
    done = dockgen.generate(app)
    assert isinstance(dockgen.detect(app), PythonFacts)
    assert done.plan.template == "python-slim" and done.answers is not None
    assert done.answers.path == ".dockgen.toml"  # no pyproject.toml to record into


def test_a_read_only_file_fails_generate_with_nothing_written(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "django-uv" / "app", app)
    (app / "Dockerfile").write_text("FROM python:3\n")
    os.chmod(app / "Dockerfile", 0o444)  # the answers go into the (writable) pyproject.toml first
    before = snapshot(app)
    with pytest.raises(dockgen.DockgenError, match=r"^Dockerfile is read-only$"):
        dockgen.generate(app, force=True)
    assert snapshot(app) == before  # pyproject.toml put back byte for byte; no .bak, no .dockgen/
    assert stat.S_IMODE((app / "pyproject.toml").stat().st_mode) == 0o644


def test_write_stays_below_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for path in ("../evil", str(tmp_path / "evil")):
        with pytest.raises(dockgen.DockgenError):
            dockgen.write([RenderedFile(path=path, content="pwned\n")], root)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"] and list(root.iterdir()) == []


@pytest.mark.parametrize(("values", "message"), [
    ({"port": "8080"}, "option port='8080' is 'str', not an int"),
    ({"port": True}, "option port=True is 'bool', not an int"),
    ({"port": 0}, "option port=0 is not a TCP port"),
    ({"node_version": 22}, "option node_version=22 is 'int', not a str"),
    ({"allow_list": "yes"}, "option allow_list='yes' is 'str', not a bool"),
    ({"language": "ruby"}, "option language='ruby' is not 'node' or 'python'"),
    ({"template": " "}, "option template is empty"),
])
def test_option_values_are_checked(tmp_path: Path, values: dict[str, object], message: str) -> None:
    """A wrong value is an OptionError (a DockgenError and a TypeError) naming the option, before anything
    is planned or written: never a crash deep inside, never `EXPOSE True`."""
    app = shutil.copytree(FIXTURES / "express-generator" / "app", tmp_path / "app")
    before = snapshot(app)
    facts = dockgen.detect(app)
    for call in (lambda: dockgen.plan(facts, **values), lambda: dockgen.generate(app, **values),  # type: ignore
                 lambda: dockgen.plan(facts, dockgen.Options(**values))):  # type: ignore[arg-type]
        with pytest.raises(dockgen.OptionError) as err:
            call()
        assert str(err.value) == message and err.value.hint
        assert isinstance(err.value, dockgen.DockgenError) and isinstance(err.value, TypeError)
    assert snapshot(app) == before


def test_an_option_for_the_other_language_is_a_warning(tmp_path: Path) -> None:
    node = dockgen.plan(dockgen.detect(FIXTURES / "express-generator" / "app"), python_version="3.13")
    assert [n.message for n in node.notices if "Python apps" in n.message] == [
        "--python-version is for Python apps; this is a Node app: ignored"]
    py = dockgen.plan(dockgen.detect(FIXTURES / "flask-module" / "app"), node_version="24")
    assert any("is for Node apps" in n.message for n in py.notices)


def test_the_types_of_the_signatures_are_importable_from_the_package() -> None:
    for name in ("Facts", "NodeFacts", "PythonFacts", "BuildPlan", "RenderedFile", "WriteOutcome", "WriteStatus",
                 "UpdateResult", "FileUpdate", "Options", "OptionValues", "DockgenError", "ManifestError",
                 "VersionError", "TemplateError", "PlanError", "OptionError"):
        assert getattr(dockgen, name) is not None and name in dir(dockgen)
    assert issubclass(dockgen.VersionError, dockgen.DockgenError)
    hints = typing.get_type_hints(dockgen.update)
    assert hints["return"] is dockgen.UpdateResult


def test_a_read_only_answers_or_rendered_copy_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """generate writes in steps (answers, files, rendered copies): a read-only file any step would change
    is refused first, so not even the answers file is touched (its mtime included)."""
    app = make_app(tmp_path / "app")
    dockgen.generate(app, port=3000)
    copy = app / ".dockgen" / "rendered" / "Dockerfile"
    copy.chmod(0o444)
    answers = app / ".dockgen.toml"
    before, mtime = snapshot(app), answers.stat().st_mtime_ns
    with pytest.raises(dockgen.DockgenError, match=r"\.dockgen/rendered/Dockerfile is read-only"):
        dockgen.generate(app, port=8080, force=True)
    assert snapshot(app) == before and answers.stat().st_mtime_ns == mtime
    again = dockgen.generate(app, port=3000)  # nothing to change: a read-only copy is no obstacle
    assert {o.status.value for o in again.outcomes} == {"identical"}


@pytest.mark.parametrize("options", [{"port": 8080}, "port=8080", 8080])
def test_options_of_the_wrong_kind_are_an_option_error(options: object) -> None:
    """options= takes an Options: a dict is refused up front, not an AttributeError deep inside."""
    facts = dockgen.detect(FIXTURES / "express-generator" / "app")
    with pytest.raises(dockgen.OptionError) as err:
        dockgen.plan(facts, options=options)  # type: ignore[arg-type]
    assert str(err.value) == f"options= takes a dockgen.Options, not {type(options).__name__}"
    assert err.value.hint and "Options(port=8080)" in err.value.hint and "port=8080" in err.value.hint
    assert isinstance(err.value, dockgen.DockgenError) and isinstance(err.value, TypeError)
