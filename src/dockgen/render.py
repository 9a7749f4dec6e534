"""Rendering: plan in, text out. Templates lay text out; every value comes from the plan."""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import TemplateError
from .ignore import check_needs_sent, render_unmeasured
from .model import BuildPlan, RenderedFile
from .templates_registry import get_template

if TYPE_CHECKING:
    import jinja2

SAFE_WORD = re.compile(r"[A-Za-z0-9._@+/=:,-]+")


def comment(value: object) -> str:
    """Text safe inside a ``#`` comment: one line, no control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())


def oneline(value: object) -> str:
    """A line kept verbatim, except that no control character can start a new instruction."""
    return "".join(c if c.isprintable() or c == "\t" else " " for c in str(value))


def dq(value: object) -> str:
    """A double-quoted Dockerfile word (LABEL/ENV value): \\, " and $ escaped, one line."""
    text = comment(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def envpairs(env: Mapping[str, str]) -> str:
    """ENV pairs; values are quoted with $ escaped, except the plan's own ``${PATH}`` (PATH="/opt/venv/bin:${PATH}")."""
    parts = []
    for key, value in env.items():
        text = str(value)
        if SAFE_WORD.fullmatch(text):
            parts.append(f"{key}={text}")
        else:
            parts.append(f"{key}={dq(text).replace(chr(92) + '${PATH}', '${PATH}')}")
    return " \\\n    ".join(parts)


def labelpairs(labels: Mapping[str, str]) -> str:
    """LABEL pairs, one per line, values double-quoted (``dq``)."""
    return " \\\n      ".join(f"{key}={dq(value)}" for key, value in labels.items())


def execform(argv: Iterable[str]) -> str:
    """Exec form: a JSON array. ensure_ascii keeps it on one line whatever the text holds."""
    return json.dumps(list(argv), ensure_ascii=True)


def chain(command: str) -> str:
    """A shell ``a && b && c`` laid out one command per line."""
    return " \\\n && ".join(part.strip() for part in command.split(" && "))


def copygroups(paths: Iterable[str]) -> list[tuple[str, str]]:
    """COPY lines that keep each path where it is: root files together into ./, a file in a directory
    into that directory, a directory (written with a trailing /) onto itself. ``COPY a/b.txt ./``
    would flatten it, and ``COPY dir ./`` would spill its contents into the working directory."""
    root = [p for p in paths if "/" not in p]
    lines = [(copysrc(root), "./")] if root else []
    for p in paths:
        if p.endswith("/"):
            lines.append((copysrc([p.rstrip("/")]), p))
        elif "/" in p:
            lines.append((copysrc([p]), p.rsplit("/", 1)[0] + "/"))
    return lines


def copysrc(paths: Iterable[str]) -> str:
    """COPY sources joined by spaces; a path that would need quoting is refused (ValueError)."""
    items = list(paths)
    for p in items:
        if not SAFE_WORD.fullmatch(p) or "$" in p:
            raise ValueError(f"unsafe path in a COPY: {p!r}")  # the plan only passes checked paths
    return " ".join(items)


CONTEXT_HINT = "`dockgen templates --context` lists the plan fields a template can use (docs/plan-context.md)"
FILTERS = {"oneline": oneline, "comment": comment, "dq": dq, "envpairs": envpairs, "labelpairs": labelpairs,
           "execform": execform, "copysrc": copysrc, "chain": chain, "copygroups": copygroups}


RENDER_SECONDS = 10.0  # a template that renders longer than this is stopped (a loop bomb)
RENDER_BYTES = 1 << 20  # a Dockerfile larger than this is refused (an output bomb)
RENDER_MEMORY = 512 << 20  # what a user template may allocate beyond dockgen's own memory (fork only)
LIMIT_HINT = ("a template renders one Dockerfile from the plan: look for a loop over a large range, or a "
              "string multiplied into megabytes")


class RenderLimit(Exception):
    """A template went past RENDER_SECONDS or RENDER_BYTES (raised inside the sandbox)."""


class _Budget(threading.local):
    """The time left to the render under way in this thread (checked cooperatively by the sandbox)."""

    deadline: float = float("inf")

    def start(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"the template rendered for more than {RENDER_SECONDS:g} s")


_budget = _Budget()


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _bounded_range(*args: int) -> Iterable[int]:
    """Jinja's sandboxed range (at most 100,000 items), checking the deadline as it goes."""
    from jinja2.sandbox import safe_range

    for i, n in enumerate(safe_range(*args)):
        if not i & 1023:
            _budget.tick()
        yield n


@functools.cache
def _sandbox_class() -> type[jinja2.Environment]:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        """Jinja's immutable sandbox (no attribute starting with ``_``, no mutation, no unsafe
        callables) with a deadline on every call and bounded ``*``, ``**`` and ``%``: a template from a
        cloned repository can lay text out, and nothing else."""

        intercepted_binops = frozenset({"*", "**", "%"})

        def call_binop(self, context: jinja2.runtime.Context, operator: str, left: object,
                       right: object) -> object:
            _budget.tick()
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise RenderLimit(f"an exponent of {right} (at most 64)")
            if operator == "*":
                count = right if isinstance(right, int) else left if isinstance(left, int) else None
                other = left if count is right else right
                if isinstance(count, int) and count * _size(other) > RENDER_BYTES:
                    raise RenderLimit(f"a sequence multiplied past {RENDER_BYTES >> 20} MiB")
            if operator == "%" and isinstance(left, str) and re.search(r"%[-+ #0]*\d{5,}", left):
                raise RenderLimit("a %-format with a width of 10,000 or more")
            result = super().call_binop(context, operator, left, right)
            if _size(result) > RENDER_BYTES:
                raise RenderLimit(f"a value past {RENDER_BYTES >> 20} MiB")
            return result

        def call(__self, __context: jinja2.runtime.Context, __obj: object,
                 *args: object, **kwargs: object) -> object:
            _budget.tick()
            for arg in (*args, *kwargs.values()):
                if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > RENDER_BYTES:
                    raise RenderLimit(f"a call with the argument {arg} (at most {RENDER_BYTES})")
            result = super().call(__context, __obj, *args, **kwargs)
            if _size(result) > RENDER_BYTES:
                raise RenderLimit(f"a value past {RENDER_BYTES >> 20} MiB")
            return result

    return Sandbox


def _contained_loader(template_dir: str) -> jinja2.BaseLoader:
    """The user's directory, where no file may resolve outside it (a symlink to /etc/passwd or to
    ../../secret.txt is refused): its text would land in the Dockerfile."""
    import os

    import jinja2

    class ContainedLoader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str
                       ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            top = os.path.realpath(template_dir)
            if os.path.commonpath([top, os.path.realpath(filename)]) != top:
                from jinja2.exceptions import SecurityError  # not TemplateNotFound: no fallback to a built-in

                raise SecurityError(f"{template} is a link that leads outside {template_dir}")
            return source, filename, uptodate

    return ContainedLoader(template_dir)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """dockgen's own templates compiled once per version and user (~50 ms a run otherwise): in
    ``$XDG_CACHE_HOME/dockgen`` (else ``~/.cache/dockgen``), a directory of this user's that nobody else
    may write; none when it cannot be made so (a template from a repository is never cached). The cache
    only saves time: Jinja checks each entry against the template's source."""
    import os
    import stat

    import jinja2

    from . import __version__

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = os.path.join(base, "dockgen", f"templates-{__version__}")
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        st = os.stat(where, follow_symlinks=False)
        mine = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
        if not stat.S_ISDIR(st.st_mode) or not mine or st.st_mode & 0o022:
            return None
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(where)


@functools.cache
def _environment(template_dir: str | None = None) -> jinja2.Environment:
    """Built-in templates, or a user's directory first (shadowing files of the same name) with the
    built-ins behind it; ``builtin/<file>`` always reaches dockgen's own. Always sandboxed: a template
    directory may come from the repository being containerized."""
    import jinja2

    package = jinja2.PackageLoader("dockgen", "templates")
    loaders: list[jinja2.BaseLoader] = [package, jinja2.PrefixLoader({"builtin": package})]
    if template_dir is not None:
        loaders.insert(0, _contained_loader(template_dir))
    env = _sandbox_class()(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache() if template_dir is None else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    env.globals.pop("lipsum", None)  # unbounded text generation, and no use in a Dockerfile
    env.globals["range"] = _bounded_range
    return env


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost template frame of a rendering error ("" when none is known)."""
    import traceback

    lineno = getattr(exc, "lineno", None)
    filename = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if lineno and filename:
        return f"{filename}:{lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _source_line(where: str) -> str:
    """The text of the template line ``file:line`` ("" when it cannot be read)."""
    filename, _, line = where.rpartition(":")
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()
        return lines[int(line) - 1]
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return ""


SYNTAX_HINT = ("fix the Jinja syntax at that line: {{ expression }}, {% if ... %}...{% endif %}, "
               "{% for ... %}...{% endfor %}, {# comment #} (https://jinja.palletsprojects.com/en/stable/templates/)")
UNDEFINED_HINT = ("a template is rendered with one variable, `plan` (and the macros it imports); "
                  "`dockgen templates --context` lists its fields")
KEY_HINT = "the keys depend on the app: `dockgen plan --json` shows this plan's"
PYTHON_HINT = ("that line's expression raised it: check the types of the values it uses (`dockgen templates "
               "--context` gives each plan field's type, `dockgen plan --json` this plan's values)")


def _filter_hint() -> str:
    return (f"dockgen's filters are {', '.join(sorted(FILTERS))}, besides Jinja's own (join, default, ...); "
            "`dockgen templates --context` documents them")


def _include_hint(template_dir: str | None) -> str:
    from .templates_registry import builtin_partials

    mine = f"your template directory {template_dir}, then " if template_dir else ""
    return (f"dockgen looked in {mine}its built-in templates ({', '.join(builtin_partials())} and the "
            "<name>.Dockerfile.j2); name a file by its path in the template directory, or builtin/<file> for "
            "dockgen's own")


def _mappings(plan: BuildPlan) -> list[str]:
    """The plan's fields that are mappings ("labels", "env", "install.env"...)."""
    found = [n for n in plan.__fields__ if isinstance(getattr(plan, n), Mapping)]
    return found + [f"install.{n}" for n in plan.install.__fields__ if isinstance(getattr(plan.install, n), Mapping)]


def _explain_key(key: str, where: str, plan: BuildPlan | None) -> str:
    """"dict has no attribute 'x'" as "plan.labels has no key 'x'", with its keys, when the line says which."""
    import difflib

    line = _source_line(where) if where else ""
    access = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?:\[\s*(['\"])" + re.escape(key)
                        + r"\2\s*\]|\." + re.escape(key) + r"(?!\w))")
    for match in access.finditer(line) if plan is not None else ():
        expr = match[1]
        names = expr.split(".")
        if names[0] != "plan":
            continue
        value: object = plan
        for name in names[1:]:
            value = getattr(value, name, None)
        if isinstance(value, Mapping) and key not in value:
            keys = [str(k) for k in value]
            close = difflib.get_close_matches(key, keys, n=1)
            shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
            return (f"{expr} has no key {key!r}" + (f" (did you mean {close[0]}?)" if close else "")
                    + (f"; its keys: {shown}" if keys else "; it is empty in this plan"))
    mappings = f" (the plan's mappings: {', '.join(_mappings(plan))})" if plan is not None else ""
    return f"a mapping has no key {key!r}{mappings}"


def _explain(message: str, where: str = "", plan: BuildPlan | None = None) -> str:
    """Jinja's "'dockgen.model.BuildPlan object' has no attribute 'x'" as "BuildPlan has no field 'x'",
    with the closest field names; a mapping's missing key names the plan field and its keys."""
    import difflib

    from . import model

    match = re.fullmatch(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']*)'", message)
    if not match:
        return message
    cls_name, attr = match.groups()
    if cls_name in ("dict", "mappingproxy"):
        return _explain_key(attr, where, plan)
    cls = getattr(model, cls_name, None)
    fields = list(getattr(cls, "__fields__", ()))
    if not fields:
        return message
    close = difflib.get_close_matches(attr, fields, n=3)
    return f"{cls_name} has no field {attr!r}" + (f" (did you mean {', '.join(close)}?)" if close else "")


def _describe(exc: BaseException, where: str, template_dir: str | None,
              plan: BuildPlan | None = None) -> tuple[str, str]:
    """The message and the hint that fit a template error: syntax, unknown filter, missing import,
    unknown field, a Python exception."""
    import jinja2

    if isinstance(exc, jinja2.TemplatesNotFound | jinja2.TemplateNotFound):
        names = list(exc.templates) if isinstance(exc, jinja2.TemplatesNotFound) else [exc.name]
        verb = re.search(r"\{%-?\s*(import|from|include|extends)\b", _source_line(where) if where else "")
        what = {"from": "import", None: "load"}.get(verb[1] if verb else None, verb[1] if verb else "load")
        return (f"cannot find {', '.join(repr(str(n)) for n in names)} to {what}", _include_hint(template_dir))
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message = exc.message or str(exc)
        if message.startswith(("No filter named", "No test named")):
            return message, _filter_hint()
        return message, SYNTAX_HINT
    if isinstance(exc, jinja2.UndefinedError):
        message = _explain(exc.message or str(exc), where, plan)
        if re.fullmatch(r"'\w+' is undefined", message):
            return message, UNDEFINED_HINT
        return message, KEY_HINT if "has no key" in message else CONTEXT_HINT
    if isinstance(exc, jinja2.TemplateError):
        return _explain(exc.message or str(exc), where, plan), CONTEXT_HINT
    return f"{type(exc).__name__}: {exc}", PYTHON_HINT


def check_user_file(template_dir: str, name: str) -> TemplateError | None:
    """A user template or partial parsed and compiled, not rendered: its syntax error, unknown filter
    or import of a file that does not exist, with its file:line (None: none found)."""
    import jinja2
    from jinja2 import nodes

    env = _environment(template_dir)
    path = Path(template_dir) / name
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return TemplateError(f"{path}: cannot read it ({exc})", "templates are UTF-8 text files")
    try:
        tree = env.parse(source, name, str(path))
        env.compile(tree, name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        message, hint = _describe(exc, f"{path}:{exc.lineno}", template_dir)
        return TemplateError(f"{path}:{exc.lineno}: {message}", hint)
    assert env.loader is not None
    kinds = ((nodes.Include, "include"), (nodes.Import, "import"), (nodes.FromImport, "import"),
             (nodes.Extends, "extend"))
    for node in tree.find_all(tuple(k for k, _ in kinds)):
        target = getattr(node, "template", None)
        if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
            continue  # a name computed at render time
        if isinstance(node, nodes.Include) and node.ignore_missing:
            continue
        try:
            env.loader.get_source(env, target.value)
        except jinja2.TemplateNotFound:
            what = next(v for k, v in kinds if isinstance(node, k))
            return TemplateError(f"{path}:{node.lineno}: cannot find {target.value!r} to {what}",
                                 _include_hint(template_dir))
    return None


def _render_text(plan: BuildPlan, file: str, name: str) -> str:
    """The template's text for ``plan`` under the render budget; a TemplateError for anything a user
    template does wrong (a built-in failing on its own is dockgen's bug and keeps its traceback)."""
    import jinja2
    from jinja2.exceptions import SecurityError

    _budget.start()
    try:
        parts: list[str] = []
        size = 0
        for chunk in _environment(plan.template_dir).get_template(file).generate(plan=plan):
            size += len(chunk)
            if size > RENDER_BYTES:
                raise RenderLimit(f"the Dockerfile grew past {RENDER_BYTES >> 20} MiB")
            parts.append(chunk)
            _budget.tick()
        return "".join(parts)
    except (RenderLimit, SecurityError, OverflowError, MemoryError, RecursionError) as exc:
        where = _where(exc)
        what = ("it tried something the sandbox forbids" if isinstance(exc, SecurityError)
                else "it went past a limit")
        detail = str(exc) or f"more than {RENDER_MEMORY >> 20} MiB of memory"
        raise TemplateError(f"template {name}" + (f" ({where})" if where else "") + f": {what}: {detail}",
                            LIMIT_HINT if not isinstance(exc, SecurityError) else SANDBOX_HINT) from exc
    except Exception as exc:
        if plan.template_dir is None and not isinstance(exc, jinja2.TemplateError):
            raise  # a built-in template failing without user files is dockgen's bug: keep the traceback
        where = _where(exc)
        message, hint = _describe(exc, where, plan.template_dir, plan)
        raise TemplateError(f"template {name}" + (f" ({where})" if where else "") + f": {message}",
                            hint) from exc
    finally:
        _budget.deadline = float("inf")


SANDBOX_HINT = ("templates render in Jinja's sandbox: they read the plan (`dockgen templates --context`) and lay "
                "text out; they cannot reach Python internals, change values or run commands")


def _isolated(render: Callable[[], str]) -> str:
    """``render()`` in a forked child with a memory limit and a deadline (a user template is untrusted
    input: a bomb the sandbox's cooperative checks miss, such as one C call allocating gigabytes, ends
    the child, not dockgen); in this process where there is no fork."""
    import json
    import os
    import select
    import signal

    if not hasattr(os, "fork"):
        return render()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send the text or the error back, exit without cleanup
        code = 0
        try:
            os.close(reader)
            _limit_memory()
            try:
                sent: list[object] = ["ok", render()]
            except TemplateError as exc:
                sent = ["error", exc.message, exc.hint]
            except MemoryError:
                sent = ["error", f"the template used more than {RENDER_MEMORY >> 20} MiB", LIMIT_HINT]
            data = json.dumps(sent).encode("utf-8", "surrogatepass")
            view = memoryview(data)
            while view:
                view = view[os.write(writer, view):]
        except BaseException:  # anything else: the parent reports a crash
            code = 70
        finally:
            os._exit(code)
    os.close(writer)
    chunks: list[bytes] = []
    deadline = time.monotonic() + RENDER_SECONDS + 5  # the child's own budget first, then this
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reader], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise TemplateError(f"the template rendered for more than {RENDER_SECONDS:g} s", LIMIT_HINT)
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    try:
        result: object = json.loads(b"".join(chunks).decode("utf-8", "surrogatepass"))
    except ValueError:
        result = None
    if isinstance(result, list) and result and result[0] == "ok":
        return str(result[1])
    if isinstance(result, list) and result and result[0] == "error":
        raise TemplateError(str(result[1]), str(result[2]) if result[2] else None)
    cause = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
             else f"exit status {os.WEXITSTATUS(status)}")
    raise TemplateError(f"rendering the template failed ({cause}; more than {RENDER_MEMORY >> 20} MiB of memory?)",
                        LIMIT_HINT)


def _limit_memory() -> None:
    """Cap this (child) process's address space at its current size plus RENDER_MEMORY."""
    import os
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    limit = now + RENDER_MEMORY
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def render_dockerfile(plan: BuildPlan) -> str:
    from .model import to_jsonable
    from .stamp import carry_json, digest, stamped

    info = get_template(plan.template, plan.template_dir)
    if plan.template_dir is None:
        text = _render_text(plan, info.file, info.name)
    else:  # a user's directory, possibly the repository's: isolated
        text = _isolated(lambda: _render_text(plan, info.file, info.name))
    text = re.sub(r"\n{3,}", "\n\n", text)  # layout only: at most one blank line between blocks
    text = text.rstrip("\n") + "\n"
    return stamped(text, version=plan.dockgen_version, template=plan.template, options=plan.options,
                   inputs=plan.inputs, carry=digest(carry_json(to_jsonable(plan.carry))) if plan.carry else None)


def render(plan: BuildPlan) -> list[RenderedFile]:
    """The Dockerfile and an unmeasured default .dockerignore (``measure`` writes the measured one).

    The default rules are checked against what the Dockerfile copies here rather than in the planner:
    the check needs Docker's matcher, which `dockgen detect` should not pay to import. Like the measured
    .dockerignore (which also says so), it leaves out a category's rule that would exclude a copied path,
    and follows a secrets rule that would with an exception for it."""
    check_needs_sent(plan.ignore, plan.context_needs)
    header = (f".dockerignore by dockgen {plan.dockgen_version} for the {plan.template} Dockerfile (not measured:\n"
              "`dockgen init` measures the context and says what each rule keeps out).\n"
              "Nothing the Dockerfile copies is excluded.")
    return [
        RenderedFile(path="Dockerfile", content=render_dockerfile(plan)),
        RenderedFile(path=plan.ignore_file, content=render_unmeasured(plan.ignore, header, plan.context_needs)),
    ]
