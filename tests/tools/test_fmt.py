"""`rulebook fmt`: canonical expressions, everything else byte for byte, idempotent, same meaning.

Property tests hold, on the fixture rulebooks and on random expressions placed into a rulebook
in every YAML style, that formatting twice equals formatting once and that the typed tree of
every expression is the one it had before.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, RULEBOOK_HEAD, rule_yaml
from engine.test_order_independence import text as tree_text
from engine.test_order_independence import trees
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from dsl.book.loader import model_of
from dsl.lang.parser import parse_expr
from dsl.lang.unparse import unparse
from dsl.text.yamlload import load_yaml
from dsl.tools.fmt import expression_refs, format_file, format_text, shape

FIXTURE_BOOKS = sorted((FIXTURES / "rulebooks").glob("*.yaml"))


def shapes(text: str) -> dict:
    """Every expression of a rulebook's text: its typed tree without positions, by YAML path."""
    doc = load_yaml(text, "t.yaml")
    model, diags = model_of(doc, cases=True)
    assert model is not None and not [d for d in diags if d.severity == "error"], diags
    return {path: shape(ref.tree) for path, ref in expression_refs(model, doc).items()}


def fmt(text: str) -> str:
    result = format_text(text, "t.yaml")
    assert result.after is not None, result.problems
    assert not result.kept
    return result.after


def book(when: str, extra: str = "") -> str:
    return RULEBOOK_HEAD + rule_yaml(when=when, extra=extra)


# -- the fixture rulebooks ---------------------------------------------------------------

@pytest.mark.parametrize("path", FIXTURE_BOOKS, ids=lambda p: p.name)
def test_fixture_rulebooks_keep_their_meaning_and_format_once(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    once = fmt(before)
    assert fmt(once) == once
    assert shapes(once) == shapes(before)
    # only expression lines change: every comment line is still there, in order
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in once.splitlines() if line.lstrip().startswith("#")] == comments


def test_a_block_scalar_keeps_its_authors_line_breaks_and_indentation() -> None:
    before = (FIXTURES / "rulebooks" / "pinduoduo.yaml").read_text(encoding="utf-8")
    kept = "        or aftersale.applied_at <= max(order.confirmed_at + params.apply_window_after_confirm,\n" \
           "                                       coalesce(order.aftersale_valid_until, order.confirmed_at))\n"
    assert kept in before
    assert fmt(before) == before
    messy = before.replace(kept, kept.replace("order.confirmed_at +", "order.confirmed_at+"))
    assert fmt(messy) == before   # each line made canonical, the breaks and indentation the author's


@pytest.mark.parametrize("header", [">-", ">", "|", "|-"])
def test_a_rewritten_block_keeps_its_authors_lines_in_every_style(header: str) -> None:
    before = book(f"""\
    # before
    - {header}
      (order.paid_amount  >  1)
        and   buyer.credit_good{'   ' if header == '>-' else ''}

      # not a comment: the block's text
    - order.domestic   # after
""".replace("      # not a comment: the block's text\n", ""))
    after = fmt(before)
    assert f"    # before\n      - {header}\n        order.paid_amount > 1\n          and buyer.credit_good\n\n" \
           "      - order.domestic   # after\n" in after
    assert fmt(after) == after
    assert shapes(after) == shapes(before)


def test_a_long_block_condition_rewritten_is_one_line_per_item_of_its_or() -> None:
    items = [f"order.paid_amount > {n}00.00" for n in range(1, 9)]
    after = fmt(book("- >-\n  " + " or  ".join(items) + "\n"))
    assert "      - >-\n        order.paid_amount > 100.00\n        or order.paid_amount > 200.00\n" in after
    assert fmt(after) == after


# -- canonical text; everything else byte for byte ------------------------------------------

MESSY = book("""\
    # money first
    - order.paid_amount<=(params.max_amount)      # trailing comment
    - 'aftersale.type=="reship"'
    - "order.paid_amount   >  300.0"

    - >-
      aftersale.applied_at <
         order.paid_at+48h
    - order.status in ["shipped","completed",]
""", extra="""\
    deadline: aftersale.applied_at + (2d)
    outputs:
      note: 'if order.domestic then "cn" else "intl"'
      amount: {x: 1}
""")


