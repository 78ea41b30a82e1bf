"""What `rulebook diff` prints: the text report in zh or en, the JSON report, and one JSON
line per changed or undecidable case and rule (`--format jsonl`, `--changes FILE`).

Every sentence of the report is in WORDS, in both languages, so the report follows `--lang`
like `eval` does. Machine output (JSON) keeps the stable English tokens ("no match",
"absent", "error") whatever the language.
"""
from __future__ import annotations

import json
from typing import Any, Final

from .diff import MAX_EXAMPLES, DecisionDiff, Decision, Row, StructureDiff

SHOWN_REJECTIONS: Final = 10

# key -> (English, Chinese)
WORDS: Final[dict[str, tuple[str, str]]] = {
    "same": ("{a} and {b} have the same rules and parameters", "{a} 与 {b} 的规则和参数相同"),
    "only_in": ("{sign} rule {rule} (only in {name})", "{sign} 规则 {rule}（仅在 {name} 中）"),
    "parameters": ("parameters:", "参数："),
    "rule": ("rule {rule}:", "规则 {rule}："),
    "read": ("{read} case(s) read: {compared} compared, {rejected} rejected (unreadable, not compared)",
             "共读取 {read} 个案例：比较 {compared} 个，拒绝 {rejected} 个（无法读取，未比较）"),
    "of_compared": ("of the {compared} compared: {changed} with a changed decision, {undecided} with a rule "
                    "that cannot decide (a bad field) in A or B",
                    "在比较的 {compared} 个中：{changed} 个判定有变化，{undecided} 个有规则因字段错误无法判定（A 或 B）"),
    "rejected": ("  rejected {source}: {reason}", "  已拒绝 {source}：{reason}"),
    "more_rejected": ("  ... and {n} more rejected", "  ……另有 {n} 个被拒绝"),
    "per_rule": ("per rule:", "按规则："),
    "rule_changes": ("  {rule}: {n} case(s) change", "  {rule}：{n} 个案例的判定有变化"),
    "transition": ("    {a} → {b}: {n}", "    {a} → {b}：{n}"),
    "details": (" (deadline or outputs differ)", "（期限或输出不同）"),
    "example": ("    e.g. {case} ({source}): {a} → {b}", "    例如 {case}（{source}）：{a} → {b}"),
    "undecided": ("    cannot decide (a bad field): {both} case(s) in both A and B, {only_a} only in A, {only_b} only in B",
                  "    无法判定（字段错误）：A 和 B 都无法判定 {both} 个，仅 A {only_a} 个，仅 B {only_b} 个"),
    "undecided_example": ("    e.g. {case} ({source}): {side}: {error}", "    例如 {case}（{source}）：{side}：{error}"),
    "side_both": ("A and B", "A 和 B"),
    "more": ("    (examples: the first {n}; --changes FILE or --format jsonl lists every case)",
             "    （只列出前 {n} 个示例；--changes 文件 或 --format jsonl 列出全部案例）"),
    "no match": ("no match", "未命中"),
    "absent": ("(rule absent)", "（无此规则）"),
    "error": ("cannot decide", "无法判定"),
    "same_file": ("A {a!r} and B {b!r} are the same file ({path}): there is nothing to compare",
                  "A {a!r} 与 B {b!r} 是同一个文件（{path}）：没有可比较的内容"),
    "same_file_named": ("the name {name!r} finds rulebooks/{name}.yaml in the working folder first, then the packaged "
                        "copy; here there is no other copy (in a source checkout the package's rulebooks are this folder)",
                        "名称 {name!r} 先找当前目录的 rulebooks/{name}.yaml，再找随软件包安装的副本；这里没有另一份副本"
                        "（在源码目录中，软件包的规则手册就是这个文件夹）"),
    "same_file_hint": ("to see what an edit changed, compare with a copy from before the edit, e.g. "
                       "`git show HEAD:./{rel} > before.yaml` and `rulebook diff before.yaml {rel}`",
                       "要看修改带来的变化，请与修改前的副本比较，例如 "
                       "`git show HEAD:./{rel} > before.yaml`，再 `rulebook diff before.yaml {rel}`"),
    "packaged": ("{side} {name!r}: {local} is the other side, so comparing with the packaged copy {path}",
                 "{side} {name!r}：{local} 是另一边，因此与随软件包安装的副本 {path} 比较"),
    "needs_cases": ("{option} lists the cases whose decision changes: give --cases FILE",
                    "{option} 列出判定有变化的案例：请同时给出 --cases 文件"),
}


def say(key: str, lang: str, **args: Any) -> str:
    en, zh = WORDS[key]
    return (zh if lang == "zh" else en).format(**args)


def _word(token: str, lang: str) -> str:
    """A transition's word in the report's language: actions stay as written."""
    return say(token, lang) if token in ("no match", "absent", "error") else token


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
    lines += [say("rejected", lang, source=s, reason=r) for s, r in d.rejections[:SHOWN_REJECTIONS]]
    if d.rejected > SHOWN_REJECTIONS:
        lines.append(say("more_rejected", lang, n=d.rejected - SHOWN_REJECTIONS))
    cut = False
    if d.rules():
        lines.append(say("per_rule", lang))
    for rule in d.rules():
        lines.append(say("rule_changes", lang, rule=rule, n=d.per_rule[rule]))
        for (r, a, b), n in sorted(d.transitions.items()):
            if r == rule:
                lines.append(say("transition", lang, a=_word(a, lang), b=_word(b, lang), n=n)
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
    text = _word(d.label, lang)
    if d.deadline is not None:
        from .values import format_timestamp
        text += f" @ {format_timestamp(d.deadline)}"
    if d.outputs:
        from .unparse import const_text
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
        }
    return out


def _example(row: Row) -> dict[str, Any]:
    out = row.to_json()
    del out["rule"]
    return out


def row_line(row: Row | tuple[str, str | None, str]) -> str:
    """One JSON line of `--changes` / `--format jsonl`: a case and rule, or a rejected case."""
    if isinstance(row, Row):
        return json.dumps(row.to_json(), ensure_ascii=False)
    source, case, reason = row
    return json.dumps({"case": case, "source": source, "rejected": reason}, ensure_ascii=False)
