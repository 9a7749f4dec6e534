"""Issue 11, item 7: `dockgen check` in CI fails on what changes the image, not on bookkeeping.

By default a change that leaves the instructions as dockgen renders them (a lockfile edit that changes
no instruction, a newer dockgen that renders the same body, a version bump by a dependency bot that dockgen
renders exactly for that version) passes with a note; ``--strict`` fails on it (exit 4) as before. A bot's
bump is named as one, with the command that records it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dockgen.pins import default_pins

from .apps import make_app
from .test_cli import run

FIXTURES = Path(__file__).parent.parent / "fixtures" / "apps"


def _node_app(tmp_path: Path) -> Path:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    assert run("check", app).returncode == 0
    return app


def _check(app: Path, *args: str) -> tuple[int, dict[str, object]]:
    proc = run("check", app, "--json", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _set_arg(app: Path, name: str, value: str) -> str:
    dockerfile = app / "Dockerfile"
    text = dockerfile.read_text()
    old = re.search(rf"^ARG {name}=(\S+)$", text, re.M)
    assert old is not None, f"no ARG {name}= in the Dockerfile"
    dockerfile.write_text(text.replace(old.group(0), f"ARG {name}={value}"))
    return old.group(1)


def test_a_lockfile_change_that_changes_no_instruction_passes_with_a_note(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    lock = json.loads((app / "package-lock.json").read_text())
    lock["packages"]["node_modules/left-pad"] = {"version": "1.3.0", "license": "WTFPL"}
    (app / "package-lock.json").write_text(json.dumps(lock, indent=2))
    code, data = _check(app)
    assert code == 0 and data["status"] == "current", data
    assert "package-lock.json changed" in data["notes"]  # type: ignore[operator]
    code, data = _check(app, "--strict")
    assert code == 4 and data["status"] == "stale" and "package-lock.json changed" in data["reasons"]
    text = run("check", app)
    assert text.returncode == 0 and "note: package-lock.json changed" in text.stdout


def test_a_newer_dockgen_rendering_the_same_body_passes_with_a_note(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(re.sub(r"version=\S+", "version=0.0.1", dockerfile.read_text(), count=1))
    code, data = _check(app)
    assert code == 0 and data["status"] == "current", data
    assert any("dockgen 0.0.1 wrote it" in n for n in data["notes"]), data  # type: ignore[union-attr]
    assert _check(app, "--strict")[0] == 4


def test_a_lockfile_change_that_changes_the_dockerfile_still_fails(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    pkg = json.loads((app / "package.json").read_text())
    pkg["engines"] = {"node": "22.x"}  # another Node line: the image changes
    (app / "package.json").write_text(json.dumps(pkg))
    for args in ((), ("--strict",)):
        code, data = _check(app, *args)
        assert code == 4 and data["status"] == "stale" and data["diff"], data


def test_a_bot_bumping_node_within_what_dockgen_renders_passes_and_says_so(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    current = re.search(r"^ARG NODE_VERSION=(\S+)$", (app / "Dockerfile").read_text(), re.M)
    assert current is not None
    major = int(current.group(1).split(".")[0])
    older = [r.version for r in default_pins().node.releases if r.major == major and r.version != current.group(1)]
    bumped = older[-1]
    _set_arg(app, "NODE_VERSION", bumped)
    code, data = _check(app)
    assert code == 0 and data["status"] == "current", data
    assert data["bumps"] == [{"arg": "NODE_VERSION", "dockgen": current.group(1), "file": bumped}]
    notes = " ".join(data["notes"])  # type: ignore[arg-type]
    assert "Renovate or Dependabot" in notes and f"dockgen update --node-version {bumped} --write" in notes
    code, data = _check(app, "--strict")
    assert code == 4 and data["status"] == "edited" and data["bumps"]
    assert any("Renovate or Dependabot" in r for r in data["reasons"])  # type: ignore[union-attr]
    assert run("update", app, "--node-version", bumped, "--write").returncode == 0  # the command it names works
    assert _check(app, "--strict")[0] == 0


def test_a_bot_bumping_node_across_majors_fails_and_says_what_to_run(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    newest = default_pins().node.releases[-1].version
    old = _set_arg(app, "NODE_VERSION", newest)
    assert old.split(".")[0] != newest.split(".")[0]
    code, data = _check(app)
    assert code == 4 and data["status"] == "edited", data
    assert data["bumps"] == [{"arg": "NODE_VERSION", "dockgen": old, "file": newest}]
    assert any(f"dockgen update --node-version {newest} --write" in r for r in data["reasons"])  # type: ignore[union-attr]


def test_a_bot_bumping_a_pin_dockgen_owns_is_named_and_fails(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    _set_arg(app, "TINI_VERSION", "0.19.0-9")
    code, data = _check(app)
    assert code == 4 and data["status"] == "edited"
    assert data["bumps"] and data["bumps"][0]["arg"] == "TINI_VERSION"  # type: ignore[index]
    assert any("dockgen pins TINI_VERSION itself" in r for r in data["reasons"])  # type: ignore[union-attr]


def test_a_bot_bumping_python_is_checked_the_same_way(tmp_path: Path) -> None:
    app = shutil.copytree(FIXTURES / "fastapi-uv" / "app", tmp_path / "app")
    assert run("init", app).returncode == 0
    text = (app / "Dockerfile").read_text()
    current = re.search(r"^ARG PYTHON_VERSION=(\d+)\.(\d+)\.(\d+)$", text, re.M)
    assert current is not None
    patch = int(current.group(3))
    if patch == 0:
        pytest.skip("no earlier patch release of this CPython line to bump from")
    bumped = f"{current.group(1)}.{current.group(2)}.{patch - 1}"
    _set_arg(app, "PYTHON_VERSION", bumped)
    code, data = _check(app)
    assert data["bumps"] == [{"arg": "PYTHON_VERSION", "dockgen": current.group(0).split("=")[1], "file": bumped}]
    # python-slim names the base image in an OCI label: dockgen's render follows the bump there too, so the
    # file is not what dockgen writes for that version, and the reason says what to run
    assert code == 4 and any(f"dockgen update --python-version {bumped} --write" in r
                             for r in data["reasons"]), data  # type: ignore[union-attr]
    assert run("update", app, "--python-version", bumped, "--write").returncode == 0
    assert _check(app, "--strict")[0] == 0


def test_a_hand_edit_is_not_a_bump(tmp_path: Path) -> None:
    app = _node_app(tmp_path)
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("\nUSER ", "\nRUN echo hi\nUSER ", 1))
    for args in ((), ("--strict",)):
        code, data = _check(app, *args)
        assert code == 4 and data["status"] == "edited" and not data["bumps"], data
