"""Turn package.json's start script into the argv the image runs with ``node`` directly.

Never npm/yarn/a shell as PID 1's child: ``npm start`` swallows signals and adds a process. The
translation is deliberately small and explainable:

* ``node [flags] ./bin/www``           -> ``["node", flags..., "./bin/www"]``
* ``NODE_ENV=production node app.js``  -> env ``NODE_ENV=production`` + ``["node", "app.js"]``
* ``npm run serve`` / ``yarn serve``   -> the ``serve`` script, translated (up to 3 levels)
* ``next start -p 4000``               -> ``["node", "node_modules/.bin/next", "start", "-p", "4000"]``
  (any other binary of a dependency the same way: node runs the JS file the .bin link points to)
* shell operators (``&&``, ``|``, ``;``), variables (``$PORT``, ``$(...)``), ``nodemon``/``tsx`` and other dev
  runners cannot run as-is: the caller falls back to ``main`` or a conventional entry file.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import NamedTuple

SHELL_OPS = re.compile(r"&&|\|\||[;|`<>$]")  # operators, redirections, $VAR and $(...) need a shell
ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)
DEV_RUNNERS = frozenset({"nodemon", "ts-node", "ts-node-dev", "tsx", "node-dev", "supervisor", "forever",
                         "pm2", "babel-node", "vite", "webpack-dev-server"})
PM_RUN = frozenset({"npm", "yarn", "pnpm", "bun"})


# a step of a start script that builds (`npm run build:ts && fastify start dist/app.js`): the image's build
# stage runs the build, so the start command is what follows it
# (its words are separated by spaces or tabs: a line break would start a new instruction in the RUN line)
BUILD_STEP = re.compile(r"(?:(?:npm|pnpm|yarn|bun)[ \t]+(?:run[ \t]+)?(?:build[\w:.-]*|compile[\w:.-]*)"
                        r"|(?:npx[ \t]+)?tsc(?:[ \t]+-[-\w]+(?:[ \t]+[\w./-]+)?)*"
                        r"|(?:nest|next|remix|react-router|vite|nuxt|nuxi)[ \t]+build)")


class Translated(NamedTuple):
    argv: tuple[str, ...] | None
    env: tuple[tuple[str, str], ...]
    script: str | None  # the script name the argv came from
    problem: str | None  # why it could not be translated
    prebuild: tuple[str, ...] = ()  # build steps the script ran first (`npm run build:ts`), left to the build stage


def translate(scripts: Mapping[str, str], name: str = "start", depth: int = 0) -> Translated:
    text = scripts.get(name)
    if text is None:
        return Translated(None, (), None, f"no scripts.{name}")
    if depth > 3:
        return Translated(None, (), name, "scripts call each other too deeply")
    prebuild: tuple[str, ...] = ()
    steps = [step.strip() for step in text.split("&&")]
    if len(steps) > 1 and all(BUILD_STEP.fullmatch(step) for step in steps[:-1]) and steps[-1]:
        prebuild, text = tuple(steps[:-1]), steps[-1]
    if SHELL_OPS.search(text):
        return Translated(None, (), name, f"scripts.{name} needs a shell (operators or variables): {text!r}")
    if prebuild:
        inner = translate({**scripts, name: text}, name, depth)
        return inner._replace(prebuild=prebuild + inner.prebuild)
    try:
        words = shlex.split(text)
    except ValueError as exc:
        return Translated(None, (), name, f"scripts.{name} cannot be parsed ({exc})")
    env: list[tuple[str, str]] = []
    while words and (m := ASSIGN.fullmatch(words[0])):
        env.append((m.group(1), m.group(2)))
        words = words[1:]
    if words and words[0] == "cross-env":
        words = words[1:]
        while words and (m := ASSIGN.fullmatch(words[0])):
            env.append((m.group(1), m.group(2)))
            words = words[1:]
    if not words:
        return Translated(None, tuple(env), name, f"scripts.{name} runs nothing")
    program, rest = words[0], words[1:]
    if program == "bun":  # `bun index.ts`, `bun run src/server.ts`: Bun runs the file itself
        args = rest[1:] if rest[:1] == ["run"] else rest
        flags = [a for a in args if a.startswith("-")]
        files = [a for a in args if not a.startswith("-")]
        if files and _is_file(files[0]):
            if any(f in ("--hot", "--watch") for f in flags):
                return Translated(None, tuple(env), name, f"scripts.{name} runs bun with --hot/--watch "
                                                          "(development flags)")
            return Translated(("bun", *args), tuple(env), name, None)
    if program in PM_RUN:
        target = _pm_script(program, rest)
        if target and target in scripts:
            inner = translate(scripts, target, depth + 1)
            return Translated(inner.argv, tuple(env) + inner.env, inner.script, inner.problem)
        return Translated(None, tuple(env), name, f"scripts.{name} runs {program} {' '.join(rest)}")
    if program in DEV_RUNNERS:
        return Translated(None, tuple(env), name, f"scripts.{name} uses {program}, a development runner")
    if program == "node" or program.endswith("/node"):
        return Translated(("node", *rest), tuple(env), name, None)
    if "/" in program or program.startswith("."):
        # a script file run directly (./server.js, bin/www): its shebang may need /usr/bin/env
        return Translated(("node", program, *rest), tuple(env), name, None)
    return Translated(("node", f"node_modules/.bin/{program}", *rest), tuple(env), name, None)


def _is_file(word: str) -> bool:
    return word.endswith((".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")) or "/" in word


def _pm_script(program: str, rest: list[str]) -> str | None:
    args = [a for a in rest if not a.startswith("-")]
    if not args:
        return "start" if program in ("npm", "pnpm", "yarn") and not rest else None
    if args[0] in ("run", "run-script"):
        return args[1] if len(args) > 1 else None
    if args[0] == "start":
        return "start"
    if program in ("yarn", "pnpm", "bun"):
        return args[0]
    return None
