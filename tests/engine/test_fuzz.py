"""Fuzzing with hypothesis: random text never makes the engine raise anything but its own error.

- the expression parser (and checker) on random text: only DslError escapes;
- the rulebook loader on random YAML-ish text: (model or None, diagnostics), never an exception;
- the case reader and evaluation on random JSON-ish lines: every line is evaluated or rejected,
  the counts add up, nothing raises.
"""
from __future__ import annotations

import copy
import io
import json
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import DslError, load_rulebook, parse_expr
from dsl.tools.batch import Sink, run_batch
from dsl.cases.readers import read_cases
from dsl.lang.checker import check_expr
from dsl.book.loader import load_model
from dsl.lang.values import SHANGHAI

from conftest import EXAMPLES, RULEBOOK_HEAD, make_scope, rule_yaml

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD_CASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
TMP = Path(tempfile.mkdtemp(prefix="rulebook-fuzz-"))

# -- expressions ------------------------------------------------------------------------------

TOKENS = [
    "order.paid_amount", "order.status", "aftersale.applied_at", "params.max_amount", "params.window",
    "params.reasons", "now", "and", "or", "not", "in", "not in", "if", "then", "else", "true", "false", "null",
    "days_between(", "date(", "coalesce(", "len(", "max(", "min(", "is_null(", "(", ")", "[", "]", ",", ".",
    "==", "!=", "<", "<=", ">", ">=", "=", "+", "-", "*", "/", "'completed'", '"x"', "'", '"', "300", "300.00",
    "0", "48h", "7d", "30m", "7 天", "48hours", "2023-09-13", "2023-09-13T00:00:00+08:00", "2026-13-45",
    "＜＝", "３００", "“", "”", "‘", "’", "（", "）", "，", "。", "、", "\u200b", "\u00a0", "\u3000", "\ufeff",
    "\t", "\n", " ", "  ", "&&", "||", "!", "\\", "订单", "𝟘", "١", "é", "\x00", "\r",
]
expression_text = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(list("()[]'\",.<>=!+-*/ 0123456789abcdnotrueflsh＜＝３００“”（）\u200b")), max_size=60),
)


@FUZZ
@given(expression_text)
def test_parse_expr_raises_only_dsl_error(text: str) -> None:
    try:
        tree = parse_expr(text)
    except DslError as exc:
        assert exc.diagnostics and all(d.code.startswith("E1") for d in exc.diagnostics)
        for d in exc.diagnostics:
            assert d.span is not None and d.span.line >= 1 and d.span.col >= 1
            d.message("both"), d.hint_text("both")      # every message renders
        return
    typed, diags = check_expr(tree, make_scope())         # the checker reports, never raises
    assert isinstance(diags, list)


# -- rulebooks --------------------------------------------------------------------------------

YAML_PIECES = [
    "rulebook: demo", "rules:", "  - id: r1", "    when:", "      - order.paid_amount <= 300", "    action: approve",
    "parameters:", "  x: 1:30", "  y: no", "  z: 2023-09-13", "  w: 48h", "name: {zh: 演示, en: Demo}", "- a", "- - b",
    "key: value", "key: value", "&a [1, 2]", "*a", "<<: *a", "!!python/object:os.system", "!!str 5", "? complex",
    "'unterminated", '"unterminated', "{a: [", "]", "}", "\tindented: tab", "---", "...", "%YAML 1.1", "# comment",
    "  ", "：", "＜＝", "\u200b", "\ufeff", "｜", "|", ">", "- ", ": ", "null", "~", "1e999", ".nan", "0x1F",
]
yaml_text = st.one_of(
    st.lists(st.sampled_from(YAML_PIECES), max_size=20).map("\n".join),
    st.lists(st.sampled_from(YAML_PIECES), max_size=12).map(" ".join),
    st.text(max_size=120),
    st.builds(lambda when, extra: RULEBOOK_HEAD + rule_yaml(when=when) + extra,
              st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map(lambda ts: "- " + " ".join(ts)),
              st.lists(st.sampled_from(YAML_PIECES), max_size=4).map("\n".join)),
)


@FUZZ
@given(yaml_text, st.sampled_from(["utf-8", "utf-8-sig", "crlf"]))
def test_load_model_never_raises(text: str, encoding: str) -> None:
    path = TMP / "fuzz.yaml"
    data = text.replace("\n", "\r\n").encode("utf-8", "surrogatepass") if encoding == "crlf" \
        else text.encode(encoding, "surrogatepass")
    path.write_bytes(data)
    model, diags = load_model(path)
    assert isinstance(diags, list)
    if model is None:
        assert diags, "a rulebook that could not be built says why"
    for d in diags:
        assert d.code[:2] in ("E1", "E2", "E3"), d
        d.message("both")


# -- cases ------------------------------------------------------------------------------------

_BOOK: list[Any] = []


def douyin() -> Any:
    if not _BOOK:
        _BOOK.append(load_rulebook("douyin"))
    return _BOOK[0]


