"""Why a rule decided as it did: each condition with the values it saw, in Chinese or English.

    订单实付金额 order.paid_amount = 329.00 ≤ 300.00 (params.lightning_max_amount) ✗
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from dsl.book.model import ExprRef
from dsl.lang import ast
from dsl.lang.semantics import Env, FieldError, Undecided
from dsl.lang.unparse import const_text, unparse
from dsl.lang.vocabulary import Vocabulary

_SYMBOLS = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "==", "<": "<", ">": ">", "in": "∈", "not in": "∉"}
_MARKS = {True: "✓", False: "✗", None: "?"}

TEXT = {
    "version": ("version {name}: {by}", "版本 {name}：{by}"),
    "no_version_missing": ("? {by} is missing, so no version applies", "? {by} 缺失，无法确定适用版本"),
    "no_version": ("✗ no version is in effect for {by}", "✗ {by} 不在任何版本的生效期内"),
    "all_hold": ("all {n} conditions hold", "全部 {n} 个条件成立"),
    "one_holds": ("the condition holds", "条件成立"),
    "missing": ("missing", "缺失"),
    "bad_field": ("field {path} has a bad value", "字段 {path} 的值无效"),
    "failed": ("evaluation failed: {detail}", "求值失败：{detail}"),
}


@dataclass(frozen=True)
class Reason:
    """One line of a rule's explanation and what it explains: a condition of the rule (or its
    `versions_by`) with the value the engine found, True/False/None (unknown: a missing or bad
    value); `ref` is None for a summary line ("all 3 conditions hold"). `why` is the texts; the
    workbench's gutter and an editor's inlay hints read the rest, so both show the same judgement."""

    text: str
    ref: ExprRef | None = None
    state: bool | None = None


def say(key: str, lang: str, **args: Any) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**args)


# A condition's explanation is a template: static text (labels, operators, parameter values)
# and slots filled with the case's values. Templates are built once per condition and
# language, so explaining a batch costs little more than evaluating the slots.
_Slot = tuple[ast.Expr, "str | None"]          # (node to evaluate, field path for enum labels)
_Part = Union[str, _Slot, None]                # None: the ✓/✗/? mark
_TEMPLATES: dict[tuple[int, str, int], tuple[ast.Expr, list[_Part]]] = {}   # the tree is kept: ids stay unique


class Explainer:
    """Renders conditions with their values for one case (slow path: only when asked why)."""

    def __init__(self, vocabulary: Vocabulary, params: dict[str, Any], view: dict[str, Any], at: datetime, lang: str):
        self.vocabulary, self.params = vocabulary, params
        self.env = Env(view, params, at)
        self.lang = lang

    def value(self, node: ast.Expr) -> Any:
        """A value shown beside a condition; one that hangs on a bad value raises (shown as `!`)."""
        if isinstance(node, ast.Name):
            value = self.env.lookup(node)
        else:
            from dsl.lang.interpreter import interpret   # a computed value: the oracle shows it

            value = interpret(node, self.env)
        if isinstance(value, Undecided):
            raise FieldError(value.problems[0])
        return value

    def shown(self, value: Any, field_path: str | None = None) -> str:
        if value is None:
            return f"null ({say('missing', self.lang)})" if field_path else "null"
        if isinstance(value, dict):
            return "{…}"
        text = const_text(value)
        fld = self.vocabulary.get(field_path) if field_path else None
        if fld is not None and isinstance(value, str):
            label = fld.value_label(value, self.lang)
            if label and label != value:
                text += f"（{label}）" if self.lang == "zh" else f" ({label})"
        return text

    def describe(self, node: ast.Expr) -> str:
        """`订单实付金额 order.paid_amount = 329.00`, or `days_between(…) = 4`."""
        return self._render(self._describe_parts(node), None)

    def condition(self, tree: ast.Expr, value: Any) -> str:
        key = (id(tree), self.lang, id(self.vocabulary))
        entry = _TEMPLATES.get(key)
        if entry is None or entry[0] is not tree:
            entry = _TEMPLATES[key] = (tree, self._condition_parts(tree))
        return self._render(entry[1], _MARKS.get(value, "?"))

    def _render(self, parts: list[_Part], mark: str | None) -> str:
        out = []
        for part in parts:
            if part is None:
                out.append(mark or "?")
            elif isinstance(part, str):
                out.append(part)
            else:
                node, path = part
                try:
                    out.append(self.shown(self.value(node), path))
                except Exception:  # noqa: BLE001 - a value that cannot be computed is shown, not raised
                    out.append("!")
        return "".join(out)

    def _describe_parts(self, node: ast.Expr) -> list[_Part]:
        if isinstance(node, ast.Name) and node.kind == "param":
            return [self.shown(self.value(node)) + f" ({node.dotted})"]
        if isinstance(node, ast.Name) and node.kind == "now":
            return [("判定时间 " if self.lang == "zh" else "") + "now = ", (node, None)]
        if isinstance(node, ast.Name):
            fld = self.vocabulary.get(node.dotted)
            label = (fld.label(self.lang) + " ") if fld else ""
            return [f"{label}{node.dotted} = ", (node, node.dotted)]
        if isinstance(node, (ast.Const, ast.ListExpr)) and not _reads_case(node):
            return [self.shown(self.value(node))]
        return [f"{unparse(node)} = ", (node, None)]

    def _condition_parts(self, tree: ast.Expr) -> list[_Part]:
        if isinstance(tree, ast.Compare):
            return [*self._describe_parts(tree.left), f" {_SYMBOLS[tree.op]} ", *self._describe_parts(tree.right), " ", None]
        if isinstance(tree, ast.Name):
            return [*self._describe_parts(tree), " ", None]
        if isinstance(tree, ast.Unary) and tree.op == "not" and isinstance(tree.operand, ast.Name):
            return ["not ", *self._describe_parts(tree.operand), " ", None]
        parts: list[_Part] = [unparse(tree), " ", None]
        seen: set[str] = set()
        detail: list[_Part] = []
        for n in ast.names(tree):
            if n.kind == "param" or n.dotted in seen:
                continue
            seen.add(n.dotted)
            detail += (["; "] if detail else []) + self._describe_parts(n)
        return parts + (["  [", *detail, "]"] if detail else [])


def _reads_case(node: ast.Expr) -> bool:
    return any(n.kind != "param" for n in ast.names(node))
