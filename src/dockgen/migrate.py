"""`dockgen migrate`: audit an existing Dockerfile, then move it to dockgen's v2 keeping what it meant.

The audit reads the Dockerfile with Docker's own parser and reports findings as data (rule, category,
severity, line, message, fix); the build context is measured the way the engine sends it. The
migration re-plans the app with the same planner as ``dockgen init``, seeded with what the old file
says (its Node/Python line, its port, its base family) and carrying over its ENV, ARG, LABEL,
VOLUME, HEALTHCHECK, extra EXPOSE, WORKDIR, OS packages (to the stage that needs them), custom
CMD/ENTRYPOINT; everything it cannot carry is listed, never dropped silently. Instructions are carried
as Docker parsed them and written back with the same meaning (``carryover``); the v2 is parsed again and
refused if it lost its non-root USER, the ENTRYPOINT or a port.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

from .errors import DockgenError
from .record import Record

CATEGORIES = ("image-size", "build-context", "cache", "root-user", "pinning", "signals", "secrets", "other")
SEVERITIES = ("info", "warning", "error")
SECRET_NAME = re.compile(r"(?i)(pass(word|wd)?|secret|token|api_?key|private_?key|credential|access_?key|auth)")
INSTALLS = re.compile(r"\b(npm (ci|install|i)\b|yarn( install)?\b|pnpm (install|i)\b|bun install|pip3? install|"
                      r"poetry install|uv sync|pipenv install|pdm (install|sync))")
BUILD_TOOLS = {"build-essential", "gcc", "g++", "make", "python3", "python", "python3-dev", "git", "pkg-config",
               "build-base", "musl-dev", "libc-dev", "linux-headers", "cmake", "autoconf", "automake", "libtool"}
HEAVY = 10_000_000
INITS = ("tini", "tini-static", "dumb-init")
RUNTIMES = ("node", "nodejs", "python", "python3", "bun", "npm", "yarn", "pnpm", "npx", "gunicorn", "uvicorn")
PACKAGE = re.compile(r"[a-z0-9][a-z0-9+._-]*")  # a Debian or Alpine package name, as dockgen writes it


class Finding(Record):
    rule: str
    category: str  # one of CATEGORIES
    severity: str  # "info", "warning", "error"
    line: int  # 1-based line of the Dockerfile (0: the file or the context as a whole)
    message: str
    fix: str


class Stage(Record):
    index: int
    name: str | None
    image: str  # FROM reference with global ARGs expanded
    line: int
    commands: tuple[Any, ...]


class Migration(Record):
    dockerfile: str
    findings: tuple[Finding, ...]
    carried: tuple[str, ...]  # what the new file keeps from the old one, said plainly
    not_carried: tuple[str, ...]  # what it could not keep, and why
    plan: Any  # BuildPlan
    files: tuple[Any, ...]  # RenderedFile: the new Dockerfile and the measured .dockerignore
    records: tuple[Any, ...]  # RenderedFile: dockgen's record of what was kept (.dockgen/carry/), which the stamp names
    diff: str


# -- parsing ------------------------------------------------------------------------------------------------

def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    from .dockerfile_sources import parse

    commands = parse(text, "docker build would reject it too: fix the syntax first")
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    current: list[Any] = []
    for c in commands:
        cmd = c.cmd.upper()
        if cmd == "FROM":
            if stages:
                stages[-1] = stages[-1].replace(commands=tuple(current))
            words = [w for w in c.value if not w.startswith("--")]
            image = _expand(words[0], global_args) if words else "scratch"
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(index=len(stages), name=name, image=image, line=c.start_line, commands=()))
            current = []
        elif not stages and cmd == "ARG":
            for w in c.value:
                k, _, v = w.partition("=")
                global_args[k] = v.strip('"')
        elif stages:
            current.append(c)
    if not stages:
        raise DockgenError("Dockerfile: no FROM instruction", "a Dockerfile starts with FROM <image>")
    stages[-1] = stages[-1].replace(commands=tuple(current))
    return global_args, stages


def _expand(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)(?::-([^}]*))?\}?", lambda m: args.get(m.group(1), m.group(2) or ""), text)


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = ref.rsplit(":", 1)
        return repo, tag, digest
    return ref, None, digest


def _family(repo: str) -> str:
    name = repo.removeprefix("docker.io/").removeprefix("library/")
    if name == "node" or name.endswith("/nodejs") or "distroless/nodejs" in name:
        return "node"
    if name == "python" or "distroless/python" in name:
        return "python"
    return name


# -- the audit ------------------------------------------------------------------------------------------------

def audit(root: str | os.PathLike[str], dockerfile: str = "Dockerfile", *, text: str | None = None) -> list[Finding]:
    """The findings on ``dockerfile`` (its ``text`` when already read)."""
    from .dockerfile_sources import read_dockerfile

    base = Path(root)
    path = base / dockerfile
    if text is None:
        text = read_dockerfile(path, str(path))
    _, stages = parse_dockerfile(text)
    findings: list[Finding] = []
    final = stages[-1]
    stage_names = {s.name for s in stages if s.name}
    for stage in stages:
        findings += _pinning(stage, stage_names)
    findings += _image_size(stages)
    for stage in stages:
        findings += _cache(stage)
    findings += _user(final)
    findings += _signals(final)
    for stage in stages:
        findings += _secrets(stage)
        findings += _other(stage)
    findings += _context(base, dockerfile, stages)
    return sorted(findings, key=lambda f: (f.line, -SEVERITIES.index(f.severity), f.rule))


def _pinning(stage: Stage, stage_names: set[str]) -> list[Finding]:
    if stage.image in stage_names or stage.image == "scratch":
        return []
    repo, tag, digest = split_image(stage.image)
    fam = _family(repo)
    out: list[Finding] = []
    if digest:
        return out
    if tag is None or tag == "latest":
        out.append(Finding(rule="base-unpinned", category="pinning", severity="error", line=stage.line,
                           message=f"FROM {stage.image}: no tag or `latest`, so every build can get a different base",
                           fix="pin an exact version and distro, e.g. node:24.22.3-trixie-slim"))
        return out
    if "distroless" in repo:
        return out  # distroless has no version tags; a digest pins it
    exact = re.match(r"\d+\.\d+\.\d+", tag)
    if not exact:
        out.append(Finding(rule="base-not-exact", category="pinning", severity="warning", line=stage.line,
                           message=f"FROM {stage.image}: `{tag}` is a moving tag (major or minor only), so the "
                                   "base changes under you and builds are not reproducible",
                           fix="pin x.y.z and the distro (node:24.22.3-trixie-slim, python:3.13.5-slim-trixie)"))
    m = re.match(r"(\d+)(?:\.(\d+))?", tag)
    if m and fam == "node":
        from .pins import default_pins

        table = default_pins().node
        major = int(m.group(1))
        if major < min(table.lines) or table.is_eol(major):
            out.append(Finding(rule="base-eol", category="other", severity="warning", line=stage.line,
                               message=f"Node {major} is past end of life: no security fixes",
                               fix="move to an LTS line (dockgen migrate picks the newest)"))
    if m and fam == "python" and m.group(2):
        from .pyversions import default_table

        table_py = default_table()
        minor = f"{m.group(1)}.{m.group(2)}"
        if minor not in table_py.lines or table_py.is_eol(minor):
            out.append(Finding(rule="base-eol", category="other", severity="warning", line=stage.line,
                               message=f"Python {minor} is past end of life: no security fixes",
                               fix="move to a supported CPython (3.12, 3.13, 3.14)"))
    return out


def _word(raw: str) -> str:
    """A word as the builder reads it (quotes and escapes processed, variables as written)."""
    from .dockerwords import WordError, lex, shown

    try:
        return shown(lex(raw))
    except WordError:
        return raw


def _is_full_image(image: str) -> bool:
    repo, tag, _ = split_image(image)
    return _family(repo) in ("node", "python") and "distroless" not in repo and not (
        tag and any(v in tag for v in ("slim", "alpine")))


def _image_size(stages: list[Stage]) -> list[Finding]:
    out: list[Finding] = []
    final = stages[-1]
    if _is_full_image(final.image):
        out.append(Finding(rule="base-full-image", category="image-size", severity="warning", line=final.line,
                           message=f"FROM {final.image}: the full image carries compilers and tools the app "
                                   "does not run with (about 1 GB)",
                           fix="build in a full or slim stage, run on slim or distroless"))
    if len(stages) == 1 and any(INSTALLS.search(_run_text(c)) for c in final.commands if c.cmd.upper() == "RUN"):
        out.append(Finding(rule="single-stage", category="image-size", severity="warning", line=final.line,
                           message="one stage builds and runs: caches, build tools and build inputs ship in the image",
                           fix="install and build in a builder stage, copy only the result into the runtime"))
    for c in final.commands:
        text = _run_text(c)
        if c.cmd.upper() != "RUN":
            continue
        if (re.search(r"\bnpm (install|i|ci)\b", text) and not re.search(r"--omit[= ]dev|--production|--only[= ]prod",
                                                                         text)) or \
                (re.search(r"\byarn( install)?\s*($|&&|;)", text) and "--production" not in text) or \
                (re.search(r"\bpnpm (install|i)\b", text) and "--prod" not in text):
            out.append(Finding(rule="dev-dependencies", category="image-size", severity="warning",
                               line=c.start_line, message="the final image installs dev dependencies too",
                               fix="npm ci --omit=dev (yarn --production, pnpm --prod) in the runtime's stage"))
        if re.search(r"\bpip3? install\b.*-r\s+\S*dev", text):
            out.append(Finding(rule="dev-dependencies", category="image-size", severity="warning",
                               line=c.start_line, message="the final image installs development requirements",
                               fix="install only the runtime requirements"))
        if "apt-get install" in text and "/var/lib/apt/lists" not in text:
            out.append(Finding(rule="apt-no-cleanup", category="image-size", severity="info", line=c.start_line,
                               message="apt's package lists stay in the layer",
                               fix="end the RUN with `&& rm -rf /var/lib/apt/lists/*`"))
        if "apt-get install" in text and "--no-install-recommends" not in text:
            out.append(Finding(rule="apt-recommends", category="image-size", severity="info", line=c.start_line,
                               message="apt installs recommended packages too",
                               fix="apt-get install -y --no-install-recommends ..."))
    return out


def _run_text(c: Any) -> str:
    return " ".join(c.value) if c.cmd.upper() == "RUN" else ""


def _cache(stage: Stage) -> list[Finding]:
    out: list[Finding] = []
    copied_all_at: int | None = None
    installed_before = False  # dependencies installed before the sources came in: the usual v2 shape
    for c in stage.commands:
        cmd = c.cmd.upper()
        if cmd in ("COPY", "ADD") and not any(f.startswith("--from") for f in c.flags) and "." in c.value[:-1] \
                and copied_all_at is None:
            copied_all_at = c.start_line
        if cmd == "RUN":
            text = _run_text(c)
            if INSTALLS.search(text) and copied_all_at is None:
                installed_before = True
            if INSTALLS.search(text) and copied_all_at is not None and not installed_before:
                out.append(Finding(rule="sources-before-install", category="cache", severity="warning",
                                   line=copied_all_at,
                                   message=f"the whole context is copied (line {copied_all_at}) before the dependency "
                                           f"install (line {c.start_line}): every source edit reinstalls everything",
                                   fix="copy the manifest and lockfile first, install, then copy the sources"))
                copied_all_at = None
            if "apt-get update" in text and "apt-get install" not in text:
                out.append(Finding(rule="apt-update-alone", category="cache", severity="warning", line=c.start_line,
                                   message="`apt-get update` in its own RUN is cached forever: later installs use "
                                           "stale package lists",
                                   fix="apt-get update && apt-get install ... in one RUN"))
        if cmd == "ADD" and any(re.match(r"https?://", v) for v in c.value[:-1]):
            out.append(Finding(rule="add-url", category="cache", severity="warning", line=c.start_line,
                               message="ADD of a URL: fetched on every build and not verified",
                               fix="ADD --checksum=sha256:... <url> (or download in a builder stage and verify)"))
    return out


def _user(final: Stage) -> list[Finding]:
    users = [c for c in final.commands if c.cmd.upper() == "USER"]
    if not users:
        return [Finding(rule="root-user", category="root-user", severity="error", line=final.line,
                        message="no USER: the app runs as root", fix="USER a numeric non-root uid (e.g. 65532)")]
    user = _word(" ".join(users[-1].value)).split(":")[0]
    if user in ("root", "0"):
        return [Finding(rule="root-user", category="root-user", severity="error", line=users[-1].start_line,
                        message="USER root: the app runs as root", fix="USER a numeric non-root uid")]
    if not user.isdigit():
        return [Finding(rule="user-not-numeric", category="root-user", severity="info", line=users[-1].start_line,
                        message=f"USER {user}: a name, so Kubernetes runAsNonRoot cannot verify it is not root",
                        fix="USER <uid>:<gid>, numeric")]
    return []


def _signals(final: Stage) -> list[Finding]:
    out: list[Finding] = []
    entry = [c for c in final.commands if c.cmd.upper() == "ENTRYPOINT"]
    cmds = [c for c in final.commands if c.cmd.upper() == "CMD"]
    for c in entry[-1:] + cmds[-1:]:
        if not c.json:
            out.append(Finding(rule="shell-form", category="signals", severity="warning", line=c.start_line,
                               message=f"{c.cmd.upper()} in shell form: /bin/sh -c is PID 1 and does not forward "
                                       "SIGTERM, so `docker stop` waits 10 s and kills",
                               fix=f'{c.cmd.upper()} ["node", "server.js"] (exec form)'))
    from .carryover import argv

    words = argv(entry[-1]) if entry else []
    if not entry or entry[-1].json:  # a shell-form ENTRYPOINT ignores CMD
        words += argv(cmds[-1]) if cmds else []
    first = Path(words[0]).name if words else ""
    if first in ("npm", "yarn", "pnpm", "npx") or (len(words) > 2 and Path(words[0]).name == "sh"
                                                   and words[1] == "-c" and re.match(r"(npm|yarn|pnpm) ", words[2])):
        out.append(Finding(rule="pm-as-pid1", category="signals", severity="warning",
                           line=(cmds[-1] if cmds else entry[-1]).start_line,
                           message=f"`{' '.join(words[:3])}` runs the app: the package manager swallows signals and "
                                   "adds a process", fix='run node directly: CMD ["node", "server.js"]'))
    inits = INITS
    anchor = entry[-1] if entry else cmds[-1] if cmds else None
    nginx_base = "nginx" in split_image(final.image)[0] and not words  # nginx's own entrypoint, master as PID 1
    if not any(Path(w).name in inits for w in words[:2]) and first not in ("nginx",) and not nginx_base:
        out.append(Finding(rule="no-init", category="signals", severity="warning",
                           line=anchor.start_line if anchor is not None else final.line,
                           message="no init as PID 1: SIGTERM is not handled and orphaned processes are not reaped",
                           fix='ENTRYPOINT ["/usr/bin/tini", "--"] (tini from the distro)'))
    return out


def _secrets(stage: Stage) -> list[Finding]:
    out: list[Finding] = []
    for c in stage.commands:
        cmd = c.cmd.upper()
        if cmd in ("ARG", "ENV"):
            names = [w.split("=", 1)[0] for w in c.value] if cmd == "ARG" else list(c.value[0::2])
            for name in names:
                if SECRET_NAME.search(name):
                    out.append(Finding(rule="secret-in-" + cmd.lower(), category="secrets",
                                       severity="error" if cmd == "ENV" else "warning", line=c.start_line,
                                       message=f"{cmd} {name}: build arguments and environment end up in the "
                                               "image's metadata and history",
                                       fix="pass it with a build secret: RUN --mount=type=secret,id=... (or at run "
                                           "time)"))
        if cmd in ("COPY", "ADD") and not any(f.startswith("--from") for f in c.flags):
            for src in c.value[:-1]:
                name = Path(src).name
                if name in (".env", ".npmrc", ".git-credentials", ".netrc") \
                        or name.startswith(("id_rsa", "id_ed25519")) or name.endswith((".pem", ".key")):
                    out.append(Finding(rule="secret-copied", category="secrets", severity="error", line=c.start_line,
                                       message=f"{cmd} {src}: a secret file goes into the image",
                                       fix="use a build secret (RUN --mount=type=secret) and keep the file "
                                           "out of the context"))
    return out


def _other(stage: Stage) -> list[Finding]:
    out: list[Finding] = []
    for c in stage.commands:
        if c.cmd.upper() == "ADD" and not any(re.match(r"https?://|git@", v) for v in c.value[:-1]) and not any(
                re.search(r"\.(tar|tgz|tar\.\w+|tbz2?|txz)$", v) for v in c.value[:-1]):
            out.append(Finding(rule="add-instead-of-copy", category="other", severity="info", line=c.start_line,
                               message="ADD of local files: ADD also extracts archives and fetches URLs",
                               fix="COPY (it does only what it says)"))
        if c.cmd.upper() == "MAINTAINER":
            out.append(Finding(rule="maintainer", category="other", severity="info", line=c.start_line,
                               message="MAINTAINER is deprecated", fix='LABEL org.opencontainers.image.authors="..."'))
    return out


def _context(base: Path, dockerfile: str, stages: list[Stage]) -> list[Finding]:
    from .context import analyze
    from .suggest import human

    out: list[Finding] = []
    report = analyze(base, dockerfile=base / dockerfile, top=5)
    walk = report.walk
    copies_all = any(c.cmd.upper() in ("COPY", "ADD") and "." in c.value[:-1] and not any(
        f.startswith("--from") for f in c.flags) for s in stages for c in s.commands)
    heavy = [(d, v[0]) for d, v in walk.dir_bytes.items() if "/" not in d and v[0] >= HEAVY]
    junk = [d for d in ("node_modules", ".git", ".venv", "venv", "coverage", "dist") if (base / d).is_dir()
            and d in walk.dir_bytes and walk.dir_bytes[d][0] > 0]
    size = f"{human(walk.sent_bytes)} in {walk.sent_files:,} files"
    if report.ignore_file is None:
        out.append(Finding(rule="no-dockerignore", category="build-context", severity="warning", line=0,
                           message=f"no .dockerignore: the build sends the whole directory ({size}"
                                   + (f"; {', '.join(junk)} included" if junk else "") + ")",
                           fix="dockgen context --suggest > .dockerignore (dockgen migrate --write writes one)"))
    elif junk:
        out.append(Finding(rule="weak-dockerignore", category="build-context", severity="warning", line=0,
                           message=f"{report.ignore_file} still sends {', '.join(junk)} ({size})",
                           fix="exclude them (dockgen context --suggest)"))
    if copies_all and heavy:
        listed = ", ".join(f"{d} ({human(b)})" for d, b in sorted(heavy, key=lambda t: -t[1])[:3])
        out.append(Finding(rule="copy-heavy-context", category="build-context", severity="warning", line=0,
                           message=f"COPY . copies heavy directories: {listed}",
                           fix="exclude what the image does not need in .dockerignore"))
    for s in report.secrets:
        if s.sent:
            out.append(Finding(rule="secret-in-context", category="secrets", severity="error", line=0,
                               message=f"{s.path} ({s.kind}) is sent to the builder"
                                       + (" and copied into the image" if copies_all else ""),
                               fix=f"add {s.path} to .dockerignore; pass secrets with build secrets"))
    for e in report.errors:
        out.append(Finding(rule="context-error", category="build-context", severity="error", line=0, message=e,
                           fix="fix the .dockerignore or the COPY"))
    return out


# -- the migration ------------------------------------------------------------------------------------------

PLAN_ENV = {"NODE_ENV", "PORT", "PATH", "VIRTUAL_ENV", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "HOME"}


def _packages(text: str) -> tuple[str, list[str]]:
    """("apt"|"apk"|"", the packages a RUN installs with the distro's package manager)."""
    m = re.search(r"apt-get install\s+([^&;|]+)", text) or re.search(r"\bapt install\s+([^&;|]+)", text)
    kind = "apt"
    if not m:
        m = re.search(r"\bapk add\s+([^&;|]+)", text)
        kind = "apk"
    if not m:
        return "", []
    words = [w for w in m.group(1).split() if not w.startswith("-") and w not in ("\\",)]
    return kind, [re.split(r"[=<>~]", w)[0] for w in words]


def migrate(root: str | os.PathLike[str], dockerfile: str = "Dockerfile", options: Any = None) -> Migration:
    from . import carryover as co
    from .detect import detect
    from .dockerfile_sources import read_dockerfile
    from .dockerwords import Word, WordError, escape_of, lex, literal, shown
    from .model import Carry, NodeFacts, RenderedFile
    from .plan import Options, plan_app
    from .render import render
    from .suggest import for_plan
    from .write import unified_diff

    base = Path(root)
    path = base / dockerfile
    text = read_dockerfile(path, str(path))
    findings = audit(base, dockerfile, text=text)
    stamped = _from_stamp(base, dockerfile, text, findings)
    if stamped is not None:
        return stamped
    _, stages = parse_dockerfile(text)
    escape = escape_of(text)
    final = stages[-1]
    opts: Options = options or Options()
    origins: dict[str, str] = {}
    if opts.engine is None:  # migrate records no answers, but measures and renders for the recorded engine
        from .answers import recorded_engine
        from .dockerignore import DEFAULT_ENGINE

        engine = recorded_engine(base)
        if engine != DEFAULT_ENGINE:
            opts, origins = opts.replace(engine=engine), {"engine": "the recorded answers' engine"}
    facts = detect(base, opts.language)
    carried: list[str] = []
    not_carried: list[str] = []
    repo, tag, _ = split_image(final.image)
    family = _family(repo)
    alpine = bool(tag and "alpine" in tag)

    # the runtime line the old file ran, unless the repository says otherwise or it is past end of life
    choices: dict[str, Any] = {}
    m = re.match(r"(\d+)(?:\.(\d+))?", tag or "")
    if isinstance(facts, NodeFacts):
        if family != "node":
            not_carried.append(f"FROM {final.image}: the app is a Node app (package.json); the new base is Node's")
        elif m and not facts.version_hints and opts.node_version is None:
            from .pins import default_pins

            table = default_pins().node
            major = int(m.group(1))
            if major in table.lines and not table.is_eol(major):
                choices["node_version"] = str(major)
                carried.append(f"Node {major} (from FROM {final.image})")
            else:
                not_carried.append(f"Node {major} (FROM {final.image}): past end of life, moved to the newest LTS")
    else:
        if m and m.group(2) and not facts.version_hints and opts.python_version is None:
            choices["python_version"] = f"{m.group(1)}.{m.group(2)}"
            carried.append(f"Python {choices['python_version']} (from FROM {final.image})")

    instructions: list[str] = []
    runtime_pkgs: list[str] = []
    builder_pkgs: list[str] = []
    workdir: str | None = None  # None: the base image's, or one dockgen cannot know (workdir_why says why)
    workdir_why: str | None = None
    workdir_cmd: Any = None
    start: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] = ()
    entry_supplier: Any = None  # the COPY from the build context that puts the ENTRYPOINT's program in place
    entry_line = 0
    needs_shell = False
    specs: list[Word] = []  # the EXPOSEd port specs, as the builder reads them
    last = {k: max((i for i, c in enumerate(final.commands) if c.cmd.upper() == k), default=-1)
            for k in ("ENTRYPOINT", "CMD")}
    # an ENTRYPOINT that is the runtime itself (node, python...) is half of the start command: the CMD's other half
    runtime_entry: list[str] | None = None
    runtime_entry_json = False
    if last["ENTRYPOINT"] >= 0:
        entry_cmd = final.commands[last["ENTRYPOINT"]]
        words = _after_init(co.argv(entry_cmd))
        if words and Path(words[0]).name in RUNTIMES:
            runtime_entry, runtime_entry_json = words, bool(entry_cmd.json)
    for i, c in enumerate(final.commands):
        cmd = c.cmd.upper()
        where = f"line {c.start_line}"
        if c.heredocs:
            not_carried.append(f"{where}: {cmd} with a heredoc")
            continue
        if cmd in last and i != last[cmd]:
            not_carried.append(f"{where}: {_clip(c.original)} (a later {cmd} replaces it)")
            continue
        if cmd == "EXPOSE":
            try:
                given = [lex(v, escape) for v in c.value]
            except WordError as exc:
                not_carried.append(f"{where}: {_clip(c.original)} ({exc})")
                continue
            for w in given:
                if co.valid_spec(w):
                    specs.append(w)
                else:
                    not_carried.append(f"{where}: EXPOSE {_clip(shown(w))} (not a port Docker accepts)")
            continue
        if cmd in ("ENV", "ARG", "LABEL"):
            try:
                items: list[tuple[str, Any]] = co.pairs(c, escape) if cmd != "ARG" else co.args(c, escape)
            except WordError as exc:
                not_carried.append(f"{where}: {_clip(c.original)} ({exc})")
                continue
            keep = items
            if cmd != "LABEL":
                secret = [k for k, _ in items if SECRET_NAME.search(k)]
                if secret:
                    not_carried.append(f"{where}: {cmd} {', '.join(secret)}: a secret does not belong in the "
                                       "image; pass it at run time or as a build secret")
                keep = [(k, v) for k, v in items if not SECRET_NAME.search(k) and (cmd == "ARG" or k not in PLAN_ENV)]
            dropped = [k for k, _ in items if k in PLAN_ENV] if cmd == "ENV" else []
            if dropped:
                not_carried.append(f"{where}: ENV {', '.join(dropped)} (dockgen sets it)")
            if not keep:
                continue
            writer = {"ENV": co.write_env, "ARG": co.write_arg, "LABEL": co.write_label}[cmd]
            names = ", ".join(k for k, _ in keep)
            try:
                instructions.append(co.checked(writer(keep, escape), tuple(keep)))
            except (co.NotCarried, WordError) as exc:
                not_carried.append(f"{where}: {cmd} {_clip(names)} ({exc})")
                continue
            carried.append(f"{where}: {cmd}" if cmd == "LABEL" else f"{where}: {cmd} {names}")
            continue
        if cmd == "SHELL":
            not_carried.append(f"{where}: SHELL (the runtime stage runs no shell commands)")
            continue
        if cmd in ("VOLUME", "STOPSIGNAL", "HEALTHCHECK"):
            try:
                line = co.write(c, escape)
            except co.NotCarried as exc:
                not_carried.append(f"{where}: {_clip(c.original)} ({exc})")
                continue
            instructions.append(line)
            shell_form = cmd == "HEALTHCHECK" and not c.json and c.value[0].upper() != "NONE"
            if cmd == "HEALTHCHECK" and c.value[0].upper() != "NONE":
                needs_shell = needs_shell or shell_form or any(w in ("curl", "wget", "sh") for w in c.value[1:2])
            carried.append(f"{where}: HEALTHCHECK (written in exec form)" if shell_form else f"{where}: {cmd}")
            continue
        if cmd == "WORKDIR":
            workdir, workdir_why = co.workdir_step(workdir, " ".join(c.value), escape)
            workdir_cmd = c
            continue
        if cmd == "USER":
            try:
                who = literal(lex(" ".join(c.value), escape)) or " ".join(c.value)
            except WordError:
                who = " ".join(c.value)
            if who.split(":")[0] not in ("root", "0"):
                carried.append(f"{where}: USER {_clip(who)} -> a numeric non-root user of the new base")
            continue
        if cmd == "RUN":
            for piece in (p.strip() for p in re.split(r"&&|;|\|\|", _run_text(c))):
                if not piece:
                    continue
                kind, pkgs = _packages(piece)
                odd = [p for p in pkgs if not PACKAGE.fullmatch(p)]
                if odd:  # a variable, a quote, an escape: not a name dockgen writes into its own RUN lines
                    not_carried.append(f"{where}: RUN {_clip(piece)} (the package name {_clip(odd[0], 40)} is "
                                       "not a plain one)")
                    continue
                if pkgs:
                    build = [p for p in pkgs if p in BUILD_TOOLS]
                    runtime = [p for p in pkgs if p not in BUILD_TOOLS and p not in ("tini", "dumb-init",
                                                                                  "ca-certificates")]
                    builder_pkgs += build
                    runtime_pkgs += runtime
                    alpine = alpine or kind == "apk"
                    carried.append(f"{where}: {kind} packages: " + ", ".join(
                        [*(f"{p} (build stages)" for p in build), *(f"{p} (runtime)" for p in runtime)]))
                elif re.match(r"(apt-get (update|clean)|apt update|apk update|rm -rf /var/lib/apt/lists)", piece):
                    continue  # housekeeping dockgen's own RUN lines do
                elif INSTALLS.search(piece) or re.search(r"\b(npm|yarn|pnpm) (run )?build\b", piece):
                    carried.append(f"{where}: `{_clip(piece, 60)}` (replaced by dockgen's install and build)")
                else:
                    not_carried.append(f"{where}: RUN {_clip(piece)}")
            continue
        if cmd in ("COPY", "ADD"):
            if any(f.startswith("--from") for f in c.flags):
                not_carried.append(f"{where}: {_clip(c.original)} (from another stage)")
            else:
                carried.append(f"{where}: {cmd} {' '.join(c.value[:-1])} (the new file copies what the "
                               "app needs)")
            continue
        if cmd == "ENTRYPOINT":
            words = _after_init(co.argv(c))
            if runtime_entry is not None:
                carried.append(f"{where}: ENTRYPOINT {_clip(' '.join(words))} (with the CMD, the app's start)")
                continue
            found = co.supplier(final.commands[:i], words[0], escape, base) if words else None
            if found is not None and found.kind != "context":
                raise DockgenError(f"{dockerfile}:{c.start_line}: ENTRYPOINT runs {words[0]}, which "
                                   f"{found.describe()}; the v2 keeps only the app's sources and dockgen's own "
                                   "stages, so it would not have it",
                                   "install or build it in the runtime another way (or drop the ENTRYPOINT), then "
                                   "run `dockgen migrate` again")
            if words and words[0] == "docker-entrypoint.sh" and found is None:
                not_carried.append(f"{where}: ENTRYPOINT docker-entrypoint.sh (the node image's own; the v2 "
                                   "starts with tini)")
            elif words:
                entrypoint, entry_supplier, entry_line = tuple(words), found, c.start_line
                needs_shell = needs_shell or words[0].endswith(".sh") or Path(words[0]).name in ("sh", "bash")
                carried.append(f"{where}: ENTRYPOINT {_clip(' '.join(words))} (after tini)")
            continue
        if cmd == "CMD":
            words = co.argv(c)
            if runtime_entry is not None:  # ENTRYPOINT ["node"] + CMD ["server.js"]: node server.js
                shell = ["/bin/sh", "-c", " ".join(c.value)]  # what Docker appends for a shell-form CMD
                words = runtime_entry + ((words if c.json else shell) if runtime_entry_json else [])
            start = _start_of(words, facts)
            if start is None:
                carried.append(f"{where}: CMD {_clip(' '.join(words))} -> the app is started directly "
                               "(see `dockgen plan`)")
            else:
                carried.append(f"{where}: CMD {_clip(' '.join(start))}")
            continue
        not_carried.append(f"{where}: {_clip(c.original)}")
    if runtime_entry is not None and last["CMD"] < 0:
        start = _start_of(runtime_entry, facts)
    for s in stages[:-1]:
        not_carried.append(f"stage {s.name or s.index} (FROM {s.image}): dockgen writes its own build stages")
    port = co.app_port(specs)
    if port is not None:
        choices["port"] = port
    extra: dict[str, Word] = {}
    for w in specs:
        if co.port_key(w) != f"{port}/tcp":
            extra.setdefault(co.port_key(w), w)
    if extra:
        try:
            instructions.append(co.checked(co.write_expose(list(extra.values()), escape), tuple(extra.values())))
            carried.append(f"EXPOSE {_clip(' '.join(shown(w) for w in specs))}")
        except (co.NotCarried, WordError) as exc:
            not_carried.append(f"EXPOSE {_clip(' '.join(shown(w) for w in extra.values()))} ({exc})")
            specs = [w for w in specs if co.port_key(w) not in extra]

    # the template: what the old base and the kept instructions need
    if opts.template is None:
        if isinstance(facts, NodeFacts):
            if alpine and (runtime_pkgs or needs_shell):
                choices["template"] = "node-alpine-nonroot"
            elif runtime_pkgs or needs_shell or entrypoint:
                choices["template"] = "node-slim"
        elif runtime_pkgs or needs_shell or entrypoint:
            choices["template"] = "python-slim"
    if alpine and choices.get("template") != "node-alpine-nonroot" and runtime_pkgs:
        not_carried.append(f"apk package names kept as they are for Debian: check {', '.join(runtime_pkgs)}")
    merged = opts.replace(**choices)
    carry = Carry(workdir=workdir, start=start, entrypoint=entrypoint, runtime_packages=tuple(runtime_pkgs),
                  builder_packages=tuple(builder_pkgs), instructions=tuple(instructions))
    plan = plan_app(facts, merged, carry=carry, root=base, origins=origins)
    if workdir_cmd is not None:
        if workdir is not None and plan.workdir == workdir:
            if workdir != "/app":
                carried.append(f"WORKDIR {workdir}")
        else:
            why = workdir_why or "dockgen writes only plain paths (letters, digits, and . _ @ + - /)"
            not_carried.append(f"line {workdir_cmd.start_line}: WORKDIR {_clip(' '.join(workdir_cmd.value))}: "
                               f"{why}; the v2 works in {plan.workdir}")
    if entry_supplier is not None and ("/" not in entrypoint[0] or entrypoint[0].startswith("/")):
        there = posixpath.join(plan.workdir, entry_supplier.source)
        if there != entry_supplier.path:  # (a relative program is found in the v2's sources, where it runs)
            raise DockgenError(f"{dockerfile}:{entry_line}: ENTRYPOINT runs {entry_supplier.path}, which "
                               f"{entry_supplier.describe()}; the v2 copies the sources to {plan.workdir} only, "
                               f"so it would have {there} instead",
                               f'run it from the sources (ENTRYPOINT ["./{entry_supplier.source}"] in the WORKDIR '
                               "the sources are copied to), then run `dockgen migrate` again")
    files = [f for f in render(plan) if f.path == "Dockerfile"]
    co.verify(files[0].content, dockerfile, ports=specs, entrypoint=entrypoint, carried=instructions)
    files.append(RenderedFile(path=".dockerignore", content=for_plan(base, plan).text))
    return Migration(dockerfile=dockerfile, findings=tuple(findings), carried=tuple(carried),
                     not_carried=tuple(not_carried), plan=plan, files=tuple(files),
                     records=_records(dockerfile, plan), diff=unified_diff(text, files[0].content, dockerfile))


