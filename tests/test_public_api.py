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
