"""Read JSON with comments and trailing commas (tsconfig.json, bun.lock) without a dependency."""

from __future__ import annotations

import json
import re
from typing import Any

_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[\]}])', re.S)


def strip_jsonc(text: str) -> str:
    """Drop comments and trailing commas outside strings; line numbers are kept."""

    def repl(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.startswith('"'):
            return tok
        if tok.startswith("/*"):
            return "\n" * tok.count("\n")
        return ""

    return _TRAILING.sub(repl, _COMMENT.sub(repl, text))


def loads_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas; a ValueError (never a RecursionError) when invalid."""
    try:
        return json.loads(strip_jsonc(text))
    except RecursionError as exc:
        raise ValueError("nested too deeply (thousands of [ or {)") from exc
