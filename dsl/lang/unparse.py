"""AST -> canonical expression text (for explanations and `rulebook diff`)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from dsl.lang import ast
from dsl.lang.values import format_duration, format_timestamp

_PRECEDENCE = {"cond": 0, "or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def unparse(node: ast.Expr) -> str:
    """`unparse(parse_expr("a<=(1)"))` -> "a <= 1"."""
    text, _ = _text(node)
    return text


def unparse_lines(node: ast.Expr, width: int) -> list[str]:
    """`unparse` as lines for a block scalar: one line when it fits in `width`, else one line
    per item of a top-level `and`/`or` (the connective leading) or per `if`/`then`/`else`.
    Joined with single spaces the lines are exactly `unparse(node)`; a long item stays long."""
    text = unparse(node)
    if len(text) <= width:
        return [text]
    match node:
        case ast.Logical(op=op, items=items):
            level = _PRECEDENCE[op] + 1
            return [_wrap(items[0], level)] + [f"{op} {_wrap(i, level)}" for i in items[1:]]
        case ast.Cond(test=test, then=then, orelse=orelse):
            return [f"if {unparse(test)}", f"then {unparse(then)}", f"else {unparse(orelse)}"]
    return [text]


def _wrap(child: ast.Expr, level: int, strict: bool = False) -> str:
    text, child_level = _text(child)
    return f"({text})" if child_level < level or (strict and child_level == level) else text


def _text(node: ast.Expr) -> tuple[str, int]:
    match node:
        case ast.Const(value=value):
            return const_text(value), _PRECEDENCE["atom"]
        case ast.Name():
            return node.dotted, _PRECEDENCE["atom"]
        case ast.ListExpr(items=items):
            return "[" + ", ".join(unparse(i) for i in items) + "]", _PRECEDENCE["atom"]
        case ast.Call(name=name, args=args):
            return f"{name}(" + ", ".join(unparse(a) for a in args) + ")", _PRECEDENCE["atom"]
        case ast.Unary(op="not", operand=operand):
            return "not " + _wrap(operand, _PRECEDENCE["not"]), _PRECEDENCE["not"]
        case ast.Unary(operand=operand):
            return "-" + _wrap(operand, _PRECEDENCE["neg"]), _PRECEDENCE["neg"]
        case ast.Binary(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            return f"{_wrap(left, level)} {op} {_wrap(right, level, strict=True)}", level
        case ast.Compare(op=op, left=left, right=right):
            level = _PRECEDENCE["compare"]
            return f"{_wrap(left, level + 1)} {op} {_wrap(right, level + 1)}", level
        case ast.Logical(op=op, items=items):
            level = _PRECEDENCE[op]
            # an item of the same connective needs its parentheses back (`a or (b or c)`):
            # the parser flattens only a left-hand chain, so the tree would change without them
            return f" {op} ".join(_wrap(i, level + 1) for i in items), level
        case ast.Cond(test=test, then=then, orelse=orelse):
            return f"if {unparse(test)} then {unparse(then)} else {unparse(orelse)}", _PRECEDENCE["cond"]
    raise TypeError(type(node).__name__)


_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"})


def const_text(value: object) -> str:
    """A value as the expression language writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):   # `300.00` stays `300.00`; never `1E-7`, which would not parse
        return format(value, "f")
    if isinstance(value, str):
        return "'" + value.translate(_ESCAPES) + "'"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(const_text(v) for v in items) + "]"
    return str(value)
