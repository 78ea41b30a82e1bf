"""What a shop overlay changes in the rulebook it extends: the record that `rulebook check`
prints and `rulebook test` reads (a merged model carries it as `Rulebook.overlay`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dsl.diagnostics import Span


@dataclass(frozen=True)
class ParamChange:
    """A parameter the overlay sets: the base's value and the overlay's, as written (`old` is
    None for a parameter of the overlay's own, under `new_parameters:`)."""

    name: str
    old: str | None
    new: str
    span: Span | None


@dataclass(frozen=True)
class RuleChange:
    """A rule the overlay adds, turns off (`disable:`) or redefines (`override: true`)."""

    rule: str
    kind: Literal["added", "disabled", "overridden"]
    reason: str | None
    span: Span | None              # in the overlay
    base_file: str | None = None   # where the base's rule is (disabled, overridden)
    base_line: int | None = None


@dataclass(frozen=True)
class ExampleChange:
    """An example the overlay gives a base rule: a new one, or its own expectation for a
    base example (`base: NAME`), whose outcome it changes on purpose."""

    rule: str
    name: str
    kind: Literal["added", "expected"]
    span: Span | None


@dataclass(frozen=True)
class Overlay:
    """A shop overlay: its id, the files it builds on (its own base first), and its changes."""

    id: str
    file: str
    extends: str                   # as written: `douyin`, `../douyin.yaml`
    bases: tuple[str, ...]
    params: tuple[ParamChange, ...] = ()
    rules: tuple[RuleChange, ...] = ()
    examples: tuple[ExampleChange, ...] = ()
    inherited_base_case: dict[str, Any] = field(default_factory=dict)   # the bases' `base_case`, merged

    @property
    def base(self) -> str:
        return self.bases[0]
