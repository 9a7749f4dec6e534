"""The measured .dockerignore: the smallest safe context, each rule commented with what it keeps out.

Rules come in categories (dependencies, version control, secrets, logs, caches, test output, editor
files, container files) plus what the plan adds (build outputs the image rebuilds, an .npmrc holding
a token). Every rule is written, whether or not the tree holds something it matches today: the file
must not depend on what a developer's tree happens to hold (coverage/, .vscode/), or a re-run in a
clean checkout would write another one. A rule that would exclude a file the Dockerfile copies is
never written (one that would exclude what a user template copies stays, followed by `!path`). An
existing .dockerignore is merged: the user's lines come first, as they were (lines added to a file
dockgen wrote come after its rules, in their order), and those that exclude what the Dockerfile
copies are flagged. Heavy
top-level paths no rule covers are listed as comments (dockgen cannot know the app does not need them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .context import Tree, Walk, _Matcher, path_is_sent, record, walk
from .dockerignore import DEFAULT_ENGINE, Engine, go_clean, parse
from .ignore import CATEGORIES, SECRETS_TITLE
from .model import IgnoreRule
from .secrets import Secret, literal_pattern

HEADER = "# .dockerignore measured by dockgen"
PLAN_CATEGORY = "what this app builds"  # the section of the plan's own rules that name no other
# the files dockgen writes are left out of every measurement, so writing them changes no figure
# (the recorded answers and the last rendered files under .dockgen/ included)
# (and the .bak copies `init --force` keeps)
OWN_FILES = frozenset({"Dockerfile", ".dockerignore", ".dockgen.toml", ".dockgen", "Dockerfile.bak",
                       ".dockerignore.bak"})
USER_START = "# --- your rules (kept as they were) ---"
USER_END = "# --- end of your rules ---"
FLAG = "# dockgen: the next line excludes a file the Dockerfile copies: review it"
# the secrets no rule of the categories excludes (found by their content, or an odd case): one rule each,
# their exact path; a rule stays when its file is gone (a clean checkout writes the same file)
FOUND_TITLE = "secrets found in this context: each kept out by its own path"
SECRET_TITLES = frozenset({SECRETS_TITLE, FOUND_TITLE})


@dataclass(frozen=True, slots=True)
class Entry:
    pattern: str
    category: str
    files: int = 0
    bytes: int = 0
    exceptions: tuple[str, ...] = ()  # `!path` lines after the rule: what a user template copies


@dataclass(frozen=True, slots=True)
class SecretState:
    """A secret in the context (secrets.py) and what the measured .dockerignore does with it."""

    path: str
    kind: str
    status: str  # "excluded"; "copied": the Dockerfile copies it by name; "re-included": a line of yours
    rule: str  # the line that decides: the rule keeping it out, the `!` letting it in ("" for none)
    section: str  # that line's section: one of dockgen's, or "yours"


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
    secrets: list[SecretState] = field(default_factory=list)  # every secret found, ignored ones too


def human(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def measure_text(files: int, size: int) -> str:
    return f"{human(size)} in {files:,} file{'s' if files != 1 else ''}" if files else "nothing here now"


# the comments dockgen writes with figures in them: "# <rule>: 1.2 kB in 3 files" and the heavy paths
_FIGURES = re.compile(r"^# (?:\S.*: (?:\S+ \S?B in [\d,]+ files?|nothing here now)|\S.* {4}\(\S+ \S?B\))$")
_SECTION = re.compile(r"^# --- .* ---$")
ALLOW_TITLE = "allow-list: everything is out, except what the Dockerfile copies"
NESTED_TITLE = "and never these, wherever they are"


TAIL_START = "# --- your rules after dockgen's (kept in your order) ---"


def user_parts(existing: str | None, known: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """The user's own lines of an existing .dockerignore: (first, after): all of a hand-written one
    come first; of one dockgen wrote, its kept section comes first, and every line added to dockgen's
    part since comes after dockgen's rules, in the user's order (the last matching line wins in a
    .dockerignore: an exception or a narrower rule keeps its effect): a rule that is not one of
    dockgen's in the section dockgen puts it (``known``: rule key -> section title), and any comment
    that is not dockgen's."""
    known = known or {}
    if not existing:
        return [], []
    lines = existing.splitlines()
    if not (lines and lines[0].startswith(HEADER)):
        return lines, []
    head = _user_section(lines)
    kept: list[str] = []
    lines = [line for line in lines if line != TAIL_START]
    if USER_START in lines and USER_END in lines:
        lines = lines[:lines.index(USER_START)] + lines[lines.index(USER_END) + 1:]
    section = ""
    for line in lines[3:]:  # the three header lines are dockgen's
        text = line.strip()
        if not text or text == FLAG or _FIGURES.match(line):
            continue
        if _SECTION.match(text):
            section = text[len("# --- "):-len(" ---")]
            continue
        dockgens = (known.get(_key(text)) == section
                    or (section == ALLOW_TITLE and (text == "*" or text.startswith("!")))
                    or (section == NESTED_TITLE and (text.startswith("**/")
                                                     or known.get(_key(text)) in SECRET_TITLES)))
        if text.startswith("#") or not dockgens:
            kept.append(line)
    return head, kept


