"""A decision does not depend on evaluation order (issue 14 §1).

A condition that reads a bad value is undecided; a rule does not match when some condition
fails whatever the bad values hold, and is an error when its outcome hangs on them. So
permuting a rule's conditions, or swapping the operands of `and`/`or`, never changes what
`decide`, `evaluate` or the explanation say — checked here on random rules over the
vocabulary's fields and cases with bad values.
"""
from __future__ import annotations

import copy
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import load_rulebook
from dsl.lang.values import parse_timestamp

from conftest import EXAMPLES, RULEBOOK_HEAD, rule_yaml

TMP = Path(tempfile.mkdtemp(prefix="rulebook-order-"))
AT = parse_timestamp("2026-11-06T09:00:00+08:00")
BASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))

# Conditions over fields of each kind; each reads at least one field a case below spoils.
ATOMS = [
    "order.paid_amount <= params.max_amount", "order.paid_amount > 100", "order.refunded_amount < order.paid_amount",
    "order.status == 'shipped'", "order.status in ['completed', 'shipped']", "aftersale.type == 'reship'",
    "aftersale.type == 'return_refund'", "aftersale.reason in ['dislike', 'seven_day_no_reason']", "buyer.credit_good",
    "order.domestic", "days_between(order.signed_at, aftersale.applied_at) <= 7",
    "aftersale.applied_at < order.paid_at + params.window", "order.aftersale_count < 3",
    "coalesce(order.refunded_amount, 0) == 0", "is_null(order.signed_at)", "order.signed_at != null",
    "len(shop.services) > 0", "(if order.domestic then order.paid_amount else 0) > 50", "now > aftersale.applied_at",
    "order.paid_amount - order.refunded_amount >= 10", "not order.special_goods",
]

# Values a field may hold in a case: good ones, null, and bad ones of every sort.
VALUES: dict[str, list[Any]] = {
    "order.paid_amount": ["129.90", "400.00", "abc", "5.5.5", True, None, "-3.00"],
    "order.refunded_amount": ["0.00", "200.00", "x", [], None],
    "order.status": ["shipped", "completed", "closed", "shipd", 7, None],
    "aftersale.type": ["reship", "return_refund", "refund_only", "RESHIP", None, 1],
    "aftersale.reason": ["dislike", "quality_issue", "meh", None],
    "buyer.credit_good": [True, False, "yes", 1, None],
    "order.domestic": [True, False, "no", None],
    "order.special_goods": [True, False, "maybe", None],
    "order.signed_at": ["2026-10-28T11:03:00+08:00", "2026-13-45T00:00:00+08:00", "yesterday", 5, None],
    "order.paid_at": ["2026-11-04T09:12:00+08:00", "2026-10-01T00:00:00+08:00", "soon", None],
    "aftersale.applied_at": ["2026-11-05T09:00:00+08:00", "2026-12-30T10:00:00+08:00", "2026-02-30T00:00:00+08:00", None],
    "order.aftersale_count": [0, 5, "three", 2.5, None],
    "shop.services": [["fast_refund"], [], "fast_refund", [1], None],
}

Tree = Union[str, tuple]   # an atom's text, or (op, parts)


def trees(depth: int = 2) -> st.SearchStrategy[Tree]:
    atom = st.sampled_from(ATOMS)
    if depth == 0:
        return atom
    sub = trees(depth - 1)
    return st.one_of(
        atom, atom,
        st.tuples(st.sampled_from(["and", "or"]), st.lists(sub, min_size=2, max_size=3)),
        st.tuples(st.just("not"), sub),
        st.tuples(st.just("if"), st.tuples(sub, sub, sub)),
    )


def text(tree: Tree) -> str:
    if isinstance(tree, str):
        return tree
    op, parts = tree
    if op in ("and", "or"):
        return "(" + f" {op} ".join(text(p) for p in parts) + ")"
    if op == "not":
        return f"not ({text(parts)})"
    test, then, orelse = parts
    return f"(if {text(test)} then {text(then)} else {text(orelse)})"


def swapped(tree: Tree) -> Tree:
    """Every `and`/`or` with its operands in reverse order."""
    if isinstance(tree, str):
        return tree
    op, parts = tree
    if op in ("and", "or"):
        return op, [swapped(p) for p in reversed(parts)]
    if op == "not":
        return op, swapped(parts)
    return op, tuple(swapped(p) for p in parts)


def rule(rule_id: str, conditions: list[Tree], choice: Tree) -> str:
    when = "\n".join(f"- {json.dumps(text(c))}" for c in conditions)
    extra = (f"deadline: aftersale.applied_at + params.window\n"
             f"outputs:\n  left: order.paid_amount - coalesce(order.refunded_amount, 0)\n")
    yaml = rule_yaml(rule_id, when, extra)
    return yaml.replace("    action: approve\n",
                        f"    action:\n      - if: {json.dumps(text(choice))}\n        then: approve\n"
                        f"      - else: reject\n")


