"""Every problem PyYAML (libyaml or pure Python) can stop a rulebook or a YAML case file on is
said in the catalog's words with its fix (QA pass 26): `---` starting a second document, text
after `...`, a `%` directive, a tag, a bad block scalar header, a quote running into `---`
said `YAML 语法错误：expected a single document in the stream…` to a Chinese reader. A tag
that is no core-schema one (`!foo {a: 1}`) was read silently; it is an error now."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import dsl.text.yamlload
from dsl.text.yamlload import load_yaml

# (id, YAML text, a fragment of the Chinese sentence)
PROBLEMS = [
    ("second-document", 'order: {paid_amount: "1"}\n---\n', "第二个文档"),
    ("after-document-end", 'order: {paid_amount: "1"}\n...\nfoo\n', "文档结束标记"),
    ("unknown-directive", "%FOO bar\n---\norder: {}\n", "YAML 指令"),
    ("yaml-2", "%YAML 2.0\n---\norder: {}\n", "YAML 指令"),
    ("yaml-twice", "%YAML 1.2\n%YAML 1.2\n---\norder: {}\n", "YAML 指令"),
    ("yaml-version", "%YAML x\n---\norder: {}\n", "YAML 指令"),
    ("tag-twice", "%TAG !a! tag:x,2000:\n%TAG !a! tag:y,2000:\n---\norder: {}\n", "YAML 指令"),
    ("undefined-tag-handle", "order: !x!y 1\n", "YAML 标签"),
    ("unclosed-verbatim-tag", "order: !<tag:x 1\n", "YAML 标签"),
    ("tag-then-quote", 'order: !foo"x"\n', "YAML 标签"),
    ("bad-uri-escape", "order: !<!%zz> 1\n", "YAML 标签"),
    ("empty-anchor", "order: &\n", "锚点或别名"),
    ("block-indicator-0", "order: |0\n  x\n", "'|' 或 '>'"),
    ("block-header-text", "order: |x\n  x\n", "'|' 或 '>'"),
    ("quote-into-separator", 'order: "x\n---\n y"\n', "补上结束引号"),
    ("short-hex-escape", 'order: "\\xZZ"\n', "十六进制"),
]
LIBRARY = re.compile(r"expected|found|while |document|directive|scalar|stream|hexdecimal|escape code")


def _zh(text: str) -> str:
    doc = load_yaml(text, "c.yaml")
    assert [d.code for d in doc.diagnostics][:1] == ["E300"], doc.diagnostics
    return doc.diagnostics[0].message("zh")


@pytest.mark.parametrize("text, zh", [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS])
@pytest.mark.parametrize("loader", ["libyaml", "pure"])
def test_each_problem_is_catalogued(monkeypatch: pytest.MonkeyPatch, loader: str, text: str, zh: str) -> None:
    if loader == "pure":
        monkeypatch.setattr(dsl.text.yamlload, "_LOADER", yaml.SafeLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("no libyaml")
    if loader == "pure" and text.startswith("%FOO"):   # pure PyYAML ignores an unknown directive (a warning)
        return
    message = _zh(text)
    assert zh in message and not LIBRARY.search(message), message


def test_an_uncatalogued_problem_says_our_sentence_and_keeps_the_library_words(monkeypatch: pytest.MonkeyPatch) -> None:
    class Odd(yaml.MarkedYAMLError):
        pass

    def compose(*_: Any, **__: Any) -> None:
        raise Odd(None, None, "some new complaint", yaml.Mark("c", 0, 0, 0, None, None))

    monkeypatch.setattr(yaml, "compose", compose)
    doc = load_yaml("order: {}\n", "c.yaml")
    assert "请检查此处的引号、括号和缩进（PyYAML 原文：some new complaint）" in doc.diagnostics[0].message("zh")


@pytest.mark.parametrize("text, tag", [
    ("order: !foo {a: 1}\n", "!foo"), ("order: !foo [1]\n", "!foo"), ('order: !foo "x"\n', "!foo"),
    ("order: !foo x\n", "!foo"), ('order: !!binary "aGk="\n', "!!binary"), ("order: !!set {a}\n", "!!set"),
    ("order: !!omap [a: 1]\n", "!!omap"),
])
def test_a_tag_outside_the_core_schema_is_an_error(text: str, tag: str) -> None:
    doc = load_yaml(text, "c.yaml")
    assert [(d.code, d.span.line, d.span.col) for d in doc.diagnostics] == [("E300", 1, 8)]
    assert f"不支持标签 '{tag}'" in doc.diagnostics[0].message("zh")


@pytest.mark.parametrize("text", ["order: !!str 123\n", "order: !!map {a: 1}\n", "order: !!seq [1]\n",
                                  "x: &b {a: 1}\norder: {<<: *b, c: 2}\n"])
def test_core_schema_tags_stay_allowed(text: str) -> None:
    assert load_yaml(text, "c.yaml").diagnostics == []


def test_a_case_file_and_a_rulebook_say_it_in_chinese(invoke: Any, tmp_path: Path, write_rulebook: Any) -> None:
    cases = tmp_path / "c.yaml"
    cases.write_text('order: !foo {paid_amount: "1"}\n', encoding="utf-8")
    out = invoke("eval", "-p", "douyin", cases, "--no-summary")
    assert "c.yaml:1:8: error E401: YAML 语法错误：不支持标签 '!foo'" in out.stderr, out.stderr
    cases.write_text('order: {paid_amount: "1"}\n---\n', encoding="utf-8")
    out = invoke("eval", "-p", "douyin", cases, "--no-summary")
    assert "c.yaml:2:1: error E401: YAML 语法错误：这里开始了第二个文档（'---'）" in out.stderr, out.stderr
    book = write_rulebook("rulebook: demo\n---\nfoo: 1\n")
    out = invoke("check", book)
    assert "a second document starts here ('---')" in out.stderr and "/ YAML 语法错误：这里开始了第二个文档" in out.stderr
