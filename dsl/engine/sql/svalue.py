"""What a compiled IR node is in SQL (exprs.py compiles them): an `Sv` (value, undecided
flag, problem paths, outcome mask), the outcome-set tables that `and`/`or`/`not` combine
masks by, the `Layers` every node is bound to, and what this backend cannot compile
(`Unsupported`, E601). Also how a value is written as the eval JSON writes it (`json_text`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import case, cast, coalesce, par
from dsl.engine.sql.dialect import Dialect, lit
from dsl.diagnostics import Phrase
from dsl.lang import ir

T, F, N, ALL = 1, 2, 4, 7       # outcomes: true, false, null; all three
# outcome sets: a * 8 + b -> the set of a `and`/`or` b (kleene_and/kleene_or over every pair)
AND_TABLE: Final = [0] * 64
OR_TABLE: Final = [0] * 64
NOT_TABLE: Final = [0] * 8


def _outcomes(mask: int) -> list[bool | None]:
    return [v for bit, v in ((T, True), (F, False), (N, None)) if mask & bit]


def _mask(values: set[bool | None]) -> int:
    return sum(bit for bit, v in ((T, True), (F, False), (N, None)) if v in values)


def _kleene_and(a: bool | None, b: bool | None) -> bool | None:
    return False if a is False or b is False else (None if a is None or b is None else True)


def _kleene_or(a: bool | None, b: bool | None) -> bool | None:
    return True if a is True or b is True else (None if a is None or b is None else False)


for _a in range(8):
    NOT_TABLE[_a] = _mask({None if v is None else not v for v in _outcomes(_a)})
    for _b in range(8):
        AND_TABLE[_a * 8 + _b] = _mask({_kleene_and(x, y) for x in _outcomes(_a) for y in _outcomes(_b)})
        OR_TABLE[_a * 8 + _b] = _mask({_kleene_or(x, y) for x in _outcomes(_a) for y in _outcomes(_b)})


_WHAT: Final = {
    "division": ("division ('/')", "除法（'/'）"),
    "list_compare": ("comparing lists", "列表之间的比较"),
    "const_list": ("a list of values other than text", "非文本元素的列表"),
    "const": ("a constant of this type", "此类型的常量"),
    "output": ("an output of this type computed from the case (amounts, durations, lists)",
               "由案例计算出的此类输出（金额、时长、列表）"),
    "deadline": ("a deadline that is not a timestamp", "不是时间的期限"),
    "node": ("this construct", "此写法"),
}


class Unsupported(Exception):
    """A node this backend cannot compile as the Python engine computes it; `what` a key of _WHAT."""

    def __init__(self, node: ir.Node, what: str):
        super().__init__(what)
        self.node = node
        self.what = what

    def phrase(self) -> Phrase:
        en, zh = _WHAT.get(self.what, _WHAT["node"])
        return Phrase("pair", en=en, zh=zh)


@dataclass(frozen=True)
class Sv:
    kind: str                       # bool int money str timestamp date duration list null
    val: exp.Expression
    und: exp.Expression = exp.false()
    probs: exp.Expression | None = None
    mask: exp.Expression | None = None     # conditions built by and/or/not/if: their outcome set

    @property
    def may_hang(self) -> bool:
        return not (isinstance(self.und, exp.Boolean) and self.und.this is False)


@dataclass(frozen=True)
class FieldRef:
    """How a query names a checked field: its value, bad flag and problem path columns."""

    value: exp.Expression
    bad: exp.Expression
    problem: exp.Expression


VERDICTS: Final = 999      # the layer of conditions' verdicts, after every expression's (heights are small)


class Layers:
    """Named columns computed in stages: a column of level k is computed in the k-th common
    table expression and may use the columns of lower levels. Every IR node is bound to
    columns at its height, so a parent names its operands instead of repeating their SQL
    (a tree repeated at each level would grow exponentially), and a sub-expression that
    several conditions share is computed once."""

    def __init__(self) -> None:
        self.columns: dict[int, list[tuple[str, exp.Expression]]] = {}
        self.count = 0

    def bind(self, level: int, expr: exp.Expression, stem: str = "x") -> exp.Expression:
        if isinstance(expr, (exp.Column, exp.Literal, exp.Boolean, exp.Null)):
            return expr
        self.count += 1
        name = f"e{stem}{self.count}"
        self.columns.setdefault(level, []).append((name, expr))
        return exp.column(name, quoted=True)


def json_text(d: Dialect, sv: Sv) -> exp.Expression:
    """The value as the eval JSON writes it (`values.to_json`), as JSON text; NULL -> null."""
    value = sv.val
    match sv.kind:
        case "null":
            return lit("null")
        case "bool":     # null stays null (`x and y` of a null x and a true y)
            text = case([(exp.Is(this=par(value), expression=exp.true()), lit("true")),
                         (exp.Is(this=par(value), expression=exp.false()), lit("false"))])
        case "int":
            text = cast(value, "VARCHAR")
        case "timestamp":
            text = _quoted(cal.timestamp_text(d, value))
        case "date":
            text = _quoted(cal.date_text(d, value))
        case "str":
            text = d.json_string(value)
        case _:
            raise TypeError(sv.kind)
    return coalesce(text, lit("null"))


def _quoted(text: exp.Expression) -> exp.Expression:
    return exp.Concat(expressions=[lit('"'), text, lit('"')], safe=False, coalesce=False)


def needs_python(kind: str) -> bool:
    """Values whose text form this backend does not write as `values.to_json` does yet."""
    return kind in ("money", "duration", "list")
