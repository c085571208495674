"""Wrapping moto's methods and properties once, however often an `install()` runs.

Several emulations wrap the same moto method (RunInstances, ModifyImageAttribute), each adding
one rule; a wrapper records which wrappers it carries, so installing a module twice never
wraps twice and the wrappers of other modules stay in place.
"""

from __future__ import annotations

from typing import Any, Callable


class _Property(property):
    """A property that can carry the record of its wrappers (plain properties take no attributes)."""


def wrap_once(owner: type, name: str, wrapper: Callable[[Any], Any]) -> None:
    """Replace `owner.name` by `wrapper(original)` unless `wrapper` already wraps it."""
    current = getattr(owner, name)  # a property itself, when `name` is one
    tag = f"{wrapper.__module__}.{wrapper.__qualname__}"
    carried = getattr(current, "_localcloud_wrappers", frozenset())
    if tag in carried:
        return
    wrapped = wrapper(current)
    if isinstance(wrapped, property) and not isinstance(wrapped, _Property):
        wrapped = _Property(wrapped.fget, wrapped.fset, wrapped.fdel, wrapped.__doc__)
    wrapped._localcloud_wrappers = carried | {tag}
    setattr(owner, name, wrapped)
