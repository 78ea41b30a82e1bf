"""The generated decider of the fixture rulebooks, reviewed like code (issue 14, section 5).

tests/golden/decider/<platform>.py.golden holds the module `add_decider` writes for
tests/fixtures/rulebooks/<platform>.yaml. A change to the generator shows up here as a diff
of the generated code; review it like code, then regenerate the files with

    RULEBOOK_UPDATE_GOLDEN=1 python -m pytest -q tests/test_decider_golden.py

(the test then writes the files instead of comparing, and fails so that a run that rewrote
them is never mistaken for a green one). Also here: every local the code uses has a prefix
documented in dsl/engine/python/decider.py's legend, the layout changes no bytecode (compiled as runtime.generate compiles it), and lines stay
short.
"""
from __future__ import annotations

import ast as pyast
import difflib
import dis
import os
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from conftest import RULEBOOKS
from dsl import load_rulebook
from dsl.engine.python import decider
from dsl.engine.python.codegen import ModuleBuilder
from dsl.engine.python.decider import add_decider
from dsl.engine.python.emitter import WIDTH, Emitter, compile_generated

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "decider"
PLATFORMS = ["douyin", "kuaishou", "pinduoduo"]
UPDATE = os.environ.get("RULEBOOK_UPDATE_GOLDEN") == "1"


def _source(platform: str, width: int | None = WIDTH) -> str:
    book = load_rulebook(str(RULEBOOKS / f"{platform}.yaml"))
    module = ModuleBuilder(book.params)
    add_decider(module, book.model.rules, book.vocabulary, width=width)
    return module.source


@pytest.mark.parametrize("platform", PLATFORMS)
def test_generated_decider_matches_its_golden_file(platform: str) -> None:
    path = GOLDEN / f"{platform}.py.golden"
    got = _source(platform)
    if UPDATE:
        path.write_text(got, encoding="utf-8")
        pytest.fail(f"rewrote {path.name}: review the diff, then run without RULEBOOK_UPDATE_GOLDEN")
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                 str(path), "generated"))[:80])
        pytest.fail(f"the generated decider changed; if that is meant, review and regenerate "
                    f"(RULEBOOK_UPDATE_GOLDEN=1, see this module's docstring):\n{diff}")


def _legend() -> list[re.Pattern[str]]:
    """The local names the docstring of dsl/engine/python/decider.py documents, as patterns."""
    doc = decider.__doc__ or ""
    section = doc.split("Names in the generated code", 1)[1].split("Module globals:", 1)[0]
    patterns = []
    for line in section.splitlines()[1:]:
        words = line.strip().split("  ")[0]
        for token in filter(None, (w.strip() for w in words.split(","))):
            patterns.append(re.compile(re.escape(token).replace(re.escape("<path>"), r"\w+")
                                       .replace(re.escape("<key>"), r"\w+").replace(re.escape("<n>"), r"\d+")
                                       .replace(re.escape("<i>"), r"\d+") + "$"))
    return patterns


def _functions(source: str, one_line: bool = False) -> dict[str, types.CodeType]:
    """The functions of a generated module, compiled as runtime.generate compiles them (or,
    `one_line`, from text with each statement on one line)."""
    code = compile(source, "<decider>", "exec") if one_line else compile_generated(source, "<decider>")
    return {c.co_name: c for c in code.co_consts if isinstance(c, types.CodeType)}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_local_of_the_decider_has_a_documented_prefix(platform: str) -> None:
    legend = _legend()
    assert len(legend) >= 10, legend   # the section was found and read
    functions = _functions(_source(platform))
    for name in ("decide", "decide_or_raise"):
        unknown = [v for v in functions[name].co_varnames if not any(p.match(v) for p in legend)]
        assert unknown == [], f"{name} uses locals the legend of dsl/engine/python/decider.py does not document: {unknown}"


def test_a_local_outside_the_legend_is_caught() -> None:
    legend = _legend()
    assert not any(p.match("_p3") for p in legend) and not any(p.match("tmp") for p in legend)
    assert any(p.match("f_order_paid_amount") for p in legend) and any(p.match("r12") for p in legend)


def _same_code(a: types.CodeType, b: types.CodeType) -> None:
    assert (a.co_name, a.co_code, a.co_names, a.co_varnames) == (b.co_name, b.co_code, b.co_names, b.co_varnames)
    assert len(a.co_consts) == len(b.co_consts)
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType):
            _same_code(x, y)
        else:
            assert type(x) is type(y) and x == y


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_layout_changes_no_bytecode(platform: str) -> None:
    laid_out, one_line = _source(platform), _source(platform, width=None)
    assert laid_out != one_line   # the layout did something
    assert pyast.dump(pyast.parse(laid_out)) == pyast.dump(pyast.parse(one_line))
    a, b = _functions(laid_out), _functions(one_line, one_line=True)
    assert a.keys() == b.keys()
    for name in a:
        _same_code(a[name], b[name])
    if sys.version_info < (3, 12):   # why: compiled as it reads, 3.11 keeps a NOP per line change in a test
        assert _nops(_functions(laid_out, one_line=True)) > _nops(a) == _nops(b)


