"""Write generated Python readably: statements at their indentation, long expressions broken
one operand per line, the way jinja's `CodeGenerator.writeline/indent` keeps its output legible.

Code generators build each expression as one string (that is how `codegen.ExprGen` works);
the `Emitter` lays it out. A long expression is broken inside brackets only, at the boolean
operators and conditional branches first, so the module parses to the same tree as the
one-line text, and `compile_generated` compiles it to the same bytecode: layout is for the
reader, never for the machine (tests/engine/test_decider_golden.py holds that). A line stays long
only where one literal or name is longer than the width.
"""
from __future__ import annotations

import ast as pyast
import re
import textwrap
from contextlib import contextmanager
from types import CodeType
from typing import Any, Iterator

WIDTH = 100
_STEP = "    "


class Emitter:
    """Statements at their indentation, kept as written and laid out when rendered, so that
    code generated once can be rendered at two depths (`render(level)`) with the same width."""

    def __init__(self) -> None:
        self.ops: list[tuple[int, str, Any]] = []   # (level, kind, text or tests)
        self.level = 0

    def indent(self) -> None:
        self.level += 1

    def outdent(self) -> None:
        self.level -= 1

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """`header:` then an indented body."""
        self.writeline(header + ":")
        self.indent()
        try:
            yield
        finally:
            self.outdent()

    @contextmanager
    def if_block(self, keyword: str, tests: list[str]) -> Iterator[None]:
        """`if`/`elif` over a conjunction, one condition per line when there are several."""
        self.ops.append((self.level, "if", (keyword, tests)))
        self.indent()
        try:
            yield
        finally:
            self.outdent()

    def comment(self, text: str) -> None:
        self.ops.append((self.level, "#", text))

    def writeline(self, text: str) -> None:
        """One statement; an expression in it that does not fit is broken over lines."""
        self.ops.append((self.level, "=", text))

    def render(self, level: int = 0, width: int | None = WIDTH) -> list[str]:
        """The lines, each statement `level` deeper; `width=None`: every statement on one line
        (the layout-free form the tests compare against)."""
        lines: list[str] = []
        for depth, kind, item in self.ops:
            pad = _STEP * (level + depth)
            if kind == "#":
                room = max(40, (width or 10**6) - len(pad) - 2)
                lines += [pad + "# " + line for line in textwrap.wrap(item, room, break_long_words=False)]
            elif kind == "if":
                lines += _if_lines(item[0], item[1], pad, width)
            else:
                lines += _statement(item, pad, width)
        return lines


def _statement(text: str, pad: str, width: int | None) -> list[str]:
    if width is None or len(pad) + len(text) <= width:
        return [pad + text]
    return [pad + line if i == 0 else line for i, line in enumerate(_layout_statement(text, pad, width))]


def _if_lines(keyword: str, tests: list[str], pad: str, width: int | None) -> list[str]:
    if len(tests) <= 1 or width is None:
        return _statement(f"{keyword} {' and '.join(tests) or 'True'}:", pad, width)
    inner = pad + _STEP
    lines = [f"{pad}{keyword} ("]
    for i, test in enumerate(tests):
        prefix = "" if i == 0 else "and "
        part = _Layout(test, width).fmt(None, len(inner) + len(prefix), inner, _IN_BOOL)
        lines += [inner + prefix + part[0], *part[1:]]
    return lines + [pad + "):"]


def lay_out(source: str, width: int | None = WIDTH) -> str:
    """Source written elsewhere (one statement a line), its long statements broken."""
    lines = []
    for line in source.split("\n"):
        text = line.lstrip(" ")
        lines += _statement(text, line[:len(line) - len(text)], width) if text else [line]
    return "\n".join(lines)


def _layout_statement(text: str, pad: str, width: int) -> list[str]:
    """`target = expr`, `if expr:`, `elif expr:`, `return expr`, broken; anything else as it is."""
    try:
        return _layout_known(text, pad, width)
    except SyntaxError:   # not one of those forms after all
        return [text]


