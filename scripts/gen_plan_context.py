"""Write docs/plan-context.md: the reference of the plan context templates are rendered with,
generated from src/dockgen/model.py (tests/test_templates.py fails when the file is out of date).

    python scripts/gen_plan_context.py
"""

from __future__ import annotations

from pathlib import Path

from dockgen.plan_context import reference

TARGET = Path(__file__).resolve().parent.parent / "docs" / "plan-context.md"

if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(reference(), encoding="utf-8")
    print(f"wrote {TARGET}")
