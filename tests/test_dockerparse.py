"""The pure-Python Dockerfile parser (dockgen.dockerparse) against Docker's own Go parser (the
``dockerfile`` package, BuildKit's parser through cgo) as the oracle:

* every Dockerfile the repository holds (fixtures, goldens, migrate cases, e2e baselines, examples) and
  every Dockerfile-like string literal in the test modules parses to the same commands, field by field,
  or fails with the same message;
* a Hypothesis differential fuzz over a grammar of Dockerfiles (heredocs with quoted, dashed and
  numbered delimiters, continuation lines under either escape character, comments and empty lines inside
  continuations, directives, JSON and shell forms, flags with quotes, ONBUILD, unicode spaces, CRLF);
* the backend switch (DOCKGEN_PARSER) and the commands working with the Go module hidden.

The Go binding cannot take a NUL (it cuts the text there) nor a lone surrogate (it crashes the process):
the fuzz draws neither; where Go raises UnicodeDecodeError (its byte-wise flag split cut a character), the
pure parser must keep the bytes (a surrogate in some field) instead.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dockerfile
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockgen import dockerparse
from dockgen.dockerparse import ParseError, parse_python

from .conftest import ROOT

Outcome = tuple[Any, ...]


def go_outcome(text: str) -> Outcome:
    try:
        return ("ok", tuple((c.cmd, c.sub_cmd, c.json, c.original, c.start_line, c.end_line, tuple(c.flags),
                             tuple(c.value), tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs))
                            for c in dockerfile.parse_string(text)))
    except dockerfile.GoParseError as exc:
        return ("error", str(exc))
    except UnicodeDecodeError:
        return ("undecodable",)


def py_outcome(text: str) -> Outcome:
    try:
        return ("ok", tuple((c.cmd, c.sub_cmd, c.json, c.original, c.start_line, c.end_line, c.flags, c.value,
                             tuple(tuple(h) for h in c.heredocs)) for c in parse_python(text)))
    except ParseError as exc:
        return ("error", str(exc))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from strings(item)


def assert_agree(text: str) -> None:
    go, py = go_outcome(text), py_outcome(text)
    if go == ("undecodable",):
        assert py[0] == "ok" and any(dockerparse._SURROGATE.search(s) for s in strings(py[1])), py
        return
    assert py == go, f"differs on {text!r}"


# -- every Dockerfile in the repository ----------------------------------------------------------------------

SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def repo_dockerfiles() -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in (".py", ".j2", ".md", ".json", ".toml", ".txt", ".lock", ".yaml", ".yml"):
            continue
        name = path.name.lower()
        if "dockerfile" in name or name.endswith(".dockerfile"):
            out.append(path)
    return out


def test_shared_fixture_count() -> None:
    """The collection is not empty by accident: the goldens alone hold over fifty Dockerfiles."""
    files = repo_dockerfiles()
    assert len(files) >= 70, len(files)
    assert any("migrate" in str(p) for p in files) and any("expected" in str(p) for p in files)


@pytest.mark.parametrize("path", repo_dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_dockerfile(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    if "\0" in text or dockerparse._SURROGATE.search(text):
        pytest.skip("the Go binding cannot take this text")
    assert_agree(text)


def literal_dockerfiles() -> Iterator[str]:
    """String constants of the test modules that look like Dockerfiles (instructions at a line start)."""
    seen: set[str] = set()
    for module in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if any(line.lstrip().upper().startswith(("FROM ", "RUN ", "COPY ", "# ESCAPE"))
                       for line in text.split("\n")) and text not in seen and "\0" not in text \
                        and not dockerparse._SURROGATE.search(text):
                    seen.add(text)
                    yield text


LITERALS = list(literal_dockerfiles())


def test_literal_dockerfiles() -> None:
    assert len(LITERALS) > 50
    for text in LITERALS:
        assert_agree(text)


# -- cases read off BuildKit's sources, each checked against the oracle --------------------------------------

CASES = [
    "", "# only a comment\n", "\n\n", "\ufeffFROM a\n", "FROM a\r\nRUN b \\\r\n c\r\n",
    "FROM a\nRUN a \\\n  # comment inside\n\n  b\n", "\\\n", "FROM a\n\\", "FROM a\nRUN x \\\\\nRUN y\n",
    "# escape=`\nFROM a\nRUN a `\n b\n", "# escape=x\nFROM a\n", "# escape=`\n# escape=`\nFROM a\n",
    "# syntax=docker/dockerfile:1\n# escape=`\nFROM a `\n b\n", "# foo=x\n# escape=`\nFROM a `\n b\n",
    "\n# escape=`\nFROM a `\n b\n", "  #  ESCAPE =  `  \nFROM a `\n b\n",
    "COPY <<EOF /x\nhello\nEOF\n", "RUN <<-\"EOT\" cat\n\tfoo\n\tEOT\n", "RUN <<A <<B cat\na\nA\nb\nB\n",
    "RUN <<A\r\na\r\nA\r\n", "RUN 3<<A cat\nA\n", "RUN 99999999999999999999<<A\nA\n", 'RUN ["<<A"]\n',
    'RUN "<<A"\nA\n', "RUN <<A\n", 'RUN <<"A B"\nA B\n', "RUN <<A \\\n  <<B\nA\nB\n",
    "onbuild run <<EOF\nx\nEOF\n", "ONBUILD --x=y COPY --a=b c d\n", "ONBUILD ONBUILD RUN x\n", "ONBUILD\n",
    "RUN <<EOF ${a%b}\nEOF\n", "RUN <<E${x:-\"y z\"}F\nE\n", "RUN <<E${x:-a\\ b}F\nE\n", "RUN <<\ufeffE\nE\n",
    "RUN <<E\\$x\nE$x\n", "RUN <<\"E\\$x\"\nE$x\n", "RUN <<'E\\x'\nE\\x\n", "# escape=`\nRUN <<EOF a`\nb\nEOF\n",
    "FROM a\nENV x\n", "FROM a\nENV a=b \"c d\"\n", "FROM a\nENV a=b \"c\u00a0d\x01\"\n", "FROM a\nENV a b c\n",
    "FROM a\nENV a=\"b c\" d=e\\ f\nLABEL \"x y\"=z\nARG a b=c\n", "FROM a\nRUN [\"a\", 1]\n",
    "FROM a\nRUN [1e999]\nRUN [\"a\",\n", "FROM a\nRUN [\"\\ud800\", \"\\u00e9\"]\nRUN [NaN]\n",
    "FROM a\nRUN [ \"a\" , \"b\" ] trailing\n", "FROM a\nCMD [ ]\nVOLUME [\"/a\"]\nEXPOSE 80  443/udp\n",
    "FROM a\nRUN --x \"y\" z\nRUN -- --x\nRUN --a= --b \"c\"\nRUN --a b c\n", "FROM --platform=\u00e9 a\n",
    "RUN --a\u2160b c\n", "HEALTHCHECK CMD\u00a0x\n", "FROM a\nHEALTHCHECK\nHEALTHCHECK CMD\nHEALTHCHECK NONE\n",
    "FROM a\nhealthcheck --interval=5s  CMD [\"x\"]\n", "FROM a b\u3000c\u00a0d\n", "FROM\u3000a\n",
    "FROM a\n" + "RUN " + "x" * 65_531 + "\n", "FROM a\n" + "RUN " + "x" * 65_532 + "\n",
    "FROM a\nRUN " + "x" * 65_531, "FROM a\nRUN " + "x" * 65_532, "RUN " + "x" * 70_000 + "\n",
    "FROM a\n" + "[" * 5000 + "\n", "FROM a\nCMD " + "[" * 5000 + "\n",
    "FROM a\\\n\\\n", "FROM \u0130\nENTRYPO\u0130NT x\nHEALTHCHEC\u212a CMD y\n",
]


@pytest.mark.parametrize("text", CASES)
def test_case(text: str) -> None:
    assert_agree(text)


# -- the fuzz ------------------------------------------------------------------------------------------------

WORD_CHARS = st.sampled_from([*"abcxyz019_-./:=@$%{}[],*?~+", "\\", "`", '"', "'", " ", "\t", "é", "\u00a0",
                              "\u2160", "\u3000", "#", "<", "\r"])
word = st.text(WORD_CHARS, min_size=0, max_size=8)
names = st.sampled_from(["FROM", "RUN", "COPY", "ADD", "CMD", "ENTRYPOINT", "ENV", "LABEL", "ARG", "EXPOSE",
                         "VOLUME", "USER", "WORKDIR", "SHELL", "HEALTHCHECK", "ONBUILD", "STOPSIGNAL",
                         "MAINTAINER", "run", "Copy", "BOGUS", "\\", "`", ""])
delims = st.sampled_from(["EOF", "EOT", "E", '"EOF"', "'EOF'", "E\"O\"F", "-EOF", "-'EOF'", "3EOF", "$X",
                          "${X}", "E\\OF", "", "EOF\\"])


@st.composite
def flag(draw: st.DrawFn) -> str:
    value = draw(word)
    return "--" + draw(st.sampled_from(["from", "mount", "chown", "x", ""])) + draw(
        st.sampled_from(["=", "", " "])) + draw(st.sampled_from([value, f'"{value}"', f"'{value}'"]))


@st.composite
def json_form(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.one_of(word.map(lambda w: '"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'),
                                    st.sampled_from(['"\\u00e9"', '"\\ud800"', '1', 'null', '"a"', '"\\t"'])),
                          max_size=3))
    sep = draw(st.sampled_from([",", ", ", " , "]))
    body = "[" + sep.join(items) + draw(st.sampled_from(["]", "", ",]", "] trailing"]))
    return body


@st.composite
def instruction(draw: st.DrawFn) -> list[str]:
    """One instruction as lines (continuations, comments inside, heredoc bodies)."""
    name = draw(names)
    parts = [name]
    parts += draw(st.lists(flag(), max_size=2))
    if name.upper() == "ONBUILD":
        parts.append(draw(st.sampled_from(["RUN", "COPY", "ONBUILD", "ADD"])))
    heredocs: list[str] = []
    kind = draw(st.sampled_from(["words", "json", "heredoc", "kv"]))
    if kind == "json":
        parts.append(draw(json_form()))
    elif kind == "heredoc":
        for _ in range(draw(st.integers(1, 2))):
            d = draw(delims)
            parts.append("<<" + d)
            heredocs.append(d)
        parts += draw(st.lists(word, max_size=2))
    elif kind == "kv":
        parts += [draw(word) + draw(st.sampled_from(["=", " ", "=\"", ""])) + draw(word)
                  for _ in range(draw(st.integers(0, 3)))]
    else:
        parts += draw(st.lists(word, max_size=4))
    text = " ".join(parts)
    # split the text into continuation lines at random places
    lines: list[str] = []
    esc = draw(st.sampled_from(["\\", "`"]))
    while text and draw(st.booleans()) and len(lines) < 3:
        cut = draw(st.integers(0, len(text)))
        lines.append(text[:cut] + esc + draw(st.sampled_from(["", " ", "\t", " \\"])))
        lines += draw(st.lists(st.sampled_from(["", "  ", "# inside", "  # indented", "\t"]), max_size=2))
        text = draw(st.sampled_from(["", " ", "\t"])) + text[cut:]
    lines.append(text)
    for d in heredocs:
        bare = d.lstrip("-0123456789").strip("'\"").replace('"', "")
        lines += draw(st.lists(st.sampled_from(["body", "\tbody", "# not a comment", "", "EOF x", "\\"]),
                               max_size=2))
        if draw(st.integers(0, 5)):
            lines.append(draw(st.sampled_from(["", "\t", "\t\t"])) + bare)
    return lines


@st.composite
def dockerfile_text(draw: st.DrawFn) -> str:
    head = draw(st.lists(st.sampled_from(["# escape=`", "# escape=\\", "# syntax=docker/dockerfile:1",
                                          "#escape = `", "# escape=x", "# other=1", "", "# comment",
                                          "\ufeff# escape=`"]), max_size=2))
    body: list[str] = []
    for lines in draw(st.lists(instruction(), min_size=0, max_size=5)):
        body += lines
        body += draw(st.lists(st.sampled_from(["", "# c", "   ", "\t# c"]), max_size=1))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(head + body)
    return text + draw(st.sampled_from(["", "\n", newline, "\\", "\n\n"]))


FUZZ_EXAMPLES = int(os.environ.get("DOCKGEN_PARSER_FUZZ", "1500"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text())
@example("FROM a\nRUN <<E${x:-a\\ b}F\nE\n")
@example("ONBUILD RUN <<'EOF'\nx\nEOF\n")
def test_fuzz_agrees_with_docker(text: str) -> None:
    assert_agree(text)


@settings(max_examples=FUZZ_EXAMPLES // 3, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=60))
def test_fuzz_any_text(text: str) -> None:
    """Any text at all, not only the grammar's: the same commands or the same error."""
    assert_agree(text)


