"""The decider's frame: what the generated code relies on having read follows the branches
(issue 14, section 5). A read trusted where it may not have run would raise on good input
(the case then takes the slow path: right answer, lost speed) or, worse, use a stale value;
a read not trusted where it certainly ran costs a test per use."""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from conftest import RULEBOOK_HEAD, rule_yaml
from dsl import load_rulebook
from dsl.engine.python.codegen import ModuleBuilder
from dsl.engine.python.decider import add_decider

AT = datetime.fromisoformat("2026-11-10T12:00:00+08:00")
CASE = {"order": {"status": "shipped", "paid_amount": "100.00"},
        "aftersale": {"type": "reship", "applied_at": "2026-11-05T09:00:00+08:00"}}


def _book(write_rulebook: Any, *rules: str) -> Any:
    return load_rulebook(write_rulebook(RULEBOOK_HEAD + "".join(rules)))


def _decide_all(book: Any) -> str:
    module = ModuleBuilder(book.params)
    add_decider(module, book.model.rules, book.vocabulary, width=None)   # one statement a line
    source = module.source
    return source[source.index("def decide_or_raise"):source.index("def decide(")]


def _block(source: str, rule_id: str) -> str:
    """The lines of one rule's block (from its comment to the next comment)."""
    return re.split(r"\n\s*# ", source.split(f"# {rule_id}\n", 1)[1], maxsplit=1)[0]


def _agrees(book: Any, cases: list[dict[str, Any]]) -> None:
    for case in cases:
        fast = book.decide(case, AT)
        exact = [book.evaluate_rule(rule, book.parse(case).view, AT) for rule in book.rules]
        assert [d[:4] for d in fast] == [(r.matched, r.action, r.deadline, r.due) for r in exact], case
        assert book.decide_or_raise(book.parse(case).view.doc, AT) == fast   # no fallback: the fast body decided


def _variants() -> list[dict[str, Any]]:
    cases = []
    for kind in ("reship", "refund_only"):
        for amount in ("100.00", "500.00", None):
            case = json.loads(json.dumps(CASE))
            case["aftersale"]["type"], case["order"]["paid_amount"] = kind, amount
            cases.append(case)
    return cases


def test_a_read_made_in_one_branch_is_tested_before_it_is_trusted(write_rulebook: Any) -> None:
    book = _book(write_rulebook,
                 rule_yaml("first", when="- aftersale.type == 'reship'\n- order.paid_amount <= params.max_amount"),
                 rule_yaml("second", when="- order.paid_amount > 200.00"))
    second = _block(_decide_all(book), "second")
    assert "f_order_paid_amount if f_order_paid_amount is not _U else" in second
    _agrees(book, _variants())


def test_what_a_first_condition_read_is_trusted_after_its_block(write_rulebook: Any) -> None:
    book = _book(write_rulebook,
                 rule_yaml("first", when="- order.paid_amount <= params.max_amount"),
                 rule_yaml("second", when="- aftersale.type == 'reship'\n- order.paid_amount > 200.00"))
    source = _decide_all(book)
    assert "(f_order_paid_amount := " in _block(source, "first")
    second = _block(source, "second")
    assert "f_order_paid_amount" in second and "is not _U" not in second and ".get('paid_amount')" not in second
    _agrees(book, _variants())


def test_a_field_read_once_gets_no_local(write_rulebook: Any) -> None:
    book = _book(write_rulebook,
                 rule_yaml("first", when="- aftersale.type == 'reship'\n- order.paid_amount <= params.max_amount"),
                 rule_yaml("second", when="- aftersale.type == 'reship'\n- aftersale.applied_at != null"))
    source = _decide_all(book)
    assert "f_order_paid_amount" not in source and "x_paid_amount := o_order.get('paid_amount')" in source
    _agrees(book, _variants())
