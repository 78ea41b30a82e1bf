"""`rulebook eval --engine duckdb` takes DuckDB's decided cases in runs (dsl/tools/sqlruns.py,
decidedrun.py): the input file and DuckDB's rows are read in chunks, checked in step a chunk
at a time, and consecutive decided lines go to the batch as one item.

What a user sees must not change: stdout, stderr (reports and the summary's counts per rule)
and the exit code are the Python engine's, byte for byte, wherever a run is cut (a line the
Python engine reads, a chunk's edge, a CR, a BOM, a line longer than a chunk) and whatever
goes wrong with the rows (a length that is not the line's, rows missing): never a line
taken for another. Small chunk sizes put many edges into small fixture files.
"""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import dsl.tools.sqlbatch
import dsl.tools.sqlinputs
import dsl.tools.sqlruns
from conftest import EXAMPLES, FIXTURES
from dsl import load_rulebook
from dsl.tools.batch import Decided
from dsl.tools.decidedrun import DecidedRun, mask_counts, write_utf8

pytest.importorskip("duckdb")

BOOK = FIXTURES / "rulebooks" / "douyin.yaml"
PLAIN = ["--format", "jsonl", "--no-explain", "--lang", "en"]


def _cases() -> list[str]:
    """The fixtures' batch, one JSON line per case (DuckDB decides every one of them)."""
    lines = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def _dirty(line: str) -> str:
    """The same case with an unknown key: the Python engine's (it warns about the key)."""
    return line.replace("{", '{"statuss": 1, ', 1)


def _same(invoke: Any, path: Path, *args: str) -> Any:
    """Both engines on `path`; everything the user sees must be the same."""
    python = invoke("eval", "-r", BOOK, path, *PLAIN, *args)
    duck = invoke("eval", "-r", BOOK, path, *PLAIN, *args, "--engine", "duckdb")
    assert duck.stdout == python.stdout
    assert duck.stderr == python.stderr
    assert duck.exit_code == python.exit_code
    return python


def _items(path: Path, runs: bool = True) -> list[Any]:
    from dsl.lang.values import SHANGHAI
    from dsl.tools.sqlbatch import SqlEval, sql_items

    evaluator = SqlEval(load_rulebook(str(BOOK)), None, datetime.now(SHANGHAI))
    return list(sql_items(str(path), evaluator, runs))


def _shape(items: list[Any]) -> list[Any]:
    """A run as ("run", its cases; consecutive runs as one), a `Decided` as "decided", a
    case as its source."""
    shape: list[Any] = []
    for item in items:
        if isinstance(item, DecidedRun):
            if shape and isinstance(shape[-1], tuple):
                shape[-1] = ("run", shape[-1][1] + item.cases)
            else:
                shape.append(("run", item.cases))
        else:
            shape.append("decided" if isinstance(item, Decided) else item.source)
    return shape


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few hundred bytes: a case's line (~700 bytes) crosses their edges."""
    monkeypatch.setattr(dsl.tools.sqlruns, "INPUT_READ", 300)
    monkeypatch.setattr(dsl.tools.sqlruns, "ROWS_READ", 200)


def test_a_run_of_decided_lines_is_cut_where_the_python_engine_reads_a_line(invoke: Any, tmp_path: Path) -> None:
    cases = _cases()
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(cases[:5] + [_dirty(cases[5]), _dirty(cases[6])] + cases[7:]) + "\n", encoding="utf-8")
    python = _same(invoke, path)
    assert "statuss" in python.stderr and python.exit_code == 1
    name = str(path)
    assert _shape(_items(path)) == [("run", 5), f"{name}:6", f"{name}:7", ("run", len(cases) - 7)]
    assert _shape(_items(path, runs=False)) == ["decided"] * 5 + [f"{name}:6", f"{name}:7"] + \
        ["decided"] * (len(cases) - 7)


def test_several_files_each_in_runs(invoke: Any, tmp_path: Path, small: None) -> None:
    """Each file is read beside its own rows; line numbers and the summary run on."""
    cases = _cases()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(cases[:8] + [_dirty(cases[8])]) + "\n", encoding="utf-8")
    second.write_text("\n".join([_dirty(cases[0])] + cases[1:]), encoding="utf-8")
    python = invoke("eval", "-r", BOOK, first, second, *PLAIN)
    duck = invoke("eval", "-r", BOOK, first, second, *PLAIN, "--engine", "duckdb")
    assert (duck.stdout, duck.stderr, duck.exit_code) == (python.stdout, python.stderr, python.exit_code)
    assert f"{first}:9" in python.stderr and f"{second}:1" in python.stderr