def _user_section(lines: list[str]) -> list[str]:
    if USER_START in lines and USER_END in lines:
        start, end = lines.index(USER_START), lines.index(USER_END)
        return [line for line in lines[start + 1:end] if line != FLAG]
    return []


def without_figures(text: str) -> list[str]:
    """A dockgen .dockerignore without what it measured (the header's sizes, each rule's figures):
    two files equal here have the same rules and comments, and differ only in the tree they measured."""
    lines = text.splitlines()
    if not (lines and lines[0].startswith(HEADER)):
        return lines
    return [line for line in lines[1:] if not _FIGURES.match(line)]


def same_rules(old: str | None, new: str) -> bool:
    return old is not None and old != new and without_figures(old) == without_figures(new)


def refigure(text: str, new: str) -> str:
    """``text`` with the figures of ``new``: its header, and above each rule the figures ``new`` has
    for that rule (added, replaced, or dropped when ``new`` has none): what a three-way merge must not
    see as anyone's change."""
    lines, fresh = text.splitlines(keepends=True), new.splitlines(keepends=True)
    if not (lines and fresh and lines[0].startswith(HEADER) and fresh[0].startswith(HEADER)):
        return text

    def is_rule(line: str | None) -> bool:
        return line is not None and bool(line.strip()) and not line.startswith("#")

    by_rule = {fresh[i + 1].rstrip("\r\n"): line.rstrip("\r\n") for i, line in enumerate(fresh[:-1])
               if _FIGURES.match(line.rstrip("\r\n")) and is_rule(fresh[i + 1])}
    out = [fresh[0]]
    for i, line in enumerate(lines[1:], start=1):
        body = line.rstrip("\r\n")
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if _FIGURES.match(body) and is_rule(nxt):
            continue  # a rule's figures: the new ones are put back just below
        if is_rule(line) and body in by_rule:
            out.append(by_rule[body] + line[len(body):])
        out.append(line)
    return "".join(out)


def _key(pattern: str) -> str:
    neg = pattern.startswith("!")
    body = go_clean((pattern[1:] if neg else pattern).strip())
    return ("!" if neg else "") + (body[1:] if len(body) > 1 and body.startswith("/") else body)


def _rules(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.strip() and not ln.startswith("#")]


def _copied_paths(base: Path, source: str, limit: int = 5000) -> list[str]:
    """The context paths a COPY source takes: the path; what a wildcard matches; what a directory holds."""
    wildcard = any(c in source for c in "*?[")
    found: list[str] = [source] if wildcard else []
    for rel in sorted(str(p.relative_to(base)) for p in base.glob(source)) if wildcard else [source]:
        found.append(rel)
        top = base / rel
        if top.is_dir() and not top.is_symlink():
            for dirpath, dirnames, filenames in os.walk(top):
                here = Path(dirpath).relative_to(base).as_posix()
                found += [f"{here}/{n}" for n in dirnames + filenames]
                if len(found) > limit:
                    return found
    return found


def excludes_needed(pattern: str, needed: list[str], engine: Engine = DEFAULT_ENGINE) -> list[str]:
    """The needed paths a single pattern keeps out of the context."""
    matcher = _Matcher(parse(pattern + "\n", "<rule>", engine=engine))
    return [n for n in needed if n not in ("", ".") and path_is_sent(matcher, n)[0] != "sent"]


def _not_reincluded(entry: Entry, candidates: list[Entry], needed: list[str]) -> list[str]:
    """``needed`` without what an exception of the same section, written after ``entry``, lets back in
    (``.yarn/*`` then ``!.yarn/cache``: the cache the install copies stays sent)."""
    after = candidates[candidates.index(entry) + 1:]
    back = [e.pattern[1:] for e in after if e.category == entry.category and e.pattern.startswith("!")]
    if not back:
        return needed
    return [n for n in needed if not any(n == b or n.startswith(b.rstrip("/") + "/") for b in back)]


