"""`dockgen context`: listing, JSON report, secrets, COPY checks, ignore-file choice, --suggest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dockgen.context import analyze, walk
from dockgen.dockerignore import parse
from dockgen.suggest import HEADER, suggest


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, timeout=60)


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


APP = {
    "package.json": '{"name": "a"}', "package-lock.json": "{}", "server.js": "x",
    "node_modules/x/index.js": "y" * 1000, "src/a.js": "a", "src/b.log": "log", ".env": "SECRET=1",
    "keys/server.pem": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    "keys/notakey.pem": "just a certificate chain, no key", ".git/HEAD": "ref",
    "Dockerfile": "FROM node:24\nCOPY package.json package-lock.json ./\nCOPY server.js src ./\n",
}


def test_list_is_sorted_relative_posix_and_honours_the_rules(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP, ".dockerignore": "node_modules\n.git\n*.pem\n"})
    (ctx / os.fsdecode(b"raw-\xff")).write_text("x")
    out = run("context", ctx, "--list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split(b"\n")[:-1]
    assert lines == sorted(lines)
    assert b"node_modules/x/index.js" not in lines and b"src/a.js" in lines and b"raw-\xff" in lines
    assert b"keys/server.pem" in lines  # *.pem is anchored at the root: keys/server.pem is still sent
    null = run("context", ctx, "--list", "--null").stdout
    assert null.split(b"\0")[:-1] == lines
    assert b"src/" in run("context", ctx, "--list", "--dirs").stdout.split(b"\n")


def test_json_report_counts_secrets_and_copy_sources(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP, ".dockerignore": "node_modules\n.git\n**/*.log\n"})
    proc = run("context", ctx, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ignore_file"] == ".dockerignore" and data["dockerfile"] == "Dockerfile"
    assert data["ignored"]["files"] == 1 and data["ignored"]["complete"] is False
    assert set(data["ignored"]["pruned_dirs"]) == {"node_modules", ".git"}
    secrets = {s["path"]: s for s in data["secrets"]}
    assert secrets[".env"]["sent"] and secrets["keys/server.pem"]["kind"] == "private key"
    assert "keys/notakey.pem" not in secrets  # a .pem without a private key is not a secret
    assert {c["source"]: c["status"] for c in data["copy_sources"]} == {
        "package.json": "sent", "package-lock.json": "sent", "server.js": "sent", "src": "sent"}
    full = json.loads(run("context", ctx, "--json", "--full").stdout)
    assert full["ignored"]["complete"] and full["ignored"]["files"] == 3
    assert full["largest_dirs"][0]["path"] == "node_modules"


def test_an_excluded_copy_source_is_an_error_naming_the_rule(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP, ".dockerignore": "# keep it small\nnode_modules\n*.json\n"})
    proc = run("context", ctx, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert "COPY package.json (Dockerfile line 2) is excluded by .dockerignore:3: *.json" in data["errors"]
    assert b"error: the build would fail" in proc.stderr


def test_missing_copy_source_is_an_error(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"Dockerfile": "FROM scratch\nCOPY nope.txt /\n", "a": "x"})
    proc = run("context", ctx)
    assert proc.returncode == 1 and b"no such file in the context" in proc.stderr


def test_dockerfile_specific_ignore_file_wins_even_when_empty(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"a": "1", "b": "2", ".dockerignore": "a\n", "sub/app.Dockerfile": "FROM scratch\n",
                          "sub/app.Dockerfile.dockerignore": "# nothing\n"})
    report = analyze(ctx, dockerfile=ctx / "sub" / "app.Dockerfile", listing=True)
    assert report.ignore_file == "sub/app.Dockerfile.dockerignore" and "a" in (report.walk.listing or [])
    assert analyze(ctx, listing=True).walk.listing == [".dockerignore", "b", "sub/", "sub/app.Dockerfile",
                                                       "sub/app.Dockerfile.dockerignore"]


def test_invalid_pattern_names_the_file_and_line(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"a": "1", ".dockerignore": "a\n# fine\n[oops\n"})
    proc = run("context", ctx)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.startswith("error: .dockerignore:3: syntax error in pattern '[oops'") and "hint:" in err
    assert "Traceback" not in err


def test_missing_context_and_broken_links(tmp_path: Path) -> None:
    proc = run("context", tmp_path / "nope")
    assert proc.returncode == 1 and b"no such directory" in proc.stderr
    ctx = tree(tmp_path / "c", {"a": "1"})
    (ctx / "dangling").symlink_to("missing/target")
    (ctx / "loop").symlink_to("loop")
    out = run("context", ctx, "--list")
    assert out.returncode == 0 and out.stdout.split(b"\n")[:-1] == [b"a", b"dangling", b"loop"]


def test_suggest_merges_flags_and_measures(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP, ".dockerignore": "node_modules\n*.json\n", "coverage/lcov.info": "c" * 500})
    s = suggest(ctx, needed=["package.json", "package-lock.json", "server.js", "src"],
                existing=(ctx / ".dockerignore").read_text(), version="test")
    assert s.text.startswith(HEADER)
    assert s.flagged == ["*.json"] and "# dockgen: the next line excludes" in s.text
    assert "node_modules\n# dockgen: the next line excludes a file the Dockerfile copies: review it\n*.json\n" \
        in s.text  # the user's lines, kept as they were, the bad one flagged
    rules = parse(s.text)
    assert rules.excluded("coverage/lcov.info") and rules.excluded(".env") and rules.excluded(".git/HEAD")
    assert not rules.excluded("src/a.js")
    assert "# coverage: 500 B in 1 file" in s.text and s.after_bytes < s.before_bytes


def test_suggest_never_writes_a_rule_that_excludes_what_is_copied(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"logs/keep.txt": "needed", "app.js": "x"})
    s = suggest(ctx, needed=["logs/keep.txt", "app.js"])
    assert "logs" in s.dropped
    assert not parse(s.text).excluded("logs/keep.txt")


def test_allow_list_sends_exactly_what_is_copied(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP})
    s = suggest(ctx, needed=["package.json", "package-lock.json", "server.js", "src"], allowlist=True)
    sent = walk(ctx, parse(s.text), listing=True).listing or []
    assert [p for p in sent if not p.endswith("/")] == ["package-lock.json", "package.json", "server.js",
                                                        "src/a.js"]


def test_suggest_cli_prints_a_dockerignore_and_sizes(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {**APP})
    proc = run("context", ctx, "--suggest")
    assert proc.returncode == 0 and proc.stdout.decode().startswith(HEADER)
    assert b"with this .dockerignore" in proc.stderr


def test_lines_added_to_dockgens_file_are_kept_after_its_rules_in_their_order(tmp_path: Path) -> None:
    """A user's additions to a .dockerignore dockgen wrote survive the next render, after dockgen's rules
    and in the user's order (the last matching line wins: `!config/*.key` then `config/secret.key` must
    keep the secret out); a rule dockgen also knows but writes elsewhere (coverage) is the user's."""
    ctx = tree(tmp_path, {**APP, "keep/.env.example": "A=", "secret-dir/k": "s", "config/public.key": "p",
                          "config/secret.key": "s"})
    needed = ["package.json", "package-lock.json", "server.js", "src"]
    first = suggest(ctx, needed=needed, version="test").text
    added = "# ours\ncoverage\nsecret-dir/\n!keep/.env.example\n!config/*.key\nconfig/secret.key\n"
    second = suggest(ctx, needed=needed, existing=first + added, version="test").text
    assert second.rstrip().endswith("(kept in your order) ---\n" + added.rstrip())
    rules = parse(second)
    assert rules.excluded("secret-dir/k") and rules.excluded(".env") and not rules.excluded("keep/.env.example")
    assert rules.excluded("config/secret.key") and not rules.excluded("config/public.key")
    # lines inserted in the middle of dockgen's sections move after them, in order; nothing is lost
    middle = first.replace("\n**/.env\n", "\n**/.env\nmy-secrets/\n!config/*.key\n", 1)
    third = suggest(ctx, needed=needed, existing=middle, version="test").text
    assert third.rstrip().endswith("(kept in your order) ---\nmy-secrets/\n!config/*.key")
    # and a render of a rendered file is that file: nothing moves again
    assert suggest(ctx, needed=needed, existing=second, version="test").text == second
    assert suggest(ctx, needed=needed, existing=third, version="test").text == third


