"""The rulebook model: what a loaded, checked rulebook holds (no YAML, no Python code)."""
from __future__ import annotations

import copy

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dsl.lang import ast
from dsl.diagnostics import Span
from dsl.lang.types import Type


@dataclass(frozen=True)
class ExprRef:
    """One expression of the rulebook: its text, where it is, and its typed tree."""

    text: str
    tree: ast.Expr
    span: Span
    where: str          # e.g. "rules[0].when[2]"
    path: tuple[Any, ...] = field(default=(), compare=False)   # the YAML node's key path: what `rulebook fmt` edits


@dataclass(frozen=True)
class ParamDef:
    name: str
    type: Type
    value: Any
    zh: str | None
    en: str | None
    span: Span | None
    # where the value is written (a shop overlay's override: the overlay's file): its items'
    # positions, for a problem of one item (book/paramenums.py)
    file: str | None = field(default=None, compare=False)
    path: tuple[Any, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Alternative:
    """One branch of an action: `if` (None for the fallback) and the action it picks."""

    condition: ExprRef | None
    action: str


@dataclass(frozen=True)
class Version:
    name: str | None            # None for a rule without versions
    start: datetime | None
    until: datetime | None
    conditions: tuple[ExprRef, ...]
    actions: tuple[Alternative, ...]
    deadline: ExprRef | None
    outputs: tuple[tuple[str, ExprRef], ...]
    description: str | None
    span: Span | None
    deadline_written: bool = False   # a `deadline:` is written, though it may not check (a notice may name the rule)


@dataclass(frozen=True)
class Example:
    name: str
    case: dict[str, Any]
    at: str | None
    expect: dict[str, Any]
    span: Span | None
    where: str
    # shop overlays: the file the example is written in (None: the rulebook's own) and the
    # base case it is merged over (None: the rulebook's `base_case`); a platform's example
    # run under a shop overlay keeps the platform's file and base case
    file: str | None = None
    base_case: dict[str, Any] | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name_zh: str
    name_en: str
    description: str | None
    source: dict[str, Any]
    versions_by: ExprRef | None
    versions: tuple[Version, ...]
    examples: tuple[Example, ...]
    span: Span | None
    file: str | None = None     # the file the rule is written in (None: the rulebook's own; a shop overlay's base)

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def reads_moment(self) -> bool:
        """Whether a decision of this rule depends on the moment of evaluation: a deadline (its
        `due`), or `now` anywhere (a condition, an action, an output, what picks the version).
        Such a rule cannot decide when the case's `now` is bad (and no `--at` replaces it)."""
        refs: list[ExprRef] = [self.versions_by] if self.versions_by is not None else []
        for v in self.versions:
            if v.deadline is not None:
                return True
            refs += [*v.conditions, *(a.condition for a in v.actions if a.condition is not None),
                     *(ref for _, ref in v.outputs)]
        return any(n.kind == "now" for ref in refs for n in ast.names(ref.tree))


@dataclass
class Rulebook:
    platform: str
    file: str
    name_zh: str | None
    name_en: str | None
    params: dict[str, ParamDef]
    rules: list[Rule]
    base_case: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    notices: list[Any] = field(default_factory=list)   # book/notices.py Notice: holiday notices moving deadlines
    overlay: Any = None   # a shop overlay's changes to its base (book.overlaymodel.Overlay), else None
    texts: dict[str, str] = field(default_factory=dict)   # the text of every other file a rule comes from

    @property
    def label(self) -> str:
        """The rulebook's own id: the platform's, or a shop overlay's (`acme`)."""
        return self.overlay.id if self.overlay is not None else self.platform

    def line_of(self, file: str | None, line: int) -> str | None:
        """Line `line` of `file` (the rulebook's own text when None): a message's source line."""
        text = self.text if file in (None, self.file) else self.texts.get(file or "", "")
        lines = text.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else None


def example_case(model: Rulebook, example: Example) -> dict[str, Any]:
    """The case an example runs: its `case` merged over its base case, `id` its name."""
    case = merge(model.base_case if example.base_case is None else example.base_case, example.case)
    case.setdefault("id", example.name)
    return case


def merge(base: Any, change: Any) -> Any:
    """Deep merge: mappings merge key by key; anything else (lists, null) replaces."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(change)