def suggest(root: str | os.PathLike[str], *, needed: list[str], extra: list[IgnoreRule] | None = None,
            existing: str | None = None, allowlist: bool = False, top: int = 5, version: str = "",
            excepted: tuple[str, ...] = (), sizes: dict[str, int] | None = None,
            own: frozenset[str] = OWN_FILES, tree: Tree | None = None,
            engine: Engine = DEFAULT_ENGINE, progress: Callable[[int], None] | None = None) -> Suggestion:
    """The measured .dockerignore for the context at ``root``, measured as ``engine`` matches.

    ``needed``: context paths the Dockerfile copies ("." when it copies everything; they stay sent).
    ``extra``: rules the plan adds, with their category as comment.
    ``excepted``: paths a user template copies: a rule that excludes one is kept (it may keep secrets
    out) and followed by an exception (`!path`) for it.

    No secret (secrets.py) is sent unless the Dockerfile copies it by name or a line of the user's lets
    it in: a secrets rule that excludes a copied path is kept and followed by `!path` (never dropped:
    the other secrets it excludes stay out), and a secret no rule excludes (a key found by its content,
    an odd case) gets a rule of its own, its exact path, in a section of their own (kept when the file
    is gone: a clean checkout, without the developer's gitignored key, writes the same file).

    ``tree``: the context as read already (``context.record``); else it is read here, at most once, when a
    second walk needs it (every later walk evaluates its rules against it). The usual measurement is one
    walk (no rules of the user's, no exception to add, no new secret): it then reads the disk as
    `dockgen context` does, without keeping a copy of the tree (``progress`` called as it reads).
    """
    base = Path(root)
    trees = [tree] if tree is not None else []

    def read() -> Tree:
        if not trees:
            trees.append(record(base, progress=progress))
        return trees[0]

    # last run's rules of their own stay, whether or not the secret is still here: a clean checkout
    # (no gitignored key in it) writes the same file as the developer's tree did
    found = _found_rules(existing)
    for attempt in range(2):
        suggestion, wanted = _suggest_once(base, needed=needed, extra=extra, existing=existing, allowlist=allowlist,
                                           top=top, version=version, excepted=excepted, sizes=sizes, own=own,
                                           found=found, read=read, engine=engine,
                                           from_disk=attempt == 0 and not trees, progress=progress)
        if wanted == found:
            leaked = [x for x in suggestion.secrets if x.status == "sent"]
            if leaked:  # a rule of its own excludes any path: this cannot happen
                raise AssertionError(f"the measured .dockerignore still sends the secret {leaked[0].path}")
            return suggestion
        found = wanted
    raise AssertionError("the secrets rules of the measured .dockerignore do not settle")