def _layout_known(text: str, pad: str, width: int) -> list[str]:
    for head, tail in (("if ", ":"), ("elif ", ":"), ("return ", "")):
        if text.startswith(head) and text.endswith(tail):
            expr = text[len(head):len(text) - len(tail)]
            return _joined(head, expr, tail, pad, width)
    target, sep, expr = text.partition(" = ")
    if sep and target.isidentifier() and " = " not in expr:
        return _joined(target + sep, expr, "", pad, width)
    return [text]


def _joined(head: str, expr: str, tail: str, pad: str, width: int) -> list[str]:
    parts = _Layout(expr, width).fmt(None, len(pad) + len(head), pad, _TOP)
    parts[0] = head + parts[0]
    parts[-1] += tail
    return parts


# Contexts a piece is written in, for the parentheses it needs there.
_TOP, _IN_BOOL, _OPERAND = 0, 1, 2
_LOOSE = {
    _TOP: (pyast.NamedExpr,),
    _IN_BOOL: (pyast.BoolOp, pyast.IfExp, pyast.NamedExpr, pyast.Lambda),
    _OPERAND: (pyast.BoolOp, pyast.IfExp, pyast.NamedExpr, pyast.Lambda, pyast.Compare, pyast.UnaryOp, pyast.BinOp),
}
_CMP = {pyast.Eq: "==", pyast.NotEq: "!=", pyast.Lt: "<", pyast.LtE: "<=", pyast.Gt: ">", pyast.GtE: ">=",
        pyast.Is: "is", pyast.IsNot: "is not", pyast.In: "in", pyast.NotIn: "not in"}


class _Layout:
    """One expression (one line of text) broken over lines. A piece that fits is the text
    of its node as written (sliced by the node's offsets, not re-printed: layout stays
    linear), in parentheses where its place needs them."""

    def __init__(self, text: str, width: int):
        self.raw = text.encode("utf-8")   # node offsets count UTF-8 bytes
        self.node = pyast.parse(text, mode="eval").body
        self.width = width

    def flat(self, node: pyast.expr, ctx: int) -> str:
        text = self.raw[node.col_offset:node.end_col_offset].decode("utf-8")
        return f"({text})" if isinstance(node, _LOOSE[ctx]) else text

    def fmt(self, node: pyast.expr | None, col: int, pad: str, ctx: int, width: int | None = None) -> list[str]:
        """`node` as lines: the first continues at column `col`, the others carry their indent."""
        node = self.node if node is None else node
        width = self.width if width is None else width
        flat = self.flat(node, ctx)
        if col + len(flat) <= width:
            return [flat]
        match node:
            case pyast.BoolOp(op=op, values=values):
                word = "and " if isinstance(op, pyast.And) else "or "
                return self.bracketed([("" if i == 0 else word, v) for i, v in enumerate(values)], pad)
            case pyast.IfExp(body=body, test=test, orelse=orelse):
                return self.bracketed([("", body), ("if ", test), ("else ", orelse)], pad)
            case pyast.NamedExpr(target=target, value=value):
                head = f"({target.id} := "
                parts = self.fmt(value, col + len(head), pad, _IN_BOOL, width - 1)
                return [head + parts[0], *parts[1:-1], parts[-1] + ")"] if len(parts) > 1 else [head + parts[0] + ")"]
            case pyast.Compare(left=left, ops=ops, comparators=comps):
                inner = 1 if isinstance(node, _LOOSE[ctx]) else 0
                lines = self.chain([left, *comps], ["", *(_CMP[type(op)] for op in ops)], col + inner, pad, width - inner)
                return _parenthesized(lines) if inner else lines
            case pyast.UnaryOp(op=pyast.Not(), operand=operand):
                inner = 1 if isinstance(node, _LOOSE[ctx]) else 0
                parts = self.fmt(operand, col + 4 + inner, pad, _OPERAND, width - inner)
                lines = ["not " + parts[0], *parts[1:]]
                return _parenthesized(lines) if inner else lines
            case pyast.Call(func=pyast.Attribute(value=obj, attr=attr), args=args, keywords=[]):
                parts = self.fmt(obj, col, pad, _OPERAND, width)
                rest = f".{attr}({', '.join(self.flat(a, _IN_BOOL) for a in args)})"
                start = col if len(parts) == 1 else 0
                if not args or start + len(parts[-1]) + len(rest) <= width:
                    return [*parts[:-1], parts[-1] + rest]
                return [*parts[:-1], *self.listed(f"{parts[-1]}.{attr}(", args, ")", pad)]
            case pyast.Call(func=func, args=args, keywords=[]) if args:
                return self.listed(self.flat(func, _OPERAND) + "(", args, ")", pad)
            case pyast.Tuple(elts=elts) if elts:
                return self.listed("(", elts, ")", pad)
            case pyast.Subscript(value=value, slice=index):
                head = self.flat(value, _OPERAND) + "["
                parts = self.fmt(index, col + len(head), pad, _TOP, width - 1)
                return [head + parts[0], *parts[1:-1], parts[-1] + "]"] if len(parts) > 1 else [head + parts[0] + "]"]
        return [flat]

    def listed(self, head: str, items: list[pyast.expr], close: str, pad: str) -> list[str]:
        """`head` / one item per line, each with its comma / `close`."""
        inner = pad + _STEP
        lines = [head]
        for item in items:
            part = self.fmt(item, len(inner), inner, _IN_BOOL)
            lines += [inner + part[0], *part[1:]]
            lines[-1] += ","
        return lines + [pad + close]

    def bracketed(self, items: list[tuple[str, pyast.expr]], pad: str) -> list[str]:
        """`(` / one item per line, each after its word / `)`."""
        inner = pad + _STEP
        lines = ["("]
        for word, node in items:
            part = self.fmt(node, len(inner) + len(word), inner, _IN_BOOL)
            lines += [inner + word + part[0], *part[1:]]
        return lines + [pad + ")"]

    def chain(self, nodes: list[pyast.expr], words: list[str], col: int, pad: str, width: int) -> list[str]:
        """`a op b op c`, each operand laid out in turn on the line where the previous one ends,
        leaving room for what follows it there."""
        pieces = [(f" {word} " if word else "", node) for word, node in zip(words, nodes)]
        lines = [""]
        for k, (head, node) in enumerate(pieces):
            at = (col if len(lines) == 1 else 0) + len(lines[-1]) + len(head)
            rest = sum(len(h) + len(self.flat(n, _OPERAND)) for h, n in pieces[k + 1:])
            part = self.fmt(node, at, pad, _OPERAND, max(width - rest, at + 20))
            lines[-1] += head + part[0]
            lines += part[1:]
        return lines


