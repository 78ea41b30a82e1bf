"""One meaning for a case value of each kind: kinds.py, and everything that takes a shortcut.

An amount is written as JSON writes numbers (docs/case-files.md): "5." and ".5" are not
amounts, in a rulebook's parameter or literal (values.parse_money) and in a case alike, on
every path that reads one (the exact check, the generated converters and decider, the
validator of whole cases, CSV cells). The generated validator says "clean" exactly when
checking field by field finds no problem and no unknown key; caseio.loads gives what the
exact JSON parser gives.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import dsl.cases.document
from dsl import load_rulebook
from dsl.cases import readers as caseio
from dsl.cases import inputs as casejson
from dsl.cases.document import open_case
from dsl.cases.converters import converters_for
from dsl.cases.kinds import FieldError, checked, convert
from dsl.cases.validator import validator_for
from dsl.lang.values import BadValueError, parse_money, parse_timestamp
from dsl.limits import MAX_NUMBER_DIGITS
from dsl.lang.vocabulary import default_vocabulary
from conftest import EXAMPLES

NOT_AMOUNTS = ["5.", ".5", "-.5", "+5.", "5.e1", "1e2", "", ".", " ", "5 .0", "５.00"]
AMOUNTS = ["5", "5.0", "5.00", "0", "+5", "0129.90", " 12.50 "]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_text_that_is_not_an_amount_is_rejected_in_rulebooks_and_cases(text: str) -> None:
    vocabulary = default_vocabulary()
    with pytest.raises(BadValueError):
        parse_money(text)
    for path in ("order.paid_amount", "shop.metrics.dispute_refund_rate"):   # 2 and 4 decimals
        fld = vocabulary.fields[path]
        with pytest.raises(BadValueError):
            convert(fld, text)
        *parents, key = path.split(".")
        doc: dict[str, Any] = {"order": {}}
        target = doc
        for name in parents:
            target = target.setdefault(name, {})
        target[key] = text
        with pytest.raises(FieldError):
            converters_for(vocabulary)[path](doc)   # the generated fast path leaves it to the exact check
        assert not validator_for(vocabulary)(doc)


@pytest.mark.parametrize("text", AMOUNTS)
def test_an_amount_reads_the_same_everywhere(text: str) -> None:
    fld = default_vocabulary().fields["order.paid_amount"]
    value = convert(fld, text)
    assert value == Decimal(text.strip())
    assert converters_for(default_vocabulary())["order.paid_amount"]({"order": {"paid_amount": text}}) == value
    if text == text.strip():
        assert parse_money(text) == value


@pytest.mark.parametrize("text", ["5.", ".5"])
def test_the_decider_and_the_exact_path_both_give_an_error_for_a_trailing_or_leading_dot(text: str) -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    book = load_rulebook("douyin")
    at = parse_timestamp("2026-11-05T09:00:00+08:00")
    assert book.decide(case, at)[book.rule_ids.index("lightning_return")][0] is True   # as given, it matches
    case["order"]["paid_amount"] = text
    decided = book.decide(case, at)
    result = book.evaluate(case, at, lang="en")
    lightning = result.result("lightning_return")
    assert lightning.error and "order.paid_amount" in lightning.error
    assert decided[book.rule_ids.index("lightning_return")][0] is None
    assert any("order.paid_amount" in e for e in result.errors)


def test_a_csv_amount_with_a_final_dot_is_a_field_error(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("id,order.paid_amount,order.status\nC1,5.,shipped\nC2,5.00,shipped\n", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--lang", "en")
    assert result.exit_code == 1
    assert "C1" in result.stderr and "order.paid_amount" in result.stderr and "C2" not in result.stderr


def test_the_digit_limit_is_one_number_for_json_csv_and_counts() -> None:
    fld = default_vocabulary().fields["order.aftersale_count"]
    longest = "9" * MAX_NUMBER_DIGITS
    assert caseio.loads(f'{{"n": {longest}}}') == {"n": int(longest)}
    with pytest.raises(caseio.InputError, match=f"{MAX_NUMBER_DIGITS + 1} digits"):
        caseio.loads(f'{{"n": {longest}9}}')
    with pytest.raises(BadValueError) as exc:
        convert(fld, Decimal(f"{longest}9"))
    assert str(MAX_NUMBER_DIGITS) in exc.value.problem.label("en")
    from dsl.cases.csvfile import cell_value

    assert cell_value(longest, default_vocabulary(), fld.path) == int(longest)
    assert cell_value(longest + "9", default_vocabulary(), fld.path) == longest + "9"   # text: not a count


# -- the validator of whole cases agrees with checking field by field --------------------------

_ODD: list[Any] = [
    None, True, False, 0, -1, 3, 10**40, Decimal("3.0"), Decimal("1.5"), Decimal("NaN"), "", "x", "129.90", "5.",
    ".5", "12.345", "1.5000", "99999.00", "100000", "-5", "2026-11-05T09:00:00+08:00", "2026-11-05T01:00:00Z",
    "2026-11-05T09:00:00", "2026-11-05T09:00:00-05:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+08:00",
    "2026-02-30T00:00:00+08:00", "2026-11-05T20:00:00\x00+08:00", "2026-W45-4T09:00:00+08:00", "2026-11-05",
    [], ["fast_refund"], [1], {}, {"a": 1}, {"max_amount": "5.00"}, "shipped", "reship", "dislike", "RESHIP", "是",
]


def _slow_clean(doc: Any, monkeypatch: pytest.MonkeyPatch) -> bool | None:
    """Field by field: no problem and no unknown key; None for a case rejected as a whole."""
    with monkeypatch.context() as patch:
        patch.setattr(dsl.cases.document, "validator_once_worth_it", lambda vocabulary: None)
        parsed = open_case(doc, default_vocabulary()).validate()
    return None if parsed.fatal else not parsed.problems and not parsed.unknown


def test_the_generated_validator_says_clean_exactly_when_no_field_has_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    vocabulary = default_vocabulary()
    clean = validator_for(vocabulary)
    base = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert clean(base) and _slow_clean(base, monkeypatch)
    seen = {True: 0, False: 0}
    for path in list(vocabulary.fields) + ["order.unknown", "unknown", "shop.metrics.unknown"]:
        for value in _ODD:
            doc = json.loads(json.dumps(base, default=str))
            *parents, key = path.split(".")
            target = doc
            for name in parents:
                if not isinstance(target.get(name), dict):
                    target[name] = {}
                target = target[name]
            target[key] = value
            expected = _slow_clean(doc, monkeypatch)
            if expected is None:   # no order: never validated
                continue
            assert clean(doc) is expected, (path, value)
            seen[expected] += 1
    assert seen[True] > 100 and seen[False] > 100


# -- caseio.loads: the fast parse gives what the exact one gives ------------------------------

_TEXTS = [
    '{"a": 1, "b": {"c": 2.50, "d": [1, {"e": null}]}}', '{"a": 1, "a": 2}', '{"a" : 1, "a": 2}',
    '{"a"\t:1, "b":2}', '{"a":\n1, "a": 1}', '{"x": "k\\":", "y": 1}', '{"x": "k\\":", "x": 1}',
    '{"n": 1234567890123456789012345678901}', '{"n": -123456789012345678901234567890}',
    '{"n": "1234567890123456789012345678901"}', '{"n": 1e400}', '{"n": NaN}', '\ufeff{"a": 1}', '[{"a": 1}, {"a": 2}]',
    '{"a": {"b": 1, "b": 1}}', '[1, 2', '"\\ud800"', '{"a": "\\ud83d\\ude00"}', '{"é": 1, "é": 2}',
]


@pytest.mark.parametrize("text", _TEXTS)
def test_loads_gives_what_the_exact_parser_gives(text: str) -> None:
    def exact(source: str) -> Any:
        data = json.loads(source, parse_float=Decimal, parse_int=casejson._int,
                          parse_constant=_reject, object_pairs_hook=_pairs)
        caseio.reject_lone_surrogates(data) if "\\u" in source else None
        return data

    try:
        want: Any = ("value", exact(text))
    except (ValueError, RecursionError) as exc:
        want = ("error", type(exc).__name__, str(exc))
    try:
        got: Any = ("value", caseio.loads(text))
    except (ValueError, RecursionError) as exc:
        got = ("error", type(exc).__name__, str(exc))
    assert got == want


def _reject(name: str) -> Any:
    raise caseio.InputError(__import__("dsl.diagnostics", fromlist=["Phrase"]).Phrase("case.json_constant", name=name))


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        key = next(k for i, (k, _) in enumerate(pairs) if k in dict(pairs[:i]))
        from dsl.diagnostics import Phrase

        raise caseio.InputError(Phrase("case.duplicate_key", key=key,
                                       where=Phrase("pair", en="an object of the case", zh="案例的同一个对象")))
    return obj


def test_checked_names_the_field_and_hints() -> None:
    fld = default_vocabulary().fields["buyer.credit_good"]
    with pytest.raises(FieldError) as exc:
        checked(fld, "yes")
    assert exc.value.problem.path == "buyer.credit_good" and exc.value.problem.hint is not None


@pytest.mark.parametrize("text, meant", [("5.", "5.0"), (".5", "0.5"), ("-.5", "-0.5"), (" 12. ", "12.0")])
def test_an_amount_with_a_bare_point_is_rejected_with_the_amount_to_write(text: str, meant: str) -> None:
    fld = default_vocabulary().fields["order.paid_amount"]
    with pytest.raises(FieldError) as exc:
        checked(fld, text)
    hint = exc.value.problem.hint
    assert hint is not None and repr(meant) in hint.label("en") and repr(meant) in hint.label("zh")
    assert parse_money(meant) == Decimal(meant)   # what the hint says to write is an amount


@pytest.mark.parametrize("raw", ["1e30", "1e999", "1e99999999", "-1.5e40", "1234567890123456789012345678901.5"])
def test_an_amount_given_as_a_json_number_has_the_text_limits_digits(raw: str, invoke: Any, tmp_path: Path) -> None:
    """`"paid_amount": 1e99999999` passed as a valid amount and was written out in full (100
    million digits from the workbench; QA pass 26); its text form was refused all along."""
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    line = json.dumps(case).replace('"paid_amount": "199.00"', f'"paid_amount": {raw}')
    assert raw in line
    path = tmp_path / "big.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1 and len(result.stdout) < 20_000
    assert f"more than {MAX_NUMBER_DIGITS} digits before the point: no amount a case can hold" in result.stderr


def test_an_amount_of_thirty_digits_as_a_json_number_is_still_read() -> None:
    fld = default_vocabulary().fields["order.paid_amount"]
    assert convert(fld, Decimal("9" * 30 + ".99")) == Decimal("9" * 30 + ".99")
