"""`rulebook check` reads the cases of a rulebook's examples the way `rulebook eval` reads a
case, and reports what would make an example test something other than it says:

- E502, a key the vocabulary does not know (`paid_amout`): rules read the field as missing,
  so the example passes or fails for a reason nobody wrote. An error, as `rulebook test`
  already fails such an example; here it is reported at the key's own line.
- E503, a value its field cannot hold (`paid_amount: "abc"`), unless the example expects an
  error (`expect: {error: true}`): the rule that reads it cannot decide.

An example's case is `base_case` merged with the example's `case`; a problem that comes
from `base_case` is reported once, at `base_case`, however many examples inherit it.
"""
from __future__ import annotations

from typing import Any

from dsl.cases.document import parse_case
from dsl.diagnostics import Diagnostic
from dsl.book.schema import describe_path
from dsl.text.suggest import did_you_mean
from dsl.book.model import merge
from dsl.lang.vocabulary import Vocabulary
from dsl.text.yamlload import Document, KeyPath



def check_example_cases(doc: Document, vocabulary: Vocabulary, inherited: dict[str, Any] | None = None) -> list[Diagnostic]:
    """E502 / E503 for every example of every rule, located at the key or value in the file.
    A shop overlay's examples (its rules' and its top-level `examples:` with a `case`) start
    from the `base_case` it `inherited`, merged with its own."""
    data = doc.data if isinstance(doc.data, dict) else {}
    base = data.get("base_case") if isinstance(data.get("base_case"), dict) else {}
    full = merge(inherited, base) if inherited else base
    found: dict[tuple[str, KeyPath], Diagnostic] = {}
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    for i, rule in enumerate(rules):
        examples = rule.get("examples") if isinstance(rule, dict) else None
        for j, example in enumerate(examples if isinstance(examples, list) else []):
            if isinstance(example, dict):
                _example(doc, vocabulary, full, example, ("rules", i, "examples", j), found, base)
    extra = data.get("examples") if inherited is not None and isinstance(data.get("examples"), list) else []
    for j, example in enumerate(extra):
        if isinstance(example, dict) and isinstance(example.get("case"), dict):
            _example(doc, vocabulary, full, example, ("examples", j), found, base)
    return list(found.values())


def _example(doc: Document, vocabulary: Vocabulary, base: dict[str, Any], example: dict[str, Any],
             path: KeyPath, found: dict[tuple[str, KeyPath], Diagnostic], own_base: dict[str, Any]) -> None:
    own = example.get("case") if isinstance(example.get("case"), dict) else {}
    case = merge(base, own)
    case.setdefault("id", str(example.get("name", "")))
    parsed = parse_case(case, vocabulary, str(example.get("name", "")))
    if parsed.fatal:   # `rulebook test` says "the example's case cannot be read"
        _add(doc, found, "E503", path + ("case",), {"path": "order", "detail": parsed.fatal}, None)
        return
    for unknown in parsed.unknown:
        where = _locate(unknown, own, path + ("case",)) or _locate(unknown, own_base, ("base_case",)) or path + ("case",)
        if where:
            suggestion = did_you_mean(unknown, vocabulary.paths())
            hint = ("did_you_mean", {"suggestion": suggestion}) if suggestion else None
            _add(doc, found, "E502", where, {"path": unknown}, hint, key=True)
    expect = example.get("expect")
    if isinstance(expect, dict) and expect.get("error") not in (None, False):
        return   # the example is about a bad value
    for problem in parsed.problems:
        where = _locate(problem.path, own, path + ("case",)) or _locate(problem.path, own_base, ("base_case",)) or path + ("case",)
        if where:
            _add(doc, found, "E503", where, {"path": problem.path, "detail": problem.detail},
                 _hint(vocabulary, problem.path, doc.nodes.get(where)))


def _locate(dotted: str, obj: dict[str, Any], prefix: KeyPath) -> KeyPath | None:
    """The YAML path of `order.paid_amount` in a case mapping (a key may itself hold dots)."""
    if dotted in obj:
        return prefix + (dotted,)
    head, dot, rest = dotted.partition(".")
    if dot and isinstance(obj.get(head), dict):
        return _locate(rest, obj[head], prefix + (head,))
    return None


def _hint(vocabulary: Vocabulary, path: str, node: Any) -> tuple[str, dict[str, Any]] | None:
    fld = vocabulary.get(path)
    raw = getattr(node, "value", None)
    if fld is None or not isinstance(raw, str):
        return None
    if fld.type.kind == "bool":
        return ("case_bool", {})
    if fld.type.values is not None:
        close = did_you_mean(raw, fld.type.values, cutoff=0.6)
        return ("did_you_mean", {"suggestion": close}) if close else ("schema_enum", {"options": ", ".join(sorted(fld.type.values))})
    return None


def _taken(doc: Document) -> set[Any]:
    """Spans the loader already reported (computed once per document)."""
    taken = doc.__dict__.get("_case_check_taken")
    if taken is None:
        taken = doc.__dict__["_case_check_taken"] = {d.span for d in doc.diagnostics}
    return taken


def _add(doc: Document, found: dict[tuple[str, KeyPath], Diagnostic], code: str, where: KeyPath, args: dict[str, Any],
         hint: tuple[str, dict[str, Any]] | None, key: bool = False) -> None:
    if (code, where) in found:
        return
    span = doc.nearest_span(where, key=key)
    if span in _taken(doc):   # the loader said it already (E307 for a plain `no`)
        return
    found[(code, where)] = Diagnostic(code, span, doc.file, args, hint, describe_path(where, doc.data),
                                      source_line=doc.line_text(span.line) if span else None)
