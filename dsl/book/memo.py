"""Bounded memories of work whose result depends only on its key, so checking a rulebook
again after a keystroke redoes only what the keystroke changed (the workbench and the
language server check on every pause in typing).

A memory forgets the entries used least recently beyond its size, so a long-running server
holds a bounded amount. `forget_all` empties every memory: the tests compare a cold check
with a warm one, diagnostic by diagnostic.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

V = TypeVar("V")
_MEMORIES: list[Memo[Any]] = []


class Memo(Generic[V]):
    """key -> value, the `size` most recently used kept; safe to share between threads."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Hashable, V] = OrderedDict()
        self.lock = threading.Lock()
        _MEMORIES.append(self)

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value remembered for `key`, else `make()`'s, remembered."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = make()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def forget(self) -> None:
        with self.lock:
            self.entries.clear()


def content_key(value: Any) -> Hashable:
    """A key equal for equal YAML data and different otherwise, including how a number was
    written (`1.0` and `1.00` are shown as written) and its type (`true` is not `1`).

    Built of references, not text: data that repeats one value through aliases (a "billion
    laughs" of expressions) makes a key as long as its items, not as long as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return (dict, tuple((content_key(k), content_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (list, tuple(content_key(v) for v in value))
    return (type(value), repr(value))


def forget_all() -> None:
    for memo in _MEMORIES:
        memo.forget()
