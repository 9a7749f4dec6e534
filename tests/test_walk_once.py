"""init on big trees (issue 12, item 3): one read of the tree, rules matched per directory, progress.

* The walker decides the entries of a directory per directory (context._Glob: glob patterns as segment
  states, one combined regexp on the name); ``per_directory=False`` is the plain evaluation, every
  pattern on every path (``_Matcher.deciding``). On random trees and random rules (regexp characters,
  ``**`` anywhere, exceptions, names with newlines) both must give exactly the same walk: sent set,
  deciding rule counts, pruned directories.
* A walk of a recorded ``Tree`` gives the same as a walk of the disk, and `init`/`context --suggest`
  read the tree once (os.scandir counted).
* The progress callback is called while the tree is read; the CLI shows nothing when stderr is not a TTY.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dockgen import api
from dockgen.cli.commands import app
from dockgen.context import Walk, record, walk
from dockgen.dockerignore import ENGINES, Engine, IgnoreFileError, parse

NAMES = ["a", "b", "ab", "x.log", "src", "lib", "node_modules", ".git", "keep", "c++", "d.txt", "a\nb", "*",
         "dist", "e.env"]
TOKENS = ["a", "b", "*", "**", "?", "/", ".", "x", ".log", "src", "lib", "[a-b]", "\\*", "keep", "node_modules",
          "+", "!", "|", "(a)", "**/", "/**", "\\.", "dist", "*.log", "{1}", "^", "c\\+\\+", "e"]

paths = st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5).map("/".join), min_size=1, max_size=30)
pattern = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5).map("".join)
rules = st.lists(st.tuples(st.booleans(), pattern), min_size=1, max_size=8).map(
    lambda items: "\n".join(("!" if neg else "") + p for neg, p in items) + "\n")


def build(root: Path, files: list[str]) -> None:
    for rel in files:
        target = root / rel
        if any(parent.is_file() for parent in target.parents if root in parent.parents or parent == root):
            continue  # a file stands where this path needs a directory
        if target.is_dir():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x" * len(rel))


def figures(w: Walk) -> tuple[object, ...]:
    return (w.listing, w.sent_files, w.sent_bytes, w.ignored_files, w.ignored_bytes, sorted(w.pruned_dirs),
            w.by_rule, w.dir_bytes, w.largest_files)


def _outcome(call: Callable[[], Walk]) -> tuple[object, ...]:
    """The walk's figures, or the error it raised (buildkit: a bad regexp fails when first matched)."""
    try:
        return figures(call())
    except IgnoreFileError as exc:
        return ("error", exc.message)


@settings(max_examples=int(os.environ.get("DOCKGEN_FUZZ_EXAMPLES", "500")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=paths, text=rules, engine=st.sampled_from(ENGINES))
@example(files=["x/a\nb/node_modules/f", "x/y/b/keep"], text="**/node_modules\n**\n!x/y/b/keep\n", engine="legacy")
@example(files=["x/a\nb/node_modules/f", "x/y/b/keep"], text="**/node_modules\n**\n!x/y/b/keep\n",
         engine="buildkit")
@example(files=["a/b/c", "a/b/d/e"], text="a/**\n!a/b/c\n", engine="legacy")
@example(files=["a/b/c", "a/b/d/e"], text="a/**\n!a/b/c\n", engine="buildkit")
@example(files=["src/lib/x.log", "lib/x.log"], text="**/lib/*.log\n!src/**/x.log\n", engine="legacy")
@example(files=["src/lib/x.log", "lib/x.log"], text="**/lib/*.log\n!src/**/x.log\n", engine="buildkit")
@example(files=["foo/bar/x", "foo/y"], text="foo\n!foo/bar\nfoo\n", engine="buildkit")  # the step quirk
@example(files=["c++/a", "(a)/b", "x{1}"], text="c++\n(a)\n!(a)/b\nx{1}\n", engine="buildkit")
@example(files=["a/b", "b"], text="**b\n!a\n*\n", engine="buildkit")
@example(files=["a/a\nb/c", "a\nb/c", "x/a\nb/d.log"], text="a/**\n**/c\n!a/a\nb\n**.log\n", engine="buildkit")
@example(files=["a/a\nb/c", "a\nb/c", "x/a\nb/d.log"], text="a/**\n**/c\n**.log\n", engine="legacy")
def test_per_directory_matching_is_the_per_file_evaluation(files: list[str], text: str, engine: Engine) -> None:
    """Both engines: the per-directory walk is the plain one (legacy: _Matcher.deciding; buildkit:
    dockerignore.step on every path)."""
    try:
        rules_ = parse(text, engine=engine)
    except IgnoreFileError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, files)
        plain = _outcome(lambda: walk(root, rules_, listing=True, measure_ignored=True, per_directory=False))
        fast = _outcome(lambda: walk(root, rules_, listing=True, measure_ignored=True))
        assert fast == plain
        if plain[0] != "error":
            pruned = walk(root, rules_, listing=True)
            assert pruned.listing == plain[0]
        assert _outcome(lambda: walk(root, rules_, listing=True, measure_ignored=True, tree=record(root))) == plain