def _suggest_once(base: Path, *, needed: list[str], extra: list[IgnoreRule] | None, existing: str | None,
                  allowlist: bool, top: int, version: str, excepted: tuple[str, ...], sizes: dict[str, int] | None,
                  own: frozenset[str], found: list[str], read: Callable[[], Tree],
                  engine: Engine = DEFAULT_ENGINE, from_disk: bool = False,
                  progress: Callable[[int], None] | None = None) -> tuple[Suggestion, list[str]]:
    """One measured .dockerignore with the secret rules ``found``, and the ones it should have had:
    those, and one for each secret it sends that nothing explains. ``read()``: the context's tree.
    ``from_disk`` (the tree is not read yet): when the measuring walk is the only one, it reads the disk
    itself, calling ``progress``."""
    candidates = [Entry(pattern=r.pattern, category=r.comment or PLAN_CATEGORY) for r in extra or []]
    for c in CATEGORIES:
        candidates += [Entry(pattern=p, category=c.name) for p in c.rules]
        if c.name == SECRETS_TITLE:
            candidates += [Entry(pattern=p, category=FOUND_TITLE) for p in found]
    known = {_key(e.pattern): e.category for e in reversed(candidates)}  # rule -> its section (first wins)
    mine, after_lines = user_parts(existing, known)
    copied = {src: _copied_paths(base, src) for src in excepted}
    # the user's own exceptions come before dockgen's rules: a rule of dockgen's that would exclude
    # again what one of them lets in is followed by that exception too, so it keeps its effect
    negations = [ln.strip()[1:].lstrip("/") for ln in _rules(mine) if ln.strip().startswith("!")]
    copied |= {src: _copied_paths(base, src) for src in negations if src and src not in copied}
    origin = {f"!{src}": "copied" if src in excepted else "re-included" for src in copied}
    explicit = [n for n in needed if n not in ("", ".")]
    user = _rules(mine)

    seen = {_key(p) for p in user + _rules(after_lines)}
    safe: list[Entry] = []
    dropped: list[str] = []
    for entry in candidates:
        if _key(entry.pattern) in seen:
            continue
        seen.add(_key(entry.pattern))
        hits: list[str] = []
        if not entry.pattern.startswith("!"):
            excluded = excludes_needed(entry.pattern, _not_reincluded(entry, candidates, explicit), engine)
            if excluded and entry.category not in SECRET_TITLES:
                dropped.append(entry.pattern)
                continue
            hits = excluded  # a secrets rule stays: what the Dockerfile copies by name is let back in
            origin |= {f"!{h}": "copied" for h in excluded}
            if copied:
                hits += [src for src, paths in copied.items() if excludes_needed(entry.pattern, paths, engine)
                         and src not in hits]
        if hits:
            # buildkit passes `!dir` down only where it was tried: a file that `**/*.pem` excluded in `certs/`
            # needs `!certs/**` as well (Docker 20.10's `!certs` covered it)
            below = [f"!{h}/**" for h in hits if (base / h).is_dir() and not (base / h).is_symlink()]
            origin |= {b: origin.get(b[:-3], "copied") for b in below}
            entry = replace(entry, exceptions=tuple(dict.fromkeys(
                x for h in hits for x in (f"!{h}", *([f"!{h}/**"] if f"!{h}/**" in below else [])))))
        safe.append(entry)
    ours = {x for e in safe for x in e.exceptions}  # a user's copy of one of these is dockgen's now
    mine = [ln for ln in mine if ln.strip() not in ours or ln.strip()[1:].lstrip("/") in negations]
    after_lines = [ln for ln in after_lines if ln.strip() not in ours]
    user, tail = _rules(mine), _rules(after_lines)
    if user or tail:
        was = walk(base, parse("\n".join(user + tail) + "\n", engine=engine), skip=own, sizes=sizes, tree=read())
        before: tuple[int, int] | None = (was.sent_files, was.sent_bytes)
    else:  # no rules: everything the measuring walk below counts, sent or not
        before = None
    flagged = [ln for ln in user + tail
               if not ln.strip().startswith("!") and excludes_needed(ln.strip(), [*needed, *excepted], engine)]

    # measure each rule as it will be written (the user's lines first), walking what they keep out too;
    # the same walk finds the secrets, wherever they are
    merged = parse("\n".join(user + [e.pattern for e in safe] + tail) + "\n", engine=engine)
    # the only walk (nothing below walks again unless a secret is new): from the disk, as `dockgen context`
    only = from_disk and not (user or tail) and not allowlist and not any(e.exceptions for e in safe)
    measured = walk(base, merged, measure_ignored=True, skip=own, sizes=sizes, find_secrets=True,
                    tree=None if only else read(), top=top, largest_sent=True, progress=progress if only else None)
    before_files, before_bytes = before if before is not None else measured.everything()
    offset = len(merged.patterns) - len(safe) - len(tail)
    entries = [replace(e, files=measured.by_rule[offset + i][0], bytes=measured.by_rule[offset + i][1])
               for i, e in enumerate(safe)]

    if allowlist:
        body, written = _allowlist_body(base, entries, [*needed, *excepted], read(), engine)
    else:
        body, written = _deny_body(entries)
    final = [*user, *(line for line, _ in written), *tail]
    final_rules = parse("\n".join(final) + "\n", engine=engine)
    if [p.text for p in final_rules.patterns] == [p.text for p in merged.patterns]:
        after = measured  # the same rules (no exception added): what they send was measured already
    else:
        after = walk(base, final_rules, top=top, skip=own, sizes=sizes, tree=read())
    heavy = _heavy_uncovered(after, needed, top)
    sections = ["yours"] * len(user) + [section for _, section in written] + ["yours"] * len(tail)
    states = _secret_states(measured.secrets, final, sections, origin, explicit, copied, negations, engine)
    wanted = sorted({*found, *(literal_pattern(x.path) for x in states if x.status == "sent")})

    head = [f"{HEADER} {version}: {measure_text(after.sent_files, after.sent_bytes)} sent "
            f"(before: {measure_text(before_files, before_bytes)}).",
            "# A comment above a rule says what it keeps out, measured when this file was written.",
            "# dockgen's rules exclude nothing the Dockerfile copies" + (
                f"; {len(flagged)} of your lines do (flagged below)." if flagged else ".")
            + " Measure again: dockgen context --suggest"]
    def flagging(block: list[str]) -> list[str]:
        return [x for ln in block for x in ((FLAG, ln) if ln in flagged else (ln,))]

    lines = list(head)
    if mine:
        lines += ["", USER_START, *flagging(mine), USER_END]
    lines += body
    if after_lines:
        lines += ["", TAIL_START, *flagging(after_lines)]
    if heavy:
        lines += ["", "# --- heavy and still sent: exclude them if the image does not need them ---"]
        lines += [f"# {path}    ({human(size)})" for path, size in heavy]
    return Suggestion(text="\n".join(lines) + "\n", entries=entries, before_files=before_files,
                      before_bytes=before_bytes, after_files=after.sent_files, after_bytes=after.sent_bytes,
                      flagged=flagged, dropped=dropped, candidates=heavy, secrets=states), wanted


