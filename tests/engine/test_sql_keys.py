"""The SQL reader's quick test of an object's keys (known ones, each once: reading.py `_known`
and `_keys`) against the Python reader, in the printed query's own columns: an unknown key
leaves the case decidable with a warning (`dirty`), a key given twice makes it no case
(`fatal`). The quick test joins the keys with `"`; a key holding a quote must not pass for
two known keys."""
from __future__ import annotations

import json
from typing import Any

import pytest

from dsl import load_rulebook
from dsl.engine.sql.duck import SqlRulebook

from conftest import AT, EXAMPLES, FIXTURES

pytest.importorskip("duckdb")

BASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))


def _order_with(prefix: str, drop: str | None = None) -> str:
    """The base case with `prefix` (raw JSON members) first in its order, `drop` left out."""
    order = {k: v for k, v in BASE["order"].items() if k != drop}
    line = json.dumps(dict(BASE, order=order), ensure_ascii=False)
    return line.replace('"order": {', '"order": {' + prefix, 1) if prefix else line


CASES = [
    # (raw members put first in the order, a key left out, fatal, dirty)
    ("", None, None, False),
    ("", "paid_at", None, False),
    ('"id\\"status": 1, ', None, None, True),
    ('"status\\u0022id": 1, ', None, None, True),
    ('"status\\u0022\\u0022id": 1, ', None, None, True),
    ('"statuss": 1, ', None, None, True),
    ('"status": "x", ', None, "json", False),
    ('"status": "x", ', "paid_at", "json", False),
    ('"status\\"id": 1, "status": "x", ', "paid_at", "json", True),
]


@pytest.mark.parametrize("prefix,drop,fatal,dirty", CASES)
def test_keys_are_judged_as_the_python_reader_judges_them(prefix: str, drop: str | None, fatal: str | None,
                                                          dirty: bool) -> None:
    book = load_rulebook(FIXTURES / "rulebooks" / "douyin.yaml")
    line = _order_with(prefix, drop)
    case = SqlRulebook(book).decide_many([(line, AT)])[0]
    assert case.fatal == fatal
    if fatal is None:
        assert case.dirty == dirty
        try:   # the Python reader agrees: a key given twice is refused, any other line is read
            json.loads(line, object_pairs_hook=_no_twice)
        except ValueError:
            pytest.fail("the Python reader refuses a line SQL takes as a case")


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a key given twice")
    return dict(pairs)
