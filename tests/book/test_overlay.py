"""Shop overlays (issue 18, part 3): a rulebook that `extends:` another is merged with it into
one model; every change is checked, and every problem is said at file:line:col of the file
it is about (the overlay, or its base)."""
from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import FIXTURES, RULEBOOKS
from dsl import load_rulebook
from dsl.book.checking import check_model, check_text
from dsl.book.loader import load_model

SHOPS = FIXTURES / "shops"
DOUYIN = RULEBOOKS / "douyin.yaml"


def overlay(tmp_path: Path, body: str, name: str = "shop.yaml", extends: str | None = None) -> Path:
    """An overlay file in tmp_path extending the Douyin fixture (by absolute path, unless given)."""
    path = tmp_path / name
    head = f"rulebook: shop\nextends: {extends or DOUYIN}\n"
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return path


def errors(path: Path) -> list[tuple[str, str, int, int]]:
    """(code, file name, line, col) of every error `rulebook check` gives the file."""
    _, diags = check_model(path)
    return [(d.code, Path(d.file or "").name, d.span.line if d.span else 0, d.span.col if d.span else 0)
            for d in diags if d.severity == "error"]


def one_rule_base(tmp_path: Path, parameters: str, rule_id: str, when: str, action: str, more: str = "") -> Path:
    """base.yaml in tmp_path: parameters and one rule (line 4 is its id, 7 its `when`); `more`
    is the rest of the rule, indented as its keys."""
    path = tmp_path / "base.yaml"
    path.write_text(f"rulebook: base\nparameters: {parameters}\nrules:\n  - id: {rule_id}\n    name: {{zh: 一, en: one}}\n"
                    f"    source: {{ref: test}}\n    when: {when}\n    action: {action}\n{more}",
                    encoding="utf-8")
    return path


# -- the merged model ----------------------------------------------------------------------------

def test_an_overlay_is_one_ordinary_rulebook_of_its_base_platform() -> None:
    model, diags = load_model(SHOPS / "acme.yaml")
    assert [d for d in diags if d.severity == "error"] == []
    base, _ = load_model(DOUYIN)
    assert model.platform == "douyin" and model.label == "acme"
    assert model.params["lightning_max_amount"].value == Decimal("500.00")
    assert model.params["lightning_max_amount"].zh == base.params["lightning_max_amount"].zh   # labels kept
    assert model.params["review_min_amount"].value == Decimal("1000.00")
    ids = [r.id for r in model.rules]
    base_ids = [r.id for r in base.rules]
    assert ids == [i for i in base_ids if i != "repeat_refund_notice"] + ["big_refund_review"]   # order kept, added last
    rules = {r.id: r for r in model.rules}
    assert rules["reship_apply"].file is None                           # the overlay's own definition
    assert Path(rules["lightning_return"].file).resolve() == DOUYIN      # the base's, saying so
    assert len(rules["reship_apply"].versions[0].conditions) == 5


def test_the_overlay_record_says_what_changed_with_reasons() -> None:
    model, _ = load_model(SHOPS / "acme.yaml")
    o = model.overlay
    assert (o.id, o.extends, Path(o.base).resolve()) == ("acme", "douyin", DOUYIN)
    assert [(p.name, p.old, p.new) for p in o.params] == [("lightning_max_amount", "300.00", "500.00"),
                                                         ("review_min_amount", None, "1000.00")]
    kinds = {(c.rule, c.kind) for c in o.rules}
    assert kinds == {("repeat_refund_notice", "disabled"), ("big_refund_review", "added"), ("reship_apply", "overridden")}
    reasons = {c.rule: c.reason for c in o.rules}
    assert "ERP" in reasons["repeat_refund_notice"] and "missing goods" in reasons["reship_apply"]
    assert [(e.rule, e.kind) for e in o.examples] == [("lightning_return", "added")] * 2 + [("lightning_return", "expected")]


def test_an_overlay_of_an_overlay_builds_on_the_merged_base(tmp_path: Path) -> None:
    middle = overlay(tmp_path, "parameters:\n  lightning_max_amount: 400.00\n", "middle.yaml")
    top = overlay(tmp_path, "parameters:\n  max_applications: 3\n", "top.yaml", extends="middle.yaml")
    model, diags = load_model(top)
    assert [d for d in diags if d.severity == "error"] == []
    assert model.params["lightning_max_amount"].value == Decimal("400.00")   # from the middle
    assert model.params["max_applications"].value == 3
    assert [p.name for p in model.overlay.params] == ["max_applications"]   # its own changes only
    assert model.overlay.bases[0] == str(middle) and Path(model.overlay.bases[1]).resolve() == DOUYIN


