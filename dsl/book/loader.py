"""Rulebook YAML -> checked model: shape, parameters, expressions, versions, examples.

Every stage adds to one list of diagnostics, so `check` reports all problems of a file
in one run.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsl.lang import ast
from dsl.lang.checker import Param, Scope
from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.book.notices import read_notices, read_timestamp
from dsl.book.model import Alternative, Example, ExprRef, ParamDef, Rule, Rulebook, Version
from dsl.book.expressions import checked_expression
from dsl.book.names import check_example_names, check_version_names
from dsl.book.parammoney import check_param_values
from dsl.book.schema import describe_path, validate_shape
from dsl.lang.types import ANY, BOOL, DATE, DURATION, INT, MONEY, STR, TIMESTAMP, Type, list_of, unify
from dsl.lang.lower import duration_bound_phrase
from dsl.lang.values import BadValueError, parse_date, parse_duration, parse_timestamp, value_slip
from dsl.lang.vocabulary import Vocabulary, default_vocabulary
from dsl.text.yamlload import Document, KeyPath, load_yaml
from dsl.limits import MAX_EXPRESSION_CHARS, MAX_FILE_BYTES



def read_document(path: str | Path) -> Document:
    """Read and parse a rulebook file; unreadable files become diagnostics too."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        doc = Document(name, "")
        doc.diagnostics.append(unreadable(name, exc.strerror or str(exc)))
        return doc
    return document_from_bytes(raw, name)


def unreadable(name: str, detail: str) -> Diagnostic:
    """E309: the file `name` cannot be read (`detail`: the system's reason, or not UTF-8)."""
    return Diagnostic("E309", None, name, {"path": name, "detail": detail})


def document_from_bytes(raw: bytes, name: str) -> Document:
    """A rulebook's bytes (a file's, or text sent to the workbench) parsed, as `read_document`
    reads a file: the same size limit, decoding and YAML reader, so both say the same."""
    if len(raw) > MAX_FILE_BYTES:
        doc = Document(name, "")
        doc.error("E310", Span(1, 1, 1, 2), detail=Phrase("limit.bytes", size=len(raw), limit=MAX_FILE_BYTES))
        return doc
    text, problem = decode_rulebook(raw, name)
    if problem is not None:
        doc = Document(name, "")
        doc.diagnostics.append(problem)
        return doc
    return load_yaml(text, name)


def decode_rulebook(raw: bytes, name: str) -> tuple[str, Diagnostic | None]:
    """A rulebook file's text (a BOM dropped, CRLF read as LF) and, when its bytes are not
    UTF-8, the E309 that says so; the text is then only a view with U+FFFD for what could not
    be read (the workbench shows it, and must never write it back)."""
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n"), None
    except UnicodeDecodeError as exc:
        problem = unreadable(name, Phrase("read.not_utf8", byte=exc.start))
        return raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n"), problem


def build_rulebook(doc: Document, vocabulary: Vocabulary | None = None, origin: Path | None = None) -> Rulebook | None:
    """The checked model of a parsed document; problems are added to `doc.diagnostics`.
    A shop overlay (`extends:`) is merged with its base into one model (book/overlay.py);
    `origin` is the file its relative `extends:` is read from (default: the document's file)."""
    vocabulary = vocabulary or default_vocabulary()
    if not shaped(doc):
        return None
    data = doc.data
    if "extends" in data:
        from dsl.book.overlay import build_overlay

        return build_overlay(doc, vocabulary, origin)
    from dsl.book.overlaykeys import refuse_overlay_keys

    refuse_overlay_keys(doc)
    params = _parameters(doc, data.get("parameters"))
    scope = param_scope(vocabulary, params, data.get("parameters"))
    rules = build_rules(doc, scope)
    notices = build_notices(doc, scope, rules)
    check_param_values([doc], params, scope.uses)
    name = data.get("name") if isinstance(data.get("name"), dict) else {}
    base = data.get("base_case") if isinstance(data.get("base_case"), dict) else {}
    return Rulebook(str(data.get("rulebook") or Path(doc.file).stem), doc.file, name.get("zh"), name.get("en"),
                    params, rules, base, doc.text, notices=notices)


def build_notices(doc: Document, scope: Scope, rules: list[Rule]) -> list[Any]:
    """The document's holiday notices (book/notices.py), checked against `rules`: an effect
    needs a rule with a deadline."""
    timers = {r.id: any(v.deadline is not None or v.deadline_written for v in r.versions) for r in rules}
    return read_notices(doc, _Build(doc, scope), _expr, timers)


