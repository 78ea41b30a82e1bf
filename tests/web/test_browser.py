"""The workbench in a real browser (issue 16): headless Debian Chromium driven by Playwright,
against `rulebook serve` over copies of the fixture rulebooks (tests/web/browser.py).

What an ops user does on the page: mistype a field and see the marker with the suggestion,
fix it in one click, start from an example and read the decision, its explanation and the
✓/✗/? per condition, edit the case in the form, change a parameter and see which cases
change, run the examples, save with the diff shown first, switch the language; and a
rulebook or case holding HTML is shown as text, never run. A screenshot of each state goes
to tests/artifacts/ (git-ignored).
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from browser import XSS, Page, browser, needs_browser, open_page, server, serving  # noqa: F401,F811 - fixtures
from conftest import RULEBOOKS

pytestmark = pytest.mark.usefixtures("server")

LIMIT = "value: 300.00"   # douyin's lightning_max_amount, the first "value: 300.00" of the file


def due(example: dict[str, Any]) -> bool:
    """An example whose rule has a deadline that is due at the example's moment."""
    return bool(example["expect"].get("deadline") and example["expect"].get("due"))


@pytest.fixture(autouse=True, scope="module")
def _browser_available() -> None:
    needs_browser()


def test_a_field_typo_is_marked_on_its_line_with_the_suggestion_and_one_click_fixes_it(open_page: Any) -> None:
    page = open_page()
    line, col = page.where("- aftersale.type == 'return_refund'")
    page.go_to(line, col + len("- aftersale.type"))
    page.page.keyboard.type("x")
    problem = page.page.locator("#problems li.error").first
    problem.wait_for()
    assert problem.get_attribute("data-line") == str(line)
    assert "aftersale.typex" in problem.inner_text() and "did you mean 'aftersale.type'" in problem.inner_text()
    assert page.page.locator(".cm-lintRange-error").count() >= 1
    marker_lines = page.page.evaluate("""[...document.querySelector('#editor').shadowRoot
        .querySelectorAll('.cm-lint-marker-error')].length""")
    assert marker_lines >= 1
    assert page.page.locator("#status.error").inner_text() == "1 error(s)"
    # no stale decision: the text with an error decides nothing, and says so
    assert page.page.locator("#decision-error").inner_text() == "The rulebook text has errors: no decision"
    assert page.page.locator("#decision article").count() == 0
    assert page.page.evaluate("document.querySelector('#editor').shadowRoot.querySelectorAll('.rb-cond').length") == 0
    page.page.locator(".cm-lintRange-error").first.hover()
    action = page.page.locator(".cm-tooltip-lint .cm-diagnosticAction").first
    action.wait_for()
    assert "aftersale.type" in action.inner_text()
    page.shot("1-typo-marked")
    action.click()
    page.wait_clean()
    assert "aftersale.typex" not in page.text()
    assert page.page.locator("#problems li").count() == 0
    page.page.wait_for_selector("#decision article.rule")     # decided again
    assert page.page.locator("#decision-error").inner_text() == ""
    page.shot("2-typo-fixed")


def test_the_fix_button_of_the_problems_list_applies_the_edit(open_page: Any) -> None:
    page = open_page()
    page.replace("order.paid_amount <=", "order.paid_amont <=")
    button = page.page.locator("#problems li.error button.fix").first
    button.wait_for()
    button.click()
    page.wait_clean()
    assert "paid_amont" not in page.text()


def test_an_example_gives_the_decision_its_explanation_the_timeline_and_gutter_marks(open_page: Any) -> None:
    page = open_page()
    chosen, card = page.pick_example(due)
    assert "matched" in card.get_attribute("class").split()
    assert chosen["expect"]["action"] in card.inner_text()
    assert card.locator("ul.why li").count() >= 2          # the explanation, one line per condition
    assert "due" in card.locator("header").inner_text()
    assert page.page.locator("#timeline svg line.now").count() == 1
    assert chosen["rule"] in page.page.locator("#timeline svg").text_content()
    # the case is the example's: its case id in the form, the example's moment in "judge at"
    assert page.page.input_value("#case-form [name='id']") == chosen["case"]["id"]
    # the rule's name links to its line in the editor, where each condition has its ✓/✗/?:
    # all ✓ for the matched rule, a ✗ for a rule that did not match
    card.locator("a.rule-name").click()
    assert page.cursor_line() == page.where(f"- id: {chosen['rule']}")[0]
    marks = page.gutter_marks(chosen["rule"])
    assert marks and {state for state, _ in marks} == {"true"}
    page.page.locator("#timeline").scroll_into_view_if_needed()
    page.shot("3-example-decision")
    unmatched = page.page.locator("#decision article.unmatched").first
    rule = unmatched.get_attribute("data-rule")
    unmatched.locator("a.rule-name").click()
    assert "false" in {state for state, _ in page.gutter_marks(rule)}


