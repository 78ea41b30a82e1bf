"""Quick fixes (dsl/book/quickfix.py): each one, applied to the text, removes the diagnostic it
was offered for, and the text is otherwise as before. A fix is offered only where the span
holds what the hint is about, so a wrong edit is never proposed."""
from __future__ import annotations

import pytest

from dsl.book.checking import check_text
from dsl.book.quickfix import Fix, TextEdit, apply_edits, quick_fixes
from dsl.diagnostics import Diagnostic, Span

BASE = """\
rulebook: demo
name: {zh: 演示, en: Demo}
parameters:
  max_amount: 300.00
  window: 48h
  label: refund
rules:
  - id: r1
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    when:
      - order.paid_amount <= params.max_amount
      - order.status == 'completed'
      - aftersale.applied_at <= order.signed_at + params.window
    action: approve
    examples:
      - name: 小额
        case: {order: {paid_amount: "100.00", status: completed, signed_at: "2026-11-01T10:00:00+08:00", domestic: true},
               aftersale: {applied_at: "2026-11-02T10:00:00+08:00"}}
        expect: {matched: true}
"""

# (the base's text, what the author wrote instead, the code, what the first fix makes of it)
SLIPS = [
    ("order.paid_amount <=", "order.paid_amout <=", "E201", "order.paid_amount <="),
    ("params.max_amount", "params.max_amout", "E202", "params.max_amount"),
    ("'completed'", "'complted'", "E206", "'completed'"),
    ("'completed'", "\"complted\"", "E206", "\"completed\""),
    ("'completed'", "'已完成'", "E206", "'completed'"),        # the value's zh label
    ("'completed'", "\"COMPLETED\"", "E206", "\"completed\""),
    ("action: approve", "actoin: approve", "E306", "action: approve"),
    ("action: approve", "ａction: approve", "E306", "action: approve"),
    ("action: approve", "action： approve", "E104", "action: approve"),
    ("rulebook: demo", "rulebok: demo", "E306", "rulebook: demo"),
    ("    source: {seed", "    sorce: {seed", "E306", "    source: {seed"),
    ("order.paid_amount <=", "order.paid_amount ＜=", "E104", "order.paid_amount <="),
    ("== 'completed'", "＝= 'completed'", "E104", "== 'completed'"),
    ("window: 48h", "window: 2天", "E305", "window: 2d"),
    ("window: 48h", "window: ４８h", "E305", "window: 48h"),
    ("max_amount: 300.00", "max_amount: 300元", "E305", "max_amount: 300.00"),
    ("+ params.window", "+ 2 天", "E103", "+ 2d"),
    ("+ params.window", "+ 2天", "E103", "+ 2d"),
    ("<= params.max_amount", "<= 5000元", "E111", "<= 5000.00"),
    ("<= params.max_amount", "<= ¥5000", "E101", "<= 5000.00"),
    ("<= params.max_amount", "<= 5,000.00", "E108", "<= 5000.00"),
    ("- order.status == 'completed'", "- order.status == 'completed' && order.domestic",
     "E101", "- order.status == 'completed' and order.domestic"),
    ("- order.status == 'completed'", "- order.status == 'completed'||order.domestic",
     "E101", "- order.status == 'completed' or order.domestic"),
    ("- order.status == 'completed'", "- order.status == 'completed' AND order.domestic",
     "E108", "- order.status == 'completed' and order.domestic"),
    ("- order.status == 'completed'", "- order.status = 'completed'", "E101", "- order.status == 'completed'"),
    ("paid_amount: \"100.00\"", "paid_amout: \"100.00\"", "E502", "paid_amount: \"100.00\""),
    ("status: completed,", "status: complted,", "E503", "status: completed,"),
    ("expect: {matched: true}", "expect: {matched: true, action: aprove}", "E505", "expect: {matched: true, action: approve}"),
    ("domestic: true}", "domestic: \"true\"}", "E503", "domestic: true}"),
    ("label: refund", "label: yes", "E307", "label: 'yes'"),
    ("  - id: r1", "  - id: R-1", "E302", "  - id: r_1"),
    ("  max_amount: 300.00", "  maxAmount: 300.00", "E302", "  max_amount: 300.00"),
    ("order.paid_amount <=", "order.paid_amount\u200b <=", "E104", "order.paid_amount <="),
    ("- order.paid_amount <= params.max_amount", "- order.paid_amount <= params.max_amount and is_nul(order.status) == false",
     "E203", "- order.paid_amount <= params.max_amount and is_null(order.status) == false"),
]


