"""Golden fixtures: one folder per case under fixtures/apps (app/ input tree, case.toml options,
expected/ output). `pytest --update-goldens` regenerates expected/; review the diff, never hand-edit."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from dockgen.api import measure
from dockgen.detect import detect
from dockgen.model import to_jsonable
from dockgen.plan import Options, plan_app
from dockgen.render import render
from dockgen.summary import summarize

from .conftest import FIXTURES
from .dockerfile_checks import check_invariants, hadolint_findings

CASES = sorted(p.parent.name for p in FIXTURES.glob("*/case.toml"))


def load_case(name: str) -> tuple[Path, Options, dict[str, object]]:
    case_dir = FIXTURES / name
    case = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))
    opts = case.get("options", {})
    return case_dir / "app", Options(**opts), case


def outputs(name: str) -> dict[str, str]:
    app, options, _ = load_case(name)
    plan = plan_app(detect(app), options)
    files = {f.path: f.content for f in render(plan)}
    files[".dockerignore"] = measure(app, plan).file.content
    return {
        "plan.json": json.dumps(to_jsonable(plan), indent=2, ensure_ascii=False) + "\n",
        "detect.json": json.dumps(summarize(app, options), indent=2, ensure_ascii=False) + "\n",
        "Dockerfile": files["Dockerfile"],
        ".dockerignore": files[".dockerignore"],
    }


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, update_goldens: bool) -> None:
    expected_dir = FIXTURES / name / "expected"
    got = outputs(name)
    if update_goldens:
        expected_dir.mkdir(exist_ok=True)
        for fname, text in got.items():
            (expected_dir / fname).write_text(text, encoding="utf-8")
    missing = [f for f in got if not (expected_dir / f).exists()]
    assert not missing, f"no golden {missing} for {name}: run pytest --update-goldens and review the diff"
    for fname, text in got.items():
        assert (expected_dir / fname).read_text(encoding="utf-8") == text, (
            f"{name}/expected/{fname} differs: run pytest --update-goldens and review the diff")


@pytest.mark.parametrize("name", CASES)
def test_golden_dockerfile_is_clean(name: str) -> None:
    """Every generated Dockerfile: Docker's parser, dockgen's invariants, hadolint with no findings."""
    app, options, _ = load_case(name)
    plan = plan_app(detect(app), options)
    text = render(plan)[0].content
    check_invariants(text, port=plan.port, init=plan.init or None)
    assert hadolint_findings(text) == []


@pytest.mark.parametrize("name", CASES)
def test_dockerignore_never_excludes_what_the_dockerfile_copies(name: str) -> None:
    """Every path the Dockerfile copies from the build context (the manifests, the entry point when
    the sources are copied) exists and gets through the measured .dockerignore."""
    from dockgen.context import _Matcher, path_is_sent
    from dockgen.dockerignore import parse as parse_ignore

    from .dockerfile_checks import parse

    app, options, _ = load_case(name)
    plan = plan_app(detect(app), options)
    matcher = _Matcher(parse_ignore(measure(app, plan).file.content))
    needed = [p for p in plan.context_needs if p != "."]
    if "." in plan.context_needs and plan.start_command:
        needed += [a for a in plan.start_command[1:2] if (app / a).is_file()]
    copied = [v for c in parse(render(plan)[0].content) if c.cmd.upper() == "COPY"
              and not any(f.startswith("--from=") for f in c.flags) for v in c.value[:-1] if v != "."]
    assert set(copied) <= set(plan.context_needs), f"the Dockerfile copies {copied}, the plan says {plan.context_needs}"
    for path in needed:
        assert (app / path).exists(), f"the Dockerfile copies {path}, which the app does not have"
        assert path_is_sent(matcher, path)[0] == "sent", f"the measured .dockerignore excludes {path}"


def test_every_case_has_an_app_tree() -> None:
    assert CASES, "no fixtures found"
    manifests = ("package.json", "pyproject.toml", "requirements.txt", "Pipfile", "setup.py")
    for name in CASES:
        assert any((FIXTURES / name / "app" / m).exists() for m in manifests), name
