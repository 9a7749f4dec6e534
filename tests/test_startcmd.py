"""The start script becomes an argv run by node directly, never npm or a shell."""

from __future__ import annotations

import pytest

from dockgen.startcmd import translate


@pytest.mark.parametrize(("scripts", "argv", "env"), [
    ({"start": "node ./bin/www"}, ("node", "./bin/www"), ()),
    ({"start": "node --enable-source-maps dist/index.js"}, ("node", "--enable-source-maps", "dist/index.js"), ()),
    ({"start": "NODE_ENV=production node app.js"}, ("node", "app.js"), (("NODE_ENV", "production"),)),
    ({"start": "cross-env DEBUG=x node app.js"}, ("node", "app.js"), (("DEBUG", "x"),)),
    ({"start": "npm run serve", "serve": "node srv.js"}, ("node", "srv.js"), ()),
    ({"start": "yarn serve", "serve": "node srv.js"}, ("node", "srv.js"), ()),
    ({"start": "next start -p 4000"}, ("node", "node_modules/.bin/next", "start", "-p", "4000"), ()),
    ({"start": "./server.js"}, ("node", "./server.js"), ()),
    ({"start": 'node "server file.js"'}, ("node", "server file.js"), ()),
])
def test_translations(scripts: dict[str, str], argv: tuple[str, ...], env: tuple[tuple[str, str], ...]) -> None:
    t = translate(scripts)
    assert t.argv == argv and t.env == env and t.problem is None


@pytest.mark.parametrize("start", ["rm -rf dist && node dist/x.js", "node a.js | tee log", "nodemon app.js",
                                   "ts-node src/index.ts", "node $(cat entry)", "node 'unterminated",
                                   "node server.js --port $PORT"])
def test_untranslatable_scripts_say_why(start: str) -> None:
    t = translate({"start": start})
    assert t.argv is None and t.problem


def test_recursion_is_bounded() -> None:
    t = translate({"start": "npm run a", "a": "npm run b", "b": "npm run a"})
    assert t.argv is None and "deeply" in (t.problem or "")


@pytest.mark.parametrize(("start", "argv", "prebuild"), [
    ("npm run build:ts && fastify start -l info dist/app.js",
     ("node", "node_modules/.bin/fastify", "start", "-l", "info", "dist/app.js"), ("npm run build:ts",)),
    ("tsc && node dist/index.js", ("node", "dist/index.js"), ("tsc",)),
    ("npm run build && node dist/x.js", ("node", "dist/x.js"), ("npm run build",)),
    ("tsc -p tsconfig.build.json && node dist/main", ("node", "dist/main"), ("tsc -p tsconfig.build.json",)),
])
def test_a_build_step_before_the_start_is_left_to_the_build_stage(start: str, argv: tuple[str, ...],
                                                                   prebuild: tuple[str, ...]) -> None:
    t = translate({"start": start, "build:ts": "tsc"})
    assert t.argv == argv and t.prebuild == prebuild and t.problem is None
