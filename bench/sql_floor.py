"""How fast can any DuckDB query be that gives issue 15's answer? A floor, beside the Python CLI.

Issue 15 asks DuckDB to run >= 20x the Python CLI (`eval --no-explain`) on the same JSON Lines.
This script measures, in one run on the same file, what DuckDB needs for the parts of that job
that no rule compiler can avoid, with everything else (field checks, the rules) left out:

- `read`: read_json of the whole document into typed columns (one parse, DuckDB's own lenient
  casts; the exact checks issue 15 demands come on top);
- `rows -> parquet`: the query's output shape, one row per case x rule (case id, rule,
  matched, action, deadline, due, version, outputs, error) written to Parquet; only the case
  id is read, the other values are constants or a hash, and row order is not kept (the
  cheapest setting);
- `lines -> jsonl`: what `eval --engine duckdb` writes, one JSON line per case made of
  14 result objects (shorter than the real lines: empty `why` lists), copied to a file.

Each floor is a child process with the settings of rulebook's own connections (two threads
on this machine, `memory_limit` 1 GB). The ceiling it puts on the speed-up is the Python
CLI's wall time over the floor's: if that ceiling is below the target, no query that writes
this output can meet the target on this machine, however its checks and rules are compiled.

    python bench/sql_floor.py                 # 1,000,000 cases (the issue's measure)
    python bench/sql_floor.py --n 200000 --cases FILE.jsonl
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases as case_gen  # noqa: E402
from cli_bench import rulebook_cmd, run_child  # noqa: E402
from sql_bench import TARGET  # noqa: E402

ROOT = os.path.dirname(HERE)

_FLOOR_SCRIPT = """
import sys, duckdb
what, source, out, threads, count = sys.argv[1:6]
con = duckdb.connect()
con.execute(f"SET threads={int(threads)}")
con.execute("SET memory_limit='1GB'")
con.execute("SET enable_progress_bar=false")
con.execute(f"SET temp_directory='{out}.spill'")
rules = [f"rule_{i:02d}" for i in range(int(count))]
if what == "read":
    con.execute(f"SELECT count(*), bit_xor(hash(j)) FROM read_json('{source}', format='newline_delimited') j")
elif what == "rows":
    con.execute("SET preserve_insertion_order=false")
    con.execute(f'''COPY (SELECT j.id AS case_id, r.rule, hash(j.id, r.rule) % 2 = 0 AS matched,
        'auto_approve' AS action,
        CASE WHEN hash(j.id, r.rule) % 3 = 0 THEN '2026-11-12T12:00:00+08:00' END AS deadline,
        false AS due, NULL AS version, NULL::VARCHAR AS outputs, NULL::VARCHAR AS error
        FROM read_json('{source}', format='newline_delimited', columns={{'id': 'VARCHAR'}}) j,
             (SELECT unnest({rules}) AS rule) r) TO '{out}' (FORMAT parquet)''')
else:
    piece = '{"rule": "RULE", "matched": false, "action": "auto_approve", "deadline": null, "due": false, "why": []}'
    parts = " || ', ' || ".join(f"replace('{piece}', 'RULE', '{r}')" for r in rules)
    con.execute(f'''COPY (SELECT '{{"case": "' || j.id || '", "platform": "douyin", "at": "' || j.now
        || '", "results": [' || {parts} || '], "timeline": []}}' AS line
        FROM read_json('{source}', format='newline_delimited', columns={{'id': 'VARCHAR', 'now': 'VARCHAR'}}) j)
        TO '{out}' (FORMAT csv, header false, quote '', escape '', delim chr(1))''')
"""

FLOORS = {
    "read": "DuckDB floor: read_json, every field typed",
    "rows": "DuckDB floor: case x rule rows -> parquet",
    "lines": "DuckDB floor: one output line a case -> jsonl",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="cases (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=case_gen.DEFAULT_SEED)
    ap.add_argument("--cases", help="an existing JSON Lines file of Douyin cases instead of generating --n")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="DuckDB threads")
    ap.add_argument("--rulebook", default=os.path.join(ROOT, "rulebooks", "douyin.yaml"),
                    help="the Douyin rulebook: its number of rules is the floor's rows per case")
    args = ap.parse_args(argv)
    sys.path.insert(0, ROOT)
    from dsl import load_rulebook
    rules = len(load_rulebook(args.rulebook).rules)
    with tempfile.TemporaryDirectory(prefix="rulebook-sql-floor-") as tmp:
        jsonl = args.cases or os.path.join(tmp, "douyin-cases.jsonl")
        if not args.cases:
            t0 = time.perf_counter()
            size = case_gen.write_jsonl(jsonl, args.n, args.seed)
            print(f"wrote {args.n:,} cases ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        with open(jsonl, "rb") as f:
            n = sum(1 for _ in f)
        rows = {}
        cli_out = os.path.join(tmp, "python.jsonl")
        with open(cli_out, "wb") as sink:
            rows["rulebook eval --no-explain (Python CLI)"] = run_child(
                rulebook_cmd() + ["eval", "-p", "douyin", jsonl, "--format", "jsonl", "--no-explain", "--no-summary"],
                stdout=sink)
        print(f"the Python CLI's output: {os.path.getsize(cli_out) / 1e6:,.0f} MB")
        for what, name in FLOORS.items():
            out = os.path.join(tmp, f"floor-{what}.out")
            rows[name] = run_child(floor_cmd(what, jsonl, out, args.threads, rules))
            if what == "lines":
                print(f"the floor's output lines: {os.path.getsize(out) / 1e6:,.0f} MB")
        report(rows, n, rules)
    return 0


def floor_cmd(what: str, cases: str, out: str, threads: int, rules: int) -> list[str]:
    """The child process that runs floor `what` ("read", "rows" or "lines") on `cases`."""
    return [sys.executable, "-c", _FLOOR_SCRIPT, what, cases, out, str(threads), str(rules)]


def report(rows: dict[str, tuple[float, int, int]], n: int, rules: int) -> None:
    base = next(iter(rows.values()))[0]
    budget = base / TARGET
    print(f"\n{n:,} Douyin cases, {rules} rules; {TARGET:.0f}x the Python CLI leaves DuckDB {budget:.2f} s for the whole job:")
    for name, (wall, code, rss) in rows.items():
        ceiling = f"ceiling {base / wall:5.1f}x" if name.startswith("DuckDB") else "baseline     "
        print(f"  {name:<48} exit {code} · {wall:6.2f} s · {n / wall:>11,.0f} cases/s · {ceiling} · "
              f"peak RSS {rss / 1024:,.0f} MiB")
    for name in ("rows", "lines"):
        wall = rows[FLOORS[name]][0]
        verdict = "within" if wall <= budget else "already over"
        print(f"  writing the output alone ({name}): {wall:.2f} s, {verdict} the {budget:.2f} s budget")


if __name__ == "__main__":
    sys.exit(main())
