"""Every example of every rulebook in rulebooks/ as its own pytest item."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from dsl import DslError, load_rulebook
from dsl.testing import ExampleOutcome, run_examples

from conftest import RULEBOOKS

FILES = sorted(RULEBOOKS.glob("*.yaml"))


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


def test_examples_were_collected() -> None:
    assert len(FILES) >= 3
    assert len(EXAMPLES) > 100


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
