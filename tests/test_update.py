"""`dockgen update`: the three-way merge (unit and property tests) and the command on real trees:
no hand edit is ever lost, a conflict writes nothing."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dockgen
from dockgen.answers import ANSWERS_FILE, RENDERED_DIR
from dockgen.update import merge

from .apps import make_app, node_slim_with, snapshot
from .conftest import FIXTURES
from .test_cli import run

BASE = "".join(f"line {i}\n" for i in range(12))


def _edit(text: str, index: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[index] = new
    return "".join(lines)


def test_merge_statuses() -> None:
    assert merge("f", BASE, None, BASE).status == "create"
    assert merge("f", BASE, BASE, BASE).status == "identical"
    new = _edit(BASE, 9, "dockgen 9\n")
    upd = merge("f", BASE, BASE, new)
    assert upd.status == "update" and upd.content == new
    yours = _edit(BASE, 2, "yours 2\n")
    keep = merge("f", BASE, yours, BASE)
    assert keep.status == "keep" and keep.content == yours and keep.diff == ""
    both = merge("f", BASE, yours, new)
    assert both.status == "merge" and both.content == _edit(new, 2, "yours 2\n")
    clash = merge("f", BASE, _edit(BASE, 9, "yours 9\n"), new)
    assert clash.status == "conflict" and clash.content is None and clash.conflicts == 1
    assert "+<<<<<<< yours (f)" in clash.diff and "+>>>>>>> dockgen's new render" in clash.diff
    nobase = merge(".dockerignore", None, yours, new)
    assert nobase.status == "conflict" and "no record of what dockgen last rendered" in (nobase.reason or "")


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_merge_keeps_every_edit_when_they_do_not_touch(data: st.DataObject) -> None:
    """Edits of yours and of dockgen's on lines at least two apart: the merge applies both, exactly."""
    n = 14
    base_lines = [f"base {i}\n" for i in range(n)]
    mine = data.draw(st.sets(st.integers(0, n - 1), max_size=4))
    theirs = data.draw(st.sets(st.integers(0, n - 1), max_size=4).filter(
        lambda s: all(abs(a - b) > 1 for a in s for b in mine)))
    yours = [f"yours {i}\n" if i in mine else line for i, line in enumerate(base_lines)]
    new = [f"dockgen {i}\n" if i in theirs else line for i, line in enumerate(base_lines)]
    expected = [f"yours {i}\n" if i in mine else new[i] for i in range(n)]
    result = merge("f", "".join(base_lines), "".join(yours), "".join(new))
    assert result.status != "conflict"
    assert result.content == "".join(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n"]), max_size=8),
       st.lists(st.sampled_from(["a\n", "b\n", "x\n", "y\n"]), max_size=8),
       st.lists(st.sampled_from(["a\n", "c\n", "y\n", "z\n"]), max_size=8))
def test_merge_never_loses_your_text_silently(base: list[str], yours: list[str], new: list[str]) -> None:
    """Whatever the three versions: a conflict gives nothing to write, and a clean merge holds every
    line you added."""
    result = merge("f", "".join(base), "".join(yours), "".join(new))
    if result.status == "conflict":
        assert result.content is None
        return
    assert result.content is not None
    kept = result.content.splitlines(keepends=True)
    for line in set(yours) - set(base):  # lines you added
        assert line in kept


def _edited(app: Path, before: str, after: str) -> None:
    path = app / "Dockerfile"
    text = path.read_text()
    assert before in text
    path.write_text(text.replace(before, after, 1))


