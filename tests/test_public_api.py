"""The Python API the README documents keeps working where the package's modules moved
(issue 14, section 6): `from dsl import ...`, each stage callable alone, `dsl.compiler`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dsl

AT = datetime(2026, 11, 10, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def test_every_public_name_resolves() -> None:
    for name in dsl.__all__:
        assert getattr(dsl, name) is not None, name
    from dsl import check_rulebook, load_rulebook   # the README's own import line

    assert callable(load_rulebook) and callable(check_rulebook)


def test_each_stage_is_callable_alone(scope) -> None:  # noqa: ANN001 - conftest's fixture
    tree = dsl.parse_expr("order.paid_amount <= params.max_amount")
    typed, diags = dsl.check_expr(tree, scope)
    assert diags == []
    fn = dsl.compile_expr(typed, {"max_amount": scope.params["max_amount"].value})
    assert fn({"order.paid_amount": scope.params["max_amount"].value}, AT) is True


def test_the_former_compiler_module_still_compiles(scope) -> None:  # noqa: ANN001
    from dsl.compiler import compile_expr

    typed, _ = dsl.check_expr(dsl.parse_expr("order.paid_amount > 1"), scope)
    assert compile_expr is dsl.compile_expr
    assert compile_expr(typed)({"order.paid_amount": None}, AT) in (None, False)


def test_unknown_names_are_an_attribute_error() -> None:
    try:
        dsl.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("dsl.no_such_thing resolved")


def test_decide_takes_the_moment_as_iso_text_like_evaluate() -> None:
    """`at` as ISO text works on every path of `decide`, the generated one and the fallback
    for a case with a bad field (it raised AttributeError there), as `evaluate` takes it."""
    book = dsl.load_rulebook("douyin")
    text = "2026-11-10T12:00:00+08:00"
    for paid in ("129.90", "abc"):
        case = {"id": "a", "order": {"status": "completed", "paid_amount": paid}}
        assert book.decide(case, text) == book.decide(case, AT)
    try:
        book.decide({"id": "a", "order": {}}, "yesterday")
    except ValueError as exc:
        assert "ISO 8601" in str(exc)
    else:
        raise AssertionError("a bad moment was accepted")


def test_a_list_where_text_belongs_is_named_in_chinese(invoke, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "c.json"
    path.write_text('{"id": ["x"], "order": {"status": "completed"}}', encoding="utf-8")
    result = invoke("eval", "-p", "douyin", path, "--lang", "zh", "--format", "jsonl")
    assert "字段 id：列表 不是文本" in result.stderr and "a list" not in result.stderr