def test_the_summary_counts_per_rule_are_the_python_engines(tmp_path: Path, small: None) -> None:
    from dsl.tools.batch import Sink, run_batch
    from dsl.tools.sqlbatch import engine_items

    cases = _cases() * 7
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(cases[:40] + [_dirty(cases[40])] + cases[41:]) + "\n", encoding="utf-8")
    book = load_rulebook(str(BOOK))
    from dsl.cases.readers import read_cases

    summaries = []
    for items in (read_cases(str(path), vocabulary=book.vocabulary),
                  engine_items((str(path),), book, None, "en", lambda *a: None)):
        summaries.append(run_batch(items, [book], Sink(io.StringIO(), "jsonl", "none", "en"), lang="en",
                                   report=lambda *a: None).to_json())
    python, duck = summaries
    assert duck == python
    assert python["read"] == len(cases) and len(python["matched"]) >= 3


def test_chunk_edges_a_bom_cr_lf_blank_lines_and_no_final_newline(invoke: Any, tmp_path: Path, small: None) -> None:
    cases = _cases()
    long = json.loads(cases[1])
    long["id"] = "long-" + "x" * 1000   # longer than a chunk: read on to its end
    text = ("\ufeff" + cases[0] + "\n" + cases[1] + "\n\n" + json.dumps(long, ensure_ascii=False) + "\n"
            + "\n".join(cases[2:8]) + "\n" + cases[8] + "\r\n" + "\n".join(cases[9:14]) + "\n   \n" + cases[14])
    path = tmp_path / "edges.jsonl"
    path.write_bytes(text.encode("utf-8"))
    _same(invoke, path)
    items = _items(path)
    assert sum(i.cases for i in items if isinstance(i, DecidedRun)) >= 13   # not a silent hand-over
    decided = [i for i in _items(path, runs=False) if isinstance(i, Decided)]
    joined = b"".join(i.text if isinstance(i.text, bytes) else i.text.encode() for i in items if isinstance(i, DecidedRun))
    assert joined.decode("utf-8") == "".join(i.text for i in decided)


@pytest.mark.parametrize("read", [1 << 20, 2000], ids=["one-chunk", "chunks"])
@pytest.mark.parametrize("damage", ["length", "shifted", "number", "missing"])
def test_rows_out_of_step_in_the_middle_of_a_run_leave_the_rest_to_the_python_engine(
        invoke: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str, read: int) -> None:
    """From the 12th case on, a row whose length is not its line's (one longer; one longer
    and the next shorter, the same bytes in all; not a number) or no rows: the 11 before are
    DuckDB's, every line from there on is read by the Python engine."""
    copy = dsl.tools.sqlbatch.copy_jsonl

    def damaged(path: Path, evaluator: Any, target: Path, spill: Path) -> None:
        copy(path, evaluator, target, spill)
        lines = target.read_bytes().split(b"\n")
        first, second = 11 * 3 + 1, 12 * 3 + 1   # the lengths of the 12th and 13th rows
        if damage == "missing":
            del lines[11 * 3:]
            lines.append(b"")
        elif damage == "number":
            lines[first] = b"x"
        else:
            lines[first] = str(int(lines[first]) + 1).encode()
            if damage == "shifted":
                lines[second] = str(int(lines[second]) - 1).encode()
        target.write_bytes(b"\n".join(lines))

    monkeypatch.setattr(dsl.tools.sqlbatch, "copy_jsonl", damaged)
    monkeypatch.setattr(dsl.tools.sqlruns, "INPUT_READ", read)
    cases = _cases()
    path = tmp_path / "step.jsonl"
    path.write_text("\n".join(cases + [_dirty(cases[0])]) + "\n", encoding="utf-8")
    _same(invoke, path)
    name = str(path)
    assert _shape(_items(path)) == [("run", 11)] + [f"{name}:{n}" for n in range(12, len(cases) + 2)]


