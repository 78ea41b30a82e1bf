"""The benchmark's hand-written Douyin functions are an independent implementation of the
policies: on a few hundred generated cases `bench/bench.py` must find the engine agreeing
with them on every case (it exits 1 and prints the case on any mismatch). Timing figures
are not asserted: they belong to the script's report, not to the test suite. The script loads
the frozen fixture copy of the Douyin rulebook, whose parameters the hand-written functions
encode: the shipped rulebooks/douyin.yaml is data an ops person may change."""
from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURES, ROOT


def test_engine_agrees_with_the_hand_written_policies_on_generated_cases() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--n", "600", "--repeat", "1",
                          "--no-zen", "--seed", "7", "--rulebook", str(FIXTURES / "rulebooks" / "douyin.yaml")],
                         capture_output=True, text=True, timeout=300, cwd=FIXTURES)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "results identical on every case: 0 + 0 mismatches" in run.stdout
