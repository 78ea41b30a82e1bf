"""The SQL backend against the Python CLI (issue 15): Douyin cases (all 14 rules), JSON Lines
and Parquet, in one run.

Rows:
- `rulebook eval -p douyin FILE --format jsonl --no-explain` (the Python engine, one process);
- the same with `--engine duckdb` (DuckDB decides and writes the clean cases; same bytes);
- the query of `rulebook sql -p douyin` run by DuckDB over the JSON Lines file, written to
  Parquet (the warehouse path: no Python per case);
- the same query over a Parquet file of the documents, written to Parquet.
Each row: wall time, cases/s, peak RSS (of the child process). The outputs of the two CLI
rows are compared byte for byte first. Target of the issue: DuckDB >= 20x the Python CLI,
peak RSS < 1.5 GB.

    python bench/sql_bench.py --n 200000
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import cases as case_gen  # noqa: E402
from cli_bench import rulebook_cmd, run_child  # noqa: E402

TARGET = 20.0

_DUCK_SCRIPT = """
import sys, duckdb
query, source, kind, out, threads = sys.argv[1:6]
con = duckdb.connect()
con.execute(f"SET threads={int(threads)}")
con.execute("SET memory_limit='1GB'")   # as rulebook's own connections; without it DuckDB took 3.4 GB on 1,000,000 cases
con.execute(f"SET temp_directory='{out}.spill'")
con.execute("SET TimeZone='Asia/Shanghai'")
if kind == "jsonl":
    con.execute(f"CREATE VIEW cases AS SELECT json::VARCHAR AS doc FROM read_json_objects('{source}')")
else:
    con.execute(f"CREATE VIEW cases AS SELECT doc FROM read_parquet('{source}')")
sql = open(query, encoding="utf-8").read().split(chr(10), 1)[1].rstrip().rstrip(";")
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="cases (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=case_gen.DEFAULT_SEED)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="DuckDB threads")
    ap.add_argument("--spark", type=int, default=0, metavar="N",
                    help="also `eval --engine spark` (a local session) on the first N cases, beside the Python CLI "
                    "on the same N (needs the spark extra and Java 17; default: skipped)")
    args = ap.parse_args(argv)
    cmd = rulebook_cmd()
    with tempfile.TemporaryDirectory(prefix="rulebook-sql-bench-") as tmp:
        jsonl = os.path.join(tmp, "douyin-cases.jsonl")
        t0 = time.perf_counter()
        size = case_gen.write_jsonl(jsonl, args.n, args.seed)
        print(f"wrote {args.n:,} cases ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        parquet = os.path.join(tmp, "douyin-cases.parquet")
        subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect().execute("
                        "f\"COPY (SELECT json::VARCHAR AS doc FROM read_json_objects('{sys.argv[1]}')) "
                        "TO '{sys.argv[2]}' (FORMAT parquet)\")", jsonl, parquet], check=True)
        query = os.path.join(tmp, "douyin.sql")
        with open(query, "w", encoding="utf-8") as out:
            subprocess.run(cmd + ["sql", "-p", "douyin"], stdout=out, check=True, cwd=ROOT)
        rows, same = _engine_pair(cmd, jsonl, tmp, "duckdb")
        for kind, source in (("jsonl", jsonl), ("parquet", parquet)):
            out = os.path.join(tmp, f"sql-{kind}.parquet")
            rows[f"DuckDB, rulebook sql query, {kind} -> parquet"] = run_child(
                [sys.executable, "-c", _DUCK_SCRIPT, query, source, kind, out, str(args.threads)])
        _report(rows, args.n)
        if args.spark:
            same = _spark_rows(cmd, jsonl, tmp, args.spark) and same
    return 0 if same else 1


def _engine_pair(cmd: list[str], cases: str, tmp: str, engine: str) -> tuple[dict[str, Any], bool]:
    """`rulebook eval --no-explain` on `cases` with the Python engine and with `engine`:
    their rows, and whether the two outputs are identical byte for byte (they must be)."""
    rows, outputs = {}, {}
    for name, extra in (("python", []), (engine, ["--engine", engine])):
        path = os.path.join(tmp, f"out-{engine}-{name}.jsonl")
        with open(path, "wb") as sink:
            rows[f"rulebook eval --no-explain{' --engine ' + engine if extra else ''}"] = run_child(
                cmd + ["eval", "-p", "douyin", cases, "--format", "jsonl", "--no-explain", "--no-summary", *extra],
                stdout=sink)
        outputs[name] = path
    same = _same(outputs["python"], outputs[engine])
    print(f"outputs of the Python and {engine} engines: {'identical' if same else 'DIFFERENT'}")
    return rows, same


def _spark_rows(cmd: list[str], jsonl: str, tmp: str, n: int) -> bool:
    """The Python CLI and `eval --engine spark` (a local session) on the first n cases: Spark
    is slow to start and to plan, so a smaller file."""
    head = os.path.join(tmp, "spark-cases.jsonl")
    with open(jsonl, "rb") as src, open(head, "wb") as dst:
        for _, line in zip(range(n), src):
            dst.write(line)
    rows, same = _engine_pair(cmd, head, tmp, "spark")
    _report(rows, n, target=False)
    return same


def _same(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _report(rows: dict[str, tuple[float, int, int]], n: int, target: bool = True) -> None:
    base = next(iter(rows.values()))[0]
    print(f"\n{n:,} Douyin cases, 14 rules:")
    for name, (wall, code, rss) in rows.items():
        print(f"  {name:<52} exit {code} · {wall:7.1f} s · {n / wall:>10,.0f} cases/s · "
              f"{base / wall:5.2f}x the Python CLI · peak RSS {rss / 1024:,.0f} MiB")
    if not target:
        return
    best = max(base / wall for wall, _, _ in list(rows.values())[1:])
    print(f"  best SQL row / Python CLI: {best:.2f}x (target >= {TARGET:.0f}x): {'PASS' if best >= TARGET else 'FAIL'}")


if __name__ == "__main__":
    sys.exit(main())
