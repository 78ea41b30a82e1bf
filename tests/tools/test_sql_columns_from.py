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
