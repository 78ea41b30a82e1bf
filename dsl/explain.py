"""Why a rule decided as it did: each condition with the values it saw, in Chinese or English.

    订单实付金额 order.paid_amount = 329.00 ≤ 300.00 (params.lightning_max_amount) ✗
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from . import ast
from .interpreter import Env, interpret
from .unparse import const_text, unparse
from .vocabulary import Vocabulary

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


def say(key: str, lang: str, **args: Any) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**args)


class Explainer:
    """Renders conditions with their values for one case (slow path: only when asked why)."""

    def __init__(self, vocabulary: Vocabulary, params: dict[str, Any], view: dict[str, Any], at: datetime, lang: str):
        self.vocabulary, self.params = vocabulary, params
        self.env = Env(view, params, at)
        self.lang = lang

    def value(self, node: ast.Expr) -> Any:
        return interpret(node, self.env)

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
        if isinstance(node, ast.Name) and node.path[0] == "params":
            return self.shown(self.value(node)) + f" ({node.dotted})"
        if isinstance(node, ast.Name):
            fld = self.vocabulary.get(node.dotted)
            if node.path == ("now",):
                label = "判定时间 " if self.lang == "zh" else ""
                return f"{label}now = {self.shown(self.value(node))}"
            label = (fld.label(self.lang) + " ") if fld else ""
            return f"{label}{node.dotted} = {self.shown(self.value(node), node.dotted)}"
        if isinstance(node, (ast.Const, ast.ListExpr)) and not _reads_case(node):
            return self.shown(self.value(node))
        return f"{unparse(node)} = {self.shown(self.value(node))}"

    def condition(self, tree: ast.Expr, value: Any) -> str:
        mark = _MARKS.get(value, "?")
        if isinstance(tree, ast.Compare):
            return f"{self.describe(tree.left)} {_SYMBOLS[tree.op]} {self.describe(tree.right)} {mark}"
        if isinstance(tree, ast.Name):
            return f"{self.describe(tree)} {mark}"
        if isinstance(tree, ast.Unary) and tree.op == "not" and isinstance(tree.operand, ast.Name):
            return f"not {self.describe(tree.operand)} {mark}"
        names = [n for n in ast.names(tree) if n.path[0] != "params"]
        seen: list[str] = []
        for n in names:
            text = self.describe(n)
            if text not in seen:
                seen.append(text)
        detail = f"  [{'; '.join(seen)}]" if seen else ""
        return f"{unparse(tree)} {mark}{detail}"


def _reads_case(node: ast.Expr) -> bool:
    return any(n.path[0] != "params" for n in ast.names(node))
