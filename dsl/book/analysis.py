"""Find rules that can never match: a condition that is always false once parameters are
known, one that hangs on a value that is always null once parameters are known
(`(if params.strict then null else 5.00) < order.paid_amount` is unknown on every case),
or conditions on one field that contradict each other (status is 'a' and 'b', amount <= 300
and > 500, a flag both true and false)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.lang import ast
from dsl.lang import ir
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.lower import fold, lower
from dsl.lang.builtins import FUNCTIONS
from dsl.book.model import ExprRef, Rulebook
from dsl.lang.unparse import unparse

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass
class _Facts:
    """What the conditions of one version require of each field."""

    allowed: dict[str, set[Any]] = field(default_factory=dict)
    excluded: dict[str, set[Any]] = field(default_factory=dict)
    lower: dict[str, tuple[Any, bool]] = field(default_factory=dict)   # value, inclusive
    upper: dict[str, tuple[Any, bool]] = field(default_factory=dict)


def find_unreachable(model: Rulebook) -> list[Diagnostic]:
    params = {n: p.value for n, p in model.params.items()}
    out: list[Diagnostic] = []
    for rule in model.rules:
        for version in rule.versions:
            facts = _Facts()
            for cond in version.conditions:
                problem = _always_false(cond, params) or _add_facts(facts, cond.tree, params)
                if problem:
                    span = cond.span
                    line = model.line_of(rule.file, span.line)
                    label = Phrase("reach.version", id=rule.id, version=version.name) if version.name else \
                        Phrase("reach.rule", id=rule.id)
                    out.append(Diagnostic("E209", span, rule.file or model.file, {"detail": problem}, None, label, source_line=line))
                    break
    return out


def _always_false(cond: ExprRef, params: dict[str, Any]) -> str | None:
    is_const, value = fold(cond.tree, params)
    if is_const and value is not True:
        return Phrase("reach.always_unknown" if value is None else "reach.always_false", cond=cond.text.strip())
    found = never_true(cond.tree, params)
    if found is not None:
        part, value = found
        if _is_null(part):
            return Phrase("reach.null", cond=cond.text.strip())
        key = "reach.part_zero" if _divides_by_zero(part, params) else "reach.part"
        return Phrase(key, cond=cond.text.strip(), part=unparse(part), value=value)
    return None


def never_true(node: ast.Expr, params: dict[str, Any]) -> tuple[ast.Expr, str] | None:
    """Why the boolean `node` is true on no case, as (the part that decides it, "null" or
    "false"), following the null rules: a comparison or `not` of null is unknown, `and`
    needs every item, `or` and `if` need one item or branch that can be true."""
    is_const, value = fold(node, params)
    if is_const:
        return None if value is True else (node, "null" if value is None else "false")
    if isinstance(node, (ast.Compare, ast.Unary)):
        part = _always_null(node, params)
        return None if part is None else (part, "null")
    if isinstance(node, ast.Logical):
        found = [never_true(item, params) for item in node.items]
        if node.op == "and":
            return next((f for f in found if f is not None), None)
        return found[0] if all(f is not None for f in found) else None
    if isinstance(node, ast.Cond):
        then, orelse = never_true(node.then, params), never_true(node.orelse, params)
        return then if then is not None and orelse is not None else None
    return None


def _always_null(node: ast.Expr, params: dict[str, Any]) -> ast.Expr | None:
    """The part that makes the value of `node` null on every case, if any: one that folds to
    null or divides by zero, passed on by arithmetic, `-`, `not`, a comparison (other than the null tests
    `== null` and `!= null`), a function that does not handle null itself, or both
    branches of an `if`."""
    is_const, value = fold(node, params)
    if is_const:
        return node if value is None else None
    if isinstance(lower(node, params), ir.IsNull):    # `x == null`, `x != null`: true or false, never null
        return None
    if isinstance(node, ast.Unary):
        return _always_null(node.operand, params)
    if _divides_by_zero(node, params):
        return node     # division by zero is null
    if isinstance(node, (ast.Binary, ast.Compare)):
        return _always_null(node.left, params) or _always_null(node.right, params)
    if isinstance(node, ast.Call) and not FUNCTIONS[node.name].null_safe:
        return next((p for p in (_always_null(a, params) for a in node.args) if p is not None), None)
    if isinstance(node, ast.Cond):
        both = _always_null(node.then, params) is not None and _always_null(node.orelse, params) is not None
        return node if both else None
    return None


def _divides_by_zero(node: ast.Expr, params: dict[str, Any]) -> bool:
    if not (isinstance(node, ast.Binary) and node.op == "/"):
        return False
    is_const, divisor = fold(node.right, params)
    return is_const and divisor is not None and not divisor


def _is_null(node: ast.Expr) -> bool:
    return isinstance(node, ast.Const) and node.value is None


def _items(tree: ast.Expr) -> list[ast.Expr]:
    if isinstance(tree, ast.Logical) and tree.op == "and":
        return [i for item in tree.items for i in _items(item)]
    return [tree]


def _add_facts(facts: _Facts, tree: ast.Expr, params: dict[str, Any]) -> str | None:
    for item in _items(tree):
        problem = _add_fact(facts, item, params)
        if problem:
            return problem
    return None


def _add_fact(facts: _Facts, node: ast.Expr, params: dict[str, Any]) -> str | None:
    if isinstance(node, ast.Name) and node.reads_case:
        return _allow(facts, node.dotted, {True})
    if isinstance(node, ast.Unary) and node.op == "not" and isinstance(node.operand, ast.Name):
        return _allow(facts, node.operand.dotted, {False})
    if not isinstance(node, ast.Compare):
        return None
    op, left, right = node.op, node.left, node.right
    if not isinstance(left, ast.Name):
        if isinstance(right, ast.Name) and op in _FLIP:
            op, left, right = _FLIP[op], right, left
        else:
            return None
    if not left.reads_case:
        return None
    is_const, value = fold(right, params)
    if not is_const or value is None:
        return None
    path = left.dotted
    if op == "==" :
        return _allow(facts, path, {value})
    if op == "in" and isinstance(value, (list, tuple, frozenset)):
        return _allow(facts, path, set(value))
    if op == "!=":
        return _exclude(facts, path, {value})
    if op == "not in" and isinstance(value, (list, tuple, frozenset)):
        return _exclude(facts, path, set(value))
    if op in ("<", "<="):
        return _bound(facts, path, facts.upper, (value, op == "<="), upper=True)
    if op in (">", ">="):
        return _bound(facts, path, facts.lower, (value, op == ">="), upper=False)
    return None


def _allow(facts: _Facts, path: str, values: set[Any]) -> str | None:
    current = facts.allowed.get(path)
    facts.allowed[path] = values if current is None else current & values
    return _consistent(facts, path)


def _exclude(facts: _Facts, path: str, values: set[Any]) -> str | None:
    facts.excluded.setdefault(path, set()).update(values)
    return _consistent(facts, path)


def _bound(facts: _Facts, path: str, table: dict[str, tuple[Any, bool]], bound: tuple[Any, bool], upper: bool) -> str | None:
    current = table.get(path)
    try:
        if current is None or (bound[0] < current[0] if upper else bound[0] > current[0]) or \
                (bound[0] == current[0] and not bound[1]):
            table[path] = bound
        return _consistent(facts, path)
    except TypeError:
        return None


def _consistent(facts: _Facts, path: str) -> str | None:
    allowed = facts.allowed.get(path)
    if allowed is not None:
        allowed = allowed - facts.excluded.get(path, set())
        if not allowed:
            return Phrase("reach.contradict", path=path)
    low, high = facts.lower.get(path), facts.upper.get(path)
    if low and high:
        try:
            if low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1])):
                return Phrase("reach.empty_range", path=path)
        except TypeError:
            return None
    return None