def _secret_states(found: list[Secret], final: list[str], sections: list[str], origin: dict[str, str],
                   explicit: list[str], copied: dict[str, list[str]], negations: list[str],
                   engine: Engine = DEFAULT_ENGINE) -> list[SecretState]:
    """What the rules ``final`` (each in its section) do with each secret found: kept out (by which
    line), let in by the Dockerfile's copy by name or by a line of the user's, or sent (a bug unless
    a rule of its own follows)."""
    rules = parse("\n".join(final) + "\n", engine=engine)
    matcher = _Matcher(rules)
    by_name = {go_clean(n.rstrip("/")) for n in explicit}
    by_template = {p for src in copied if src not in negations for p in copied[src]}
    yours = {p for src in negations for p in copied.get(src, ())}
    states: list[SecretState] = []
    for s in sorted(found, key=lambda x: x.path):
        status, rule = path_is_sent(matcher, s.path)
        if status != "sent":
            line = rule.line - 1 if rule is not None else -1
            states.append(SecretState(path=s.path, kind=s.kind, status="excluded",
                                      rule=final[line] if line >= 0 else "", section=sections[line] if line >= 0
                                      else ""))
            continue
        deciding = rules.deciding(s.path)
        line = deciding.line - 1 if deciding is not None and deciding.exclusion else -1
        text, section = (final[line], sections[line]) if line >= 0 else ("", "")
        why = "re-included" if section == "yours" else origin.get(text.strip(), "")
        if not why:
            why = ("copied" if s.path in by_name or s.path in by_template else "re-included" if s.path in yours
                   else "sent")
        states.append(SecretState(path=s.path, kind=s.kind, status=why, rule=text, section=section))
    return states


def _found_rules(existing: str | None) -> list[str]:
    """The rules of the section of secrets found in a .dockerignore dockgen wrote, sorted."""
    if not existing or not existing.startswith(HEADER):
        return []
    out: list[str] = []
    section = ""
    for line in existing.splitlines():
        text = line.strip()
        if _SECTION.match(text):
            section = text[len("# --- "):-len(" ---")]
        elif section == FOUND_TITLE and text and not text.startswith(("#", "!")):
            out.append(text)
    return sorted(set(out))


def _deny_body(entries: list[Entry]) -> tuple[list[str], list[tuple[str, str]]]:
    lines: list[str] = []
    category = None
    for e in entries:
        if e.category != category:
            lines += ["", f"# --- {e.category} ---"]
            category = e.category
        if e.files:
            lines.append(f"# {e.pattern}: {measure_text(e.files, e.bytes)}")
        lines.append(e.pattern)
        lines += e.exceptions
    return lines, [(x, e.category) for e in entries for x in (e.pattern, *e.exceptions)]


