"""The names generated code calls (`_add`, `_fn_days_between`, the field converters, `_U`):
the globals a compiled rulebook runs in.

Kept apart from the code generators (codegen.py, decider.py) so that running a rulebook
whose code comes from the cache never imports them: start-up pays only for what runs.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dsl.cases.converters import RUNTIME as CONVERTER_RUNTIME
from dsl.lang.implementations import IMPLEMENTATIONS
from dsl.lang.semantics import add, as_money, div, mul, sub
from dsl.lang.values import BadValueError, parse_timestamp, to_beijing


class _Unset:
    """'Not read yet' for the decider's field locals; pickles as this module's singleton."""

    def __reduce__(self) -> str:
        return "_UNSET"

    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()

# Helpers of expressions (codegen.py); not pickled with a module's constants.
EXPRESSION_RUNTIME: dict[str, Any] = {"_add": add, "_sub": sub, "_mul": mul, "_div": div, "_as_money": as_money}
EXPRESSION_RUNTIME.update({f"_fn_{name}": impl for name, impl in IMPLEMENTATIONS.items()})

def moment_of(at: Any) -> datetime | None:
    """`at` as given to `evaluate`: None, a datetime, or ISO 8601 text (no offset = Beijing time)."""
    if at is None or isinstance(at, datetime):
        return at
    if isinstance(at, str):
        try:
            return parse_timestamp(at.strip())
        except BadValueError as exc:
            raise ValueError(f"at={at!r}: {exc}") from None
    raise TypeError(f"at must be a datetime or ISO 8601 text such as '2026-11-05T09:00:00+08:00', "
                    f"not {type(at).__name__}")


def moment_in_beijing(at: Any) -> datetime:
    """`decide`'s `at` (never None there) in Beijing time; the generated code converts each
    distinct `at` once."""
    return to_beijing(moment_of(at))


# Helpers of the one-pass decider (decider.py): field converters, 'not read yet', Beijing time.
DECIDER_RUNTIME: dict[str, Any] = {**CONVERTER_RUNTIME, "_U": _UNSET, "_to_bj": moment_in_beijing}


def runtime_namespace() -> dict[str, Any]:
    """A fresh globals dict for one generated module."""
    return {**EXPRESSION_RUNTIME, **DECIDER_RUNTIME}
