"""Hypothesis properties of the matcher and the walker.

The walker carries Docker's parent rule down the tree (a set of pattern hits per directory) instead of
re-testing ancestors for every path; here a brute-force oracle written straight from the engine's
algorithm (every pattern, in order, on the path and on the one ancestor at the pattern's depth; an
excluded directory entered only when an exception's text starts with it) must agree with it on
random trees and rules. Other properties: parsing never fails except with IgnoreFileError, a
trailing pattern only ever removes paths, Go's Clean is idempotent and agrees with normpath where
the two are defined alike."""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockgen.context import walk
from dockgen.dockerignore import DockerIgnore, IgnoreFileError, go_clean, parse

NAMES = ["a", "b", "ab", "x.log", "src", "lib", "node_modules", ".git", "keep", "c++", "d.txt"]
TOKENS = ["a", "b", "*", "**", "?", "/", ".", "x", ".log", "src", "lib", "[a-b]", "\\*", "keep", "node_modules",
          "+", "!"]

paths = st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map("/".join), min_size=1, max_size=25)
pattern = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map("".join)
rules = st.lists(st.tuples(st.booleans(), pattern), min_size=1, max_size=5).map(
    lambda items: "\n".join(("!" if neg else "") + p for neg, p in items) + "\n")


@st.composite
def tree_and_rules(draw: st.DrawFn) -> tuple[list[str], str]:
    """A tree, and rules that often make the engine walk into excluded directories: an exception
    naming a literal path of the tree, beside patterns that exclude its ancestors."""
    files = draw(paths)
    text = draw(rules)
    if draw(st.booleans()):
        target = draw(st.sampled_from(files))
        parts = target.split("/")
        cut = draw(st.integers(0, len(parts) - 1))
        text += f"**/{parts[cut]}\n" if draw(st.booleans()) else f"{'/'.join(parts[:cut + 1])}\n"
        text += f"!{target}\n"
    return files, text


def build(root: Path, files: list[str]) -> None:
    for rel in files:
        target = root / rel
        if any(parent.is_file() for parent in target.parents if root in parent.parents or parent == root):
            continue  # a file stands where this path needs a directory
        if target.is_dir():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")


def oracle(root: Path, rules: DockerIgnore) -> list[str]:
    """Docker 20.10's walk, written as plainly as possible."""
    def excluded(rel: str) -> bool:
        verdict = False
        for p in rules.patterns:
            if p.match_file(rel):
                verdict = not p.exclusion
        return verdict

    exception_texts = [p.cleaned + "/" for p in rules.patterns if p.exclusion]
    out: list[str] = []

    def visit(rel_dir: str) -> None:
        for child in sorted((root / rel_dir).iterdir() if rel_dir else root.iterdir()):
            rel = f"{rel_dir}/{child.name}" if rel_dir else child.name
            is_dir = child.is_dir() and not child.is_symlink()
            if excluded(rel):
                if is_dir and any(t.startswith(rel + "/") for t in exception_texts):
                    out.append(rel + "/")
                    visit(rel)
                continue
            out.append(rel + "/" if is_dir else rel)
            if is_dir:
                visit(rel)

    visit("")
    return sorted(out)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tree_and_rules())
@example(case=(["x/y/b/other", "x/y/b/keep", "z"], "**/b\n!x/y/b/keep\n"))
def test_walker_agrees_with_a_brute_force_oracle(case: tuple[list[str], str]) -> None:
    files, text = case
    try:
        rules_ = parse(text, engine="legacy")  # the oracle is Docker 20.10's algorithm
    except IgnoreFileError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, files)
        assert walk(root, rules_, listing=True).listing == oracle(root, rules_)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=paths, text=rules, extra=pattern)
def test_a_trailing_pattern_only_removes_paths(files: list[str], text: str, extra: str) -> None:
    try:
        before_rules, after_rules = parse(text), parse(text + extra.lstrip("!") + "\n")
    except IgnoreFileError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, files)
        before = set(walk(root, before_rules, listing=True).listing or [])
        after = set(walk(root, after_rules, listing=True).listing or [])
        assert after <= before


@given(st.text(max_size=60))
def test_parsing_any_text_either_works_or_is_a_clear_error(text: str) -> None:
    try:
        parse(text)
    except IgnoreFileError as exc:
        assert exc.message.startswith(".dockerignore") and exc.hint


@given(st.lists(st.sampled_from(["a", "b", ".", "..", "", "c.d"]), max_size=8).map("/".join),
       st.booleans(), st.booleans())
def test_go_clean(path: str, rooted: bool, trailing: bool) -> None:
    text = ("/" if rooted else "") + path + ("/" if trailing else "")
    cleaned = go_clean(text)
    assert go_clean(cleaned) == cleaned
    if not text.startswith("//"):
        assert cleaned == posixpath.normpath(text) or (text == "" and cleaned == ".")
