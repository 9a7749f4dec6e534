"""Recording the answers into real pyproject.toml files (fixtures/pyproject: 31 files of well-known projects,
8 with [tool.*] tables split around other tables) never crashes and never changes anything but
[tool.dockgen]; Hypothesis then shuffles their tables (any valid order) and the values recorded."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dockgen.answers import read_answers, render_answers
from dockgen.errors import DockgenError
from dockgen.model import Language
from dockgen.plan import Options

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "pyproject"
FILES = sorted(CORPUS.glob("*.toml"))
OPTIONS = st.builds(Options, port=st.one_of(st.none(), st.integers(1, 65535)),
                    python_version=st.one_of(st.none(), st.sampled_from(["3.13", ">=3.12", "3.14.1"])),
                    template=st.one_of(st.none(), st.sampled_from(["python-slim", "python-distroless"])))


def _without_answers(data: dict[str, Any]) -> dict[str, Any]:
    tool = data.get("tool")
    if not isinstance(tool, dict) or "dockgen" not in tool:
        return data
    rest = {k: v for k, v in tool.items() if k != "dockgen"}
    return {k: v for k, v in data.items() if k != "tool"} | ({"tool": rest} if rest else {})


def _record(tmp: Path, text: str, options: Options) -> None:
    (tmp / "pyproject.toml").write_text(text, encoding="utf-8")
    before = tomllib.loads(text)
    try:
        rendered = render_answers(tmp, options, Language.PYTHON)
    except DockgenError:
        return  # a clear error is allowed (e.g. `tool` that is not a table); a traceback is not
    after = tomllib.loads(rendered.content)
    assert _without_answers(after) == _without_answers(before), "only [tool.dockgen] may change"
    table = after["tool"]["dockgen"]
    assert table.get("port") == options.port
    assert table.get("python-version") == options.python_version
    (tmp / "pyproject.toml").write_text(rendered.content, encoding="utf-8")
    assert read_answers(tmp).options == options  # and read back as recorded


def test_the_corpus_has_out_of_order_tool_tables() -> None:
    def split(text: str) -> bool:
        heads = [ln.strip("[] \n").split(".")[0] for ln in text.splitlines() if ln.startswith("[")]
        tools = [i for i, h in enumerate(heads) if h == "tool"]
        return any(h != "tool" for h in heads[tools[0]:tools[-1]]) if tools else False

    assert len(FILES) >= 30
    assert sum(split(f.read_text(encoding="utf-8")) for f in FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_recording_into_a_real_pyproject_keeps_everything_else(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _record(tmp_path, text, Options(port=8080, python_version="3.13"))
    _record(tmp_path, (tmp_path / "pyproject.toml").read_text(encoding="utf-8"), Options(port=9000))  # again


def _blocks(text: str) -> tuple[str, list[str]]:
    """The text before the first table, and each table with its lines."""
    head: list[str] = []
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith("["):  # a table or an array of tables starts a block
            current = [line]
            blocks.append(current)
        elif current is None:
            head.append(line)
        else:
            current.append(line)
    return "".join(head), ["".join(b) for b in blocks]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(FILES), st.randoms(use_true_random=False), OPTIONS, st.booleans())
def test_any_table_order_records_cleanly(tmp_path: Path, path: Path, rng: Any, options: Options, crlf: bool) -> None:
    head, blocks = _blocks(path.read_text(encoding="utf-8"))
    rng.shuffle(blocks)
    text = head + "".join(b if b.endswith("\n") else b + "\n" for b in blocks)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)  # not every order is valid TOML (an array of tables split from its sub-tables)
    if crlf:
        text = text.replace("\n", "\r\n")
    (tmp_path / "pyproject.toml").unlink(missing_ok=True)
    _record(tmp_path, text, options)


@pytest.mark.parametrize("text", ['[tool]\ndockgen = "x"\n', 'tool = "x"\n', "[tool.dockgen]\nport = 1\n[[tool.x]]\n"])
def test_odd_tool_shapes_are_clear_errors_or_recorded(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    try:
        rendered = render_answers(tmp_path, Options(port=8000), Language.PYTHON)
    except DockgenError as exc:
        assert exc.hint
        return
    assert tomllib.loads(rendered.content)["tool"]["dockgen"]["port"] == 8000
