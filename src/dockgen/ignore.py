""".dockerignore: the default rules dockgen writes, and matching with Docker's semantics.

Matching follows moby/patternmatcher as BuildKit applies it: patterns are cleaned paths anchored at
the context root, ``*`` and ``?`` never cross ``/``, ``**`` matches any number of directories, a
pattern that matches a directory excludes everything below it, ``!`` re-includes, and the last
matching line wins.
"""

from __future__ import annotations

import functools
import posixpath
import re

from .model import IgnoreRule


def default_node_rules(*, built_outputs: tuple[str, ...], secret_npmrc: bool,
                       yarn_berry: bool) -> tuple[IgnoreRule, ...]:
    """The commented default for a Node app. Never excludes what the Dockerfile copies."""
    rules: list[IgnoreRule] = [
        IgnoreRule(pattern="**/node_modules", comment="dependencies: installed inside the image, never sent"),
        IgnoreRule(pattern=".git", comment="version control"),
        IgnoreRule(pattern=".hg"),
        IgnoreRule(pattern=".svn"),
        IgnoreRule(pattern="**/npm-debug.log*", comment="logs"),
        IgnoreRule(pattern="**/yarn-debug.log*"),
        IgnoreRule(pattern="**/yarn-error.log*"),
        IgnoreRule(pattern="**/.pnpm-debug.log*"),
        IgnoreRule(pattern="**/*.log"),
        IgnoreRule(pattern="logs"),
        IgnoreRule(pattern="coverage", comment="test and tool output"),
        IgnoreRule(pattern=".nyc_output"),
        IgnoreRule(pattern="**/.cache"),
        IgnoreRule(pattern=".eslintcache"),
        IgnoreRule(pattern="**/.turbo"),
        IgnoreRule(pattern="**/.env", comment="secrets: environment files and keys never enter the image"),
        IgnoreRule(pattern="**/.env.*"),
        IgnoreRule(pattern="**/*.pem"),
        IgnoreRule(pattern="**/*.key"),
        IgnoreRule(pattern="**/id_rsa*"),
        IgnoreRule(pattern="**/id_ed25519*"),
        IgnoreRule(pattern="**/.git-credentials"),
    ]
    if secret_npmrc:
        rules.append(IgnoreRule(pattern=".npmrc", comment="holds a registry token: passed as a build secret"))
    if yarn_berry:
        rules += [
            IgnoreRule(pattern=".yarn/*", comment="yarn berry: keep releases, plugins and patches only"),
            IgnoreRule(pattern="!.yarn/releases"),
            IgnoreRule(pattern="!.yarn/plugins"),
            IgnoreRule(pattern="!.yarn/patches"),
            IgnoreRule(pattern=".pnp.*"),
        ]
    if built_outputs:
        first = True
        for out in built_outputs:
            rules.append(IgnoreRule(pattern=out, comment="local build output: the image builds its own"
                                    if first else None))
            first = False
    rules += [
        IgnoreRule(pattern="**/.DS_Store", comment="editor and OS files"),
        IgnoreRule(pattern=".vscode"),
        IgnoreRule(pattern=".idea"),
        IgnoreRule(pattern="**/*.swp"),
        IgnoreRule(pattern="Dockerfile*", comment="container files: changing them must not bust the COPY cache"),
        IgnoreRule(pattern="**/*.Dockerfile"),
        IgnoreRule(pattern=".dockerignore"),
        IgnoreRule(pattern="**/docker-compose*.yml"),
        IgnoreRule(pattern="**/compose*.yaml"),
        IgnoreRule(pattern="**/compose*.yml"),
    ]
    return tuple(rules)


def render_dockerignore(rules: tuple[IgnoreRule, ...], header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for rule in rules:
        if rule.comment:
            lines += ["", f"# {rule.comment}"]
        lines.append(rule.pattern)
    return "\n".join(lines) + "\n"


def clean_pattern(pattern: str) -> str:
    """Docker's cleaning: Go filepath.Clean, then one leading '/' dropped."""
    cleaned = posixpath.normpath(pattern) if pattern else pattern
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if cleaned.startswith("/") and cleaned != "/":
        cleaned = cleaned[1:]
    return cleaned


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                while i + 1 < n and pattern[i + 1] == "*":
                    i += 1
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                    out.append("(.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body.startswith("^"):
                    body = "!" + body[1:]
                if body.startswith("!"):
                    out.append("[^/" + body[1:].replace("\\", "\\\\") + "]")
                else:
                    out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    return re.compile("".join(out), re.S)


def _matches(pattern: str, path: str) -> bool:
    rx = _regex(pattern)
    if rx.match(path):
        return True
    # a pattern matching a parent directory excludes everything below it
    parts = path.split("/")
    return any(rx.match("/".join(parts[:k])) for k in range(1, len(parts)))


def excluded_by(rules: tuple[IgnoreRule, ...], path: str) -> str | None:
    """The pattern that leaves ``path`` excluded (last match wins), or None when it is sent."""
    verdict: str | None = None
    for rule in rules:
        pattern = rule.pattern.strip()
        negate = pattern.startswith("!")
        body = clean_pattern(pattern[1:].strip() if negate else pattern)
        if _matches(body, path):
            verdict = None if negate else rule.pattern
    return verdict