def test_the_form_validates_and_keeps_the_json_in_sync_and_the_decision_follows(open_page: Any) -> None:
    page = open_page()
    lightning = page.page.locator("#decision article[data-rule='lightning_return']")
    assert "matched" in lightning.get_attribute("class").split()
    amount = page.page.locator("#case-form [name='order.paid_amount']")
    amount.fill("12.345")
    row = page.page.locator("#case-form label[data-path='order.paid_amount']")
    assert row.locator(".field-error").inner_text() == "at most 2 decimals"
    assert amount.get_attribute("aria-invalid") == "true"
    page.settle()
    assert page.page.locator("#decision article").count() == 0      # no decision of a case not given
    assert page.page.locator("#decision-error").inner_text() == "The case has errors (see above): no decision"
    amount.fill("abc")
    assert row.locator(".field-error").inner_text() == "an amount, e.g. 99.50"
    amount.fill("300.01")
    assert row.locator(".field-error").inner_text() == ""
    page.settle()
    assert "unmatched" in lightning.get_attribute("class").split()
    page.page.select_option("#case-form [name='aftersale.reason']", label="quality issue (quality_issue)")
    page.page.locator("button[data-view='json']").click()
    doc = json.loads(page.page.input_value("#case-json"))
    assert doc["order"]["paid_amount"] == "300.01" and doc["aftersale"]["reason"] == "quality_issue"
    # a JSON edit refills the form; a timestamp shows as Beijing wall time
    doc["order"]["signed_at"] = "2026-10-31T16:30:00Z"
    page.page.fill("#case-json", json.dumps(doc))
    page.page.locator("button[data-view='form']").click()
    assert re.fullmatch(r"2026-11-01T00:30(:00)?", page.page.input_value("#case-form [name='order.signed_at']"))
    page.page.locator("button[data-view='json']").click()
    page.page.fill("#case-json", "{not json")
    assert "Not valid JSON" in page.page.locator("#case-json-error").inner_text()
    page.settle()
    assert page.page.locator("#decision article").count() == 0
    page.shot("4-case-form")


def test_judge_at_moves_the_moment_a_deadline_is_due_against(open_page: Any) -> None:
    page = open_page()
    chosen, card = page.pick_example(due)
    assert card.locator(".badge.due").count() == 1
    # a day before the deadline (Beijing wall time): the same rule matches, not yet due
    deadline = datetime.fromisoformat(chosen["expect"]["deadline"])
    earlier = (deadline - timedelta(days=1)).astimezone(timezone(timedelta(hours=8)))
    page.page.fill("#at", earlier.strftime("%Y-%m-%dT%H:%M:%S"))
    page.page.locator("#at").dispatch_event("change")
    page.settle()
    assert "not due" in card.locator("header").inner_text()
    assert "matched" in card.get_attribute("class").split()
    now_label = page.page.locator("#timeline svg .now-label").text_content()
    assert now_label.endswith(earlier.strftime("%Y-%m-%d %H:%M"))
    # every card says what /api/eval says at that moment
    answer = page.page.evaluate("""(at) => fetch('/api/eval', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({text: workbench.editor.text(), case: workbench.state.form.doc, at, lang: 'en'})})
        .then((r) => r.json())""", earlier.isoformat())
    for result in answer["results"]:
        klass = page.page.locator(f"#decision article[data-rule='{result['rule']}']").get_attribute("class").split()
        assert ("matched" in klass) == result["matched"], result["rule"]
    card.locator("a.rule-name").click()   # the editor shows the rule, ✓/✗/? beside its conditions
    page.gutter_marks(chosen["rule"])
    page.page.locator("#decision-summary").scroll_into_view_if_needed()
    page.shot("workbench")   # docs/img/workbench.png is this state


def test_a_changed_parameter_shows_the_changed_cases_in_the_what_if_and_as_csv(open_page: Any) -> None:
    page = open_page()
    page.replace(LIMIT, "value: 100.00")
    page.wait_clean()
    page.page.locator("button[data-tab='whatif']").click()
    page.page.locator("#whatif-run").click()
    summary = page.page.locator("#whatif-summary")
    summary.wait_for()
    changed, total = map(int, re.match(r"(\d+) of (\d+) cases change", summary.inner_text()).groups())
    assert 0 < changed <= total
    rules = page.page.locator("table.transitions tbody td:first-child").all_inner_texts()
    assert "lightning_return" in rules
    cases = page.page.locator("table.changed tbody tr")
    assert cases.count() >= 1
    assert "matched" in cases.first.inner_text()
    page.shot("5-whatif")
    with page.page.expect_download() as download:
        page.page.locator("#whatif-download").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) >= 2 and any("lightning_return" in row for row in rows[1:])


