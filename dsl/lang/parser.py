"""Parse expression text into the AST; the only module that imports lark."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from dsl.lang import ast
from dsl.text.chars import INVISIBLE, ascii_for, char_name
from dsl.diagnostics import Diagnostic, DslError, Phrase
from dsl.text.origin import Origin
from dsl.lang.values import BadValueError, parse_date, parse_duration, parse_money, parse_timestamp, suggest_duration, suggest_money
from dsl.limits import MAX_EXPR_CHARS, MAX_EXPR_DEPTH, MAX_INT_DIGITS


_EXPECTED_WORDS: Final[dict[str, tuple[str, str]]] = {
    "RPAR": ("')'", "')'"), "LPAR": ("'('", "'('"), "RSQB": ("']'", "']'"), "LSQB": ("'['", "'['"),
    "NAME": ("a name", "名称"), "INT": ("a number", "数字"), "DECIMAL": ("a number", "数字"),
    "STRING": ("a quoted text", "带引号的文本"), "THEN": ("'then'", "'then'"), "ELSE": ("'else'", "'else'"),
    "COMMA": ("','", "','"), "CMP": ("a comparison", "比较运算"), "$END": ("the end", "表达式结尾"), "IN": ("'in'", "'in'"),
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """Built once per process; Lark parsers keep no per-parse state, so sharing is safe."""
    grammar = resources.files("dsl.lang").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def parse_expr(text: str, origin: Origin | None = None) -> ast.Expr:
    """`parse_expr("order.paid_amount <= 300")` -> ast.Compare(...). Raises DslError."""
    origin = origin or Origin.of_text(text)
    problems = _scan(text, origin)
    if problems:
        raise DslError(problems)
    if not text.strip():
        raise DslError([_diag("E109", origin, 0, max(1, len(text)))])
    if len(text) > MAX_EXPR_CHARS:
        raise DslError([_diag("E107", origin, 0, 1, detail=Phrase("expr.too_long", limit=MAX_EXPR_CHARS))])
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise DslError([_translate(exc, text, origin)]) from None
    depth = _depth(tree)
    if depth > MAX_EXPR_DEPTH:
        raise DslError([_diag("E107", origin, 0, 1, detail=Phrase("expr.too_deep", depth=depth, limit=MAX_EXPR_DEPTH))])
    try:
        return _ToAst(origin).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, DslError):
            raise exc.orig_exc from None
        raise


def _diag(code: str, origin: Origin, start: int, end: int, hint: tuple[str, dict[str, Any]] | None = None,
          **args: Any) -> Diagnostic:
    span = origin.span(start, end)
    if hint is None and not origin.exact:
        hint = ("quoted_scalar", {})
    return Diagnostic(code, span, origin.file, args, hint, origin.path, source_line=origin.line_text(span.line))


def _scan(text: str, origin: Origin) -> list[Diagnostic]:
    """Every full-width or invisible character outside quotes, each with what was meant."""
    found: list[Diagnostic] = []
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote or ch == "\n":
                quote = None
            continue
        if ch in "'\"":
            quote = ch
            continue
        ascii_ = ascii_for(ch)
        if ascii_ is not None:
            found.append(_diag("E104", origin, i, i + 1, ("fullwidth", {"ascii": ascii_}), char=ch, name=char_name(ch)))
        elif ch in INVISIBLE:
            found.append(_diag("E104", origin, i, i + 1, ("invisible", {}), char=ch, name=char_name(ch)))
    return found


def _depth(tree: Tree) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_EXPR_DEPTH:
            break
        stack.extend((child, level + 1) for child in node.children if isinstance(child, Tree))
    return deepest


def _translate(exc: UnexpectedInput, text: str, origin: Origin) -> Diagnostic:
    """Lark's errors in words an operations person can act on."""
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        ch = text[pos]
        if ch in "'\"":
            return _diag("E105", origin, pos, len(text.split("\n")[0]) if "\n" not in text[pos:] else text.index("\n", pos))
        hint = {"&": ("keyword_logic", {"word": "and"}), "|": ("keyword_logic", {"word": "or"}),
                "!": ("keyword_logic", {"word": "not"}), "=": ("single_equals", {})}.get(ch)
        if ch in "¥￥":    # `¥5000`
            amount = re.match(r"[¥￥]\s*[0-9][0-9,.]*", text[pos:])
            meant = suggest_money(amount.group()) if amount else None
            hint = ("money_meant", {"meant": meant}) if meant else hint
        return _diag("E101", origin, pos, pos + 1, hint, char=ch)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        expected = _expected(exc)
        hint = ("close_paren", {}) if "')'" in expected else ("expected", {"expected": expected}) if expected else None
        end = len(text.rstrip())
        return _diag("E102", origin, max(0, end - 1), end, hint)
    assert isinstance(exc, UnexpectedToken)
    token: Token = exc.token
    start, end = token.start_pos or 0, token.end_pos or (token.start_pos or 0) + 1
    hint = _token_hint(token, text, exc)
    if hint is not None and hint[0] == "duration_meant":   # `7 天`: a number, a space, a unit word
        before = text[:start].rstrip()
        number_start = len(before) - len(before.split()[-1]) if before.split() else start
        return _diag("E103", origin, number_start, end, hint, text=text[number_start:end])
    return _diag("E108", origin, start, end, hint, token=str(token))


