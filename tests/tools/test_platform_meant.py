"""A case's `platform` that names no rulebook (QA pass 25): "Douyin" or "抖音" said
`add -p Douyin or -p all` even with `-p all`. Now the id it stands for is suggested, and
`-p` only for a platform with a rulebook not given; an unknown one lists the platforms."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, RULEBOOKS

DOUYIN = RULEBOOKS / "douyin.yaml"


def _cases(tmp: Path, *platforms: str) -> Path:
    doc = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    path = tmp / "cases.jsonl"
    path.write_text("".join(json.dumps({**doc, "id": f"P{i}", "platform": p}, ensure_ascii=False) + "\n"
                            for i, p in enumerate(platforms)), encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_name_for_a_given_platform_gets_its_id(invoke: Any, tmp_path: Path, engine: str) -> None:
    path = _cases(tmp_path, "Douyin", "douyn", "douyin")
    out = invoke("eval", "-r", DOUYIN, path, "--lang", "en", "--engine", engine, "--format", "jsonl", "--no-explain")
    for line in (1, 2):
        assert f"{path}:{line}: error E401: " in out.stderr
    assert "did you mean 'douyin'? (write \"platform\": \"douyin\")" in out.stderr
    assert "-p all" not in out.stderr and "-p Douyin" not in out.stderr
    assert out.stdout.count('"case": "P2"') == 1   # the right id is evaluated


def test_the_chinese_name(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, _cases(tmp_path, "抖音"), "--format", "jsonl", "--no-explain")
    assert "是否想写 'douyin'" in out.stderr and out.exit_code == 1


def test_an_id_of_a_platform_not_given_says_add_it(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, _cases(tmp_path, "Kuaishou", "kuaishou"), "--lang", "en", "--format", "jsonl",
                 "--no-explain")
    assert "did you mean 'kuaishou'? (write \"platform\": \"kuaishou\" and add -p kuaishou; given: douyin)" in out.stderr
    assert "add -p kuaishou or -p all" in out.stderr   # the id itself: as before


def test_an_unknown_platform_lists_the_platforms(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-p", "all", _cases(tmp_path, "taobao"), "--lang", "en", "--format", "jsonl", "--no-explain")
    assert "the case is for 'taobao', but no rulebook is for that platform (platforms: douyin, kuaishou, pinduoduo" \
        in out.stderr
    assert "-p all" not in out.stderr


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_empty_platform_is_a_bad_field(invoke: Any, tmp_path: Path, engine: str, jobs: str) -> None:
    """`"platform": ""` was taken as absent without a word: now E402 (exit 1); every rule
    still decides (none reads the platform), against every rulebook given."""
    if engine == "duckdb" and jobs == "2":
        pytest.skip("--jobs is the Python engine's")
    path = _cases(tmp_path, "", " ")
    out = invoke("eval", "-r", DOUYIN, path, "--lang", "en", "--engine", engine, "--format", "jsonl", "--no-explain",
                 "--jobs", jobs)
    for line in (1, 2):
        assert f"{path}:{line}: error E402: case P{line - 1}: field platform: empty text names no platform" in out.stderr
    assert out.exit_code == 1 and out.stdout.count('"platform": "douyin"') == 2
    assert all("error" not in r for line in out.stdout.splitlines() for r in json.loads(line)["results"])


@pytest.mark.parametrize("name", ["Douyin", "抖音", "douyn"])
def test_platform_option_suggests_the_id(invoke: Any, name: str) -> None:
    """`-p Douyin` listed the platforms without the one meant (QA pass 26)."""
    zh = invoke("eval", "-p", name, EXAMPLES / "batch.jsonl")
    assert zh.exit_code == 2 and f"没有平台 '{name}' 的规则手册：您是否想写 'douyin'？" in zh.stderr, zh.stderr
    en = invoke("eval", "-p", name, EXAMPLES / "batch.jsonl", "--lang", "en")
    assert f"no rulebook for platform '{name}': did you mean 'douyin'?" in en.stderr, en.stderr


@pytest.mark.parametrize("name", ["Douyin", "抖音"])
def test_extends_suggests_the_id(invoke: Any, tmp_path: Path, name: str) -> None:
    shop = tmp_path / "acme.yaml"
    shop.write_text(f"rulebook: acme\nextends: {name}\nname: {{zh: 店, en: Shop}}\n", encoding="utf-8")
    out = invoke("check", shop, "--lang", "en")
    assert f"error E320: cannot extend '{name}'" in out.stderr and "did you mean 'douyin'?" in out.stderr, out.stderr