PATHS = [("order", "paid_amount"), ("order", "refunded_amount"), ("order", "status"), ("order", "signed_at"),
         ("order", "aftersale_count"), ("order", "domestic"), ("order", "category"), ("buyer", "credit_good"),
         ("shop", "services"), ("shop", "auto_refund_policy"), ("aftersale", "applied_at"), ("aftersale", "type"),
         ("aftersale",), ("order",), ("now",), ("id",)]
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["129.90", "-1", "NaN", "３００", "1e3", "0.30000000000000004", "2026-13-45", "2026-11-05",
                       "2026-11-05T09:00:00", "2026-11-05T09:00:00Z", "yes", "no", "five", "", "completed"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def mutated_case(mutations: list[tuple[tuple[str, ...], Any]]) -> str:
    case = copy.deepcopy(GOOD_CASE)
    for path, value in mutations:
        target = case
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = value
    return json.dumps(case, ensure_ascii=False)


case_line = st.one_of(
    st.lists(st.tuples(st.sampled_from(PATHS), json_value), max_size=4).map(mutated_case),
    json_value.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.text(max_size=60).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.sampled_from(['{"order": ', "NaN", "[", '{"order": {"paid_amount": Infinity}}', "\ufeff{}", "{}"]),
)


@FUZZ
@given(st.lists(case_line, min_size=1, max_size=6))
def test_case_lines_are_evaluated_or_rejected(lines: list[str]) -> None:
    path = TMP / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    book = douyin()
    out, reports = io.StringIO(), []
    summary = run_batch(read_cases(str(path), book.vocabulary), [book], Sink(out, "jsonl", lang="en"),
                        report=reports.append)
    non_blank = sum(1 for i, line in enumerate(lines) if line.strip(" \t\r\n") not in ("", "\ufeff"[:i == 0]))
    # nothing but blank lines: the file is rejected whole as empty (as an empty .json or .csv is)
    assert summary.read == summary.evaluated + summary.rejected == (non_blank or 1)
    assert len(out.getvalue().splitlines()) == summary.evaluated
    assert len(reports) >= summary.rejected
    for report in reports:
        assert report.startswith(f"{path}:"), report


_ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 10**40, 5, Decimal("1.5"), Decimal("NaN"), "", "x", "129.90", "-5", "1e9",
    "2026-11-05T09:00:00+08:00", "2026-11-05T09:00:00-05:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59+08:00", "2026-02-30T00:00", [], ["fast_refund"], [1, 2], {}, {"a": 1}, "shipped", "reship",
    "not_received", "３００", "\u200b", "a" * 1000, "0.001", "99999.00", "100000",
    # shapes the decider reads in place (amounts, Beijing-time timestamps) and their near misses
    ".", ".5", "12.", "1_000", " 12.50", "0129.90", "-0", "1.500", "300.00", "+08:00", "2026-11-05T09:00:00",
    "2026-11-05T01:00:00Z", "2026-11-05T24:00:00+08:00", "2026-13-05T09:00:00+08:00", "2026-W45-4T09:00:00+08:00",
    "2026-11-05 09:00:00+08:00", "2026-11-05T09:00:00+0800", "return_refund ", "RESHIP", "dislike", "awaiting_merchant",
    # a NUL ends the text for CPython 3.11's fromisoformat: `…T20:00:Z\0+08:00` would read as 20:00 UTC
    "2026-11-05T20:00:Z\x00+08:00", "2026-11-05T20:00:00\x00+08:00", "2026-11-05T20:00:0Z\x00", "2026-11-05T20:00:00\x00",
]


def test_odd_field_values_never_crash_and_both_paths_agree() -> None:
    """Any value in any field: evaluate, explain, print and decide; decide agrees with evaluate."""
    import random

    from dsl.engine.python.runtime import bad_moment
    from dsl.tools.report import case_table
    from dsl.lang.vocabulary import default_vocabulary

    books = [load_rulebook(p) for p in ("douyin", "kuaishou", "pinduoduo")]
    paths = list(default_vocabulary().fields)
    base = GOOD_CASE
    rng = random.Random(20261122)
    for _ in range(1500):
        case = json.loads(json.dumps(base))
        for _ in range(rng.randint(1, 6)):
            *parents, key = rng.choice(paths).split(".")
            node = case
            for name in parents:
                if not isinstance(node.get(name), dict):
                    node[name] = {}
                node = node[name]
            node[key] = rng.choice(_ODD_VALUES)
        for book in books:
            parsed = book.parse(case)
            if parsed.fatal:
                continue
            result = book.evaluate(parsed)
            result.to_json("all").encode("utf-8")
            case_table(result, {}, "all", "en")
            at = result.at
            if bad_moment(parsed, None) is not None:   # a bad `now`: no moment (`at` null); one given replaces it
                assert result.at is None
                at = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
                result = book.evaluate(book.parse(case), at)
            fast = book.decide(case, at)
            assert [None if r.error else r.matched for r in result.results] == [d[0] for d in fast], case
            # the exact path, rule by rule, on a fresh view: the generated decider must agree
            view = book.parse(case).view
            exact = [book.evaluate_rule(rule, view, at) for rule in book.rules]
            assert [(None if r.error else r.matched, r.action, r.deadline, r.due) for r in exact] == \
                [(d[0], d[1], d[2], d[3]) for d in fast], case
