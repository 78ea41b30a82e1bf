"""`rulebook check` reads the cases of `base_case` and of every example as `eval` reads a case
(issue 13, section 5): an unknown field (E502) or a bad value (E503) is an error at the line
and column of that key or value, with did-you-mean. The rulebooks are written here."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

HEAD = """\
rulebook: demo
name: {zh: 演示, en: Demo}
parameters:
  max_amount: 300.00
"""
RULE = """\
rules:
  - id: small
    name: {zh: 小额, en: Small}
    source: {seed: s.txt}
    when:
      - order.paid_amount <= params.max_amount
    action: approve
    examples:
"""


def check_json(invoke: Any, tmp_path: Path, text: str) -> tuple[int, list[dict[str, Any]], Path]:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("check", path, "--format", "json", "--lang", "en")
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")], path


def where(diags: list[dict[str, Any]], code: str) -> list[tuple[int, int]]:
    return [(d["line"], d["col"]) for d in diags if d["code"] == code]


def line_col(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first `needle` in `text`."""
    before = text[:text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def test_unknown_field_in_an_example_case(invoke: Any, tmp_path: Path) -> None:
    text = HEAD + RULE + """\
      - name: typo
        case: {order: {paid_amout: "500.00"}}
        expect: {matched: false}
"""
    code, diags, _ = check_json(invoke, tmp_path, text)
    assert code == 1
    [d] = [d for d in diags if d["code"] == "E502"]
    assert (d["line"], d["col"]) == line_col(text, "paid_amout")
    assert d["severity"] == "error" and "order.paid_amout" in d["message"]
    assert "order.paid_amount" in d["hint"]


def test_unknown_field_in_base_case_is_reported_once_at_its_line(invoke: Any, tmp_path: Path) -> None:
    text = HEAD + """\
base_case:
  order:
    paid_amount: "100.00"
    signed_att: "2026-11-01T10:00:00+08:00"
""" + RULE + "".join(f"""\
      - name: e{i}
        case: {{order: {{paid_amount: "{i}.00"}}}}
        expect: {{matched: true}}
""" for i in range(3))
    code, diags, _ = check_json(invoke, tmp_path, text)
    assert code == 1
    assert where(diags, "E502") == [line_col(text, "signed_att")]
    [d] = [d for d in diags if d["code"] == "E502"]
    assert "order.signed_at" in d["hint"] and d["where"].startswith("base_case")


def test_bad_value_in_an_example_case_unless_an_error_is_expected(invoke: Any, tmp_path: Path) -> None:
    text = HEAD + RULE + """\
      - name: bad amount
        case: {order: {paid_amount: "abc"}}
        expect: {matched: false}
      - name: bad amount on purpose
        case: {order: {paid_amount: "xyz"}}
        expect: {matched: false, error: true}
      - name: flag as text
        case: {order: {paid_amount: "1.00", domestic: "yes"}}
        expect: {matched: true}
"""
    code, diags, _ = check_json(invoke, tmp_path, text)
    assert code == 1
    assert where(diags, "E503") == [line_col(text, '"abc"'), line_col(text, '"yes"')]
    flag = [d for d in diags if d["code"] == "E503"][1]
    assert "order.domestic" in flag["message"] and "true or false" in flag["hint"]


def test_a_typo_next_to_an_expected_error_is_still_a_typo(invoke: Any, tmp_path: Path) -> None:
    """The example is about a bad value; an unknown key beside it is not: check and test agree."""
    text = HEAD + RULE + """\
      - name: bad amount on purpose
        case: {order: {paid_amount: "xyz"}, buyer: {credit_gud: true}}
        expect: {matched: false, error: true}
"""
    code, diags, path = check_json(invoke, tmp_path, text)
    assert code == 1 and where(diags, "E502") == [line_col(text, "credit_gud")]
    test = invoke("test", path)
    assert test.exit_code == 1 and "buyer.credit_gud" in test.stdout


def test_text_output_points_at_the_key_in_both_languages(invoke: Any, tmp_path: Path) -> None:
    text = HEAD + RULE + """\
      - name: typo
        case:
          order:
            paid_amout: "500.00"
        expect: {matched: false}
"""
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    line, col = line_col(text, "paid_amout")
    en = invoke("check", path, "--lang", "en")
    assert f"{path}:{line}:{col}: error E502: unknown field 'order.paid_amout'" in en.stderr
    assert "did you mean 'order.paid_amount'?" in en.stderr
    zh = invoke("check", path, "--lang", "zh")
    assert "示例案例中有未知字段 'order.paid_amout'" in zh.stderr and "您是否想写 'order.paid_amount'" in zh.stderr


def test_clean_example_cases_give_nothing(invoke: Any, tmp_path: Path) -> None:
    """Nested objects, lists, `id` and `now`, nulls, a number for an amount: nothing to say."""
    text = HEAD + """\
base_case:
  id: BASE
  now: "2026-11-05T09:00:00+08:00"
  order: {paid_amount: "100.00", signed_at: null, domestic: true}
  shop: {auto_refund_policy: {max_amount: "500.00"}, services: [a, b]}
  aftersale: {type: refund_only}
""" + RULE + """\
      - name: fine
        case: {order: {paid_amount: 99}}
        expect: {matched: true}
"""
    code, diags, _ = check_json(invoke, tmp_path, text)
    assert (code, diags) == (0, [])


def test_unreachable_rules_are_still_found_beside_a_typo(invoke: Any, tmp_path: Path) -> None:
    """An example-case error does not stop the analysis of the rules (E209)."""
    text = HEAD + RULE.replace("      - order.paid_amount <= params.max_amount\n",
                               "      - order.paid_amount <= 1.00\n      - order.paid_amount > 5.00\n") + """\
      - name: typo
        case: {order: {paid_amout: "500.00"}}
        expect: {matched: false}
"""
    code, diags, _ = check_json(invoke, tmp_path, text)
    assert code == 1 and {d["code"] for d in diags} == {"E209", "E502"}


VERSIONS = RULE.replace("    when:\n      - order.paid_amount <= params.max_amount\n", """\
    versions_by: order.paid_at
    versions:
      - {version: v1, until: 2023-09-13T00:00:00+08:00, when: order.paid_amount <= 100}
      - {version: v2, from: 2023-09-13T00:00:00+08:00, when: order.paid_amount <= params.max_amount}
""")


@pytest.mark.parametrize("body, expect, code, name, hint, said", [
    (VERSIONS, "{matched: true, version: v3}", "E504", "v3", None, "its versions are v1, v2"),
    (VERSIONS, "{matched: true, version: V2}", "E504", "V2", "did you mean 'v2'?", "its versions are v1, v2"),
    (RULE, "{matched: true, version: v1}", "E504", "v1", None, "it has no versions"),
    (RULE, "{matched: true, action: aprove}", "E505", "aprove", "did you mean 'approve'?", "its actions are approve"),
    (RULE, "{matched: true, outputs: {fee: 1.00}}", "E506", "fee", None, "it has no outputs"),
], ids=["version", "version-case", "unversioned", "action", "output"])
def test_an_expectation_naming_nothing_of_its_rule_is_an_error_at_the_name(
        invoke: Any, tmp_path: Path, body: str, expect: str, code: str, name: str, hint: str | None, said: str) -> None:
    text = HEAD + body + f"""\
      - name: some case
        case: {{order: {{paid_amount: "50.00", paid_at: "2024-01-01T00:00:00+08:00"}}}}
        expect: {expect}
"""
    status, diags, _ = check_json(invoke, tmp_path, text)
    assert status == 1
    [d] = diags
    assert d["code"] == code and (d["line"], d["col"]) == line_col(text, name + ("}" if code != "E506" else ":"))
    assert said in d["message"] and d["hint"] == hint


def test_actions_of_alternatives_and_outputs_of_versions_are_known(invoke: Any, tmp_path: Path) -> None:
    body = VERSIONS.replace("    action: approve\n", "    action:\n      - {if: order.paid_amount > 10, then: review}\n"
                            "      - else: approve\n    outputs: {fee: order.paid_amount}\n")
    text = HEAD + body + """\
      - name: small
        case: {order: {paid_amount: "5.00", paid_at: "2024-01-01T00:00:00+08:00"}}
        expect: {matched: true, action: approve, version: v2, outputs: {fee: "5.00"}}
      - name: large
        case: {order: {paid_amount: "50.00", paid_at: "2024-01-01T00:00:00+08:00"}}
        expect: {matched: true, action: review}
"""
    status, diags, _ = check_json(invoke, tmp_path, text)
    assert (status, diags) == (0, [])


def test_a_rule_with_errors_of_its_own_gets_no_expectation_errors(invoke: Any, tmp_path: Path) -> None:
    """An alternative whose `if` does not compile is missing from the model: its action is no typo."""
    body = RULE.replace("    action: approve\n", "    action:\n      - {if: order.paid_amout > 10, then: review}\n"
                        "      - else: approve\n")
    text = HEAD + body + """\
      - name: large
        case: {order: {paid_amount: "50.00"}}
        expect: {matched: true, action: review}
"""
    status, diags, _ = check_json(invoke, tmp_path, text)
    assert status == 1 and [d["code"] for d in diags] == ["E201"]