def shaped(doc: Document) -> bool:
    """The document is a mapping (else said), checked against the schema: a rulebook to build."""
    if doc.diagnostics and doc.data is None:
        return False
    if not isinstance(doc.data, dict):
        what = {type(None): "file.empty", list: "file.list", str: "file.text"}.get(type(doc.data), "file.value")
        doc.error("E302", doc.span_of(()) or Span(1, 1, 1, 2), ("shape_example", {"example": "rulebook: douyin"}),
                  detail=Phrase("shape.not_mapping", what=Phrase(what)))
        return False
    validate_shape(doc)
    return True


def param_scope(vocabulary: Vocabulary, params: dict[str, ParamDef], *raw: Any) -> Scope:
    """The names expressions may use: the fields and `params`. A parameter of a `raw`
    mapping already reported as bad is not also "unknown" where used."""
    scope = Scope(vocabulary, {n: Param(n, p.type, p.value) for n, p in params.items()})
    for mapping in raw:
        for name in mapping if isinstance(mapping, dict) else {}:
            scope.params.setdefault(str(name), Param(str(name), ANY, None))
    return scope


def build_rules(doc: Document, scope: Scope, keep: Any = None) -> list[Rule]:
    """The rules of the document's `rules:`, checked against `scope` (duplicate ids: E303).
    `keep(index, raw)` may refuse a rule before it is built (a shop overlay's redefinition)."""
    build = _Build(doc, scope)
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    rules_raw = doc.data.get("rules")
    for index, raw in enumerate(rules_raw if isinstance(rules_raw, list) else []):
        if not isinstance(raw, dict) or (keep is not None and not keep(index, raw)):
            continue
        rule = _rule(build, raw, ("rules", index))
        if rule is None:
            continue
        if rule.id in seen:
            first = seen[rule.id].span
            doc.error("E303", doc.nearest_span(("rules", index, "id")), id=rule.id, first_line=first.line if first else 0)
            continue
        seen[rule.id] = rule
        rules.append(rule)
    return rules


# -- parameters ---------------------------------------------------------------------------

def _parameters(doc: Document, raw: Any, section: str = "parameters") -> dict[str, ParamDef]:
    out: dict[str, ParamDef] = {}
    if not isinstance(raw, dict):
        return out
    for name, spec in raw.items():
        path: KeyPath = (section, name)
        labels: dict[str, Any] = {}
        if isinstance(spec, dict):
            if "value" not in spec:   # the shape check says what is missing
                continue
            labels, spec, path = spec, spec.get("value"), path + ("value",)
        parsed = _param_value(doc, path, spec)
        if parsed is None:
            continue
        typ, value = parsed
        out[str(name)] = ParamDef(str(name), typ, value, labels.get("zh"), labels.get("en"), doc.span_of(path),
                                  doc.file, path)
    return out


def _param_value(doc: Document, path: KeyPath, value: Any) -> tuple[Type, Any] | None:
    if isinstance(value, list):
        items = [_param_value(doc, path + (i,), v) for i, v in enumerate(value)]
        if any(i is None for i in items):
            return None
        item_type: Type | None = ANY
        for (t, _), i in zip(items, range(len(items))):  # type: ignore[misc]
            joined = unify(item_type or ANY, t)
            if joined is None:
                doc.error("E210", doc.nearest_span(path + (i,)), first=str(item_type), other=str(t))
                return None
            item_type = joined
        return list_of(item_type or ANY), frozenset(v for _, v in items) if item_type != ANY else frozenset()  # type: ignore[misc]
    node = doc.nodes.get(path)
    quoted = bool(getattr(node, "style", None))   # None or '' for plain scalars
    if isinstance(value, bool):
        return BOOL, value
    if isinstance(value, int):
        return INT, value
    if value is None:
        doc.error("E305", doc.nearest_span(path), text="null", detail=Phrase("param.null"))
        return None
    if not isinstance(value, str):
        from decimal import Decimal
        if isinstance(value, Decimal):
            return MONEY, value
        return None
    if quoted:
        return STR, value
    for typ, parse in ((DURATION, parse_duration), (DATE, parse_date), (TIMESTAMP, parse_timestamp)):
        try:
            return typ, parse(value)
        except BadValueError as exc:
            if getattr(exc.problem, "key", "") == "value.duration_range":   # a duration, but too long to compute
                doc.error("E305", doc.nearest_span(path), None, text=value, detail=duration_bound_phrase())
                return None
    slip = value_slip(value)
    if slip is not None:
        detail, hint = slip
        doc.error("E305", doc.nearest_span(path), hint, text=value, detail=Phrase(detail))
        return None
    if value[:1].isdigit():
        span = doc.nearest_span(path)
        if any(d.span == span and d.code == "E300" for d in doc.diagnostics):   # the loader said why (a number too long)
            return None
        doc.error("E305", span, ("param_kinds", {}), text=value, detail=Phrase("param.not_value"))
        return None
    return STR, value