def test_update_keeps_hand_edits_and_takes_dockgens_changes(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "express-generator" / "app", app)
    assert run("init", app, "--node-version", "22").returncode == 0
    _edited(app, "USER ", 'HEALTHCHECK CMD ["/nodejs/bin/node", "-e", "1"]\nUSER ')
    with (app / ".dockerignore").open("a") as fh:
        fh.write("scratch/\n")
    hand = {p: (app / p).read_text() for p in ("Dockerfile", ".dockerignore")}

    # nothing recorded changed: up to date, your edits are yours
    same = json.loads(run("update", app, "--json").stdout)
    assert [f["status"] for f in same["files"]] == ["keep", "keep"]

    # the repository changes: a newer Node asked for in engines-less app via the answer; preview first
    preview = run("update", app, "--node-version", "24")
    assert preview.returncode == 0 and "would merge     Dockerfile" in preview.stdout
    assert "+ARG NODE_VERSION=24." in preview.stdout
    assert {p: (app / p).read_text() for p in hand} == hand  # a preview writes nothing
    assert tomllib.loads((app / ANSWERS_FILE).read_text())["node-version"] == "22"

    done = run("update", app, "--node-version", "24", "--write")
    assert done.returncode == 0, done.stderr
    text = (app / "Dockerfile").read_text()
    assert "ARG NODE_VERSION=24." in text and 'HEALTHCHECK CMD ["/nodejs/bin/node", "-e", "1"]' in text
    assert (app / ".dockerignore").read_text().endswith("scratch/\n")
    assert tomllib.loads((app / ANSWERS_FILE).read_text())["node-version"] == "24"
    base = (app / RENDERED_DIR / "Dockerfile").read_text()
    assert "HEALTHCHECK" not in base and "ARG NODE_VERSION=24." in base  # the base is dockgen's own render
    assert not list(app.glob("*.bak"))
    again = json.loads(run("update", app, "--json").stdout)
    assert {f["status"] for f in again["files"]} == {"keep"}


def test_update_conflict_writes_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--node-version", "22").returncode == 0
    text = (app / "Dockerfile").read_text()
    pinned = next(line for line in text.splitlines() if line.startswith("ARG NODE_VERSION="))
    _edited(app, pinned, "ARG NODE_VERSION=22.0.0")
    before = snapshot(app)
    proc = run("update", app, "--node-version", "24", "--write")
    assert proc.returncode == 3, proc.stderr
    assert "conflict        Dockerfile" in proc.stdout and "+<<<<<<< yours (Dockerfile)" in proc.stdout
    assert proc.stderr.startswith("error: Dockerfile: your edits and dockgen's new render conflict")
    assert snapshot(app) == before
    # taking dockgen's side of the conflict by hand resolves it
    _edited(app, "ARG NODE_VERSION=22.0.0", pinned)
    assert run("update", app, "--node-version", "24", "--write").returncode == 0


def test_update_after_a_lockfile_change(tmp_path: Path) -> None:
    """The repository changes (a package manager switch): the Dockerfile's install lines change,
    the hand edit stays."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    _edited(app, "USER ", "LABEL team=web\nUSER ")
    (app / "package-lock.json").unlink()
    (app / "yarn.lock").write_text("# yarn lockfile v1\n\n\nexpress@^4.21.0:\n  version \"4.21.2\"\n")
    result = dockgen.update(app, write=True)
    assert {f.path: f.status for f in result.files}["Dockerfile"] == "merge"
    text = (app / "Dockerfile").read_text()
    assert "yarn.lock" in text and "LABEL team=web" in text


def test_update_without_answers_uses_the_stamp(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app, "--port", "4000", "--no-record").returncode == 0
    result = dockgen.update(app)
    assert result.options.port == 4000 and {f.status for f in result.files} >= {"identical"}
    # the .dockerignore has no base and no stamp: a difference would be a conflict, not an overwrite
    (app / ".dockerignore").write_text("node_modules\n")
    result = dockgen.update(app)
    assert {f.path: f.status for f in result.files}[".dockerignore"] == "conflict"


def test_update_needs_something_recorded(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    proc = run("update", app)
    assert proc.returncode == 1 and "no recorded answers" in proc.stderr and "dockgen init" in proc.stderr


@pytest.mark.parametrize("missing", ["Dockerfile", ".dockerignore"])
def test_update_recreates_a_deleted_file(tmp_path: Path, missing: str) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    (app / missing).unlink()
    result = dockgen.update(app, write=True)
    assert {f.path: f.status for f in result.files}[missing] == "create" and (app / missing).is_file()


def test_stamp_line_is_dockgens_and_edits_beside_it_do_not_conflict(tmp_path: Path) -> None:
    """Pinning the syntax line (line 1) and rewording the comment under the stamp (line 3), then a
    lockfile change that moves the stamp: no conflict, both edits kept, the new stamp in place."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    dockerfile = app / "Dockerfile"
    lines = dockerfile.read_text().split("\n")
    lines[0], lines[2] = "# syntax=docker/dockerfile:1.7", "# house note"
    dockerfile.write_text("\n".join(lines))
    (app / "package-lock.json").write_text((app / "package-lock.json").read_text() + "\n")
    proc = run("update", app, "--write")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = dockerfile.read_text().split("\n")
    assert after[0] == "# syntax=docker/dockerfile:1.7" and after[2] == "# house note"
    assert after[1].startswith("# dockgen-stamp:") and after[1] != lines[1]
    assert run("check", app).returncode == 0


