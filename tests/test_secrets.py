"""Secrets never reach the image: one detector (secrets.py) behind `dockgen context`, `context --suggest`
(deny- and allow-list), `init` and `migrate --write`; every .dockerignore dockgen writes is checked
with Docker's own matching (dockerignore.py + the context walker): re-measured, it sends no secret
except one the Dockerfile copies by name (then re-included with `!path`, and said so)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockgen import secrets
from dockgen.context import _Matcher, analyze, path_is_sent, sent_paths, walk
from dockgen.dockerignore import parse
from dockgen.suggest import suggest

from .apps import make_app, node_slim_with


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockgen", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def pem(label: str) -> str:
    body = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


# token-shaped values, built here so that no scanner mistakes this file for a leak
AKIA = "AKIA" + "Z7Q3XK2M4N5P6R7T"
GHP = "ghp_" + "aB3dE6" * 6
GHO = "gho_" + "Zy9Xw8" * 6
PAT = "github_pat_" + "11ABCDEFG0123456789abc" + "_" + "x" * 59
NPM = "npm_" + "Q1w2E3r4T5y6" * 3
SLACK = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"[:35]
SERVICE_ACCOUNT = json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "1",
                              "private_key": pem("PRIVATE KEY"), "client_email": "a@p.iam.gserviceaccount.com"})

# path -> (content, kind): every kind of secret the issue lists, and a few more
SECRETS: dict[str, tuple[str | bytes, str]] = {
    ".aws/credentials": (f"[default]\naws_access_key_id = {AKIA}\naws_secret_access_key = x\n", "cloud credentials"),
    ".aws/config": ("[default]\nregion = eu-west-1\n", "cloud credentials"),
    ".aws/sso/cache/token.json": ('{"accessToken": "x"}', "cloud credentials"),
    ".ssh/id_rsa": (pem("RSA PRIVATE KEY"), "ssh private key"),
    ".ssh/id_ecdsa": (pem("EC PRIVATE KEY"), "ssh private key"),
    ".ssh/id_ed25519": (pem("OPENSSH PRIVATE KEY"), "ssh private key"),
    ".ssh/id_ed25519_sk": (pem("OPENSSH PRIVATE KEY"), "ssh private key"),
    ".ssh/id_ecdsa_sk": (pem("OPENSSH PRIVATE KEY"), "ssh private key"),
    ".ssh/github-deploy": (pem("OPENSSH PRIVATE KEY"), "ssh private key"),  # custom name: found by its header
    "id_dsa": (pem("DSA PRIVATE KEY"), "ssh private key"),
    "ops/keys/deploy_key": (pem("OPENSSH PRIVATE KEY"), "private key"),
    "keys/rsa.txt": (pem("RSA PRIVATE KEY"), "private key"),
    "keys/ec.key": (pem("EC PRIVATE KEY"), "private key"),
    "keys/dsa": (pem("DSA PRIVATE KEY"), "private key"),
    "keys/encrypted.pem": (pem("ENCRYPTED PRIVATE KEY"), "private key"),
    "keys/signing.asc": (pem("PGP PRIVATE KEY BLOCK"), "private key"),
    "keys/Server.PEM": (pem("PRIVATE KEY"), "private key"),  # Docker's matching is case-sensitive
    "keys/putty.ppk": ("PuTTY-User-Key-File-3: ssh-ed25519\n", "private key"),
    "server.pem": (pem("PRIVATE KEY"), "private key"),
    ".docker/config.json": ('{"auths": {"registry.example": {"auth": "dXNlcjpwYXNzd29yZA=="}}}',
                            "docker registry auth"),
    ".kube/config": ("apiVersion: v1\nkind: Config\nusers: []\n", "kubernetes credentials"),
    "deploy/kubeconfig.yaml": ("apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: a\n  user:\n"
                               "    token: eyJhbGciOiJSUzI1NiIsImtpZCI6\n", "kubernetes credentials"),
    ".pgpass": ("db:5432:app:app:hunter2\n", "credentials file"),
    ".pypirc": ("[pypi]\nusername = __token__\npassword = pypi-x\n", "credentials file"),
    ".git-credentials": ("https://u:p@git.example\n", "credentials file"),
    ".netrc": ("machine x login u password p\n", "credentials file"),
    "certs/client.p12": (b"0\x82\x0b\x1f\x02\x01\x03", "key store"),
    "certs/server.pfx": (b"0\x82\x0b\x1f\x02\x01\x03", "key store"),
    "android/release.jks": (b"\xfe\xed\xfe\xed\x00\x00", "key store"),
    "android/app.keystore": (b"\xfe\xed\xfe\xed\x00\x00", "key store"),
    "config/gcp.json": (SERVICE_ACCOUNT, "cloud credentials"),  # found by its content, whatever its name
    "client_secret_42.apps.googleusercontent.com.json": ('{"installed": {"client_secret": "x"}}',
                                                         "cloud credentials"),
    "infra/terraform.tfstate": ('{"version": 4}', "terraform state"),
    "infra/terraform.tfstate.backup": ('{"version": 4}', "terraform state"),
    "infra/prod.tfstate": ('{"version": 4}', "terraform state"),
    "packages/web/.npmrc": ("//registry.example/:_authToken=abc123\n", "npm token"),
    "packages/web/.yarnrc.yml": ('npmAuthToken: "abc123"\n', "npm token"),
    "tools/.yarnrc.yml": ("npmScopes:\n  acme:\n    npmAuthIdent: \"u:p\"\n", "npm token"),
    ".env": ("SECRET=1\n", "env file"),
    ".env.local": ("SECRET=1\n", "env file"),
    ".env.production": ("SECRET=1\n", "env file"),
    ".env.development.local": ("SECRET=1\n", "env file"),
    "apps/api/.env": ("SECRET=1\n", "env file"),
    "deploy/prod.env": ("SECRET=1\n", "env file"),
    "config/aws.ini": (f"key = {AKIA}\n", "aws access key"),
    "config/github.yml": (f"token: {GHP}\n", "github token"),
    "config/gh-oauth.json": (f'{{"token": "{GHO}"}}', "github token"),
    "config/pat.txt": (PAT + "\n", "github token"),
    "config/npm-token": (NPM + "\n", "npm token"),
    "config/slack.yaml": (f"webhook_token: {SLACK}\n", "slack token"),
    "config/stripe.toml": (f'key = "{STRIPE}"\n', "stripe live key"),
    "config/google.properties": (f"maps.key={GOOGLE}\n", "google api key"),
    "odd/#deploy key[1]+(x)": (pem("OPENSSH PRIVATE KEY"), "private key"),  # a name that needs escaping
    "odd/!bang": (f"{GHP}\n", "github token"),
}

# look-alikes that are not secrets
HARMLESS: dict[str, str] = {
    ".env.example": "SECRET=\n", ".env.sample": "SECRET=\n", "example.env": "SECRET=\n", "tsconfig.json": "{}",
    "keys/id_rsa.pub": "ssh-rsa AAAAB3NzaC1yc2E user@host\n", ".ssh/known_hosts": "host ssh-ed25519 AAAA\n",
    ".ssh/authorized_keys": "ssh-ed25519 AAAA user\n", "certs/ca.pem": "-----BEGIN CERTIFICATE-----\nMII\n",
    "README.md": "Never commit a file starting with -----BEGIN RSA PRIVATE KEY----- nor " + AKIA + "\n",
    "docs/aws.txt": "the documented example key: AKIAIOSFODNN7EXAMPLE\n",
    "config/payments.txt": "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc\n", "src/client.js": f"const token = '{GHP}'\n",
    "docker/.docker/daemon.json": '{"features": {}}', ".npmrc": "registry=https://registry.example/\n",
    "node_modules/pkg/package.json": '{"name": "pkg"}', "data/large.json": " " * 70000 + SERVICE_ACCOUNT,
}


def fixture(root: Path, *, with_app: bool = True) -> Path:
    files: dict[str, str | bytes] = {p: c for p, (c, _) in SECRETS.items()} | dict(HARMLESS)
    if with_app:
        return make_app(root, files=files)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def sent_secrets(root: Path, ignore_text: str) -> list[str]:
    """The secrets of SECRETS the engine would send with this .dockerignore (Docker's matching, and the
    walker's pruning): the paths it sends, intersected."""
    sent = set(sent_paths(root, parse(ignore_text)))
    return sorted(p for p in SECRETS if p in sent)


# -- the detector ----------------------------------------------------------------------------------------

def test_context_finds_every_kind_and_no_look_alike(tmp_path: Path) -> None:
    root = fixture(tmp_path)
    report = analyze(root)
    found = {s.path: s.kind for s in report.secrets}
    missed = {p: k for p, (_, k) in SECRETS.items() if p not in found}
    assert not missed, f"not found: {missed}"
    assert {p: found[p] for p in SECRETS} == {p: k for p, (_, k) in SECRETS.items()}
    assert not set(found) & set(HARMLESS), "look-alikes flagged"
    assert all(s.sent for s in report.secrets)  # no .dockerignore: all of them are sent


def test_the_cli_report_names_each_secret_and_its_kind(tmp_path: Path) -> None:
    root = fixture(tmp_path)
    proc = run("context", root, "--json")
    assert proc.returncode == 0, proc.stderr
    data = {s["path"]: s for s in json.loads(proc.stdout)["secrets"]}
    assert set(data) == set(SECRETS) and all(s["sent"] for s in data.values())
    text = run("context", root)
    assert "warning: secret .aws/config (cloud credentials) is sent" in text.stderr


def test_content_is_read_only_for_small_files_of_scanned_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What is read: 64 KiB at most, never a source file, a document or anything under node_modules."""
    root = fixture(tmp_path)
    (root / "node_modules/pkg/key").write_text(pem("OPENSSH PRIVATE KEY"))
    read: list[str] = []
    real = secrets.check

    def spy(path: str, name: str, size: int, sent: bool, read_head, where=secrets.ROOT):  # type: ignore[no-untyped-def]
        def head() -> bytes:
            read.append(path)
            data: bytes = read_head()
            assert len(data) <= secrets.HEAD
            return data
        return real(path, name, size, sent, head, where)

    monkeypatch.setattr(secrets, "check", spy)
    walk(root, None, find_secrets=True, measure_ignored=True)
    assert "config/gcp.json" in read and "keys/dsa" in read
    assert not [p for p in read if p.endswith((".md", ".js")) or p.startswith("node_modules/")
                or p == "data/large.json"]


@pytest.mark.parametrize("path", [p for p in SECRETS] + ["a b/ c ", "x/\u00e9t\u00e9 [draft].env", "lead/ space",
                                                          "q/a?b*c", "b/back\\slash", "n/new\nline", "h/#x", "e/!x",
                                                          "r/a+b(c){d}|e^f$g"])
def test_a_literal_pattern_matches_its_path_and_nothing_beside_it(path: str) -> None:
    line = secrets.literal_pattern(path)
    rules = parse(line + "\n")
    assert rules.excluded(path), (path, line)
    sibling = path.rsplit("/", 1)[0] + "/other" if "/" in path else "other"
    assert not rules.excluded(sibling) and not rules.excluded(path + "x")


def test_every_name_rule_is_covered_by_the_secret_rules() -> None:
    """A name or directory that makes a file a secret is excluded by the secrets category whatever the
    tree: only content-found secrets (and odd case) need a rule of their own."""
    rules = parse("\n".join(secrets.IGNORE_RULES) + "\n")
    by_name = [p for p in SECRETS if secrets.check(p, p.rsplit("/", 1)[-1], 1 << 30, True, lambda: b"",
                                                   secrets.place(p.rpartition("/")[0])) is not None]
    assert len(by_name) >= 25
    matcher = _Matcher(rules)  # the walker's view: a pruned directory's files are out (.aws/credentials)
    assert [p for p in by_name if path_is_sent(matcher, p)[0] == "sent"] == []


def test_the_plan_and_the_detector_agree_on_npmrc_tokens(tmp_path: Path) -> None:
    from dockgen.detect import detect

    for text, token in (("registry=https://r.example/\n", False), ("//r.example/:_authToken=x\n", True),
                        ("_auth = eA==\n", True), ("//r.example/:_password=x\n", True)):
        app = make_app(tmp_path / f"a{int(token)}{len(text)}", files={".npmrc": text})
        assert detect(app).npmrc_has_token is token  # type: ignore[union-attr]
        assert secrets.has_npm_token(text) is token
        assert (analyze(app).secrets != []) is token


# -- every .dockerignore dockgen writes keeps them out ----------------------------------------------------

@pytest.mark.parametrize("allow_list", [False, True])
def test_suggest_excludes_every_secret(tmp_path: Path, allow_list: bool) -> None:
    root = fixture(tmp_path)
    s = suggest(root, needed=["."], allowlist=allow_list)
    assert sent_secrets(root, s.text) == []
    assert {x.path for x in s.secrets} >= set(SECRETS) and all(x.status == "excluded" for x in s.secrets)
    rules = parse(s.text)
    assert not any(rules.excluded(p) for p in ("package.json", "server.js", "src/client.js", ".npmrc",
                                               "tsconfig.json"))
    assert "**/.ssh\n" in s.text and "**/.aws\n" in s.text  # a directory of secrets goes whole
    assert "config/gcp.json\n" in s.text and "odd/\\#deploy key\\[1\\]\\+\\(x\\)\n" in s.text
    again = suggest(root, needed=["."], allowlist=allow_list, existing=s.text)  # and it is stable
    assert again.text == s.text


@pytest.mark.parametrize("allow_list", [False, True])
def test_context_suggest_cli_excludes_what_context_flags(tmp_path: Path, allow_list: bool) -> None:
    root = fixture(tmp_path)
    (root / "Dockerfile").write_text("FROM node:24\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n")
    flagged = {s["path"] for s in json.loads(run("context", root, "--json").stdout)["secrets"] if s["sent"]}
    proc = run("context", root, "--suggest", *(["--allow-list"] if allow_list else []))
    assert proc.returncode == 0, proc.stderr
    (root / ".dockerignore").write_text(proc.stdout)
    assert sent_secrets(root, proc.stdout) == []
    after = json.loads(run("context", root, "--json").stdout)
    assert flagged == set(SECRETS) and not [s for s in after["secrets"] if s["sent"]]
    assert after["errors"] == []


def test_a_secret_the_dockerfile_copies_by_name_is_re_included_and_said(tmp_path: Path) -> None:
    """`COPY .env.production` used to drop the whole `**/.env.*` rule (it excluded a copied file), and
    .env.local went with the build; now the rule stays, `!.env.production` follows it, and the
    suggestion says the image gets that secret."""
    root = fixture(tmp_path)
    (root / "Dockerfile").write_text("FROM node:24\nWORKDIR /app\nCOPY .env.production config/gcp.json ./\n"
                                     "COPY server.js ./\n")
    proc = run("context", root, "--suggest", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    text = data["suggestion"]["text"]
    assert "**/.env.*\n!.env.production\n" in text
    assert sent_secrets(root, text) == [".env.production", "config/gcp.json"]
    copied = {s["path"] for s in data["suggestion"]["secrets"] if s["status"] == "copied"}
    assert copied == {".env.production", "config/gcp.json"}
    plain = run("context", root, "--suggest")
    assert "warning: secret .env.production (env file) is copied by the Dockerfile" in plain.stderr


def test_a_user_line_that_re_includes_a_secret_is_kept_and_said(tmp_path: Path) -> None:
    root = fixture(tmp_path)
    existing = "node_modules\n!.env.local\n"
    s = suggest(root, needed=["."], existing=existing)
    assert sent_secrets(root, s.text) == [".env.local"]
    assert [(x.path, x.status) for x in s.secrets if x.status != "excluded"] == [(".env.local", "re-included")]


@pytest.mark.parametrize("allow_list", [False, True])
def test_init_keeps_every_secret_out_and_names_them(tmp_path: Path, allow_list: bool) -> None:
    root = fixture(tmp_path / "app")
    proc = run("init", root, *(["--allow-list"] if allow_list else []))
    assert proc.returncode == 0, proc.stderr
    text = (root / ".dockerignore").read_text()
    assert sent_secrets(root, text) == []
    assert "secret .aws/credentials (cloud credentials)" in proc.stderr
    assert "secret config/gcp.json (cloud credentials)" in proc.stderr
    report = json.loads(run("context", root, "--json").stdout)
    assert report["errors"] == [] and not [s for s in report["secrets"] if s["sent"]]
    again = run("init", root, *(["--allow-list"] if allow_list else []))
    assert again.returncode == 0 and "identical       .dockerignore" in again.stdout


def test_init_via_the_api_reports_the_secrets(tmp_path: Path) -> None:
    from dockgen import api

    root = fixture(tmp_path / "app")
    done = api.generate(root)
    kinds = {s.path: s.kind for s in done.context.secrets}
    assert kinds[".ssh/id_ed25519"] == "ssh private key" and kinds["infra/prod.tfstate"] == "terraform state"
    assert sent_secrets(root, (root / ".dockerignore").read_text()) == []


def test_init_with_a_template_that_copies_a_secret_re_includes_it_and_warns(tmp_path: Path) -> None:
    """A user template copies .env.production (a rule excludes it: `!.env.production` follows) and
    config/gcp.json (found by its content: no rule is written for it); both are said."""
    root = fixture(tmp_path / "app")
    house = node_slim_with(tmp_path / "house", "COPY .env.production config/gcp.json ./config/\n")
    proc = run("init", root, "--template-dir", house, "-t", "node-slim")
    assert proc.returncode == 0, proc.stderr
    text = (root / ".dockerignore").read_text()
    assert sent_secrets(root, text) == [".env.production", "config/gcp.json"]
    assert "\n**/.env.*\n!.env.production\n" in text and "config/gcp.json" not in text
    for what in (".env.production (env file)", "config/gcp.json (cloud credentials)"):
        assert f"warning: secret {what} is copied by the Dockerfile" in proc.stderr


def test_migrate_write_keeps_every_secret_out(tmp_path: Path) -> None:
    root = fixture(tmp_path / "app")
    (root / "Dockerfile").write_text("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n"
                                     "CMD [\"node\", \"server.js\"]\n")
    proc = run("migrate", root, "--write")
    assert proc.returncode == 0, proc.stderr
    assert sent_secrets(root, (root / ".dockerignore").read_text()) == []
    report = json.loads(run("context", root, "--json").stdout)
    assert not [s for s in report["secrets"] if s["sent"]]


def test_a_clean_checkout_writes_the_same_file_and_a_new_secret_is_drift(tmp_path: Path) -> None:
    """The developer's tree holds a gitignored key; CI's checkout does not: its rule of its own stays
    (init --check is quiet there). A key that appears later is drift (`init --check` exits 4), and
    `update --write` adds its rule."""
    root = make_app(tmp_path / "app", files={"config/gcp.json": SERVICE_ACCOUNT, "src/a.js": "a\n"})
    assert run("init", root).returncode == 0
    text = (root / ".dockerignore").read_text()
    assert "\nconfig/gcp.json\n" in text
    (root / "config/gcp.json").unlink()
    clean = run("init", root, "--check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (root / "src/deploy_key").write_text(pem("OPENSSH PRIVATE KEY"))
    drift = run("init", root, "--check")
    assert drift.returncode == 4 and ".dockerignore differs" in drift.stderr
    updated = run("update", root, "--write")
    assert updated.returncode == 0, updated.stderr
    text = (root / ".dockerignore").read_text()
    assert "\nconfig/gcp.json\n" in text and "\nsrc/deploy_key\n" in text
    sent = set(sent_paths(root, parse(text)))
    assert "src/deploy_key" not in sent and "src/a.js" in sent


def test_a_workspace_member_s_ignore_file_keeps_the_root_s_secrets_out(tmp_path: Path) -> None:
    """A member is built from the workspace root: the secrets anywhere in it are the context's."""
    import shutil

    real = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "pnpm-workspace-ts" / "app"
    root = Path(shutil.copytree(real, tmp_path / "ws"))
    for rel, content in (("apps/worker-http/.env.production", "S=1\n"), ("infra/deploy", pem("EC PRIVATE KEY")),
                         (".aws/credentials", "[default]\n")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    proc = run("init", root, "--app", "apps/api")
    assert proc.returncode == 0, proc.stderr
    text = (root / "apps/api/Dockerfile.dockerignore").read_text()
    assert "\ninfra/deploy\n" in text
    sent = set(sent_paths(root, parse(text)))
    assert not sent & {"apps/worker-http/.env.production", "infra/deploy", ".aws/credentials"}
    assert "secret infra/deploy (private key)" in proc.stderr


def test_a_yarnrc_token_the_plan_copies_is_said(tmp_path: Path) -> None:
    """Yarn berry needs its .yarnrc.yml in the build: with a token in it, the file is copied (no rule can
    keep it out without breaking the install) and init says so."""
    root = make_app(tmp_path / "app", package={"name": "a", "version": "1.0.0", "packageManager": "yarn@4.5.0",
                                               "scripts": {"start": "node server.js"}}, lock=False,
                    files={"yarn.lock": "__metadata:\n  version: 8\n",
                           ".yarnrc.yml": "nodeLinker: node-modules\nnpmAuthToken: abc\n"})
    proc = run("init", root)
    assert proc.returncode == 0, proc.stderr
    assert "warning: secret .yarnrc.yml (npm token) is copied by the Dockerfile" in proc.stderr


def test_fifos_odd_names_and_unreadable_files_neither_hang_nor_break_the_file(tmp_path: Path) -> None:
    """A FIFO named like a key is never opened (reading it would block); a key whose name holds a newline,
    surrounding spaces or undecodable bytes still gets a rule Docker reads back as that exact path."""
    import os

    root = fixture(tmp_path, with_app=False)
    os.mkfifo(root / "deploy_key")
    os.mkfifo(root / ".env.staging")
    names = ["k/new\nline", "k/ padded ", os.fsdecode(b"k/raw-\xff-key")]
    for name in names:
        (root / "k").mkdir(exist_ok=True)
        (root / name).write_text(pem("OPENSSH PRIVATE KEY"))
    s = suggest(root, needed=["."])
    sent = set(sent_paths(root, parse(s.text)))
    assert not sent & {*SECRETS, *names}
    assert {x.path for x in s.secrets} >= set(names)
    assert "deploy_key" not in {x.path for x in s.secrets}