def _allowlist_body(base: Path, entries: list[Entry], needed: list[str], tree: Tree | None = None,
                    engine: Engine = DEFAULT_ENGINE) -> tuple[list[str], list[tuple[str, str]]]:
    """`*`, then `!` for what the Dockerfile copies, then the junk and the secrets inside those
    re-excluded (the secrets found in this context in a section of their own)."""
    own = OWN_FILES
    if "." in needed:  # the whole context is copied: allow the top-level entries the deny rules let through
        deny = walk(base, parse("\n".join(e.pattern for e in entries) + "\n", engine=engine), listing=True,
                    skip=own, tree=tree)
        tops = sorted({p.split("/", 1)[0].rstrip("/") for p in deny.listing or []})
    else:
        tops = sorted({n.split("/", 1)[0] for n in needed if n})
    nested = [e for e in entries if e.category != FOUND_TITLE
              and (e.pattern.startswith("**/") or e.category in SECRET_TITLES)]
    found = [e for e in entries if e.category == FOUND_TITLE]
    lines = ["", f"# --- {ALLOW_TITLE} ---", "*"]
    lines += [f"!{t}" for t in tops]
    written = [("*", ALLOW_TITLE), *((f"!{t}", ALLOW_TITLE) for t in tops)]
    for title, group in ((NESTED_TITLE, nested), (FOUND_TITLE, found)):
        if group:
            lines += ["", f"# --- {title} ---", *(x for e in group for x in (e.pattern, *e.exceptions))]
            written += [(x, e.category) for e in group for x in (e.pattern, *e.exceptions)]
    return lines, written


def _heavy_uncovered(after: Walk, needed: list[str], top: int) -> list[tuple[str, int]]:
    threshold = max(1_000_000, after.sent_bytes // 4)
    tops = sorted(((v[0], k) for k, v in after.dir_bytes.items() if "/" not in k), reverse=True)
    out = [(path + "/", size) for size, path in tops if size >= threshold and path not in needed]
    out += [(path, size) for size, path, sent in after.largest_files
            if sent and size >= threshold and "/" not in path and path not in needed]
    return sorted(out, key=lambda item: -item[1])[:top]


def for_plan(root: str | os.PathLike[str], plan: object, *, allowlist: bool = False,
             existing: str | bool | None = True, also_needed: tuple[str, ...] = (),
             sizes: dict[str, int] | None = None, tree: Tree | None = None,
             progress: Callable[[int], None] | None = None, engine: Engine | None = None) -> Suggestion:
    """The measured ignore file ``dockgen init`` writes for a plan, merged with ``existing`` (True: the one
    on disk; `dockgen update` passes the one dockgen rendered last). ``root`` is the app's directory; the
    context measured is the plan's (a workspace member's is the workspace root). ``tree``: that context as
    read already (``context.record``; else it is read here, ``progress`` called as it is). ``engine``: how
    the rules are matched; None: the plan's (``--engine``, else ``engine`` in .dockgen.toml or [tool.dockgen])."""
    from .model import BuildPlan

    assert isinstance(plan, BuildPlan)
    if existing is True:
        existing_path = Path(root) / plan.ignore_file
        from . import reading

        existing = (reading.read_text(existing_path, shown=plan.ignore_file, errors="surrogateescape")
                    if existing_path.is_file() else None)
    elif existing is False:
        existing = None
    excepted = tuple(p for p in dict.fromkeys(also_needed) if p not in plan.context_needs)
    context, own = context_of(root, plan)
    return suggest(context, needed=list(plan.context_needs), excepted=excepted, extra=list(plan.ignore),
                   existing=existing, allowlist=allowlist, version=plan.dockgen_version, sizes=_in_context(sizes, plan),
                   own=own, tree=tree, progress=progress,
                   engine=engine if engine is not None else plan.engine)


def context_of(root: str | os.PathLike[str], plan: object) -> tuple[Path, frozenset[str]]:
    """The build context of a plan whose app is at ``root``, and dockgen's own files in it (never measured)."""
    from .model import BuildPlan

    assert isinstance(plan, BuildPlan)
    if plan.workspace is None:
        return Path(root), OWN_FILES
    member = plan.workspace.member
    own = frozenset({*OWN_FILES, *(f"{member}/{f}" for f in (*OWN_FILES, "Dockerfile.dockerignore",
                                                              "Dockerfile.dockerignore.bak"))})
    return Path(os.path.normpath(Path(root) / plan.context)), own


def _in_context(sizes: dict[str, int] | None, plan: object) -> dict[str, int] | None:
    """``sizes`` keyed by app-relative paths, as context-relative ones."""
    from .model import BuildPlan

    assert isinstance(plan, BuildPlan)
    if sizes is None or plan.workspace is None:
        return sizes
    return {f"{plan.workspace.member}/{k}": v for k, v in sizes.items()}