def test_check_accepts_the_edits_update_kept_and_flags_the_next_one(tmp_path: Path) -> None:
    """Issue 5: `dockgen check` fails on a hand edit; issue 6: `update --write` keeps hand edits. Edits
    that went through `update --write` are restamped as reviewed; a later hand edit fails again."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("\nUSER ", '\nENV HAND_EDIT="kept"\nUSER ', 1))
    assert run("check", app).returncode == 4  # edited by hand
    assert run("update", app, "--write").returncode == 0
    assert 'ENV HAND_EDIT="kept"' in dockerfile.read_text()
    proc = run("check", app)
    assert proc.returncode == 0 and "includes your edits" in proc.stdout, proc.stdout + proc.stderr
    dockerfile.write_text(dockerfile.read_text() + "# one more\n")
    assert run("check", app).returncode == 4
    # dockgen renders something else now (another port): stale, even with the reviewed edits
    dockerfile.write_text(dockerfile.read_text().replace("# one more\n", ""))
    assert run("update", app, "--port", "8080", "--write").returncode == 0
    assert run("check", app).returncode == 0
    (app / "package.json").write_text((app / "package.json").read_text().replace('"1.0.0"', '"1.0.1"'))
    assert run("check", app).returncode == 4


def test_dockerignore_edit_survives_a_new_rule_and_new_figures(tmp_path: Path) -> None:
    """A rule the user added inside dockgen's .dockerignore, then the tree grows (node_modules, a
    coverage dir: new figures and a new rule): the merge keeps the rule once and adds dockgen's."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    ignore = app / ".dockerignore"
    ignore.write_text(ignore.read_text().replace("\n**/.env\n", "\n**/.env\nmy-secrets/\n", 1))
    (app / "coverage").mkdir()
    (app / "coverage" / "lcov.info").write_text("c" * 3000)
    (app / "node_modules" / "x").mkdir(parents=True)
    (app / "node_modules" / "x" / "i.js").write_text("x" * 9000)
    proc = run("update", app, "--write")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = ignore.read_text()
    assert text.count("my-secrets/\n") == 1 and "\ncoverage\n" in text and "# coverage: 3.0 kB in 1 file" in text
    again = run("update", app)
    assert again.returncode == 0 and "up to date" in again.stdout + again.stderr


@pytest.mark.parametrize(("head", "at"), [
    ("# syntax=docker/dockerfile:1\n", 1),
    ("# syntax=docker/dockerfile:1\n# check=error=true\n# escape=`\n", 3),
    ("", 0),
])
def test_stamp_goes_after_the_parser_directives(head: str, at: int) -> None:
    """Docker reads parser directives only before the first comment: the stamp (a comment) must follow
    all of them, or a template's `# check=` would be silently ignored."""
    import dockerfile as docker_parser

    from dockgen.stamp import split, stamped

    text = head + "FROM scratch\nCOPY a /a\n"
    out = stamped(text, version="1", template="t", options={}, inputs={})
    lines = out.split("\n")
    assert lines[at].startswith("# dockgen-stamp:") and "\n".join(lines[:at] + lines[at + 1:]) == text
    stamp, body = split(out)
    assert stamp is not None and body == text
    assert [c.cmd for c in docker_parser.parse_string(out)] == ["FROM", "COPY"]


