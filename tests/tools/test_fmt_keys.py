"""`rulebook fmt`'s one order for the keys inside rules (issue 17): a rule's, a version's and an
example's keys in the schema's order, each key moving with its value, its comments and blank
lines; the same data, idempotent; flow mappings and key order outside rules kept."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import FIXTURES

from dsl.book.checking import check_text
from dsl.text.yamlload import load_yaml
from dsl.tools.fmt import format_text

SECOND_RULE = """\
  # between rules
  - id: r2
    name: {zh: 规则2, en: Rule 2}
    source: {seed: s.txt}
    when: order.paid_amount > 0
    action: approve
    examples:
      - {name: c, expect: {matched: true}, case: {order: {paid_amount: "1.00"}}}
      - name: d
        case: {order: {paid_amount: "0.00"}}
        expect: {matched: false}
name: {zh: 演示, en: Demo}
"""

UNORDERED = """\
rulebook: demo
rules:
  - name: {zh: 规则, en: Rule}   # the name
    # why this rule
    when:
      - order.paid_amount > 0

    # the id
    id: r1
    examples:
      - expect: {matched: true}
        name: a
        case: {order: {paid_amount: "1.00"}}
      - name: b
        expect: {matched: false}
        case: {order: {paid_amount: "0.00"}}
    action: approve
    source: {seed: s.txt}
""" + SECOND_RULE

ORDERED = """\
rulebook: demo
rules:
    # the id
  - id: r1

    name: {zh: 规则, en: Rule}   # the name
    source: {seed: s.txt}
    # why this rule
    when:
      - order.paid_amount > 0
    action: approve
    examples:
      - name: a
        case: {order: {paid_amount: "1.00"}}
        expect: {matched: true}
      - name: b
        case: {order: {paid_amount: "0.00"}}
        expect: {matched: false}
""" + SECOND_RULE

VERSIONS = """\
rulebook: demo
name: {zh: 演示, en: Demo}
rules:
  - id: r1
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    action: approve
    versions_by: order.paid_at
    versions:
      - when: order.paid_amount > 0
        until: 2023-09-13T00:00:00+08:00
        version: v1
      - version: v2
        from: 2023-09-13T00:00:00+08:00
        when: order.paid_amount > 1
    examples:
      - name: a
        case: {order: {paid_amount: "2.00", paid_at: "2024-01-01T00:00:00+08:00"}}
        expect: {matched: true, version: v2}
      - name: b
        case: {order: {paid_amount: "0.50", paid_at: "2023-01-01T00:00:00+08:00"}}
        expect: {matched: false, version: v1}
"""


def formatted(text: str) -> str:
    result = format_text(text, "t.yaml")
    assert result.after is not None, result.problems
    return result.after


def data(text: str) -> Any:
    return load_yaml(text, "t.yaml").data


def test_keys_inside_rules_take_the_schema_order_with_their_lines() -> None:
    assert check_text(UNORDERED) == []
    after = formatted(UNORDERED)
    assert after == ORDERED
    assert data(after) == data(UNORDERED) and check_text(after) == []
    assert list(data(after)) == ["rulebook", "rules", "name"]          # outside rules: the author's order
    assert formatted(after) == after


def test_a_version_moves_its_version_name_first() -> None:
    after = formatted(VERSIONS)
    assert "      - version: v1\n        until: 2023-09-13T00:00:00+08:00\n        when: order.paid_amount > 0\n" in after
    assert data(after) == data(VERSIONS) and formatted(after) == after


def test_a_flow_rule_is_left_as_written() -> None:
    flow = ("rulebook: demo\nname: {zh: 演示, en: Demo}\nrules:\n"
            "  - {name: {zh: 规则, en: Rule}, id: r1, source: {seed: s.txt}, when: order.paid_amount > 0, action: approve,\n"
            "     examples: [{name: a, case: {order: {paid_amount: '1.00'}}, expect: {matched: true}},\n"
            "                {name: b, case: {order: {paid_amount: '0.00'}}, expect: {matched: false}}]}\n")
    assert check_text(flow) == []
    assert formatted(flow) == flow


def test_the_fixture_rulebooks_are_in_the_order_already() -> None:
    for path in sorted((FIXTURES / "rulebooks").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert formatted(text) == text, path.name


def test_fmt_check_names_a_file_whose_rule_keys_are_out_of_order(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(UNORDERED, encoding="utf-8")
    checked = invoke("fmt", "--check", "--lang", "en", path)
    assert checked.exit_code == 1 and "book.yaml" in checked.stdout + checked.stderr
    assert invoke("fmt", "--lang", "en", path).exit_code == 0
    assert path.read_text(encoding="utf-8") == ORDERED
    assert invoke("fmt", "--check", "--lang", "en", path).exit_code == 0