# -- what an overlay may not do ------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("rules:\n  - id: lightning_return\n    name: {zh: 闪电, en: Lightning}\n    source: {ref: shop}\n"
     "    when: aftersale.type == 'return_refund'\n    action: auto_approve\n", [("E322", 4, 9)]),
    ("rules:\n  - id: lightning_returns\n    override: true\n    reason: shop\n    name: {zh: 闪电, en: Lightning}\n"
     "    source: {ref: shop}\n    when: aftersale.type == 'return_refund'\n    action: auto_approve\n", [("E323", 4, 9)]),
    ("rules:\n  - id: lightning_return\n    override: true\n    name: {zh: 闪电, en: Lightning}\n"
     "    source: {ref: shop}\n    when: aftersale.type == 'return_refund'\n    action: auto_approve\n", [("E302", 5, 5)]),
    ("parameters:\n  lightning_max_amout: 500.00\n", [("E324", 4, 3)]),
    ("parameters:\n  lightning_max_amount: 500\n", [("E325", 4, 25)]),
    ("parameters:\n  lightning_window_days: 7d\n", [("E325", 4, 26)]),
    ("new_parameters:\n  max_applications: 3\n", [("E326", 4, 3)]),
    ("disable:\n  - {rule: lightning_retrun, reason: shop}\n", [("E323", 4, 12)]),
    ("disable:\n  - {rule: lightning_return}\n", [("E302", 4, 5)]),
    ("disable:\n  - {rule: lightning_return, reason: a}\n  - {rule: lightning_return, reason: b}\n", [("E329", 5, 12)]),
    ("disable:\n  - {rule: lightning_return, reason: a}\nrules:\n  - id: lightning_return\n    override: true\n"
     "    reason: b\n    name: {zh: 闪电, en: Lightning}\n    source: {ref: shop}\n    when: aftersale.type == 'return_refund'\n"
     "    action: auto_approve\n", [("E329", 6, 9)]),
    ("disable:\n  - {rule: lightning_return, reason: a, why: b}\n", [("E306", 4, 41)]),
    ("examples:\n  - {rule: lightning_return, base: paid 300.01 is over the limt, expect: {matched: true}}\n", [("E329", 4, 36)]),
    ("examples:\n  - {rule: lightning_return, expect: {matched: true}}\n", [("E329", 4, 5)]),
    ("examples:\n  - {rule: lightning_return, base: paid 300.01 is over the limit, case: {}, expect: {matched: true}}\n",
     [("E329", 4, 5)]),
    ("examples:\n  - {rule: nope, name: x, case: {}, expect: {matched: true}}\n", [("E323", 4, 12)]),
    ("disable:\n  - {rule: lightning_return, reason: a}\nexamples:\n  - {rule: lightning_return, name: x, case: {}, "
     "expect: {matched: true}}\n", [("E329", 6, 12)]),
    ("examples:\n  - {rule: lightning_return, name: x, case: {order: {paid_amout: '1.00'}}, expect: {matched: true}}\n",
     [("E502", 4, 54)]),
    ("examples:\n  - {rule: lightning_return, name: x, case: {}, expect: {matched: true, action: auto_aprove}}\n",
     [("E505", 4, 81)]),
    ("rules:\n  - id: shop_rule\n    name: {zh: 店, en: Shop}\n    source: {ref: shop}\n"
     "    when: aftersale.type == 'return_refund'\n    action: auto_approve\n    examples:\n"
     "      - {name: x, case: {}, expect: {matched: true, version: v1}}\n", [("E504", 10, 62)]),
    ("parameters:\n  lightning_max_amount: {value: 500.00, zn: 上限}\n", [("E306", 4, 41)]),
    # a new example named as one of its rule (the base's, or the overlay's own): `base:` must find one
    ("examples:\n  - {rule: lightning_return, name: paid 300.01 is over the limit, case: {}, expect: {matched: true}}\n",
     [("E314", 4, 36)]),
    ("examples:\n  - {rule: lightning_return, name: x, case: {}, expect: {matched: true}}\n"
     "  - {rule: lightning_return, name: x, case: {}, expect: {matched: true}}\n", [("E314", 5, 36)]),
    ("new_parameters:\n  shop_floor:\n    value: 1.00\n    zn: 下限\n", [("E306", 6, 5)]),
])
def test_each_mistake_is_an_error_at_the_overlays_own_line(tmp_path: Path, body: str,
                                                          expected: list[tuple[str, int, int]]) -> None:
    path = overlay(tmp_path, body)
    assert errors(path) == [(code, "shop.yaml", line, col) for code, line, col in expected]


