"""The Python side of `rulebook eval --engine duckdb` over JSON Lines, timed apart from DuckDB's.

DuckDB's COPY writes its rows for the file (`sqlbatch.copy_jsonl`); Python then reads them
beside the file, checks them in step, counts and writes (`sqlruns.py`, `decidedrun.py`).
This script times:
- `copy_jsonl` alone (DuckDB's part), once; its rows are kept;
- the whole command `eval -p douyin FILE --format jsonl --no-explain --engine duckdb` in this
  process, with `copy_jsonl` replaced by a link to those rows (the Python part), wall and
  CPU time, best of --repeat;
- the same on an empty file: the command's fixed start (loading the rulebook, building the
  query), taken off the Python part to give its cost per case.
With --check, the output is compared byte for byte with the Python engine's (a child
process: slow). Needs a quiet machine for figures worth writing down.

    python bench/sql_python_side.py --n 200000
    python bench/sql_python_side.py --cases FILE.jsonl --repeat 3 --check
"""
from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import cases as case_gen  # noqa: E402


def copy_rows(cases: str, rows: str) -> float:
    """DuckDB's rows for `cases` into `rows`; the seconds it took."""
    from datetime import datetime

    from dsl import load_rulebook
    from dsl.lang.values import SHANGHAI
    from dsl.tools.sqlbatch import SqlEval, copy_jsonl

    evaluator = SqlEval(load_rulebook(os.path.join(ROOT, "rulebooks", "douyin.yaml")), None, datetime.now(SHANGHAI))
    with tempfile.TemporaryDirectory(prefix="rulebook-pyside-") as spill:
        start = time.perf_counter()
        copy_jsonl(Path(cases), evaluator, Path(rows), Path(spill))
        return time.perf_counter() - start


def python_side(cases: str, rows: str | None, out: str) -> tuple[float, float]:
    """(wall, CPU) seconds of the command with DuckDB's COPY replaced by `rows` (None: no rows)."""
    import dsl.tools.sqlbatch as sqlbatch
    from cli import main

    def linked(path: Path, evaluator: object, target: Path, spill: Path) -> None:
        if rows is None:
            target.write_bytes(b"")
        else:
            os.link(rows, target)

    copy, stdout, stderr = sqlbatch.copy_jsonl, sys.stdout, sys.stderr
    sqlbatch.copy_jsonl = linked
    try:
        with open(out, "w", encoding="utf-8") as sys.stdout, open(os.devnull, "w", encoding="utf-8") as sys.stderr:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                main(["eval", "-p", "douyin", cases, "--format", "jsonl", "--no-explain", "--engine", "duckdb"],
                     standalone_mode=False)
            except SystemExit:
                pass
            sys.stdout.flush()
            return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        sqlbatch.copy_jsonl, sys.stdout, sys.stderr = copy, stdout, stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="generated Douyin cases (default 200,000)")
    ap.add_argument("--cases", help="a JSON Lines file instead of generated cases")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="compare the output with the Python engine's")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rulebook-pyside-") as tmp:
        cases = args.cases or os.path.join(tmp, "cases.jsonl")
        if not args.cases:
            case_gen.write_jsonl(cases, args.n, case_gen.DEFAULT_SEED)
        n = sum(1 for _ in open(cases, "rb"))
        rows, out, empty = (os.path.join(tmp, name) for name in ("rows.txt", "out.jsonl", "empty.jsonl"))
        Path(empty).write_bytes(b"")
        print(f"{n:,} cases; DuckDB's COPY (copy_jsonl): {copy_rows(cases, rows):.2f} s")
        start = min(python_side(empty, None, os.path.join(tmp, "o"))[1] for _ in range(args.repeat))
        runs = [python_side(cases, rows, out) for _ in range(args.repeat)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"the command with the COPY's rows given: {wall:.2f} s wall, {cpu:.2f} s CPU (best of {args.repeat}); "
              f"its fixed start {start:.2f} s CPU")
        print(f"Python side per case: {(cpu - start) / n * 1e6:.1f} us CPU")
        if args.check:
            expected = os.path.join(tmp, "python.jsonl")
            with open(expected, "wb") as sink:
                subprocess.run([sys.executable, os.path.join(ROOT, "cli.py"), "eval", "-p", "douyin", cases,
                                "--format", "jsonl", "--no-explain", "--no-summary"], stdout=sink, cwd=ROOT)
            same = filecmp.cmp(expected, out, shallow=False)
            print(f"output and the Python engine's: {'identical' if same else 'DIFFERENT'}")
            return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
