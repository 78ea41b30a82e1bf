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


@dataclass(frozen=True)
class Example:
    name: str
    case: dict[str, Any]
    at: str | None
    expect: dict[str, Any]
    span: Span | None
    where: str


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

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en


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


def merge(base: Any, change: Any) -> Any:
    """Deep merge: mappings merge key by key; anything else (lists, null) replaces."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(change)