def test_csv_output_of_runs(invoke: Any, tmp_path: Path, small: None) -> None:
    cases = _cases()
    path = tmp_path / "csv.jsonl"
    path.write_text("\n".join(cases[:9] + [_dirty(cases[9])] + cases[10:]) + "\n", encoding="utf-8")
    python = invoke("eval", "-r", BOOK, path, "--format", "csv", "--no-explain")
    duck = invoke("eval", "-r", BOOK, path, "--format", "csv", "--no-explain", "--engine", "duckdb")
    assert (duck.stdout, duck.stderr, duck.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_csv_and_parquet_inputs_in_runs(invoke: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of at most 4 cases: CSV rows (spooled for DuckDB) and Parquet rows cross them."""
    from test_sql_eval_inputs import FLAT, _parquet

    monkeypatch.setattr(dsl.tools.sqlinputs, "ROWS_AT_ONCE", 4)
    runs: list[int] = []
    items = dsl.tools.sqlbatch.engine_items

    def seen(*args: Any) -> Any:
        for item in items(*args):
            if isinstance(item, DecidedRun):
                runs.append(item.cases)
            yield item

    monkeypatch.setattr(dsl.tools.sqlbatch, "engine_items", seen)
    bad = FLAT.format(extra="").replace("CASE WHEN i % 5 = 0 THEN 'preparing'", "CASE WHEN i % 13 = 6 THEN 'lost' "
                                        "WHEN i % 5 = 0 THEN 'preparing'")   # rows 6, 19, 32: the Python engine's
    python = _same(invoke, _parquet(tmp_path / "in.parquet", bad))
    assert python.stderr.count("E402") == 3
    assert max(runs) == 4 and sum(runs) == 37
    runs.clear()
    cases = _cases()
    docs = [json.loads(line) for line in cases[:10]]
    rows = ["id,order.status,order.paid_amount"] + [f"{d['id']},{d['order'].get('status', '')},"
                                                    f"{d['order'].get('paid_amount', '')}" for d in docs]
    rows[5] = rows[5] + ",1"   # a row with one cell too many: the Python engine's message
    table = tmp_path / "in.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _same(invoke, table, "--at", "2026-11-06T10:00:00+08:00")   # no `now` in these cells
    assert max(runs) == 4 and sum(runs) >= 6


def test_mask_counts_per_rule() -> None:
    assert mask_counts([b"5", b"1", b"0", b"5"]) == (3, 0, 2)
    assert mask_counts([b"0", b"0"]) == ()
    assert mask_counts([str(1 << 70).encode()])[70] == 1


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_written_bytes_keep_their_place_after_pending_text(encoding: str) -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, newline="")
    out.write("前 ")
    write_utf8(out, "中文 line\n".encode("utf-8"))
    out.write("后")
    out.flush()
    assert raw.getvalue().decode(encoding) == "前 中文 line\n后"


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="pipes named /dev/fd/N")
def test_a_pipe_given_by_name_is_read_once(tmp_path: Path) -> None:
    """`eval --input-format jsonl <(zcat cases.jsonl.gz)`: a pipe can be read once. DuckDB
    reading it first left nothing for Python beside it: 0 cases, exit 0, not a word. The
    Python reader reads it and spools it for DuckDB, as for standard input."""
    cases = _cases()
    text = ("\n".join(cases[:5] + [_dirty(cases[5])] + cases[6:]) + "\n").encode("utf-8")
    python, duck = (_on_a_pipe(text, engine) for engine in ([], ["--engine", "duckdb"]))
    assert duck == python
    assert python[0].count(b"\n") == len(cases) and b"statuss" in python[1]


def _on_a_pipe(text: bytes, engine: list[str]) -> tuple[bytes, bytes, int]:
    """`rulebook eval` (a child process) on a pipe that a thread here fills with `text`."""
    import os
    import subprocess
    import sys
    import threading

    from conftest import ROOT

    read, write = os.pipe()

    def fill() -> None:
        try:
            os.write(write, text)   # a pipe's buffer (64 KB) holds the cases
        finally:
            os.close(write)

    writer = threading.Thread(target=fill)
    writer.start()
    try:
        done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "eval", "-r", str(BOOK), f"/dev/fd/{read}",
                               "--input-format", "jsonl", *PLAIN, *engine], pass_fds=(read,), capture_output=True,
                              timeout=120)
    finally:
        os.close(read)
        writer.join()
    name = f"/dev/fd/{read}".encode()
    return done.stdout, done.stderr.replace(name, b"PIPE"), done.returncode
