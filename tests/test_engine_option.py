"""Issue 12: the modern engine (Docker 23+ with buildx) is the default; Docker 20.10's semantics stay
selectable as `legacy` (`dockgen context --engine`, `engine = ...` in .dockgen.toml / [tool.dockgen])."""

from __future__ import annotations

from pathlib import Path

from dockgen.answers import read_answers, recorded_engine
from dockgen.context import analyze

from .test_cli import run


def _app(root: Path, ignore: str) -> Path:
    for rel in ("Dockerfile", "docs/guide.md", "docs/api/ref.md", "src/app.js"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /app/\n")
    (root / ".dockerignore").write_text(ignore)
    return root


def test_default_is_buildkit_and_legacy_is_selectable(tmp_path: Path) -> None:
    app = _app(tmp_path / "app", "*\n!**/*.md\n")
    modern = analyze(app, listing=True).walk.listing
    legacy = analyze(app, listing=True, engine="legacy").walk.listing
    # buildkit walks into the directories `*` excluded to find the re-included Markdown; Docker 20.10 does not
    assert modern == ["docs/", "docs/api/", "docs/api/ref.md", "docs/guide.md"]
    assert legacy == []
    out = run("context", app, "--list").stdout.split()
    assert out == ["docs/api/ref.md", "docs/guide.md"]
    assert run("context", app, "--list", "--engine", "legacy").stdout.split() == []
    (app / ".dockgen.toml").write_text('engine = "legacy"\n')
    assert recorded_engine(app) == "legacy" and read_answers(app).engine == "legacy"
    assert run("context", app, "--list").stdout.split() == []
    assert run("context", app, "--list", "--engine", "buildkit").stdout.split() == out  # the flag wins


def test_pyproject_records_the_engine(tmp_path: Path) -> None:
    app = _app(tmp_path / "app", "c++\n")
    (app / "c++").write_text("x\n")
    (app / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.dockgen]\nengine = "legacy"\n')
    proc = run("context", app)
    # Docker 20.10 turns `c++` into a broken regexp and fails the build; buildkit quotes the +
    assert proc.returncode == 1 and "invalid nested repetition operator" in proc.stderr, proc.stderr
    assert run("context", app, "--engine", "buildkit").returncode == 0


def test_an_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    app = _app(tmp_path / "app", "")
    proc = run("context", app, "--engine", "docker19")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error: --engine: 'docker19' is not an engine dockgen knows" in proc.stderr
    assert "hint:" in proc.stderr and "buildkit" in proc.stderr and "legacy" in proc.stderr
    (app / ".dockgen.toml").write_text("engine = 20\n")
    proc = run("context", app)
    assert proc.returncode == 1 and "error: .dockgen.toml: engine: 20 is not an engine" in proc.stderr, proc.stderr
    proc = run("init", app, "--dry-run")
    assert "Traceback" not in proc.stderr and "engine: 20 is not an engine" in proc.stderr, proc.stderr


def test_a_bad_regexp_fails_only_when_buildkit_evaluates_it(tmp_path: Path) -> None:
    from dockgen.dockerignore import parse

    app = _app(tmp_path / "app", "*\n[z-a]\n")
    # moby/patternmatcher compiles lazily: once `*` excluded everything, `[z-a]` is never tried
    assert analyze(app, listing=True).walk.listing == []
    (app / ".dockerignore").write_text("[z-a]\n")
    proc = run("context", app)
    assert proc.returncode == 1 and "failed to match excludepatterns" in proc.stderr and "Traceback" not in proc.stderr
    assert parse("[z-a]\n").patterns[0].error is not None


def test_init_and_suggest_measure_with_the_recorded_engine(tmp_path: Path) -> None:
    """init, update and `context --suggest` match the rules as the app's engine does: a user's `docs/**/x+`
    line is a literal `+` for buildkit and a repetition for Docker 20.10 (then `x+` matches `xx`)."""
    import json

    from .apps import make_app

    app = make_app(tmp_path / "app", files={"docs/a/xx": "y" * 5000, "docs/a/x+": "z" * 7000})
    (app / ".dockerignore").write_text("docs/**/x+\n")
    modern = json.loads(run("init", app, "--dry-run", "--json").stdout)
    suggest_modern = json.loads(run("context", app, "--suggest", "--json").stdout)["suggestion"]
    (app / ".dockgen.toml").write_text('engine = "legacy"\n')
    legacy = json.loads(run("init", app, "--dry-run", "--json").stdout)
    suggest_legacy = json.loads(run("context", app, "--suggest", "--json").stdout)["suggestion"]
    # buildkit keeps out docs/a/x+ (7,000 bytes), Docker 20.10 docs/a/xx (5,000 bytes): 2,000 more are sent
    assert legacy["context"]["sent_bytes"] - modern["context"]["sent_bytes"] == 2000, (modern["context"],
                                                                                       legacy["context"])
    assert suggest_legacy["sent_bytes"] - suggest_modern["sent_bytes"] == 2000


def test_init_takes_the_engine_as_an_option_and_records_it(tmp_path: Path) -> None:
    """`init --engine legacy` measures as Docker 20.10 (the same 2,000 bytes as a recorded engine), records
    `engine = "legacy"`, and writes the same Dockerfile as the default but for the stamp's options."""
    import json
    import tomllib

    from .apps import make_app

    files = {"docs/a/xx": "y" * 5000, "docs/a/x+": "z" * 7000}
    modern_app = make_app(tmp_path / "modern", files=files)
    legacy_app = make_app(tmp_path / "legacy", files=files)
    for app in (modern_app, legacy_app):
        (app / ".dockerignore").write_text("docs/**/x+\n")
    modern = json.loads(run("init", modern_app, "--json", "--force").stdout)  # merged into the user's
    legacy = json.loads(run("init", legacy_app, "--json", "--force", "--engine", "legacy").stdout)
    assert legacy["context"]["sent_bytes"] - modern["context"]["sent_bytes"] == 2000
    assert tomllib.loads((legacy_app / ".dockgen.toml").read_text())["engine"] == "legacy"
    assert "engine" not in tomllib.loads((modern_app / ".dockgen.toml").read_text())  # only what was given
    assert recorded_engine(legacy_app) == "legacy" and read_answers(legacy_app).options.engine == "legacy"

    def body(app: Path) -> list[str]:
        return [ln for ln in (app / "Dockerfile").read_text().splitlines() if not ln.startswith("# dockgen-stamp:")]

    assert body(modern_app) == body(legacy_app) and "--link" not in (legacy_app / "Dockerfile").read_text()
    assert "options=engine:legacy" in (legacy_app / "Dockerfile").read_text()
    plan = json.loads(run("plan", legacy_app, "--json").stdout)  # the recorded answer, as `plan` reads it
    assert plan["engine"] == "legacy"
    assert [d["choice"] for d in plan["decisions"] if d["topic"] == "engine"] == ["legacy"]
    assert json.loads(run("plan", legacy_app, "--json", "--engine", "buildkit").stdout)["engine"] == "buildkit"
    # a re-run reproduces the files; `check` agrees; update --write with another engine records it
    assert run("init", legacy_app, "--check").returncode == 0
    assert run("check", legacy_app).returncode == 0
    assert run("update", legacy_app, "--engine", "buildkit", "--write").returncode == 0
    assert tomllib.loads((legacy_app / ".dockgen.toml").read_text())["engine"] == "buildkit"


def test_the_engine_option_is_checked_everywhere(tmp_path: Path) -> None:
    import pytest

    import dockgen
    from dockgen.errors import OptionError

    from .apps import make_app

    app = make_app(tmp_path / "app")
    with pytest.raises(OptionError, match="engine='docker19' is not an engine"):
        dockgen.generate(app, engine="docker19", dry_run=True)
    assert dockgen.plan(dockgen.detect(app), engine="legacy").engine == "legacy"
    assert dockgen.plan(dockgen.detect(app)).engine == "buildkit"
    for command in ("init", "plan", "update", "migrate"):
        proc = run(command, app, "--engine", "podman")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (command, proc.stderr)
        assert "--engine: 'podman' is not an engine dockgen knows" in proc.stderr, (command, proc.stderr)
    (app / ".dockgen.toml").write_text('engine = "Legacy"\n')  # as `context` reads it: case and spaces forgiven
    assert read_answers(app).options.engine == "legacy"


def test_migrate_measures_with_the_recorded_engine(tmp_path: Path) -> None:
    from dockgen.migrate import migrate

    from .apps import make_app

    app = make_app(tmp_path / "app", files={"docs/a/xx": "y" * 5000, "docs/a/x+": "z" * 7000})
    (app / "Dockerfile").write_text("FROM node:14\nWORKDIR /app\nCOPY . ./\nRUN npm install\nCMD [\"node\", "
                                    "\"server.js\"]\n")
    (app / ".dockerignore").write_text("docs/**/x+\n")
    modern = migrate(app)
    (app / ".dockgen.toml").write_text('engine = "legacy"\n')
    legacy = migrate(app)
    assert modern.plan.engine == "buildkit" and legacy.plan.engine == "legacy"
    assert next(d.why for d in legacy.plan.decisions if d.topic == "engine").startswith("the recorded answers' engine")
