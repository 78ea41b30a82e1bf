"""`rulebook lsp` beyond diagnostics, over stdio: inlay hints (✓/✗/? of each condition against
the rule's first example, as `rulebook eval --explain` says it), go to definition and find
references (parameters, fields into the vocabulary, an example's expected version, action and
outputs), completion of the keys the schema allows, and a parameter's labels in hover."""
from __future__ import annotations

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402

from dsl.engine.python.loading import compile_text  # noqa: E402
from dsl.tools.examples import example_input  # noqa: E402
from lspclient import FIXTURE, ROOT, Session, utf16, session  # noqa: E402,F401,F811 - session: the fixture

KUAISHOU = (ROOT / "tests" / "fixtures" / "rulebooks" / "kuaishou.yaml").read_text(encoding="utf-8")
LINES = FIXTURE.split("\n")


def row_of(fragment: str, lines: list[str] = LINES, after: int = 0) -> int:
    return next(i for i, line in enumerate(lines) if fragment in line and i >= after)


def test_inlay_hints_mark_each_condition_against_the_first_example(session: Session) -> None:
    uri = "file:///inlay.yaml"
    session.open(uri, FIXTURE)
    first = row_of("- id: lightning_return")
    hints = {h.position.line: h for h in session.inlay_hints(uri, first, row_of("examples:", after=first))}
    when = row_of("when:", after=first)
    conditions = [r for r in range(when + 1, when + 11) if LINES[r].lstrip().startswith("- ")]
    assert sorted(hints) == conditions                                # one mark per condition
    assert {h.label for h in hints.values()} == {"✓"}                 # its first example matches
    amount = row_of("- order.paid_amount <= params.lightning_max_amount")
    assert hints[amount].position.character == utf16(LINES[amount])  # at the end of the condition
    assert "paid amount order.paid_amount = 129.90 ≤ 300.00" in hints[amount].tooltip.value
    assert hints[amount].tooltip.value.startswith("example '7天无理由")


def test_a_failing_condition_is_marked_where_the_first_example_fails(session: Session) -> None:
    uri = "file:///inlay-fail.yaml"
    text = FIXTURE.replace("lightning_max_amount:\n    value: 300.00", "lightning_max_amount:\n    value: 100.00", 1)
    assert text != FIXTURE
    session.open(uri, text)
    amount = row_of("- order.paid_amount <= params.lightning_max_amount")
    (hint,) = [h for h in session.inlay_hints(uri, amount, amount)]
    assert hint.label == "✗" and "129.90 ≤ 100.00" in hint.tooltip.value
    book = compile_text(text, "x")                                    # `rulebook test` says the same
    rule = book.rules[0]
    _, parsed, at = example_input(book, rule.rule.examples[0])
    outcome = book.evaluate_rule(rule, parsed.view, at, lang="en")
    assert rule.rule.id == "lightning_return" and not outcome.matched
    assert any("129.90 ≤ 100.00" in line and line.endswith("✗") for line in outcome.why)


def test_a_quoted_condition_is_marked_after_its_closing_quote(session: Session) -> None:
    uri = "file:///inlay-quoted.yaml"
    text = FIXTURE.replace("      - aftersale.type == 'return_refund'", "      - \"aftersale.type == 'return_refund'\"", 1)
    assert text != FIXTURE
    session.open(uri, text)
    lines = text.split("\n")
    row = row_of("- \"aftersale.type == 'return_refund'\"", lines)
    (hint,) = session.inlay_hints(uri, row, row)
    assert hint.label == "✓" and hint.position == lsp.Position(row, len(lines[row]))


def test_a_text_that_does_not_build_has_no_hints_and_no_failure(session: Session) -> None:
    uri = "file:///inlay-broken.yaml"
    session.open(uri, FIXTURE.replace("order.paid_amount <=", "order.paid_amout <=", 1))
    assert session.inlay_hints(uri) == []
    assert session.inlay_hints("file:///never-opened.yaml") == []


def test_a_parameter_goes_to_its_definition_and_finds_its_uses(session: Session) -> None:
    uri = "file:///nav.yaml"
    session.open(uri, FIXTURE)
    use = row_of("- order.paid_amount <= params.lightning_max_amount")
    col = LINES[use].index("params.lightning_max_amount") + 10
    (target,) = session.definition(uri, use, col)
    definition = row_of("  lightning_max_amount:")
    assert target.uri == uri and target.range == lsp.Range(lsp.Position(definition, 2),
                                                           lsp.Position(definition, 2 + len("lightning_max_amount")))
    uses = [r for r, line in enumerate(LINES) if "params.lightning_max_amount" in line and not line.lstrip().startswith("#")]
    found = session.references(uri, definition, 5, declaration=False)
    assert sorted(loc.range.start.line for loc in found) == uses
    assert len(session.references(uri, definition, 5, declaration=True)) == len(uses) + 1


