"""Secrets in a build context: the one detector behind `dockgen context`, the measured .dockerignore
(`init`, `update`, `migrate --write`, `context --suggest`, allow-list or not) and the plan's .npmrc check.

A file is a secret by its **name** (``.env.production``, ``id_ed25519``, ``.pgpass``, ``*.p12``,
``terraform.tfstate``), by the **directory** it is in (anything under ``.aws/``; a private key under
``.ssh/``; ``.kube/config``; ``.docker/config.json`` holding registry auth), or by its **content**:
a private key header (PEM, OpenSSH, PGP, PuTTY), a service-account JSON key, a token in a well-known
format (AWS access key id, GitHub, npm, Slack, Stripe live, Google API).

Content is only ever read for a file's first 64 KiB (``HEAD``), and only for:

* names that need a signature to be a secret (``*.pem``, ``*.key``, ``.npmrc``, ``.yarnrc.yml``,
  ``credentials*.json``...): many such files are harmless (a certificate, a registry URL);
* small text files that a secret is usually written in: at most 64 KiB, with no extension (a key
  saved as ``deploy_key``) or a config/key extension (``SCANNED``), and not inside installed
  dependencies, version-control data or caches (``UNSCANNED_DIRS``: node_modules holds thousands of
  package.json files and test fixtures with example keys).

Never source code (``*.js``, ``*.py``) nor documentation (``*.md``, ``*.rst``, ``*.html``): they
quote key headers and example tokens, and a secret scanner for code is another tool's job.
Documented example values (``AKIAIOSFODNN7EXAMPLE``) are not tokens. Every rule in ``IGNORE_RULES``
excludes what the name and directory rules find; what only a content check finds (a key saved as
``config/deploy``) gets a rule of its own in the measured .dockerignore (suggest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

HEAD = 65536  # bytes read at most, and the largest file scanned for content

PEM_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d+:")
NPM_TOKEN = re.compile(rb"_(?:authToken|auth|password)\s*=|\bnpmAuth(?:Token|Ident)\s*:", re.I)
JSON_KEY = re.compile(rb'"(?:private_key|client_secret|secret_access_key)"\s*:')
SERVICE_ACCOUNT = re.compile(rb'"type"\s*:\s*"service_account"')
DOCKER_AUTH = re.compile(rb'"(?:auth|identitytoken|registrytoken)"\s*:\s*"[A-Za-z0-9+/=._-]{8,}')
KUBE_CREDENTIALS = re.compile(rb"^\s*(?:client-key-data|token)\s*:\s*\S{16,}", re.M)
# (kind, literal anchors one of which the token contains, the token): a regular expression runs only
# on a file holding one of its anchors (``bytes.__contains__`` is a fast scan, a lookbehind is not)
TOKENS: tuple[tuple[str, tuple[bytes, ...], re.Pattern[bytes]], ...] = (
    ("aws access key", (b"AKIA", b"ASIA"),
     re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)(?!IOSFODNN7EXAMPLE)[0-9A-Z]{16}(?![A-Za-z0-9])")),
    ("github token", (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_"),
     re.compile(rb"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})"
                rb"(?![A-Za-z0-9_])")),
    ("npm token", (b"npm_",), re.compile(rb"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")),
    ("slack token", (b"xox",), re.compile(rb"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}")),
    ("stripe live key", (b"k_live_",), re.compile(rb"(?<![A-Za-z0-9])[sr]k_live_[0-9A-Za-z]{20,}(?![A-Za-z0-9])")),
    ("google api key", (b"AIza",), re.compile(rb"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
)

ENV_EXAMPLES = frozenset({"example", "sample", "template", "dist", "defaults", "tmpl", "tpl"})
SSH_KEYS = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})
CREDENTIAL_FILES = frozenset({".git-credentials", ".netrc", "_netrc", ".pypirc", ".pgpass"})
KEY_STORES = (".p12", ".pfx", ".jks", ".keystore")
# extensions of the small text files whose content is scanned ("" for none: `deploy_key`, `.token`)
SCANNED = frozenset({"", ".json", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".config", ".properties",
                     ".txt", ".env", ".key", ".pem", ".crt", ".cer", ".p8", ".asc", ".xml", ".tfvars", ".secret",
                     ".secrets", ".token", ".creds", ".credentials"})
UNSCANNED_DIRS = frozenset({"node_modules", "bower_components", "jspm_packages", ".git", ".hg", ".svn", ".venv",
                            "venv", "site-packages", "__pycache__", ".yarn", ".pnpm-store", ".npm", ".cache", ".tox",
                            ".mypy_cache", ".pytest_cache", ".ruff_cache", ".turbo", ".gradle"})

# The secrets category of every measured .dockerignore: each excludes what a name or directory rule
# above finds (a test checks it with Docker's matching). Directories are excluded whole: .ssh's
# known_hosts is no secret, but nothing in it belongs in an image.
IGNORE_RULES: tuple[str, ...] = (
    "**/*.env", "**/.env", "**/.env.*", "**/*.pem", "**/*.key", "**/*.p12", "**/*.pfx", "**/*.jks",
    "**/*.keystore", "**/*.ppk", "**/id_rsa*", "**/id_dsa*", "**/id_ecdsa*", "**/id_ed25519*", "**/.ssh",
    "**/.aws", "**/.kube", "**/.docker/config.json", "**/.git-credentials", "**/.netrc", "**/_netrc",
    "**/.pypirc", "**/.pgpass", "**/*.tfstate", "**/*.tfstate.*",
)


@dataclass(frozen=True, slots=True)
class Secret:
    path: str
    kind: str  # "private key", "env file", "npm token", "cloud credentials", ...
    sent: bool  # True when the context sends it to the builder


@dataclass(frozen=True, slots=True)
class Place:
    """What a directory means for the files in it (computed once per directory by the walker)."""

    special: str  # "" or the innermost of ".aws", ".ssh", ".kube", ".docker" among its components
    scan: bool  # False inside dependencies, version control and caches


_SPECIAL_DIRS = (".aws", ".ssh", ".kube", ".docker")


def child_place(parent: Place, name: str) -> Place:
    """``place(rel_dir + "/" + name)`` from ``place(rel_dir)``: the walker's way, one name at a time. The
    innermost of .aws, .ssh, .kube, .docker is special; nothing is scanned below dependencies, version
    control, caches or an .egg-info."""
    special = name if name in _SPECIAL_DIRS else parent.special
    scan = parent.scan and not (name in UNSCANNED_DIRS or name.endswith(".egg-info"))
    if special == parent.special and scan == parent.scan:
        return parent
    return Place(special=special, scan=scan)


ROOT = Place(special="", scan=True)


def place(rel_dir: str) -> Place:
    where = ROOT
    for name in rel_dir.split("/") if rel_dir else ():
        where = child_place(where, name)
    return where


def is_env_file(lower: str) -> bool:
    """``.env``, ``.env.production``, ``prod.env``: not ``.env.example`` nor ``example.env``."""
    if lower == ".env":
        return True
    if lower.startswith(".env."):
        return not any(part in ENV_EXAMPLES for part in lower[5:].split("."))
    if lower.endswith(".env") and len(lower) > 4:
        return not any(part in ENV_EXAMPLES for part in lower[:-4].lstrip(".").split("."))
    return False


def _by_name(lower: str, where: Place) -> tuple[str, re.Pattern[bytes] | None] | None:
    """(kind, the signature that confirms it or None) when the name or directory alone makes the file
    a secret or a candidate."""
    if where.special == ".aws":
        return "cloud credentials", None
    if where.special == ".kube" and lower == "config":
        return "kubernetes credentials", None
    if where.special == ".docker" and lower == "config.json":
        return "docker registry auth", DOCKER_AUTH
    if is_env_file(lower):
        return "env file", None
    if lower in SSH_KEYS:
        return "ssh private key", None
    if lower.endswith((".pem", ".key", ".p8")) or lower in ("privkey", "private.key"):
        return "private key", PEM_KEY
    if lower.endswith(KEY_STORES):
        return "key store", None
    if lower.endswith(".ppk"):
        return "private key", None  # PuTTY's
    if lower in (".npmrc", ".yarnrc", ".yarnrc.yml"):
        return "npm token", NPM_TOKEN
    if lower in CREDENTIAL_FILES:
        return "credentials file", None
    if lower.endswith(".tfstate") or ".tfstate." in lower:
        return "terraform state", None
    if lower.endswith(".json") and ("credential" in lower or "service-account" in lower or "serviceaccount" in lower
                                    or lower.startswith("client_secret")):
        return "cloud credentials", JSON_KEY
    return None


def _extension(lower: str) -> str:
    dot = lower.rfind(".")
    return lower[dot:] if dot > 0 else ""  # a dotfile (.token) has none


def scannable(lower: str, size: int, where: Place) -> bool:
    """Whether a file's content is looked at when its name does not make it a candidate."""
    return where.scan and 0 < size <= HEAD and _extension(lower) in SCANNED


