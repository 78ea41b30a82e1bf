"""Amounts written with more decimals than the money field they meet can hold (E214).

A case's `order.paid_amount` is counted to the fen: `"300.005"` in a case is refused (E402).
The same digits in a rule (`order.paid_amount <= 300.005`) were taken silently: no case
value can equal them, so `<=` means `<= 300.00` and `==` never holds, and which of 300.00
or 300.01 the author meant is anybody's guess. The checker says so where the literal is
written; a parameter in the literal's place is noted (MoneyUse) and its value checked once
the rulebook's parameters are known (book/parammoney.py), at the value's own position.

Only a value compared directly with a money field is held to the field's decimals (a
branch of `if`/`coalesce` or an item of an `in` list too): an amount that takes part in
arithmetic (`order.paid_amount * params.rate`) may need more, and a parameter met anywhere
such is not checked at all (its uses without a field are noted with `decimals` None).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from dsl.diagnostics import Span
from dsl.lang import ast


@dataclass(frozen=True)
class MoneyUse:
    """A money parameter where it is read: `decimals` those of the money field it is
    compared with there (None: no field, anything goes), `name` that field."""

    param: str
    decimals: int | None
    span: Span
    name: str = ""
    file: str | None = None


def decimals_of(value: Decimal) -> int:
    """The decimals that count (`300.000` has none, `300.005` three)."""
    if not value.is_finite():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def nearest(value: Decimal, decimals: int) -> tuple[str, str]:
    """The two values of `decimals` decimals around `value`: what the author may have meant."""
    from decimal import ROUND_CEILING, ROUND_FLOOR

    step = Decimal(1).scaleb(-decimals)
    return str(value.quantize(step, rounding=ROUND_FLOOR)), str(value.quantize(step, rounding=ROUND_CEILING))


def money_field(node: ast.Expr, vocabulary: Any) -> tuple[str, int] | None:
    """(path, decimals) when `node` is a money field read as is."""
    if isinstance(node, ast.Name) and getattr(node, "kind", None) == "field":
        fld = vocabulary.get(node.dotted) if vocabulary is not None else None
        if fld is not None and fld.type.kind == "money":
            return node.dotted, fld.decimals
    return None


def check_amounts(field_side: ast.Expr, leaves: list[ast.Expr], vocabulary: Any,
                  error: Callable[..., None], note: Callable[[MoneyUse], None], file: str | None) -> None:
    """Hold the literals and parameters among `leaves` (what a value compared with
    `field_side` may be) to the field's decimals: E214 at a literal, a MoneyUse per parameter."""
    found = money_field(field_side, vocabulary)
    if found is None:
        return
    name, decimals = found
    for leaf in leaves:
        if isinstance(leaf, ast.Name) and leaf.kind == "param":
            note(MoneyUse(".".join(leaf.path[1:]), decimals, leaf.span, name, file))
            continue
        value = _amount(leaf)
        if value is not None and decimals_of(value) > decimals:
            down, up = nearest(value, decimals)
            error("E214", leaf, ("money_decimals", {"down": down, "up": up}), value=str(value), name=name,
                  decimals=decimals, more=decimals_of(value))


def _amount(node: ast.Expr) -> Decimal | None:
    """The amount a literal is (`-0.125` is the literal 0.125 negated)."""
    if isinstance(node, ast.Unary) and node.op == "-":
        inner = _amount(node.operand)
        return -inner if inner is not None else None
    return node.value if isinstance(node, ast.Const) and isinstance(node.value, Decimal) else None


__all__ = ["MoneyUse", "check_amounts", "decimals_of", "money_field", "nearest"]