def test_expressions_become_canonical_and_the_rest_stays() -> None:
    after = fmt(MESSY.replace("      amount: {x: 1}\n", ""))
    assert "    # money first\n      - order.paid_amount <= params.max_amount      # trailing comment\n" in after
    assert "      - 'aftersale.type == ''reship'''\n" in after                 # single quotes stay single
    assert '      - "order.paid_amount > 300.0"\n' in after                     # the literal as written: 300.0
    assert "\n\n      - >-\n        aftersale.applied_at <\n           order.paid_at + 48h\n" in after   # blank line, block and its lines kept
    assert "      - order.status in ['shipped', 'completed']\n" in after
    assert "    deadline: aftersale.applied_at + 48h\n" in after               # 2d is 48h
    assert "      note: 'if order.domestic then ''cn'' else ''intl'''\n" in after
    assert after.startswith(RULEBOOK_HEAD)


def test_a_plain_scalar_that_cannot_stay_plain_becomes_double_quoted() -> None:
    # `-order.paid_amount < 0` as a plain item would begin `- -`: written in double quotes
    after = fmt(book("- -(order.paid_amount)<0\n"))
    assert '      - "-order.paid_amount < 0"\n' in after
    assert fmt(after) == after


def test_a_folded_expression_stays_folded() -> None:
    after = fmt(book("- order.domestic\n", extra="outputs:\n  o: >-\n    order.paid_amount*2\n"))
    assert "      o: >-\n        order.paid_amount * 2\n" in after


def test_conditions_in_a_flow_sequence_keep_their_style() -> None:
    before = book("- order.domestic\n").replace(
        "    when:\n      - order.domestic\n",
        "    when: [order.paid_amount<=300, \"order.status in ['shipped','completed']\", order.domestic]\n")
    after = fmt(before)
    assert "    when: [order.paid_amount <= 300, \"order.status in ['shipped', 'completed']\", order.domestic]\n" in after
    assert shapes(after) == shapes(before)
    assert fmt(after) == after


def test_crlf_and_bom_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + book("- order.paid_amount<=300\n").replace("\n", "\r\n").encode())
    result = format_file(path)
    assert result.changed
    assert result.after.startswith("\ufeffrulebook: demo\r\n")
    assert "      - order.paid_amount <= 300\r\n" in result.after
    assert "\n" not in result.after.replace("\r\n", "")


def test_an_anchored_expression_is_left_as_written_and_said() -> None:
    before = book("- &c order.paid_amount<=300\n- *c\n- order.paid_amount>1\n")
    result = format_text(before, "t.yaml")
    assert result.after == before.replace("order.paid_amount>1", "order.paid_amount > 1")
    assert result.kept == ["rule 'r1' (rules[0].when[0])"]
    assert format_text(result.after, "t.yaml").kept == result.kept


def test_the_command_says_which_expression_it_left_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", book("- &c order.paid_amount<=300\n- *c\n"))
    result = CliRunner().invoke(main, ["fmt", "--check", "--lang", "en", str(path)])
    assert result.exit_code == 0
    assert f"{path}: rule 'r1' (rules[0].when[0]): left as written" in result.output


# -- random expressions ------------------------------------------------------------------

SPACING = st.sampled_from([" ", "  ", "", "\t"])


def messy(text: str, data: st.DataObject) -> str:
    """The same expression with its spacing around operators changed at random."""
    def respace(m: re.Match[str]) -> str:
        return data.draw(SPACING) + m.group(0).strip() + data.draw(SPACING)
    quoted = re.split(r"('(?:[^'\\]|\\.)*')", text)
    return "".join(part if i % 2 else re.sub(r" ?(<=|>=|==|!=|<|>|\+|-) ?", respace, part)
                   for i, part in enumerate(quoted)).replace("\t", " ")


STYLES = ["plain", "single", "double", "folded", "literal", "folded lines", "literal lines"]


def placed(expr: str, style: str) -> str:
    if style == "plain":
        return f"- {expr}\n" if not expr.startswith(("(", "'")) else f"- \"{expr}\"\n"
    if style == "single":
        return "- '" + expr.replace("'", "''") + "'\n"
    if style == "double":
        return '- "' + expr.replace("\\", "\\\\").replace('"', '\\"') + '"\n'
    if style.endswith("lines"):
        return ("- >-\n  " if style == "folded lines" else "- |\n  ") + broken(expr) + "\n"
    return ("- >-\n  " if style == "folded" else "- |\n  ") + expr + "\n"


