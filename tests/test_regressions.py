"""Regressions found in review: each test names the behaviour a user relies on."""
from __future__ import annotations

import json
from decimal import Decimal
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from dsl import load_rulebook
from dsl.engine.python.cache import key_for
from dsl.engine.python.codegen import compile_expr

from conftest import EXAMPLES, RULEBOOK_HEAD, RULEBOOKS, check_text, full_view, rule_yaml, run_interpreted

CASE = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))


def with_field(section: str, key: str, value: Any) -> dict[str, Any]:
    case = json.loads(json.dumps(CASE))
    case[section][key] = value
    return case


@pytest.mark.parametrize("text", [
    "aftersale.reason in ['not_received', null]",
    "aftersale.type in [aftersale.type, 'refund_only']",
], ids=["null-item", "field-item"])
def test_membership_with_a_missing_value_is_unknown_not_true(text: str) -> None:
    typed, diags = check_text(text)
    assert diags == []
    view = full_view({"aftersale.reason": None, "aftersale.type": None})
    assert run_interpreted(text, view) is None
    assert compile_expr(typed, kind="truth")(view, None) is False
    assert compile_expr(typed, kind="value")(view, None) is None


@pytest.mark.parametrize("value", ["2026-11-01T14:20:00+08", "2026-11-01T14:20:00+08:00:00",
                                   "2026-11-01T14:20:00,5+08:00", "2026-11-01T14:20:00+08:30:15.5"])
def test_odd_offsets_are_field_errors_on_every_path(value: str) -> None:
    book = load_rulebook("douyin")
    case = with_field("order", "signed_at", value)
    result = book.evaluate(case)
    assert any("order.signed_at" in e for e in result.errors)
    lightning = result.result("lightning_return")
    assert lightning.error and not lightning.matched
    fast = book.decide(case, result.at)[book.rule_ids.index("lightning_return")]
    assert fast[0] is None      # could not decide, the same as evaluate


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00Z", "0001-01-01T01:00:00+09:00"])
def test_times_beyond_the_calendar_are_field_errors(invoke: Any, tmp_path: Path, value: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(with_field("order", "signed_at", value)), encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    assert "E402" in result.stderr and "order.signed_at" in result.stderr


def test_at_beyond_the_calendar_is_a_usage_error(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", "--at", "9999-12-31T23:00:00Z", EXAMPLES / "douyin-lightning-return.json")
    assert result.exit_code == 2


def test_huge_within_is_a_usage_error(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", "--within", "9999999999d", EXAMPLES / "douyin-lightning-return.json")
    assert result.exit_code == 2


@pytest.mark.parametrize("cell", ["--5", "+-5", "5" * 5000])
def test_odd_count_cells_in_csv_are_field_errors(invoke: Any, tmp_path: Path, cell: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"id,order.status,order.aftersale_count\nX1,completed,{cell}\n", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    assert "order.aftersale_count" in result.stderr


def test_a_rule_whose_computation_leaves_the_calendar_makes_the_exit_code_1(invoke: Any, write_rulebook: Any, tmp_path: Path) -> None:
    book = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.signed_at + 48h > now"))
    case = tmp_path / "c.json"
    case.write_text(json.dumps(with_field("order", "signed_at", "9999-12-31T20:00:00+08:00")), encoding="utf-8")
    result = invoke("eval", "-r", book, "--format", "json", "--lang", "en", case)
    [obj] = [json.loads(line) for line in result.stdout.splitlines()]
    # a computation out of the calendar is undecided like a bad value (issue 14): said in the
    # user's language, naming the field, never Python's OverflowError
    assert "order.signed_at" in obj["results"][0]["error"] and "leaves the calendar" in obj["results"][0]["error"]
    assert result.exit_code == 1
    zh = invoke("eval", "-r", book, "--format", "json", "--lang", "zh", case)
    [obj] = [json.loads(line) for line in zh.stdout.splitlines()]
    assert "超出了日历范围" in obj["results"][0]["error"] and "Overflow" not in obj["results"][0]["error"]


def test_cache_entries_that_others_could_write_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "getuid"):
        pytest.skip("POSIX permissions")
    cache = tmp_path / "cache"
    monkeypatch.setenv("RULEBOOK_CACHE_DIR", str(cache))
    source = RULEBOOKS / "kuaishou.yaml"
    load_rulebook(source)                                   # fills the cache
    [entry] = list(cache.glob("kuaishou.*.pickle"))
    assert entry.name == f"kuaishou.{key_for(source.read_bytes())}.pickle"
    entry.write_bytes(pickle.dumps(("not", "a", "rulebook")))   # wrong shape: a miss, then rewritten
    assert load_rulebook(source).rule_ids == ["fast_refund", "custom_auto_refund"]
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)))
    entry.write_bytes(evil)
    os.chmod(entry, 0o666)                                  # writable by others: never unpickled
    load_rulebook(source)
    assert not marker.exists()


