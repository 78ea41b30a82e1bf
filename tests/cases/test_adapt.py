"""Adapters from the platforms' API payloads (issue 18, part 1): the mapping language's
converters, code tables, unknown codes, disputed units, seconds vs milliseconds, pages vs
items, a user's mapping over a shipped one, and mapping files with mistakes (file:line:col)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from dsl.cases.adapt import EPOCH_MS_FROM, ItemError, adapt_document, adapted_cases, case_of, convert
from dsl.cases.mapping import MappingError, load_mapping, shipped_names
from dsl.cases.mappingmodel import FieldSpec
from dsl.lang.vocabulary import default_vocabulary

PAYLOADS = FIXTURES / "payloads"
VOCAB = default_vocabulary()
PDD = {"refund_amount_unit": "fen"}


def mapping(name: str, **given: str) -> Any:
    return load_mapping(name, VOCAB, given)


def problems(name: str | Path, **given: str) -> list[tuple[str, int | None, int | None, str]]:
    with pytest.raises(MappingError) as caught:
        load_mapping(str(name), VOCAB, given)
    return [(d.code, d.span.line if d.span else None, d.span.col if d.span else None, d.message("en"))
            for d in caught.value.diagnostics]


def one(raw: Any, name: str = "douyin-aftersale-list", **given: str) -> Any:
    [item] = list(adapt_document(raw, "x.json", mapping(name, **given)))
    return item


def reason(item: Any) -> str:
    assert item.error is not None, item.doc
    return item.error.label("en")


DOUYIN_ITEM = {"aftersale_info": {"aftersale_id": "7001", "aftersale_type": 0, "aftersale_status": 6,
                                  "apply_time": 1793671200, "status_deadline": 1793844000, "refund_amount": 12990},
               "order_info": {"shop_order_id": "6901", "related_order_info": [{"order_status": 5, "pay_amount": 12990}]}}


def with_info(**changes: Any) -> dict[str, Any]:
    item = json.loads(json.dumps(DOUYIN_ITEM))
    item["aftersale_info"].update(changes)
    return item


# --- converters -------------------------------------------------------------------------

@pytest.mark.parametrize("name, raw, expected", [
    ("fen", 12990, "129.90"), ("fen", 5, "0.05"), ("fen", 0, "0.00"), ("fen", "12990", "129.90"),
    ("fen", 2 ** 64 - 1, "184467440737095516.15"), ("fen", -(2 ** 63), "-92233720368547758.08"),
    ("yuan", "129.90", "129.90"), ("yuan", Decimal("59.5"), "59.5"), ("yuan", 59, "59"),
    ("epoch_s", 1793671200, "2026-11-03T10:00:00+08:00"), ("epoch_s", "1793671200", "2026-11-03T10:00:00+08:00"),
    ("epoch_ms", 1793671200123, "2026-11-03T10:00:00.123000+08:00"),
    ("datetime", "2026-11-03 10:00:00", "2026-11-03T10:00:00+08:00"),
    ("text", 7000000000000000001, "7000000000000000001"), ("text", "A-1", "A-1"),
], ids=lambda v: str(v)[:20])
def test_a_converter_gives_the_case_value_exactly(name: str, raw: Any, expected: str) -> None:
    assert convert(raw, FieldSpec("x", "x", name), mapping("douyin-aftersale-list")) == expected


@pytest.mark.parametrize("name, raw", [
    ("fen", 129.9), ("fen", "129.90"), ("fen", True), ("fen", "1e3"), ("yuan", "5."), ("yuan", "¥5"), ("yuan", True),
    ("datetime", "2026-11-03T10:00:00"), ("datetime", "2026-02-30 10:00:00"), ("datetime", 1793671200),
    ("epoch_s", "2026-11-03 10:00:00"), ("text", 1.5), ("int", "x"), ("fen", 2 ** 64), ("text", -(2 ** 63) - 1),
    ("yuan", Decimal("1E+2")), ("epoch_s", -62135625601), ("epoch_ms", -(10 ** 15)), ("epoch_ms", 10 ** 15),
], ids=lambda v: str(v)[:20])
def test_a_value_of_another_shape_is_refused(name: str, raw: Any) -> None:
    with pytest.raises((ValueError, ArithmeticError, ItemError)):   # ItemError: a reason of its own (before 1970)
        convert(raw, FieldSpec("x", "x", name), mapping("douyin-aftersale-list"))


def test_seconds_and_milliseconds_are_told_apart_never_read_as_the_other() -> None:
    ms = reason(one(with_info(apply_time=1793671200 * 1000)))
    assert "aftersale_info.apply_time" in ms and "milliseconds" in ms
    seconds = reason(one({"refundId": 1, "handlingWay": 10, "status": 10, "createTime": 1793671200},
                         "kuaishou-refund-list"))
    assert "createTime" in seconds and "epoch seconds" in seconds
    assert one({"refundId": 1, "handlingWay": 10, "status": 10, "createTime": EPOCH_MS_FROM},
               "kuaishou-refund-list").doc["aftersale"]["applied_at"] == "1973-03-03T17:46:40+08:00"


def test_a_time_before_1970_is_refused_not_read_as_1970() -> None:
    """`apply_time: -5` became 1970-01-01T07:59:55+08:00 without a word (QA pass 26)."""
    seconds = reason(one(with_info(apply_time=-5)))
    assert "aftersale_info.apply_time" in seconds and "-5 is a time before 1970" in seconds
    ms = reason(one({"refundId": 1, "handlingWay": 10, "status": 10, "createTime": -1}, "kuaishou-refund-list"))
    assert "createTime" in ms and "-1 is a time before 1970" in ms


def test_zero_is_absent_only_where_the_mapping_says_so() -> None:
    doc = one(with_info(status_deadline=0)).doc
    assert "platform_deadline" not in doc["aftersale"]
    assert one(with_info(refund_amount=0)).doc["aftersale"]["refund_amount"] == "0.00"


# --- code tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("code, expected", [(0, "return_refund"), (1, "refund_only"), (2, "refund_only"),
                                            (3, "exchange"), (7, "reship"), ("7", "reship")])
def test_a_code_table_gives_our_enum(code: Any, expected: str) -> None:
    assert one(with_info(aftersale_type=code)).doc["aftersale"]["type"] == expected


def test_the_detail_numbers_types_otherwise_than_the_list() -> None:
    detail = json.loads((PAYLOADS / "douyin-aftersale-detail.json").read_text(encoding="utf-8"))
    detail["data"]["process_info"]["after_sale_info"]["after_sale_type"] = 8   # 维修 in the detail, unknown in the list
    assert "维修" in reason(one(detail, "douyin-aftersale-detail"))
    assert "unknown code 8" in reason(one(with_info(aftersale_type=8)))


def test_an_unknown_code_is_rejected_naming_field_code_and_mapping_file() -> None:
    text = reason(one(with_info(aftersale_status=99)))
    assert "aftersale_info.aftersale_status" in text and "99" in text
    assert "dsl/cases/adapters/douyin-aftersale-list.yaml" in text


def test_a_known_code_without_a_value_of_ours_is_rejected_with_the_files_reason() -> None:
    text = reason(one(with_info(aftersale_type=6)))
    assert "价保" in text and "aftersale_info.aftersale_type" in text


def test_a_required_field_missing_and_an_only_list_of_two_are_rejected() -> None:
    item = with_info()
    del item["aftersale_info"]["aftersale_id"]
    assert "aftersale_info.aftersale_id is missing" in reason(one(item))
    item = with_info()
    item["order_info"]["related_order_info"].append({"order_status": 5, "pay_amount": 1})
    assert "has 2 entries" in reason(one(item))


# --- the disputed unit -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["pinduoduo-refund-information", "pinduoduo-refund-list"])
def test_a_disputed_unit_is_a_required_option_never_a_guess(name: str) -> None:
    found = problems(name, after_sales_type_codes="after_sales_type") if name.endswith("list") else problems(name)
    [missing] = [p for p in found if "refund_amount_unit" in p[3]]
    assert missing[0] == "E704" and missing[1] is not None and "must be given" in missing[3]


def test_the_option_chooses_the_converter() -> None:
    raw = json.loads((PAYLOADS / "pinduoduo-refund-information.json").read_text(encoding="utf-8"))
    assert one(raw, "pinduoduo-refund-information", refund_amount_unit="fen").doc["aftersale"]["refund_amount"] == "129.90"
    assert one(raw, "pinduoduo-refund-information", refund_amount_unit="yuan").doc["aftersale"]["refund_amount"] == "12990"


def test_an_option_with_a_bad_value_or_unknown_name_is_an_error() -> None:
    assert any("'pound'" in p[3] and "fen|yuan" in p[3] for p in problems("pinduoduo-refund-information",
                                                                         refund_amount_unit="pound"))
    assert any("refund_unit" in p[3] for p in problems("douyin-aftersale-list", refund_unit="fen"))


# --- pages and items ------------------------------------------------------------------------------

def test_a_whole_page_and_json_lines_of_its_items_give_the_same_cases(tmp_path: Path) -> None:
    adapter = mapping("douyin-aftersale-list")
    page = list(adapted_cases(str(PAYLOADS / "douyin-aftersale-list-page.json"), adapter))
    items = json.loads((PAYLOADS / "douyin-aftersale-list-page.json").read_text(encoding="utf-8"))["data"]["items"]
    lines = tmp_path / "items.jsonl"
    lines.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    each = list(adapted_cases(str(lines), adapter))
    assert [(c.doc, c.error) for c in page] == [(c.doc, c.error) for c in each]
    assert [c.source.rsplit("/", 1)[-1] for c in page] == [f"douyin-aftersale-list-page.json#data.items[{i}]"
                                                           for i in range(3)]
    assert [c.source.rsplit("/", 1)[-1] for c in each] == ["items.jsonl:1", "items.jsonl:2", "items.jsonl:3"]


def test_a_detail_response_is_one_item_and_so_is_its_data_alone() -> None:
    raw = json.loads((PAYLOADS / "douyin-aftersale-detail.json").read_text(encoding="utf-8"))
    assert one(raw, "douyin-aftersale-detail").doc == one(raw["data"], "douyin-aftersale-detail").doc
    assert one(raw, "douyin-aftersale-detail").doc["aftersale"]["id"] == "7000000000000000001"


def test_an_error_response_is_said_and_an_empty_page_gives_no_case() -> None:
    adapter = mapping("douyin-aftersale-list")
    [item] = adapt_document({"code": 50002, "msg": "服务繁忙", "data": None}, "p.json", adapter)
    assert "has no data" in reason(item) and "code, msg, data" in reason(item)
    assert list(adapt_document({"code": 10000, "data": {"items": None, "total": 0}}, "p.json", adapter)) == []
    assert list(adapt_document({"code": 10000, "data": {"items": [], "total": 0}}, "p.json", adapter)) == []


def test_a_page_whose_items_are_not_a_list_is_rejected_whole() -> None:
    [item] = adapt_document({"data": {"items": {"a": 1}}}, "p.json", mapping("douyin-aftersale-list"))
    assert "data.items is not a list" in reason(item)


def test_every_shipped_endpoint_reads_its_fixture() -> None:
    given = {"pinduoduo-refund-list": {"refund_amount_unit": "yuan", "after_sales_type_codes": "after_sales_type"},
             "pinduoduo-refund-information": PDD}
    for name in shipped_names():
        suffix = "-page.json" if name.endswith("list") else ".json"
        cases = list(adapted_cases(str(PAYLOADS / f"{name}{suffix}"), mapping(name, **given.get(name, {}))))
        assert cases and cases[0].error is None, (name, cases[0].error)
        assert cases[0].doc["platform"] == name.split("-")[0]


# --- mapping files: the user's, and mistakes ----------------------------------------------------

def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_mapping_extends_a_shipped_one_adding_a_code_and_overriding_a_field(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: douyin-aftersale-list\n"
                           "tables:\n  aftersale_status:\n    codes:\n      99: closed\n"
                           "fields:\n  aftersale.refund_amount: {from: aftersale_info.refund_post_amount, convert: fen}\n"
                           "  order.paid_amount: null\n")
    adapter = load_mapping(str(path), VOCAB)
    doc = case_of(dict(with_info(aftersale_status=99, refund_post_amount=800)), adapter)
    assert doc["aftersale"]["status"] == "closed" and doc["aftersale"]["refund_amount"] == "8.00"
    assert "paid_amount" not in doc["order"] and doc["aftersale"]["type"] == "return_refund"


def test_a_user_mapping_may_set_an_option(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: pinduoduo-refund-information\nset: {refund_amount_unit: yuan}\n")
    assert load_mapping(str(path), VOCAB).options == {"refund_amount_unit": "yuan"}
    assert load_mapping(str(path), VOCAB, {"refund_amount_unit": "fen"}).options == {"refund_amount_unit": "fen"}


@pytest.mark.parametrize("text, code, line, col, words", [
    ("items: data.items\nfeilds: {}\n", "E702", 2, 1, "'feilds'"),
    ("fields:\n  aftersale.typ: {from: t, convert: text}\n", "E701", 2, 3, "not a case field"),
    ("fields:\n  aftersale.id: {from: a, convert: txt}\n", "E701", 2, 36, "no converter 'txt'"),
    ("fields:\n  aftersale.id: {from: a, convert: fen}\n", "E701", 2, 36, "cannot give aftersale.id"),
    ("fields:\n  aftersale.type: {from: a, convert: code, table: t}\n"
     "tables:\n  t: {codes: {1: refund}}\n", "E701", 4, 18, "'refund'"),
    ("fields:\n  aftersale.id: {from: a, value: x}\n", "E701", 2, 17, "exactly one"),
    ("fields:\n  aftersale.id: {from: 'a..b'}\n", "E701", 2, 24, "not a source path"),
    ("fields:\n  aftersale.applied_at: {from: a, convert: timestamp}\n", "E701", 2, 25, "needs formats"),
    ("fields:\n  aftersale.id: {from: a, convert: text, requird: true}\n", "E702", 2, 42, "'requird'"),
    ("extends: douyin-aftersale-lst\n", "E703", 1, 10, "no adapter mapping"),
    ("tables:\n  t: {codes: {1: {rejct: x}}}\n", "E702", 2, 19, "'rejct'"),
    ("items: [a]\n", "E701", 1, 8, "items"),
    ("items: data.items\nitem: data\n", "E701", 2, 1, "not both"),
])
def test_a_mapping_file_with_a_mistake_is_told_at_its_place(tmp_path: Path, text: str, code: str, line: int,
                                                            col: int, words: str) -> None:
    found = problems(write(tmp_path, text))
    assert any(p[0] == code and p[1] == line and p[2] == col and words in p[3] for p in found), found


def test_a_mistake_in_a_base_is_told_in_the_base(tmp_path: Path) -> None:
    write(tmp_path, "fields:\n  aftersale.id: {from: a, convert: txt}\n", "base.yaml")
    found = problems(write(tmp_path, "extends: base.yaml\n"))
    assert found[0][:3] == ("E701", 2, 36) and found[0][3].startswith("no converter")


def test_an_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    assert "comes back" in problems(tmp_path / "a.yaml")[0][3]


def test_every_code_table_cites_its_source() -> None:
    import yaml

    for name in shipped_names():
        data = yaml.safe_load((_adapters() / f"{name}.yaml").read_text("utf-8"))
        assert data.get("source"), name
        for table, spec in (data.get("tables") or {}).items():
            assert spec.get("source"), (name, table)


def _adapters() -> Path:
    import dsl.cases

    return Path(dsl.cases.__file__).parent / "adapters"