def test_the_what_if_takes_an_uploaded_jsonl_batch(open_page: Any, tmp_path: Any) -> None:
    page = open_page()
    examples = page.page.evaluate("workbench.state.examples")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({**e["case"], "id": f"C{i}"}) + "\n" for i, e in enumerate(examples[:5])),
                     encoding="utf-8")
    page.replace(LIMIT, "value: 100.00")
    page.wait_clean()
    page.page.locator("button[data-tab='whatif']").click()
    page.page.set_input_files("#whatif-file", str(batch))
    assert page.page.is_checked("#whatif-source-file")
    page.page.locator("#whatif-run").click()
    page.page.locator("#whatif-summary").wait_for()
    assert re.match(r"\d+ of 5 cases change", page.page.locator("#whatif-summary").inner_text())


def test_the_what_if_takes_an_uploaded_csv_and_says_which_rows_it_could_not_read(open_page: Any, tmp_path: Any) -> None:
    page = open_page()
    batch = tmp_path / "cases.csv"
    batch.write_text("id,order.status,order.paid_amont\nC1,shipped,120.00\nC2,shipped\n", encoding="utf-8")
    page.replace(LIMIT, "value: 100.00")
    page.wait_clean()
    page.page.locator("button[data-tab='whatif']").click()
    page.page.set_input_files("#whatif-file", str(batch))
    page.page.locator("#whatif-run").click()
    page.page.locator("#whatif-summary").wait_for()
    assert re.match(r"\d+ of 2 cases change", page.page.locator("#whatif-summary").inner_text())
    problems = page.page.locator("#whatif-result ul.rejected li").all_inner_texts()
    assert any("order.paid_amont" in p and "did you mean 'order.paid_amount'" in p for p in problems)   # the column
    assert any(p.startswith("cases.csv:3") for p in problems)                                          # the short row


def test_the_examples_run_and_a_failure_links_to_its_line(open_page: Any) -> None:
    page = open_page()
    page.page.locator("button[data-tab='tests']").click()
    page.page.locator("#run-tests").click()
    page.page.locator("#tests-summary").wait_for()
    assert re.fullmatch(r"\d+ passed, 0 failed", page.page.locator("#tests-summary").inner_text())
    assert page.page.locator("#tests-result .coverage").inner_text() == "coverage 100.0%"
    page.replace(LIMIT, "value: 299.00")
    page.wait_clean()
    assert page.page.is_visible("#tests-stale")      # the run shown is of the text before the edit
    page.page.locator("#run-tests").click()
    page.page.wait_for_selector("#tests-result a.failure")
    failure = page.page.locator("#tests-result a.failure").first
    assert "paid 300.00 exactly is within the limit" in failure.inner_text()
    page.shot("6-tests-failure")
    failure.click()
    assert page.cursor_line() == page.where("- name: paid 300.00 exactly is within the limit")[0]


def test_html_in_a_rulebook_or_a_case_is_shown_as_text_and_never_runs(open_page: Any) -> None:
    page = open_page("probe")
    options = page.page.evaluate("[...document.querySelectorAll('#example option')].map((o) => o.textContent)")
    assert any(XSS in o for o in options)
    page.pick_example(lambda e: e["example"] == XSS)
    assert page.page.input_value("#case-form [name='order.id']") == XSS
    assert json.loads(page.page.input_value("#case-json"))["order"]["id"] == XSS
    # the what-if names an example's case by the example's name: a table cell, as text
    page.replace("value: 300.00", "value: 50.00")
    page.wait_clean()
    page.page.locator("button[data-tab='whatif']").click()
    page.page.locator("#whatif-run").click()
    page.page.locator("#whatif-summary").wait_for()
    assert XSS in page.page.locator("table.changed tbody").inner_text()
    # a rule id holding HTML: the problems list quotes it as text
    page.replace("- id: fast_refund", f"- id: {XSS}")
    page.settle()
    assert XSS in page.page.locator("#problems").inner_text()
    assert page.page.locator("img").count() == 0
    page.page.locator("button[data-tab='tests']").click()
    page.page.locator("#run-tests").click()
    page.page.wait_for_selector("#tests-result p.error")
    assert XSS in page.page.locator("#tests-result").inner_text()
    page.shot("7-xss-probe")
    page.page.wait_for_timeout(300)   # an onerror would have fired by now


