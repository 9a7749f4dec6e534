"""The .dockerignore corpus: trees and ignore files whose sent paths the real engine decides.

Sources: Docker's documentation examples, moby/patternmatcher's test tables (their semantics
applied to a context), hand-written edge cases (cleaning, escapes, regexp metacharacters, `!`
re-inclusion under excluded directories, Dockerfile/.dockerignore themselves), the cases where the
modern engine (Docker 23+ with buildx) differs from Docker 20.10, and randomized cases from a fixed
seed. tests/e2e/test_dockerignore_engine.py builds each with both engines (`FROM scratch` +
`COPY . /ctx/`) and compares every path with dockgen's walker under the same engine setting; the
results are recorded in fixtures/dockerignore/engine-{buildkit,legacy}.json so the comparison also
runs without an engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# A context with a bit of everything: depth, dots, regexp metacharacters, spaces, unicode, names that
# look like patterns, the usual heavy directories, a Dockerfile and a symlink.
RICH_TREE: tuple[str, ...] = (
    "Dockerfile", "README.md", "readme.md", "README", "main.go", "app.js", "app.ts", "a.txt", "b.txt", "ab.txt",
    "abc", "abd", "x.log", "y.log", "x.LOG", ".env", ".env.local", ".env.example", ".hidden/file",
    ".git/HEAD", ".git/objects/ab/cdef", ".gitignore", "node_modules/left-pad/index.js",
    "node_modules/left-pad/package.json", "node_modules/.bin/tool", "src/index.js", "src/lib/util.js",
    "src/lib/deep/er/most.js", "src/node_modules/local/index.js", "src/test.log", "src/a.txt",
    "docs/guide.md", "docs/api/ref.md", "docs/api/v1/ref.md", "build/out.js", "dist/app.min.js",
    "temp/a", "temp/b/c", "tmp1/x", "tmpA/x", "other/temp/a", "other/tmp1/x", "a+b", "aab", "c++/x", "(x|y)",
    "xf", "yf", "a{2}", "aa", "dir.with.dots/f.txt", "dirXwithXdots/f.txt", "with space/f", "ümlaut/ö.txt",
    "[brackets]/f", "b/f", "star*name", "q?mark", "back\\slash", "#hash", "!bang", "-dash", "x/y/bar/other",
    "x/y/bar/keep", "foo/bar/baz", "foo/bar/qux/deep", "bar/keep", "a/b/c", "a/b/d", "a/e",
    "go/src/pkg/file.go", "vendor/mod/file.go", "test/fixtures/x.json", "test/unit/a_test.js",
    "coverage/lcov.info", "logs/app.log", "secrets/id_rsa", "keys/server.pem", "pkg/.cache/x",
)
TREE_LINKS: tuple[tuple[str, str], ...] = (("link-to-src", "src"), ("broken-link", "does/not/exist"))


@dataclass(frozen=True)
class Case:
    name: str
    ignore: str  # the .dockerignore text (bytes as UTF-8)
    tree: tuple[str, ...] = RICH_TREE
    links: tuple[tuple[str, str], ...] = TREE_LINKS


DOCS = [  # docs.docker.com "Dockerignore files" and the CLI reference examples
    "# comment\n*/temp*\n*/*/temp*\ntemp?\n",
    "*.md\n!README*.md\nREADME-secret.md\n",
    "*.md\nREADME-secret.md\n!README*.md\n",
    "**/*.go\n",
    "**\n!README.md\n",
    "*\n!src\n",
    "node_modules\nnpm-debug.log\n.git\n",
    "**/temp*\n",
    ".*\n!.gitignore\n",
]

PATTERNMATCHER = [  # moby/patternmatcher TestMatches-style patterns, one per case
    "**", "**/", "**/**", "dir/**", "**/dir2/*", "**/dir2/**", "**file", "**/file*", "**/**/*.txt", "a**",
    "a*", "*.txt", "abc.def", "abc?def", "a/*/c", "a/**/c", "**/b/**", "[a-z]*", "[!a]*", "[^a]*", "a\\*",
    "a\\?b", "\\a", "[\\-]*", "[x\\-]*", "*\\.log", "a[]]b", "[a-c]b", "src/**/*.js", "*/*/*", "?", "??",
    "???", "**/*.log", "node_modules/**", "*/node_modules", "**/node_modules", ".git/**", "**/.git",
]

EDGE = [
    "./src\n", "/src\n", "src/\n", "//src//lib//\n", "src/../docs\n", "../src\n", "src/./lib\n", ".\n", "/\n",
    "  src  \n", "\tsrc\n", " #not-a-comment\n", "#comment\nsrc\n", "\ufeffsrc\n", "src\r\ndocs\r\n", "!\tsrc\n",
    "*\n!src/lib\n", "src\n!src/lib\n", "src\n!src/lib/*\n", "src\n!src/*/util.js\n", "a\n!a/*/c\n",
    "**/bar\n!x/y/bar/keep\n", "*\n!**/keep\n", "**/*.js\n!src/**\n", "foo/bar\n!foo/bar/qux\n",
    "Dockerfile\n.dockerignore\n", "Dockerfile*\n", "*.log\n", "**/*.log\n", "*.LOG\n", "a+b\n", "(x|y)\n",
    "a{2}\n", "xf|yf\n", "(xf|yf)\n", "^a\n", "dir.with.dots\n", "[brackets]\n", "\\[brackets\\]\n", "star\\*name\n",
    "q\\?mark\n", "back\\\\slash\n", "\\#hash\n", "!bang\n", "\\!bang\n", "-dash\n", "with space\n",
    "ümlaut\n", "*/ö.txt\n", "**/ö.txt\n", "a\\b\n", ".env*\n!.env.example\n", "**/.env*\n",
    "link-to-src\n", "broken-link\n", "src\n!link-to-src\n", "**/*\n!src\n!src/**\n", "*\n!*/\n",
    "!src\n", "!src\nsrc\n", "src\n!src\nsrc/lib\n", "temp*\n!temp/b\n", "temp\n!temp/b/c\n",
    "other\n!other/temp\n", "**/temp\n!other/temp\n", "*/temp\n", "tmp[0-9]\n", "tmp[!0-9]\n",
    "a/b\n!a/b/c\n", "a\n!a/b\n!a/b/c\na/b/c\n", "**/a\n", "a/**\n!a/e\n", "*/*\n!*/*/*\n",
]

MODERN = [  # where Docker 23+ with buildx (moby/patternmatcher + fsutil) differs from Docker 20.10
    # regexp metacharacters are literal (quoted), ^ is not; a pattern starting with ** and nothing else
    # special matches any path *ending* in the rest (**file: Dockerfile, .hidden/file)
    "a+b\n!a+b\n", "c++\n", "c++/x\n", "**/a+b\n", "**a{2}\n", "a+**\n", "(x|y)\n!(x|y)\n", "a{2}\nxf|yf\n",
    "*\n!a+b\n!(x|y)\n", "**.md\n", "**.js\n!src/**\n", "**file\n!Dockerfile\n", "*\n!**file\n", "*\n!^a\n",
    "^a*\n", "[z-a]\n", "*\n[z-a]\n", "src\n!src/[z-a]\n", "a\\+b\n",
    # exceptions with a wildcard walk into every excluded directory; one sent only if something below is
    "*\n!**/*.md\n", "docs\n!docs/**/*.md\n", "*\n!*.md\n", "*\n!**/*.md\ndocs/api\n", "**\n!src/**/*.js\n",
    "*\n!docs/api/v1/ref.md\n", "node_modules\n!node_modules/left-pad/index.js\n", ".git\n!.git/HEAD\n",
    "*\n!src/lib/*\n", "*\n!src/lib/**\n", "src/**\n!src/lib/**\n", "a/**\n!a/b/**\n", "*\n!*/f*\n",
    "**/*.md\n!README.md\n", "docs\n!docs/api\n", "temp\n!temp/b/*\n", "other\n!**/a\n",
    # every ancestor counts, but a line that cannot change the answer is not tried (and not passed down)
    "**/bar\n!x/y/bar/keep\n", "**/b\n!a/b/c\n", "foo\n!foo/bar\nfoo\n", "foo\n!foo/bar\nfoo/bar\n",
    "x\n!x/y\nx/y/bar\n", "*/y\n!x/y/bar/keep\n", "x/*\n!x/y/bar\n", "**/y\n!x/y/bar/keep\n**/bar\n",
    "src/lib\n!src/lib/deep\nsrc\n!src/lib/deep/er\n",
]

ERRORS = ["!\n", "[\n", "a[\n", "[]\n", "[a-]\n", "trailing\\\n", "c++\n", "a(b\n", "a)b\n", "src\n!\n"]

ALPHABET = ["a", "b", "src", "lib", "x", "temp", "*", "**", "?", ".", "/", "\\*", "[a-c]", "[!a]", "!", ".txt", ".js",
            "tmp", "node_modules", "docs", "api", ".log", "e", "c"]


def random_pattern(rnd: random.Random) -> str:
    parts = [rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 4))]
    text = "".join(parts)
    if rnd.random() < 0.15:
        text = "!" + text.lstrip("!")
    if rnd.random() < 0.1:
        text = "/" + text
    return text


def random_cases(count: int, seed: int) -> list[Case]:
    rnd = random.Random(seed)
    out = []
    for n in range(count):
        lines = [random_pattern(rnd) for _ in range(rnd.randint(1, 5))]
        out.append(Case(name=f"random-{seed}-{n}", ignore="\n".join(lines) + "\n"))
    return out


def all_cases(random_count: int = 150, seed: int = 20261129) -> list[Case]:
    cases = [Case(name=f"docs-{i}", ignore=t) for i, t in enumerate(DOCS)]
    cases += [Case(name=f"pm-{i}", ignore=p + "\n") for i, p in enumerate(PATTERNMATCHER)]
    cases += [Case(name=f"pm-not-{i}", ignore="*\n!" + p + "\n") for i, p in enumerate(PATTERNMATCHER)]
    cases += [Case(name=f"edge-{i}", ignore=t) for i, t in enumerate(EDGE)]
    cases += [Case(name=f"modern-{i}", ignore=t) for i, t in enumerate(MODERN)]
    cases += [Case(name=f"error-{i}", ignore=t) for i, t in enumerate(ERRORS)]
    cases += random_cases(random_count, seed)
    return cases