# -- rules --------------------------------------------------------------------------------


@dataclass
class _Build:
    """One rulebook being built: its document, the names its expressions may use, and the
    characters of expression text read so far (all expressions of a file together are
    bounded, aliases counted each time they are used)."""

    doc: Document
    scope: Scope
    spent: int = 0
    over: bool = False


def _expr(b: _Build, path: KeyPath, raw: Any, want: Type | None, what: str) -> ExprRef | None:
    """Parse and type-check the expression at `path`; `want` is the type it must have, `what`
    names the place for E207 (a `what.` phrase key)."""
    doc = b.doc
    if raw is None or isinstance(raw, (dict, list)):
        return None
    b.spent += len(str(raw))
    if b.spent > MAX_EXPRESSION_CHARS:
        if not b.over:   # report once, at the expression that crossed the line
            b.over = True
            doc.error("E310", doc.nearest_span(path),
                      detail=Phrase("limit.expr_chars", limit=MAX_EXPRESSION_CHARS))
        return None
    text = doc.nodes[path].value if path in doc.nodes and hasattr(doc.nodes[path], "value") and isinstance(doc.nodes[path].value, str) else str(raw)
    where = describe_path(path, doc.data)
    found, ref, uses = checked_expression(doc, b.scope, path, text, where, want, what)
    doc.diagnostics.extend(found)
    b.scope.uses.extend(uses)   # the rulebook's scope gathers every expression's (book/paramenums.py)
    return ref


def _conditions(b: _Build, path: KeyPath, raw: Any) -> tuple[ExprRef, ...]:
    items = raw if isinstance(raw, list) else [raw]
    paths = [path + (i,) for i in range(len(items))] if isinstance(raw, list) else [path]
    refs = [_expr(b, p, item, BOOL, "what.condition") for p, item in zip(paths, items)]
    return tuple(r for r in refs if r is not None)


def _actions(b: _Build, path: KeyPath, raw: Any) -> tuple[Alternative, ...]:
    doc = b.doc
    if isinstance(raw, str):
        return (Alternative(None, raw),)
    out: list[Alternative] = []
    for i, alt in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(alt, dict):
            continue
        if "else" in alt and ("if" in alt or "then" in alt):
            doc.error("E302", doc.nearest_span(path + (i,)), detail=Phrase("shape.alt_both"))
        elif "else" in alt:
            if i != len(raw) - 1:
                doc.error("E302", doc.nearest_span(path + (i,)), detail=Phrase("shape.else_last"))
            out.append(Alternative(None, str(alt["else"])))
        elif "if" in alt and "then" in alt:
            cond = _expr(b, path + (i, "if"), alt["if"], BOOL, "what.alt_if")
            if cond is not None:
                out.append(Alternative(cond, str(alt["then"])))
        else:
            doc.error("E302", doc.nearest_span(path + (i,)), detail=Phrase("shape.alt_needs"))
    return tuple(out)


def _outputs(b: _Build, path: KeyPath, raw: Any) -> tuple[tuple[str, ExprRef], ...]:
    if not isinstance(raw, dict):
        return ()
    out = [(str(k), _expr(b, path + (k,), v, None, "what.output")) for k, v in raw.items()]
    return tuple((k, r) for k, r in out if r is not None)


def _version(b: _Build, path: KeyPath, raw: dict[str, Any], rule: dict[str, Any]) -> Version:
    doc = b.doc
    def pick(key: str) -> tuple[KeyPath, Any]:
        return (path + (key,), raw[key]) if key in raw else (path[:2] + (key,), rule.get(key))

    action_path, action_raw = pick("action")
    deadline_path, deadline_raw = pick("deadline")
    outputs_path, outputs_raw = pick("outputs")
    return Version(
        name=raw.get("version") if path != path[:2] else None,
        start=read_timestamp(doc, path + ("from",), raw.get("from")),
        until=read_timestamp(doc, path + ("until",), raw.get("until")),
        conditions=_conditions(b, path + ("when",), raw.get("when")),
        actions=_actions(b, action_path, action_raw),
        deadline=_expr(b, deadline_path, deadline_raw, TIMESTAMP, "what.deadline"),
        outputs=_outputs(b, outputs_path, outputs_raw),
        description=raw.get("description"),
        span=doc.span_of(path),
        deadline_written=deadline_raw is not None,
    )