@settings(max_examples=int(os.environ.get("DOCKGEN_FUZZ_EXAMPLES", "200")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=paths, text=rules, engine=st.sampled_from(ENGINES), unreadable=st.lists(st.integers(0, 29), max_size=3),
       resize=st.lists(st.sampled_from(["a", "src/x.log", "b"]), max_size=2))
@example(files=["a/x.log", "b"], text="**/*.log\n", engine="buildkit", unreadable=[0, 1], resize=["b"])
def test_a_measuring_walk_counts_everything_the_context_holds(files: list[str], text: str, engine: Engine,
                                                              unreadable: list[int], resize: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """suggest's `before` without rules is the measuring walk's Walk.everything(): every entry is counted
    sent or ignored, and an ignored unreadable file (sent empty when nothing ignores it) is taken back out.
    Modes are obeyed as a user's process would (root's override off)."""
    from dockgen import context

    try:
        rules_ = parse(text, engine=engine)
    except IgnoreFileError:
        return
    monkeypatch.setattr(context, "_OVERRIDE", [False])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, files)
        made = sorted(p for p in root.rglob("*") if p.is_file())
        for i in unreadable:
            if made:
                os.chmod(made[i % len(made)], 0)
        skip = frozenset({"Dockerfile", ".dockgen"})
        sizes = {rel: 777 for rel in resize}
        try:
            measured = walk(root, rules_, measure_ignored=True, skip=skip, sizes=sizes)
        except IgnoreFileError:
            return
        plain = walk(root, None, skip=skip, sizes=sizes)
        assert measured.everything() == (plain.sent_files, plain.sent_bytes)


def test_a_recorded_tree_walks_as_the_disk(tmp_path: Path) -> None:
    build(tmp_path, ["src/a.js", "node_modules/x/y.js", ".env", "logs/a.log", "dist/b.js"])
    os.mkfifo(tmp_path / "fifo")
    os.symlink("src/a.js", tmp_path / "link")
    rules_ = parse("node_modules\n**/*.log\n!logs/a.log\n")
    tree = record(tmp_path)
    for kwargs in ({}, {"measure_ignored": True}, {"find_secrets": True}, {"skip": frozenset({"dist"})},
                   {"sizes": {"src/a.js": 1000}}):
        live = walk(tmp_path, rules_, listing=True, **kwargs)  # type: ignore[arg-type]
        again = walk(tmp_path, rules_, listing=True, tree=tree, **kwargs)  # type: ignore[arg-type]
        assert figures(again) == figures(live)
        assert again.secrets == live.secrets


def _node_app(root: Path) -> None:
    (root / "package.json").write_text('{"name": "a", "version": "1.0.0", "scripts": {"start": "node a.js"}}')
    (root / "a.js").write_text("console.log(1)\n")
    build(root, [f"node_modules/p{i}/f{j}.js" for i in range(20) for j in range(5)] + ["src/x.ts", "dist/b.js"])


def _count_scandir(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the context walker (which lists a directory through its descriptor) lists each directory;
    detection's own bounded look at the sources (by path) is not a walk of the context."""
    counts: dict[str, int] = {}
    real = os.scandir

    def counting(path):  # type: ignore[no-untyped-def]
        if isinstance(path, int):
            key = os.readlink(f"/proc/self/fd/{path}")
            counts[key] = counts.get(key, 0) + 1
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    return counts


def test_init_reads_each_directory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _node_app(tmp_path)
    (tmp_path / ".env").write_text("TOKEN=1\n")  # a secret: suggest measures twice (its own rule)
    counts = _count_scandir(monkeypatch)
    seen: list[int] = []
    api.generate(tmp_path, dry_run=True, progress=seen.append)
    inside = {k: v for k, v in counts.items() if k.startswith(str(tmp_path.resolve()))}
    assert inside and max(inside.values()) == 1, inside
    assert seen and seen[-1] >= 100  # the files of the tree, reported while it is read


def test_context_suggest_reads_each_directory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _node_app(tmp_path)
    counts = _count_scandir(monkeypatch)
    result = CliRunner().invoke(app, ["context", str(tmp_path), "--suggest"])
    assert result.exit_code == 0, result.output
    inside = {k: v for k, v in counts.items() if k.startswith(str(tmp_path.resolve()))}
    assert inside and max(inside.values()) == 1, inside


def _big_app(root: Path) -> None:
    _node_app(root)
    build(root, [f"many/d{i}/f{j}" for i in range(60) for j in range(100)])  # more than one report's worth


@pytest.mark.parametrize("argv", [["init", "--dry-run"], ["context"], ["context", "--suggest"]])
def test_no_progress_line_when_stderr_is_not_a_terminal(tmp_path: Path, argv: list[str]) -> None:
    _big_app(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "dockgen", argv[0], str(tmp_path), *argv[1:]], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "scanning" not in proc.stderr and "\r" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("argv", [["init", "--dry-run"], ["context", "--suggest"], ["init", "--dry-run", "--json"]])
def test_one_updating_progress_line_on_a_terminal(tmp_path: Path, argv: list[str]) -> None:
    import pty

    _big_app(tmp_path)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dockgen", argv[0], str(tmp_path), *argv[1:]],
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait() == 0
    err = b"".join(chunks).decode()
    if "--json" in argv:
        assert "scanning" not in err
        return
    assert "\rscanning the context: " in err and "\n" not in err.split("\rscanning")[1].split("\r\x1b[K")[0]
    assert "\r\x1b[K" in err  # the line is cleared before anything else is printed


@pytest.mark.parametrize(("ignore", "records"), [(None, 0), ("logs/\n", 1)])
def test_one_walk_from_the_disk_when_one_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   ignore: str | None, records: int) -> None:
    """Without rules of the user's, init's measurement is one walk of the disk and no copy of the tree is
    kept; a user's .dockerignore needs a second walk (the "before" figures), so the tree is recorded once.
    Either way the files are the ones a measurement over a recorded tree gives."""
    import dockgen.suggest as suggest_module

    _node_app(tmp_path)
    if ignore is not None:
        (tmp_path / ".dockerignore").write_text(ignore)
    import dockgen.context as context_module

    tree = record(tmp_path)
    made: list[str] = []
    real_record = context_module.record

    def counting(root: str | os.PathLike[str], **kw: object) -> object:
        made.append(str(root))
        return real_record(root, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(suggest_module, "record", counting)
    monkeypatch.setattr(context_module, "record", counting)  # api imports it when it runs
    counts = _count_scandir(monkeypatch)
    done = api.generate(tmp_path, dry_run=True)
    assert len(made) == records, made
    inside = {k: v for k, v in counts.items() if k.startswith(str(tmp_path.resolve()))}
    assert inside and max(inside.values()) == 1, inside  # each directory read once either way
    monkeypatch.undo()
    from dockgen.suggest import for_plan

    over_tree = for_plan(tmp_path, done.plan, tree=tree)  # the same measurement over a recorded tree
    ignore_file = next(f for f in done.files if f.path == done.plan.ignore_file)
    assert over_tree.text == ignore_file.content
    assert (over_tree.after_files, over_tree.after_bytes) == (done.context.sent_files, done.context.sent_bytes)
