"""Session 25, csvcols: `rulebook sql --columns-from` says a listed column that names no field
as the CSV reader does (warning E406 with the field meant; a notes column is a note), still
prints the query (it is right for the columns that are fields) and exits 1 on a warning."""
from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULEBOOK = FIXTURES / "rulebooks" / "douyin.yaml"


def sql(invoke: Any, listed: Path) -> Any:
    return invoke("sql", "-r", RULEBOOK, "--columns", "flat", "--columns-from", listed, "--lang", "en")


def test_a_column_headed_by_a_label_is_a_warning_with_the_path_and_exit_1(invoke: Any, tmp_path: Path) -> None:
    listed = tmp_path / "export.csv"
    listed.write_text("id,now,订单实付金额,order.status\nA,,1,shipped\n", encoding="utf-8")
    result = sql(invoke, listed)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{listed}: warning E406: column '订单实付金额' names no field of the "
                                          "vocabulary: its cells are not read (did you mean 'order.paid_amount'?)"]
    assert result.stdout.rstrip().endswith(";") and '"order.status"' in result.stdout   # the query is still printed


def test_a_notes_column_is_a_note_and_fields_only_exit_0(invoke: Any, tmp_path: Path) -> None:
    listed = tmp_path / "columns.txt"
    listed.write_text("id,now,order.paid_amount,备注\n", encoding="utf-8")
    result = sql(invoke, listed)
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "备注" in line][0].startswith(f"{listed}: note E406:")


def test_an_excel_export_in_gb18030_is_read_as_eval_reads_it(invoke: Any, tmp_path: Path) -> None:
    """A Chinese Excel export (GB18030) ended in a UnicodeDecodeError traceback."""
    listed = tmp_path / "export.csv"
    listed.write_bytes("id,备注,order.paid_amount\nC1,你好,1.00\n".encode("gb18030"))
    result = sql(invoke, listed)
    assert result.exit_code == 0, result.stderr
    assert '"order.paid_amount"' in result.stdout and f"{listed}: note E406: column '备注'" in result.stderr


def test_a_file_in_no_encoding_it_can_tell_is_a_usage_error(invoke: Any, tmp_path: Path) -> None:
    listed = tmp_path / "columns.csv"
    listed.write_bytes(b"\xff\xfe\x00\x01id,\x80\x81\n")
    result = sql(invoke, listed)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot tell the file's encoding" in result.stderr and "CSV UTF-8" in result.stderr


def test_a_table_name_with_a_quote_is_one_quoted_name(invoke: Any) -> None:
    """`--table "o'brien"` ended in sqlglot's TokenError traceback."""
    for name, duck, spark in (("o'brien", '"o\'brien"', "`o'brien`"), ('my"cases', '"my""cases"', '`my"cases`'),
                              ("shop.cases", "shop.cases", "shop.cases")):
        for dialect, written in (("duckdb", duck), ("spark", spark)):
            result = invoke("sql", "-r", RULEBOOK, "--table", name, "--dialect", dialect, "--lang", "en")
            assert result.exit_code == 0, result.output
            assert f"FROM {written}\n" in result.stdout


def test_an_empty_table_name_is_a_usage_error(invoke: Any) -> None:
    result = invoke("sql", "-r", RULEBOOK, "--table", " ", "--lang", "en")
    assert result.exit_code == 2 and "--table is empty: name the table (or view) of cases" in result.stderr
