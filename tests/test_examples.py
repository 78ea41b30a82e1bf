"""The shipped rulebooks, held to the platforms' policies by their own examples.

This is the only test module that reads `rulebooks/` (conftest.SHIPPED_READERS; a guard fails
any other test that opens a file there). The shipped rulebooks are data an ops person edits:
every test here holds for any rulebook whose examples pass, so adding a rule with its
examples, changing a parameter and the examples it affects, or relabelling keeps it green.

- every example of every shipped rulebook is its own pytest item (`rulebook test`);
- content-free structural checks: each file loads, `rulebook check` is clean, it validates
  against the JSON Schema editors use, its examples cover every condition;
- the README's commands run from the checkout (exit code and output shape, not decisions).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from dsl import DslError, check_rulebook, load_rulebook
from dsl.tools.examples import ExampleOutcome, run_examples
from dsl.text.yamlload import load_yaml

from conftest import ROOT, SHIPPED_RULEBOOKS, json_lines

FILES = sorted(SHIPPED_RULEBOOKS.glob("*.yaml"))
CASE_FILES = sorted((ROOT / "examples").glob("*.json"))
SCHEMA_LINE = "# yaml-language-server: $schema="


@lru_cache(maxsize=None)
def outcomes(path: Path) -> tuple[list[ExampleOutcome], Any]:
    """Run a rulebook's examples once; each test item looks up its own outcome."""
    return run_examples(load_rulebook(path))


def _collect() -> list[Any]:
    params: list[Any] = []
    for path in FILES:
        try:
            book = load_rulebook(path)
        except DslError as exc:
            # still collected, so the failure shows: the test loads it again and fails with every diagnostic
            params.append(pytest.param(path, None, None, id=f"{path.stem}::<does not load: {exc.code}>"))
            continue
        for rule in book.model.rules:
            for index, example in enumerate(rule.examples):
                params.append(pytest.param(path, rule.id, index, id=f"{book.platform}::{rule.id}::{example.name}"))
    return params


EXAMPLES = _collect()


# -- the examples ----------------------------------------------------------------------------

def test_examples_were_collected() -> None:
    """An empty or broken collection must not pass as "no example failed"."""
    assert FILES, SHIPPED_RULEBOOKS
    assert {p.values[0] for p in EXAMPLES} == set(FILES)


@pytest.mark.parametrize("path, rule_id, index", EXAMPLES)
def test_example(path: Path, rule_id: str | None, index: int | None) -> None:
    if rule_id is None:
        load_rulebook(path)            # raises with every diagnostic of the file
        return
    found, _ = outcomes(path)
    mine = [o for o in found if o.rule == rule_id]
    outcome = mine[index]
    assert outcome.passed, f"{outcome.location}: {outcome.test_id}\n" + "\n".join(outcome.differences)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_rule_has_a_matching_and_a_non_matching_example(path: Path) -> None:
    found, coverage = outcomes(path)
    missing = [k for k in coverage.missing if "an example that" in k]
    assert missing == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_examples_cover_every_condition(path: Path) -> None:
    _, coverage = outcomes(path)
    assert coverage.missing == []


# -- structure, whatever the content -----------------------------------------------------------

@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_shipped_rulebook_is_clean(path: Path) -> None:
    assert [(d.code, d.span, d.args) for d in check_rulebook(path)] == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_shipped_rulebook_validates_against_the_editors_schema(path: Path) -> None:
    """Line 1 points editors at dsl/book/rulebook.schema.json, which is what `rulebook schema` prints."""
    import jsonschema
    from click.testing import CliRunner
    from cli import main

    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith(SCHEMA_LINE), first
    target = (path.parent / first[len(SCHEMA_LINE):].strip()).resolve()
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert schema == json.loads(CliRunner().invoke(main, ["schema"], catch_exceptions=False).stdout)
    validator = jsonschema.validators.validator_for(schema)(schema)
    data = load_yaml(text, path.name).data
    assert [(list(e.absolute_path), e.message[:200]) for e in validator.iter_errors(data)] == []


# -- the README's commands, from the checkout ----------------------------------------------------

@pytest.mark.usefixtures("in_checkout")
@pytest.mark.parametrize("args", [["check", "rulebooks/"], ["test", "rulebooks/", "--min-coverage", "100"]],
                         ids=["check", "test"])
def test_readme_ci_commands_pass(invoke: Any, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.usefixtures("in_checkout")
def test_readme_first_command_explains_a_case(invoke: Any) -> None:
    """`rulebook eval --platform douyin examples/douyin-lightning-return.json`: a table, one row a rule."""
    result = invoke("eval", "--platform", "douyin", "examples/douyin-lightning-return.json")
    assert result.exit_code == 0, result.stderr
    book = load_rulebook(SHIPPED_RULEBOOKS / "douyin.yaml")
    for rule_id in book.rule_ids:
        assert f"  {rule_id} " in result.stdout, rule_id


@pytest.mark.usefixtures("in_checkout")
@pytest.mark.parametrize("case", CASE_FILES, ids=[p.name for p in CASE_FILES])
def test_readme_case_files_evaluate(invoke: Any, case: Path) -> None:
    """Each examples/PLATFORM-*.json evaluates on its platform: exit 0, one JSON result per rule."""
    platform = case.name.split("-")[0]
    result = invoke("eval", "-p", platform, "--format", "json", f"examples/{case.name}")
    assert result.exit_code == 0, result.stderr
    rule_ids = load_rulebook(SHIPPED_RULEBOOKS / f"{platform}.yaml").rule_ids
    objs = json_lines(result.stdout)
    assert objs
    for obj in objs:
        assert obj["platform"] == platform
        assert [r["rule"] for r in obj["results"]] == rule_ids
        assert all(isinstance(r["matched"], bool) and isinstance(r["why"], list) for r in obj["results"])


# -- diff of a shipped name against its own file (issue 13) -----------------------------------------

def test_shipped_name_next_to_its_file_in_the_checkout(invoke: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `rulebook diff douyin rulebooks/douyin.yaml`, inside the repository: in a
    checkout the package's rulebooks are ./rulebooks, so it is one file, said plainly (not 'same')."""
    monkeypatch.chdir(ROOT)
    result = invoke("diff", "douyin", "rulebooks/douyin.yaml", "--lang", "en")
    import dsl.book.locate

    if dsl.book.locate.packaged_rulebook("douyin") != ROOT / "rulebooks" / "douyin.yaml":
        pytest.skip("an installed package with its own copy of the rulebooks")
    assert result.exit_code == 2
    assert "are the same file" in result.stderr and str(ROOT / "rulebooks" / "douyin.yaml") in result.stderr