class _Evil:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self) -> Any:
        return (Path.touch, (Path(self.path),))


def test_diff_counts_a_new_rule_that_matches(invoke: Any, write_rulebook: Any, tmp_path: Path) -> None:
    a = write_rulebook(RULEBOOK_HEAD + rule_yaml("r1"), "a.yaml")
    b = write_rulebook(RULEBOOK_HEAD + rule_yaml("r1") + rule_yaml("r2", when="- order.paid_amount > 1"), "b.yaml")
    case = tmp_path / "c.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    result = invoke("diff", a, b, "--cases", case, "--format", "json")
    assert result.exit_code == 1
    decisions = json.loads(result.stdout)["decisions"]
    assert decisions["per_rule"] == {"r2": 1}


_ALPHABET = "0123456789-:T.Z+, 　０W_et\x00"   # NUL: CPython 3.11's fromisoformat stops at it


@pytest.mark.parametrize("kind, path, seed_value", [
    ("timestamp", "order.signed_at", "2026-11-01T14:20:00+08:00"),
    ("timestamp", "order.signed_at", "2026-11-01T14:20:00.5Z"),
    ("timestamp", "order.signed_at", "2026-11-01T14:20:00"),
    ("timestamp", "order.signed_at", "2026-W44-7T14:20:00+08:00"),   # ISO week date: fromisoformat takes it, we don't
    ("money", "order.paid_amount", "129.90"),
    ("money", "shop.metrics.quality_refund_rate", "1.2345"),
], ids=["ts-offset", "ts-z", "ts-naive", "ts-week", "money", "rate"])
def test_fast_converters_accept_exactly_what_the_exact_check_accepts(kind: str, path: str, seed_value: str) -> None:
    """Mutations of a good value: the generated fast path and cases.convert always agree."""
    import random

    from dsl.cases.kinds import FieldError, checked as _checked
    from dsl.cases.converters import converters_for
    from dsl.lang.vocabulary import default_vocabulary

    vocab = default_vocabulary()
    fld, convert = vocab.fields[path], converters_for(vocab)[path]
    parts = path.split(".")
    rng = random.Random(seed_value)
    for _ in range(3000):
        text = list(seed_value)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(text) + 1)
            op = rng.random()
            if op < 0.4 and text:
                text[min(pos, len(text) - 1)] = rng.choice(_ALPHABET)
            elif op < 0.7:
                text.insert(pos, rng.choice(_ALPHABET))
            elif text:
                del text[min(pos, len(text) - 1)]
        value = "".join(text)
        doc: dict[str, Any] = {}
        node = doc
        for name in parts[:-1]:
            node = node.setdefault(name, {})
        node[parts[-1]] = value
        try:
            exact: Any = _checked(fld, value)
        except FieldError:
            exact = FieldError
        try:
            fast: Any = convert(doc)
        except FieldError:
            fast = FieldError
        assert fast == exact and type(fast) is type(exact), (value, fast, exact)


@pytest.mark.parametrize("value", ["2026-11-05T20:00:Z\x00+08:00", "2026-11-05T20:00:00\x00+08:00",
                                   "2026-11-05T20:00:0Z\x00", "2026-11-05T20:00:00\x00"])
