"""`rulebook check` of a file whose `extends:` names nothing that exists (docs/adapters.md,
"Which files are mappings"): with a mapping's keys beside it, a mapping (its E703); with a
rulebook's, a shop overlay (its E320); with no key that tells the kind, one E320 at the
value saying the file (or the name) is not there, not a rulebook's "'rulebook' is missing".
And the zh wording of a mapping's unknown key (E702), for each place it is said of."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from dsl.book.filekind import file_kind
from dsl.text.yamlload import load_yaml

Invoke = Callable[..., Any]
MISSING = "extends: ./does-not-exist.yaml\n"


def errors(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error E" in line]


@pytest.mark.parametrize("text", [MISSING, MISSING + "description: 退款映射\n"], ids=["alone", "beside-description"])
def test_a_missing_file_alone_is_one_error_at_the_extends_value(invoke: Invoke, tmp_path: Path, text: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("check", path, "--lang", "en")
    assert result.exit_code == 1
    assert errors(result) == [f"{path}:1:10: error E320: cannot extend './does-not-exist.yaml': "
                              f"no file {tmp_path / 'does-not-exist.yaml'}"]
    assert "   = hint: with no key beside 'extends:' the file is of the kind of the file it extends (a rulebook: " \
        "a shop overlay; an adapter mapping): give the path of a file that exists" in result.stderr.splitlines()
    assert "'rulebook' is missing" not in result.stderr
    assert result.stdout == f"{path}: 1 error(s), 0 warning(s)\n"
    zh = invoke("check", path, "--lang", "zh")
    assert errors(zh) == [f"{path}:1:10: error E320: 无法继承 './does-not-exist.yaml'：没有文件 {tmp_path / 'does-not-exist.yaml'}"]


@pytest.mark.parametrize("beside", ["fields:\n  order.status: null\n", "tables: {}\n", "items: data.items\n",
                                    "options: {}\n"])
def test_a_missing_file_beside_a_mappings_key_is_a_mappings_error(invoke: Invoke, tmp_path: Path, beside: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(MISSING + beside, encoding="utf-8")
    assert file_kind(load_yaml(MISSING + beside, str(path))) == "mapping"
    result = invoke("check", path, "--lang", "en")
    assert [line.split(": error ")[1][:4] for line in errors(result)] == ["E703"]
    assert errors(result)[0].startswith(f"{path}:1:10: error E703: no adapter mapping './does-not-exist.yaml'")


def test_a_missing_file_beside_a_rulebooks_key_is_a_shop_overlays_error(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(MISSING + "parameters: {}\n", encoding="utf-8")
    assert file_kind(load_yaml(path.read_text(encoding="utf-8"), str(path))) == "rulebook"
    said = errors(invoke("check", path, "--lang", "en"))
    assert f"{path}:1:10: error E320: cannot extend './does-not-exist.yaml': no file {tmp_path / 'does-not-exist.yaml'}" \
        in said


def test_a_name_that_is_nothing_alone_is_one_error_naming_what_exists(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("extends: douyn\n", encoding="utf-8")
    result = invoke("check", path, "--lang", "en")
    [said] = errors(result)
    assert said.startswith(f"{path}:1:10: error E320: cannot extend 'douyn': no platform's rulebook and no shipped "
                           "adapter mapping has that name (platforms: ")
    assert "douyin-aftersale-list" in said and "   = hint: did you mean 'douyin'?" in result.stderr.splitlines()


def test_a_file_that_exists_still_gives_its_kind(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("adapter: base\n", encoding="utf-8")
    assert file_kind(load_yaml("extends: ./base.yaml\n", str(tmp_path / "a.yaml"))) == "mapping"
    assert file_kind(load_yaml("extends: ./other.yaml\n", str(tmp_path / "a.yaml"))) == "unresolved"
    assert file_kind(load_yaml("extends: douyin\n", str(tmp_path / "a.yaml"))) == "rulebook"


# -- E702 in Chinese: no stray space, whatever place it names ---------------------------------

@pytest.mark.parametrize("text, expected", [
    ("extends: douyin-aftersale-list\nfeilds: {}\n",
     "顶层：有未知的键 'feilds'（可用：adapter, description, endpoint, extends, fields, item, items, options, "
     "platform, set, source, tables）"),
    ("extends: douyin-aftersale-list\nfields:\n  order.status: {from: x, convet: code}\n",
     "fields.order.status：有未知的键 'convet'（可用：convert, formats, from, note, required, table, value, zero_is_absent）"),
    ("extends: douyin-aftersale-list\ntables:\n  t1:\n    codes: {}\n    sorce: x\n",
     "tables.t1：有未知的键 'sorce'（可用：codes, note, source）"),
], ids=["top-level", "a-field", "a-table"])
def test_an_unknown_key_of_a_mapping_reads_naturally_in_chinese(invoke: Invoke, tmp_path: Path, text: str,
                                                                expected: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    said = [line for line in errors(invoke("check", path, "--lang", "zh")) if "E702" in line]
    assert [line.split("error E702: ", 1)[1] for line in said] == [expected]
