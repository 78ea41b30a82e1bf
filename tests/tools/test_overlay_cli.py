"""Shop overlays on the command line (issue 18, part 3): `check` prints what an overlay changes,
`test` runs the base's examples under it and lists those it changes, and eval, diff, sql and the
SQL engine work across an overlay with the same answers as on any rulebook."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import EXAMPLES, FIXTURES, RULEBOOKS

ACME = "shops/acme.yaml"
KWAI = "shops/kwai_shop.yaml"
DOUYIN = (RULEBOOKS / "douyin.yaml").relative_to(FIXTURES).as_posix()   # as the overlay's `extends: douyin` finds it


def test_check_prints_what_the_overlay_changes(invoke: Callable[..., Any]) -> None:
    result = invoke("check", ACME, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"{ACME}: ok"
    assert out[1] == f"acme extends douyin ({DOUYIN})"
    assert "    lightning_max_amount: 300.00 → 500.00" in out
    assert "    review_min_amount: 1000.00 (new)" in out
    assert any(line.startswith(f"    - repeat_refund_notice: disabled ({DOUYIN}:") and "ERP" in line for line in out)
    assert any(line.startswith(f"    ~ reship_apply: overridden ({DOUYIN}:") and "missing goods" in line
               for line in out)
    assert any(line.startswith(f"    + big_refund_review: added ({ACME}:") for line in out)


def test_check_speaks_chinese_and_both(invoke: Callable[..., Any]) -> None:
    zh = invoke("check", ACME, "--lang", "zh").stdout
    assert f"acme 继承 douyin（{DOUYIN}）" in zh and "lightning_max_amount：300.00 → 500.00" in zh
    both = invoke("check", ACME).stdout
    assert both.index("acme extends douyin") < both.index("acme 继承 douyin")   # English, then Chinese


def test_check_of_a_platform_rulebook_prints_no_overlay_report(invoke: Callable[..., Any]) -> None:
    assert invoke("check", DOUYIN, "--lang", "en").stdout == f"{DOUYIN}: ok\n"


def test_test_lists_the_base_examples_the_overlay_changes(invoke: Callable[..., Any]) -> None:
    result = invoke("test", ACME, "--lang", "en")
    assert result.exit_code == 0, result.stdout
    out = result.stdout
    assert f"{DOUYIN}:" in out and "CHANGED BY THE OVERLAY reship_apply: confirmation time given in UTC" in out
    assert "FAIL" not in out
    assert f"{ACME}: 99/100 examples passed (8 the overlay's, 92 of douyin), 1 changed by the overlay, coverage 100.0%" in out
    assert "examples: 99 passed, 0 failed; 1 example(s) of the base changed by the overlay (listed, not failures)" in out


def test_an_overlay_expectation_that_does_not_hold_fails(invoke: Callable[..., Any], tmp_path: Path) -> None:
    text = (FIXTURES / ACME).read_text(encoding="utf-8").replace(
        "    base: paid 300.01 is over the limit      # Douyin's example, with ACME's expectation\n"
        "    expect: {matched: true, action: auto_approve}",
        "    base: paid 300.01 is over the limit\n    expect: {matched: false}")
    path = tmp_path / "acme.yaml"
    path.write_text(text.replace("extends: douyin", f"extends: {RULEBOOKS / 'douyin.yaml'}"), encoding="utf-8")
    result = invoke("test", path, "--lang", "en")
    assert result.exit_code == 1
    assert f"{path}:" in result.stdout and "FAIL lightning_return: paid 300.01 is over the limit" in result.stdout


def test_an_own_example_that_fails_is_a_failure_not_a_listing(invoke: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(textwrap.dedent(f"""\
        rulebook: shop
        extends: {RULEBOOKS / 'douyin.yaml'}
        examples:
          - rule: lightning_return
            name: 299.00 is within the limit
            case: {{order: {{paid_amount: "299.00"}}}}
            expect: {{matched: false}}
        """), encoding="utf-8")
    result = invoke("test", path, "--lang", "en")
    assert result.exit_code == 1 and "FAIL lightning_return: 299.00 is within the limit" in result.stdout


def test_coverage_of_an_overlay_counts_its_changed_rules(invoke: Callable[..., Any]) -> None:
    """A base example the overlay changes asserts nothing: what it alone exercised is missing."""
    result = invoke("test", KWAI, "--lang", "en", "--min-coverage", "100")
    assert result.exit_code == 0, result.stdout
    assert "4 changed by the overlay, coverage 100.0%" in result.stdout


def test_test_with_duckdb_decides_the_overlay_alike(invoke: Callable[..., Any]) -> None:
    pytest.importorskip("duckdb")
    result = invoke("test", ACME, KWAI, "--engine", "duckdb", "--lang", "en")
    assert result.exit_code == 0, result.stdout
    assert "FAIL" not in result.stdout and "5 example(s) of the base changed" in result.stdout


def test_eval_with_python_and_duckdb_gives_the_same_lines(invoke: Callable[..., Any]) -> None:
    pytest.importorskip("duckdb")
    args = ("eval", "--rulebook", ACME, EXAMPLES / "batch.jsonl", "--format", "jsonl", "--no-explain")
    python, duck = invoke(*args), invoke(*args, "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 0
    assert python.stdout == duck.stdout
    lines = [json.loads(line) for line in python.stdout.splitlines()]
    rules = {r["rule"] for r in lines[0]["results"]}
    assert "big_refund_review" in rules and "repeat_refund_notice" not in rules
    assert {(line["platform"], line["rulebook"]) for line in lines} == {("douyin", "acme")}


def test_diff_across_an_overlay_counts_the_changed_decisions(invoke: Callable[..., Any]) -> None:
    result = invoke("diff", "douyin", ACME, "--cases", EXAMPLES / "batch.jsonl", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    text = json.dumps(report, ensure_ascii=False)
    assert "big_refund_review" in text and "lightning_max_amount" in text
    duck = invoke("diff", "douyin", ACME, "--cases", EXAMPLES / "batch.jsonl", "--format", "json", "--engine", "duckdb")
    assert json.loads(duck.stdout) == report


def test_sql_of_an_overlay_is_the_merged_rulebook(invoke: Callable[..., Any]) -> None:
    result = invoke("sql", "--rulebook", ACME)
    assert result.exit_code == 0
    assert "'big_refund_review'" in result.stdout and "'repeat_refund_notice'" not in result.stdout


@pytest.mark.parametrize("paid_at, applied_at, amount, version, matched", [
    ("2023-09-01T08:00:00+08:00", "2023-09-01T18:00:00+08:00", "900.00", "v1", True),    # v1 has no amount limit
    ("2023-09-12T20:00:00+08:00", "2023-09-13T07:59:00+08:00", "900.00", "v1", True),    # paid the day before the switch
    ("2023-09-13T00:00:00+08:00", "2023-09-13T20:00:00+08:00", "450.00", "v2", True),    # the shop's 500.00
    ("2023-09-13T00:00:00+08:00", "2023-09-13T20:00:00+08:00", "500.01", "v2", False),
])
def test_versions_of_the_base_are_chosen_by_the_cases_own_time(invoke: Callable[..., Any], tmp_path: Path,
                                                              paid_at: str, applied_at: str, amount: str,
                                                              version: str, matched: bool) -> None:
    pytest.importorskip("duckdb")
    case = json.loads((EXAMPLES / "kuaishou-fast-refund.json").read_text(encoding="utf-8"))
    case["order"].update(paid_at=paid_at, paid_amount=amount)
    case["aftersale"]["applied_at"] = case["now"] = applied_at
    path = tmp_path / "case.jsonl"
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    for engine in ("python", "duckdb"):
        out = invoke("eval", "--rulebook", KWAI, path, "--format", "jsonl", "--no-explain", "--engine", engine).stdout
        (fast,) = [r for r in json.loads(out)["results"] if r["rule"] == "fast_refund"]
        assert (fast["version"], fast["matched"]) == (version, matched), engine


@pytest.mark.parametrize("shop", [
    "rulebook: shop\nextends: base.yaml\nparameters:\n  lightning_max_amount: 500.00\n",
    "{rulebook: shop, extends: base.yaml, parameters: {lightning_max_amount: 500.00}}\n",   # no `extends:` line
], ids=["block", "flow"])
def test_a_changed_base_is_never_read_from_the_cache(invoke: Callable[..., Any], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, shop: str) -> None:
    monkeypatch.setenv("RULEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RULEBOOK_NO_CACHE", raising=False)
    base = tmp_path / "base.yaml"
    base.write_text((RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "shop.yaml").write_text(shop, encoding="utf-8")
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    case["order"]["paid_amount"] = "400.00"
    (tmp_path / "case.json").write_text(json.dumps(case), encoding="utf-8")

    def lightning() -> bool:
        out = invoke("eval", "--rulebook", tmp_path / "shop.yaml", tmp_path / "case.json", "--format", "json").stdout
        return next(r["matched"] for r in json.loads(out)["results"] if r["rule"] == "lightning_return")

    assert lightning() and lightning()
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    base.write_text(base.read_text(encoding="utf-8").replace(
        "order.paid_amount <= params.lightning_max_amount", "order.paid_amount <= params.lightning_max_amount - 200.00"),
        encoding="utf-8")
    assert not lightning()


def test_evaluating_an_overlay_with_a_warm_cache_reads_no_yaml() -> None:
    """The cache finds an overlay's chain by its `extends:` lines: eval's start-up stays that
    of a platform's rulebook (tests/test_layers.py holds the same for `--platform`)."""
    import subprocess
    import sys

    script = ("import sys\n"
              f"sys.argv = ['rulebook', 'eval', '--rulebook', {ACME!r}, 'examples/douyin-lightning-return.json',"
              " '--format', 'json']\n"
              "import cli\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('yaml', 'lark', 'dsl.text.yamlload', 'dsl.lang.parser', 'dsl.book.loader')"
              " if m in sys.modules), file=sys.stderr)\n")
    for _ in range(2):          # the first run fills the cache
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=FIXTURES)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_fmt_formats_the_overlays_own_expressions_only(invoke: Callable[..., Any], tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text((RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shop = tmp_path / "shop.yaml"
    shop.write_text(textwrap.dedent("""\
        rulebook: shop
        extends: base.yaml
        rules:
          - id: big
            name: {zh: 大额, en: Big}
            source: {ref: shop}
            when: order.paid_amount>1000.00
            action: manual_review
        """), encoding="utf-8")
    before = base.read_text(encoding="utf-8")
    result = invoke("fmt", shop)
    assert result.exit_code == 0, result.stderr
    assert "when: order.paid_amount > 1000.00" in shop.read_text(encoding="utf-8")
    assert base.read_text(encoding="utf-8") == before


def test_the_language_server_reads_a_relative_base_from_the_uri(tmp_path: Path) -> None:
    pytest.importorskip("lsprotocol")
    from dsl.lsp.features import lsp_diagnostics, path_of_uri

    shop = FIXTURES / ACME
    text = shop.read_text(encoding="utf-8").replace("extends: douyin", "extends: ../rulebooks/douyin.yaml")
    assert path_of_uri(shop.as_uri()) == str(shop)
    assert lsp_diagnostics(text, shop.as_uri(), "en") == []
    (found,) = lsp_diagnostics(text, "untitled:Untitled-1", "en")
    assert found.code == "E320" and found.range.start.line == 6


def test_the_workbench_counts_changed_base_examples_apart() -> None:
    pytest.importorskip("starlette")
    from dsl.web import workbench

    status, body = workbench.run_tests((FIXTURES / ACME).read_text(encoding="utf-8"), "acme.yaml", "en",
                                       str(FIXTURES / ACME))
    assert status == 200
    assert (body["passed"], body["failed"], body["changed"]) == (99, 0, 1)
    (changed,) = [e for e in body["examples"] if e["changed"]]
    assert changed["inherited"] and changed["rule"] == "reship_apply"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_eval_summary_counts_an_overlay_under_its_own_id(invoke: Callable[..., Any], jobs: str) -> None:
    """A platform and a shop of it in one run: each rulebook's matches apart, not merged under
    the platform's name."""
    result = invoke("eval", "--platform", "douyin", "--rulebook", ACME, EXAMPLES / "batch.jsonl", "--format", "jsonl",
                    "--no-explain", "--lang", "en", "--jobs", jobs)
    assert result.exit_code == 0, result.stderr
    assert "  douyin/repeat_refund_notice: 1" in result.stderr and "acme/repeat_refund_notice" not in result.stderr
    assert "  douyin/lightning_return: 3" in result.stderr and "  acme/lightning_return: 4" in result.stderr


@pytest.mark.parametrize("explain", [[], ["--no-explain"]], ids=["reasons", "fast-lane"])
def test_the_lines_of_a_platform_and_its_overlay_say_which_rulebook_gave_them(invoke: Callable[..., Any],
                                                                           explain: list[str]) -> None:
    """Both lines of a case said `"platform": "douyin"`: which decisions were the shop's could
    only be guessed from the order of the lines."""
    result = invoke("eval", "--platform", "douyin", "--rulebook", ACME, EXAMPLES / "douyin-lightning-return.json",
                    "--format", "jsonl", *explain)
    first, second = result.stdout.splitlines()
    assert first.startswith('{"case": "DY-LR-0001", "platform": "douyin", "at": ')      # the platform's: as before
    assert second.startswith('{"case": "DY-LR-0001", "platform": "douyin", "rulebook": "acme", "at": ')
    text = invoke("eval", "--platform", "douyin", "--rulebook", ACME, EXAMPLES / "douyin-lightning-return.json").stdout
    assert "case DY-LR-0001 · douyin · at" in text and "case DY-LR-0001 · acme (douyin) · at" in text