def may_be_secret(name: str, where: Place) -> bool:
    """False when ``check`` returns None for a file ``name`` in ``where`` whatever its size and content (most
    files: the walker remembers it per name instead of asking ``check`` again)."""
    lower = name.lower()
    return _by_name(lower, where) is not None or (where.scan and _extension(lower) in SCANNED)


def scan(head: bytes, lower: str) -> str | None:
    """The kind of secret the content shows, or None."""
    if b"\0" in head:
        return None  # binary: keys and tokens are text
    if lower.endswith(".json") and b'"private_key"' in head and SERVICE_ACCOUNT.search(head):
        return "cloud credentials"  # (its private key is a PEM one too)
    if (b"PRIVATE KEY" in head or b"PuTTY-User-Key-File-" in head) and PEM_KEY.search(head):
        return "private key"
    if b"apiVersion" in head and b"clusters" in head and KUBE_CREDENTIALS.search(head):
        return "kubernetes credentials"
    for kind, anchors, token in TOKENS:
        if any(a in head for a in anchors) and token.search(head):
            return kind
    return None


def check(path: str, name: str, size: int, sent: bool, read_head: Callable[[], bytes],
          where: Place = ROOT) -> Secret | None:
    """A Secret when ``path`` (in a directory described by ``where``) is one. ``read_head`` is called
    at most once, and only for a candidate name or a small file of a scanned kind."""
    lower = name.lower()
    found = _by_name(lower, where)
    if found is not None and found[1] is None:
        return Secret(path=path, kind=found[0], sent=sent)
    if found is None and not scannable(lower, size, where):
        return None
    try:
        head = read_head()
    except OSError:
        return None
    if found is not None and found[1] is not None and found[1].search(head):
        return Secret(path=path, kind=found[0], sent=sent)
    if not scannable(lower, size, where):
        return None
    kind = scan(head, lower)
    if kind is None:
        return None
    if kind == "private key" and (where.special == ".ssh" or lower.startswith("id_")):
        kind = "ssh private key"
    return Secret(path=path, kind=kind, sent=sent)


def has_npm_token(text: str) -> bool:
    """An .npmrc (or .yarnrc.yml) that holds a registry token or password: the plan mounts it as a
    build secret instead of copying it."""
    return bool(NPM_TOKEN.search(text.encode("utf-8", "surrogateescape")))


SPECIAL = frozenset("*?[]\\+(){}|^$!#")  # glob and Go regexp characters; ! and # also start a line


def literal_pattern(path: str) -> str:
    """A .dockerignore line that matches exactly ``path`` (a context-relative file path) with Docker's
    matching: wildcard and regexp characters escaped with a backslash, characters a line cannot hold
    as they are (a leading ``#`` or ``!``, surrounding whitespace, a newline) matched by ``?``."""
    out: list[str] = []
    for part in path.split("/"):
        chars: list[str] = []
        for i, ch in enumerate(part):
            if ch in "\n\r" or (ch.isspace() and (i == 0 or i == len(part) - 1)) or "\udc80" <= ch <= "\udcff":
                chars.append("?")  # trimmed or split by the reader; an undecodable byte is one rune
            elif ch in SPECIAL:
                chars.append("\\" + ch)
            else:
                chars.append(ch)
        out.append("".join(chars))
    return "/".join(out)
