"""Record: frozen keyword-only value objects (the model's base)."""

from __future__ import annotations

import pytest

from dockgen.model import Notice, Severity, VersionHint
from dockgen.record import Record


class Point(Record):
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_keyword_only_with_defaults() -> None:
    assert Point(x=1) == Point(x=1, y=0, tags=())
    with pytest.raises(TypeError, match="missing keyword argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword"):
        Point(x=1, z=2)  # type: ignore[call-arg]


def test_frozen_equal_hashable_and_replace() -> None:
    p = Point(x=1, y=2)
    with pytest.raises(AttributeError, match="frozen"):
        p.x = 3  # type: ignore[misc]
    assert p == Point(x=1, y=2) and p != Point(x=2, y=2) and hash(p) == hash(Point(x=1, y=2))
    assert p.replace(y=5) == Point(x=1, y=5) and p.y == 2
    assert repr(p) == "Point(x=1, y=2, tags=())"
    assert "y" not in Point.__dict__  # the default lives in __defaults__; instances own their values


def test_model_values_compare_by_fields() -> None:
    a = Notice(severity=Severity.INFO, topic="t", message="m")
    assert a == Notice(severity=Severity.INFO, topic="t", message="m")
    assert a != VersionHint(source="t", text="m")
