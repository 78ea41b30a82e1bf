"""`rulebook eval --engine duckdb` over CSV, Parquet and standard input, and `--format csv`:
the same stdout, stderr and exit code as the Python engine, byte for byte.

DuckDB decides the clean cases; a case that is not clean (a bad cell, an unknown column, a
row that is not a case) is the Python engine's, as read. Each test runs both engines through
the command line on fixture cases and compares everything a user sees; where DuckDB must
have decided some cases itself, that is checked too, so a run that silently fell back to the
Python engine for everything cannot pass as "the same".
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

import dsl.tools.sqlbatch
from conftest import EXAMPLES, FIXTURES
from dsl.tools.batch import Decided
from dsl.tools.decidedrun import DecidedRun

duckdb = pytest.importorskip("duckdb")

BOOK = FIXTURES / "rulebooks" / "douyin.yaml"
PLAIN = ["--no-explain", "--lang", "en"]


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each case of a run with --engine duckdb: whether DuckDB wrote it."""
    seen: list[bool] = []
    items = dsl.tools.sqlbatch.engine_items

    def counted(*args: Any) -> Any:
        for item in items(*args):
            if not hasattr(item, "code"):   # a FileNotice is no case
                cases = item.cases if isinstance(item, DecidedRun) else 1   # a run of decided cases: that many
                seen.extend([isinstance(item, (Decided, DecidedRun))] * cases)
            yield item

    monkeypatch.setattr(dsl.tools.sqlbatch, "engine_items", counted)
    return seen


def _both(invoke: Any, *args: Any, input: str | None = None) -> tuple[Any, Any]:
    """The Python engine's run and DuckDB's, which must be the same in every byte."""
    python = invoke("eval", "-r", BOOK, *args, input=input)
    duck = invoke("eval", "-r", BOOK, *args, "--engine", "duckdb", input=input)
    assert duck.stdout == python.stdout
    assert duck.stderr == python.stderr
    assert duck.exit_code == python.exit_code
    return python, duck


