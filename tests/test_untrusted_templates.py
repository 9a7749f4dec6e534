"""Issue 11, item 1: a cloned repository's templates cannot run code, read files outside it, or hang dockgen.

The repository ships a template directory and records it (``template-dir`` in .dockgen.toml, or the
Dockerfile stamp's options). Every known Jinja escape is tried on every command that renders
(`init --dry-run`, `init --check`, `check`, `update`, `migrate`): none may run anything (a marker file
would appear), each ends in one ``error:`` line and one ``hint:`` line with exit 1. Loop, size and memory
bombs end within the render budget. A recorded template directory that leads out of the checkout is refused
unless the user names it on the command line.
"""

from __future__ import annotations

import importlib
import os
import shutil
import time
from pathlib import Path

import pytest

import dockgen
from dockgen.errors import DockgenError, TemplateError

from .apps import make_app
from .test_cli import run

render = importlib.import_module("dockgen.render")  # the module (dockgen.render is also a function)

BUILTIN = Path(dockgen.__file__).parent / "templates" / "node-distroless.Dockerfile.j2"

# {MARK} is replaced by a path; a payload that escapes the sandbox creates that file.
ESCAPES = {
    "cycler globals": "{{ cycler.__init__.__globals__.os.system('touch {MARK}') }}",
    "joiner globals": "{{ joiner.__init__.__globals__.os.system('touch {MARK}') }}",
    "namespace globals": "{{ namespace.__init__.__globals__.os.system('touch {MARK}') }}",
    "lipsum globals": "{{ lipsum.__globals__['os'].system('touch {MARK}') }}",
    "range globals": "{{ range.__globals__['os'].system('touch {MARK}') }}",
    "mro subclasses": "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
                      "{{ c(['touch', '{MARK}']) }}{% endif %}{% endfor %}",
    "template reference": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system("
                          "'touch {MARK}') }}",
    "plan class globals": "{{ plan.__class__.__init__.__globals__['os'].system('touch {MARK}') }}",
    "attr filter": "{{ (plan|attr('__class__')|attr('__init__')|attr('__globals__'))['os'].system('touch {MARK}') }}",
    "escaped attr name": "{{ (cycler|attr('\\x5f\\x5finit\\x5f\\x5f')|attr('\\x5f\\x5fglobals\\x5f\\x5f'))"
                         "['os'].system('touch {MARK}') }}",
    "format string": "{{ '{0.__class__.__init__.__globals__}'.format(plan) }}",
    "filter registry": "{{ (plan|map(attribute='__class__')|list) }}",
    "mutation": "{% set _ = plan.env.update({'MARK': '{MARK}'}) %}{{ plan.env }}",
    "list mutation": "{% set items = [1] %}{{ items.append(2) }}",
    "environment": "{{ self.__init__.__globals__ }}",
}

BOMBS = {
    "nested range": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "huge range": "{{ range(10 ** 10) | list }}",
    "string multiply": "{{ 'x' * 1000000000 }}",
    "power": "{{ 10 ** 100000000 }}",
    "output flood": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
    "percent width": "{{ '%999999999d' % 1 }}",
    "center": "{{ 'x' | center(999999999) }}",
    "recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "join flood": "{{ ('x' * 100000) | wordwrap(99999999) }}",
}


def _repo_with(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """An app whose recorded answers use its own .tpl/ directory, holding ``body`` as node-distroless."""
    mark = tmp_path / "PWNED"
    app = make_app(tmp_path / "app")
    (app / ".git").mkdir()
    tpl = app / ".tpl"
    tpl.mkdir()
    (tpl / "node-distroless.Dockerfile.j2").write_text("FROM scratch\n" + body.replace("{MARK}", str(mark)) + "\n")
    (app / ".dockgen.toml").write_text('template-dir = ".tpl"\n')
    return app, mark


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_no_escape_runs_code_through_the_api(tmp_path: Path, name: str) -> None:
    app, mark = _repo_with(tmp_path, ESCAPES[name])
    before = _snapshot(app)
    with pytest.raises(TemplateError) as caught:
        dockgen.generate(app, dry_run=True)
    assert not mark.exists(), f"{name}: the template ran a command"
    assert "\n" not in caught.value.message and caught.value.hint and "\n" not in caught.value.hint
    assert _snapshot(app) == before


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_end_within_the_budget(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 3.0)
    app, _ = _repo_with(tmp_path, BOMBS[name])
    started = time.monotonic()
    with pytest.raises(DockgenError) as caught:  # a TemplateError, or Docker's parser refusing a 64 KiB line
        dockgen.generate(app, dry_run=True)
    took = time.monotonic() - started
    assert took < 3.0 + 5 + 2, f"{name}: {took:.1f} s"
    assert caught.value.hint, name


def test_a_memory_bomb_in_one_call_ends_the_child_not_dockgen(tmp_path: Path) -> None:
    """One C-level allocation of 4 GB: no cooperative check sees it; the forked child's memory limit does."""
    app, _ = _repo_with(tmp_path, "{{ ('x' * 999999) | replace('x', 'x' * 4000) }}")
    with pytest.raises(TemplateError) as caught:
        dockgen.generate(app, dry_run=True)
    assert "MiB" in caught.value.message or "limit" in caught.value.message


def test_templates_still_render_what_dockgen_needs(tmp_path: Path) -> None:
    """The sandbox lets a real template do its job: a copy of the built-in renders the same file."""
    app, _ = _repo_with(tmp_path, "")
    shutil.copy(BUILTIN, app / ".tpl" / "node-distroless.Dockerfile.j2")
    mine = next(f.content for f in dockgen.generate(app, dry_run=True).files if f.path == "Dockerfile")
    (app / ".dockgen.toml").unlink()
    theirs = next(f.content for f in dockgen.generate(app, dry_run=True).files if f.path == "Dockerfile")
    body = [line for line in mine.splitlines() if "dockgen-stamp" not in line]
    assert body == [line for line in theirs.splitlines() if "dockgen-stamp" not in line]


COMMANDS = [("init", "--dry-run"), ("init", "--check"), ("check",), ("update",), ("migrate",)]


@pytest.mark.parametrize("payload", ["cycler globals", "mro subclasses", "template reference"])
def test_no_command_runs_a_repositorys_template_code(tmp_path: Path, payload: str) -> None:
    """The repository is first initialised with a harmless copy of the built-in (so it has a stamped
    Dockerfile recording the template directory), then its template is swapped for the payload, as a
    pull request would."""
    app, mark = _repo_with(tmp_path, "")
    tpl = app / ".tpl" / "node-distroless.Dockerfile.j2"
    shutil.copy(BUILTIN, tpl)
    assert run("init", app).returncode == 0
    tpl.write_text(tpl.read_text() + ESCAPES[payload].replace("{MARK}", str(mark)) + "\n")
    before = _snapshot(app)
    for command in COMMANDS:
        proc = run(*command[:1], app, *command[1:])
        assert not mark.exists(), f"{command}: the template ran a command"
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        lines = proc.stderr.splitlines()
        assert lines[0].startswith("error: ") and lines[1].startswith("hint: ") and len(lines) == 2, proc.stderr
        assert "Traceback" not in proc.stderr
    assert _snapshot(app) == before


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink"])
def test_a_recorded_template_dir_stays_inside_the_checkout(tmp_path: Path, where: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "node-distroless.Dockerfile.j2").write_text("FROM scratch\n# outside\n")
    app = make_app(tmp_path / "repo" / "app")
    (tmp_path / "repo" / ".git").mkdir()
    recorded = {"absolute": str(outside), "dotdot": "../../elsewhere", "symlink": ".tpl"}[where]
    if where == "symlink":
        (app / ".tpl").symlink_to(outside)
    (app / ".dockgen.toml").write_text(f'template-dir = "{recorded}"\n')
    before = _snapshot(app)
    for command in (("init", "--dry-run"), ("init",), ("update",), ("templates",)):
        proc = run(*command[:1], app, *command[1:])
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert "leads outside the repository" in proc.stderr and "hint: " in proc.stderr, proc.stderr
    assert _snapshot(app) == before
    named = run("init", app, "--dry-run", "--diff", "--template-dir", outside)  # the user's own choice: used
    assert named.returncode == 0 and "# outside" in named.stdout, named.stderr


def test_a_stamped_template_dir_outside_is_refused_by_check(tmp_path: Path) -> None:
    """No answers file: `check` re-plans with the stamp's options; a stamp naming /elsewhere is refused."""
    app = make_app(tmp_path / "app")
    (app / ".git").mkdir()
    assert run("init", app, "--no-record").returncode == 0
    dockerfile = app / "Dockerfile"
    text = dockerfile.read_text()
    stamp = next(line for line in text.splitlines() if "dockgen-stamp" in line)
    forged = stamp.replace("options=-", f"options=template_dir:{tmp_path}") if "options=-" in stamp else \
        stamp.replace("options=", f"options=template_dir:{tmp_path},")
    dockerfile.write_text(text.replace(stamp, forged))
    proc = run("check", app)
    assert proc.returncode == 1 and "leads outside the repository" in proc.stderr, proc.stderr


def test_a_symlinked_template_file_cannot_read_outside(tmp_path: Path) -> None:
    """A template (or an include) that is a link to a file outside the directory is not read: its text
    would land in the Dockerfile."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET\n")
    app, _ = _repo_with(tmp_path, "{% include 'leak.j2' %}")
    (app / ".tpl" / "leak.j2").symlink_to(secret)
    with pytest.raises(TemplateError) as caught:
        dockgen.generate(app, dry_run=True)
    assert "TOP-SECRET" not in caught.value.message
    os.unlink(app / ".tpl" / "node-distroless.Dockerfile.j2")
    (app / ".tpl" / "node-distroless.Dockerfile.j2").symlink_to(secret)
    with pytest.raises(TemplateError):
        dockgen.generate(app, dry_run=True)


def test_rendering_a_repositorys_template_in_a_thread_is_bounded_too(tmp_path: Path) -> None:
    """The API called from a worker thread: the deadline is per thread, and the render still ends."""
    import threading

    app, _ = _repo_with(tmp_path, BOMBS["nested range"])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            dockgen.generate(app, dry_run=True)
        except BaseException as exc:
            errors.append(exc)

    old = render.RENDER_SECONDS
    render.RENDER_SECONDS = 2.0
    try:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(30)
    finally:
        render.RENDER_SECONDS = old
    assert not worker.is_alive() and len(errors) == 1 and isinstance(errors[0], TemplateError)


def test_the_readme_states_the_trust_model() -> None:
    readme = (Path(dockgen.__file__).parents[2] / "README.md").read_text()
    assert "## Trust model" in readme