# -- which parser runs ---------------------------------------------------------------------------------------

def test_backend_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKGEN_PARSER", "python")
    assert dockerparse.backend() == "python"
    monkeypatch.setenv("DOCKGEN_PARSER", "go")
    assert dockerparse.backend() == "go"
    monkeypatch.delenv("DOCKGEN_PARSER")
    assert dockerparse.backend() == "go"  # the test extra installs the Go parser
    monkeypatch.setitem(sys.modules, "dockerfile", None)  # import dockerfile now raises ImportError
    assert dockerparse.backend() == "python"
    monkeypatch.setenv("DOCKGEN_PARSER", "go")
    from dockgen.errors import DockgenError
    with pytest.raises(DockgenError, match="DOCKGEN_PARSER=go"):
        dockerparse.backend()


def test_text_the_go_binding_cannot_take_is_read_in_python() -> None:
    """A NUL (the Go binding cuts the text there) and an undecodable byte (it crashes the process on the
    surrogate) are read by the Python parser, as Docker reads the file's bytes."""
    (c,) = dockerparse.parse_string("FROM a\0b\n")
    assert c.value == ("a\0b",)
    assert [c.value for c in dockerparse.parse_string("FROM a\0EOF\nRUN b")] == [("a\0EOF",), ("b",)]
    (c,) = dockerparse.parse_string("FROM caf\udce9\n")
    assert c.value == ("caf\udce9",)
    # Go's byte-wise split cuts U+00A0 in two: the Go binding raises UnicodeDecodeError; the bytes are kept
    assert dockerparse.backend() == "go"
    (c,) = dockerparse.parse_string("FROM a\nHEALTHCHECK CMD\u00a0x\n")[1:]
    assert c.value == ("CMD\udcc2", "x")