def test_two_examples_of_one_name_in_a_rule_are_e314_and_base_cannot_pick_one(tmp_path: Path) -> None:
    """Both were accepted, and an overlay's `base: same` silently took one of them."""
    base = one_rule_base(tmp_path, "{lim: 300.00}", "r1", "[order.paid_amount <= params.lim]", "auto_approve", """\
    examples:
      - {name: same, case: {order: {paid_amount: "100.00"}}, expect: {matched: true}}
      - {name: same, case: {order: {paid_amount: "600.00"}}, expect: {matched: false}}
""")
    assert errors(base) == [("E314", "base.yaml", 11, 16)]
    [diag] = [d for d in check_model(base)[1] if d.code == "E314"]
    assert diag.message("en") == "duplicate example name 'same' in rule 'r1' (first at line 10)"
    assert diag.message("zh") == "规则 'r1' 中重复的示例名 'same'（首次出现在第 10 行）"
    shop = overlay(tmp_path, "parameters: {lim: 500.00}\nexamples:\n  - {rule: r1, base: same, expect: {matched: false}}\n",
                   extends="base.yaml")
    assert ("E314", "base.yaml", 11, 16) in errors(shop) and ("E327", "shop.yaml", 2, 10) in errors(shop)


@pytest.mark.parametrize("body, at", [
    ("examples:\n  - {rule: repeat_refund_notice, name: x, case: {}, expect: {matched: false}}\n", (4, 12)),
    ("disable:\n  - {rule: repeat_refund_notice, reason: again}\n", (4, 12)),
    ("rules:\n  - id: repeat_refund_notice\n    override: true\n    reason: mine\n    name: {zh: 多, en: Repeat}\n"
     "    source: {ref: shop}\n    when: aftersale.type == 'return_refund'\n    action: flag\n", (4, 9)),
], ids=["example", "disable", "override"])
def test_a_rule_an_earlier_overlay_disabled_is_said_to_be_disabled_there(tmp_path: Path, body: str,
                                                                         at: tuple[int, int]) -> None:
    """It read `'base/group.yaml' has no rule 'repeat_refund_notice'`, as if it never existed."""
    (tmp_path / "base").mkdir()
    group = overlay(tmp_path / "base", "disable:\n  - {rule: repeat_refund_notice, reason: ERP}\n", "group.yaml")
    assert errors(group) == []
    shop = overlay(tmp_path, body, extends="base/group.yaml")
    [diag] = [d for d in check_model(shop)[1] if d.severity == "error"]
    assert (diag.code, diag.span.line, diag.span.col) == ("E329", *at)
    assert "rule 'repeat_refund_notice' is disabled by " in diag.message("en")
    assert diag.message("en").endswith("group.yaml:4 (reason: ERP)")
    assert "group.yaml:4 停用（原因：ERP）" in diag.message("zh")


def test_an_unmarked_redefinition_names_the_base_rule_and_the_fix(tmp_path: Path) -> None:
    path = overlay(tmp_path, "rules:\n  - id: lightning_return\n    name: {zh: 闪电, en: Lightning}\n    source: {ref: shop}\n"
                             "    when: aftersale.type == 'return_refund'\n    action: auto_approve\n")
    _, diags = check_model(path)
    (diag,) = diags
    assert diag.args["where"].endswith("douyin.yaml:163:5")
    assert "override: true" in diag.message("en") and "override: true" in diag.hint_text("zh")


def test_did_you_mean_for_an_unknown_parameter_and_the_way_to_add_one(tmp_path: Path) -> None:
    typo = check_model(overlay(tmp_path, "parameters:\n  lightning_max_amout: 500.00\n"))[1][0]
    assert typo.hint == ("did_you_mean", {"suggestion": "lightning_max_amount"})
    new = check_model(overlay(tmp_path, "parameters:\n  shop_review_floor: 500.00\n", "b.yaml"))[1][0]
    assert new.hint == ("overlay_new_param", {"name": "shop_review_floor"})


def test_overlay_keys_in_a_platform_rulebook_are_errors(tmp_path: Path) -> None:
    text = DOUYIN.read_text(encoding="utf-8").replace("rules:\n", "disable: []\nrules:\n", 1)
    text = text.replace("  - id: lightning_return\n", "  - id: lightning_return\n    override: true\n    reason: x\n", 1)
    path = tmp_path / "douyin.yaml"
    path.write_text(text, encoding="utf-8")
    assert sorted(c for c, *_ in errors(path)) == ["E328", "E328", "E328"]


# -- bases: missing, broken, circular --------------------------------------------------------------

def test_a_missing_base_file_is_e320_at_extends(tmp_path: Path) -> None:
    path = overlay(tmp_path, "", extends="nowhere.yaml")
    assert errors(path) == [("E320", "shop.yaml", 2, 10)]
    assert str(tmp_path / "nowhere.yaml") in check_model(path)[1][0].message("en")


def test_an_unknown_platform_name_suggests_the_near_one(tmp_path: Path) -> None:
    (diag,) = check_model(overlay(tmp_path, "", extends="douyinn"))[1]
    assert (diag.code, diag.hint) == ("E320", ("did_you_mean", {"suggestion": "douyin"}))


