"""The meaning of each operator on runtime values, shared by the compiler and the interpreter.

Null handling lives here too: arithmetic with null is null, comparisons with null are
unknown (None), and `and`/`or`/`not` follow SQL's three-valued logic.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any


def div(a: Any, b: Any) -> Any:
    """`/`: numbers give an exact Decimal; division by zero gives null, never an exception."""
    if isinstance(a, timedelta):
        if isinstance(b, timedelta):
            return None if not b else Decimal(a // timedelta(microseconds=1)) / Decimal(b // timedelta(microseconds=1))
        return None if not b else timedelta(microseconds=int(Decimal(a // timedelta(microseconds=1)) / Decimal(b)))
    if not b:
        return None
    try:
        return Decimal(a) / Decimal(b)
    except (DivisionByZero, InvalidOperation):
        return None


def mul(a: Any, b: Any) -> Any:
    """`*`, where a duration times a decimal stays exact to the microsecond."""
    if isinstance(a, timedelta) and isinstance(b, Decimal):
        return timedelta(microseconds=int(Decimal(a // timedelta(microseconds=1)) * b))
    if isinstance(b, timedelta) and isinstance(a, Decimal):
        return mul(b, a)
    return a * b


def add(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, int):
        return a + timedelta(days=b)
    return a + b


def sub(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime):
        if isinstance(b, int):
            return a - timedelta(days=b)
        return (a - b).days
    return a - b


ARITH = {"+": add, "-": sub, "*": mul, "/": div}

COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def kleene_and(values: list[Any]) -> Any:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def kleene_or(values: list[Any]) -> Any:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def as_money(value: Any) -> Any:
    """An int where money is expected (`coalesce(amount, 0)`, `min(1, 2.5)`) becomes a Decimal."""
    return value if value is None or isinstance(value, Decimal) else Decimal(value)


def needs_money(node: Any) -> bool:
    """A money-typed choice (call or if/else) that may pick an int-typed operand."""
    from . import ast

    if getattr(node, "type", None) is None or node.type.kind != "money":
        return False
    if isinstance(node, ast.Call):
        return any(getattr(a, "type", None) is not None and a.type.kind == "int" for a in node.args)
    if isinstance(node, ast.Cond):
        return any(getattr(b, "type", None) is not None and b.type.kind == "int" for b in (node.then, node.orelse))
    return False
