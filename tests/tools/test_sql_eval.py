"""`rulebook eval --engine duckdb` writes what the Python engine writes, byte for byte.

DuckDB decides and writes the clean cases; every other line (a bad or unknown field, a line
that is not a case, bytes that are not UTF-8) is handed to the Python engine, so stdout,
stderr (per-case reports and the summary) and the exit code are the same either way.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import dsl.tools.sqlbatch
from dsl.tools.batch import Decided
from dsl.tools.decidedrun import DecidedRun
from conftest import FIXTURES
from test_batch_fast import _batch

pytest.importorskip("duckdb")


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each case of a run with --engine duckdb: whether DuckDB wrote it."""
    seen: list[bool] = []
    items = dsl.tools.sqlbatch.sql_items

    def counted(*args: Any) -> Any:
        for item in items(*args):
            cases = item.cases if isinstance(item, DecidedRun) else 1   # a run of decided cases: that many
            seen.extend([isinstance(item, (Decided, DecidedRun))] * cases)
            yield item

    monkeypatch.setattr(dsl.tools.sqlbatch, "sql_items", counted)
    return seen


@pytest.mark.parametrize("args", [[], ["--at", "2026-11-06T10:00:00+08:00"], ["--lang", "en", "--format", "json"]],
                         ids=["now", "at", "json-en"])
def test_duckdb_writes_what_the_python_engine_writes(invoke: Any, tmp_path: Path, decided: list[bool],
                                                     args: list[str]) -> None:
    path = _batch(tmp_path)
    command = ["eval", "-p", "douyin", path, "--no-explain", *args] + ([] if "--format" in args else ["--format", "jsonl"])
    python = invoke(*command)
    duckdb = invoke(*command, "--engine", "duckdb")
    assert True in decided and False in decided    # both engines wrote cases
    assert duckdb.exit_code == python.exit_code == 1
    assert duckdb.stdout == python.stdout
    assert duckdb.stderr == python.stderr


def test_odd_lines_and_bytes_go_to_the_python_engine(invoke: Any, tmp_path: Path, decided: list[bool]) -> None:
    good = json.loads((Path("examples") / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    line = json.dumps(good, ensure_ascii=False).encode("utf-8")
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line + b"\n\n" + line + b"\r\n   \n" + line.replace(b'"id"', b'"id" ')
                     + b"\n" + line.replace(b"DY-LR-0001", b"\\ud800") + b"\n" + line)   # no newline at the end
    python = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain")
    duckdb = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--engine", "duckdb")
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)
    assert decided.count(True) >= 3


def test_bytes_that_are_not_utf8_are_still_read_by_the_python_engine(invoke: Any, tmp_path: Path) -> None:
    line = (Path("examples") / "douyin-lightning-return.json").read_text(encoding="utf-8").replace("\n", "")
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(line.encode() + b"\n" + b'{"id": "\xff\xfe"}\n' + line.encode() + b"\n")
    python = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain")
    duckdb = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--engine", "duckdb")
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)


@pytest.mark.parametrize("args, says", [
    (["-p", "all", "--format", "jsonl", "--no-explain"], "one rulebook"),
    (["-p", "douyin", "--format", "jsonl"], "--no-explain"),
    (["-p", "douyin", "--format", "table", "--no-explain"], "--format jsonl, json or csv"),
    (["-p", "douyin", "--format", "csv", "--no-explain", "--jobs", "2"], "--jobs"),
    (["-p", "douyin", "--format", "jsonl", "--no-explain", "--within", "6h"], "--within"),
])
def test_what_the_engine_cannot_do_yet_is_a_usage_error(invoke: Any, tmp_path: Path, args: list[str], says: str) -> None:
    path = _batch(tmp_path)
    result = invoke("eval", path, *args, "--engine", "duckdb", "--lang", "en")
    assert result.exit_code == 2
    assert says in result.stderr


def test_a_rulebook_without_an_exact_sql_form_is_said_and_evaluated_by_python(invoke: Any, tmp_path: Path) -> None:
    from conftest import RULEBOOK_HEAD, rule_yaml

    book = tmp_path / "div.yaml"
    book.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount / 3 > 1"), encoding="utf-8")
    path = _batch(tmp_path)
    python = invoke("eval", "-r", book, path, "--format", "jsonl", "--no-explain", "--lang", "en")
    duckdb = invoke("eval", "-r", book, path, "--format", "jsonl", "--no-explain", "--lang", "en", "--engine", "duckdb")
    assert duckdb.stdout == python.stdout
    assert "E601" in duckdb.stderr and "division" in duckdb.stderr
    # a note, not an error whose hint says to do what was done anyway (QA pass 26)
    assert "note E601" in duckdb.stderr and "error E601" not in duckdb.stderr and duckdb.exit_code == python.exit_code
    assert "the Python engine evaluates this rulebook instead: the same answers" in duckdb.stderr