def fixes_of(text: str, code: str) -> tuple[Diagnostic, list[Fix]]:
    found = [d for d in check_text(text) if d.code == code]
    assert found, (code, [(d.code, d.message()) for d in check_text(text)])
    return found[0], quick_fixes(text, found[0])


def test_the_base_is_clean() -> None:
    assert check_text(BASE) == []


@pytest.mark.parametrize("old,new,code,fixed", SLIPS, ids=[s[1] for s in SLIPS])
def test_a_fix_repairs_the_text(old: str, new: str, code: str, fixed: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    diag, fixes = fixes_of(text, code)
    assert fixes, f"no fix for {diag.code} {diag.message()} hint={diag.hint}"
    after = apply_edits(text, fixes[0].edits)
    assert after == text.replace(new, fixed, 1)              # the fix touches nothing else
    assert [(d.code, d.message()) for d in check_text(after) if d.code == code] == []


def test_titles_are_in_both_languages() -> None:
    _, fixes = fixes_of(BASE.replace("order.paid_amount <=", "order.paid_amout <="), "E201")
    assert fixes[0].title.label("en") == "change 'order.paid_amout' to 'order.paid_amount'"
    assert fixes[0].title.label("zh") == "将 'order.paid_amout' 改为 'order.paid_amount'"
    assert fixes[0].as_json("zh")["title"].startswith("将")


def test_a_yaml11_boolean_offers_quoting_and_the_boolean() -> None:
    text = BASE.replace("domestic: true}", "domestic: yes}")
    _, fixes = fixes_of(text, "E307")
    assert [f.title.label("en") for f in fixes] == ["quote it as text: 'yes'", "write the boolean true"]
    assert check_text(apply_edits(text, fixes[1].edits)) == []


def test_an_emoji_before_the_slip_counts_one_code_point() -> None:
    text = BASE.replace("name: {zh: 规则, en: Rule}", "name: {zh: 规则🎉, en: Rule}").replace(
        "order.paid_amount <=", "order.paid_amout <=")
    _, fixes = fixes_of(text, "E201")
    assert check_text(apply_edits(text, fixes[0].edits)) == []
    line = "      - order.paid_amout <= params.max_amount 🎉"   # on the same line, after the edit
    edited = apply_edits(line, [TextEdit(1, 9, 1, 25, "order.paid_amount")])
    assert edited == "      - order.paid_amount <= params.max_amount 🎉"


def test_no_fix_when_the_span_does_not_hold_the_name() -> None:
    diag = Diagnostic("E201", Span(1, 1, 1, 6), args={"name": "order.paid_amout"},
                      hint=("did_you_mean", {"suggestion": "order.paid_amount"}))
    assert quick_fixes("other text here", diag) == []
    assert quick_fixes("", diag) == []
    assert quick_fixes("x", Diagnostic("E201", Span(9, 1, 9, 3), args={"name": "x"},
                                       hint=("did_you_mean", {"suggestion": "y"}))) == []


def test_no_fix_that_would_delete_the_name() -> None:
    diag = Diagnostic("E201", Span(1, 1, 1, 6), args={"name": "order"}, hint=("did_you_mean", {"suggestion": ""}))
    assert quick_fixes("order > 1", diag) == []


def test_no_fix_without_a_named_replacement() -> None:
    text = BASE.replace("order.paid_amount <=", "order.zzzzqqq <=")
    diag, fixes = fixes_of(text, "E201")
    assert diag.hint is None and fixes == []


def test_edits_apply_from_the_end_and_as_json() -> None:
    edits = [TextEdit(1, 1, 1, 2, "A"), TextEdit(2, 2, 2, 3, "ZZ")]
    assert apply_edits("ab\ncd", edits) == "Ab\ncZZ"
    assert edits[1].as_json() == {"line": 2, "col": 2, "end_line": 2, "end_col": 3, "new_text": "ZZ"}