# -- the commands with the Go parser missing (a machine without its wheel) ------------------------------------

WITHOUT_GO = """
import atexit, sys
sys.modules["dockerfile"] = None  # `import dockerfile` raises ImportError, as where it is not installed
from dockgen import dockerparse
calls = [0]
real = dockerparse.parse_python
def counted(text):
    calls[0] += 1
    return real(text)
dockerparse.parse_python = counted
atexit.register(lambda: sys.stderr.write(f"\\nparser={dockerparse.backend()} python-parses={calls[0]}\\n"))
from dockgen.cli import main
sys.argv = ["dockgen", *sys.argv[1:]]
main()
"""


def run_without_go(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKGEN")}
    return subprocess.run([sys.executable, "-c", WITHOUT_GO, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)


def python_parses(proc: subprocess.CompletedProcess[str]) -> int:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "parser=python" in proc.stderr, proc.stderr
    return int(proc.stderr.rsplit("python-parses=", 1)[1].split()[0])


def test_commands_run_without_the_go_parser(tmp_path: Path) -> None:
    """init, check, context, migrate --write and check again, with `import dockerfile` failing: none fails
    (before the pure-Python parser each ended in ImportError), and context and migrate, which parse
    Dockerfiles, parse them with the pure-Python parser (the calls are counted)."""
    from .apps import make_app
    from .test_migrate import prepare

    app = make_app(tmp_path / "node")
    init = run_without_go("init", app)
    assert init.returncode == 0, init.stderr
    python_parses(init)  # init reads no Dockerfile of the user's (unless it exists), but imports the parser
    check = run_without_go("check", app)
    assert check.returncode == 0 and "current" in check.stdout, check.stdout + check.stderr
    python_parses(check)
    context = run_without_go("context", app)
    assert context.returncode == 0, context.stderr
    assert python_parses(context) > 0

    old = prepare("seed-v1-express", tmp_path / "seed")
    migrated = run_without_go("migrate", old, "--write")
    assert migrated.returncode == 0, migrated.stderr
    assert python_parses(migrated) > 0
    assert (old / "Dockerfile.bak").exists() and "dockgen-stamp" in (old / "Dockerfile").read_text()
    after = run_without_go("check", old)
    assert after.returncode == 0 and "current" in after.stdout, after.stdout + after.stderr
    python_parses(after)
