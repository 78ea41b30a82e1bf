"""A parameter's text values checked against the enums it is used with (E213).

`aftersale.reason in params.lightning_reasons` with `dislik` among the values can never
match a reason: the literal `aftersale.reason in ['dislik']` is E206 where it is written,
and the parameter's value is the same mistake written elsewhere. The checker notes where
each parameter stands in a literal's place (lang/checker.py EnumUse); once every
expression of the rulebook is checked, each value is checked here, at its own position.

One parameter may serve several fields (`[closed, refunded]` for both `order.status` and
`aftersale.status`): a value is wrong only when it is a value of none of them, as it could
then never match anywhere. A parameter that a free-text field also meets
(`order.category == params.x`, `params.x in shop.services`) may hold any text and is not
checked.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator, TypeVar

from dsl.book.model import ParamDef
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.checker import EnumUse, enum_miss, label_meant
from dsl.text.yamlload import Document, KeyPath

U = TypeVar("U")


def check_param_enums(docs: Iterable[Document], params: dict[str, ParamDef],
                      uses: Iterable[object]) -> list[Diagnostic]:
    """Add E213 to the document where a parameter's value is written, at each text item that
    no enum the parameter is used with holds; the diagnostics added (`docs`: every file the
    parameters may be written in: a shop overlay's chain)."""
    by_file = {d.file: d for d in docs}
    found: list[Diagnostic] = []
    for param, its in uses_by_param(params, uses, EnumUse):
        if param.file not in by_file or not _is_text(param) or any(u.values is None for u in its):
            continue
        found.extend(_check_param(by_file[param.file], param, its))
    return found


def uses_by_param(params: dict[str, ParamDef], uses: Iterable[object], kind: type[U]) -> list[tuple[ParamDef, list[U]]]:
    """The uses of type `kind`, per known parameter, in the parameters' name order."""
    grouped: dict[str, list[U]] = defaultdict(list)
    for use in uses:
        if isinstance(use, kind):
            grouped[use.param].append(use)    # type: ignore[attr-defined]
    return [(params[name], its) for name, its in sorted(grouped.items()) if name in params]


def _is_text(param: ParamDef) -> bool:
    """A text parameter or a list of text: what a text field may be compared with."""
    kind = param.type.item.kind if param.type.kind == "list" and param.type.item else param.type.kind
    return kind == "str"


def _check_param(doc: Document, param: ParamDef, uses: list[EnumUse]) -> list[Diagnostic]:
    allowed = frozenset().union(*(u.values or frozenset() for u in uses))
    first = min(uses, key=lambda u: (u.file or "", u.span.line, u.span.col))
    names = sorted({u.name for u in uses})
    name = Phrase("pair", en=" or ".join(names), zh=" 或 ".join(names))
    at = f"{first.file or doc.file}:{first.span.line}:{first.span.col}"
    options = ", ".join(sorted(allowed))
    found: list[Diagnostic] = []
    for value, path in param_items(doc, param.path):
        meant = enum_miss(value, allowed)
        if meant is None:
            continue
        hint = label_meant(value, tuple(label for use in uses for label in use.labels)) or (
            ("enum_meant", {"suggestion": meant, "name": name, "options": options}) if meant else
            ("enum_values", {"name": name, "options": options}))
        found.append(doc.error("E213", doc.nearest_span(path), hint, param=param.name, value=value, name=name, at=at))
    return found


def param_items(doc: Document, path: KeyPath) -> Iterator[tuple[str, KeyPath]]:
    """The items of the value at `path` (a list's, or the scalar itself), as written (YAML's
    text of each), each with its own path: the position an error about it points at."""
    if path + (0,) in doc.nodes:
        index = 0
        while path + (index,) in doc.nodes:
            node = doc.nodes[path + (index,)]
            if isinstance(node.value, str):
                yield node.value, path + (index,)
            index += 1
        return
    node = doc.nodes.get(path)
    if node is not None and isinstance(node.value, str):
        yield node.value, path
