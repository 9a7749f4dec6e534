"""The stamp dockgen writes on line 2 of every Dockerfile, and its reading for `dockgen check`.

    # dockgen-stamp: version=0.1.0 template=node-distroless options=port:8080
      inputs=package.json@1a2b3c4d5e6f body=0a1b2c3d4e5f   (one line)

``inputs`` are sha256 prefixes of the manifest and version files the plan was made from (a changed
lockfile makes the Dockerfile stale), ``options`` the options given (so a check re-plans with them),
``body`` a sha256 prefix of the rest of the file (a hand edit changes it). Values are percent-encoded:
nothing a user passes can break the line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from urllib.parse import quote, unquote

from .record import Record

PREFIX = "# dockgen-stamp:"


class Stamp(Record):
    version: str
    template: str
    options: dict[str, str]
    inputs: dict[str, str]
    body: str
    carry: dict[str, object] | None = None  # what a migration kept (JSON), when the file came from one


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _pairs(items: Mapping[str, str], sep: str) -> str:
    return ",".join(f"{quote(k, safe='')}{sep}{quote(v, safe='')}" for k, v in sorted(items.items())) or "-"


def _unpairs(text: str, sep: str) -> dict[str, str]:
    if text in ("", "-"):
        return {}
    out = {}
    for item in text.split(","):
        key, _, value = item.partition(sep)
        out[unquote(key)] = unquote(value)
    return out


def stamped(text: str, *, version: str, template: str, options: Mapping[str, str], inputs: Mapping[str, str],
            carry: Mapping[str, object] | None = None) -> str:
    """``text`` with the stamp inserted after its first line (the syntax directive)."""
    first, _, rest = text.partition("\n")
    body = first + "\n" + rest
    kept = f" carry={quote(json.dumps(carry, separators=(',', ':')), safe='')}" if carry else ""
    line = (f"{PREFIX} version={quote(version, safe='')} template={quote(template, safe='')} "
            f"options={_pairs(options, ':')} inputs={_pairs(inputs, '@')}{kept} body={digest(body)}")
    return f"{first}\n{line}\n{rest}"


def split(text: str) -> tuple[Stamp | None, str]:
    """(the stamp, the file without its stamp line); (None, text) when there is no stamp."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:5]):
        if line.startswith(PREFIX):
            fields = dict(w.partition("=")[::2] for w in line[len(PREFIX):].split())
            body = "\n".join(lines[:i] + lines[i + 1:])
            try:
                return Stamp(version=unquote(fields["version"]), template=unquote(fields["template"]),
                             options=_unpairs(fields.get("options", "-"), ":"),
                             inputs=_unpairs(fields.get("inputs", "-"), "@"), body=fields["body"],
                             carry=json.loads(unquote(fields["carry"])) if "carry" in fields else None), body
            except KeyError:
                return None, text
    return None, text
