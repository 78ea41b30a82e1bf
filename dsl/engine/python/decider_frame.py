"""The compile-time state of the decider's generator: the frame (which locals the code
being written can rely on) and the one allocator of the names it writes. The legend of
the names is in the docstring of dsl/engine/python/decider.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.engine.python.codegen import ModuleBuilder
from dsl.lang.vocabulary import Vocabulary


@dataclass
class Frame:
    """What the code being written can rely on: the locals certainly assigned at this point.
    A branch works on a copy (`branch`); after an `if`, what holds is what every branch
    assigned (`merge`), as jinja's `Symbols.branch_update` does."""

    ready: set[str] = field(default_factory=set)

    def branch(self) -> Frame:
        return Frame(set(self.ready))

    @staticmethod
    def merge(*branches: Frame) -> Frame:
        return Frame(set.intersection(*(b.ready for b in branches)))


class Names:
    """The one allocator of the names the decider writes (the legend is in the docstring)."""

    def __init__(self, module: ModuleBuilder, vocabulary: Vocabulary):
        self.module, self.vocabulary = module, vocabulary
        self._made: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()
        self.index: dict[str, int] = {}   # field path -> i of `_F<i>`, `_E<i>`, `_v<i>`
        self.tables = 0

    def _local(self, prefix: str, path: str, stem: str, kind: str = "") -> str:
        name = self._made.get((kind or prefix, path))
        if name is None:
            base = name = prefix + stem
            n = 2
            while name in self._taken:
                name, n = f"{base}_{n}", n + 1
            self._taken.add(name)
            self._made[(kind or prefix, path)] = name
        return name

    def obj(self, path: str) -> str:
        """`o_order`, `o_order_logistics`: the object's path."""
        return self._local("o_", path, path.replace(".", "_"))

    def value(self, path: str) -> str:
        """`f_order_paid_amount`: the field's path."""
        return self._local("f_", path, path.replace(".", "_"))

    def raw(self, path: str, of_object: bool = False) -> str:
        """`x_paid_amount`: a scratch name, beside the `.get('paid_amount')` that fills it
        (an object's and a field's on one path are two names)."""
        return self._local("x_", path, path.rpartition(".")[2], "x_object" if of_object else "")

    def number(self, path: str) -> int:
        i = self.index.get(path)
        if i is None:
            i = self.index[path] = len(self.index)
            self.module.constants[f"_F{i}"] = self.vocabulary.fields[path]
        return i

    def table(self, value: dict[Any, bool]) -> str:
        name = f"_T{self.tables}"
        self.tables += 1
        self.module.constants[name] = value
        return name

    def has_obj(self, path: str) -> bool:
        return ("o_", path) in self._made

