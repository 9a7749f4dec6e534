"""The measured .dockerignore: the smallest safe context, each rule commented with what it keeps out.

Rules come in categories (dependencies, version control, secrets, logs, caches, test output, editor
files, container files) plus what the plan adds (build outputs the image rebuilds, an .npmrc holding
a token). A rule is written when it is always worth having (dependencies, VCS, secrets, logs,
container files) or when the measured tree has something it keeps out; a rule that would exclude a
file the Dockerfile copies is never written. An existing .dockerignore is merged: the user's lines
come first, as they were, and those that exclude what the Dockerfile copies are flagged. Heavy
top-level paths no rule covers are listed as comments (dockgen cannot know the app does not need them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .context import Walk, _Matcher, path_is_sent, walk
from .dockerignore import go_clean, parse
from .ignore import CATEGORIES
from .model import IgnoreRule

HEADER = "# .dockerignore measured by dockgen"
# the files dockgen writes are left out of every measurement, so writing them changes no figure
# (the recorded answers and the last rendered files under .dockgen/ included)
OWN_FILES = frozenset({"Dockerfile", ".dockerignore", ".dockgen.toml", ".dockgen"})
USER_START = "# --- your rules (kept as they were) ---"
USER_END = "# --- end of your rules ---"
FLAG = "# dockgen: the next line excludes a file the Dockerfile copies: review it"


@dataclass(frozen=True, slots=True)
class Entry:
    pattern: str
    category: str
    always: bool
    files: int = 0
    bytes: int = 0


@dataclass(slots=True)
class Suggestion:
    text: str
    entries: list[Entry]
    before_files: int
    before_bytes: int
    after_files: int
    after_bytes: int
    flagged: list[str] = field(default_factory=list)  # user lines that exclude what the Dockerfile copies
    dropped: list[str] = field(default_factory=list)  # dockgen rules left out because they would do so
    candidates: list[tuple[str, int]] = field(default_factory=list)  # heavy, uncovered: (path, bytes)


def human(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def measure_text(files: int, size: int) -> str:
    return f"{human(size)} in {files:,} file{'s' if files != 1 else ''}" if files else "nothing here now"


def user_lines(existing: str | None) -> list[str]:
    """The user's own lines of an existing .dockerignore: all of it, or the kept section of dockgen's."""
    if not existing:
        return []
    lines = existing.splitlines()
    if lines and lines[0].startswith(HEADER):
        if USER_START in lines and USER_END in lines:
            start, end = lines.index(USER_START), lines.index(USER_END)
            return [line for line in lines[start + 1:end] if line != FLAG]
        return []
    return lines


def _key(pattern: str) -> str:
    neg = pattern.startswith("!")
    body = go_clean((pattern[1:] if neg else pattern).strip())
    return ("!" if neg else "") + (body[1:] if len(body) > 1 and body.startswith("/") else body)


def _rules(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.strip() and not ln.startswith("#")]


def excludes_needed(pattern: str, needed: list[str]) -> list[str]:
    """The needed paths a single pattern keeps out of the context."""
    matcher = _Matcher(parse(pattern + "\n", "<rule>"))
    return [n for n in needed if n not in ("", ".") and path_is_sent(matcher, n)[0] != "sent"]


def suggest(root: str | os.PathLike[str], *, needed: list[str], extra: list[IgnoreRule] | None = None,
            existing: str | None = None, allowlist: bool = False, top: int = 5, version: str = "") -> Suggestion:
    """The measured .dockerignore for the context at ``root``.

    ``needed``: context paths the Dockerfile copies ("." when it copies everything; they stay sent).
    ``extra``: rules the plan adds, with their category as comment.
    """
    base = Path(root)
    mine = user_lines(existing)
    user = _rules(mine)
    before = walk(base, parse("\n".join(user) + "\n") if user else None, skip=OWN_FILES)

    candidates: list[Entry] = [Entry(pattern=r.pattern, category=r.comment or "what this app builds", always=True)
                               for r in extra or []]
    candidates += [Entry(pattern=p, category=c.name, always=c.always) for c in CATEGORIES for p in c.rules]
    seen = {_key(p) for p in user}
    safe: list[Entry] = []
    dropped: list[str] = []
    for entry in candidates:
        if _key(entry.pattern) in seen:
            continue
        seen.add(_key(entry.pattern))
        if not entry.pattern.startswith("!") and excludes_needed(entry.pattern, needed):
            dropped.append(entry.pattern)
            continue
        safe.append(entry)
    flagged = [ln for ln in user if not ln.strip().startswith("!") and excludes_needed(ln.strip(), needed)]

    # measure each rule as it will be written (the user's lines first), walking what they keep out too
    merged = parse("\n".join(user + [e.pattern for e in safe]) + "\n")
    measured = walk(base, merged, measure_ignored=True, skip=OWN_FILES)
    offset = len(merged.patterns) - len(safe)
    sized = [Entry(pattern=e.pattern, category=e.category, always=e.always, files=measured.by_rule[offset + i][0],
                   bytes=measured.by_rule[offset + i][1]) for i, e in enumerate(safe)]
    entries = [e for e in sized if e.always or e.files or e.pattern.startswith("!")]

    if allowlist:
        body, written = _allowlist_body(base, entries, needed)
    else:
        body, written = _deny_body(entries)
    after = walk(base, parse("\n".join(user + written) + "\n"), top=top, skip=OWN_FILES)
    heavy = _heavy_uncovered(after, needed, top)

    head = [f"{HEADER} {version}: {measure_text(after.sent_files, after.sent_bytes)} sent "
            f"(before: {measure_text(before.sent_files, before.sent_bytes)}).",
            "# A comment above a rule says what it keeps out, measured when this file was written.",
            "# dockgen's rules exclude nothing the Dockerfile copies" + (
                f"; {len(flagged)} of your lines do (flagged below)." if flagged else ".")
            + " Measure again: dockgen context --suggest"]
    lines = list(head)
    if mine:
        lines += ["", USER_START]
        for ln in mine:
            if ln in flagged:
                lines.append(FLAG)
            lines.append(ln)
        lines.append(USER_END)
    lines += body
    if heavy:
        lines += ["", "# --- heavy and still sent: exclude them if the image does not need them ---"]
        lines += [f"# {path}    ({human(size)})" for path, size in heavy]
    return Suggestion(text="\n".join(lines) + "\n", entries=entries, before_files=before.sent_files,
                      before_bytes=before.sent_bytes, after_files=after.sent_files, after_bytes=after.sent_bytes,
                      flagged=flagged, dropped=dropped, candidates=heavy)


def _deny_body(entries: list[Entry]) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    category = None
    for e in entries:
        if e.category != category:
            lines += ["", f"# --- {e.category} ---"]
            category = e.category
        if e.files:
            lines.append(f"# {e.pattern}: {measure_text(e.files, e.bytes)}")
        lines.append(e.pattern)
    return lines, [e.pattern for e in entries]


def _allowlist_body(base: Path, entries: list[Entry], needed: list[str]) -> tuple[list[str], list[str]]:
    """`*`, then `!` for what the Dockerfile copies, then the junk inside those re-excluded."""
    if "." in needed:  # the whole context is copied: allow the top-level entries the deny rules let through
        deny = walk(base, parse("\n".join(e.pattern for e in entries) + "\n"), listing=True, skip=OWN_FILES)
        tops = sorted({p.split("/", 1)[0].rstrip("/") for p in deny.listing or []})
    else:
        tops = sorted({n.split("/", 1)[0] for n in needed if n})
    nested = [e.pattern for e in entries if e.pattern.startswith("**/")]
    lines = ["", "# --- allow-list: everything is out, except what the Dockerfile copies ---", "*"]
    lines += [f"!{t}" for t in tops]
    if nested:
        lines += ["", "# --- and never these, wherever they are ---", *nested]
    return lines, ["*", *[f"!{t}" for t in tops], *nested]


def _heavy_uncovered(after: Walk, needed: list[str], top: int) -> list[tuple[str, int]]:
    threshold = max(1_000_000, after.sent_bytes // 4)
    tops = sorted(((v[0], k) for k, v in after.dir_bytes.items() if "/" not in k), reverse=True)
    out = [(path + "/", size) for size, path in tops if size >= threshold and path not in needed]
    out += [(path, size) for size, path, sent in after.largest_files
            if sent and size >= threshold and "/" not in path and path not in needed]
    return sorted(out, key=lambda item: -item[1])[:top]


def for_plan(root: str | os.PathLike[str], plan: object, *, allowlist: bool = False) -> Suggestion:
    """The measured .dockerignore ``dockgen init`` writes for a plan, merged with the existing one."""
    from .model import BuildPlan

    assert isinstance(plan, BuildPlan)
    existing_path = Path(root) / ".dockerignore"
    existing = existing_path.read_text(encoding="utf-8", errors="surrogateescape") if existing_path.is_file() else None
    return suggest(root, needed=list(plan.context_needs), extra=list(plan.ignore), existing=existing,
                   allowlist=allowlist, version=plan.dockgen_version)
