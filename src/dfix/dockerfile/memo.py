"""``memo``: functools.cached_property without the lock Python 3.11 takes on every first access.

A parse of a 100k-line file computes a few such properties per instruction; the lock
was a tenth of the parse.  Nothing shares a parse between threads, so nothing needs it.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")


class memo(Generic[T]):  # noqa: N801 - used as a decorator, like cached_property
    """A property computed once per instance and stored in its ``__dict__``."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        # A non-data descriptor: once stored, the instance attribute is found first.
        value = obj.__dict__[self.name] = self.func(obj)
        return value
