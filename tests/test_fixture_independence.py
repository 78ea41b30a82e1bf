"""The engine's tests do not depend on the shipped rulebooks' content (issue 13, section 2).

An ops person edits rulebooks/: adds a rule with examples, changes a parameter and the
examples it affects, relabels. Then `rulebook check` and `rulebook test` are the contract, and
`python -m pytest` must stay green. Three checks hold that in place cheaply:
- the guard of conftest really refuses a shipped rulebook to an engine test, and platform names
  resolve to tests/fixtures/rulebooks/;
- no engine test module names the shipped folder or runs the CLI from the repository root;
- the three kinds of edit (`edit_like_ops`), applied to copies of the rulebooks, are edits the
  contract accepts. The same function was used for the by-hand run of the whole suite on a
  mutated copy of the repository (see tests/fixtures/README.md).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import conftest
from conftest import FIXTURES, ROOT, RULEBOOKS, SHIPPED_READERS, SHIPPED_RULEBOOKS, ShippedRulebookRead
from dsl import find_rulebook, load_rulebook

TESTS = ROOT / "tests"

# -- the guard -----------------------------------------------------------------------------------

def test_platform_names_resolve_to_the_fixtures() -> None:
    assert Path.cwd() == FIXTURES
    for path in sorted(RULEBOOKS.glob("*.yaml")):
        assert find_rulebook(path.stem) == path
        assert Path(load_rulebook(path.stem).model.file).resolve() == path


def test_opening_a_shipped_rulebook_fails_an_engine_test(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = sorted(SHIPPED_RULEBOOKS.glob("*.yaml"))
    assert shipped
    monkeypatch.chdir(ROOT)                     # as a test that forgot the fixtures would run
    try:
        with pytest.raises(ShippedRulebookRead):
            shipped[0].read_text(encoding="utf-8")
        with pytest.raises(ShippedRulebookRead):
            load_rulebook(shipped[0].stem, use_cache=False)
        monkeypatch.chdir(SHIPPED_RULEBOOKS)
        with pytest.raises(ShippedRulebookRead):
            open(shipped[0].name, "rb").close()   # a relative name too
        assert [Path(p).name for p in conftest._opened_shipped] == [shipped[0].name] * 3
    finally:
        conftest._opened_shipped.clear()       # this test's reads were on purpose


# -- no engine test module names the shipped rulebooks -------------------------------------------

#: What an engine test module must not contain: the shipped folder, or the CLI run from the root.
FORBIDDEN = {
    "the shipped folder": re.compile(r"""ROOT\s*/\s*["']rulebooks|SHIPPED_RULEBOOKS|["']\.?/?rulebooks/"""),
    "a subprocess in the repository root": re.compile(r"cwd\s*=\s*ROOT\b"),
    "a chdir to the repository root": re.compile(r"chdir\(\s*ROOT\b|in_checkout"),
}


def engine_test_modules() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*.py"))
            if p.name not in SHIPPED_READERS | {"conftest.py", Path(__file__).name}]


