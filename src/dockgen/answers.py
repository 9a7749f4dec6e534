"""Recorded answers: the options ``dockgen init`` used, kept in the repository so that a re-run, and
``dockgen update`` after dockgen or the repository changed, render with the same choices.

Where: ``[tool.dockgen]`` of pyproject.toml for a Python app that has one, ``.dockgen.toml`` (top-level
keys) otherwise; an existing ``.dockgen.toml`` wins. Keys are the option names in kebab-case
(``node-version``, ``template-dir``...) plus ``dockgen-version``, the dockgen that recorded them, and
``engine`` (an option like the others: ``"buildkit"``, the default, or ``"legacy"``, the user's engine,
whose .dockerignore semantics are measured).

Precedence, for every option on its own: a flag on the command line (a keyword of the API) > the
recorded answer > what dockgen decides from the repository (.nvmrc, requires-python...) and its defaults.

Next to the answers, ``.dockgen/rendered/`` keeps the files exactly as dockgen last rendered them:
the base of ``dockgen update``'s three-way merge. Both belong in version control.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from . import __version__, reading
from .dockerignore import DEFAULT_ENGINE, Engine, check_engine
from .errors import DockgenError
from .model import Language, RenderedFile
from .plan import Options
from .record import Record

ANSWERS_FILE = ".dockgen.toml"
PYPROJECT = "pyproject.toml"
RENDERED_DIR = ".dockgen/rendered"
VERSION_KEY = "dockgen-version"
ENGINE_KEY = "engine"  # which engine's .dockerignore semantics `dockgen context` measures: buildkit (default), legacy
HEADER = ("dockgen's recorded answers: `dockgen init` and `dockgen update` render with them;",
          "a flag on the command line wins over an answer. .dockgen/rendered/ holds the files as",
          "dockgen last rendered them (the base of `dockgen update`'s merge). Commit both.")


def key_of(field: str) -> str:
    return field.replace("_", "-")


KEYS = {key_of(f): f for f in Options.__fields__}


class Answers(Record):
    options: Options
    version: str | None  # the dockgen that recorded them
    file: str | None  # ".dockgen.toml" or "pyproject.toml"; None when nothing is recorded

    @property
    def engine(self) -> str | None:
        """The `engine` key, checked ("buildkit" or "legacy")."""
        return self.options.engine


def _load(path: Path, rel: str) -> dict[str, Any]:
    try:
        return tomllib.loads(reading.read_text(path, shown=rel))
    except RecursionError as exc:
        raise DockgenError(f"{rel}: nested too deeply (thousands of [ or {{)", f"fix {rel}: no real one nests "
                           "like this") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DockgenError(f"{rel}: invalid TOML: {exc}", f"fix the syntax in {rel}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DockgenError(f"{rel}: cannot read it ({exc})", "check the file") from exc
    except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        from .repo import huge_number

        raise huge_number(rel) from exc


def _table(root: Path) -> tuple[dict[str, Any], str] | None:
    dot = root / ANSWERS_FILE
    found: tuple[dict[str, Any], str] | None = (_load(dot, ANSWERS_FILE), ANSWERS_FILE) if dot.is_file() else None
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        tool = _load(pyproject, PYPROJECT).get("tool")
        if isinstance(tool, dict) and isinstance(tool.get("dockgen"), dict):
            if found is not None:
                raise DockgenError(f"answers are recorded twice: in {ANSWERS_FILE} and in {PYPROJECT} [tool.dockgen]",
                                   "keep one: delete the other (dockgen records in the one that is left)")
            return tool["dockgen"], PYPROJECT
    return found


def _value(field: str, value: Any, where: str) -> object:
    key = key_of(field)
    if field == "port":
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            return value
        raise DockgenError(f"{where}: {key} = {value!r} is not a port", f"write {key} = 8080 (1 to 65535)")
    if field == "engine":
        return check_engine(value, f"{where}: {key}")
    if field == "allow_list":
        if isinstance(value, bool):
            return value
        raise DockgenError(f"{where}: {key} = {value!r} is not true or false", f"write {key} = true")
    if isinstance(value, int) and not isinstance(value, bool) and field in ("node_version", "python_version"):
        return str(value)  # node-version = 22
    if field == "language" and value not in ("node", "python"):
        raise DockgenError(f"{where}: {key} = {value!r} is not a language dockgen knows",
                           f'write {key} = "node" or {key} = "python", or remove it')
    if isinstance(value, str) and value.strip():
        return value.strip()
    hint = f'quote it: {key} = "{value}"' if isinstance(value, float) else f'write {key} = "..."'
    raise DockgenError(f"{where}: {key} = {value!r} is not a string", hint)


def read_answers(root: str | os.PathLike[str]) -> Answers:
    """The answers recorded in the app at ``root`` (empty Options when there are none)."""
    found = _table(Path(root))
    if found is None:
        return Answers(options=Options(), version=None, file=None)
    table, rel = found
    where = rel if rel == ANSWERS_FILE else f"{rel} [tool.dockgen]"
    values: dict[str, object] = {}
    version = None
    for key, value in table.items():
        if key == VERSION_KEY:
            version = str(value)
        elif key in KEYS:
            values[KEYS[key]] = _value(KEYS[key], value, where)
        else:
            import difflib

            close = difflib.get_close_matches(key, [*KEYS, VERSION_KEY], n=1)
            raise DockgenError(f"{where}: unknown key {key!r}",
                               f"did you mean {close[0]!r}?" if close else f"keys: {', '.join([*KEYS, VERSION_KEY])}")
    return Answers(options=Options(**values), version=version, file=rel)  # type: ignore[arg-type]


def recorded_engine(root: str | os.PathLike[str]) -> Engine:
    """The engine recorded for the app at ``root`` (``engine = "legacy"`` in .dockgen.toml or [tool.dockgen]),
    else the default. Only that key is read: a context is measured even when other answers are broken,
    but an engine dockgen does not know is an error."""
    try:
        found = _table(Path(root))
    except DockgenError:
        return DEFAULT_ENGINE
    if found is None or ENGINE_KEY not in found[0]:
        return DEFAULT_ENGINE
    where = found[1] if found[1] == ANSWERS_FILE else f"{found[1]} [tool.dockgen]"
    return check_engine(found[0][ENGINE_KEY], f"{where}: {ENGINE_KEY}")


def _older(recorded: str, version: str) -> bool:
    """``version`` is older than the ``recorded`` one (both PEP 440; anything else: not older)."""
    from packaging.version import InvalidVersion, Version

    try:
        return bool(recorded) and Version(version) < Version(recorded)
    except InvalidVersion:
        return False


def answers_path(root: str | os.PathLike[str], language: Language) -> str:
    """Where the answers of this app go: where they already are, else pyproject.toml for a Python
    app that has one, else .dockgen.toml."""
    base = Path(root)
    found = _table(base)
    if found is not None:
        return found[1]
    if language is Language.PYTHON and (base / PYPROJECT).is_file():
        return PYPROJECT
    return ANSWERS_FILE


def render_answers(root: str | os.PathLike[str], options: Options, language: Language,
                   version: str = __version__) -> RenderedFile:
    """The answers file with ``options`` recorded (comments and everything else in it kept as they are)."""
    import tomlkit
    from tomlkit.items import Table

    base = Path(root)
    rel = answers_path(base, language)
    path = base / rel
    raw = _read_raw(path, rel)
    text = raw.replace("\r\n", "\n")  # rendered with LF, then put back in the file's own line endings
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise DockgenError(f"{rel}: invalid TOML: {exc}", f"fix the syntax in {rel}") from exc
    fresh = False
    if rel == ANSWERS_FILE:
        table: Any = doc
        if not text:
            for line in HEADER:
                doc.add(tomlkit.comment(line))
            doc.add(tomlkit.nl())
    else:
        from tomlkit.container import OutOfOrderTableProxy

        tool = doc.get("tool")
        if tool is None:
            tool = tomlkit.table(is_super_table=True)
            doc.add("tool", tool)
        elif not isinstance(tool, Table | OutOfOrderTableProxy):  # `tool = "x"`: not ours to replace
            raise DockgenError(f"{rel}: `tool` is a {type(tool).__name__.lower()}, not a table",
                               "make it a table ([tool.<name>] sections), or pass --no-record")
        table = tool.get("dockgen")
        if table is not None and not isinstance(table, Table):
            raise DockgenError(f"{rel}: tool.dockgen is a {type(table).__name__.lower()}, not a table",
                               "remove it (dockgen records its answers in a [tool.dockgen] table) or use --no-record")
        if table is None:
            table = tomlkit.table()
            for line in HEADER:
                table.add(tomlkit.comment(line))
            # item assignment: [tool.*] tables split around other tables are an OutOfOrderTableProxy (no .add)
            tool["dockgen"] = table
            fresh = True
    if not _older(str(table.get(VERSION_KEY, "")), version):  # a newer dockgen's record is never lowered
        table[VERSION_KEY] = version
    for field in Options.__fields__:
        value = getattr(options, field)
        key = key_of(field)
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
    if fresh:
        table.add(tomlkit.nl())  # a blank line before whatever table follows
    out = tomlkit.dumps(doc)
    if not text.endswith("\n\n"):
        out = out.rstrip("\n") + "\n"
    return RenderedFile(path=rel, content=_own_line_endings(raw, out))


def _read_raw(path: Path, rel: str) -> str:
    """The file's text as it is on disk (CRLFs kept), "" when there is none."""
    if not path.exists():
        return ""
    try:
        return reading.read_bytes(path, shown=rel).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DockgenError(f"{rel}: cannot read it ({exc})", "check the file") from exc


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _own_line_endings(raw: str, out: str) -> str:
    """``out`` (rendered from ``raw`` read with LF line endings) in ``raw``'s line endings: the lines it
    keeps from ``raw`` byte for byte, the added or changed ones ending as most lines of ``raw`` do."""
    crlf = raw.count("\r\n")
    if not crlf:
        return out
    import difflib

    eol = "\r\n" if crlf >= raw.count("\n") - crlf else "\n"
    before = _lines(raw)
    plain = [line.replace("\r\n", "\n") for line in before]
    after = _lines(out)
    kept: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, plain, after, autojunk=False).get_opcodes():
        if tag == "equal":
            kept.extend(before[i1:i2])
        else:
            kept.extend(line[:-1] + eol if line.endswith("\n") else line for line in after[j1:j2])
    return "".join(kept)


