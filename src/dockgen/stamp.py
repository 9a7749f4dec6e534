"""The stamp dockgen writes on line 2 of every Dockerfile, and its reading for `dockgen check`.

    # dockgen-stamp: version=0.1.0 template=node-distroless options=port:8080
      inputs=package.json@1a2b3c4d5e6f body=0a1b2c3d4e5f   (one line)

``inputs`` are sha256 prefixes of the manifest and version files the plan was made from (a changed
lockfile makes the Dockerfile stale), ``options`` the options given (so a check re-plans with them),
``body`` a sha256 prefix of the rest of the file (a hand edit changes it). Values are percent-encoded:
nothing a user passes can break the line. A file `dockgen migrate` wrote also has ``carry=``, the sha256
prefix of what the migration kept (its ``Carry``), which is recorded in ``.dockgen/carry/<file>.json``:
the line stays short however much was kept (Docker's parser rejects a line over 64 KiB).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

from .errors import StampError
from .record import Record

PREFIX = "# dockgen-stamp:"
CARRY_DIR = ".dockgen/carry"
_DIGEST = re.compile(r"[0-9a-f]{12}")


class Stamp(Record):
    version: str
    template: str
    options: dict[str, str]
    inputs: dict[str, str]
    body: str
    carry: str | None = None  # when a migration wrote the file: the digest of its carry record, as written
    # (dockgen 0.1.0 wrote the record itself here, percent-encoded JSON: ``carry_data`` reads both)

    def matches(self, body: str) -> bool:
        """``body`` (the file without its stamp line) is what was stamped: nobody edited it since
        dockgen wrote it (or `dockgen update --write` restamped the edits it kept)."""
        return digest(body) == self.body


class RecordError(StampError):
    """The carry record a stamp names is missing, unreadable or another one."""


def carry_json(data: Mapping[str, object]) -> str:
    """The carry record's text: what its digest is taken of."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def carry_record(dockerfile: str) -> str:
    """Where the carry record of ``dockerfile`` (relative to the app) is kept."""
    return f"{CARRY_DIR}/{dockerfile}.json"


CORRUPT_HINT = ("restore the stamp line from version control; or delete it, and dockgen treats the file as a "
                "hand-written one (`dockgen migrate` moves it to the v2)")


def carry_data(stamp: Stamp, read: Callable[[], str | None]) -> dict[str, object] | None:
    """What the stamp's migration kept (None when the file did not come from one). ``read`` is a
    callable giving the carry record's text (None when there is none). StampError when the stamp's
    field is corrupt or the record is missing, unreadable or not the one stamped."""
    field = stamp.carry
    if field is None:
        return None
    if _DIGEST.fullmatch(field):
        text = read()
        if text is None:
            raise RecordError("the stamp's carry= names a migration record that is missing",
                             "restore .dockgen/carry/ from version control (commit it with the Dockerfile), or "
                             "run `dockgen migrate --write` again")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RecordError(f"the migration record is not JSON ({exc})",
                             "restore .dockgen/carry/ from version control, or run `dockgen migrate --write` "
                             "again") from exc
        if not isinstance(data, dict) or digest(carry_json(data)) != field:
            raise RecordError("the migration record is not the one the stamp names (carry= differs)",
                             "restore .dockgen/carry/ from version control, or run `dockgen migrate --write` "
                             "again")
        return data
    try:
        data = json.loads(unquote(field))
    except ValueError as exc:
        raise StampError(f"the stamp's carry= is corrupt ({exc})", CORRUPT_HINT) from exc
    if not isinstance(data, dict):
        raise StampError("the stamp's carry= is corrupt (not a JSON object)", CORRUPT_HINT)
    return data


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


# a parser directive (`# syntax=...`, `# escape=...`, `# check=...`): Docker reads them only before the
# first comment, blank line or instruction, so the stamp (a comment) goes after them
_DIRECTIVE = re.compile(r"^#\s*(syntax|escape|check)\s*=", re.IGNORECASE)


def stamped(text: str, *, version: str, template: str, options: Mapping[str, str], inputs: Mapping[str, str],
            carry: str | None = None) -> str:
    """``text`` with the stamp inserted after its leading parser directives (the syntax line); ``carry``:
    the digest of the carry record (``carry_json``) when a migration made the file."""
    lines = text.split("\n")
    at = 0
    while at < min(len(lines) - 1, 4) and _DIRECTIVE.match(lines[at]):
        at += 1
    kept = f" carry={quote(carry, safe='')}" if carry else ""
    line = (f"{PREFIX} version={quote(version, safe='')} template={quote(template, safe='')} "
            f"options={_pairs(options, ':')} inputs={_pairs(inputs, '@')}{kept} body={digest(text)}")
    return "\n".join([*lines[:at], line, *lines[at:]])


def stamp_line(text: str) -> str | None:
    """The stamp line of ``text`` as written, or None."""
    return next((line for line in text.split("\n")[:5] if line.startswith(PREFIX)), None)


def with_stamp_line(text: str, line: str) -> str:
    """``text`` with its stamp line replaced by ``line`` (unchanged when it has none)."""
    lines = text.split("\n")
    for i, old in enumerate(lines[:5]):
        if old.startswith(PREFIX):
            return "\n".join([*lines[:i], line, *lines[i + 1:]])
    return text


def restamped(text: str) -> str:
    """``text`` with its stamp's body hash made that of its body: dockgen takes the body as its own (what
    `dockgen update --write` does with the hand edits it kept)."""
    old = stamp_line(text)
    stamp, body = split(text)
    if old is None or stamp is None:
        return text
    return with_stamp_line(text, re.sub(r" body=\S+", f" body={digest(body)}", old))


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
                             carry=fields.get("carry")), body
            except KeyError:
                return None, text
    return None, text
