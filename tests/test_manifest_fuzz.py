"""Issue 11, "Proof": a Hypothesis fuzz over the manifests dockgen reads (package.json, pyproject.toml) and
the small files next to them (package-lock.json, .nvmrc, .node-version, .python-version, requirements.txt,
Procfile, vite.config.js, tsconfig.json, .dockgen.toml, uv.lock/poetry.lock headers), run through what
`dockgen init --dry-run` does (``dockgen.generate(path, dry_run=True)``, in process).

Everything an attacker who writes the repository controls is drawn hostile: names, versions, scripts,
engines, main, bin, workspaces globs, packageManager, [project] name/scripts/requires-python/dependencies,
[tool.*] tables with [tool.dockgen]: line breaks of every kind (LF, CR, U+2028, NEL...), backslash-newline,
quotes, ``$VAR``/``${x:-y}``, JSON brackets, ``#``, NUL, lone surrogates, very long strings, numbers of
thousands of digits, deep nesting, wrong types (lists, null, bools, floats where strings are expected) and
keys such as ``__proto__``. For every input:

* ``generate`` succeeds or raises a DockgenError whose message and hint are each one printable line
  (the CLI prints them as they are), nothing else (no traceback);
* on success the Dockerfile parses with Docker's own parser (the `dockerfile` package); every instruction
  is one dockgen's templates write; no value holds a line break; the final stage runs as a non-root USER
  with exec-form ENTRYPOINT/CMD; the instruction list is the one the template renders for the same plan
  with every line break, backslash and heredoc opener taken out of its values (so no value of the
  manifest made or joined an instruction); no line starts with an instruction injected from a value;
  and every COPY from the build context names a path inside it;
* the .dockerignore has no line starting with a rule injected from a value, and a rule that holds a
  manifest value (a build output directory) is a plain path.

Workspaces are drawn too (a member and its packages' names and directories reach RUN, COPY and rule
lines), and each app with the flags of `init` (--template, --allow-list, --port) now and then.

``DOCKGEN_FUZZ_EXAMPLES=5000`` runs many more examples (bug hunting; about 3 minutes per fuzz test);
the default (200 per fuzz test) keeps the module around 15 seconds. The tests after the fuzz reproduce
each bug it found, and failed before its fix.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dockerfile
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import dockgen
from dockgen.errors import DockgenError
from dockgen.record import Record
from dockgen.render import render_dockerfile

from .apps import LOCK_V3

EXAMPLES = int(os.environ.get("DOCKGEN_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

# -- hostile values --------------------------------------------------------------------------------------------

MARK = "PWN"  # in every injected instruction or rule: no line of the output may start with one
INJECTED = ("USER root PWN", "RUN echo PWN", "COPY PWN /", "ENV PWN=1", "EXPOSE 1 PWN", "ONBUILD RUN PWN",
            "LABEL PWN=1", "FROM scratch AS PWN")
INJECTED_RULES = ("!PWN", "*PWN", "**/PWN", "PWN/")
BREAKS = ("\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\\\n", "\\\r\n")
PIECES = [
    *"aZ09 .-_/\\\"'$`{}()[];&|<>#=:@*?!%,\t", "\x00", "\x7f", "\x1b[31m", "é", "😀", "\u200b", "\ufeff",
    *BREAKS, *(b + i for b in ("\n", "\r", "\u2028", "\\\n") for i in (*INJECTED, *INJECTED_RULES)),
    "${x:-y}", "${HOME}", "$HOME", "$(id)", "`id`", "__proto__", "constructor", "prototype", "<<EOF", "# syntax=x",
    "node", "server.js", "dist", "./", "../", "/", "tsc", " -p", " -x", "npm run build", " && ", "vite build",
    "npm", "run", "build", "22", "3.12", ">=", "^", "||", "@", "latest", "\\\"", "\"]", "[\"",
]
HOSTILE = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.text(max_size=24),
    st.sampled_from(["a" * 5000, "1" * 5000, "é" * 3000, "\n" * 500, "x\n" * 300, "9" * 20, "-1", "0", "65536"]),
)


class Raw(str):
    """Text written into a JSON or TOML file as it is (a number of 5000 digits, a deep nesting)."""


RAW_NUMBERS = st.sampled_from([Raw("1" * 5000), Raw("-" + "9" * 4400), Raw("1e99999"), Raw("1" * 400 + ".5"),
                               Raw("[" * 300 + "]" * 300), Raw("0x10"), Raw("1_000")])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), HOSTILE, RAW_NUMBERS)
WRONG = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(HOSTILE, st.sampled_from(["__proto__", "node", "start"])),
                                                inner, max_size=3)), max_leaves=8)


def either(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value most of the time, else a hostile string or a wrong type (now and then a number of
    thousands of digits or a deep nesting: each refuses the whole file, so they stay rare)."""
    return st.one_of(plausible, plausible, plausible, plausible, HOSTILE, HOSTILE, WRONG)