def variants(conditions: list[Tree], choice: Tree, order: list[int]) -> str:
    """Four rules that must decide alike: as written, conditions permuted, operands swapped, both."""
    permuted = [conditions[i] for i in order]
    return RULEBOOK_HEAD + "".join([
        rule("asis", conditions, choice),
        rule("permuted", permuted, choice),
        rule("swapped", [swapped(c) for c in conditions], swapped(choice)),
        rule("both", [swapped(c) for c in reversed(permuted)], swapped(choice)),
    ])


def spoiled(changes: list[tuple[str, int]]) -> dict[str, Any]:
    case = copy.deepcopy(BASE)
    for path, pick in changes:
        *parents, key = path.split(".")
        node = case
        for name in parents:
            node = node.setdefault(name, {})
        node[key] = VALUES[path][pick % len(VALUES[path])]
    return case


def marks(why: list[str]) -> list[str]:
    """The ✓/✗/?/! of each explained condition, in no particular order."""
    out = []
    for line in why:
        if line.startswith("! "):
            out.append("!")
        elif line.startswith(("version", "版本")) or "conditions hold" in line or "个条件成立" in line:
            out.append(line)
        else:
            out.append(line.split("  [")[0].rstrip()[-1])
    return sorted(out)


def outcome(result: Any) -> tuple[Any, ...]:
    return (result.matched, result.action, result.deadline, result.due, result.version, result.outputs,
            result.error is not None, marks(result.reasons("failing")), marks(result.reasons("all")))