def _after_init(words: list[str]) -> list[str]:
    """An ENTRYPOINT's argv without the init it starts with (dockgen's own runs first)."""
    if words and Path(words[0]).name in INITS:
        return words[words.index("--") + 1:] if "--" in words else words[1:]
    return words


def _records(dockerfile: str, plan: Any) -> tuple[Any, ...]:
    """dockgen's own record of what the migration kept (.dockgen/carry/), which the stamp names."""
    from .model import RenderedFile, to_jsonable
    from .stamp import carry_json, carry_record

    if plan.carry is None:
        return ()
    return (RenderedFile(path=carry_record(dockerfile), content=carry_json(to_jsonable(plan.carry)) + "\n"),)


def _clip(text: str, width: int = 80) -> str:
    """Text of the Dockerfile for a message: one line, no control characters, at most ``width`` long."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return flat if len(flat) <= width else flat[:width - 3] + "..."


def _from_stamp(base: Path, dockerfile: str, text: str, findings: list[Finding]) -> Migration | None:
    """A Dockerfile dockgen wrote and nobody edited is re-planned with its own options: no carry-over.
    Nobody edited it: its stamp's body hash matches and, when dockgen kept what it rendered
    (.dockgen/rendered/), its body is that render's. Edits `dockgen update --write` kept are restamped
    (the hash matches), so they make it an edited file: migrated like any other, what it adds listed.
    A corrupt stamp is an error; a migration record that is missing or not the stamped one makes it a
    file like any other too."""
    from .answers import rendered_base
    from .check import stamped_carry
    from .detect import detect
    from .errors import StampError
    from .model import RenderedFile
    from .plan import Options, contain_template_dir, plan_app
    from .render import render
    from .stamp import RecordError, split
    from .suggest import for_plan
    from .write import unified_diff

    stamp, body = split(text)
    if stamp is None or not stamp.matches(body):
        return None
    last = rendered_base(base, dockerfile)
    if last is not None and split(last)[1] != body:
        return None
    try:
        options = Options.from_recorded(stamp.options)
    except StampError as exc:
        raise StampError(f"{dockerfile}: {exc.message}", exc.hint) from exc
    try:
        carry = stamped_carry(base, dockerfile, stamp)
    except RecordError:
        return None  # the record is missing or another one: migrate the file as it is
    except StampError as exc:
        raise StampError(f"{dockerfile}: {exc.message}", exc.hint) from exc
    options = contain_template_dir(options, base, f"{dockerfile}: the stamp's template-dir")
    plan = plan_app(detect(base, options.language), options, carry=carry, root=base)
    files = [f for f in render(plan) if f.path == "Dockerfile"]
    files.append(RenderedFile(path=".dockerignore", content=for_plan(base, plan).text))
    return Migration(dockerfile=dockerfile, findings=tuple(findings),
                     carried=("written by dockgen: re-planned with its own options",), not_carried=(),
                     plan=plan, files=tuple(files), records=_records(dockerfile, plan),
                     diff=unified_diff(text, files[0].content, dockerfile))


def _start_of(words: list[str], facts: Any) -> tuple[str, ...] | None:
    """The old CMD when it runs the app directly with the runtime (kept), None when dockgen should
    translate it (npm start, python manage.py runserver, a development server)."""
    from .model import Framework, NodeFacts

    if not words:
        return None
    prog = Path(words[0]).name
    if isinstance(facts, NodeFacts):
        return tuple(["node", *words[1:]]) if prog in ("node", "nodejs") and len(words) > 1 else None
    if prog in ("python", "python3") and facts.framework in (Framework.FLASK, Framework.DJANGO, Framework.FASTAPI,
                                                             Framework.STARLETTE):
        return None  # a framework's development server: dockgen starts gunicorn/uvicorn instead
    if prog in ("gunicorn", "uvicorn", "python", "python3", "hypercorn", "daphne"):
        return tuple(words)
    return None