def dumps_json(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {dumps_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps_json(v) for v in value) + "]"
    return json.dumps(value)  # NaN/Infinity as Python writes them: json.loads reads them back


def toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            out.append("\\ufffd")  # TOML has no way to write a lone surrogate
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return '""'  # TOML has no null: an empty string is the nearest hostile value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_str(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def toml_doc(tables: dict[str, dict[str, Any]]) -> str:
    """``{"project": {...}, "tool.dockgen": {...}, "": {top-level keys}}`` as TOML text."""
    lines: list[str] = [f"{toml_str(k)} = {toml_value(v)}" for k, v in tables.get("", {}).items()]
    for name, table in tables.items():
        if name:
            lines.append(f"[{name}]")
            lines += [f"{toml_str(str(k))} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@st.composite
def some_of(draw: Any, fields: dict[str, st.SearchStrategy[Any]], rare: frozenset[str] = frozenset()
            ) -> dict[str, Any]:
    """A dict with a random subset of ``fields``, each drawn (one of ``rare`` now and then only)."""
    return {k: draw(s) for k, s in fields.items() if draw(st.integers(0, 7)) == 0 or (
        k not in rare and draw(st.booleans()))}


# -- the files of a Node app -------------------------------------------------------------------------------------

NODE_VERSIONS = st.sampled_from(["22", "24", ">=20", "^22 || ^24", "lts/*", "v20.11.1", "node", "20.x", "*", "18"])
START = st.one_of(
    st.sampled_from(["node server.js", "node index.js", "next start", "npm run serve", "tsc && node dist/index.js",
                     "npm run build && node dist/server.js", "PORT=8080 node server.js", "bun index.ts",
                     "node --enable-source-maps server.js", "nodemon server.js", "react-router-serve ./build",
                     "tsc -p\nUSER -x && node server.js", "vite\nbuild && node server.js"]),
    st.lists(st.sampled_from(["node", "tsc", " -p", " ", "server.js", "\n", "USER", " -x", " && ", "npm run build",
                              "vite", "build", "PORT=1", "\r", "\u2028", '"', "'", "\\", "$PORT", "dist/x.js",
                              "./bin/www", "#", "\\\n", "RUN", "PWN"]), max_size=10).map("".join),
    HOSTILE)
DEPENDENCY_NAMES = st.sampled_from(["express", "next", "vite", "typescript", "canvas", "fastify", "@remix-run/serve",
                                    "nuxt", "@nestjs/core", "bcrypt", "turbo", "hono", "sharp"])
DEPENDENCIES = st.dictionaries(st.one_of(DEPENDENCY_NAMES, DEPENDENCY_NAMES, HOSTILE),
                               either(st.sampled_from(["^4.21.0", "latest", "*", "workspace:*", "file:../x"])),
                               max_size=4)
PACKAGE_JSON = some_of({
    "name": either(st.sampled_from(["app", "@scope/app", "my-app"])),
    "version": either(st.sampled_from(["1.0.0", "0.0.1-beta.1"])),
    "description": either(st.just("an app")),
    "license": either(st.sampled_from(["MIT", "ISC"])) | st.fixed_dictionaries({"type": HOSTILE}),
    "repository": either(st.sampled_from(["https://github.com/o/r", "o/r", "git@github.com:o/r.git"]))
    | st.fixed_dictionaries({"type": st.just("git"), "url": HOSTILE}),
    "main": either(st.sampled_from(["server.js", "index.js", "dist/index.js", "./lib/x.js", "../x.js", "/etc/passwd"])),
    "type": either(st.sampled_from(["module", "commonjs"])),
    "bin": either(st.sampled_from(["server.js", "./cli.js"])) | st.dictionaries(HOSTILE, HOSTILE, max_size=2),
    "scripts": either(st.fixed_dictionaries({"start": START}, optional={
        "build": either(st.sampled_from(["tsc", "vite build", "next build"])), "start:prod": START, "serve": START,
        "__proto__": HOSTILE})),
    "engines": either(st.fixed_dictionaries({}, optional={"node": either(NODE_VERSIONS), "npm": HOSTILE})),
    "volta": either(st.fixed_dictionaries({"node": either(NODE_VERSIONS)})),
    "packageManager": either(st.sampled_from(["npm@10.9.2", "pnpm@9.15.0", "yarn@4.5.3", "yarn@1.22.22",
                                              "bun@1.2.3", "pnpm@10.0.0+sha512.abc", "npm@10\nRUN x"])),
    "dependencies": either(DEPENDENCIES),
    "devDependencies": either(DEPENDENCIES),
    "workspaces": either(st.lists(either(st.sampled_from(["packages/*", "apps/**", "!**/test"])), max_size=3)),
    "pnpm": either(st.fixed_dictionaries({"onlyBuiltDependencies": either(st.lists(HOSTILE, max_size=2))})),
    "trustedDependencies": either(st.lists(HOSTILE, max_size=2)),
    "allowScripts": WRONG,
    "__proto__": WRONG,
    "constructor": WRONG,
}, rare=frozenset({"workspaces", "__proto__", "constructor", "allowScripts", "trustedDependencies", "pnpm"}))
LOCKFILES = st.one_of(
    st.just({}),
    st.just({"package-lock.json": dumps_json(LOCK_V3)}),
    st.builds(lambda v, p: {"package-lock.json": dumps_json({**LOCK_V3, "lockfileVersion": v, "packages": p})},
              either(st.sampled_from([1, 2, 3])),
              either(st.dictionaries(st.one_of(HOSTILE, st.sampled_from(["node_modules/canvas", "node_modules/next"])),
                                     either(st.fixed_dictionaries({}, optional={
                                         "hasInstallScript": WRONG, "dev": WRONG, "version": HOSTILE,
                                         "bin": either(st.dictionaries(st.sampled_from(["next", "fastify"]), either(
                                             st.just("dist/bin/next")), max_size=2))})),
                                     max_size=3))),
    st.builds(lambda h: {"yarn.lock": h}, st.sampled_from(["# yarn lockfile v1\n", "__metadata:\n  version: 8\n"])
              | HOSTILE),
    st.builds(lambda h: {"pnpm-lock.yaml": f"lockfileVersion: '{h}'\n"}, st.sampled_from(["9.0", "6.0", "5.4"])
              | HOSTILE),
    st.just({"bun.lock": "{}\n"}),
)
ANSWERS = some_of({
    "port": either(st.integers(1, 65535)), "template": either(st.sampled_from(["node-slim", "node-distroless",
                                                                               "python-slim", "static-nginx"])),
    "node-version": either(NODE_VERSIONS), "python-version": either(st.sampled_from(["3.12", ">=3.11"])),
    "language": either(st.sampled_from(["node", "python"])), "template-dir": HOSTILE,
    "allow-list": either(st.booleans()), "dockgen-version": either(st.sampled_from(["0.1.0", "9.9.9"])),
    "__proto__": WRONG,
}, rare=frozenset({"__proto__", "template-dir", "language", "template", "python-version", "node-version"}))
ANSWERS_FILE = st.one_of(*[st.builds(lambda a: toml_doc({"": a}), ANSWERS)] * 3, HOSTILE)
NODE_FILES = some_of({
    ".nvmrc": either(NODE_VERSIONS), ".node-version": either(NODE_VERSIONS),
    "vite.config.js": st.builds(lambda d: f"export default {{ build: {{ outDir: {json.dumps(d)} }} }}\n",
                                either(st.sampled_from(["build", "out/site", "./public/dist/"]))),
    "tsconfig.json": st.one_of(
        st.builds(lambda d: dumps_json({"compilerOptions": {"outDir": d}}),
                  either(st.sampled_from(["dist", "build", "./out/"]))),
        st.builds(dumps_json, WRONG), HOSTILE),
    ".dockgen.toml": ANSWERS_FILE,
    "index.ts": st.just("export {}\n"),
    "turbo.json": st.just("{}\n"),
}, rare=frozenset({".dockgen.toml"}))


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else dumps_json(value)


# -- the files of a Python app -----------------------------------------------------------------------------------

PY_DEPS = st.sampled_from(["flask", "django", "fastapi", "gunicorn", "uvicorn", "psycopg2", "flask==3.0.0",
                           "requests>=2", "pkg @ git+https://example.com/x.git", "-e .", "--hash=sha256:abc"])
PYPROJECT = some_of({
    "project": some_of({
        "name": either(st.sampled_from(["app", "my_app"])), "version": either(st.just("1.0")),
        "description": either(st.just("an app")), "license": either(st.just("MIT")) | st.fixed_dictionaries(
            {"text": HOSTILE}),
        "requires-python": either(st.sampled_from([">=3.11", "==3.12.*", ">=3.13,<3.14", "~=3.10"])),
        "dependencies": either(st.lists(either(PY_DEPS), max_size=4)),
        "scripts": either(st.dictionaries(st.one_of(HOSTILE, st.just("serve")),
                                          either(st.sampled_from(["pkg.cli:main", "app:app"])), max_size=2)),
        "urls": either(st.dictionaries(st.sampled_from(["Source", "Homepage", "x"]), HOSTILE, max_size=2)),
    }),
    "tool.poetry": some_of({"name": HOSTILE, "dependencies": either(st.fixed_dictionaries(
        {"python": either(st.just("^3.11"))}, optional={"flask": HOSTILE})), "scripts": WRONG,
        "package-mode": WRONG, "group": WRONG}),
    "tool.uv": some_of({"required-version": either(st.just("==0.5.0")), "package": WRONG}),
    "tool.dockgen": ANSWERS,
    "build-system": some_of({"requires": either(st.just(["hatchling"])),
                             "build-backend": either(st.just("hatchling.build"))}),
    "dependency-groups": some_of({"dev": either(st.just(["pytest"]))}),
    "": some_of({"tool": WRONG}),  # `tool = ...` at the top: not a table
}, rare=frozenset({"", "tool.dockgen", "tool.poetry", "tool.uv"}))
PY_FILES = some_of({
    "uv.lock": st.one_of(st.just("version = 1\nrequires-python = \">=3.11\"\n"),
                         HOSTILE.map(lambda h: f"version = {h}\n")),
    "poetry.lock": st.one_of(st.just("# This file is automatically @generated by Poetry 1.8.3 and should not be "
                                     "changed by hand.\n"), HOSTILE),
    ".python-version": either(st.sampled_from(["3.12", "3.13.1", "pypy3.10", "system"])),
    "requirements.txt": st.lists(st.one_of(PY_DEPS, either(PY_DEPS), st.sampled_from([
        "-r other.txt", "-r $HOME.txt", "-c c.txt", "gunicorn==23.0.0", "-r ../shared.txt", "-r sub/../../shared.txt",
        "-r /etc/hostname", "--requirement=../shared.txt", "-r sub/../other.txt"])),
        max_size=4).map(lambda xs: "\n".join(map(text_of, xs)) + "\n"),
    "Procfile": st.builds(lambda w: f"web: {w}\n", either(st.sampled_from([
        "gunicorn app:app", "gunicorn app:app --bind 0.0.0.0:$PORT", "uvicorn app:app --port 8000",
        "gunicorn app:app -b :70000"]))),
    ".dockgen.toml": ANSWERS_FILE,
}, rare=frozenset({".dockgen.toml", "poetry.lock"}))
FLASK = "from flask import Flask\napp = Flask(__name__)\n"


# -- the property --------------------------------------------------------------------------------------------------

OUTCOMES: Counter[str] = Counter()
KEYWORDS = frozenset({"FROM", "ARG", "RUN", "COPY", "ENV", "WORKDIR", "USER", "EXPOSE", "ENTRYPOINT", "CMD", "LABEL",
                      "STOPSIGNAL", "HEALTHCHECK"})
LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
PLAIN_RULE = re.compile(r"!?[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*/?")


def one_line(text: str | None) -> bool:
    return bool(text) and text is not None and text.isprintable() and len(text.splitlines()) == 1


def _neutral(value: Any) -> Any:
    """``value`` with every line break, backslash and heredoc opener taken out of its strings."""
    if isinstance(value, str):
        text = LINE_BREAK.sub(" ", value).replace("\\", "/").replace("<<", "< <")
        return value if text == value else text
    if isinstance(value, Record):
        return type(value)(**{n: _neutral(getattr(value, n)) for n in value.__fields__})
    if isinstance(value, tuple):
        return tuple(_neutral(v) for v in value)
    if isinstance(value, dict) or (hasattr(value, "items") and hasattr(value, "keys")):
        return {_neutral(k): _neutral(v) for k, v in value.items()}
    return value


def structure(text: str) -> list[tuple[str, int]]:
    return [(c.cmd.upper(), len(c.flags)) for c in dockerfile.parse_string(text)]


def final_stage(commands: list[Any]) -> list[Any]:
    start = max(i for i, c in enumerate(commands) if c.cmd.upper() == "FROM")
    return commands[start:]


def no_injected_line(text: str, injected: tuple[str, ...], what: str) -> None:
    for line in text.splitlines():
        bare = line.strip()
        assert not any(bare.startswith(i) for i in injected), f"{what}: an injected line: {line!r}"


def check_dockerfile(plan: Any, text: str) -> None:
    commands = list(dockerfile.parse_string(text))
    for c in commands:
        assert c.cmd.upper() in KEYWORDS, f"an instruction dockgen never writes: {c.original!r}"
        assert not c.heredocs, c.original
        for v in (*c.value, *c.flags):
            assert not LINE_BREAK.search(v), f"a value with a line break: {c.original!r}"
        if c.cmd.upper() == "COPY" and not any(f.startswith("--from=") for f in c.flags):
            for source in c.value[:-1]:  # from the build context: a path inside it
                assert not source.startswith("/") and ".." not in source.split("/"), c.original
    final = final_stage(commands)
    users = [c for c in final if c.cmd.upper() == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].value[0].split(":")[0]
    assert user not in ("", "root", "0") and user.isdigit() and int(user) != 0, users[-1].original
    for c in final:
        if c.cmd.upper() in ("CMD", "ENTRYPOINT"):
            assert c.json, f"{c.cmd} is not exec form: {c.original!r}"
    assert structure(text) == structure(render_dockerfile(_neutral(plan))), \
        "a value of the manifest changed the template's instructions"
    no_injected_line(text, INJECTED, "Dockerfile")


def check_dockerignore(text: str) -> None:
    no_injected_line(text, INJECTED_RULES + INJECTED, ".dockerignore")
    for line in text.splitlines():
        bare = line.strip()
        if bare and not bare.startswith("#") and MARK in bare:
            assert PLAIN_RULE.fullmatch(bare), f"a rule made of a manifest value that is not a plain path: {line!r}"


NODE_OPTIONS = st.fixed_dictionaries({}, optional={
    "template": st.sampled_from(["node-slim", "node-alpine-nonroot", "node-distroless", "static-nginx", "bun-slim"]),
    "allow_list": st.booleans(), "port": st.integers(1, 65535)})
PYTHON_OPTIONS = st.fixed_dictionaries({}, optional={
    "template": st.sampled_from(["python-slim", "python-distroless"]), "allow_list": st.booleans(),
    "port": st.integers(1, 65535)})


def run(app: Path, options: dict[str, Any] | None = None) -> None:
    """`dockgen init --dry-run` on ``app`` (``options``: its flags), and the properties of what it does."""
    try:
        result = dockgen.generate(app, dry_run=True, **(options or {}))
    except DockgenError as exc:
        assert one_line(exc.message), f"the message is not one printable line: {exc.message!r}"
        assert one_line(exc.hint), f"the hint is not one printable line: {exc.hint!r} ({exc.message!r})"
        OUTCOMES["refused"] += 1
        event(f"refused: {re.sub(r'[^a-z ]+', '', exc.message)[:40]}")
        return
    OUTCOMES["generated"] += 1
    event(f"generated: {result.plan.template} with {result.plan.install.manager}")
    files = {f.path: f.content for f in result.files}
    check_dockerfile(result.plan, files["Dockerfile"])
    check_dockerignore(files[result.plan.ignore_file])


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8", "surrogatepass"))  # a lone surrogate: invalid UTF-8


def in_repository(build: Callable[[Path], Path], options: dict[str, Any] | None = None) -> None:
    """``build(top)`` makes the app below a fresh checkout (a .git stops the walk up for a workspace root)."""
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        (top / ".git").mkdir()
        run(build(top), options)


# entry files the start command or main may name, where the categories of the .dockerignore exclude some
ENTRIES = st.none() | st.sampled_from(["logs/server.js", "coverage/index.js", "Dockerfile.js", ".env.js", "tmp/x.js",
                                       "dist/index.js", "lib/app.js", ".git/x.js", "node_modules/x/y.js", "id_rsa.js",
                                       "app.log.js", "compose.yml.js", ".vscode/x.js", "server.key.js", "out/s.js"])


# app shapes (dependencies and a build script under the drawn ones): a static site, Next, Nest, Bun...
PRESETS = st.sampled_from([{}, {}, {"vite": "vite build"}, {"next": "next build"}, {"@nestjs/core": "nest build"},
                           {"typescript": "tsc"}, {"@remix-run/serve": "remix build"}, {"express": None}])


def dict_or_empty(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def with_preset(pkg: Any, preset: dict[str, str | None]) -> Any:
    if not isinstance(pkg, dict) or not preset:
        return pkg
    deps = dict_or_empty(pkg.get("dependencies"))
    scripts = dict_or_empty(pkg.get("scripts"))
    build = next(({"build": b} for b in preset.values() if b), {})
    return {**pkg, "dependencies": {**{d: "^5.0.0" for d in preset}, **deps}, "scripts": {**build, **scripts}}


def node_app(top: Path, pkg: Any, lock: dict[str, str], extra: dict[str, Any], entry: str | None = None,
             by_main: bool = False, preset: dict[str, str | None] | None = None) -> Path:
    app = top / "app"
    pkg = with_preset(pkg, preset or {})
    if entry is not None and isinstance(pkg, dict):  # the app starts a file the repository has
        scripts = dict_or_empty(pkg.get("scripts"))
        pkg = {**pkg, "main": entry} if by_main else {**pkg, "scripts": {**scripts, "start": f"node {entry}"}}
        extra = {**extra, entry: "require('http').createServer().listen(3000)\n"}
    write(app, {"package.json": dumps_json(pkg), **lock, **{k: text_of(v) for k, v in extra.items()},
                "server.js": "require('http').createServer().listen(process.env.PORT || 3000)\n"})
    return app


@FUZZ
@given(pkg=PACKAGE_JSON, lock=LOCKFILES, extra=NODE_FILES, entry=ENTRIES, by_main=st.booleans(),
       options=NODE_OPTIONS, preset=PRESETS)
@example(pkg={"name": "x\nUSER root PWN", "description": "\\\nRUN echo PWN", "scripts": {"start": "node server.js"}},
         lock={}, extra={}, entry=None, by_main=False, options={}, preset={})
def test_package_json_fuzz(pkg: Any, lock: dict[str, str], extra: dict[str, Any], entry: str | None,
                           by_main: bool, options: dict[str, Any], preset: dict[str, str | None]) -> None:
    in_repository(lambda top: node_app(top, pkg, lock, extra, entry, by_main, preset), options)


def python_app(top: Path, tables: dict[str, Any], extra: dict[str, Any]) -> Path:
    app = top / "app"
    pyproject = toml_doc({k: v for k, v in tables.items() if isinstance(v, dict)})
    write(app, {"pyproject.toml": pyproject, **{k: text_of(v) for k, v in extra.items()}, "app.py": FLASK,
                "pkg/__init__.py": "", "pkg/cli.py": "def main():\n    pass\n", "other.txt": "flask==3.0.0\n"})
    write(top, {"shared.txt": "flask==3.0.0\n"})  # beside the app, outside its build context
    return app


@FUZZ
@given(tables=PYPROJECT, extra=PY_FILES, options=PYTHON_OPTIONS)
@example(tables={"project": {"name": "x\nUSER root PWN", "dependencies": ["flask"],
                             "scripts": {"serve\nRUN echo PWN": "pkg.cli:main"}}}, extra={}, options={})
def test_pyproject_fuzz(tables: dict[str, Any], extra: dict[str, Any], options: dict[str, Any]) -> None:
    in_repository(lambda top: python_app(top, tables, extra), options)


# -- workspaces: a member's name and its packages' names reach RUN lines -------------------------------------------

MEMBER = some_of({
    "name": either(st.sampled_from(["web", "@acme/web"])),
    "scripts": either(st.fixed_dictionaries({"start": START}, optional={"build": either(st.just("tsc"))})),
    "dependencies": either(st.dictionaries(st.one_of(st.just("lib"), st.just("@acme/lib"), HOSTILE),
                                           either(st.just("workspace:*")), max_size=2)),
})
LIBRARY = some_of({"scripts": either(st.fixed_dictionaries({}, optional={"build": either(st.just("tsc"))}))})
LIB_NAMES = st.one_of(st.sampled_from(["lib", "@acme/lib", "-rf", "lib --filter x", "@x/../y"]), HOSTILE, HOSTILE)
ROOT = some_of({
    "workspaces": either(st.lists(either(st.sampled_from(["apps/*", "packages/*", "apps/**"])), max_size=3)),
    "packageManager": either(st.sampled_from(["npm@10.9.2", "pnpm@9.15.0", "yarn@4.5.3", "yarn@1.22.22",
                                              "bun@1.2.3"])),
    "devDependencies": either(st.fixed_dictionaries({"turbo": either(st.just("2.3.0"))})),
})


DIR_NAMES = st.one_of(
    st.just("lib"), st.just("lib"), st.just("core-2"), st.just("@ui"),
    st.sampled_from(["lib", "my lib", "lib\nRUN echo PWN", "x\n!PWN", "*PWN", "!PWN", "$HOME", "lib#x", "#lib", "é",
                     "-rf", "a\\b", " lib ", "lib\r", "[ab]", "a?b", "\u2028USER root PWN", "node_modules", "a" * 200]),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/\0"), min_size=1, max_size=12)
    .filter(lambda d: d not in (".", "..")))


def workspace_app(top: Path, root: Any, member: Any, library: Any, turbo: bool, pnpm: bool, lib_dir: str,
                  other_dir: str, lib_name: str | None = None) -> Path:
    if lib_name is not None:  # the member depends on the library by its (hostile) name
        library = {**library, "name": lib_name}
        if isinstance(member, dict):
            deps = dict_or_empty(member.get("dependencies"))
            member = {**member, "dependencies": {**deps, lib_name: "workspace:*"}}
    files: dict[str, str | bytes] = {
        "package.json": dumps_json({"workspaces": ["apps/*", "packages/*"], **root} if isinstance(root, dict)
                                   else root),
        "apps/web/package.json": dumps_json(member), f"packages/{lib_dir}/package.json": dumps_json(library),
        f"packages/{other_dir}/package.json": dumps_json({"name": other_dir}),
        "apps/web/server.js": "require('http').createServer().listen(3000)\n",
    }
    if turbo:
        files["turbo.json"] = "{}\n"
    if pnpm:
        files["pnpm-workspace.yaml"] = "packages:\n  - apps/*\n  - packages/*\n"
    write(top / "ws", files)
    return top / "ws" / "apps" / "web"


@FUZZ
@given(root=ROOT, member=MEMBER, library=LIBRARY, turbo=st.booleans(), pnpm=st.booleans(), lib_dir=DIR_NAMES,
       other_dir=DIR_NAMES, lib_name=st.none() | LIB_NAMES, options=NODE_OPTIONS)
@example(root={"packageManager": "pnpm@9.15.0"}, member={"name": "web", "scripts": {"start": "node server.js"}},
         library={"scripts": {"build": "tsc"}}, turbo=False, pnpm=True, lib_dir="lib", other_dir="other",
         lib_name="lib", options={})
def test_workspace_fuzz(root: Any, member: Any, library: Any, turbo: bool, pnpm: bool, lib_dir: str,
                        other_dir: str, lib_name: str | None, options: dict[str, Any]) -> None:
    in_repository(lambda top: workspace_app(top, root, member, library, turbo, pnpm, lib_dir, other_dir, lib_name),
                  options)


def test_the_fuzz_generates_and_refuses() -> None:
    """The strategies reach both outcomes (run after the fuzz tests, in file order)."""
    if not OUTCOMES:
        pytest.skip("run with the fuzz tests")
    assert OUTCOMES["generated"] > 30 and OUTCOMES["refused"] > 30, OUTCOMES


# -- what the fuzz found: each a traceback or an injection before its fix --------------------------------------------

def refused(app: Path) -> DockgenError:
    """The DockgenError `dockgen init --dry-run` refuses ``app`` with (checked as the fuzz checks it)."""
    with pytest.raises(DockgenError) as info:
        dockgen.generate(app, dry_run=True)
    assert one_line(info.value.message) and one_line(info.value.hint), info.value
    return info.value


def generated(app: Path) -> Any:
    """What `dockgen init --dry-run` makes of ``app``, checked as the fuzz checks it."""
    result = dockgen.generate(app, dry_run=True)
    files = {f.path: f.content for f in result.files}
    check_dockerfile(result.plan, files["Dockerfile"])
    check_dockerignore(files[result.plan.ignore_file])
    return result


START_JS = "require('http').createServer().listen(process.env.PORT || 3000)\n"


@pytest.mark.parametrize(("rel", "text"), [
    ("package.json", '{"name": "a", "version": ' + "1" * 5000 + "}"),
    ("package-lock.json", '{"lockfileVersion": ' + "9" * 4400 + "}"),
    (".dockgen.toml", "port = " + "1" * 5000 + "\n"),
    ("pyproject.toml", '[project]\nname = "a"\nversion = ' + "1" * 5000 + "\n"),
    ("pyproject.toml", '[tool.dockgen]\nport = -' + "9" * 4400 + "\n"),
])
def test_a_number_of_thousands_of_digits_is_a_clear_error(tmp_path: Path, rel: str, text: str) -> None:
    """json.loads and tomllib raise a bare ValueError for an integer past Python's 4300 digits."""
    python = rel == "pyproject.toml"
    write(tmp_path, {"package.json": '{"name": "a", "scripts": {"start": "node server.js"}}', "server.js": START_JS}
          if not python else {"app.py": FLASK, "requirements.txt": "flask==3.0.0\n"})
    write(tmp_path, {rel: text})
    error = refused(tmp_path)
    assert error.message.startswith(f"{rel}: a number with thousands of digits"), error.message


@pytest.mark.parametrize("value", ["a\x00b", "a\nUSER root", "\x1b[31mred", "tpl\u2028x", "a" * 5000])
def test_a_recorded_template_dir_no_directory_can_have_is_a_clear_error(tmp_path: Path, value: str) -> None:
    """A NUL made os.path.realpath raise ValueError, a name too long made Path.is_dir raise OSError, and a line
    break or an escape sequence went into the message as it was."""
    write(tmp_path, {"package.json": '{"name": "a", "scripts": {"start": "node server.js"}}', "server.js": START_JS,
                     ".dockgen.toml": f"template-dir = {toml_str(value)}\n"})
    error = refused(tmp_path)
    assert "template directory" in error.message, error.message


@pytest.mark.parametrize("start", ["tsc -p\nUSER -x && node server.js", "vite\nbuild && node server.js",
                                   "npm\nrun build && node server.js", "tsc -p\r\nEXPOSE -1 && node server.js"])
def test_a_build_step_of_the_start_script_cannot_add_an_instruction(tmp_path: Path, start: str) -> None:
    """The start script's build steps (`tsc && node dist/x.js`) become a RUN line of the build stage: words
    split by a line break (\\s in the pattern) made the rest of the step an instruction of its own."""
    write(tmp_path, {"package.json": dumps_json({"name": "a", "scripts": {"start": start}}), "server.js": START_JS})
    result = generated(tmp_path)
    assert result.plan.build_command is None and result.plan.cmd[-1] == "server.js"


def test_python_dependencies_and_poetry_of_the_wrong_type_are_ignored(tmp_path: Path) -> None:
    """`dependencies = 5` raised TypeError (not iterable), `[tool] poetry = "x"` AttributeError (str.get)."""
    write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\ndependencies = 5\n[tool]\npoetry = "x"\n',
                     "requirements.txt": "flask==3.0.0\ngunicorn==23.0.0\n", "app.py": FLASK})
    assert generated(tmp_path).plan.language == "python"


def _workspace(tmp_path: Path, lib_dir: str = "lib", lib_name: str = "lib", member_name: str = "web",
               pm: str = "pnpm@9.15.0") -> Path:
    workspace_app(tmp_path, {"packageManager": pm}, {"name": member_name, "scripts": {"start": "node server.js"}},
                  {"scripts": {"build": "tsc"}}, turbo=False, pnpm=pm.startswith("pnpm"), lib_dir=lib_dir,
                  other_dir="other", lib_name=lib_name)
    return tmp_path / "ws" / "apps" / "web"


@pytest.mark.parametrize(("member_name", "lib_name", "pm"), [
    ("web\nUSER root PWN", "lib", "pnpm@9.15.0"),  # pnpm install --filter <name>...
    ("web --filter x", "lib", "pnpm@9.15.0"),
    ("-rf", "lib", "yarn@4.5.3"),  # yarn workspaces focus <name>
    ("web", "lib\nRUN echo PWN", "yarn@4.5.3"),  # yarn workspace <lib> run build
])
def test_a_workspace_package_name_a_command_cannot_take_is_a_clear_error(tmp_path: Path, member_name: str,
                                                                          lib_name: str, pm: str) -> None:
    """A member's package name (and a package's it builds) went as it was into the RUN lines of the install
    and the build: a line break in it made an instruction, a space or a leading - more arguments."""
    error = refused(_workspace(tmp_path, member_name=member_name, lib_name=lib_name, pm=pm))
    assert "is not one a command of the image can take" in error.message, error.message


@pytest.mark.parametrize("lib_dir", ["lib\nRUN echo PWN", "my lib", "x\n!PWN", "$HOME", "é"])
def test_a_workspace_member_directory_a_copy_cannot_name_is_a_clear_error(tmp_path: Path, lib_dir: str) -> None:
    """A member's directory went into COPY lines (render's copysrc raised ValueError for it) and into the
    .dockerignore as a rule (a line break made a rule of its own)."""
    error = refused(_workspace(tmp_path, lib_dir=lib_dir))
    assert error.message.startswith("the workspace member"), error.message


def test_a_plain_workspace_still_generates(tmp_path: Path) -> None:
    result = generated(_workspace(tmp_path, lib_dir="lib-2", lib_name="@acme/lib"))
    assert "--filter web..." in result.plan.install.install_prod


@pytest.mark.parametrize(("entry", "rule"), [("logs/server.js", "logs"), ("Dockerfile.js", "Dockerfile*"),
                                             ("coverage/index.js", "coverage")])
def test_an_entry_file_a_category_rule_would_exclude_is_sent(tmp_path: Path, entry: str, rule: str) -> None:
    """`node logs/server.js`: render's self-check raised AssertionError (dockgen's rule `logs` would exclude
    the start file). The rule is left out, as the measured .dockerignore leaves it out."""
    write(tmp_path, {"package.json": dumps_json({"name": "a", "scripts": {"start": f"node {entry}"}}),
                     entry: START_JS})
    result = generated(tmp_path)
    assert result.plan.cmd[-1] == entry
    for f in (*dockgen.render(result.plan), *result.files):
        if f.path == ".dockerignore":
            assert rule not in f.content.splitlines(), f.content


@pytest.mark.parametrize(("script", "procfile"), [("\x85", None), ("serve\u2028USER root", None),
                                                  ("serve", "web: gunicorn app:app --title=\x9b31m\n")])
def test_a_python_start_word_with_a_control_character_is_not_run(tmp_path: Path, script: str,
                                                                   procfile: str | None) -> None:
    """The Python planner's guard let C1 controls (NEL, CSI) and line separators through to the exec-form
    CMD (only C0 ones were refused); it now takes the Node planner's: printable, no backslash."""
    write(tmp_path, {"pyproject.toml": toml_doc({"project": {"name": "a", "version": "1", "dependencies": [],
                                                             "scripts": {script: "pkg.cli:main"}},
                                                 "build-system": {"requires": ["hatchling"],
                                                                  "build-backend": "hatchling.build"}}),
                     "pkg/__init__.py": "", "pkg/cli.py": "def main():\n    pass\n", "main.py": "print(1)\n",
                     **({"Procfile": procfile, "requirements.txt": "gunicorn==23.0.0\n"} if procfile else {})})
    result = generated(tmp_path)
    assert all(arg.isprintable() for arg in result.plan.cmd), result.plan.cmd


@pytest.mark.parametrize("line", ["-r ../shared.txt", "-r sub/../../shared.txt", "--requirement=../shared.txt",
                                  "-c /etc/hostname"])
def test_a_requirements_include_outside_the_app_is_a_clear_error(tmp_path: Path, line: str) -> None:
    """`-r ../shared.txt` became `COPY ../shared.txt ../`, a COPY the build context cannot serve (and an
    absolute include was read as a path inside the app)."""
    write(tmp_path, {"shared.txt": "flask==3.0.0\n", "app/requirements.txt": f"{line}\ngunicorn==23.0.0\n",
                     "app/app.py": FLASK})
    (tmp_path / ".git").mkdir()
    error = refused(tmp_path / "app")
    assert "outside the app's directory" in error.message, error.message


def test_a_requirements_include_inside_the_app_still_works(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "-r requirements/base.txt\n", "requirements/base.txt": "-r ../other.txt\n",
                     "other.txt": "flask==3.0.0\n", "app.py": FLASK})
    assert generated(tmp_path).plan.install.manifest_files[:3] == ("requirements.txt", "requirements/base.txt",
                                                                     "other.txt")
