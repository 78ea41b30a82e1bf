"""Hostile input: hand-typed rulebooks (IME slips, YAML 1.1 traps, bombs) and exported cases.

Every malformed input must be rejected with a located message, or handled in a documented
safe way; none may crash with a traceback, hang, exhaust memory or be silently misread.

Corpus: tests/hostile/rulebooks/*.yaml start with `# expect: CODE line:col, ...` (exactly the
errors `rulebook check` must report, or `ok`) and may end with `# stderr: fragment` lines
(text the report must contain: character names, the ASCII replacement, ...).
tests/hostile/cases/* are case files; CASE_EXPECT below says what `rulebook eval` does with each.
Huge and binary inputs are generated at test time (in tmp_path) and run in a subprocess with a
timeout and a memory limit.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dsl import DslError, check_rulebook, parse_expr
from dsl.cases.document import parse_case
from dsl.lang.vocabulary import default_vocabulary

from conftest import EXAMPLES, FIXTURES, ROOT, json_lines

HOSTILE = Path(__file__).resolve().parent.parent / "hostile"
RULEBOOK_CORPUS = sorted((HOSTILE / "rulebooks").glob("*.yaml"))
CASE_DIR = HOSTILE / "cases"
DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning) (?P<code>E\d{3}):", re.M)
SUMMARY = re.compile(r"(\d+) case\(s\) read: (\d+) evaluated, (\d+) could not be read")
TIMEOUT = 15            # seconds for one subprocess; every limit of the README is far below it
MEMORY = 2 * 1024 ** 3  # bytes of address space for one subprocess

GOOD_CASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))


# -- helpers --------------------------------------------------------------------------------

def run_cli(*args: Any, cwd: Path = FIXTURES, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`python cli.py ARGS` with a time and memory limit; fails the test on a hang."""
    def limit() -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    try:
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`rulebook {' '.join(map(str, args))[:80]}` did not finish within {timeout} s (hang)")
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "MemoryError" not in out and "RecursionError" not in out, out[-3000:]
    return proc


def reported(stderr: str) -> set[tuple[str, int, int]]:
    return {(m["code"], int(m["line"]), int(m["col"])) for m in DIAG.finditer(stderr) if m["sev"] == "error"}