def _rule(b: _Build, raw: dict[str, Any], path: KeyPath) -> Rule | None:
    doc = b.doc
    rule_id = raw.get("id")
    if not isinstance(rule_id, str):
        return None
    versions_raw = raw.get("versions")
    if isinstance(versions_raw, list) and versions_raw:
        if "when" in raw:
            doc.error("E302", doc.nearest_span(path + ("when",), key=True),
                      detail=Phrase("shape.when_in_versions", id=rule_id))
        versions = tuple(_version(b, path + ("versions", i), v, raw)
                         for i, v in enumerate(versions_raw) if isinstance(v, dict))
        by = _expr(b, path + ("versions_by",), raw.get("versions_by"), TIMESTAMP, "what.versions_by")
        _check_versions(doc, path, versions)
        check_version_names(doc, path, rule_id, versions_raw)
    else:
        if "when" not in raw:
            doc.error("E302", doc.nearest_span(path), detail=Phrase("shape.needs_when", id=rule_id))
        versions = (_version(b, path, raw, raw),)
        by = None
    name = raw.get("name") if isinstance(raw.get("name"), dict) else {}
    examples = tuple(_example(doc, path + ("examples", i), e)
                     for i, e in enumerate(_list(raw.get("examples"))) if isinstance(e, dict))
    check_example_names(doc, path, rule_id, _list(raw.get("examples")))
    return Rule(rule_id, str(name.get("zh", rule_id)), str(name.get("en", rule_id)), raw.get("description"),
                raw.get("source") if isinstance(raw.get("source"), dict) else {}, by, versions, examples,
                doc.span_of(path))


def _list(value: Any) -> list[Any]:
    """A list the shape check has vouched for; anything else was reported there (E302)."""
    return value if isinstance(value, list) else []


def _check_versions(doc: Document, path: KeyPath, versions: tuple[Version, ...]) -> None:
    """Versions in time order, none overlapping: [from, until) intervals."""
    for i in range(1, len(versions)):
        prev, cur = versions[i - 1], versions[i]
        span = doc.nearest_span(path + ("versions", i))
        if cur.start is None or (prev.start is not None and cur.start < prev.start):
            doc.error("E304", span, a=prev.name, b=cur.name, detail=Phrase("version.order"))
        elif prev.until is None or prev.until > cur.start:
            doc.error("E304", span, a=prev.name, b=cur.name,
                      detail=Phrase("version.open", a=prev.name, start=cur.start.isoformat())
                      if prev.until is None else Phrase("version.overlap", a=prev.name, until=prev.until.isoformat()))
    for i, v in enumerate(versions):
        if v.start is not None and v.until is not None and v.until <= v.start:
            doc.error("E304", doc.nearest_span(path + ("versions", i)), a=v.name, b=v.name,
                      detail=Phrase("version.empty"))


def _example(doc: Document, path: KeyPath, raw: dict[str, Any]) -> Example:
    return Example(str(raw.get("name", "")), raw.get("case") or {}, None if raw.get("at") is None else str(raw["at"]),
                   raw.get("expect") or {}, doc.span_of(path), describe_path(path, doc.data))


def load_model(path: str | Path, vocabulary: Vocabulary | None = None,
               cases: bool = False) -> tuple[Rulebook | None, list[Diagnostic]]:
    """Read, validate and check one rulebook file: the model and every diagnostic. With
    `cases` (what `rulebook check` does), the cases of `base_case` and the examples are read
    as `eval` reads a case: unknown fields and bad values are diagnostics at their line; and
    what each example expects is checked against what its rule has (book/expectcheck.py)."""
    return model_of(read_document(path), vocabulary, cases)


def model_of(doc: Document, vocabulary: Vocabulary | None = None,
             cases: bool = False, origin: Path | None = None) -> tuple[Rulebook | None, list[Diagnostic]]:
    """`load_model` of a document already read (from a file or from text). `origin`: where
    a shop overlay's relative `extends:` is read from (default: the document's own file)."""
    model = build_rulebook(doc, vocabulary, origin) if not doc.diagnostics or doc.data is not None else None
    if cases and model is not None:
        from dsl.book.casecheck import check_example_cases
        from dsl.book.expectcheck import check_expectations

        inherited = model.overlay.inherited_base_case if model.overlay is not None else None
        doc.diagnostics.extend(check_example_cases(doc, vocabulary or default_vocabulary(), inherited))
        check_expectations(doc, model)
    return model, sorted(doc.diagnostics, key=Diagnostic.sort_key)


__all__ = ["load_model", "model_of", "build_rulebook", "read_document", "document_from_bytes", "ast"]