def test_figures_alone_do_not_make_the_dockerignore_differ(tmp_path: Path) -> None:
    """`npm ci`, a log, a new source file or the .bak `init --force` keeps change what the tree holds, not
    the rules: init, init --check and update stay quiet; --force refreshes the figures."""
    app = tree(tmp_path / "app", {"package.json": '{"name": "a", "scripts": {"start": "node server.js"}}',
                                  "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
                                  "server.js": "require('http').createServer().listen(3000)\n"})
    assert run("init", app).returncode == 0
    written = (app / ".dockerignore").read_text()
    assert run("init", app, "--port", "8080", "--force").returncode == 0
    assert (app / "Dockerfile.bak").exists()
    tree(app, {"node_modules/express/index.js": "x" * 5000, "npm-debug.log": "x", "lib/new.js": "y" * 300})
    for args in (("init", app), ("init", app, "--check"), ("update", app)):
        proc = run(*args)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    assert (app / ".dockerignore").read_text() == written
    assert run("init", app, "--force").returncode == 0  # asked for: measured afresh
    fresh = (app / ".dockerignore").read_text()
    assert fresh != written and fresh.splitlines()[1:] != written.splitlines()[1:]
    assert "# **/node_modules: 5.0 kB in 1 file" in fresh


def test_a_copied_file_re_excluded_after_its_exception_is_excluded_not_partly(tmp_path: Path) -> None:
    """`**/*.pem`, `!certs/a.pem`, `certs/`: the file is out (the last matching line wins), and a file has
    no inside an exception could send: `dockgen context` says the build would fail."""
    ctx = tree(tmp_path, {"certs/a.pem": "a", "Dockerfile": "FROM scratch\nCOPY certs/a.pem /a.pem\n",
                          ".dockerignore": "**/*.pem\n!certs/a.pem\ncerts/\n"})
    proc = run("context", ctx)
    assert proc.returncode == 1 and b"excluded" in proc.stdout + proc.stderr
    assert b"partly-excluded" not in proc.stdout


def test_a_users_exceptions_before_dockgens_rules_keep_their_effect(tmp_path: Path) -> None:
    """A hand-written .dockerignore with `!public/cert.pem` and `!.env.example`: dockgen's rules come
    after the user's lines, so each rule that would exclude them again is followed by the exception."""
    ctx = tree(tmp_path, {**APP, "public/cert.pem": "c", ".env.example": "A=",
                          ".dockerignore": "tmp\n!public/cert.pem\n!.env.example\n"})
    needed = ["package.json", "package-lock.json", "server.js", "src"]
    text = suggest(ctx, needed=needed, existing=(ctx / ".dockerignore").read_text(), version="test").text
    rules = parse(text)
    assert not rules.excluded("public/cert.pem") and not rules.excluded(".env.example")
    assert rules.excluded(".env") and rules.excluded("keys/server.pem")
    assert suggest(ctx, needed=needed, existing=text, version="test").text == text  # stable
