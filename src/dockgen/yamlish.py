"""The small part of YAML that pnpm-workspace.yaml uses, read without a YAML library.

Top-level keys only, each holding a scalar (``strictDepBuilds: true``), a block or flow list
(``packages:`` + ``  - 'apps/*'``, ``onlyBuiltDependencies: [esbuild]``) or a block map of scalars
(``allowBuilds:`` + ``  esbuild: true``). Comments and quotes are handled; anything richer (anchors,
nested maps) is skipped, never guessed. A value that cannot be read is simply absent.
"""

from __future__ import annotations

import re

Value = str | list[str] | dict[str, str]
KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s:#'"][^:#]*?))\s*:(?:\s+(.*))?$""")


def _strip_comment(line: str) -> str:
    out, quote = [], ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            break
        out.append(ch)
    return "".join(out).rstrip()


def scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _flow_list(text: str) -> list[str] | None:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    inner = text[1:-1].strip()
    return [scalar(x) for x in inner.split(",") if x.strip()] if inner else []


def parse(text: str) -> dict[str, Value]:
    out: dict[str, Value] = {}
    key: str | None = None
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        if not line[0].isspace():
            m = KEY.match(line)
            key = None
            if not m:
                continue
            name = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
            rest = (m.group(4) or "").strip()
            if rest:
                flow = _flow_list(rest)
                out[name] = flow if flow is not None else scalar(rest)
            else:
                key = name
            continue
        if key is None:
            continue
        item = line.strip()
        current = out.get(key)
        if item.startswith("- ") or item == "-":
            value = scalar(item[1:])
            if current is None:
                out[key] = current = []
            if isinstance(current, list) and value:
                current.append(value)
            continue
        m = KEY.match(item)
        if m and m.group(4) is not None:
            name = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
            if current is None:
                out[key] = current = {}
            if isinstance(current, dict):
                current[name] = scalar(m.group(4))
    return out