@pytest.mark.parametrize("path", engine_test_modules(), ids=lambda p: p.name)
def test_engine_test_module_does_not_name_the_shipped_rulebooks(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [f"line {text[:m.start()].count(chr(10)) + 1}: {what}: {m.group(0)!r}"
             for what, rx in FORBIDDEN.items() for m in rx.finditer(text)]
    assert found == [], f"{path.name} reaches the shipped rulebooks; use conftest.RULEBOOKS / FIXTURES"


def test_the_scan_sees_what_it_forbids() -> None:
    bad = ['RULEBOOKS = ROOT / "rulebooks"', 'subprocess.run(args, cwd=ROOT)', 'invoke("check", "rulebooks/")',
           'pytestmark = pytest.mark.usefixtures("in_checkout")']
    assert all(any(rx.search(line) for rx in FORBIDDEN.values()) for line in bad)
    good = ['RULEBOOKS / "douyin.yaml"', 'HOSTILE / "rulebooks"', 'subprocess.run(args, cwd=FIXTURES)']
    assert not any(rx.search(line) for rx in FORBIDDEN.values() for line in good)


# -- the edits an ops person makes ---------------------------------------------------------------

NEW_PARAMETER = "  review_min_amount: 1000.00\n"
NEW_RULE = """\
  - id: big_refund_review
    name: {zh: 大额仅退款人工审核, en: Large refund-only goes to manual review}
    source: {ref: "抖店公告 2026-03-01", section: 第3条}
    when:
      - aftersale.type == 'refund_only'
      - order.paid_amount > params.review_min_amount
    action: manual_review
    examples:
      - name: refund-only of 1000.01 goes to review
        case: {aftersale: {type: refund_only}, order: {paid_amount: "1000.01"}}
        expect: {matched: true, action: manual_review}
      - name: refund-only of 1000.00 does not
        case: {aftersale: {type: refund_only}, order: {paid_amount: "1000.00"}}
        expect: {matched: false}
      - name: a return of 1000.01 does not
        case: {order: {paid_amount: "1000.01"}}
        expect: {matched: false}
"""


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def raise_lightning_limit(text: str) -> str:
    """(a) Douyin lightning_max_amount 300.00 -> 500.00, with the two examples that test the limit."""
    text = _replace_once(text, "  lightning_max_amount:\n    value: 300.00\n", "  lightning_max_amount:\n    value: 500.00\n")
    text = _replace_once(text, '- name: paid 300.00 exactly is within the limit\n        case: {order: {paid_amount: "300.00"}}',
                         '- name: paid 500.00 exactly is within the limit\n        case: {order: {paid_amount: "500.00"}}')
    return _replace_once(text, '- name: paid 300.01 is over the limit\n        case: {order: {paid_amount: "300.01"}}',
                         '- name: paid 500.01 is over the limit\n        case: {order: {paid_amount: "500.01"}}')


def add_rule(text: str) -> str:
    """(b) a new first rule, with a new parameter and passing examples."""
    text = _replace_once(text, "\nparameters:\n", "\nparameters:\n" + NEW_PARAMETER)
    return _replace_once(text, "\nrules:\n", "\nrules:\n" + NEW_RULE)


def relabel(text: str) -> str:
    """(c) the rulebook's, every rule's and every parameter's zh and en labels changed."""
    text, names = re.subn(r"(?m)^(name: |    name: )\{zh: (.+), en: (.+)\}$", r"\1{zh: \2（新）, en: \3 (new)}", text)
    text, labels = re.subn(r"(?m)^(    (?:zh|en): )(.+)$", r"\1\2 *", text)
    assert names > 1 and labels > 1
    return text


def edit_like_ops(folder: Path, edits: str = "abc") -> None:
    """Apply (a) and (b) to folder/douyin.yaml and (c) to every rulebook of folder/."""
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if path.name == "douyin.yaml":
            text = add_rule(text) if "b" in edits else text
            text = raise_lightning_limit(text) if "a" in edits else text
        text = relabel(text) if "c" in edits else text
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    folder = tmp_path / "rulebooks"
    shutil.copytree(RULEBOOKS, folder)        # today's shipped rulebooks, frozen
    edit_like_ops(folder)
    return folder


def test_ops_edits_pass_the_contract(invoke: Any, edited: Path) -> None:
    """check clean and every example passing at 100% coverage: nothing else is asked of an edit."""
    check = invoke("check", edited)
    assert check.exit_code == 0, check.stderr
    test = invoke("test", "--min-coverage", "100", edited)
    assert test.exit_code == 0, test.stdout[-3000:] + test.stderr[-3000:]


def test_ops_edits_change_what_the_engine_tests_would_have_pinned(edited: Path) -> None:
    """The edits are real: a decision, the rule order and every label differ from the fixtures."""
    before, after = load_rulebook(RULEBOOKS / "douyin.yaml"), load_rulebook(edited / "douyin.yaml")
    assert after.rule_ids == ["big_refund_review", *before.rule_ids]
    case = before.model.base_case | {"order": {**before.model.base_case["order"], "paid_amount": "400.00"}}
    lightning = before.rule_ids.index("lightning_return")
    assert before.decide(case, None)[lightning][0] is False
    assert after.decide(case, None)[lightning + 1][0] is True
    assert all(a.name != b.name for a, b in zip(before.model.rules, after.model.rules[1:]))
