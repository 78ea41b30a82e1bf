"""DuckDB's JSON parser is lenient where the Python reader is strict (issue 15, "bad input gets
the Python engine's answer, never a decision"): a line json.loads refuses must never be
decided by DuckDB. Each line below is a valid Douyin case (the lightning return example,
which matches) made malformed in one way; `eval --engine duckdb`, `diff --engine duckdb`
and `backtest` must say what the Python engine says of it.

Before the fix (reading.py `_LONG_OR_ODD`), a comma before `}` or `]` and `nan`/`inf`
written in any case but `NaN`/`Infinity` were read by DuckDB and decided.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, FIXTURES, with_raw

duckdb = pytest.importorskip("duckdb")

BASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
TEXT = json.dumps(BASE, ensure_ascii=False)


def _at(path: str, raw: str) -> str:
    return with_raw(BASE, path, raw)


#: name -> a line the Python reader refuses (or, for the last ones, reads: a false alarm
#: sends a line to the Python engine, which must then decide it as usual)
LINES: dict[str, str] = {
    "trailing comma, document": TEXT[:-1] + ",}",
    "trailing comma and spaces": TEXT[:-1] + " ,\t }",
    "trailing comma, object": _at("shop", '{"return_address_count": 1, "shipping_address_count": 1, '
                                          '"return_equals_shipping": true,}'),
    "trailing comma, list": _at("shop.services", '["fast_refund",]'),
    "trailing comma, empty list": _at("shop.services", "[,]"),
    "nan": _at("order.paid_amount", "nan"),
    "NAN": _at("order.paid_amount", "NAN"),
    "-nan": _at("order.refunded_amount", "-nan"),
    "NaN": _at("order.paid_amount", "NaN"),
    "inf": _at("order.paid_amount", "inf"),
    "-Inf": _at("order.paid_amount", "-Inf"),
    "infinity": _at("order.aftersale_count", "infinity"),
    "-INFINITY in a list": _at("shop.services", "[-INFINITY]"),
    "Infinity": _at("order.paid_amount", "Infinity"),
    # refused by DuckDB too: kept here so a DuckDB upgrade that reads them is caught
    "block comment": TEXT[:-1] + " /* c */}",
    "line comment": TEXT + " // c",
    "text after the value": TEXT + " x",
    "two values": TEXT + TEXT,
    "single quotes": _at("order.paid_amount", "'199.00'"),
    "unquoted key": TEXT.replace('"now"', "now", 1),
    "leading zero": _at("order.aftersale_count", "00"),
    "plus sign": _at("order.aftersale_count", "+1"),
    "hex": _at("order.aftersale_count", "0x1"),
    "bare fraction": _at("order.aftersale_count", ".5"),
    "raw tab in a string": _at("aftersale.reason", '"dis\tlike"'),
    "raw control character": _at("aftersale.reason", '"dis\x01like"'),
    "bad escape": _at("aftersale.reason", '"\\x41"'),
    "byte-order mark inside": TEXT[:1] + "\ufeff" + TEXT[1:],
    "True": _at("buyer.credit_good", "True"),
    "key given twice": TEXT[:-1] + ', "now": "2026-11-04T21:30:00+08:00"}',
    "key given twice, deep": _at("shop", '{"return_address_count": 1, "shipping_address_count": 1, '
                                         '"return_equals_shipping": true, "return_equals_shipping": true}'),
    # read by both: text that only looks like the above
    "look-alike in a string": _at("order.id", '"a, } nan , ] Infinity"'),
    "valid": TEXT,
}


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "lenient.jsonl"
    path.write_text("".join(line + "\n" for line in LINES.values()), encoding="utf-8")
    return path


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    """The Douyin fixture with a lower lightning-return amount: the example (199.00) no longer
    matches, so a malformed line decided by mistake is a changed case."""
    text = (FIXTURES / "rulebooks" / "douyin.yaml").read_text(encoding="utf-8")
    assert "  lightning_max_amount:\n    value: 300.00" in text
    target = tmp_path / "douyin-new.yaml"
    target.write_text(text.replace("  lightning_max_amount:\n    value: 300.00", "  lightning_max_amount:\n    value: 100.00"),
                      encoding="utf-8")
    return target


@pytest.mark.parametrize("name", [n for n in LINES if n not in ("valid", "look-alike in a string")])
def test_python_refuses_every_line_duckdb_must_not_decide(name: str) -> None:
    """The premise: each line is one the Python reader refuses (else the test proves nothing)."""
    from dsl.cases.inputs import loads

    with pytest.raises(ValueError):
        loads(LINES[name])


def test_eval_on_duckdb_says_what_the_python_engine_says(invoke: Any, batch: Path) -> None:
    command = ["eval", "-p", "douyin", batch, "--format", "jsonl", "--no-explain", "--lang", "en"]
    python, duck = invoke(*command), invoke(*command, "--engine", "duckdb")
    assert f"{len(LINES)} case(s) read: 2 evaluated, {len(LINES) - 2} could not be read" in python.stderr
    assert (duck.stdout, duck.stderr, duck.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_diff_and_backtest_count_what_the_python_engine_counts(invoke: Any, batch: Path, newer: Path) -> None:
    common = ["douyin", newer, "--cases", batch, "--format", "json", "--lang", "en"]
    python = json.loads(invoke("diff", *common).stdout)["decisions"]
    duck = json.loads(invoke("diff", *common, "--engine", "duckdb").stdout)["decisions"]
    assert python["changed_cases"] == 2 and python["rejected"] == len(LINES) - 2
    assert duck == python
    back = json.loads(invoke("backtest", *common).stdout)
    assert (back["cases"], back["rejected"], back["changed_cases"]) == (python["cases"], python["rejected"], 2)
