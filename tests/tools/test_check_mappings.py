"""`rulebook check` of adapter mapping files (docs/adapters.md): a mapping is recognised and
checked as `--from FILE` loads it, and for what its text settles that `--from` leaves to the
items; a folder of rulebooks and mappings is checked file by file; a file of neither kind
is said in one message. Output and exit codes as for rulebooks."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import FIXTURES, ROOT, RULEBOOKS
from dsl.book.filekind import file_kind
from dsl.cases.mapping import shipped_names
from dsl.text.yamlload import load_yaml

ADAPTERS = ROOT / "dsl" / "cases" / "adapters"
TYPO = "extends: douyin-aftersale-list\nfeilds:\n  order.status: null\n"
Invoke = Callable[..., Any]


def write(folder: Path, text: str, name: str = "my-mapping.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def said(result: Any) -> list[str]:
    """The header lines of the diagnostics (`file:line:col: error CODE: message`)."""
    return [line for line in result.stderr.splitlines() if ": error E" in line or ": warning " in line]


def one_error(invoke: Invoke, path: Path) -> tuple[str, str]:
    """`rulebook check PATH --lang en` finding exactly one problem: its header line, and stderr."""
    result = invoke("check", path, "--lang", "en")
    assert result.exit_code == 1
    [header] = said(result)
    return header, result.stderr


def test_every_shipped_mapping_checks_clean(invoke: Invoke) -> None:
    result = invoke("check", ADAPTERS, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [f"{ADAPTERS / name}.yaml: ok" for name in shipped_names()]


def test_a_users_mapping_with_a_typo_is_told_at_its_place_with_did_you_mean(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, TYPO)
    result = invoke("check", path, "--lang", "en")
    assert result.exit_code == 1
    assert said(result) == [f"{path}:2:1: error E702: unknown key 'feilds' in the top level (allowed: adapter, "
                            "description, endpoint, extends, fields, item, items, options, platform, set, source, tables)"]
    assert "   = hint: did you mean 'fields'?" in result.stderr.splitlines()
    assert "rulebook" not in result.stderr and "E320" not in result.stderr   # not read as a rulebook
    assert result.stdout == f"{path}: 1 error(s), 0 warning(s)\n"


def test_the_same_in_chinese_and_in_both(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, TYPO)
    zh = invoke("check", path, "--lang", "zh")
    assert zh.exit_code == 1
    assert said(zh)[0].startswith(f"{path}:2:1: error E702: 顶层：有未知的键 'feilds'（可用：adapter,")
    assert "   = 提示: 您是否想写 'fields'？" in zh.stderr.splitlines()
    assert zh.stdout == f"{path}: 1 个错误，0 个警告\n"
    both = invoke("check", path).stderr
    assert "in the top level" in both and "顶层：有未知的键 'feilds'" in both


def test_json_and_github_formats_carry_file_line_column_code_and_hint(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, TYPO)
    result = invoke("check", path, "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    found = json.loads(line)
    assert (found["file"], found["line"], found["col"], found["code"], found["severity"]) == (str(path), 2, 1, "E702", "error")
    assert found["hint"] == "did you mean 'fields'?"
    github = invoke("check", path, "--format", "github").stdout
    assert github.startswith(f"::error file={path},line=2,col=1,title=E702::unknown key 'feilds'")


def test_an_unknown_base_is_said_with_the_shipped_names_and_did_you_mean(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "extends: douyin-aftersale-lst\n")
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:1:10: error E703: no adapter mapping 'douyin-aftersale-lst'")
    assert "   = hint: did you mean 'douyin-aftersale-list'?" in stderr.splitlines()


def test_a_mistake_in_a_users_base_is_told_in_the_base(invoke: Invoke, tmp_path: Path) -> None:
    base = write(tmp_path, "adapter: base\nfields:\n  aftersale.tpye: {from: type}\n", "base.yaml")
    mine = write(tmp_path, "extends: ./base.yaml\n")
    result = invoke("check", mine, "--lang", "en")
    assert result.exit_code == 1
    in_base, summed = said(result)
    assert in_base.startswith(f"{base}:3:3: error E701: 'aftersale.tpye' is not a case field of the vocabulary")
    assert "did you mean 'aftersale.type'?" in result.stderr
    # and summed up at `extends:`, where an editor showing only this file shows why (as an overlay's E327)
    assert summed == f"{mine}:1:10: error E701: the base ./base.yaml has 1 error(s), the first at {base}:3:3: " \
        "run rulebook check on it"


def test_a_folder_of_rulebooks_and_mappings_checks_each_as_its_kind(invoke: Invoke, tmp_path: Path) -> None:
    shutil.copy(RULEBOOKS / "douyin.yaml", tmp_path / "douyin.yaml")
    shutil.copy(ADAPTERS / "douyin-aftersale-list.yaml", tmp_path / "list.yaml")
    write(tmp_path, "extends: ./list.yaml\ntables:\n  aftersale_status:\n    codes:\n      99: closed\n")
    alone = invoke("check", tmp_path / "douyin.yaml", "--lang", "en")
    result = invoke("check", tmp_path, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"{tmp_path / 'douyin.yaml'}: ok", f"{tmp_path / 'list.yaml'}: ok",
                                          f"{tmp_path / 'my-mapping.yaml'}: ok"]
    assert alone.stdout.splitlines() == result.stdout.splitlines()[:1]
    write(tmp_path, TYPO, "typo.yaml")
    result = invoke("check", tmp_path, "--lang", "en")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == f"{tmp_path / 'typo.yaml'}: 1 error(s), 0 warning(s)"
    assert [line.split(": error")[0] for line in said(result)] == [f"{tmp_path / 'typo.yaml'}:2:1"]


@pytest.mark.parametrize("text, found, hint", [
    ("id: c1\norder: {status: shipped}\naftersale: {type: refund_only}\n", "its top-level keys are id, order, aftersale",
     "it looks like a case document"),
    ("title: notes\nowner: ops\n", "its top-level keys are title, owner", None),
], ids=["case-document", "other-keys"])
def test_a_file_of_neither_kind_gets_one_message_saying_what_check_reads(invoke: Invoke, tmp_path: Path, text: str,
                                                                        found: str, hint: str | None) -> None:
    path = write(tmp_path, text, "notes.yaml")
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:1:1: error E312: neither a rulebook nor an adapter mapping: {found}; ")
    assert "'rulebook:'" in header and "'adapter:'" in header and "docs/adapters.md" in header
    assert (hint in stderr) if hint else "hint" not in stderr
    zh = invoke("check", path, "--lang", "zh")
    assert "既不是规则手册也不是适配映射" in zh.stderr and zh.stdout == f"{path}: 1 个错误，0 个警告\n"


@pytest.mark.parametrize("text, what", [("", "empty"), ("# nothing yet\n", "empty"), ("- a\n- b\n", "a list")])
def test_a_file_that_is_no_mapping_of_keys_gets_the_one_message_it_always_got(invoke: Invoke, tmp_path: Path,
                                                                               text: str, what: str) -> None:
    header, _ = one_error(invoke, write(tmp_path, text, "notes.yaml"))
    assert header.endswith(f"error E302: a rulebook is a mapping with 'rulebook' and 'rules'; this file is {what}")


def test_exit_codes(invoke: Invoke, tmp_path: Path) -> None:
    clean = write(tmp_path, "extends: douyin-aftersale-list\n", "clean.yaml")
    assert invoke("check", clean).exit_code == 0
    assert invoke("check", clean, write(tmp_path, TYPO)).exit_code == 1
    assert invoke("check", tmp_path / "absent.yaml").exit_code == 2


@pytest.mark.parametrize("text, kind", [
    ("rulebook: douyin\nrules: []\n", "rulebook"),
    ("rules: []\n", "rulebook"),                                  # a rulebook missing its `rulebook:`: said as such
    ("extends: douyin\nparameters: {}\n", "rulebook"),            # a shop overlay
    ("adapter: mine\n", "mapping"),
    ("fields: {}\n", "mapping"),                                  # `adapter:` defaults to the file's name
    ("extends: pinduoduo-refund-list\n", "mapping"),
    ("extends: douyin\nfields: {}\n", "mapping"),                 # a mapping keyword decides before the name
    ("extends: kuaishou-refund-lst\nfeilds: {}\n", "mapping"),    # close to a shipped mapping's name
    ("extends: nowhere\n", "unresolved"),                         # names nothing, nothing else says: one E320
    ("platform: douyin\ndescription: x\n", "neither"),
    ("42\n", "rulebook"),                                       # not keys at all: the rulebook's message
    ("title: x\n", "neither"),
])
def test_the_kind_of_a_file_is_read_from_its_top_level(tmp_path: Path, text: str, kind: str) -> None:
    assert file_kind(load_yaml(text, str(tmp_path / "f.yaml"))) == kind


def test_extends_of_a_file_takes_that_files_kind(tmp_path: Path) -> None:
    write(tmp_path, "adapter: base\n", "base.yaml")
    write(tmp_path, "rulebook: shop\nrules: []\n", "book.yaml")
    assert file_kind(load_yaml("extends: base.yaml\n", str(tmp_path / "a.yaml"))) == "mapping"
    assert file_kind(load_yaml("extends: book.yaml\n", str(tmp_path / "a.yaml"))) == "rulebook"


# -- what the text settles that `--from` leaves to the items or lets pass unsaid -------------

@pytest.mark.parametrize("text, line, col, words, hint", [
    ("extends: douyin-aftersale-list\nfields:\n  order.stauts: null\n", 3, 3,
     "field 'order.stauts': null drops a field of the base, but douyin-aftersale-list maps no 'order.stauts'",
     "did you mean 'order.status'?"),
    ("adapter: mine\nfields:\n  order.status: null\n", 3, 3,
     "field 'order.status': null drops a field of the base, and this file extends no mapping", None),
    ("extends: douyin-aftersale-list\nfields:\n  order.domestic: {value: \"yes\"}\n", 3, 27,
     "field 'order.domestic': the constant is not a value of the field: 'yes' is not true or false", None),
    ("extends: douyin-aftersale-list\nfields:\n  order.goods_kind: {value: physical, convert: text}\n", 3, 39,
     "field 'order.goods_kind': 'convert' does nothing beside 'value'", None),
    ("extends: douyin-aftersale-list\ntables:\n  aftersale_stauts:\n    codes:\n      99: closed\n", 3, 3,
     "no field reads table aftersale_stauts: its codes are never used", "did you mean 'aftersale_status'?"),
    ("extends: douyin-aftersale-list\noptions:\n  unit: {values: [fen, yuan]}\n", 3, 3,
     "no field uses option unit: --option unit=... would change nothing", None),
], ids=["drop-typo", "drop-without-base", "constant", "convert-beside-value", "unused-table", "unused-option"])
def test_what_the_file_writes_to_no_effect_is_an_error_at_its_place(invoke: Invoke, tmp_path: Path, text: str,
                                                                     line: int, col: int, words: str,
                                                                     hint: str | None) -> None:
    path = write(tmp_path, text)
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:{line}:{col}: error E701: {words}"), header
    if hint:
        assert f"   = hint: {hint}" in stderr.splitlines()
    assert invoke("check", path, "--lang", "zh").stderr.count("error E701") == 1


def test_every_value_of_an_open_option_is_checked_and_the_value_named(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "extends: pinduoduo-refund-list\ntables:\n  after_sales_type_filter:\n    codes:\n"
                           "      2: refnud_only\n")
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:5:10: error E701: table after_sales_type_filter: code 2 gives 'refnud_only'")
    assert header.endswith("(with option after_sales_type_codes=after_sales_type_filter)")
    assert "did you mean 'refund_only'?" in stderr
    # `--from` says it only under that value: check finds it without any --option
    ok = invoke("adapt", "--from", path, "--option", "refund_amount_unit=yuan", "--option",
                "after_sales_type_codes=after_sales_type", FIXTURES / "payloads" / "pinduoduo-refund-list-page.json")
    assert ok.exit_code == 0, ok.stderr


def test_a_users_option_value_a_base_field_cannot_use_is_told_at_the_value(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "extends: pinduoduo-refund-information\noptions:\n"
                           "  refund_amount_unit: {values: [fen, yuan, cents]}\n")
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:3:44: error E701: no converter 'cents'")
    assert "(option refund_amount_unit=cents, read at dsl/cases/adapters/pinduoduo-refund-information.yaml:" in header


def test_an_option_set_in_the_file_is_checked_at_that_value_only(invoke: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "extends: pinduoduo-refund-information\nset: {refund_amount_unit: yuan}\n")
    assert invoke("check", path).exit_code == 0
    bad = write(tmp_path, "extends: pinduoduo-refund-information\nset: {refund_amount_unit: yaun}\n", "bad.yaml")
    result = invoke("check", bad, "--lang", "en")
    assert result.exit_code == 1 and "error E704: option refund_amount_unit is 'yaun': it takes fen|yuan" in result.stderr


def test_test_and_fmt_leave_a_mapping_beside_the_rulebooks_out_saying_so(invoke: Invoke, tmp_path: Path) -> None:
    shutil.copy(RULEBOOKS / "douyin.yaml", tmp_path / "douyin.yaml")
    mapping = write(tmp_path, "extends: douyin-aftersale-list\n")
    note = (f"rulebook: note: {mapping} is an adapter mapping, not a rulebook: left out of rulebook {{}} "
            "(rulebook check checks it)")
    for command in (("test",), ("fmt", "--check")):
        result = invoke(*command, tmp_path, "--lang", "en")
        assert result.exit_code == 0, result.stderr
        assert note.format(command[0]) in result.stderr.splitlines()
        assert str(mapping) not in result.stdout
    alone = invoke("test", mapping, "--lang", "en")
    assert alone.exit_code == 2 and note.format("test") in alone.stderr and "no rulebook found" in alone.stderr


@pytest.mark.parametrize("field, col, words, hint", [
    ("aftersale.stauts: {from: s, convert: code, table: aftersale_status}", 3,
     "'aftersale.stauts' is not a case field of the vocabulary", "did you mean 'aftersale.status'?"),
    ("aftersale.status: {from: s, convert: code, table: aftersale_stauts}", 53,
     "no table 'aftersale_stauts' (tables: aftersale_type, aftersale_status, order_status)",
     "did you mean 'aftersale_status'?"),
    ("order.paid_amount: {from: p, convert: epoch_s}", 41, "converter epoch_s cannot give order.paid_amount", None),
    ("order.paid_at: {from: p, convert: epoch_sec}", 37, "no converter 'epoch_sec'", "did you mean 'epoch_s'?"),
], ids=["unknown-field", "unknown-table", "converter-of-another-type", "unknown-converter"])
def test_what_from_says_of_a_field_check_says_too(invoke: Invoke, tmp_path: Path, field: str, col: int, words: str,
                                                  hint: str | None) -> None:
    path = write(tmp_path, f"extends: douyin-aftersale-list\nfields:\n  {field}\n")
    header, stderr = one_error(invoke, path)
    assert header.startswith(f"{path}:3:{col}: error E701: {words}"), header
    if hint:
        assert f"   = hint: {hint}" in stderr.splitlines()
    loaded = invoke("adapt", "--from", path, FIXTURES / "payloads" / "douyin-aftersale-list-page.json", "--lang", "en")
    assert loaded.exit_code == 2 and header in loaded.stderr.splitlines()   # the very same words as --from