KEPT_SUFFIX = ".kept"


def _kept_digest(content: str) -> str:
    from .stamp import digest

    return digest(content.replace("\r\n", "\n"))  # a CRLF checkout of the kept file is that file


def is_kept(root: str | os.PathLike[str], rel: str, content: str) -> bool:
    """``content`` of ``rel`` is what `dockgen update --write` last kept with the user's edits."""
    try:
        recorded = reading.read_text(Path(root) / RENDERED_DIR / (rel + KEPT_SUFFIX)).strip()
    except DockgenError:
        return False
    return recorded == _kept_digest(content)


def kept_record(rel: str, content: str) -> RenderedFile:
    """The record that ``content`` of ``rel``, with the user's edits, is what update kept."""
    return RenderedFile(path=f"{RENDERED_DIR}/{rel}{KEPT_SUFFIX}", content=_kept_digest(content) + "\n")


def rendered_base(root: str | os.PathLike[str], rel: str) -> str | None:
    """A file as dockgen last rendered it (None when not recorded)."""
    path = Path(root) / RENDERED_DIR / rel
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return reading.read_text(path, shown=f"{RENDERED_DIR}/{rel}")
    except DockgenError as exc:
        raise DockgenError(f"{exc.message}",
                           "restore it from version control, or delete it (update then treats every "
                           "difference as yours)") from exc


def rendered_copies(files: list[RenderedFile]) -> list[RenderedFile]:
    """The copies of rendered files kept under .dockgen/rendered/."""
    return [RenderedFile(path=f"{RENDERED_DIR}/{f.path}", content=f.content) for f in files]
