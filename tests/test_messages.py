"""Issue 13, section 3: every message in the user's language, with the fix.

Through the CLI where the user meets it: `rulebook check --lang zh|en` on small rulebooks with
the mistakes an operations person makes (shape, YAML indentation, parameter values), and
`rulebook test --lang zh`. Each asserts the code, the line:col and that no jsonschema or PyYAML
English reaches a Chinese reader; plus the catalog: both languages, same placeholders.
"""
from __future__ import annotations

import re
import string
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from dsl.diagnostics import HINTS, MESSAGES, Phrase
from dsl.phrases import PHRASES
from dsl.book.loader import load_model
from dsl.book.schema import SLOTS, rulebook_schema

BASE = """\
rulebook: demo
name: {zh: 演示, en: Demo}
parameters:
  max_amount: 300.00
  window: 48h
rules:
  - id: r1
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    when:
      - order.paid_amount <= params.max_amount
      - order.status == 'completed'
    action: approve
"""

# What jsonschema and PyYAML/libyaml say; none of it may reach a Chinese reader.
LIBRARY_ENGLISH = (
    "is not of type", "does not match", "should be non-empty", "is a required property", "missing required key",
    "is not valid under any of the given schemas", "is too short", "Additional properties", "depends on",
    "is not one of", "was expected", "did not find expected", "while parsing", "while scanning",
    "mapping values are not allowed", "could not find expected", "found character", "found undefined alias",
    "block sequence entries", "not a duration", "starts with a digit", "expected true", "examples passed",
    "not exercised", "a deadline", "the top level", "rule 'r1'", " in rule ",
)
DIAG = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): error (?P<code>E\d{3}):", re.M)


def check(invoke: Callable[..., Any], tmp_path: Path, text: str, lang: str) -> tuple[Any, set[tuple[str, int, int]]]:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("check", "--lang", lang, path)
    return result, {(m["code"], int(m["line"]), int(m["col"])) for m in DIAG.finditer(result.stderr)}


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if fragment in line)


def col_of(text: str, fragment: str, inside: str | None = None) -> int:
    line = text.split("\n")[line_of(text, inside or fragment) - 1]
    return line.index(fragment) + 1


def no_library_english(stderr: str) -> None:
    found = [phrase for phrase in LIBRARY_ENGLISH if phrase in stderr]
    assert not found, f"library English {found} in\n{stderr}"


# -- shape (JSON Schema) ---------------------------------------------------------------------------

SHAPE_CASES = [
    # (id, edit of BASE, fragment whose position is reported, zh text expected, en text expected)
    ("action-with-space", ("action: approve", "action: manual review"), "manual review",
     "action: manual_review", "action: manual_review"),
    ("id-not-snake", ("id: r1", "id: Lightning-Return"), "Lightning-Return",
     "id: lightning_return", "ids are lower_snake_case"),
    ("missing-source", ("    source: {seed: s.txt}\n", ""), "id: r1",
     "缺少 'source'", 'source: {ref: "抖店公告 2026-03-01"}'),
    ("name-not-bilingual", ("name: {zh: 规则, en: Rule}", "name: 规则"), "规则",
     "name: {zh: 闪电退货, en: Lightning return}", "a name is given in both languages"),
    ("when-empty-list", ("    when:\n      - order.paid_amount <= params.max_amount\n      - order.status == 'completed'\n",
                         "    when: []\n"), "[]", "空列表", "found an empty list"),
    ("rules-not-a-list", ("rules:\n  - id: r1", "rules: r1\nx:\n  - id: r1"), "r1",
     "'rules' 是规则列表", "'rules' is a list of rules"),
    ("then-not-snake", ("action: approve", "action:\n      - {if: order.paid_amount > 100, then: Manual Review}\n"
                                          "      - {else: approve}"), "Manual Review", "then: manual_review",
     "then: manual_review"),
    ("parameter-name", ("  window: 48h", "  Window: 48h"), "Window", "window", "names are lower_snake_case"),
    ("parameter-without-value", ("  window: 48h", "  window: {zh: 时限}"), "{zh: 时限}", "缺少 'value'",
     "'value' is missing"),
    ("versions-without-versions-by", ("    when:\n      - order.paid_amount <= params.max_amount\n"
                                      "      - order.status == 'completed'\n",
                                      "    versions:\n      - {version: v1, from: 2023-09-13, when: true}\n"),
     "versions", "'versions_by'", "needs 'versions_by'"),
    ("example-name-empty", ("    action: approve\n", "    action: approve\n    examples:\n      - name: ''\n"
                                                    "        expect: {matched: true}\n"), "''", "示例名是非空文本",
     "an example's name is non-empty text"),
    ("expect-empty", ("    action: approve\n", "    action: approve\n    examples:\n      - name: e\n"
                                               "        expect: {}\n"), "{}", "空映射", "found an empty mapping"),
]