def _parenthesized(lines: list[str]) -> list[str]:
    """A broken comparison or `not` where its place needs brackets (an operand of `==`: without
    them `a is None == True` is a chained comparison, another expression)."""
    return ["(" + lines[0], *lines[1:-1], lines[-1] + ")"] if len(lines) > 1 else ["(" + lines[0] + ")"]


def compile_generated(source: str, filename: str) -> CodeType:
    """Compile laid-out generated code to the bytecode of its one-line form.

    CPython 3.11 keeps a NOP where an expression continues on another line inside an
    `is None` test, to report the line change to a tracer: about 60 in a rulebook's
    decider, 0.5 % of its time. So each statement is compiled joined on the line where it
    starts (the lines it spanned left empty): the instructions of the one-line text, the
    line numbers of the laid-out one."""
    if '"""' in source or "'''" in source:   # text over lines: as it is
        return compile(source, filename, "exec")
    out: list[str] = []
    depth, joined, start = 0, False, 0
    for line in source.split("\n"):
        code = _STRING.sub("''", line)
        if code.lstrip().startswith("#") and not (depth > 0 or joined):
            out.append(line)   # a comment between statements: its brackets are words
            continue
        if "#" in code:
            return compile(source, filename, "exec")   # a comment inside a statement: as it is
        if depth > 0 or joined:   # a continuation: onto the statement's first line
            out[start] += " " + line.strip().removesuffix("\\")
            out.append("")
        else:
            start = len(out)
            out.append(line.removesuffix("\\"))
        depth += code.count("(") + code.count("[") + code.count("{") - code.count(")") - code.count("]") - code.count("}")
        joined = line.endswith("\\")
    return compile("\n".join(out), filename, "exec")


_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
