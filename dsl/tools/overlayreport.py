"""What a shop overlay changes, in words: the report `rulebook check` prints for an overlay,
and the lines `rulebook test` gives its examples (a base example whose outcome the overlay
changes is listed, not failed)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dsl.diagnostics import Phrase
from dsl.tools.report import example_failure

if TYPE_CHECKING:
    from dsl.book.model import Rulebook
    from dsl.book.overlaymodel import Overlay, RuleChange
    from dsl.tools.examples import Coverage, ExampleOutcome


def overlay_report(model: Rulebook, lang: str = "en") -> str:
    """Parameters old → new, rules added / disabled / overridden with their reasons, the
    examples the overlay gives the base's rules; empty for a rulebook that extends nothing."""
    overlay = model.overlay
    if overlay is None:
        return ""
    if lang == "both":   # English, then Chinese: a report, not one message
        return overlay_report(model, "en") + "\n" + overlay_report(model, "zh")
    say = lambda key, **args: Phrase(key, **args).label(lang)   # noqa: E731 - one line per report line
    lines = [say("overlay.head", id=overlay.id, base=overlay.extends, file=overlay.base)]
    if overlay.params:
        lines.append("  " + say("overlay.params"))
        lines += ["    " + (say("overlay.param_new", name=p.name, new=p.new) if p.old is None else
                            say("overlay.param_changed", name=p.name, old=p.old, new=p.new)) for p in overlay.params]
    if overlay.rules:
        lines.append("  " + say("overlay.rules"))
        lines += ["    " + _rule_line(overlay, change, lang) for change in overlay.rules]
    if overlay.examples:
        lines.append("  " + say("overlay.examples"))
        lines += ["    " + say("overlay.example_" + e.kind, rule=e.rule, name=e.name) for e in overlay.examples]
    if not (overlay.params or overlay.rules or overlay.examples):
        lines.append("  " + say("overlay.nothing"))
    return "\n".join(lines)


def _rule_line(overlay: Overlay, change: RuleChange, lang: str) -> str:
    if change.kind == "added":
        where = f"{overlay.file}:{change.span.line}" if change.span else overlay.file
        return Phrase("overlay.rule_added", id=change.rule, where=where).label(lang)
    where = f"{change.base_file}:{change.base_line}" if change.base_line else str(change.base_file)
    return Phrase("overlay.rule_" + change.kind, id=change.rule, where=where, reason=change.reason).label(lang)


def example_changed(outcome: ExampleOutcome, lang: str = "en") -> str:
    """A base example whose outcome the overlay changes: where it is, what the base expects
    and what the overlay gives, and how to assert the overlay's outcome."""
    text = example_failure(outcome, lang).split("\n", 1)
    head = Phrase("test.changed", rule=outcome.rule, name=outcome.example.name).label(lang)
    hint = Phrase("test.changed_hint", rule=outcome.rule, name=outcome.example.name).label(lang)
    return "\n".join([f"{outcome.location}: {head}", *text[1:], "    " + hint])


def test_file_line(model: Rulebook, outcomes: list[ExampleOutcome], coverage: Coverage, lang: str) -> str:
    """`N/M examples passed, coverage P%`; for an overlay also how many are its own, how many
    its base's, and how many of those it changes."""
    passed = sum(o.passed for o in outcomes)
    if model.overlay is None:
        return Phrase("test.file", passed=passed, total=len(outcomes), percent=coverage.percent).label(lang)
    inherited = sum(o.inherited for o in outcomes)
    return Phrase("test.file_overlay", passed=passed, total=len(outcomes), own=len(outcomes) - inherited,
                  inherited=inherited, base=Path(model.overlay.base).stem, changed=sum(o.listed() for o in outcomes),
                  percent=coverage.percent).label(lang)
