"""Shared fixtures: parse / check / compile helpers, a CLI runner, temporary rulebooks.

The engine's tests run in `tests/fixtures/`, a frozen checkout (see its README): `-p douyin` and
`load_rulebook("douyin")` find the fixture rulebooks there. The shipped `rulebooks/` are data an
operations person edits; only tests/test_examples.py reads them, and a guard below fails any
other test that opens a file in that folder.
"""
from __future__ import annotations

import json
import os
import sys
import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:          # the package is used from the checkout, not installed
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from dsl import parse_expr  # noqa: E402
from dsl.lang.checker import Param, Scope, check_expr  # noqa: E402
from dsl.engine.python.codegen import compile_expr  # noqa: E402
from dsl.lang.interpreter import Env, interpret  # noqa: E402
from dsl.lang.types import BOOL, DURATION, INT, MONEY, STR, TIMESTAMP, list_of  # noqa: E402
from dsl.lang.values import parse_timestamp  # noqa: E402
from dsl.lang.vocabulary import default_vocabulary  # noqa: E402

#: The frozen checkout the engine's tests run in: fixture rulebooks and case files.
FIXTURES = ROOT / "tests" / "fixtures"
RULEBOOKS = FIXTURES / "rulebooks"
EXAMPLES = FIXTURES / "examples"
#: The shipped rulebooks: data, read only by the modules in SHIPPED_READERS.
SHIPPED_RULEBOOKS = ROOT / "rulebooks"
SHIPPED_READERS = frozenset({"test_examples.py"})

#: The moment expressions are evaluated at unless a test says otherwise.
AT = parse_timestamp("2026-11-05T09:00:00+08:00")

#: Parameters every helper scope knows, as (type, value).
PARAMS: dict[str, tuple[Any, Any]] = {
    "max_amount": (MONEY, Decimal("300.00")),
    "window": (DURATION, timedelta(hours=48)),
    "days": (INT, 7),
    "zero": (INT, 0),
    "flag": (BOOL, True),
    "reasons": (list_of(STR), frozenset({"seven_day_no_reason", "dislike", "wrong_order"})),
    "cutover": (TIMESTAMP, parse_timestamp("2023-09-13T00:00:00+08:00")),
}
PARAM_VALUES: dict[str, Any] = {name: value for name, (_, value) in PARAMS.items()}


def with_raw(base: dict[str, Any], path: str, raw_json: str) -> str:
    """A case document as JSON text: `base` with the field at `path` (objects made on the way)
    holding `raw_json`, JSON text written as is (a number's digits, bad JSON the reader
    must refuse). The SQL backends' tests build their hostile cases with it."""
    doc = json.loads(json.dumps(base))
    *parents, key = path.split(".")
    node = doc
    for name in parents:
        node = node.setdefault(name, {})
    node[key] = "@@"
    return json.dumps(doc, ensure_ascii=False).replace('"@@"', raw_json)


def make_scope() -> Scope:
    return Scope(default_vocabulary(), {n: Param(n, t, v) for n, (t, v) in PARAMS.items()})