def test_a_nul_in_a_timestamp_is_a_field_error_on_every_path(write_rulebook: Any, value: str) -> None:
    """CPython 3.11's fromisoformat stops at a NUL: `…T20:00:Z\\0+08:00` read as 20:00 UTC.
    The fast paths (the view's converters, the decider's inline reads) leave it to the exact
    check, which rejects it."""
    from dsl.cases.kinds import FieldError, checked as _checked
    from dsl.cases.converters import converters_for
    from dsl.lang.vocabulary import default_vocabulary

    vocab = default_vocabulary()
    with pytest.raises(FieldError):
        _checked(vocab.fields["order.signed_at"], value)
    with pytest.raises(FieldError):
        converters_for(vocab)["order.signed_at"]({"order": {"signed_at": value}})
    text = RULEBOOK_HEAD + rule_yaml("r0", when="- order.signed_at < now") \
        + rule_yaml("r1", when="- order.domestic\n- order.signed_at + 1d < now")
    book = load_rulebook(write_rulebook(text), use_cache=False)
    for order in ({"signed_at": value}, {"signed_at": value, "domestic": True}):
        fast, exact = _fast_and_exact(book, {"order": order})
        assert fast == exact and fast[0][0] is None, order


def test_half_a_surrogate_pair_in_a_case_is_rejected_not_a_crash(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    case = dict(CASE, id="S1")
    path.write_text(json.dumps(case).replace('"S1"', '"S1\\ud800"'), encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    assert "E401" in result.stderr and "surrogate" in result.stderr
    emoji = tmp_path / "ok.json"
    emoji.write_text(json.dumps(case).replace('"S1"', '"S1\\ud83d\\ude00"'), encoding="utf-8")
    assert invoke("eval", "-p", "douyin", "--format", "json", emoji).exit_code == 0


def test_a_bad_escape_in_yaml_is_located_where_it_stands(write_rulebook: Any) -> None:
    from dsl import check_rulebook

    text = RULEBOOK_HEAD.replace("name: {zh: 演示, en: Demo}", 'name: {zh: "演示\\ud800", en: Demo}') + rule_yaml()
    [diag] = check_rulebook(write_rulebook(text))
    assert diag.code == "E300" and diag.span is not None and diag.span.line == 2


def test_explaining_a_condition_that_cannot_be_computed_is_not_a_crash(invoke: Any, write_rulebook: Any,
                                                                       tmp_path: Path) -> None:
    """The decision short-circuits before `signed_at + 48h` overflows; the explanation must not raise."""
    book = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- aftersale.type == 'reship'\n- order.signed_at + 48h > now"))
    case = tmp_path / "c.json"
    case.write_text(json.dumps(with_field("order", "signed_at", "9999-12-31T20:00:00+08:00")), encoding="utf-8")
    result = invoke("eval", "-r", book, "--format", "json", "--explain", "--lang", "en", case)
    assert result.exit_code == 0
    [obj] = [json.loads(line) for line in result.stdout.splitlines()]
    why = obj["results"][0]["why"]
    assert obj["results"][0]["matched"] is False
    assert any(w.startswith("! order.signed_at + 48h > now") and "order.signed_at" in w for w in why), why


def test_decide_without_a_moment_when_no_rule_reads_one() -> None:
    """A rule without deadline or `now` decides the same whatever the moment; a bad case
    still raises, and a bad field still gives that rule no decision."""
    from datetime import datetime

    one = load_rulebook("douyin").only("lightning_return")
    at = datetime.fromisoformat("2026-11-10T12:00:00+08:00")
    assert one.decide(CASE) == one.decide(CASE, at) == ((True, "auto_approve", None, False, None, None),)
    with pytest.raises(ValueError):
        one.decide({"aftersale": CASE["aftersale"]})
    assert one.decide(with_field("aftersale", "applied_at", "2026-W45-4T09:00:00+08:00"))[0][0] is None


_SHAPES = RULEBOOK_HEAD + rule_yaml("first", when="""
    - aftersale.type == 'reship'
    - aftersale.reason not in ['dislike', 'spoiled']
    - buyer.credit_good == false
""") + rule_yaml("second", when="""
    - aftersale.type == 'reship'
    - not order.domestic
    - order.paid_amount <= params.max_amount
""", extra="""
deadline: aftersale.applied_at + params.window
""").replace("action: approve\n    deadline", "action:\n      - if: aftersale.reason == 'not_received'\n        then: refund\n      - else: escalate\n    deadline", 1) + rule_yaml("third", when="""
    - aftersale.type == 'reship'
    - days_between(order.signed_at, aftersale.applied_at) <= 7
""") + rule_yaml("other", when="""
    - aftersale.status in ['awaiting_merchant', null]
    - order.status != 'completed'
    - order.aftersale_count < 5
""") + rule_yaml("counted", when="""
    - shop.return_address_count == null
""")


@pytest.mark.parametrize("field, values", [
    (("aftersale", "type"), ["reship", "refund_only", None, "RESHIP", 3, ["reship"]]),
    (("aftersale", "reason"), ["not_received", "dislike", None, "nope", True]),
    (("buyer", "credit_good"), [False, True, None, 0, 1, "false"]),
    (("order", "domestic"), [False, True, None, 1.0, "no"]),
    (("order", "paid_amount"), ["129.90", "300.00", "300.01", "300", ".5", "1.500", "1e2", "", None, 129, "-1"]),
    (("order", "signed_at"), ["2026-11-01T09:00:00+08:00", "2026-11-01T01:00:00Z", "2026-11-01T09:00:00",
                              "2026-W44-7T09:00:00+08:00", "2026-11-01T25:00:00+08:00", None, 5]),
    (("aftersale", "status"), ["awaiting_merchant", None, "nope"]),
    (("order", "aftersale_count"), [0, 4, 5, None, -1, True, 1.0, "3", 10**30]),
    (("shop", "return_address_count"), [1, 0, None, -1, False, "1"]),
], ids=lambda v: ".".join(v) if isinstance(v, tuple) else None)
def test_the_generated_decider_agrees_with_the_exact_path(write_rulebook: Any, field: tuple[str, str],
                                                         values: list[Any]) -> None:
    """Table lookups, identity tests, in-place conversions, shared first conditions: on
    good, null and bad values, `decide` gives what the rule-by-rule exact path gives."""
    from datetime import datetime

    book = load_rulebook(write_rulebook(_SHAPES))
    assert "all begin with aftersale.type == 'reship'" in _decider_source(book)
    at = datetime.fromisoformat("2026-11-10T12:00:00+08:00")
    base = {"order": {"status": "shipped", "domestic": False, "paid_amount": "100.00",
                      "signed_at": "2026-11-01T09:00:00+08:00"},
            "aftersale": {"type": "reship", "reason": "not_received", "applied_at": "2026-11-05T09:00:00+08:00",
                          "status": "awaiting_merchant"},
            "buyer": {"credit_good": False}, "shop": {}}
    for value in values:
        case = json.loads(json.dumps(base))
        case[field[0]][field[1]] = value
        fast = book.decide(case, at)
        exact = [book.evaluate_rule(rule, book.parse(case).view, at) for rule in book.rules]
        assert [(d[0], d[1], d[2], d[3]) for d in fast] == \
            [(None if r.error else r.matched, r.action, r.deadline, r.due) for r in exact], value


def _decider_source(book: Any) -> str:
    from dsl.engine.python.codegen import ModuleBuilder
    from dsl.engine.python.decider import add_decider

    module = ModuleBuilder(book.params)
    add_decider(module, book.model.rules, book.vocabulary)
    return module.source


def _fast_and_exact(book: Any, case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    from datetime import datetime

    at = datetime.fromisoformat("2026-11-10T12:00:00+08:00")
    fast = [(d[0], d[1], d[2], d[3], d[5] or None) for d in book.decide(case, at)]
    exact = [book.evaluate_rule(rule, book.parse(case).view, at) for rule in book.rules]
    return fast, [(None if r.error else r.matched, r.action, r.deadline, r.due,
                   tuple((r.outputs or {}).values()) or None) for r in exact]


def test_rules_sharing_a_first_condition_act_right_when_it_fails(write_rulebook: Any) -> None:
    """When the shared first condition fails, each member's action alternatives read the
    fields themselves: none was read by a member's block, which did not run."""
    text = RULEBOOK_HEAD + rule_yaml("pre", when="""
        - order.status == 'shipped'
        - aftersale.reship_shipped_at == null
    """) + rule_yaml("a", when="""
        - aftersale.type == 'reship'
        - aftersale.reship_shipped_at == null
    """) + rule_yaml("b", when="""
        - aftersale.type == 'reship'
        - order.domestic
    """).replace("action: approve", "action:\n      - if: aftersale.reship_shipped_at == null\n"
                                    "        then: refund\n      - else: escalate")
    book = load_rulebook(write_rulebook(text))
    case = {"order": {"status": "completed", "domestic": True},
            "aftersale": {"type": "refund_only", "reship_shipped_at": None}}
    fast, exact = _fast_and_exact(book, case)
    assert fast == exact
    assert fast[2][:2] == (False, "refund")


@pytest.mark.parametrize("text", ['{"order": {"aftersale_count": 7.0}}', '{"order": {"aftersale_count": 0.0}}',
                                  '{"order": {"aftersale_count": 4.00}}', '{"shop": {"return_address_count": 2.0}}',
                                  '{"shop": {"return_address_count": 1.0}}', '{"order": {"aftersale_count": 4.5}}'])
def test_whole_numbers_written_with_a_point_count_as_numbers(write_rulebook: Any, text: str) -> None:
    """`7.0` in a JSON case is the count 7 on every path: a test of it gives 7's answer."""
    from dsl.cases.inputs import loads

    book = load_rulebook(write_rulebook(_SHAPES))
    case = {"order": {"status": "shipped"}, "aftersale": {"type": "refund_only", "status": "awaiting_merchant"}}
    for section, fields in loads(text).items():
        case.setdefault(section, {}).update(fields)
    fast, exact = _fast_and_exact(book, case)
    assert fast == exact
    count = case["order"].get("aftersale_count")
    if count is not None:   # `other` holds when the count is below 5
        assert fast[3][0] is (None if count % 1 else count < 5)


def test_counts_read_up_front_are_whole_numbers_in_outputs(write_rulebook: Any) -> None:
    """A count checked up front (several rules read it) is an int wherever it is used,
    not the Decimal('2.0') the JSON had."""
    from dsl.cases.inputs import loads

    text = RULEBOOK_HEAD + rule_yaml("one", when="- order.aftersale_count < 5", extra="""
        outputs:
          count: order.aftersale_count
    """) + rule_yaml("two", when="- order.aftersale_count > 1")
    book = load_rulebook(write_rulebook(text))
    case = loads('{"order": {"aftersale_count": 2.0}}')
    fast, exact = _fast_and_exact(book, case)
    assert fast == exact
    assert type(fast[0][4][0]) is int


@pytest.mark.parametrize("amount", ["", ".", "..", "0.", ".0", "00"])
def test_amounts_of_no_digits_are_field_errors(write_rulebook: Any, amount: str) -> None:
    """'' and '.' are not amounts on any path, whatever Decimal's context says."""
    book = load_rulebook(write_rulebook(_SHAPES))
    case = {"order": {"status": "shipped", "domestic": False, "paid_amount": amount},
            "aftersale": {"type": "reship"}}
    fast, exact = _fast_and_exact(book, case)
    assert fast == exact


@pytest.mark.parametrize("platform", ["douyin", "kuaishou", "pinduoduo"])
def test_well_formed_cases_never_leave_the_fast_path(platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every example case whose fields are all good is decided by the generated code itself:
    a generated decider that raised on good input (a local read before it is set, say)
    would still give right answers through the exact path, only slowly, and no other test
    would notice."""
    from dsl.engine.python.runtime import CompiledRulebook
    from dsl.tools.examples import _jsonish, merge
    from dsl.lang.values import parse_timestamp

    left: list[str] = []
    slow = CompiledRulebook._decide_rule_by_rule
    monkeypatch.setattr(CompiledRulebook, "_decide_rule_by_rule",
                        lambda self, case, at=None: (left.append(repr(case)[:300]), slow(self, case, at))[1])
    book = load_rulebook(platform)
    books = [book.only(*book.rule_ids)] + [book.only(rule_id) for rule_id in book.rule_ids]
    checked = 0
    for rule in book.model.rules:
        for example in rule.examples:
            case = _jsonish(merge(book.model.base_case, example.case))
            parsed = book.parse(case)
            parsed.validate()
            at = parse_timestamp(example.at) if example.at else parsed.now
            if parsed.fatal or parsed.problems or at is None:
                continue
            for one in books:
                one.decide(case, at)
            checked += 1
    assert checked > 20
    assert not left, left[:3]


def test_a_folded_null_on_the_left_reads_nothing_on_the_right(write_rulebook: Any) -> None:
    """`(if params.flag then null else 5.00) < order.paid_amount` stops at the null without
    reading the amount: a later rule must read it itself, not take it as read."""
    text = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  flag: true\n") + rule_yaml("r0", when="""
        - order.domestic
        - order.paid_amount > 1.00
    """) + rule_yaml("r1", when="- (if params.flag then null else 5.00) < order.paid_amount") \
        + rule_yaml("r2", when="- order.paid_amount == null")
    book = load_rulebook(write_rulebook(text))
    for order in ({"domestic": False}, {"domestic": True, "paid_amount": "9.00"}, {"domestic": False, "paid_amount": "9.00"}):
        fast, exact = _fast_and_exact(book, {"order": order})
        assert fast == exact, order
    assert _fast_and_exact(book, {"order": {"domestic": False}})[0][2][0] is True


@pytest.mark.parametrize("constant", ["(if params.flag then true else order.status == 'x')",
                                      "(if params.flag then null else 'shipped') == order.status"],
                         ids=["folded-condition", "folded-null-left"])
def test_an_enum_read_only_by_folded_tables_and_plain_code_loads(write_rulebook: Any, constant: str) -> None:
    """Conditions on one enum that fold (or stop at a folded null) read nothing; counted as
    table reads they made the decider take `order.status` as checked by tables only, and
    loading a clean rulebook failed with an internal assertion."""
    text = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  flag: true\n") \
        + rule_yaml("a", when=f"- {constant.replace('x', 'shipped')}") \
        + rule_yaml("b", when=f"- {constant.replace('x', 'closed')}") \
        + rule_yaml("c", when="- order.status == 'shipped' or order.domestic") \
        + rule_yaml("d", when="- order.status == 'closed' or order.domestic")
    book = load_rulebook(write_rulebook(text), use_cache=False)
    for order in ({"status": "closed"}, {"status": "shipped", "domestic": False}, {"status": "nonsense"}, {}):
        fast, exact = _fast_and_exact(book, {"order": order})
        assert fast == exact, order


# What repeat_aftersale reads besides the count, so that its outcome hangs on the count: with
# a missing amount it would not match whatever the count holds (matched: false, no error).
_OTHERS_HOLD = '"paid_amount": "10.00", "refunded_amount": "0.00", "goods_kind": "physical", "domestic": true'


@pytest.mark.parametrize("value", ["1e100000", "1E+31", "-1e40", "1000000000000000000000000000000.0"])
def test_counts_of_more_than_30_digits_are_field_errors(value: str) -> None:
    """A short JSON number can stand for a huge count (`1e100000`): rejected as such, on
    every path, without building its digits."""
    from dsl.cases.inputs import loads

    book = load_rulebook("douyin")
    # The rule's other conditions hold, so its outcome hangs on the count (issue 14 §1).
    case = loads('{"now": "2026-11-10T12:00:00+08:00", "order": {"status": "shipped", "aftersale_count": %s,'
                 ' %s}, "aftersale": {"type": "reship"}}' % (value, _OTHERS_HOLD))
    result = book.evaluate(case, lang="en")
    assert result.errors == ["field order.aftersale_count: a whole number of more than 30 digits is not a value a case can hold"]
    assert result.result("repeat_aftersale").error
    fast, exact = _fast_and_exact(book, case)
    assert fast == exact and fast[1][0] is None


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN"), Decimal("sNaN"),
                                   -10 ** 5000, Decimal("2.5")], ids=["inf", "-inf", "nan", "snan", "huge", "2.5"])
def test_odd_numbers_from_python_callers_are_field_errors(value: Any) -> None:
    """Callers of the Python API can pass what JSON cannot: still a field error, never an
    exception out of `evaluate`."""
    book = load_rulebook("douyin")
    case = {"now": "2026-11-10T12:00:00+08:00",
            "order": {"status": "shipped", "aftersale_count": value, **json.loads("{%s}" % _OTHERS_HOLD)},
            "aftersale": {"type": "reship"}}
    result = book.evaluate(case, lang="en")
    assert len(result.errors) == 1 and result.errors[0].startswith("field order.aftersale_count: ")
    assert book.decide(case, result.at)[1][0] is None


def test_equal_constants_keep_their_own_digits_and_offsets(write_rulebook: Any) -> None:
    """3.00 == 3.0 and one instant at two offsets are equal: each constant still shows as
    written (the generated code shared the first one's, so 3.00 came out as 3.0)."""
    text = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  limit: 3.0\n") + rule_yaml(
        when="- order.paid_amount > params.limit",
        extra="outputs:\n  compensation: '3.00'\n  a: '2026-01-01T00:00:00+08:00'\n  b: '2025-12-31T16:00:00Z'")
    book = load_rulebook(write_rulebook(text), use_cache=False)
    fast, exact = _fast_and_exact(book, {"order": {"paid_amount": "10.00"}})
    assert fast == exact
    compensation, a, b = fast[0][4]
    assert str(compensation) == "3.00"
    assert a.isoformat() == "2026-01-01T00:00:00+08:00" and b.utcoffset() == a.utcoffset()   # Beijing time, as cases
    assert a == b


def test_an_object_output_is_written_as_json(invoke: Any, write_rulebook: Any, tmp_path: Path) -> None:
    """An object field as an output holds the case's numbers as Decimals: written as text,
    like every amount, not a crash in json.dumps."""
    book = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- shop.auto_refund_policy != null",
                                                    extra="outputs:\n  policy: shop.auto_refund_policy"))
    case = tmp_path / "c.json"
    case.write_text('{"order": {}, "shop": {"auto_refund_policy": {"max_amount": 500.00, "daily_cap": 20}}}',
                    encoding="utf-8")
    result = invoke("eval", "-r", book, "--format", "json", "--lang", "en", case)
    [obj] = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["results"][0]["outputs"]["policy"] == {"max_amount": "500.00", "daily_cap": 20}
    assert result.exit_code == 0


def test_a_list_parameter_as_output_is_in_a_stable_order() -> None:
    from dsl.lang.values import to_json

    assert to_json(frozenset({"wrong_order", "dislike", "seven_day_no_reason"})) == \
        ["dislike", "seven_day_no_reason", "wrong_order"]
    assert to_json(frozenset({Decimal("10"), Decimal("9.5")})) == ["9.5", "10"]


def test_calendar_days_in_the_first_hours_of_year_1_are_explained() -> None:
    """Beijing time read by the fast converters has its own +08:00 zone object; taking its
    calendar day through UTC (year 0) failed in the interpreter behind explanations, so `why`
    showed '!' for a condition the decision said holds."""
    from datetime import datetime

    from dsl.lang.implementations import IMPLEMENTATIONS

    early = datetime.fromisoformat("0001-01-01T00:00:00+08:00")
    later = datetime.fromisoformat("0001-01-03T07:00:00+08:00")
    assert IMPLEMENTATIONS["days_between"](early, later) == 2
    assert str(IMPLEMENTATIONS["date"](early)) == "0001-01-01"