def _docs() -> list[dict[str, Any]]:
    lines = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A case as spreadsheet cells, one column per path (objects of the vocabulary's own
    object fields nested by path too; lists as `a,b`)."""
    out: dict[str, str] = {}
    for key, value in doc.items():
        path = prefix + key
        if isinstance(value, dict):
            out.update(_flat(value, path + "."))
        elif isinstance(value, list):
            out[path] = ",".join(str(v) for v in value)
        elif value is None:
            out[path] = ""
        elif isinstance(value, bool):
            out[path] = str(value).lower()
        else:
            out[path] = str(value)
    return out


# (column, cell): bad cells and unusual good ones, each given to one row of the CSV
CELLS: list[tuple[str, str]] = [
    ("order.paid_amount", "5."), ("order.paid_amount", "12.345"), ("order.paid_amount", " 129.90 "),
    ("order.paid_amount", "-3"), ("order.refunded_amount", "abc"), ("order.signed_at", "2026-11-01T09:00:00Z"),
    ("order.signed_at", "2026/11/01"), ("order.signed_at", "2026-11-01T24:00:00+08:00"),
    ("order.signed_at", "2026-11-01T09:00:00+08"), ("order.aftersale_count", "3.0"), ("order.aftersale_count", "1"),
    ("order.aftersale_count", "-1"), ("order.domestic", "yes"), ("order.domestic", "TRUE"), ("order.domestic", "0"),
    ("order.status", "SHIPPED"), ("aftersale.type", "质量问题"), ("aftersale.reason", "质量问题"),
    ("shop.services", "fast_refund、fresh_bad_claim"), ("shop.services", '["fast_refund", 3]'),
    ("shop.auto_refund_policy.max_amount", "500.001"), ("id", 'id with "quotes", a comma and 中文'),
    ("platform", "douyin"), ("platform", "taobao"), ("now", "2026-11-06T10:00:00"), ("order.paid_at", ""), ("order.shipped_at", "null"),
]


def _rows(columns: list[str], extra: dict[int, dict[str, str]] | None = None) -> list[list[str]]:
    docs = _docs()
    flats = [_flat(doc) for doc in docs]
    rows = []
    for flat in flats:   # the clean cases first, then each with one odd cell
        rows.append([flat.get(c, "") for c in columns])
    for i, (column, cell) in enumerate(CELLS):
        flat = dict(flats[i % len(flats)])
        flat[column] = cell
        flat.update((extra or {}).get(i, {}))
        rows.append([flat.get(c, "") for c in columns])
    return rows


def _columns() -> list[str]:
    columns = sorted({c for doc in _docs() for c in _flat(doc)} | {c for c, _ in CELLS})
    return columns + ["备注"]


def _csv(rows: list[list[str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"], ids=["utf8", "bom", "gb18030"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_csv_cells_good_and_bad(invoke: Any, tmp_path: Path, decided: list[bool], encoding: str, fmt: str) -> None:
    columns = _columns()
    notes = {3: {"备注": "两行\n的备注，带 \"引号\""}, 5: {"备注": "逗号, 分号; 竖线|"}}
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(_rows(columns, notes), columns).encode(encoding))
    python, _ = _both(invoke, path, "--format", fmt, *PLAIN)
    assert python.exit_code == 1 and "E402" in python.stderr and "E401" in python.stderr   # bad cells, taobao
    assert True in decided and False in decided


def test_csv_unknown_columns_are_said_once_and_the_rows_are_the_python_engines(invoke: Any, tmp_path: Path,
                                                                              decided: list[bool]) -> None:
    columns = _columns() + ["order.paid_amout", "订单实付金额"]
    path = tmp_path / "export.csv"
    path.write_text(_csv(_rows(columns), columns), encoding="utf-8")
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert python.stderr.count("warning E406") == 2 and python.exit_code == 1
    assert decided and True not in decided   # every case has the unknown fields: each said by the Python engine


@pytest.mark.parametrize("text, extra", [
    ("id,order.paid_amount\r\nA,\"1\n2\"\r\nB,199.00\r\n,\r\n \r\nC,1,2\r\n\"D\",\"99.00\"", []),
    ("id,order.paid_amount,id\r\nA,1,B\r\n", []),
    ("", []),
    ("id,order.paid_amount\r\nA,\"unclosed\r\nB,2\r\n", []),
    ("id,order.paid_amount\r\nA,\"closed\r\nB,2\r\nC,\"3\"\r\n", []),
    ("id\r\nA\r\n", ["--input-format", "csv"]),
], ids=["quoted-newline-and-short-rows", "column-twice", "empty", "unclosed-quote", "closed-by-another-quote",
        "input-format"])
def test_odd_csv_files(invoke: Any, tmp_path: Path, text: str, extra: list[str]) -> None:
    path = tmp_path / ("export.txt" if extra else "export.csv")
    path.write_text(text, encoding="utf-8", newline="")
    _both(invoke, path, *extra, "--format", "jsonl", *PLAIN, "--at", "2026-11-06T10:00:00")


def test_csv_bytes_of_no_known_encoding_are_refused_alike(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("id,order.status\r\nA,café crème\r\n".encode("latin-1"))
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert "Save As" in python.stderr or "--encoding" in python.stderr
    _both(invoke, path, "--encoding", "latin-1", "--format", "jsonl", *PLAIN, "--at", "2026-11-06T10:00:00")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_json_lines_as_csv_and_json_output(invoke: Any, tmp_path: Path, decided: list[bool], fmt: str) -> None:
    from test_batch_fast import _batch

    _both(invoke, _batch(tmp_path), "--format", fmt, *PLAIN, "--at", "2026-11-06T10:00:00+08:00")
    assert True in decided and False in decided


def test_the_examples_as_csv_on_both_engines(invoke: Any, tmp_path: Path, decided: list[bool]) -> None:
    """Every example case of the Douyin fixture (deadlines, versions, repeated decisions): the
    CSV rows DuckDB's lines become are the Python engine's."""
    from test_batch_fast import _examples_batch

    _both(invoke, _examples_batch(tmp_path, "douyin"), "--format", "csv", *PLAIN)
    assert True in decided


def test_csv_output_to_a_file_has_the_same_bom(invoke: Any, tmp_path: Path) -> None:
    cases = EXAMPLES / "batch.jsonl"
    files = []
    for engine in ("python", "duckdb"):
        target = tmp_path / f"{engine}.csv"
        result = invoke("eval", "-r", BOOK, cases, "--format", "csv", *PLAIN, "--output", target, "--engine", engine)
        assert result.exit_code == 0
        files.append(target.read_bytes())
    assert files[0] == files[1] and files[0].startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_standard_input(invoke: Any, tmp_path: Path, decided: list[bool], kind: str) -> None:
    if kind == "jsonl":
        text = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8") + "not json\n"
    else:
        columns = _columns()
        text = _csv(_rows(columns), columns)
    _both(invoke, "-", "--format", "jsonl", *PLAIN, input=text)
    assert True in decided and False in decided


# -- Parquet ----------------------------------------------------------------------------------

def _parquet(path: Path, select: str) -> Path:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")   # the writer's zone must not matter
    con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    return path


def test_parquet_nested_structs(invoke: Any, tmp_path: Path, decided: list[bool]) -> None:
    source = EXAMPLES / "batch.jsonl"
    path = _parquet(tmp_path / "nested.parquet",
                    f"SELECT * FROM read_json('{source}', format='newline_delimited', sample_size=-1)")
    for fmt in ("jsonl", "csv"):
        _both(invoke, path, "--format", fmt, *PLAIN)
    assert decided and all(decided)


FLAT = """SELECT 'F-' || i AS id, TIMESTAMP '2026-11-04 21:30:00' + INTERVAL (i) HOUR AS now,
    CASE WHEN i % 7 = 3 THEN NULL ELSE (100 + i * 37.5)::DECIMAL(12, 2) END AS "order.paid_amount",
    0.00::DECIMAL(12, 2) AS "order.refunded_amount",
    CASE WHEN i % 5 = 0 THEN 'preparing' ELSE 'shipped' END AS "order.status",
    TIMESTAMPTZ '2026-10-29 11:42:10+00' AS "order.paid_at",
    TIMESTAMPTZ '2026-10-30 02:05:00+00' AS "order.shipped_at",
    CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-11-01 06:20:00+00' END AS "order.signed_at",
    'physical' AS "order.goods_kind", true AS "order.domestic", 'apparel' AS "order.category",
    false AS "order.special_goods", i % 4 <> 1 AS "order.supports_7day_return", false AS "order.fast_refund_tag",
    (i % 3)::BIGINT AS "order.aftersale_count", i % 2 = 0 AS "buyer.credit_good",
    ['fast_refund'] AS "shop.services", 1 AS "shop.return_address_count",
    CASE WHEN i % 6 = 5 THEN 'reship' ELSE 'return_refund' END AS "aftersale.type",
    'seven_day_no_reason' AS "aftersale.reason", 'awaiting_merchant' AS "aftersale.status",
    TIMESTAMP '2026-11-04 21:30:00' AS "aftersale.applied_at"{extra}
    FROM range(40) t(i)"""


@pytest.mark.parametrize("extra, python_only", [
    ("", False),
    (", 'x' AS \"aftersale.colour\", 1 AS \"备注\"", True),
    (", CASE WHEN i % 9 = 4 THEN 'CLOSED' ELSE 'awaiting_merchant' END AS \"order.aftersale_status\"", True),
], ids=["clean", "unknown-columns", "unknown-bad"])
def test_parquet_flat_columns_named_by_path(invoke: Any, tmp_path: Path, decided: list[bool], extra: str,
                                            python_only: bool) -> None:
    path = _parquet(tmp_path / "flat.parquet", FLAT.format(extra=extra))
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert "matches per rule" in python.stderr
    assert decided and (True not in decided if python_only else all(decided))


def _said(stderr: str) -> list[str]:
    """The E406 lines without their place (a CSV column has a line and column, Parquet none)."""
    return [line.split(": ", 1)[1] for line in stderr.splitlines() if "E406" in line]


@pytest.mark.parametrize("column, value, severity, code", [
    ("备注", "'你好'", "note", 0),
    ("order.paid_amout", "'1.00'", "warning", 1),
    ("订单实付金额", "'1.00'", "warning", 1),
], ids=["notes", "mistyped-path", "label"])
@pytest.mark.parametrize("rows", [1, 0], ids=["a-row", "no-row"])
def test_a_parquet_column_is_said_as_the_same_csv_column(invoke: Any, tmp_path: Path, column: str, value: str,
                                                        severity: str, code: int, rows: int) -> None:
    """The same notice, severity and exit code for a column in Parquet as in CSV, on both
    engines, with rows or none (a warning is never a clean run, even in an empty file)."""
    where = "" if rows else " WHERE false"
    parquet = _parquet(tmp_path / "n.parquet", f"SELECT 'P1' AS id, '1.00' AS \"order.refunded_amount\", "
                                               f"{value} AS \"{column}\"{where}")
    csv_path = tmp_path / "n.csv"
    csv_path.write_text("id,order.refunded_amount," + column + "\n" + ("P1,1.00," + value.strip("'") + "\n") * rows,
                        encoding="utf-8")
    said = []
    for path in (parquet, csv_path):
        python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN, "--at", "2026-11-06T10:00:00")
        assert python.exit_code == code, python.stderr
        said.append(_said(python.stderr))
    assert said[0] == said[1] and len(said[0]) == 1 and said[0][0].startswith(f"{severity} E406")


def test_a_parquet_struct_member_that_names_no_field_is_said_by_its_path(invoke: Any, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "s.parquet", "SELECT 'P1' AS id, {'paid_amout': 1.00::DECIMAL(18, 2)} AS \"order\"")
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN, "--at", "2026-11-06T10:00:00")
    assert _said(python.stderr) == ["warning E406: column 'order.paid_amout' names no field of the vocabulary: "
                                    "its cells are not read (did you mean 'order.paid_amount'?)"]
    assert python.exit_code == 1


def test_a_parquet_column_of_the_wrong_type_is_a_type_error_not_an_unknown_field(invoke: Any, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "s.parquet", "SELECT 'P1' AS id, {'a': 1} AS \"order.category\", "
                                            "'1.00' AS \"order.paid_amount\"")
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN, "--at", "2026-11-06T10:00:00")
    assert "E406" not in python.stderr
    assert "field order.category: an object is not text" in python.stderr and python.exit_code == 1


def test_parquet_double_amount_is_never_decided(invoke: Any, tmp_path: Path) -> None:
    extra = ", (100 + i * 0.1)::DOUBLE AS \"shop.auto_refund_policy.max_amount\""
    path = _parquet(tmp_path / "double.parquet", FLAT.format(extra=extra).replace(
        "(100 + i * 37.5)::DECIMAL(12, 2)", "(100 + i * 37.5)::DOUBLE"))
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert python.exit_code == 1 and "floating-point" in python.stderr and "E402" in python.stderr


@pytest.mark.parametrize("content", [b"", b"not parquet at all"], ids=["empty", "not-parquet"])
def test_a_parquet_file_that_cannot_be_read_is_said_alike(invoke: Any, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(content)
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert python.exit_code == 1 and "cannot be read as a table of cases" in python.stderr


def test_parquet_on_standard_input_says_to_give_the_file(invoke: Any, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "flat.parquet", FLAT.format(extra=""))
    python, _ = _both(invoke, "-", "--format", "jsonl", *PLAIN, input=path.read_bytes().decode("latin-1"))
    assert python.exit_code == 1   # (CliRunner re-encodes the text: the head is still PAR1)
    assert ".parquet" in python.stderr


def test_parquet_output_from_csv_and_parquet_inputs(invoke: Any, tmp_path: Path) -> None:
    from dsl import load_rulebook

    flat = _parquet(tmp_path / "flat.parquet", FLAT.format(extra=""))
    columns = _columns()
    export = tmp_path / "export.csv"
    export.write_text(_csv(_rows(columns), columns), encoding="utf-8")
    target = tmp_path / "out.parquet"
    result = invoke("eval", "-r", BOOK, flat, export, "--engine", "duckdb", "--output", target, "--lang", "en")
    assert result.exit_code == 1 and "1 line(s) were not cases" in result.stderr   # taobao
    rows = duckdb.connect().execute(f"SELECT case_id, rule, matched, action, error FROM '{target}'").fetchall()
    book = load_rulebook(BOOK)
    from dsl.cases.readers import read_cases

    want = []
    for name in (flat, export):
        for item in read_cases(str(name), book.vocabulary):
            if item.error is not None or item.doc.get("platform") == "taobao":
                continue
            result_py = book.evaluate(item.doc, None, lang="en")
            for r in result_py.results:
                want.append((result_py.case, r.rule, r.matched if not r.error else None, r.action, r.error is not None))
    have = [(c, rule, m, a, e is not None) for c, rule, m, a, e in rows]
    assert sorted(have, key=repr) == sorted(want, key=repr)


@pytest.mark.parametrize("args, says", [
    (["--format", "table"], "--format jsonl, json or csv"),
    (["--format", "csv"], "--no-explain"),
    (["--format", "csv", "--no-explain", "--jobs", "2"], "--jobs"),
    (["--no-explain", "--jobs", "2", "--output", "out.parquet"], "--jobs"),   # was ignored without a word
])
def test_what_is_still_refused_says_the_fix(invoke: Any, args: list[str], says: str) -> None:
    result = invoke("eval", "-r", BOOK, EXAMPLES / "batch.jsonl", *args, "--engine", "duckdb", "--lang", "en")
    assert result.exit_code == 2 and says in result.stderr


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_numbers_of_a_json_or_yaml_file_keep_their_digits(invoke: Any, tmp_path: Path, decided: list[bool],
                                                         suffix: str) -> None:
    """Such files reach DuckDB through the Python reader: 12345678901234567.89 must not
    become a float on the way (DuckDB would then decide on another amount)."""
    docs = _docs()
    amounts = ["12345678901234567.89", "300.00", "300.001", "1000", "1E+2", "299.99", "0.10"]
    out = []
    for i, amount in enumerate(amounts * 2):
        doc = json.loads(json.dumps(docs[i % len(docs)]))
        doc["order"]["paid_amount"] = "AMOUNT"
        out.append(json.dumps(doc, ensure_ascii=False).replace('"AMOUNT"', amount))
    path = tmp_path / f"cases.{suffix}"
    if suffix == "json":
        path.write_text("[" + ",\n".join(out) + "]", encoding="utf-8")
    else:   # JSON is YAML 1.2 flow style: a list of the same documents
        path.write_text("".join(f"- {line}\n" for line in out), encoding="utf-8")
    python, _ = _both(invoke, path, "--format", "jsonl", *PLAIN)
    assert "E402" in python.stderr   # 300.001
    assert True in decided and False in decided


def test_case_documents_go_to_duckdb_digit_for_digit() -> None:
    from decimal import Decimal

    from dsl.cases.inputs import loads
    from dsl.engine.sql.duck import to_json_text

    doc = {"a": Decimal("12345678901234567.89"), "b": [Decimal("1E+3"), Decimal("129.90"), Decimal("1000")],
           "c": {"d": "文\n\"", "e": None, "f": True, "g": 7}}
    text = to_json_text(doc)
    assert "12345678901234567.89" in text and "129.90" in text
    back = loads(text)
    assert back == doc and [str(v) for v in back["b"]] == ["1E+3", "129.90", "1000"]
    assert all(isinstance(v, Decimal) for v in back["b"])


def test_the_python_engine_reads_parquet_with_jobs_too(invoke: Any, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "flat.parquet", FLAT.format(extra=", 'x' AS \"aftersale.colour\""))
    one = invoke("eval", "-r", BOOK, path, "--format", "jsonl", *PLAIN)
    two = invoke("eval", "-r", BOOK, path, "--format", "jsonl", *PLAIN, "--jobs", "2")
    assert (two.stdout, two.stderr, two.exit_code) == (one.stdout, one.stderr, one.exit_code)
    assert one.stdout.count("\n") == 40 and "aftersale.colour" in one.stderr


@pytest.mark.parametrize("output, args", [("out.jsonl", ["--format", "table"]),
                                          ("out.parquet", ["--no-explain", "--jobs", "2"])])
def test_a_refused_command_leaves_the_output_file_as_it_was(invoke: Any, tmp_path: Path, output: str,
                                                            args: list[str]) -> None:
    """The usage check runs before --output is opened: a refused command must not empty the
    file of an earlier run."""
    target = tmp_path / output
    target.write_bytes(b"an earlier run's results\n")
    result = invoke("eval", "-r", BOOK, EXAMPLES / "batch.jsonl", *args, "--output", target, "--engine", "duckdb",
                    "--lang", "en")
    assert result.exit_code == 2
    assert target.read_bytes() == b"an earlier run's results\n"