def full_view(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A case view with every vocabulary path present (null unless given)."""
    view: dict[str, Any] = {path: None for path in default_vocabulary().paths()}
    view.update(values or {})
    return view


def check_text(text: str) -> tuple[Any, list[Any]]:
    return check_expr(parse_expr(text), make_scope())


def typed_ok(text: str) -> Any:
    typed, diags = check_text(text)
    assert diags == [], f"{text!r} should type-check: {[(d.code, d.args) for d in diags]}"
    return typed


def run_compiled(text: str, view: dict[str, Any] | None = None, kind: str = "value", at: Any = AT) -> Any:
    fn = compile_expr(typed_ok(text), PARAM_VALUES, kind)
    return fn(full_view(view), at)


def run_interpreted(text: str, view: dict[str, Any] | None = None, at: Any = AT) -> Any:
    return interpret(typed_ok(text), Env(full_view(view), PARAM_VALUES, at))


@pytest.fixture
def parse() -> Callable[[str], Any]:
    """`parse("1 + 2")` -> AST (raises DslError)."""
    return parse_expr


@pytest.fixture
def scope() -> Scope:
    return make_scope()


@pytest.fixture
def check() -> Callable[[str], tuple[Any, list[Any]]]:
    """`check("order.paid_amount <= 300")` -> (typed tree, diagnostics)."""
    return check_text


@pytest.fixture
def compile_and_run() -> Callable[..., Any]:
    """`compile_and_run(text, view, kind="value"|"truth", at=AT)` with the helper parameters."""
    return run_compiled


@pytest.fixture
def interpret_text() -> Callable[..., Any]:
    return run_interpreted


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli_main() -> Any:
    from cli import main
    return main


@pytest.fixture
def invoke(runner: CliRunner, cli_main: Any) -> Callable[..., Any]:
    """Run the CLI in-process. A crash is never an answer: no exception but SystemExit, no traceback."""
    def run(*args: Any, input: str | None = None) -> Any:
        result = runner.invoke(cli_main, [str(a) for a in args], input=input, catch_exceptions=True)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not crashed, f"crashed: {result.exception!r}\n{result.stderr}"
        assert "Traceback" not in result.stdout + result.stderr
        return result
    return run


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """The one SparkSession of the test run (a JVM takes 10-20 s to start; every Spark test
    shares it, and `rulebook eval --engine spark` run in-process finds it). Skipped without
    pyspark (`pip install -e ".[test,spark]"`)."""
    pytest.importorskip("pyspark")
    from dsl.engine.sql.sparkrun import session

    return session()


@pytest.fixture
def in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, as the README's commands do (shipped rulebooks: test_examples.py only)."""
    monkeypatch.chdir(ROOT)


# -- the engine's tests do not read the shipped rulebooks ----------------------------------

_SHIPPED_PREFIX = os.path.join(os.path.realpath(SHIPPED_RULEBOOKS), "")
#: Files of rulebooks/ opened by an engine test (or its module's import); None when not guarding.
_opened_shipped: list[str] | None = None


class ShippedRulebookRead(RuntimeError):
    """Raised inside `open` (not an OSError, so no loader turns it into a diagnostic)."""


def _guard_shipped(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: refuse to open a shipped rulebook while an engine test runs."""
    if _opened_shipped is None or event != "open" or not args:
        return
    name = args[0]
    if isinstance(name, (str, bytes, os.PathLike)):
        name = os.fsdecode(name)
        maybe = "rulebooks" in name or not os.path.isabs(name)        # cheap filter: realpath only then
        if maybe and os.path.realpath(name).startswith(_SHIPPED_PREFIX):
            _opened_shipped.append(name)
            raise ShippedRulebookRead(f"an engine test opened the shipped {name}: use the fixtures in {RULEBOOKS}")


sys.addaudithook(_guard_shipped)


def _is_engine_test(path: Path) -> bool:
    return path.name not in SHIPPED_READERS


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """Importing an engine test module must not read the shipped rulebooks either."""
    global _opened_shipped
    guard = isinstance(collector, pytest.Module) and _is_engine_test(collector.path)
    if guard:
        _opened_shipped = []
    try:
        yield
    finally:
        if guard:
            _opened_shipped = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Any:
    """An engine test (its fixtures too, of any scope) runs in tests/fixtures/, guarded."""
    global _opened_shipped
    if not _is_engine_test(item.path):
        yield
        return
    cwd = os.getcwd()
    os.chdir(FIXTURES)
    _opened_shipped = []
    try:
        yield
    finally:
        _opened_shipped = None
        os.chdir(cwd)


@pytest.fixture(autouse=True)
def _no_shipped_rulebook_read() -> Any:
    """Fail the test even if the code under test swallowed ShippedRulebookRead."""
    yield
    opened = list(_opened_shipped or [])
    assert not opened, f"read the shipped rulebooks (use {RULEBOOKS}): {sorted(set(opened))}"


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects of `eval --format json` output, one a line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_jsonl(path: Path, docs: list[dict[str, Any]]) -> Path:
    """Case documents as a JSON Lines file at `path`."""
    path.write_text("".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs), encoding="utf-8")
    return path


# -- temporary rulebooks -------------------------------------------------------------------

RULEBOOK_HEAD = """\
rulebook: demo
name: {zh: 演示, en: Demo}
parameters:
  max_amount: 300.00
  window: 48h
rules:
"""


def rule_yaml(rule_id: str = "r1", when: str = "- order.paid_amount <= params.max_amount",
              extra: str = "") -> str:
    """One rule as YAML (indented for the `rules:` list). `when` is the text under `when:`."""
    body = textwrap.indent(textwrap.dedent(when).strip("\n"), " " * 6)
    text = (f"  - id: {rule_id}\n"
            f"    name: {{zh: 规则, en: Rule}}\n"
            f"    source: {{seed: s.txt}}\n"
            f"    when:\n{body}\n"
            f"    action: approve\n")
    if extra:
        text += textwrap.indent(textwrap.dedent(extra).strip("\n"), " " * 4) + "\n"
    return text


@pytest.fixture
def write_rulebook(tmp_path: Path) -> Callable[..., Path]:
    """`write_rulebook(text, name="demo.yaml")` -> path; text as given (bytes written as is)."""
    def write(text: str | bytes, name: str = "demo.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path
    return write
