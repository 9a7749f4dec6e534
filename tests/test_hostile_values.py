"""Property: hostile values in package.json never add or change an instruction of the Dockerfile.

Names, descriptions, scripts, main and engines may hold newlines, quotes, `$`, backslashes and any
unicode. They reach the Dockerfile only as escaped LABEL values, JSON exec-form arguments and
comments, so Docker's own parser must see the same instruction list as for a benign package.json.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockgen.detect import detect
from dockgen.errors import DockgenError
from dockgen.plan import plan_node
from dockgen.render import render

from .apps import LOCK_V3
from .dockerfile_checks import hadolint_findings, parse

PIECES = [*"aZ09 .-_/\\\"'$`{}()[];&|<>#=\n\r\t\x00\x7fé😀\u2028",
          "\\\n", "$(rm -rf /)", "${HOME}", "\nRUN rm -rf /\n", "\\\"", "\"]", "\\\\", "# syntax=x"]
NASTY = st.lists(st.sampled_from(PIECES), max_size=12).map("".join) | st.text(max_size=20)


def shape(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.cmd.upper(), tuple(c.flags)) for c in parse(text)]


def build(pkg: dict[str, Any]) -> tuple[Any, str] | None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "package.json").write_text(json.dumps(pkg), encoding="utf-8")
        (root / "package-lock.json").write_text(json.dumps(LOCK_V3), encoding="utf-8")
        (root / "server.js").write_text("require('http').createServer().listen(process.env.PORT || 3000)\n")
        try:
            plan = plan_node(detect(root))
        except DockgenError as exc:
            assert "\n" not in exc.message, "errors are one line"
            return None
        return plan, render(plan)[0].content


BENIGN = {"name": "app", "version": "1.0.0", "description": "d", "license": "MIT",
          "repository": "https://github.com/o/r", "main": "server.js", "scripts": {"start": "node server.js"},
          "dependencies": {"express": "^4"}}
_base = build(BENIGN)
assert _base is not None
BASE_SHAPE = shape(_base[1])


def unquote(value: str) -> str:
    assert value.startswith('"') and value.endswith('"')
    out, i, body = [], 0, value[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NASTY, description=NASTY, version=NASTY, license=NASTY, repository=NASTY, start=NASTY, main=NASTY,
       engines=st.one_of(st.none(), NASTY, st.sampled_from([">=20", "^22 || ^24", "22"])))
@example(name="x\nRUN rm -rf /", description='" \\\nUSER root', version="$(id)", license="\\", repository="",
         start='node "a\nb" \\\nRUN x', main="s\nUSER 0", engines=None)
# CI found this one: a start file under a directory a category rule excludes (.gradle) tripped render's check
@example(name="", description="", version="", license="", repository="", start=".gradle", main="", engines=None)
def test_hostile_values_never_change_the_instructions(name: str, description: str, version: str, license: str,
                                                      repository: str, start: str, main: str,
                                                      engines: str | None) -> None:
    pkg: dict[str, Any] = {**BENIGN, "name": name, "description": description, "version": version,
                           "license": license, "repository": repository, "main": main, "scripts": {"start": start}}
    if engines is not None:
        pkg["engines"] = {"node": engines}
    built = build(pkg)
    if built is None:
        return
    plan, text = built
    cmds = parse(text)
    assert shape(text) == BASE_SHAPE, text
    label = [c for c in cmds if c.cmd.upper() == "LABEL"]
    assert len(label) == 1
    values = label[0].value
    got = {values[i]: unquote(values[i + 1]) for i in range(0, len(values), 2)}
    assert got == dict(plan.labels)
    for value in got.values():
        assert value.isprintable()
    cmd = [c for c in cmds if c.cmd.upper() == "CMD"][-1]
    assert cmd.json and tuple(cmd.value) == plan.cmd
    assert all(not line.startswith("#") or line.isprintable() for line in text.splitlines())
    assert hadolint_findings(text) == []


def test_a_hostile_dockerfile_is_still_hadolint_clean() -> None:
    pkg = {**BENIGN, "name": "évil\"app$HOME\\", "description": "line1\nRUN rm -rf /\n\"quoted\" $(id) `x`",
           "scripts": {"start": 'TITLE="a b" node "server file.js" --title="é \\"x\\" 😀" \'{"a": [1]}\''}}
    built = build(pkg)
    assert built is not None
    plan, text = built
    assert plan.cmd == ("/nodejs/bin/node", "server file.js", '--title=é "x" 😀', '{"a": [1]}')
    assert plan.env["TITLE"] == "a b"
    assert shape(text) == BASE_SHAPE
    assert hadolint_findings(text) == []


# -- Python: hostile values in pyproject.toml --------------------------------------------------------------

def build_python(name: str, description: str, script: str, requires: str | None) -> tuple[Any, str] | None:
    import tomllib

    lines = ["[project]", f"name = {json.dumps(name)}", f"description = {json.dumps(description)}",
             "dependencies = []"]
    if requires is not None:
        lines.append(f"requires-python = {json.dumps(requires)}")
    lines += ["[project.scripts]", f"{json.dumps(script)} = \"pkg.cli:main\"",
              "[build-system]", "requires = [\"hatchling\"]", "build-backend = \"hatchling.build\""]
    text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None  # not a pyproject a user could have (json.dumps escapes are TOML basic strings)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text(text, encoding="utf-8")
        (root / "uv.lock").write_text("version = 1\n")
        (root / "pkg").mkdir()
        (root / "pkg" / "__init__.py").write_text("")
        (root / "pkg" / "cli.py").write_text("def main():\n    pass\n")
        try:
            plan = plan_node_or_python(root)
        except DockgenError as exc:
            assert "\n" not in exc.message
            return None
        return plan, render(plan)[0].content


def plan_node_or_python(root: Path) -> Any:
    from dockgen.plan import plan_app

    return plan_app(detect(root))


_py_base = build_python("app", "d", "serve", ">=3.11")
assert _py_base is not None
PY_SHAPE = shape(_py_base[1])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NASTY, description=NASTY, script=NASTY, requires=st.one_of(st.none(), NASTY, st.just(">=3.12")))
@example(name="x\nRUN rm -rf /", description='" \\\nUSER root', script="serve\nUSER 0", requires=None)
def test_hostile_pyproject_never_changes_the_instructions(name: str, description: str, script: str,
                                                          requires: str | None) -> None:
    built = build_python(name, description, script, requires)
    if built is None:
        return
    plan, text = built
    assert shape(text) == PY_SHAPE, text
    label = next(c for c in parse(text) if c.cmd.upper() == "LABEL")
    got = {label.value[i]: unquote(label.value[i + 1]) for i in range(0, len(label.value), 2)}
    assert got == dict(plan.labels)
    cmd = [c for c in parse(text) if c.cmd.upper() == "CMD"][-1]
    assert cmd.json and tuple(cmd.value) == plan.cmd
    assert hadolint_findings(text) == []