def _token_hint(token: Token, text: str, exc: UnexpectedToken) -> tuple[str, dict[str, Any]] | None:
    before = text[: token.start_pos].rstrip()
    last_word = before.split()[-1] if before.split() else ""
    if token.type == "NAME":
        meant = suggest_duration(f"{last_word} {token}") if last_word.isdigit() else None
        if meant:
            return ("duration_meant", {"meant": meant})
        if str(token).lower() in ("and", "or", "not", "in", "true", "false", "null"):
            return ("keyword_logic", {"word": str(token).lower()})
        return ("quote_strings", {})
    if token.type == "COMMA" and re.search(r"[0-9]$", before) and re.match(r",[0-9]{3}", text[token.start_pos or 0:]):
        head, tail = re.search(r"[0-9]+$", before), re.match(r"(,[0-9]{3})+(\.[0-9]+)?", text[token.start_pos or 0:])
        meant = suggest_money(head.group() + tail.group()) if head and tail else None   # `5,000.00`
        if meant:
            return ("money_meant", {"meant": meant})
    if token.type in ("CMP", "IN"):
        return ("text", {"en": "comparisons do not chain: write 'a < b and b < c'",
                         "zh": "比较不能连写：请写成 'a < b and b < c'"})
    expected = _expected(exc)
    return ("expected", {"expected": expected}) if expected else None


def _expected(exc: UnexpectedInput) -> str:
    """What lark expected, in words of both languages (a Phrase; empty when nothing is known)."""
    names = sorted(getattr(exc, "expected", None) or getattr(exc, "accepts", None) or [])
    words = sorted({_EXPECTED_WORDS[n] for n in names if n in _EXPECTED_WORDS})[:6]
    if not words:
        return ""
    return Phrase("pair", en=", ".join(w[0] for w in words), zh="、".join(w[1] for w in words))


@v_args(meta=True)
class _ToAst(Transformer):
    """Lark tree -> ast nodes, one method per grammar alias."""

    def __init__(self, origin: Origin):
        super().__init__()
        self.origin = origin

    def _span(self, meta: Any) -> Any:
        return self.origin.span(meta.start_pos, meta.end_pos)

    def _tok_span(self, tok: Token) -> Any:
        return self.origin.span(tok.start_pos or 0, tok.end_pos or 0)

    def _bad(self, code: str, tok: Token, hint: tuple[str, dict[str, Any]] | None = None, **args: Any) -> DslError:
        return DslError([_diag(code, self.origin, tok.start_pos or 0, tok.end_pos or 0, hint, **args)])

    def int_const(self, meta, children):
        tok = children[0]
        if len(tok) > MAX_INT_DIGITS:
            raise self._bad("E110", tok, digits=len(tok), limit=MAX_INT_DIGITS)
        return ast.Const(self._span(meta), int(tok))

    def decimal_const(self, meta, children):
        return ast.Const(self._span(meta), parse_money(str(children[0])))

    def duration_const(self, meta, children):
        tok = children[0]
        try:
            return ast.Const(self._span(meta), parse_duration(str(tok)))
        except BadValueError:
            meant = suggest_duration(str(tok))
            if meant:
                raise self._bad("E103", tok, ("duration_meant", {"meant": meant}), text=str(tok)) from None
            amount = suggest_money(str(tok)) or _plain_number(str(tok))
            if amount:   # `5000元`, `1e3`
                raise self._bad("E111", tok, ("money_meant", {"meant": amount}), text=str(tok)) from None
            raise self._bad("E103", tok, ("duration", {"example": "48h, 7d, 30m"}), text=str(tok)) from None

    def datetime_const(self, meta, children):
        tok = str(children[0])
        try:
            value = parse_timestamp(tok) if "T" in tok else parse_date(tok)
        except BadValueError as exc:
            raise self._bad("E106", children[0], None, text=tok, detail=exc.args[0]) from None
        return ast.Const(self._span(meta), value)

    def string_const(self, meta, children):
        raw = str(children[0])[1:-1]
        return ast.Const(self._span(meta), _unescape(raw))

    def true_const(self, meta, children):
        return ast.Const(self._span(meta), True)

    def false_const(self, meta, children):
        return ast.Const(self._span(meta), False)

    def null_const(self, meta, children):
        return ast.Const(self._span(meta), None)

    def list_expr(self, meta, children):
        items = tuple(c for c in children if isinstance(c, ast.Expr))
        return ast.ListExpr(self._span(meta), items)

    def call(self, meta, children):
        name = str(children[0])
        args = tuple(c for c in children[1:] if isinstance(c, ast.Expr))
        return ast.Call(self._span(meta), name, args)

    def name(self, meta, children):
        return ast.Name(self._span(meta), tuple(str(c) for c in children))

    def paren(self, meta, children):
        return children[1]

    def unary(self, meta, children):
        op = "not" if children[0].type == "NOT" else "-"
        return ast.Unary(self._span(meta), op, children[1])

    def binary(self, meta, children):
        return ast.Binary(self._span(meta), str(children[1]), children[0], children[2])

    def compare(self, meta, children):
        return ast.Compare(self._span(meta), str(children[1]), children[0], children[2])

    def not_in(self, meta, children):
        return ast.Compare(self._span(meta), "not in", children[0], children[3])

    def logical(self, meta, children):
        left, op, right = children
        op = str(op)
        items = (left.items if isinstance(left, ast.Logical) and left.op == op else (left,)) + (right,)
        return ast.Logical(self._span(meta), op, items)

    def cond(self, meta, children):
        return ast.Cond(self._span(meta), children[1], children[3], children[5])


def _unescape(raw: str) -> str:
    out, i = [], 0
    table = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(table.get(raw[i + 1], raw[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _plain_number(text: str) -> str | None:
    """`1e3` as the language writes numbers (`1000`), or None when `text` is no such number:
    the grammar reads `1e3` as a number and a unit, which is no duration."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]{1,3}", text):
        return None
    from decimal import Decimal

    return format(Decimal(text), "f")

