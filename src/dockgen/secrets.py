"""Secrets in a build context, found by name and by cheap signatures (never by reading big files).

A name makes a file a candidate; for names that are also used by harmless files (``*.json``,
``.npmrc``, ``config.json``) the first 64 KiB are checked for the signature that makes it a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PEM_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
NPM_TOKEN = re.compile(rb"_(?:authToken|auth|password)\s*=", re.I)
JSON_KEY = re.compile(rb'"(?:private_key|client_secret|secret_access_key)"\s*:')
DOCKER_AUTH = re.compile(rb'"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}')
ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults")


@dataclass(frozen=True, slots=True)
class Secret:
    path: str
    kind: str  # "private key", "env file", "npm token", "cloud credentials", ...
    sent: bool  # True when the context sends it to the builder


def _by_name(name: str, path: str) -> tuple[str, re.Pattern[bytes] | None] | None:
    """(kind, signature to confirm or None) when the name alone makes the file suspicious."""
    lower = name.lower()
    if lower == ".env" or (lower.startswith(".env.") and lower not in ENV_EXAMPLES):
        return "env file", None
    if lower in ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"):
        return "ssh private key", None
    if lower.endswith((".pem", ".key")) or lower in ("privkey", "private.key"):
        return "private key", PEM_KEY
    if lower.endswith((".p12", ".pfx", ".jks", ".keystore")):
        return "key store", None
    if lower == ".npmrc":
        return "npm token", NPM_TOKEN
    if lower in (".git-credentials", ".netrc", "_netrc", ".pypirc", ".pgpass"):
        return "credentials file", None
    if lower == "credentials" and "/.aws/" in f"/{path}":
        return "cloud credentials", None
    if lower.endswith(".json") and ("credential" in lower or "service-account" in lower or "serviceaccount" in lower
                                    or lower.startswith("client_secret")):
        return "cloud credentials", JSON_KEY
    if lower == "config.json" and "/.docker/" in f"/{path}":
        return "docker registry auth", DOCKER_AUTH
    if lower in ("terraform.tfstate", "terraform.tfstate.backup"):
        return "terraform state", None
    return None


def check(path: str, name: str, sent: bool, read_head: Callable[[], bytes]) -> Secret | None:
    """A Secret when ``path`` is one; ``read_head`` is only called for names that need a signature."""
    found = _by_name(name, path)
    if found is None:
        return None
    kind, signature = found
    if signature is not None:
        try:
            head = read_head()
        except OSError:
            return None
        if not signature.search(head):
            return None
    return Secret(path=path, kind=kind, sent=sent)