def broken(expr: str) -> str:
    """`expr` with every second space outside a quoted text made a line break, the next line
    indented further: lines an author might have written in a block scalar."""
    out, quote, spaces = [], "", 0
    for i, char in enumerate(expr):
        if quote:
            quote = "" if char == quote and expr[i - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == " ":
            spaces += 1
            char = "\n      " if spaces % 2 else char
        out.append(char)
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees(), style=st.sampled_from(STYLES), data=st.data())
def test_random_conditions_format_once_and_keep_their_typed_tree(tree, style: str, data: st.DataObject) -> None:
    expr = messy(tree_text(tree), data)
    before = book(placed(expr, style))
    once = fmt(before)
    assert fmt(once) == once
    assert shapes(once) == shapes(before)
    assert once.startswith(RULEBOOK_HEAD) and once.endswith("    action: approve\n")
    if style.endswith("lines"):
        assert ("- >-\n" if style == "folded lines" else "- |\n") in once   # still a block: its lines were kept


LITERALS = ["300.00", "300.0", "0.0000001", "48h", "2d", "1d12h", "90m", "0s", "7d", "007",
            "'a\\'b'", '"x\\"y"', "'tab\\tnew\\nline'", "'中文'", "2026-11-05", "2026-11-05T09:00:00Z",
            "2026-11-05T09:00:00.5+08:00", "true", "null", "[1, 2,]", "-5", "- -5", "-(1 + 2)"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(literal=st.sampled_from(LITERALS), style=st.sampled_from(STYLES))
def test_literals_read_back_the_same(literal: str, style: str) -> None:
    expr = f"coalesce({literal}, {literal}) == {literal}"
    before = book(placed(expr, style))
    once = fmt(before)
    assert fmt(once) == once
    assert shapes(once) == shapes(before)


@pytest.mark.parametrize("text", ["a or (b or c)", "(a or b) or c", "a and (b and c)", "a - (b - c)", "a - (b + c)",
                                  "-(a * b)", "not (a and b)", "(if a then b else c) + d", "(a < b) == (c < d)",
                                  "a * (b / c)", "x in [1, 2] and not y in [3]"])
def test_unparse_keeps_only_the_parentheses_the_tree_needs(text: str) -> None:
    tree = parse_expr(text)
    again = unparse(tree)
    assert shape(parse_expr(again)) == shape(tree)
    assert unparse(parse_expr(again)) == again


# -- the command -------------------------------------------------------------------------

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_names_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    messy_file = write(tmp_path, "a.yaml", book("- order.paid_amount<=300\n"))
    clean = write(tmp_path, "b.yaml", fmt(book("- order.paid_amount<=300\n")))
    before = messy_file.read_bytes()
    result = CliRunner().invoke(main, ["fmt", "--check", "--lang", "en", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{messy_file}: would be reformatted" in result.output
    assert str(clean) not in result.output
    assert messy_file.read_bytes() == before
    result = CliRunner().invoke(main, ["fmt", "--check", "--lang", "en", str(clean)])
    assert result.exit_code == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", book("- order.paid_amount<=300\n"))
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["fmt", "--diff", "--lang", "en", str(path)])
    assert result.exit_code == 0
    assert "-      - order.paid_amount<=300\n+      - order.paid_amount <= 300\n" in result.output
    assert path.read_bytes() == before


def test_fmt_rewrites_atomically_and_names_what_changed(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", book("- order.paid_amount<=300\n"))
    os.chmod(path, 0o640)
    result = CliRunner().invoke(main, ["fmt", "--lang", "en", str(tmp_path)])
    assert result.exit_code == 0
    assert f"{path}: reformatted" in result.output
    assert "      - order.paid_amount <= 300\n" in path.read_text(encoding="utf-8")
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]     # no temporary file left
    again = CliRunner().invoke(main, ["fmt", "--lang", "en", str(tmp_path)])
    assert again.exit_code == 0 and "reformatted\n" not in again.output.replace("0 file(s) reformatted", "")


@pytest.mark.parametrize("lang, words", [("en", "not formatted: 1 error(s)"), ("zh", "未排版：有 1 个错误")])
def test_a_file_with_errors_is_named_and_left_alone(tmp_path: Path, lang: str, words: str) -> None:
    path = write(tmp_path, "bad.yaml", book("- order.paid_amout<=300\n"))
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["fmt", "--lang", lang, str(path)])
    assert result.exit_code == 1
    assert f"{path}" in result.output and words in result.output
    assert "E2" in result.output                      # the error itself, as `check` says it
    assert path.read_bytes() == before


def test_a_symbolic_link_stays_a_link(tmp_path: Path) -> None:
    real = write(tmp_path, "real.yaml", book("- order.paid_amount<=300\n"))
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "book.yaml"
    link.symlink_to(real)
    assert CliRunner().invoke(main, ["fmt", str(link)]).exit_code == 0
    assert link.is_symlink()
    assert "      - order.paid_amount <= 300\n" in real.read_text(encoding="utf-8")