def test_a_field_goes_to_the_vocabulary_and_after_chinese_text_counts_utf16(session: Session) -> None:
    uri = "file:///nav-field.yaml"
    use = row_of("- order.paid_amount <= params.lightning_max_amount")
    lines = list(LINES)
    lines[use] = lines[use].replace("- order.paid_amount", '- order.category != "鞋🥿" and order.paid_amount', 1)
    session.open(uri, "\n".join(lines))
    col = utf16(lines[use][:lines[use].index("order.paid_amount")]) + 3
    (target,) = session.definition(uri, use, col)
    vocabulary = ROOT / "dsl" / "lang" / "vocabulary.yaml"
    assert target.uri == vocabulary.resolve().as_uri()
    line = vocabulary.read_text(encoding="utf-8").split("\n")[target.range.start.line]
    assert line.lstrip().startswith("order.paid_amount:")
    refs = session.references(uri, use, col, declaration=False)
    assert any(loc.range.start == lsp.Position(use, col - 3) for loc in refs)


def test_an_expected_version_goes_to_the_version(session: Session) -> None:
    uri = "file:///versions.yaml"
    lines = KUAISHOU.split("\n")
    session.open(uri, KUAISHOU)
    expect = row_of("expect: {matched: true, action: auto_refund, version: v2", lines)
    (target,) = session.definition(uri, expect, lines[expect].index("v2") + 1)
    assert target.range.start.line == row_of("- version: v2", lines)
    action = session.definition(uri, expect, lines[expect].index("auto_refund") + 2)
    assert [loc.range.start.line for loc in action] == [row_of("action: auto_refund", lines)]
    refs = session.references(uri, target.range.start.line, target.range.start.character, declaration=False)
    assert len(refs) == sum("expect:" in line and "version: v2" in line for line in lines)


def test_nothing_to_navigate_is_an_empty_answer(session: Session) -> None:
    uri = "file:///nav-nothing.yaml"
    session.open(uri, FIXTURE)
    assert session.definition(uri, 0, 0) == [] and session.references(uri, 10**6, 10**6) == []


def test_keys_of_a_rule_and_of_an_example_with_what_they_expect(session: Session) -> None:
    uri = "file:///keys.yaml"
    rule = row_of("  - id: lightning_return")
    lines = LINES[:rule + 1] + ["    "] + LINES[rule + 1:]
    session.open(uri, "\n".join(lines))
    items = {i.label: i for i in session.completion(uri, rule + 1, 4)}
    assert {"deadline", "outputs", "versions", "versions_by"} <= set(items)
    assert "when" not in items and "id" not in items                     # written already
    assert items["versions_by"].insert_text == "versions_by: "
    assert "picks the version" in items["versions_by"].detail
    example = row_of("expect: {matched: true, action: auto_approve", lines)
    new_item = lines[:example + 1] + ["      - "] + lines[example + 1:]
    session.change(uri, "\n".join(new_item))
    labels = {i.label: i for i in session.completion(uri, example + 1, 8)}
    assert set(labels) == {"name", "case", "at", "expect"}
    assert "(required)" in labels["expect"].detail and "(required)" not in labels["at"].detail


def test_keys_at_the_top_and_in_a_source(session: Session) -> None:
    uri = "file:///keys-top.yaml"
    text = "rulebook: demo\n\nrules:\n  - id: r1\n    source:\n      \n"
    session.open(uri, text)
    top = {i.label for i in session.completion(uri, 1, 0)}
    assert top == {"name", "description", "parameters", "base_case", "notices", "extends"}   # no overlay-only key
    source = {i.label: i for i in session.completion(uri, 5, 6)}
    assert set(source) == {"seed", "ref", "url", "section", "note"}
    rule_source = session.completion(uri, 4, 4)                       # on `source` itself: the rule's keys
    assert "when" in {i.label for i in rule_source}


def test_a_condition_item_still_completes_functions(session: Session) -> None:
    uri = "file:///keys-when.yaml"
    when = row_of("when:")
    lines = LINES[:when + 1] + ["      - "] + LINES[when + 1:]
    session.open(uri, "\n".join(lines))
    assert "days_between" in {i.label for i in session.completion(uri, when + 1, 8)}


def test_hover_on_a_parameter_shows_its_labels_and_description(session: Session) -> None:
    uri = "file:///hover-param.yaml"
    text = FIXTURE.replace("    en: lightning return, highest paid amount (inclusive)\n",
                           "    en: lightning return, highest paid amount (inclusive)\n"
                           "    description: set by the platform notice of 2026-03-01\n", 1)
    assert text != FIXTURE
    session.open(uri, text)
    lines = text.split("\n")
    use = row_of("- order.paid_amount <= params.lightning_max_amount", lines)
    shown = session.hover(uri, use, lines[use].index("params.lightning_max_amount") + 9) or ""
    assert "300.00" in shown and "lightning return, highest paid amount (inclusive) / 闪电退货订单实付金额上限" in shown
    assert "set by the platform notice of 2026-03-01" in shown
