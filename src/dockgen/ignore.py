""".dockerignore rules dockgen writes: the categories every app gets, the rules a plan adds, and the
unmeasured default text. Matching is Docker's (dockerignore.py); measuring is suggest.py's."""

from __future__ import annotations

from .model import IgnoreRule
from .record import Record
from .secrets import IGNORE_RULES as SECRET_RULES

SECRETS_TITLE = "secrets: environment files and keys never enter the image"


class Category(Record):
    name: str
    rules: tuple[str, ...]  # every one is written, whether the tree holds something it matches or not


CATEGORIES: tuple[Category, ...] = (
    Category(name="dependencies: installed inside the image",
             rules=("**/node_modules", "**/bower_components", "**/jspm_packages")),
    Category(name="version control", rules=(".git", ".hg", ".svn")),
    Category(name=SECRETS_TITLE, rules=SECRET_RULES),  # secrets.py: what its names and directories find
    Category(name="logs",
             rules=("**/*.log", "**/npm-debug.log*", "**/yarn-debug.log*", "**/yarn-error.log*", "logs")),
    Category(name="caches",
             rules=("**/.cache", "**/.turbo", "**/.parcel-cache", ".eslintcache", ".npm", ".pnpm-store",
                    "**/__pycache__", "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache", ".gradle")),
    Category(name="test and coverage output",
             rules=("coverage", ".nyc_output", "test-results", "playwright-report", "htmlcov", ".tox")),
    Category(name="editor and OS files",
             rules=(".vscode", ".idea", "**/.DS_Store", "**/*.swp", "**/Thumbs.db")),
    Category(name="container files: editing them must not bust the COPY cache",
             rules=("Dockerfile*", "**/*.Dockerfile", ".dockerignore", ".dockerignore.bak*", "**/docker-compose*.yml",
                    "**/docker-compose*.yaml", "**/compose.yml", "**/compose.yaml", ".dockgen.toml", ".dockgen")),
    # write.py's temp files (.<name>.<pid>-<hex>.dockgen-tmp): a write killed midway leaves them
    Category(name="dockgen's temp files: an interrupted write leaves them", rules=("**/.*.dockgen-tmp",)),
)

BUILD_OUTPUT = "local build output: the image builds its own"


def node_plan_rules(*, built_outputs: tuple[str, ...], secret_npmrc: bool, yarn_berry: bool) -> tuple[IgnoreRule, ...]:
    """What a Node plan adds to the categories; ``comment`` is the rule's category."""
    rules: list[IgnoreRule] = [IgnoreRule(pattern=out, comment=BUILD_OUTPUT) for out in built_outputs]
    if secret_npmrc:
        rules.append(IgnoreRule(pattern=".npmrc", comment="registry token: passed as a build secret instead"))
    if yarn_berry:
        berry = "yarn berry: only its releases, plugins and patches are needed"
        rules += [IgnoreRule(pattern=p, comment=berry)
                  for p in (".yarn/*", "!.yarn/releases", "!.yarn/plugins", "!.yarn/patches", ".pnp.*")]
    return tuple(rules)


def default_rules(plan_rules: tuple[IgnoreRule, ...], needs: tuple[str, ...] | list[str] = ()) -> list[IgnoreRule]:
    """The unmeasured default: the plan's rules, then every category's. As in the measured .dockerignore
    (suggest.py), a category's rule that would keep out a path the Dockerfile copies (``needs``: the app's
    start file under logs/, a Dockerfile.js) is left out, and a secrets rule stays, followed by an
    exception for that path."""
    categories = [IgnoreRule(pattern=p, comment=c.name) for c in CATEGORIES for p in c.rules]
    wanted = [n for n in needs if n not in ("", ".")]
    if not any(excluded_by(categories, n) for n in wanted):  # the usual case: one matcher
        return [*plan_rules, *categories]
    from .secrets import literal_pattern

    out = list(plan_rules)
    for rule in categories:
        hit = [n for n in wanted if excluded_by([rule], n)]
        if not hit:
            out.append(rule)
        elif rule.comment == SECRETS_TITLE:
            out += [rule, *(IgnoreRule(pattern="!" + literal_pattern(n), comment=rule.comment) for n in hit)]
    return out


def render_unmeasured(plan_rules: tuple[IgnoreRule, ...], header: str,
                      needs: tuple[str, ...] | list[str] = ()) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    category = None
    for rule in default_rules(plan_rules, needs):
        if rule.comment != category:
            lines += ["", f"# --- {rule.comment} ---"]
            category = rule.comment
        lines.append(rule.pattern)
    return "\n".join(lines) + "\n"


def excluded_by(rules: list[IgnoreRule] | tuple[IgnoreRule, ...], path: str) -> str | None:
    """The rule that keeps ``path`` out of the context (Docker's matching and walk), or None."""
    from .context import _Matcher, path_is_sent
    from .dockerignore import parse

    matcher = _Matcher(parse("\n".join(r.pattern for r in rules) + "\n", "<rules>"))
    status, rule = path_is_sent(matcher, path)
    if status == "sent":
        return None
    return rule.text if rule is not None else "?"


def check_needs_sent(plan_rules: tuple[IgnoreRule, ...], needs: tuple[str, ...] | list[str]) -> None:
    """dockgen's own rules (``default_rules`` for ``needs``) never exclude a path the Dockerfile copies: one
    that did (a plan's rule) is a bug in dockgen, never the user's fault, so it is an AssertionError
    rather than a DockgenError."""
    rules = default_rules(plan_rules, needs)
    for path in needs:
        rule = excluded_by(rules, path) if path != "." else None
        if rule is not None:
            raise AssertionError(f".dockerignore rule {rule!r} would exclude {path}, which the Dockerfile needs")