@pytest.mark.parametrize("edit, fragment, zh, en", [c[1:] for c in SHAPE_CASES], ids=[c[0] for c in SHAPE_CASES])
def test_shape_errors_are_catalogued_in_both_languages(invoke: Any, tmp_path: Path, edit: tuple[str, str],
                                                       fragment: str, zh: str, en: str) -> None:
    old, new = edit
    assert old in BASE
    text = BASE.replace(old, new, 1)
    result, found = check(invoke, tmp_path, text, "zh")
    assert result.exit_code == 1
    where = (line_of(text, fragment), col_of(text, fragment))
    assert ("E302", *where) in found, result.stderr
    assert zh in result.stderr
    no_library_english(result.stderr)
    result_en, found_en = check(invoke, tmp_path, text, "en")
    assert ("E302", *where) in found_en and en in result_en.stderr, result_en.stderr


@pytest.mark.parametrize("bound, zh", [("13.09.2023", "不是 ISO 8601 时间"), ("2023-13-45", "月份必须在 1 到 12 之间")])
def test_bad_version_bound_is_one_error_in_chinese(invoke: Any, tmp_path: Path, bound: str, zh: str) -> None:
    when = "    when:\n      - order.paid_amount <= params.max_amount\n      - order.status == 'completed'\n"
    text = BASE.replace(when, f"    versions_by: order.paid_at\n    versions:\n      - {{version: v1, from: {bound}, when: true}}\n")
    result, found = check(invoke, tmp_path, text, "zh")
    assert found == {("E106", line_of(text, bound), col_of(text, bound))}, result.stderr
    assert zh in result.stderr and "from: 2023-09-13T00:00:00+08:00" in result.stderr
    no_library_english(result.stderr)


@pytest.mark.parametrize("edit, key, holders", [
    (("    source: {seed: s.txt}", "    source:\n    seed: s.txt"), "seed", "source:"),
    (("    action: approve", "action: approve"), "action", "rules:"),
], ids=["seed-not-under-source", "action-at-the-top"])
def test_a_key_at_the_wrong_indentation_says_where_it_belongs(invoke: Any, tmp_path: Path, edit: tuple[str, str],
                                                             key: str, holders: str) -> None:
    text = BASE.replace(*edit)
    result, found = check(invoke, tmp_path, text, "zh")
    line = line_of(text, f"{key}: ") if key == "seed" else len(text.split("\n")) - 1
    assert ("E306", line, col_of(text.split("\n")[line - 1], key)) in found, result.stderr
    assert f"'{key}' 应写在" in result.stderr and holders in result.stderr and "缩进" in result.stderr
    no_library_english(result.stderr)


def test_every_schema_error_of_mutated_rulebooks_is_catalogued() -> None:
    """Every value of a rulebook replaced by each wrong shape: each E302 is a Phrase, never jsonschema's text."""
    import yaml

    from dsl.book.loader import build_rulebook
    from dsl.text.yamlload import load_yaml

    base = yaml.safe_load(BASE.replace("    action: approve\n", "    action: approve\n    examples:\n"
                                       "      - {name: e, case: {}, expect: {matched: true}}\n"))
    paths = list(_paths(base))
    wrong: list[Any] = [None, "", "Bad Value", 7, [], {}, [1], {"x": 1}, True]
    seen = 0
    for path in paths:
        for value in wrong:
            data = _replaced(base, path, value)
            doc = load_yaml(yaml.safe_dump(data, allow_unicode=True), "m.yaml")
            build_rulebook(doc)
            for diag in doc.diagnostics:
                if diag.code in ("E302", "E306"):
                    seen += 1
                    detail = diag.args.get("detail", diag.args.get("where"))
                    assert isinstance(detail, Phrase), (path, value, diag)
                    no_library_english(diag.message("zh") + (diag.hint_text("zh") or ""))
    assert seen > len(paths)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Any:
    yield prefix
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        yield from _paths(value, prefix + (key,))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    import copy

    if not path:
        return value
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def test_every_key_of_the_schema_has_an_expectation_and_an_example() -> None:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rulebook_schema())
    missing = [n for n in names if not any(k == n or k.endswith("." + n) for k in SLOTS)]
    assert missing == []
    assert all(phrase in PHRASES for phrase, _ in SLOTS.values())


