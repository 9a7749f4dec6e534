"""``Record``: frozen, keyword-only value objects that cost nothing to define.

``@dataclass`` generates each class's methods with ``exec`` and imports ``inspect``: about 1.5 ms a
class on the machines dockgen is measured on, ~40 ms of `dockgen detect`'s start-up for the model.
``Record`` gives the same behaviour for what dockgen needs (keyword-only ``__init__`` with defaults,
frozen attributes, ``__eq__``/``__hash__``/``__repr__`` over the fields, ``replace``) with plain
methods shared by every subclass, and ``dataclass_transform`` tells type checkers that subclasses are
frozen keyword-only dataclasses, so constructor calls stay fully checked.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, dataclass_transform

_MISSING: Any = object()
R = TypeVar("R", bound="Record")


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Record:
    __fields__: ClassVar[tuple[str, ...]] = ()
    __defaults__: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = list(cls.__fields__)
        defaults = dict(cls.__defaults__)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 (inspect is the cost avoided)
            if str(annotation).startswith("ClassVar"):
                continue
            if name not in names:
                names.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                delattr(cls, name)  # the instance attribute, not the class one, holds the value
        cls.__fields__ = tuple(names)
        cls.__defaults__ = defaults

    def __init__(self, **kwargs: Any) -> None:
        for name in self.__fields__:
            value = kwargs.pop(name, self.__defaults__.get(name, _MISSING))
            if value is _MISSING:
                raise TypeError(f"{type(self).__name__}() missing keyword argument {name!r}")
            object.__setattr__(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(kwargs)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.__fields__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__, self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__fields__)
        return f"{type(self).__name__}({inner})"

    def replace(self: R, **changes: Any) -> R:
        values = {n: getattr(self, n) for n in self.__fields__}
        values.update(changes)
        return type(self)(**values)
