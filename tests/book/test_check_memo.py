"""check_text remembers what it did (dsl/book/memo.py) so a keystroke's check is fast; the
remembered path must say exactly what a cold check says: every code, place, message and hint
in both languages, source line and rule path, in the same order. Checked over the fixture
rulebooks and random walks of edits like typing (characters in and out, lines doubled and
dropped, typos in names, parameters changed), each edit checked warm and cold."""
from __future__ import annotations

import random
from typing import Any

import pytest

from conftest import RULEBOOKS
from dsl.book.checking import check_text
from dsl.book.memo import content_key, forget_all
from dsl.book.schema import rulebook_schema, shape_errors
from dsl.diagnostics import Diagnostic, Phrase

FIXTURES = sorted(RULEBOOKS.glob("*.yaml"))


def _said(d: Diagnostic) -> tuple[Any, ...]:
    where = d.rule_path.label("en") if isinstance(d.rule_path, Phrase) else d.rule_path
    return (d.code, d.severity, d.span, d.file, d.message("zh"), d.message("en"), d.hint_text("zh"),
            d.hint_text("en"), where, d.source_line)


def _edit(text: str, rng: random.Random) -> str:
    """One keystroke-sized change, at a random line (biased to expressions, where typing is)."""
    lines = text.split("\n")
    wanted = [i for i, line in enumerate(lines) if line.lstrip().startswith("- ") or ":" in line]
    i = rng.choice(wanted) if wanted and rng.random() < 0.8 else rng.randrange(len(lines))
    line = lines[i]
    kind = rng.randrange(8)
    if kind == 0 and line:
        j = rng.randrange(len(line))
        lines[i] = line[:j] + line[j + 1:]
    elif kind == 1:
        j = rng.randrange(len(line) + 1)
        lines[i] = line[:j] + rng.choice("a_.: '\"[](),<=>1#（x") + line[j:]
    elif kind == 2:
        lines.insert(i, line)
    elif kind == 3:
        del lines[i]
    elif kind == 4:
        lines[i] = line.replace("order.", "ordr.", 1).replace("<=", "=<", 1)
    elif kind == 5:
        lines[i] = line.replace("params.", "params.x", 1).replace("value: ", "value: 1", 1)
    elif kind == 6:
        lines[i] = "  " + line
    else:
        lines[i] = line + "  # 备注"
    return "\n".join(lines)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_a_warm_check_says_what_a_cold_check_says(path: Any) -> None:
    rng = random.Random(f"memo-{path.stem}")
    original = path.read_text(encoding="utf-8")
    text, said = original, 0
    forget_all()
    for step in range(14):
        text = original if step % 5 == 4 else _edit(text, rng)   # now and then back to the start
        warm = [_said(d) for d in check_text(text, path.name)]
        forget_all()
        cold = [_said(d) for d in check_text(text, path.name)]
        assert warm == cold, f"step {step}"
        said += len(cold)
        check_text(_edit(text, rng), path.name)                  # the memories now hold another text too
    assert said > 0   # the walk met problems, not only clean texts


def _expressions(text: str) -> list[str]:
    """Every checked expression of the text's model with its place (the trace's positions)."""
    from dsl.book.loader import document_from_bytes, model_of

    model, _ = model_of(document_from_bytes(text.encode("utf-8"), "x.yaml"))
    assert model is not None
    return [repr(ref) for rule in model.rules for v in rule.versions
            for ref in (*v.conditions, *(a.condition for a in v.actions if a.condition), v.deadline) if ref is not None]


def _warm_and_cold(texts: list[str]) -> None:
    """Each text checked after the one before it (warm), then with nothing remembered (cold)."""
    forget_all()
    for step, text in enumerate(texts):
        warm, warm_refs = [_said(d) for d in check_text(text, "x.yaml")], _expressions(text)
        forget_all()
        assert warm == [_said(d) for d in check_text(text, "x.yaml")], f"step {step}"
        assert warm_refs == _expressions(text), f"step {step}"
        check_text(texts[step - 1] if step else text, "x.yaml")    # warm again for the next step
        _expressions(texts[step - 1] if step else text)


def test_each_part_of_an_edit_is_seen_by_the_remembered_check() -> None:
    """The edits that would fool a memory keyed too loosely: a line added above a wrong
    expression (its place moves), a parameter's type or value changed under an expression
    that uses it (its check changes), a parameter renamed (the did-you-mean changes), a
    comment after an expression on its line (the source line shown changes)."""
    text = (RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8")
    limit = "  lightning_max_amount:\n    value: 300.00"
    typo = text.replace("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'", 1)
    assert limit in text and typo != text
    _warm_and_cold([
        typo,
        "# reviewed\n" + typo,
        "# reviewed\n" + typo.replace("- aftersale.tpye == 'return_refund'", "- aftersale.tpye == 'return_refund'  # 注", 1),
        text.replace(limit, limit.replace("300.00", "'300.00'")),
        text.replace(limit, limit.replace("300.00", "300")),
        text.replace(limit, limit.replace("300.00", "300.000")),
        text.replace("lightning_max_amount:", "lightning_max_amont:", 1),
        text.replace("params.lightning_max_amount", "params.lightning_max_amout", 1),
        text.replace("params.lightning_max_amount", "params.lightning_max_amout", 1).replace(
            "lightning_max_amount:", "lightning_max_amoun:", 1),   # another did-you-mean for the same text
        text,
    ])


def test_an_unchanged_text_gives_equal_diagnostics_each_time() -> None:
    text = FIXTURES[0].read_text(encoding="utf-8").replace("order.", "ordr.", 1)
    first, again = check_text(text, "x.yaml"), check_text(text, "x.yaml")
    assert first == again and first and first is not again   # a new list: a caller may change its own


def test_the_schema_split_by_rule_gives_the_whole_documents_errors_in_order() -> None:
    """Validating each rule on its own (remembered by content) yields what validating the
    whole document yields: the same errors at the same paths, in the same order."""
    from jsonschema import Draft202012Validator

    from dsl.text.yamlload import load_yaml

    text = FIXTURES[0].read_text(encoding="utf-8")
    broken = (text.replace("action: auto_approve", "action: [1, 2]", 1).replace("    source:", "    sorce:", 1)
              .replace("rulebook: douyin", "rulebook: Douyin", 1) + "extra_key: 1\n")
    data = load_yaml(broken, "x.yaml").data
    whole = [(tuple(e.absolute_path), e.validator, e.message) for e in Draft202012Validator(rulebook_schema()).iter_errors(data)]
    split = [(prefix + tuple(e.absolute_path), e.validator, e.message) for e, prefix in shape_errors(data)]
    assert split == whole and len(whole) >= 4


@pytest.mark.parametrize(("a", "b"), [
    ({"v": "1.0"}, {"v": "1.00"}), ({"v": 1}, {"v": True}), ({"v": 1}, {"v": "1"}), ({"v": [1]}, {"v": (1,)}),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}), ({"v": None}, {"v": "null"}),
])
def test_content_keys_tell_apart_what_a_message_would_show_differently(a: Any, b: Any) -> None:
    assert content_key(a) != content_key(b)


def test_content_keys_of_shared_values_stay_small() -> None:
    """An alias repeated 20,000 times is 20,000 references, not 20,000 copies of its text."""
    expr = "x" * 8000
    key = content_key({"when": [expr] * 20_000})
    assert key == content_key({"when": [expr] * 20_000})
    assert key[1][0][1][1][0] is expr