PROPERTY = settings(max_examples=int(os.environ.get("ORDER_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# A case: some fields changed (a few, or every one of them to one of its values, or kept: -1).
changes = st.one_of(
    st.lists(st.tuples(st.sampled_from(sorted(VALUES)), st.integers(0, 6)), max_size=10),
    st.lists(st.integers(-1, 6), min_size=len(VALUES), max_size=len(VALUES)).map(
        lambda picks: [(path, pick) for path, pick in zip(sorted(VALUES), picks) if pick >= 0]),
)


@PROPERTY
@given(st.lists(trees(), min_size=2, max_size=4), trees(1), st.randoms(use_true_random=False),
       st.lists(changes, min_size=4, max_size=8))
def test_order_never_changes_a_decision(conditions: list[Tree], choice: Tree, rng: random.Random,
                                        cases: list[list[tuple[str, int]]]) -> None:
    order = list(range(len(conditions)))
    rng.shuffle(order)
    path = TMP / "order.yaml"
    path.write_text(variants(conditions, choice, order), encoding="utf-8")
    book = load_rulebook(str(path))
    for change in cases:
        case = spoiled(change)
        decided = book.decide(case, AT)
        assert all(d == decided[0] for d in decided), (change, decided)
        for lang in ("en", "zh"):
            results = book.evaluate(case, AT, lang=lang).results
            first = outcome(results[0])
            assert all(outcome(r) == first for r in results), (change, [outcome(r) for r in results])
            matched = None if results[0].error else results[0].matched
            assert decided[0][0] == matched
            assert decided[0][1:4] == (results[0].action, results[0].deadline, results[0].due)


def _lightning(case_changes: dict[str, Any]) -> Any:
    book = load_rulebook("douyin")
    case = copy.deepcopy(json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8")))
    for path, value in case_changes.items():
        head, key = path.split(".")
        case[head][key] = value
    result = book.evaluate(case, lang="en").result("lightning_return")
    return result, book.only("lightning_return").decide(case)[0]


def test_a_bad_amount_with_a_late_application_does_not_match() -> None:
    """The issue's first case: a false `days_between(...) <= 7` settles the rule whatever the amount."""
    result, decided = _lightning({"order.paid_amount": "abc", "aftersale.applied_at": "2026-12-30T10:00:00+08:00"})
    assert (result.matched, result.error, decided[0]) == (False, None, False)
    assert any(line.endswith("✗") and "days_between" in line for line in result.why)
    assert any(line.startswith("! order.paid_amount") for line in result.why)


def test_a_bad_amount_with_another_type_does_not_match() -> None:
    """The issue's second case: a false `aftersale.type == 'return_refund'` settles it too."""
    result, decided = _lightning({"order.paid_amount": "abc", "aftersale.type": "reship"})
    assert (result.matched, result.error, decided[0]) == (False, None, False)


def test_a_bad_amount_the_outcome_hangs_on_is_an_error() -> None:
    """With every other condition holding, the rule's outcome hangs on the amount: an error."""
    result, decided = _lightning({"order.paid_amount": "abc"})
    assert result.matched is False and result.error and "order.paid_amount" in result.error
    assert decided[0] is None
    # `why` shows the condition it hangs on; the full explanation every condition with its mark
    assert result.why == ["! order.paid_amount <= params.lightning_max_amount: field order.paid_amount has a bad value"]
    assert sorted(marks(result.reasons("all"))) == ["!"] + ["✓"] * 9


# -- compiled code and the interpreter: what compiled code decides, it decides as the interpreter does --

def _views(change: list[tuple[str, int]]) -> Any:
    from dsl.cases.document import open_case
    from dsl.lang.vocabulary import default_vocabulary

    return open_case(spoiled(change), default_vocabulary()).view


@settings(PROPERTY, max_examples=5 * PROPERTY.max_examples)   # cheap: no rulebook to load
@given(trees(), st.lists(changes, min_size=3, max_size=6))
def test_compiled_code_stops_only_where_the_interpreter_agrees(tree: Tree, cases: list[list[tuple[str, int]]]) -> None:
    """Compiled code raises on a bad read and skips what cannot change its answer; where it
    answers without raising, the interpreter (which reads a bad value as undecided) gives
    that answer too — so the fallback never changes a decision compiled code would make."""
    from dsl.cases.document import FieldError
    from dsl.engine.python.codegen import compile_expr
    from dsl.lang.interpreter import Env, interpret
    from dsl.lang.semantics import Undecided

    from conftest import PARAM_VALUES, typed_ok

    typed = typed_ok(text(tree))
    forms = {kind: compile_expr(typed, PARAM_VALUES, kind) for kind in ("value", "truth")}
    for change in cases:
        view = _views(change)
        reference = interpret(typed, Env(view, PARAM_VALUES, AT))
        possible = reference.outcomes if isinstance(reference, Undecided) else {reference}
        for kind, fn in forms.items():
            try:
                got = fn(view, AT)
            except FieldError:
                continue
            if kind == "value":
                assert got == reference and type(got) is type(reference), (change, got, reference)
            elif got:
                assert possible == {True}, (change, got, reference)
            else:
                assert True not in possible, (change, got, reference)


@pytest.mark.parametrize("expr, expected", [
    ("order.paid_amount > 100 and aftersale.type == 'reship'", False),       # false whatever the amount
    ("aftersale.type == 'return_refund' or order.paid_amount > 100", True),  # true whatever the amount
    ("order.paid_amount > 100 or aftersale.type == 'reship'", "undecided"),
    ("order.paid_amount > 100 and aftersale.type == 'return_refund'", "undecided"),
    ("not (order.paid_amount > 100)", "undecided"),
    ("order.paid_amount == null", "undecided"),
    ("coalesce(order.paid_amount, 0) > 1", "undecided"),
    ("(if order.paid_amount > 1 then true else true)", "undecided"),
    ("order.refunded_amount < order.paid_amount", None),                    # null whatever the amount
    ("order.refunded_amount < 5 and order.paid_amount > 1", "not true"),   # null or false: never true
])
def test_the_table_of_undecided(expr: str, expected: Any) -> None:
    """docs/rulebook-format.md, "Bad values": paid_amount "abc", refunded_amount missing,
    type return_refund, domestic true."""
    from dsl.lang.interpreter import Env, interpret
    from dsl.lang.semantics import Undecided, holds

    from conftest import PARAM_VALUES, typed_ok

    view = _views([("order.paid_amount", 2), ("order.refunded_amount", 4), ("aftersale.type", 1),
                   ("order.domestic", 0)])
    got = interpret(typed_ok(expr), Env(view, PARAM_VALUES, AT))
    if expected == "undecided":
        assert isinstance(got, Undecided) and got.may_hold and [p.path for p in got.problems] == ["order.paid_amount"]
    elif expected == "not true":
        assert isinstance(got, Undecided) and holds(got) is False
    else:
        assert got is expected


# A computation that leaves the calendar (year 1 minus 48 hours) is undecided like a bad value:
# `or`/`and` settle around it in either order (found in review: it was E403 one way round).
OVERFLOW_CASE = {"id": "early", "now": "2026-11-05T09:00:00+08:00",
                 "order": {"paid_at": "0001-01-01T00:30:00+08:00", "aftersale_count": 7}}


@pytest.mark.parametrize("when", [
    "order.paid_at - 48h < now or order.aftersale_count > 0",
    "order.aftersale_count > 0 or order.paid_at - 48h < now",
    "date(order.paid_at) - 3 < 2026-01-01 or order.aftersale_count > 0",
])
def test_a_computation_out_of_the_calendar_does_not_decide_an_or(tmp_path: Path, when: str) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml(when=f"- {json.dumps(when)}"), encoding="utf-8")
    book = load_rulebook(path, use_cache=False)
    result = book.evaluate(OVERFLOW_CASE, lang="zh").results[0]
    assert (result.matched, result.error) == (True, None)
    assert book.decide(OVERFLOW_CASE)[0][0] is True


@pytest.mark.parametrize("when", [
    "order.paid_at - 48h < now or order.aftersale_count > 10",
    "order.aftersale_count > 10 or order.paid_at - 48h < now",
])
def test_an_outcome_that_hangs_on_such_a_computation_is_an_error_in_the_users_language(
        tmp_path: Path, when: str) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml(when=f"- {json.dumps(when)}"), encoding="utf-8")
    book = load_rulebook(path, use_cache=False)
    result = book.evaluate(OVERFLOW_CASE, lang="zh").results[0]
    assert result.matched is False
    assert result.error is not None and "order.paid_at" in result.error and "超出了日历范围" in result.error
    assert "OverflowError" not in result.error and "E403" not in result.error
    assert book.decide(OVERFLOW_CASE)[0][0] is None
