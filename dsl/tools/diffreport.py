"""What `rulebook diff` prints: the text report in zh or en, the JSON report, and one JSON
line per changed or undecidable case and rule (`--format jsonl`, `--changes FILE`).

Every sentence of the report is in the catalog ("whatif.*" in phrases.py), in both languages, so the report follows `--lang`
like `eval` does. Machine output (JSON) keeps the stable English tokens ("no match",
"absent", "error") whatever the language.
"""
from __future__ import annotations

import json
from typing import Any, Final

from dsl.tools.diff import MAX_EXAMPLES, DecisionDiff, Decision, Row, StructureDiff, label
from dsl.diagnostics import Phrase

SHOWN_REJECTIONS: Final = 10


def say(key: str, lang: str, **args: Any) -> str:
    """A piece of the diff report from the catalog (dsl/phrases.py, "whatif.*")."""
    return Phrase("whatif." + key, **args).label("zh" if lang == "zh" else "en")


def word(token: str, lang: str) -> str:
    """A transition's word in the report's language: actions stay as written."""
    return say(token, lang) if token in ("no match", "absent", "error") else token


def rejection_lines(rejections: list[tuple[str, Any]], rejected: int, lang: str) -> list[str]:
    """The first SHOWN_REJECTIONS rejected cases with their reasons, and how many more."""
    lines = [say("rejected", lang, source=s, reason=r) for s, r in rejections[:SHOWN_REJECTIONS]]
    if rejected > SHOWN_REJECTIONS:
        lines.append(say("more_rejected", lang, n=rejected - SHOWN_REJECTIONS))
    return lines


def render_structure(d: StructureDiff, name_a: str, name_b: str, lang: str = "zh") -> str:
    if d.same:
        return say("same", lang, a=name_a, b=name_b)
    lines = [f"--- {name_a}", f"+++ {name_b}"]
    lines += [say("only_in", lang, sign="-", rule=rid, name=name_a) for rid in d.only_a]
    lines += [say("only_in", lang, sign="+", rule=rid, name=name_b) for rid in d.only_b]
    if d.params:
        lines.append(say("parameters", lang))
        lines += [f"  {name}: {va}  →  {vb}" for name, va, vb in d.params]
    for change in d.rules:
        lines.append(say("rule", lang, rule=change.rule))
        for what, va, vb in change.lines:
            lines += [f"  {what}:", f"    - {va}", f"    + {vb}"]
    return "\n".join(lines)


def render_decisions(d: DecisionDiff, lang: str = "zh") -> str:
    lines = [say("read", lang, read=d.cases, compared=d.compared, rejected=d.rejected),
             say("of_compared", lang, compared=d.compared, changed=d.changed_cases, undecided=d.undecided_cases)]
    lines += d.unknown.lines(lang)
    lines += rejection_lines(d.rejections, d.rejected, lang)
    cut = False
    if d.rules():
        lines.append(say("per_rule", lang))
    for rule in d.rules():
        lines.append(say("rule_changes", lang, rule=rule, n=d.per_rule[rule]))
        for (r, a, b), n in sorted(d.transitions.items()):
            if r == rule:
                lines.append(say("transition", lang, a=word(a, lang), b=word(b, lang), n=n)
                             + (say("details", lang) if a == b else ""))
        for row in d.examples.get(rule, []):
            lines.append(say("example", lang, case=row.case, source=row.source, a=_shown(row.a, lang), b=_shown(row.b, lang)))
        cut = cut or d.per_rule[rule] > MAX_EXAMPLES
        counts = d.undecided.get(rule)
        if counts:
            lines.append(say("undecided", lang, both=counts["both"], only_a=counts["only_a"], only_b=counts["only_b"]))
            for row in d.undecided_examples.get(rule, []):
                lines.append(_undecided_line(row, lang))
            cut = cut or sum(counts.values()) > MAX_EXAMPLES
    if cut:
        lines.append(say("more", lang, n=MAX_EXAMPLES))
    return "\n".join(lines)


def _shown(d: Decision | None, lang: str) -> str:
    """A decision for a person: the word, and the deadline when there is one."""
    if d is None:
        return say("absent", lang)
    text = word(d.label, lang)
    if d.deadline is not None:
        from dsl.lang.values import format_timestamp
        text += f" @ {format_timestamp(d.deadline)}"
    if d.outputs:
        from dsl.lang.unparse import const_text
        text += " {" + ", ".join(f"{k}={const_text(v)}" for k, v in d.outputs) + "}"
    return text


def _undecided_line(row: Row, lang: str) -> str:
    a_err, b_err = row.a.error if row.a else None, row.b.error if row.b else None
    side = say("side_both", lang) if a_err and b_err else ("A" if a_err else "B")
    return say("undecided_example", lang, case=row.case, source=row.source, side=side, error=a_err or b_err)


def diff_to_json(s: StructureDiff, d: DecisionDiff | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "only_a": s.only_a, "only_b": s.only_b,
        "parameters": [{"name": n, "a": va, "b": vb} for n, va, vb in s.params],
        "rules": [{"rule": c.rule, "changes": [{"what": w, "a": va, "b": vb} for w, va, vb in c.lines]} for c in s.rules],
    }
    if d is not None:
        out["decisions"] = {
            "cases": d.cases, "compared": d.compared, "rejected": d.rejected,
            "rejections": [{"source": s_, "reason": r} for s_, r in d.rejections],
            "changed_cases": d.changed_cases, "undecided_cases": d.undecided_cases,
            "per_rule": dict(d.per_rule),
            "transitions": [{"rule": r, "a": a, "b": b, "count": n} for (r, a, b), n in sorted(d.transitions.items())],
            "undecided": {rule: {k: c[k] for k in ("only_a", "only_b", "both")} for rule, c in d.undecided.items()},
            "examples": {rule: [_example(row) for row in rows] for rule, rows in d.examples.items()},
            "undecided_examples": {rule: [_example(row) for row in rows] for rule, rows in d.undecided_examples.items()},
            **d.unknown.to_json(),
        }
    return out


def _example(row: Row) -> dict[str, Any]:
    out = row.to_json()
    del out["rule"]
    return out


#: The columns of a changed decision as a spreadsheet row (the workbench's what-if download):
#: the case, where it was read, the rule, the transition's words, then each side's decision.
CHANGE_COLUMNS = ["case", "source", "rule", "before", "after"] + [
    f"{side}_{key}" for side in ("before", "after") for key in ("matched", "action", "deadline", "outputs", "error")]


def change_cells(row: Row) -> list[str]:
    """One changed or undecidable case and rule under CHANGE_COLUMNS: machine words (`no
    match`, `absent`, `error`) as in the JSON, a side's empty cells when its rule is absent."""
    cells = [row.case, row.source, row.rule, label(row.a), label(row.b)]
    for d in (row.a, row.b):
        shown = d.to_json() if d is not None else {}
        outputs = shown.get("outputs")
        cells += ["" if d is None else str(d.matched).lower(), shown.get("action") or "", shown.get("deadline") or "",
                  json.dumps(outputs, ensure_ascii=False) if outputs else "", shown.get("error") or ""]
    return cells


def row_line(row: Row | tuple[str, str | None, str]) -> str:
    """One JSON line of `--changes` / `--format jsonl`: a case and rule, or a rejected case."""
    if isinstance(row, Row):
        return json.dumps(row.to_json(), ensure_ascii=False)
    source, case, reason = row
    return json.dumps({"case": case, "source": source, "rejected": reason}, ensure_ascii=False)