def _nops(functions: dict[str, types.CodeType]) -> int:
    return sum(i.opname == "NOP" for code in functions.values() for i in dis.get_instructions(code))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_generated_lines_are_short(platform: str) -> None:
    long = [line for line in _source(platform).splitlines() if len(line) > WIDTH]
    assert long == []


def test_one_condition_per_line_and_comments_wrapped() -> None:
    out = Emitter()
    out.comment("word " * 40)
    with out.if_block("if", ["a is None", "b in _k0", "(c := v.get('c')) is not None"]):
        out.writeline("r0 = (True, 'x', None, False, None, None)")
    lines = out.render(1)
    assert all(len(line) <= WIDTH for line in lines) and len([x for x in lines if "# " in x]) == 3
    assert lines[3:8] == ["    if (", "        a is None", "        and b in _k0",
                          "        and (c := v.get('c')) is not None", "    ):"]


@pytest.mark.parametrize("expr", [
    "(None if (x := o.get('a_long_key_name')) is None else _D(x) if type(x) is str and 0 < len(x) <= 40 "
    "and x.lstrip('0123456789') in _FRAC2 else _v9(x)) is not None and not (a or b or c or d or e or f or gg)",
    "f(aaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbb, (ccccccccccccccccccccc, dddddddddddddddddddd, eeeeee))"
    " <= (x if y else (z := q[(w := 1)] - 2)) < -k",
    # a broken comparison or `not` as an operand keeps its brackets: `a is None == True` would
    # be a chained comparison (found by test_random_rulebooks_load_and_decide_as_the_exact_path)
    "((None if (x := o.get('paid_amount')) is None else _D(x) if type(x) is str else _v0(x)) is None) == True",
    "(not (aaaaaaaaaaaaaaaaaaaaaaaa or bbbbbbbbbbbbbbbbbbbbbbbbbbbbb or ccccccccccccccccccccccc)) == flag",
    "((aaaaaaaaaaaa or bbbbbbbbbbbbbbbb or cccccccccccc) is None) == ((dddddddddd and eeeeeeeeeeeeee) is not None)",
])
def test_a_broken_expression_is_the_same_expression(expr: str) -> None:
    out = Emitter()
    out.writeline(f"r0 = {expr}")
    lines = out.render(2, width=40)
    assert len(lines) > 1
    tree: Any = pyast.parse("\n".join(line[8:] for line in lines))
    assert pyast.dump(tree.body[0].value) == pyast.dump(pyast.parse(expr, mode="eval").body)


def test_compiled_code_reports_the_lines_of_the_laid_out_text() -> None:
    """A failure inside generated code names the statement's first line in the laid-out
    source (what show_decider prints), though the code runs as if written on one line."""
    out = Emitter()
    with out.block("def f(v)"):
        out.writeline("ok = 1")
        out.writeline("r0 = (" + " or ".join(f"v == {n + 10**7}" for n in range(12)) + " or 1 / v.real)")
    source = "\n".join(out.render()) + "\n"
    assert source.count("\n") > 10   # the long statement was broken over lines
    namespace: dict[str, Any] = {}
    exec(compile_generated(source, "<generated>"), namespace)
    with pytest.raises(ZeroDivisionError) as failure:
        namespace["f"](0)
    assert failure.traceback[-1].lineno + 1 == source.splitlines().index("    r0 = (") + 1


def test_comments_and_text_do_not_upset_the_compiled_form() -> None:
    """Brackets in comments (a rule id, a condition quoted in a group's comment) and in
    strings are not code; the compiled form still decides as the text reads."""
    out = Emitter()
    with out.block("def f(v)"):
        out.comment("rule (first: all begin with f(a, " + "b " * 60 + ")")
        out.writeline("r0 = (" + " or ".join(f"v == '({n}#'" for n in range(12)) + ")")
        out.comment("[ unbalanced {")
        out.writeline("return r0")
    source = "\n".join(out.render()) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile_generated(source, "<generated>"), namespace)
    assert namespace["f"]("(3#") is True and namespace["f"]("(3") is False
    one_line: dict[str, Any] = {}
    exec(compile("\n".join(out.render(width=None)) + "\n", "<one line>", "exec"), one_line)
    assert namespace["f"].__code__.co_code == one_line["f"].__code__.co_code
