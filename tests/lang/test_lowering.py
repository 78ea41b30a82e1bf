"""The checker resolves, lowering writes it down as IR (issue 14 §2).

Names get their kind, operators their meaning and money coercions their place in the typed
tree; lowering folds parameters and constants and makes null tests, conversions and
calendar days explicit IR nodes, which the interpreter and the Python generator read.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from dsl.lang import ast
from dsl.lang import ir
from dsl.lang.builtins import FUNCTIONS
from dsl.lang.lower import fold, lower
from dsl.lang.implementations import IMPLEMENTATIONS

from conftest import PARAM_VALUES, run_compiled, run_interpreted, typed_ok


def lowered(text: str) -> ir.Node:
    return lower(typed_ok(text), PARAM_VALUES)


def test_the_checker_gives_every_name_its_kind() -> None:
    tree = typed_ok("order.paid_amount <= params.max_amount and aftersale.applied_at < now")
    kinds = {n.dotted: n.kind for n in ast.names(tree)}
    assert kinds == {"order.paid_amount": "field", "params.max_amount": "param",
                     "aftersale.applied_at": "field", "now": "now"}
    assert [n.dotted for n in ast.fields(tree)] == ["order.paid_amount", "aftersale.applied_at"]


@pytest.mark.parametrize("text, overload", [
    ("order.paid_amount - order.refunded_amount", "num"),
    ("order.paid_amount / 2", "div"),
    ("params.window * 2", "scale"),
    ("date(now) + 1", "days"),
    ("date(now) - date(order.paid_at)", "date_diff"),
    ("aftersale.applied_at + params.window", "num"),
])
def test_the_checker_chooses_the_meaning_of_each_operator(text: str, overload: str) -> None:
    tree = typed_ok(text)
    assert isinstance(tree, ast.Binary) and tree.overload == overload


def test_parameters_and_constants_are_folded() -> None:
    node = lowered("order.paid_amount <= params.max_amount + 1")
    assert node == ir.Compare("<=", ir.Field("order.paid_amount", "money"), ir.Const(Decimal("301.00")))
    assert fold(typed_ok("params.days * 2 > 10"), PARAM_VALUES) == (True, True)
    assert fold(typed_ok("order.paid_amount > 1"), PARAM_VALUES) == (False, None)


def test_null_tests_are_explicit() -> None:
    field = ir.Field("order.signed_at", "timestamp")
    assert lowered("order.signed_at == null") == ir.IsNull(field)
    assert lowered("null != order.signed_at") == ir.IsNull(field, negated=True)
    assert lowered("is_null(order.signed_at)") == ir.IsNull(field)


def test_calendar_days_name_their_time_zone() -> None:
    node = lowered("days_between(order.signed_at, aftersale.applied_at)")
    assert node == ir.Arith("-", "date_diff",
                            ir.CalendarDay(ir.Field("aftersale.applied_at", "timestamp"), of="timestamp"),
                            ir.CalendarDay(ir.Field("order.signed_at", "timestamp"), of="timestamp"))
    assert node.left.zone == "Asia/Shanghai"


def test_an_int_where_money_is_meant_is_converted_once() -> None:
    tree = typed_ok("coalesce(order.refunded_amount, 0)")
    assert tree.coerce == (False, True)
    assert isinstance(lowered("coalesce(order.refunded_amount, 0)"), ir.ToMoney)
    assert isinstance(lowered("if order.domestic then order.paid_amount else 0"), ir.ToMoney)
    assert typed_ok("coalesce(order.aftersale_count, 0)").coerce == ()       # int: nothing to convert
    for run in (run_compiled, run_interpreted):
        value = run("coalesce(order.refunded_amount, 0)")
        assert value == 0 and isinstance(value, Decimal)
        value = run("if order.domestic then order.paid_amount else 0", {"order.domestic": False})
        assert isinstance(value, Decimal)


def test_ir_nodes_are_frozen_values() -> None:
    node = lowered("order.status in ['shipped', 'completed'] and not buyer.credit_good")
    assert hash(node) == hash(lowered("order.status in ['shipped', 'completed'] and not buyer.credit_good"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.op = "or"    # type: ignore[misc]
    assert ir.reads_case(node) and not ir.reads_case(lowered("params.days + 1"))
    assert lowered("params.window") == ir.Const(timedelta(hours=48))


def test_every_builtin_signature_has_a_python_implementation() -> None:
    assert set(FUNCTIONS) == set(IMPLEMENTATIONS)
    assert not any(hasattr(fn, "impl") for fn in FUNCTIONS.values())   # signatures only


def test_only_the_checker_tells_parameters_and_now_from_fields() -> None:
    """After the checker, a name's kind is read (`Name.kind`, ir.Field/ir.Now/folded
    constants), never worked out again from its spelling."""
    import re
    from pathlib import Path

    spelled = re.compile(r"""path\[0\]\s*(==|!=|in|not in)\s*\(?["'](params|now)["']"""
                         r"""|path\s*(==|!=)\s*\(\s*["']now["']\s*,\s*\)|dotted\s*==\s*["']now["']""")
    allowed = {"checker.py"}
    package = Path(__file__).resolve().parents[2] / "dsl"
    found = [f"{path.name}:{n}" for path in sorted(package.rglob("*.py")) if path.name not in allowed
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if spelled.search(line)]
    assert found == []