def test_the_language_switch_changes_the_whole_page_and_the_servers_messages(open_page: Any) -> None:
    page = open_page()
    assert page.page.locator("button[data-tab='case']").inner_text() == "Case & decision"
    page.replace("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'")
    page.settle()
    assert "unknown field" in page.page.locator("#problems").inner_text()
    page.page.locator("#lang").click()
    assert page.page.evaluate("document.documentElement.lang") == "zh"
    assert page.page.locator("button[data-tab='case']").inner_text() == "案例与判定"
    assert page.page.locator("#lang").inner_text() == "EN"
    page.wait_until("/[\\u4e00-\\u9fff]/.test(document.querySelector('#problems .message').textContent)")
    assert page.page.locator("#status").inner_text() == "1 个错误"
    assert page.page.locator("#case-form label[data-path='order.paid_amount'] .name").inner_text() == "订单实付金额"
    assert "备货中 (preparing)" in page.page.locator("#case-form [name='order.status']").inner_text()
    page.shot("8-zh")
    # fixed in one click (the button in Chinese), the decision comes back in Chinese: the server's sentences too
    fix = page.page.locator("#problems button.fix").first
    assert fix.inner_text().startswith("修复")
    fix.click()
    page.wait_clean()
    lightning = page.page.locator("#decision article[data-rule='lightning_return']")
    assert lightning.locator(".badge").first.inner_text() == "命中"
    assert "售后类型" in lightning.locator("ul.why").inner_text()
    page.page.locator("#lang").click()
    assert page.page.locator("button[data-tab='case']").inner_text() == "Case & decision"


def test_save_shows_the_diff_first_and_refuses_errors_unless_confirmed(open_page: Any, server: Any) -> None:
    page = open_page("kuaishou")
    saved = server.folder / "kuaishou.yaml"
    before = saved.read_text(encoding="utf-8")
    page.replace("value: 300.00", "value: 250.00")
    page.wait_clean()
    assert page.page.is_visible("#edited")
    page.page.locator("#save").click()
    dialog = page.page.locator("#save-dialog")
    dialog.wait_for()
    diff = page.page.locator("#save-diff")
    assert diff.locator(".del").all_inner_texts() == ["-    value: 300.00\n"]
    assert diff.locator(".add").all_inner_texts() == ["+    value: 250.00\n"]
    assert saved.read_text(encoding="utf-8") == before     # nothing written before the confirmation
    page.shot("9-save-diff")
    page.page.locator("#save-confirm").click()
    page.wait_until("document.querySelector('#save-status').textContent.startsWith('Saved')")
    assert "value: 250.00" in saved.read_text(encoding="utf-8")
    assert (server.folder / "kuaishou.yaml.bak").read_text(encoding="utf-8") == before
    assert page.page.is_hidden("#edited")            # what is on screen is what is saved
    page.page.locator("#save-cancel").click()
    # a text with errors: the confirmation needs the "save anyway" box
    page.replace("- id: fast_refund", "- id: Fast Refund")
    page.page.wait_for_selector("#status.error")
    page.page.locator("#save").click()
    page.wait_until("document.querySelector('#save-errors').textContent !== ''")
    assert page.page.locator("#save-errors").inner_text().startswith("The text has")
    assert page.page.is_disabled("#save-confirm")
    page.page.check("#save-force")
    assert page.page.is_enabled("#save-confirm")
    page.page.locator("#save-cancel").click()
    assert "Fast Refund" not in saved.read_text(encoding="utf-8")


def test_edits_are_kept_across_a_switch_of_rulebook_and_marked_unsaved(open_page: Any) -> None:
    page = open_page()
    assert page.page.is_hidden("#edited")
    page.replace(LIMIT, "value: 250.00")
    assert page.page.is_visible("#edited")
    page.page.select_option("#rulebook", "kuaishou")
    page.settle()
    assert page.page.is_hidden("#edited") and "rulebook: kuaishou" in page.text()
    assert page.page.evaluate("document.querySelector('#rulebook option[value=douyin]').textContent").endswith(" •")
    page.page.select_option("#rulebook", "douyin")
    page.settle()
    assert "value: 250.00" in page.text() and page.page.is_visible("#edited")
    page.replace("value: 250.00", LIMIT)     # back to the saved text: nothing unsaved
    assert page.page.is_hidden("#edited")


def test_without_allow_write_the_page_offers_no_save(browser: Any, tmp_path: Any) -> None:
    (tmp_path / "douyin.yaml").write_bytes((RULEBOOKS / "douyin.yaml").read_bytes())
    with serving(tmp_path) as read_only:
        page = Page(browser, read_only)
        try:
            assert page.page.is_hidden("#save")
            page.replace(LIMIT, "value: 250.00")
            page.wait_clean()
            assert page.page.is_visible("#edited") and page.page.is_hidden("#save")
            page.assert_nothing_ran()
        finally:
            page.close()