def test_a_platform_name_resolves_as_platform_does(tmp_path: Path) -> None:
    model, diags = load_model(overlay(tmp_path, "", extends="kuaishou"))
    assert diags == [] and model.platform == "kuaishou"
    assert Path(model.overlay.base).resolve() == RULEBOOKS / "kuaishou.yaml"


@pytest.mark.parametrize("files, checked, expected", [
    ({"a.yaml": "a.yaml"}, "a.yaml", [("E321", "a.yaml", 2, 10)]),
    ({"a.yaml": "b.yaml", "b.yaml": "./a.yaml"}, "a.yaml", [("E327", "a.yaml", 2, 10), ("E321", "b.yaml", 2, 10)]),
    ({"a.yaml": "b.yaml", "b.yaml": "c.yaml", "c.yaml": "b.yaml"}, "a.yaml",
     [("E327", "a.yaml", 2, 10), ("E321", "c.yaml", 2, 10)]),
], ids=["itself", "a-b-a", "a-b-c-b"])
def test_a_cycle_is_e321_where_it_closes(tmp_path: Path, files: dict[str, str], checked: str,
                                         expected: list[tuple[str, str, int, int]]) -> None:
    for name, extends in files.items():
        (tmp_path / name).write_text(f"rulebook: {name[0]}\nextends: {extends}\n", encoding="utf-8")
    assert errors(tmp_path / checked) == expected


def test_a_broken_base_is_shown_in_its_own_file_and_summed_up_at_extends(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(DOUYIN.read_text(encoding="utf-8").replace("      - buyer.credit_good\n", "      - buyer.credit_goood\n", 1),
                    encoding="utf-8")
    path = overlay(tmp_path, "", extends="base.yaml")
    found = errors(path)
    assert ("E327", "shop.yaml", 2, 10) in found and ("E201", "base.yaml", 180, 9) in found
    with pytest.raises(Exception) as exc:
        load_rulebook(path, use_cache=False)
    assert {d.code for d in exc.value.diagnostics} >= {"E201", "E327"}


def test_parameters_that_break_the_base_rules_are_shown_at_the_base_lines(tmp_path: Path) -> None:
    """The base's rules are checked again with the overlay's values: a window of 10**9 days
    cannot be computed (E212), said at the base's expression and summed up at `extends:`."""
    base = one_rule_base(tmp_path, "{grace: 7}", "late", "order.paid_at + days(params.grace) < now", "remind")
    assert errors(base) == []
    path = overlay(tmp_path, "parameters:\n  grace: 1000000000\n", extends="base.yaml")
    assert errors(path) == [("E212", "base.yaml", 7, 27), ("E327", "shop.yaml", 2, 10)]


def test_an_unreachable_base_rule_under_the_overlay_points_into_the_base(tmp_path: Path) -> None:
    path = overlay(tmp_path, "parameters:\n  lightning_reasons: []\n")
    _, diags = check_model(path)
    (diag,) = [d for d in diags if d.code == "E209"]
    assert Path(diag.file).resolve() == DOUYIN and diag.span.line == 183
    assert "params.lightning_reasons" in diag.source_line


# -- text without a file (the workbench, the language server) -----------------------------------

def test_check_text_reads_a_relative_base_from_the_files_path(tmp_path: Path) -> None:
    path = overlay(tmp_path, "parameters:\n  lightning_max_amount: 500.00\n", extends="../rulebooks/douyin.yaml")
    text = path.read_text(encoding="utf-8")
    assert check_text(text, "<editor>", SHOPS / "x.yaml") == []
    (diag,) = check_text(text, "<editor>")               # no path: a platform name only
    assert (diag.code, diag.hint) == ("E320", ("overlay_name_only", {}))
    assert check_text(text.replace("../rulebooks/douyin.yaml", "douyin"), "<editor>") == []


def test_check_text_keeps_only_the_texts_own_problems(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("rulebook: base\nrules: [{id: x}]\n", encoding="utf-8")
    text = "rulebook: shop\nextends: base.yaml\n"
    found = check_text(text, "shop.yaml", tmp_path / "shop.yaml")
    assert [(d.code, d.file, d.span.line) for d in found] == [("E327", "shop.yaml", 2)]


def test_a_dedented_examples_list_in_a_platform_rulebook_is_one_error_with_both_readings(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent("""\
        rulebook: x
        rules:
          - id: a
            name: {zh: a, en: a}
            source: {ref: x}
            when: order.paid_amount > 1.00
            action: approve
        examples:
          - {name: x, case: {}, expect: {matched: true}}
        """), encoding="utf-8")
    _, diags = check_model(path)
    assert [(d.code, d.span.line, d.hint[0]) for d in diags] == [("E328", 8, "overlay_or_indent")]