def test_update_write_refuses_a_read_only_base_before_writing_anything(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    (app / "package.json").write_text((app / "package.json").read_text().replace('"1.0.0"', '"2.0.0"'))
    (app / RENDERED_DIR / "Dockerfile").chmod(0o444)
    before = snapshot(app)
    proc = run("update", app, "--port", "8080", "--write")
    assert proc.returncode == 1 and ".dockgen/rendered/Dockerfile is read-only" in proc.stderr
    assert snapshot(app) == before  # neither the Dockerfile, nor the answers, nor the other copy


def test_init_and_init_check_accept_the_edits_update_kept(tmp_path: Path) -> None:
    """After `update --write` kept hand edits, init leaves both files as they are (status keep) and
    init --check agrees with dockgen check (exit 0); a later hand edit of the Dockerfile is drift again,
    and a changed option is still written."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    (app / ".dockerignore").write_text((app / ".dockerignore").read_text() + "docs\n")
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("\nUSER ", "\nHEALTHCHECK NONE\nUSER ", 1))
    assert run("update", app, "--write").returncode == 0
    before = snapshot(app)
    for args in (("init", app, "--check"), ("init", app), ("check", app)):
        proc = run(*args)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    assert "keep            Dockerfile  (your edits, kept by `dockgen update --write`)" in run("init", app).stdout
    assert snapshot(app) == before
    dockerfile.write_text(dockerfile.read_text() + "# later\n")
    proc = run("init", app, "--check")
    assert proc.returncode == 4 and "Dockerfile differs" in proc.stderr
    dockerfile.write_text(dockerfile.read_text().replace("# later\n", ""))
    assert run("init", app, "--port", "8080").returncode == 3  # a new option over kept edits: update merges it
    assert run("update", app, "--port", "8080", "--write").returncode == 0
    assert "HEALTHCHECK NONE" in dockerfile.read_text() and "EXPOSE 8080" in dockerfile.read_text()


def test_update_keeps_a_crlf_dockerfile_crlf_and_warns_about_a_line_that_breaks_the_build(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    dockerfile = app / "Dockerfile"
    dockerfile.write_bytes(dockerfile.read_bytes().replace(b"\n", b"\r\n"))  # a Windows checkout (autocrlf)
    stamp_before = dockerfile.read_bytes().split(b"\r\n")[1]
    (app / "package.json").write_text((app / "package.json").read_text().replace('"1.0.0"', '"2.0.0"'))
    (app / ".dockerignore").write_text((app / ".dockerignore").read_text() + "package-lock.json\n")
    proc = run("update", app, "--write")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = dockerfile.read_bytes()
    assert data.split(b"\r\n")[1] != stamp_before and data.count(b"\r\n") == data.count(b"\n")  # updated, CRLF
    assert run("check", app).returncode == 0
    assert "warning: your .dockerignore excludes package-lock.json, which the Dockerfile copies" in proc.stderr


def test_a_dockerignore_edited_by_hand_is_drift_until_update_keeps_it(tmp_path: Path) -> None:
    """Deleting a secrets rule by hand right after init is not 'kept by update': init conflicts and
    init --check is drift; once `update --write` kept it, both accept it, until the next hand edit."""
    app = make_app(tmp_path / "app")
    assert run("init", app).returncode == 0
    ignore = app / ".dockerignore"
    ignore.write_text(ignore.read_text().replace("\n**/.env\n", "\n", 1))
    assert run("init", app, "--check").returncode == 4
    assert run("init", app).returncode == 3
    assert run("update", app, "--write").returncode == 0
    assert "\n**/.env\n" not in ignore.read_text()
    assert run("init", app, "--check").returncode == 0
    ignore.write_text(ignore.read_text() + "later/\n")
    assert run("init", app, "--check").returncode == 4


def test_a_user_templates_exceptions_do_not_make_init_and_update_disagree(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", files={"certs/a.pem": "a\n"})
    house = node_slim_with(tmp_path / "house", "COPY certs/a.pem ./\n")
    (tmp_path / ".git").mkdir()  # house/ and app/ in one checkout: update may use the recorded house
    assert run("init", app, "--template-dir", house, "-t", "node-slim").returncode == 0
    (app / ".dockerignore").write_text((app / ".dockerignore").read_text() + "tmp/\n")
    assert run("update", app, "--write").returncode == 0
    for args in (("init", app, "--check"), ("init", app)):
        proc = run(*args)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)


def test_update_warns_when_a_kept_line_excludes_what_a_user_template_copies(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", files={"certs/a.pem": "a\n"})
    house = node_slim_with(tmp_path / "house", "COPY certs/ ./certs/\n")
    (tmp_path / ".git").mkdir()  # house/ and app/ in one checkout: update may use the recorded house
    assert run("init", app, "--template-dir", house, "-t", "node-slim").returncode == 0
    (app / ".dockerignore").write_text((app / ".dockerignore").read_text() + "certs/\n")
    proc = run("update", app, "--write")
    assert proc.returncode == 0
    assert "warning: your .dockerignore excludes certs, which the Dockerfile copies" in proc.stderr
    assert "certs/)" in proc.stderr  # the line as the user wrote it
