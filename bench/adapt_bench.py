"""How fast raw platform payloads become cases (issue 18, part 1): the Python adapter, and the
DuckDB projection of `rulebook sql --from`, on synthetic 抖店 afterSale/List items.

    python bench/adapt_bench.py            # 200,000 items
    python bench/adapt_bench.py --n 20000

Items are the fixture item of tests/fixtures/payloads/douyin-aftersale-list-page.json with
ids, times, amounts and codes varied (seeded); every 50th has an unknown status code, so
rejection is measured too. Figures: items per second, best of --repeat runs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsl.cases.adapt import adapt_document  # noqa: E402
from dsl.cases.mapping import load_mapping  # noqa: E402
from dsl.lang.vocabulary import default_vocabulary  # noqa: E402

PAGE = ROOT / "tests" / "fixtures" / "payloads" / "douyin-aftersale-list-page.json"


def items(n: int, seed: int = 18) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    base = json.loads(PAGE.read_text(encoding="utf-8"))["data"]["items"][0]
    out = []
    for i in range(n):
        item = json.loads(json.dumps(base))
        info = item["aftersale_info"]
        info["aftersale_id"] = str(7 * 10 ** 18 + i)
        info["aftersale_type"] = rng.choice([0, 1, 2, 3, 7])
        info["aftersale_status"] = 99 if i % 50 == 49 else rng.choice([6, 7, 8, 11, 12, 27, 28, 29])
        info["apply_time"] = 1793671200 - rng.randrange(0, 30 * 86400)
        info["status_deadline"] = rng.choice([0, info["apply_time"] + 172800])
        info["refund_amount"] = rng.randrange(1, 100000)
        item["order_info"]["related_order_info"][0]["pay_amount"] = info["refund_amount"]
        out.append(item)
    return out


def best(repeat: int, run: Any) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    mapping = load_mapping("douyin-aftersale-list", default_vocabulary())
    raw = items(args.n)
    page = {"data": {"items": raw}}
    seconds = best(args.repeat, lambda: sum(1 for _ in adapt_document(page, "bench", mapping)))
    print(f"python adapter: {args.n:,} items in {seconds:.2f} s = {args.n / seconds:,.0f} items/s")
    try:
        import duckdb
    except ImportError:
        print("duckdb projection: skipped (pip install duckdb)")
        return
    from dsl.engine.sql.adapted import projection_sql

    con = duckdb.connect()
    con.execute("CREATE TABLE raw_items (doc VARCHAR)")
    con.executemany("INSERT INTO raw_items VALUES (?)", [(json.dumps(i),) for i in raw])
    query = f"SELECT count(doc), count(_reject) FROM ({projection_sql(mapping, 'raw_items', 'doc')})"
    seconds = best(args.repeat, lambda: con.execute(query).fetchall())
    print(f"duckdb projection: {args.n:,} items in {seconds:.2f} s = {args.n / seconds:,.0f} items/s")


if __name__ == "__main__":
    main()