# -- YAML syntax -------------------------------------------------------------------------------

YAML_CASES = [
    # (id, edit, the line to fix, its column (or the text there), its siblings' column or None, zh hint fragment)
    ("list-item-one-space-less", ("      - order.status", "     - order.status"), "     - order.status", 6, 7, "第 7 列"),
    ("key-one-space-less", ("    action: approve", "   action: approve"), "   action", 4, 5, "第 5 列"),
    ("key-too-deep-after-list", ("    action: approve", "      action: approve"), "      action", 7, 5, "第 5 列"),
    ("key-too-deep-under-id", ("    name: {zh: 规则", "      name: {zh: 规则"), "      name", 7, 5, "第 5 列"),
    ("second-rule-one-space-less", ("    action: approve\n", "    action: approve\n - id: r2\n"), " - id: r2", 2, 3, "第 3 列"),
    ("key-without-colon", ("    action: approve", "    action approve\n    deadline: now"), "    action approve", 5, None,
     "冒号"),
    ("colon-in-value", ("action: approve", "action: approve: now"), "approve: now", ": now", None, "action: 'approve: now'"),
    ("unclosed-brace", ("{seed: s.txt}", "{seed: s.txt"), "{seed: s.txt", "{seed", None, "'}'"),
    ("value-starting-with-at", ("action: approve", "action: @approve"), "@approve", "@approve", None, "'@approve'"),
    ("dash-after-key", ("    when:\n      - order", "    when: - order"), "- order", "- order", None, "另起一行"),
]


