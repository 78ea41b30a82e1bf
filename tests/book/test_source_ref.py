"""A rule's `source:` is a seed article, a free reference or a web address (`rulebook check`).

A merchant's own rule has no seed article: `source: {ref: "抖店公告 2026-03-01"}` or
`source: {url: "https://…"}` must be accepted, and a source that names nothing, a blank
reference or a url that is no web address must be an error at its place, with the forms.
"""
from __future__ import annotations

from typing import Any

import pytest

from conftest import RULEBOOK_HEAD, json_lines, rule_yaml

SEED = "{seed: s.txt}"


def rulebook_with_source(write_rulebook: Any, source: str) -> tuple[Any, str]:
    text = RULEBOOK_HEAD + rule_yaml()
    assert SEED in text
    return write_rulebook(text.replace(SEED, source)), text.replace(SEED, source)


def place_of(text: str, fragment: str) -> tuple[int, int]:
    """1-based line and column of `fragment` in `text`."""
    for number, line in enumerate(text.split("\n"), 1):
        if fragment in line:
            return number, line.index(fragment) + 1
    raise AssertionError(fragment)


@pytest.mark.parametrize("source", [
    SEED,
    '{seed: 000_f430c4802bea50c0.txt, section: "(二)適用范圍"}',
    '{ref: "抖店公告 2026-03-01"}',
    '{ref: 店铺自定义售后规则, section: 第3条, note: 店长 2026-03 确认}',
    '{url: "https://school.jinritemai.com/doudian/web/article/aHUW5K3zNSUe"}',
    '{url: "http://example.com"}',
    '{ref: 快手商家公告, url: "https://www.kuaishou.com/notice"}',
], ids=["seed", "seed-section", "ref", "ref-section-note", "https", "http", "ref-and-url"])
def test_source_forms_are_accepted(invoke: Any, write_rulebook: Any, source: str) -> None:
    path, _ = rulebook_with_source(write_rulebook, source)
    result = invoke("check", path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("source, fragment, detail", [
    ('{ref: ""}', '""', "source.ref) is empty"),
    ('{ref: "   "}', '"   "', "source.ref) is empty"),
    ('{seed: ""}', '""', "source.seed) is empty"),
    ('{url: "school.jinritemai.com/article/1"}', '"school', "is not a web address"),
    ('{url: "ftp://example.com/a"}', '"ftp', "is not a web address"),
    ('{url: "https://"}', '"https', "is not a web address"),
    ('{url: "https://example.com/a b"}', '"https', "is not a web address"),
    ("{section: 第3条}", "{section", "needs one of 'seed', 'ref' or 'url'"),
    ("{}", "{}", "needs one of 'seed', 'ref' or 'url'"),
], ids=["empty-ref", "blank-ref", "empty-seed", "url-without-scheme", "ftp-url", "url-without-host",
        "url-with-space", "only-section", "empty"])
def test_bad_source_is_e302_at_its_place_with_the_forms(invoke: Any, write_rulebook: Any, source: str,
                                                         fragment: str, detail: str) -> None:
    path, text = rulebook_with_source(write_rulebook, source)
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    [diag] = [d for d in json_lines(result.stdout) if "code" in d]
    assert (diag["code"], diag["line"], diag["col"]) == ("E302", *place_of(text, fragment))
    assert detail in diag["message"]
    for lang in ("en", "zh"):
        shown = invoke("check", "--lang", lang, path).stderr
        assert "ref: 抖店公告 2026-03-01" in shown and "url: https://" in shown, shown   # the fix, both languages
    assert "请写 seed" in invoke("check", "--lang", "zh", path).stderr


def test_unknown_key_in_source_is_e306_with_the_known_keys(invoke: Any, write_rulebook: Any) -> None:
    path, text = rulebook_with_source(write_rulebook, '{ref: "抖店公告 2026-03-01", link: "https://x.cn"}')
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    [diag] = [d for d in json_lines(result.stdout) if "code" in d]
    assert (diag["code"], diag["line"], diag["col"]) == ("E306", *place_of(text, "link"))
    assert "'link'" in diag["message"]
    assert "ref" in invoke("check", "--lang", "en", path).stderr.split("hint", 1)[1]


def test_source_that_is_not_a_mapping_is_an_error(invoke: Any, write_rulebook: Any) -> None:
    path, text = rulebook_with_source(write_rulebook, '"抖店公告 2026-03-01"')
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    [diag] = [d for d in json_lines(result.stdout) if "code" in d]
    assert (diag["code"], diag["line"]) == ("E302", place_of(text, "source:")[0])


def test_rule_without_source_is_still_an_error(invoke: Any, write_rulebook: Any) -> None:
    text = (RULEBOOK_HEAD + rule_yaml()).replace(f"    source: {SEED}\n", "")
    path = write_rulebook(text)
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    assert [(d["code"], "'source'" in d["message"]) for d in json_lines(result.stdout) if "code" in d] == [
        ("E302", True)]


def test_a_rule_with_a_ref_source_runs_its_examples(invoke: Any, write_rulebook: Any) -> None:
    """The source is documentation: a merchant's own rule with a ref is tested like any other."""
    examples = """\
        examples:
          - name: within the limit
            case: {order: {paid_amount: "10.00"}}
            expect: {matched: true}
          - name: over the limit
            case: {order: {paid_amount: "300.01"}}
            expect: {matched: false}
        """
    path, _ = rulebook_with_source(write_rulebook, '{ref: "店铺售后规则 2026-03-01"}')
    path.write_text(path.read_text(encoding="utf-8") + "    " + examples.strip().replace("\n", "\n    ") + "\n",
                    encoding="utf-8")
    result = invoke("test", "--min-coverage", "100", path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