def header(path: Path) -> tuple[set[tuple[str, int, int]] | None, list[str]]:
    """(expected errors or None for `ok`, stderr fragments) from a corpus file's comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    spec = lines[0][len("# expect: "):].strip()
    fragments = [line[len("# stderr: "):] for line in lines if line.startswith("# stderr: ")]
    if spec == "ok":
        return None, fragments
    expected = set()
    for item in spec.split(","):
        code, pos = item.split()
        line, col = pos.split(":")
        expected.add((code, int(line), int(col)))
    return expected, fragments


def assert_check(result_code: int, stderr: str, expected: set[tuple[str, int, int]] | None,
                 fragments: list[str], name: str) -> None:
    if expected is None:
        assert result_code == 0, stderr
        assert reported(stderr) == set()
    else:
        assert result_code == 1, stderr
        assert reported(stderr) == expected, f"{name}: got {sorted(reported(stderr))}\n{stderr}"
    for fragment in fragments:
        assert fragment in stderr, f"{name}: {fragment!r} missing from\n{stderr}"


def write_case(tmp_path: Path, name: str, case: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def summary_of(stderr: str) -> tuple[int, int, int]:
    match = SUMMARY.search(stderr)
    assert match, stderr
    read, evaluated, rejected = map(int, match.groups())
    assert read == evaluated + rejected, stderr
    return read, evaluated, rejected


json_objects = json_lines


def test_corpus_is_present() -> None:
    assert len(RULEBOOK_CORPUS) >= 30 and len(list(CASE_DIR.iterdir())) >= 25


# -- rulebook corpus --------------------------------------------------------------------------

@pytest.mark.parametrize("path", RULEBOOK_CORPUS, ids=[p.stem for p in RULEBOOK_CORPUS])
def test_rulebook_corpus(invoke: Any, path: Path) -> None:
    """Each file is rejected with exactly its expected errors, at file:line:col, in one report."""
    expected, fragments = header(path)
    result = invoke("check", "--lang", "en", path)
    assert_check(result.exit_code, result.stderr, expected, fragments, path.name)
    for code, line, col in expected or ():
        assert f"{path}:{line}:{col}: error {code}" in result.stderr


@pytest.mark.parametrize("path", RULEBOOK_CORPUS, ids=[p.stem for p in RULEBOOK_CORPUS])
def test_rulebook_corpus_library_agrees(path: Path) -> None:
    """check_rulebook() returns the same located diagnostics the CLI prints (and never raises)."""
    expected, _ = header(path)
    diags = check_rulebook(path)
    got = {(d.code, d.span.line, d.span.col) for d in diags if d.severity == "error" and d.span}
    assert got == (expected or set())
    assert all(d.file == str(path) for d in diags)


def _bytes_variant(path: Path, kind: str) -> bytes:
    text = path.read_text(encoding="utf-8")
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


SAMPLE = ["valid", "fullwidth_less_equal", "duplicate_key", "all_errors_in_one_report", "yaml11_no", "tabs"]


@pytest.mark.parametrize("kind", ["crlf", "bom", "bom+crlf"])
@pytest.mark.parametrize("name", SAMPLE)
def test_bom_and_crlf_are_accepted_and_positions_do_not_move(invoke: Any, tmp_path: Path, name: str,
                                                               kind: str) -> None:
    source = HOSTILE / "rulebooks" / f"{name}.yaml"
    expected, fragments = header(source)
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(_bytes_variant(source, kind))
    result = invoke("check", "--lang", "en", path)
    assert_check(result.exit_code, result.stderr, expected, fragments, f"{name} ({kind})")
    assert "\r" not in result.stderr, "the caret line must not carry the CR"


def test_truly_empty_file(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    result = invoke("check", "--lang", "en", path)
    assert result.exit_code == 1
    assert reported(result.stderr) == {("E302", 1, 1)}


@pytest.mark.parametrize("data, detail", [
    ("# x\n".encode("utf-16"), "UTF-8"),
    (b"rulebook: demo\nrules: []\nname: \xff\xfe\n", "UTF-8"),
], ids=["utf16", "latin1-bytes"])
def test_rulebook_not_utf8(invoke: Any, tmp_path: Path, data: bytes, detail: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    result = invoke("check", "--lang", "en", path)
    assert result.exit_code == 1
    assert "E309" in result.stderr and detail in result.stderr and str(path) in result.stderr


def test_bare_date_in_text_stays_the_text_written(write_rulebook: Any) -> None:
    """YAML 1.1 would turn `2026-01-01` into a date object; here it is exactly the text written."""
    text = (HOSTILE / "rulebooks" / "valid.yaml").read_text(encoding="utf-8")
    text = text.replace("rules:\n", "description: 2026-01-01\nrules:\n").replace("seed: s.txt", "seed: 2026-01-02")
    from dsl.book.loader import load_model

    model, diags = load_model(write_rulebook(text))
    assert [d for d in diags if d.severity == "error"] == []
    assert model is not None and model.rules[0].source == {"seed": "2026-01-02"}


# -- expression limits (in-process: fast) -----------------------------------------------------

@pytest.mark.parametrize("text", [
    "(" * 5000 + "true" + ")" * 5000,
    "(" * 4000 + "true" + ")" * 4000,
    "-" * 5000 + "1 > 0",
    "not " * 2400 + "true",
    "[" * 3000 + "]" * 3000,
    "1+" * 2000 + "1 > 0",
    "1+" * 4999 + "1 > 0",
    "max(" * 2000 + "1" + ")" * 2000,
    "x" * 20_000,
], ids=["paren-5000", "paren-4000", "minus-5000", "not-2400", "list-3000", "sum-2000", "sum-5000", "call-2000",
        "name-20000"])
def test_deep_or_long_expression_is_e107(text: str) -> None:
    with pytest.raises(DslError) as info:
        parse_expr(text)
    assert info.value.code == "E107"
    assert info.value.span is not None and info.value.span.line == 1


def test_deep_expression_in_a_rulebook_is_located(invoke: Any, tmp_path: Path) -> None:
    text = (HOSTILE / "rulebooks" / "valid.yaml").read_text(encoding="utf-8")
    deep = "(" * 4000 + "order.paid_amount > 0" + ")" * 4000
    path = tmp_path / "deep.yaml"
    path.write_text(text.replace("- order.status == 'completed'", "- " + deep), encoding="utf-8")
    result = invoke("check", "--lang", "en", path)
    assert result.exit_code == 1
    assert reported(result.stderr) == {("E107", 13, 9)}


# -- huge and bomb rulebooks (subprocess, time and memory bounded) ----------------------------

def _valid_text() -> str:
    return (HOSTILE / "rulebooks" / "valid.yaml").read_text(encoding="utf-8")


def _many_rules(count: int) -> str:
    rule = ("  - id: r{i}x\n    name: {{zh: 规则, en: Rule}}\n    source: {{seed: s.txt}}\n"
            "    when: order.paid_amount <= params.max_amount\n    action: approve\n")
    return _valid_text() + "".join(rule.format(i=i) for i in range(count))


def test_alias_bomb_is_e310(tmp_path: Path) -> None:
    """Billion laughs: 10 levels of 10 aliases each; rejected quickly, never expanded."""
    lines = ["    a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text(_valid_text() + "base_case:\n  x:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    proc = run_cli("check", "--lang", "en", path)
    assert proc.returncode == 1
    assert "E310" in proc.stderr and "1000000 nodes" in proc.stderr.replace(",", "")


def test_alias_bomb_of_expressions_is_bounded(tmp_path: Path) -> None:
    """20,000 aliases of one 8,000-character condition: a 230 KB file must not take minutes."""
    expr = "(" + " and ".join(["order.paid_amount <= params.max_amount"] * 200) + ")"
    text = _valid_text().replace("rules:\n", f'description: &e "{expr}"\nrules:\n', 1)
    text = text.replace("      - order.status == 'completed'\n", "      - *e\n" * 20_000)
    path = tmp_path / "expr-bomb.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli("check", "--lang", "en", path)
    assert proc.returncode in (0, 1)
    assert proc.returncode == 0 or "E310" in proc.stderr or "E107" in proc.stderr, proc.stderr[-2000:]


@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, "{a: " * 5000 + "1" + "}" * 5000],
                         ids=["flow-lists", "flow-maps"])
def test_deeply_nested_yaml_is_e310(tmp_path: Path, nesting: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(_valid_text() + "base_case: " + nesting + "\n", encoding="utf-8")
    proc = run_cli("check", "--lang", "en", path)
    assert proc.returncode == 1
    assert "E310" in proc.stderr and "200" in proc.stderr


def test_50_mb_rulebook_is_e310(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as out:
        out.write(_valid_text())
        out.write("description: |\n")
        line = "      " + "x" * 1000 + "\n"
        for _ in range(51 * 1024):
            out.write(line)
    assert path.stat().st_size > 50 * 1024 * 1024
    proc = run_cli("check", "--lang", "en", path)
    assert proc.returncode == 1
    assert f"{path}:1:1: error E310" in proc.stderr and "limit" in proc.stderr


def test_large_valid_rulebook_checks_in_seconds(tmp_path: Path) -> None:
    """8,000 rules (about 1 MB, a twentieth of the 20 MB limit) must check within the timeout."""
    path = tmp_path / "large.yaml"
    path.write_text(_many_rules(8000), encoding="utf-8")
    proc = run_cli("check", "--lang", "en", path)
    assert proc.returncode in (0, 1)
    assert reported(proc.stderr) == set(), proc.stderr[-2000:]


# -- case corpus ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseExpect:
    """exit code, stderr fragments (`{f}` is the file path), JSON results on stdout, rejected count."""

    exit: int
    fragments: tuple[str, ...]
    results: int
    rejected: int = 0


FIELD = "{f}: error E402: case %s: field %s: "
CASE_EXPECT: dict[str, CaseExpect] = {
    # unreadable files and documents: rejected, named by file (and line:col for bad JSON)
    "malformed_trailing_comma.json": CaseExpect(1, ("{f}:8:31: error E401: malformed JSON",), 0, 1),
    "empty.json": CaseExpect(1, ("{f}: error E401: the file is empty",), 0, 1),
    "whitespace_only.json": CaseExpect(1, ("{f}: error E401: the file is empty",), 0, 1),
    "array_of_non_objects.json": CaseExpect(1, ("{f}[0]: error E401:", "a case is a JSON object, not a number",
                                                "{f}[1]: error E401:", "not text", "{f}[2]: error E401:", "not null"), 0, 3),
    "scalar.json": CaseExpect(1, ("{f}: error E401:", "a case is a JSON object, not text"), 0, 1),
    "missing_order.json": CaseExpect(1, ("{f}: error E401: case HC-NO-ORDER: missing 'order'",), 0, 1),
    "order_not_object.json": CaseExpect(1, ("{f}: error E401: case HC-ORDER-TEXT: 'order' must be an object",), 0, 1),
    "yaml11_no.yaml": CaseExpect(1, ("{f}:6:13: error E401:", "'no'"), 0, 1),
    # amounts: bare NaN / Infinity are not JSON (the document is rejected); everything else is a field error
    "amount_nan_bare.json": CaseExpect(1, ("{f}: error E401: malformed JSON: NaN is not allowed",), 0, 1),
    "amount_infinity_bare.json": CaseExpect(1, ("{f}: error E401: malformed JSON: -Infinity is not allowed",), 0, 1),
    "amount_nan_string.json": CaseExpect(1, (FIELD % ("HC-AMT-NAN-S", "order.paid_amount") + "'NaN' is not an amount",), 1),
    "amount_infinity_string.json": CaseExpect(1, (FIELD % ("HC-AMT-INF-S", "order.paid_amount") + "'Infinity'",), 1),
    "amount_negative.json": CaseExpect(1, (FIELD % ("HC-AMT-NEG", "order.paid_amount") + "-1.00 is below the minimum 0",), 1),
    "amount_abc.json": CaseExpect(1, (FIELD % ("HC-AMT-ABC", "order.paid_amount") + "'abc' is not an amount",), 1),
    "amount_fullwidth_digits.json": CaseExpect(1, (FIELD % ("HC-AMT-FW", "order.paid_amount") + "'３００.００'",), 1),
    # a JSON float is read exactly as written: 0.30000000000000004 has 17 decimals, so it is rejected
    "amount_float_repr.json": CaseExpect(1, (FIELD % ("HC-AMT-FLOAT", "order.paid_amount") + "0.30000000000000004 has more than 2 decimals",), 1),
    "amount_three_decimals.json": CaseExpect(1, (FIELD % ("HC-AMT-3DP", "order.paid_amount") + "'12.345' has more than 2 decimals",), 1),
    # trailing zeros are not extra precision; an exponent is an exact number (150)
    "amount_trailing_zero_decimals.json": CaseExpect(0, (), 1),
    "amount_exponent.json": CaseExpect(0, (), 1),
    # timestamps
    "timestamp_no_offset.json": CaseExpect(0, (), 1),
    "timestamp_utc.json": CaseExpect(0, (), 1),
    "timestamp_garbage.json": CaseExpect(1, (FIELD % ("HC-TS-BAD", "order.signed_at") + "'2026-13-45'", "month"), 1),
    "timestamp_not_text.json": CaseExpect(1, (FIELD % ("HC-TS-NUM", "order.signed_at") + "20261101 is not a timestamp",), 1),
    # wrong types
    "count_as_word.json": CaseExpect(1, (FIELD % ("HC-INT-WORD", "order.aftersale_count") + "'five' is not a whole number",), 1),
    "count_fractional.json": CaseExpect(1, (FIELD % ("HC-INT-FRAC", "order.aftersale_count") + "1.5 is not a whole number",), 1),
    "bool_as_yes.json": CaseExpect(1, (FIELD % ("HC-BOOL-YES", "order.domestic") + "'yes' is not true or false", "write true or false"), 1),
    "enum_typo.json": CaseExpect(1, (FIELD % ("HC-ENUM", "order.status") + "'shiped'", "did you mean 'shipped'?"), 1),
    # a batch with bad lines interleaved: see also test_jsonl_batch_with_bad_lines
    "batch_mixed.jsonl": CaseExpect(1, ("{f}:2: error E401: malformed JSON", "{f}:4: error E401:", "{f}:5: error E401: case HC-B-NOORDER",
                                        "{f}:8: error E401:", "{f}:9: error E401: malformed JSON: NaN", "{f}:10: error E402: case HC-B-FIELD: field order.paid_amount",
                                        "{f}:11: error E401: malformed JSON"), 5, 6),
}


def test_every_case_file_has_an_expectation() -> None:
    assert {p.name for p in CASE_DIR.iterdir()} == set(CASE_EXPECT)


@pytest.mark.parametrize("name", sorted(CASE_EXPECT))
def test_case_corpus(invoke: Any, name: str) -> None:
    expect = CASE_EXPECT[name]
    path = CASE_DIR / name
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == expect.exit, result.stderr
    for fragment in expect.fragments:
        assert fragment.format(f=path) in result.stderr, f"{fragment.format(f=path)!r} not in\n{result.stderr}"
    objs = json_objects(result.stdout)
    assert len(objs) == expect.results
    read, evaluated, rejected = summary_of(result.stderr)
    assert (evaluated, rejected) == (expect.results, expect.rejected)
    for obj in objs:
        assert obj["platform"] == "douyin" and obj["results"]


def _result(obj: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(r for r in obj["results"] if r["rule"] == rule)


def test_field_error_only_affects_rules_reading_it(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", CASE_DIR / "timestamp_garbage.json")
    obj = json_objects(result.stdout)[0]
    lightning = _result(obj, "lightning_return")
    assert lightning["matched"] is False and "order.signed_at" in lightning.get("error", "")
    assert _result(obj, "repeat_aftersale")["matched"] is True    # does not read signed_at


@pytest.mark.parametrize("name, at", [("timestamp_no_offset.json", "2026-11-04T21:30:00+08:00"),
                                      ("timestamp_utc.json", "2026-11-04T21:30:00+08:00")])
def test_timestamp_offsets(invoke: Any, name: str, at: str) -> None:
    """No offset means Beijing time; Z is converted to Beijing time."""
    obj = json_objects(invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", CASE_DIR / name).stdout)[0]
    assert obj["at"] == at
    assert _result(obj, "lightning_return")["matched"] is True


def test_exponent_amount_is_exact(invoke: Any) -> None:
    obj = json_objects(invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", CASE_DIR / "amount_exponent.json").stdout)[0]
    assert _result(obj, "lightning_return")["matched"] is True        # 1.5e2 == 150 <= 300


def test_utf16_case_file(invoke: Any, tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.json"
        path.write_bytes(json.dumps(GOOD_CASE).encode(encoding))
        result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
        assert result.exit_code == 1
        assert f"{path}: error E401:" in result.stderr and "UTF-16" in result.stderr
        assert json_objects(result.stdout) == []


def test_bom_and_crlf_case_files_are_accepted(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD_CASE, indent=2).replace("\n", "\r\n").encode("utf-8"))
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 0, result.stderr
    assert len(json_objects(result.stdout)) == 1


def test_deeply_nested_json_case(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"id": "D", "order": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert f"{path}: error E401: malformed JSON: nested too deeply" in result.stderr


def test_deeply_nested_json_line(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    good = json.dumps(GOOD_CASE)
    path.write_text(good + "\n" + '{"order": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001 + "\n" + good + "\n",
                    encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert f"{path}:2: error E401: malformed JSON: nested too deeply" in result.stderr
    assert len(json_objects(result.stdout)) == 2


@pytest.mark.parametrize("path_in_order, value, fragment", [
    ("category", "x" * 5_000_000, None),                              # text field: kept, evaluated
    ("signed_at", "2" * 5_000_000, "is not a timestamp (too long)"),
    ("paid_amount", "9" * 5_000_000, "is not an amount (too long)"),
    ("status", "s" * 5_000_000, "is not a known order status"),
], ids=["category", "timestamp", "amount", "enum"])
def test_multi_megabyte_string_field(invoke: Any, tmp_path: Path, path_in_order: str, value: str,
                                     fragment: str | None) -> None:
    case = copy.deepcopy(GOOD_CASE)
    case["order"][path_in_order] = value
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", write_case(tmp_path, "big.json", case))
    assert len(json_objects(result.stdout)) == 1
    assert len(result.stderr) < 10_000, "the message must not echo megabytes"
    if fragment:
        assert result.exit_code == 1 and f"field order.{path_in_order}" in result.stderr and fragment in result.stderr
    else:
        assert result.exit_code == 0, result.stderr[:2000]


def test_huge_integer_literal_is_a_clear_error(invoke: Any, tmp_path: Path) -> None:
    """A 100,000-digit number: rejected with a message for people, not Python's int-conversion advice."""
    text = json.dumps(GOOD_CASE).replace('"aftersale_count": 0', '"aftersale_count": ' + "9" * 100_000)
    path = tmp_path / "bigint.json"
    path.write_text(text, encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert f"{path}" in result.stderr and "aftersale_count" in result.stderr or "digits" in result.stderr
    assert "sys.set_int_max_str_digits" not in result.stderr


# -- JSON Lines batches -----------------------------------------------------------------------

def test_jsonl_batch_with_bad_lines(invoke: Any) -> None:
    path = CASE_DIR / "batch_mixed.jsonl"
    lines = path.read_text(encoding="utf-8").split("\n")
    good = [json.loads(lines[i])["id"] for i in (0, 2, 6, 9, 11)]
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert [o["case"] for o in json_objects(result.stdout)] == good     # every good line, in order
    bad_lines = {int(m) for m in re.findall(rf"^{re.escape(str(path))}:(\d+): error E40[12]:", result.stderr, re.M)}
    assert bad_lines == {2, 4, 5, 8, 9, 10, 11}                          # line 6 is blank: skipped
    assert summary_of(result.stderr) == (11, 5, 6)


def test_jsonl_batch_in_parallel_reports_the_same(tmp_path: Path) -> None:
    path = CASE_DIR / "batch_mixed.jsonl"
    proc = run_cli("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--jobs", "2", path)
    assert proc.returncode == 1
    assert len(json_objects(proc.stdout)) == 5
    assert summary_of(proc.stderr) == (11, 5, 6)
    for line in (2, 4, 5, 8, 9, 10, 11):
        assert f"{path}:{line}: error E40{2 if line == 10 else 1}:" in proc.stderr


def test_jsonl_with_bom_and_crlf(invoke: Any, tmp_path: Path) -> None:
    lines = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 0, result.stderr
    assert len(json_objects(result.stdout)) == 3


def test_jsonl_line_with_invalid_utf8_does_not_stop_the_batch(invoke: Any, tmp_path: Path) -> None:
    """One line of bad bytes (a GBK export pasted in) is one rejected line; the others are evaluated."""
    lines = [line.encode("utf-8") for line in (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()[:4]]
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b"\n".join(lines[:2] + ['{"id": "坏"}'.encode("gbk")] + lines[2:]) + b"\n")
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert f"{path}:3: error E401:" in result.stderr and "UTF-8" in result.stderr
    assert len(json_objects(result.stdout)) == 4
    assert summary_of(result.stderr) == (5, 4, 1)


def test_jsonl_overlong_line_is_rejected_and_the_batch_goes_on(tmp_path: Path) -> None:
    good = json.dumps(GOOD_CASE)
    path = tmp_path / "long.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.write(good + "\n")
        out.write('{"id": "' + "x" * (11 * 1024 * 1024) + '"}\n')
        out.write(good + "\n")
    proc = run_cli("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert proc.returncode == 1
    assert f"{path}:2: error E401: line longer than" in proc.stderr
    assert len(json_objects(proc.stdout)) == 2
    assert summary_of(proc.stderr) == (3, 2, 1)


def test_case_errors_carry_their_code(invoke: Any) -> None:
    """Case problems are catalogued as E4xx (dsl/diagnostics.py: E401 case, E402 field); the report says which."""
    field = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", CASE_DIR / "amount_abc.json")
    assert "E402" in field.stderr
    fatal = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", CASE_DIR / "missing_order.json")
    assert "E401" in fatal.stderr


# -- amounts, one value at a time (library) ---------------------------------------------------

def _problems(order: dict[str, Any]) -> dict[str, str]:
    case = copy.deepcopy(GOOD_CASE)
    case["order"].update(order)
    parsed = parse_case(case, default_vocabulary(), "t")
    assert parsed.fatal is None
    return {p.path: p.detail for p in parsed.problems}


@pytest.mark.parametrize("raw, expected", [
    ("129.90", Decimal("129.90")), (Decimal("129.9"), Decimal("129.9")), (300, Decimal(300)),
    (" 12.30 ", Decimal("12.30")), ("12.300", Decimal("12.300")), (0.3, Decimal("0.3")), ("+5", Decimal(5)),
    (Decimal("1E+2"), Decimal(100)), ("0", Decimal(0)),
], ids=str)
def test_amount_accepted(raw: Any, expected: Decimal) -> None:
    case = copy.deepcopy(GOOD_CASE)
    case["order"]["paid_amount"] = raw
    parsed = parse_case(case, default_vocabulary(), "t")
    assert parsed.problems == []
    assert parsed.view["order.paid_amount"] == expected


@pytest.mark.parametrize("raw, detail", [
    (Decimal("NaN"), "is not an amount"), (Decimal("Infinity"), "is not an amount"), (float("nan"), "not an amount"),
    (float("inf"), "not an amount"), ("-0.01", "below the minimum"), (-1, "below the minimum"),
    ("abc", "is not an amount"), ("３００", "is not an amount"), ("1,299.00", "is not an amount"),
    ("¥12.00", "is not an amount"), ("12.30元", "is not an amount"), ("", "is not an amount"),
    (0.30000000000000004, "more than 2 decimals"), ("0.001", "more than 2 decimals"), (True, "is not an amount"),
    ([1], "is not an amount"), ({"v": 1}, "is not an amount"),
], ids=lambda v: repr(v)[:20])
def test_amount_rejected_naming_the_field(raw: Any, detail: str) -> None:
    problems = _problems({"paid_amount": raw})
    assert "order.paid_amount" in problems and detail in problems["order.paid_amount"], problems


@pytest.mark.parametrize("field, raw, detail", [
    ("aftersale_count", "five", "not a whole number"), ("aftersale_count", "３", "not a whole number"),
    ("aftersale_count", True, "not a whole number"), ("aftersale_count", 1.5, "not a whole number"),
    ("domestic", "yes", "not true or false"), ("domestic", 1, "not true or false"), ("domestic", "true", "not true or false"),
    ("signed_at", "2026-13-45", "month"), ("signed_at", "2026-02-30T10:00:00", "day"), ("signed_at", "yesterday", ""),
    ("signed_at", "２０２６-11-01T10:00:00", ""), ("signed_at", 1730000000, "not a timestamp"),
], ids=lambda v: repr(v)[:20])
def test_wrong_types_named(field: str, raw: Any, detail: str) -> None:
    problems = _problems({field: raw})
    assert f"order.{field}" in problems and detail in problems[f"order.{field}"], problems


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_under_the_output_is_one_line_not_a_traceback(jobs: str) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "eval", "-p", "douyin", "--jobs", jobs,
                               str(EXAMPLES / "batch.jsonl")], cwd=FIXTURES, stdout=full, stderr=subprocess.PIPE,
                              text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "rulebook：错误：磁盘空间已满" in proc.stderr   # the default language; the catalog's words, not the system's


def test_deep_json_is_rejected_the_same_with_workers(tmp_path: Path) -> None:
    """Nesting past 200 levels is rejected by a limit of its own, not by running out of
    stack: the same answer in a worker process (which has less stack left) and no
    RecursionError while handing a parsed document to a worker."""
    path = tmp_path / "deep.json"
    path.write_text('[{"id": "a", "x": ' + "[" * 500 + "]" * 500 + "}]", encoding="utf-8")
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"id": "b", "x": ' + "[" * 250 + "]" * 250 + "}\n" + '{"id": "c", "x": [[["[[[[["]]]}\n',
                     encoding="utf-8")
    for jobs in ("1", "2"):
        for target in (path, lines):
            proc = run_cli("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--jobs", jobs, target)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
            assert "nested too deeply (the limit is 200 levels)" in proc.stderr


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs a file that fails when read")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_fails_partway_is_a_problem_of_that_file(jobs: str) -> None:
    """Reading /proc/self/mem opens and then fails: the cases before it stand, and the
    failure is that file's problem, not the end of the batch."""
    proc = run_cli("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--jobs", jobs,
                   EXAMPLES / "batch.jsonl", "/proc/self/mem", EXAMPLES / "douyin-lightning-return.json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "/proc/self/mem: error E401: cannot read: " in proc.stderr
    assert len(json_objects(proc.stdout)) > 10


def test_a_line_of_nul_bytes_is_rejected_alone_not_taken_for_utf16(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_bytes(b"\x00\n" + json.dumps(GOOD_CASE).encode("utf-8") + b"\n\x00\n")
    result = invoke("eval", "-p", "douyin", "--format", "jsonl", "--no-explain", "--lang", "en", path)
    assert result.exit_code == 1
    assert f"{path}:1: error E401" in result.stderr and f"{path}:3: error E401" in result.stderr
    assert "UTF-16" not in result.stderr
    assert len(json_objects(result.stdout)) == 1