@pytest.mark.parametrize("edit, line_text, col, sibling, zh", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_yaml_syntax_errors_point_at_the_line_to_fix(invoke: Any, tmp_path: Path, edit: tuple[str, str], line_text: str,
                                                     col: int | str, sibling: int | None, zh: str) -> None:
    old, new = edit
    assert old in BASE
    text = BASE.replace(old, new, 1)
    line = line_of(text, line_text)
    col = col if isinstance(col, int) else col_of(text, col, inside=line_text)
    result, found = check(invoke, tmp_path, text, "zh")
    assert result.exit_code == 1
    assert found == {("E300", line, col)}, result.stderr
    assert "YAML 语法错误" in result.stderr and zh in result.stderr
    no_library_english(result.stderr)
    result_en, _ = check(invoke, tmp_path, text, "en")
    if sibling is not None:
        assert f"starts in column {sibling}, this line in column {col}" in result_en.stderr
        assert "indentation" in result_en.stderr


@pytest.mark.parametrize("edit", [c[1] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_pure_python_pyyaml_gives_the_same_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  edit: tuple[str, str]) -> None:
    """Without libyaml PyYAML words its problems differently; the user sees the same place and hint."""
    import yaml

    import dsl.text.yamlload

    path = tmp_path / "book.yaml"
    path.write_text(BASE.replace(*edit, 1), encoding="utf-8")
    _, fast = load_model(path)
    monkeypatch.setattr(dsl.text.yamlload, "_LOADER", yaml.SafeLoader)
    _, slow = load_model(path)
    assert [(d.code, d.span, d.hint) for d in slow] == [(d.code, d.span, d.hint) for d in fast]
    if fast[0].hint and fast[0].hint[0] == "yaml_indent":   # indentation reads the same with either parser
        assert slow[0].message("zh") == fast[0].message("zh") == "YAML 语法错误：这一行的缩进与上面的行对不上"
    no_library_english("\n".join(d.message("zh") for d in slow))


def test_yaml11_word_hint_in_chinese(invoke: Any, tmp_path: Path) -> None:
    text = BASE.replace("rules:\n", "description: no\nrules:\n")
    result, found = check(invoke, tmp_path, text, "zh")
    assert found == {("E307", line_of(text, "description: no"), 14)}
    assert "读成布尔值" in result.stderr and "a boolean" not in result.stderr


# -- parameter values and expressions -----------------------------------------------------------

@pytest.mark.parametrize("value, zh, en", [
    ("7天", "'7d'", "did you mean '7d'?"),
    ("7 天", "'7d'", "did you mean '7d'?"),
    ("48小时", "'48h'", "did you mean '48h'?"),
    ("48 hours", "'48h'", "did you mean '48h'?"),
    ("５０００.00", "半角 '5000.00'", "ASCII '5000.00'"),
    ("5000元", "纯数字", "plain number"),
    ("¥5000", "5000.00", "5000.00"),
    ("5,000.00", "5000.00", "5000.00"),
], ids=["7天", "7-天", "48小时", "48-hours", "fullwidth-digits", "5000元", "yen", "thousands"])
def test_parameter_value_slips_get_the_fix(invoke: Any, tmp_path: Path, value: str, zh: str, en: str) -> None:
    text = BASE.replace("  window: 48h", f"  window: {value}")
    result, found = check(invoke, tmp_path, text, "zh")
    assert found == {("E305", line_of(text, "window:"), 11)}, result.stderr
    assert zh in result.stderr
    no_library_english(result.stderr)
    result_en, _ = check(invoke, tmp_path, text, "en")
    assert en in result_en.stderr
    if "5000" in value or "５" in value:
        assert "5000.00" in result.stderr


@pytest.mark.parametrize("condition, code, zh, en", [
    ("order.paid_amount > '5000'", "E204", "去掉引号，写成 5000", "drop the quotes and write 5000"),
    ("order.paid_amount > 0 and '5000.00' <= order.paid_amount", "E204", "去掉引号，写成 5000.00", "drop the quotes"),
    ("aftersale.applied_at + 7天 < now", "E103", "'7d'", "did you mean '7d'?"),
    ("order.paid_amount > 5000元", "E111", "5000.00", "5000.00"),
    ("order.paid_amount > ¥5000", "E101", "5000.00", "5000.00"),
    ("order.paid_amount > 5,000.00", "E108", "5000.00", "5000.00"),
], ids=["quoted-money", "quoted-money-left", "7天", "5000元", "yen", "thousands"])
def test_expression_slips_get_the_fix(invoke: Any, tmp_path: Path, condition: str, code: str, zh: str, en: str) -> None:
    text = BASE.replace("order.paid_amount <= params.max_amount", condition)
    result, found = check(invoke, tmp_path, text, "zh")
    assert [c for c, _, _ in found] == [code] and next(iter(found))[1] == line_of(text, condition), result.stderr
    assert zh in result.stderr
    no_library_english(result.stderr)
    assert en in check(invoke, tmp_path, text, "en")[0].stderr


@pytest.mark.parametrize("condition, code, zh", [
    ("len(shop.services, 1) > 0", "E205", "需要 1 个参数，实际给了 2 个"),
    ("days_between(order.paid_at, 1) > 0", "E205", "第 2 个参数应为"),
    ("order.paid_amount > 10 and order.paid_amount < 5", "E209", "上的条件排除了所有可能的值"),
    ("(" * 41 + "true" + ")" * 41, "E107", "嵌套"),
], ids=["arity", "argument-kind", "never-matches", "too-deep"])
def test_expression_checks_speak_chinese(invoke: Any, tmp_path: Path, condition: str, code: str, zh: str) -> None:
    text = BASE.replace("order.paid_amount <= params.max_amount", condition)
    result, found = check(invoke, tmp_path, text, "zh")
    assert code in {c for c, _, _ in found} and zh in result.stderr, result.stderr
    no_library_english(result.stderr)
    assert not re.search(r"takes|argument|never|levels deep|conditions on", result.stderr)


def test_quoted_text_compared_with_text_gets_no_quote_hint(invoke: Any, tmp_path: Path) -> None:
    text = BASE.replace("order.paid_amount <= params.max_amount", "order.paid_amount > 'abc'")
    result, found = check(invoke, tmp_path, text, "en")
    assert [c for c, _, _ in found] == ["E204"] and "drop the quotes" not in result.stderr


def test_deadline_that_is_a_duration_hints_adding_it_to_a_moment(invoke: Any, tmp_path: Path) -> None:
    text = BASE.replace("    action: approve\n", "    action: approve\n    deadline: params.window\n")
    result, found = check(invoke, tmp_path, text, "zh")
    assert found == {("E207", line_of(text, "deadline:"), 15)}
    assert "aftersale.applied_at + params.window" in result.stderr and "期限" in result.stderr
    no_library_english(result.stderr)


# -- rulebook test --lang ------------------------------------------------------------------------

FAILING = BASE.replace("    action: approve\n", """\
    action: approve
    examples:
      - name: 小额
        case: {order: {paid_amount: "10.00", status: completed}}
        expect: {matched: true}
      - name: 大额误判
        case: {order: {paid_amount: "500.00", status: completed}}
        expect: {matched: true}
""")


def test_rulebook_test_in_chinese(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(FAILING, encoding="utf-8")
    result = invoke("test", "--lang", "zh", "-v", path)
    assert result.exit_code == 1
    out = result.stdout
    assert f"{path}:{line_of(FAILING, '大额误判')}:9: 未通过 r1：大额误判" in out
    assert f"{path}:{line_of(FAILING, '小额')}:9: 通过 r1：小额" in out
    assert "matched：预期 true，实际 false" in out and "原因：" in out
    assert "未覆盖：demo/r1：有不命中的示例" in out
    assert "示例：1 个通过，1 个未通过" in out and "覆盖率" in out
    no_library_english(out + result.stderr)
    result_en = invoke("test", "--lang", "en", path)
    assert "FAIL r1: 大额误判" in result_en.stdout and "examples: 1 passed, 1 failed" in result_en.stdout
    assert "未通过" not in result_en.stdout
    both = invoke("test", path).stdout
    assert "examples: 1 passed, 1 failed / 示例：1 个通过，1 个未通过" in both


OUTPUTS_WRONG = BASE.replace("    action: approve\n", """\
    action: approve
    deadline: order.paid_at + 1d
    outputs:
      comp: 3.00
      wait: 2d
      at: order.paid_at + 1d
      note: "'abc'"
      n_items: 3
    examples:
      - name: 补偿
        case: {order: {paid_amount: "10.00", status: completed, paid_at: "2026-11-01T10:00:00+08:00"}}
        expect:
          matched: true
          deadline: "2026-11-03T10:00:00+08:00"
          outputs: {comp: 4.00, wait: "3d", at: "2026-11-03T10:00:00+08:00", note: abd, n_items: "4"}
""")


def test_rulebook_test_shows_expected_and_actual_outputs_in_one_form(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(OUTPUTS_WRONG, encoding="utf-8")
    out = invoke("test", "--lang", "en", path).stdout
    assert "outputs.comp: expected 4.00, got 3.00\n" in out                 # not got '3.00'
    assert "outputs.wait: expected 3d, got 48h\n" in out                    # not expected '3d'
    assert "outputs.at: expected 2026-11-03T10:00:00+08:00, got 2026-11-02T10:00:00+08:00\n" in out
    assert "deadline: expected 2026-11-03T10:00:00+08:00, got 2026-11-02T10:00:00+08:00\n" in out
    assert "outputs.note: expected 'abd', got 'abc'\n" in out               # text quoted on both sides
    assert "outputs.n_items: expected 4, got 3\n" in out


def test_an_expected_duration_or_time_written_another_way_is_the_same_value(invoke: Any, tmp_path: Path) -> None:
    """`wait: 2d` against the engine's 48h failed the example, though 2d is 48h exactly."""
    path = tmp_path / "book.yaml"
    path.write_text(OUTPUTS_WRONG.replace("comp: 4.00, wait: \"3d\", at: \"2026-11-03T10:00:00+08:00\", note: abd, "
                                          "n_items: \"4\"",
                                          "comp: 3, wait: \"48h\", at: \"2026-11-02 10:00\", note: abc, n_items: 3")
                    .replace('deadline: "2026-11-03T10:00:00+08:00"', 'deadline: "2026-11-02T02:00:00Z"')
                    .replace("      wait: 2d", "      wait: 48h").replace("\"'abc'\"", "\"'abc'\""),
                    encoding="utf-8")
    assert "wait: \"48h\"" in path.read_text(encoding="utf-8")
    result = invoke("test", "--lang", "en", path)
    assert result.exit_code == 0, result.stdout
    path.write_text(path.read_text(encoding="utf-8").replace("      wait: 48h", "      wait: 2d"), encoding="utf-8")
    assert invoke("test", "--lang", "en", path).exit_code == 0     # expected 48h, the engine's 2d: one value


def test_rulebook_test_shows_a_broken_rulebook_in_chinese(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(BASE.replace("action: approve", "action: manual review"), encoding="utf-8")
    result = invoke("test", "--lang", "zh", path)
    assert result.exit_code == 1
    assert "E302" in result.stderr and "action: manual_review" in result.stderr
    no_library_english(result.stderr)


def test_min_coverage_message_in_chinese(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(FAILING.replace('"500.00"', '"100.00"'), encoding="utf-8")
    result = invoke("test", "--lang", "zh", "--min-coverage", "100", path)
    assert result.exit_code == 1 and "低于 --min-coverage 100%" in result.stderr


# -- alias bomb ------------------------------------------------------------------------------------

def test_alias_bomb_in_a_900_line_rulebook_points_at_the_alias(invoke: Any, tmp_path: Path) -> None:
    rule = ("  - id: r{i}x\n    name: {{zh: 规则, en: Rule}}\n    source: {{seed: s.txt}}\n"
            "    when: order.paid_amount <= params.max_amount\n    action: approve\n")
    text = BASE + "".join(rule.format(i=i) for i in range(180))
    bomb = ["    a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text += "base_case:\n  x:\n" + "\n".join(bomb) + "\n"
    assert text.count("\n") > 900
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    result = invoke("check", "--lang", "zh", path)
    assert time.perf_counter() - start < 5
    found = {(m["code"], int(m["line"]), int(m["col"])) for m in DIAG.finditer(result.stderr)}
    [(code, line, col)] = found
    lines = text.split("\n")
    assert code == "E310" and line > 900 and lines[line - 1][col - 1:].startswith("*a"), result.stderr
    assert "别名" in result.stderr and "1,000,000" in result.stderr


def test_rulebook_with_harmless_aliases_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(BASE.replace("name: {zh: 规则, en: Rule}", "name: &n {zh: 规则, en: Rule}")
                    + "  - id: r2\n    name: *n\n    source: {seed: s.txt}\n    when: true\n    action: approve\n",
                    encoding="utf-8")
    model, diags = load_model(path)
    assert [d for d in diags if d.severity == "error"] == [] and model is not None and len(model.rules) == 2


# -- the catalog -------------------------------------------------------------------------------------

def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


CATALOG = [(f"MESSAGES[{k}]", v) for k, v in MESSAGES.items()] + [(f"HINTS[{k}]", v) for k, v in HINTS.items()] \
    + [(f"PHRASES[{k}]", v) for k, v in PHRASES.items()]


@pytest.mark.parametrize("key, pair", CATALOG, ids=[k for k, _ in CATALOG])
def test_catalog_entry_has_both_languages_with_the_same_placeholders(key: str, pair: tuple[str, str]) -> None:
    en, zh = pair
    assert en.strip() and zh.strip()
    if (_fields(en), _fields(zh)) == ({"en"}, {"zh"}):   # text given in both languages by the caller
        return
    assert _fields(en) == _fields(zh)


def test_phrase_renders_per_language_and_survives_pickling() -> None:
    import pickle

    phrase = Phrase("shape.missing", where=Phrase("where.rule", id="r1", path="rules[0]"), key="source",
                    expected=Phrase("slot.source"))
    assert phrase == "rule 'r1' (rules[0]): 'source' is missing; 'source' says where the rule comes from"
    assert phrase.label("zh") == "规则 'r1'（rules[0]）：缺少 'source'；'source' 写明规则的出处"
    again = pickle.loads(pickle.dumps(phrase))
    assert again.label("zh") == phrase.label("zh") and again == phrase
