"""bench/check_latency.py runs (on the frozen fixture copy of douyin.yaml) and its --verify
finds the remembered check saying what the cold check says in every scenario it times.
Timing figures are not asserted: they belong to the script's report (bench/README.md)."""
from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURES, ROOT


def test_the_latency_bench_runs_and_its_warm_checks_equal_the_cold_ones() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "check_latency.py"), "--runs", "6", "--verify",
                          "--rulebook", str(FIXTURES / "rulebooks" / "douyin.yaml")],
                         capture_output=True, text=True, timeout=300, cwd=FIXTURES)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for scenario in ("cold", "expression", "parameter", "new line", "unchanged"):
        assert f"| {scenario} |" in run.stdout
    assert "keystroke (expression) median" in run.stdout