def test_parquet_output_has_the_python_engines_decisions(invoke: Any, tmp_path: Path) -> None:
    import duckdb

    from dsl import load_rulebook
    from dsl.cases.inputs import loads

    path = _batch(tmp_path)
    target = tmp_path / "out.parquet"
    result = invoke("eval", "-p", "douyin", path, "--engine", "duckdb", "--output", target, "--lang", "en",
                    "--at", "2026-11-06T10:00:00+08:00")
    assert result.exit_code == 1 and "line(s) were not cases" in result.stderr
    rows = duckdb.connect().execute(f"SELECT case_id, rule, matched, action, error FROM '{target}'").fetchall()
    book = load_rulebook(FIXTURES / "rulebooks" / "douyin.yaml")
    at = "2026-11-06T10:00:00+08:00"
    want = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            doc = loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("order"), dict) or doc.get("platform") == "taobao":
            continue
        result_py = book.evaluate(doc, at, lang="en")
        for r in result_py.results:
            want.append((result_py.case, r.rule, r.matched if not r.error else None, r.action, r.error is not None))
    have = [(case_id if case_id is not None else "?", rule, m, a, e is not None) for case_id, rule, m, a, e in rows]
    assert sorted(have, key=repr) == sorted(want, key=repr)


def test_keys_unknown_or_given_twice_are_found_by_duckdb_as_by_python(invoke: Any, tmp_path: Path,
                                                                       decided: list[bool]) -> None:
    """DuckDB's quick look at the keys (`_plain`: known keys, each once) must never pass a key
    the Python reader warns about or refuses: keys in another order and empty objects are
    DuckDB's, a key twice (anywhere the vocabulary describes, also where another is missing),
    an unknown key, a key with a NUL or a quote in it are the Python engine's."""
    good = json.loads((Path("examples") / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    line = json.dumps(good, ensure_ascii=False)
    order = json.dumps(good["order"], ensure_ascii=False)
    shuffled = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                               for k, v in reversed(list(good["order"].items()))) + "}"
    lines = [
        (line, True),
        (line.replace(order, shuffled), True),
        (line.replace(json.dumps(good["buyer"], ensure_ascii=False), "{}"), True),
        (line.replace('"order": {', '"order": {"status": "x", ', 1), False),
        (line.replace(order, shuffled).replace('"order": {', '"order": {"paid_at": null, ', 1), False),
        (line.replace('"id": ', '"id": "twice", "id": ', 1), False),
        (line.replace('"order": {', '"order": {"statuss": 1, ', 1), False),
        (line.replace('"order": {', '"order": {"status\\u0000x": 1, ', 1), False),
        (line.replace('"order": {', '"order": {"id\\u0000status": 1, ', 1), False),
        # keys holding the quote DuckDB joins the keys with: written as \" and as \u0022
        (line.replace('"order": {', '"order": {"id\\"status": 1, ', 1), False),
        (line.replace('"order": {', '"order": {"status\\u0022\\u0022id": 1, ', 1), False),
        (line.replace('"order": {', '"order": {"status\\u0022id": 1, ', 1), False),
        # a key given twice while another known key is missing: as many keys as known ones
        (line.replace(order, json.dumps({**{k: v for k, v in good["order"].items() if k != "paid_at"}},
                                        ensure_ascii=False)).replace('"order": {', '"order": {"status": "x", ', 1),
         False),
        (line.replace(order, json.dumps({k: v for k, v in good["order"].items() if k != "paid_at"},
                                        ensure_ascii=False)), True),
    ]
    path = tmp_path / "keys.jsonl"
    path.write_text("\n".join(text for text, _ in lines) + "\n", encoding="utf-8")
    python = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain")
    duckdb = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--engine", "duckdb")
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)
    assert decided == [by_duckdb for _, by_duckdb in lines]


def test_a_line_longer_than_duckdb_reads_leaves_the_file_to_the_python_engine(invoke: Any, tmp_path: Path,
                                                                              decided: list[bool]) -> None:
    """DuckDB reads lines of up to MAX_SQL_LINE_BYTES (its buffers hold 16 of them); a longer
    line, which the Python engine still reads, makes the file the Python engine's, whole."""
    from dsl.engine.sql.duck import MAX_SQL_LINE_BYTES

    good = json.loads((Path("examples") / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    line = json.dumps(good, ensure_ascii=False)
    long = dict(good, note="x" * (MAX_SQL_LINE_BYTES + 10))
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join([line, json.dumps(long), line]) + "\n", encoding="utf-8")
    python = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain")
    duckdb = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--engine", "duckdb")
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)
    assert "note" in python.stderr or python.exit_code == 1     # the unknown key is reported, not lost
    assert decided == [False, False, False]
