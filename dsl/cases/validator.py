"""Is a case document clean? One generated pass per vocabulary, straight-line code.

`rulebook eval` checks every field of every case, not only the ones the rules read (a bad
field no rule reads is still reported). Most cases are clean, so the check is generated
from the vocabulary as `decide` is generated from a rulebook: one function that reads each
field once, with no per-field dispatch, tests the usual shapes inline and hands anything
else to the field's generated converter (`converters.value_converters`), whose exact path
is kinds.py. It answers only yes or no: on no, the case view converts field by field to
report each problem in its words (cases.ParsedCase.validate). It says yes exactly when that
would find no problem and no unknown key.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from dsl.cases.converters import money_shape, timestamp_shape, valid_check, value_converters
from dsl.lang.vocabulary import Field, Vocabulary

Validator = Callable[[Any], bool]
_SEEN: dict[Vocabulary, int] = {}
WORTH_IT = 8   # cases validated field by field before the validator is generated (~3 ms, ~100 cases)


def validator_once_worth_it(vocabulary: Vocabulary) -> Validator | None:
    """The validator, from the WORTH_IT-th case of a vocabulary on: `rulebook eval` of one
    case does not pay for generating it (start-up time), a batch does at once."""
    seen = _SEEN.get(vocabulary, 0)
    if seen >= WORTH_IT:
        return validator_for(vocabulary)
    _SEEN[vocabulary] = seen + 1
    return None


@lru_cache(maxsize=8)
def validator_for(vocabulary: Vocabulary) -> Validator:
    """`clean(doc)`: True when every known field holds a value of its kind and every key of
    the document and of its objects is in the vocabulary."""
    namespace: dict[str, Any] = dict(value_converters(vocabulary))
    index = {path: i for i, path in enumerate(vocabulary.fields)}
    namespace["_K"] = frozenset(vocabulary.keys_under(""))
    lines = ["def clean(d):",
             "    if type(d) is not dict or not d.keys() <= _K:",
             "        return False",
             "    try:"]
    lines += _object_lines(vocabulary, "", "d", index, namespace, "        ")
    if "platform" in vocabulary.fields:   # empty text names no platform: a bad field (cases.document.open_case)
        lines += ["        v = d.get('platform')",
                  "        if type(v) is str and not v.strip():",
                  "            return False"]
    lines += ["    except Exception:",   # a FieldError, or what the exact path would report
              "        return False",
              "    return True"]
    exec(compile("\n".join(lines) + "\n", "<validator>", "exec"), namespace)  # generated code, not user text
    return namespace["clean"]  # type: ignore[no-any-return]


def _object_lines(vocabulary: Vocabulary, prefix: str, var: str, index: dict[str, int],
                  namespace: dict[str, Any], pad: str) -> list[str]:
    """The checks of the fields directly under `prefix`, whose object is in `var`."""
    lines: list[str] = []
    for key, fld in vocabulary.keys_under(prefix).items():
        i = index[fld.path]
        if fld.type.kind == "object":
            namespace[f"_K{i}"] = frozenset(vocabulary.keys_under(fld.path))
            lines += [f"{pad}o{i} = {var}.get({key!r})",
                      f"{pad}if o{i} is not None:",
                      f"{pad}    if type(o{i}) is not dict or not o{i}.keys() <= _K{i}:",
                      f"{pad}        return False"]
            lines += _object_lines(vocabulary, fld.path, f"o{i}", index, namespace, pad + "    ")
        else:
            lines += _field_lines(fld, i, var, key, namespace, pad)
    return lines


def _field_lines(fld: Field, i: int, var: str, key: str, namespace: dict[str, Any], pad: str) -> list[str]:
    """Read the field once; a value that is not plainly valid goes to its converter, which
    raises when the value is bad (and takes the unusual good ones, such as 3.0 for a count)."""
    check = _plainly_valid(fld, i, namespace)
    test = f"v is not None and not ({check})" if check is not None else "v is not None"
    return [f"{pad}v = {var}.get({key!r})", f"{pad}if {test}:", f"{pad}    _v{i}(v)"]


def _plainly_valid(fld: Field, i: int, namespace: dict[str, Any]) -> str | None:
    """The condition under which `v` is valid without a call: the tests the converter's own
    fast path makes (the same functions write them; for timestamps the same three usual
    shapes). A timestamp's calendar is checked by fromisoformat, whose ValueError (or the
    OverflowError of a Z time in year 9999) ends the pass with False: the exact path decides."""
    kind = fld.type.kind
    if kind == "timestamp":
        return (f"type(v) is str and {timestamp_shape('v')} and ("
                "len(v) == 25 and v[19:] == '+08:00' and _fromiso(v) is not None"
                " or len(v) == 20 and v[19] == 'Z' and _fromiso(v[:19] + '+08:00') + _8H is not None"
                " or len(v) == 19 and _fromiso(v + '+08:00') is not None)")
    if kind == "money":
        shape = money_shape(fld, namespace, "v", f"_m{i}")
        namespace[f"_lo{i}"], namespace[f"_hi{i}"] = fld.minimum, fld.maximum
        bounds = ([f"_D(v) >= _lo{i}"] if fld.minimum is not None and fld.minimum > 0 else []) + (
            [f"_D(v) <= _hi{i}"] if fld.maximum is not None else [])
        return " and ".join([shape] + bounds)
    return valid_check(fld, namespace, "v", f"_E{i}")
