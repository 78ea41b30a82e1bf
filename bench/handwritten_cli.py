"""The baseline row of cli_bench.py: what a developer would write instead of `rulebook eval`.

    python bench/handwritten_cli.py CASES.jsonl > out.jsonl

Reads JSON Lines, decides the 14 Douyin rules with handwritten.douyin_all_checked (which
checks every value it reads, as the engine does) at each case's `now`, and writes per case
the keys of `rulebook eval --format jsonl --no-explain --no-summary` (on well-formed cases
the same bytes; cli_bench.py compares them). A bad value it reads is reported as the case's
`errors`, without deciding rule by rule.
"""
import json
import sys

from handwritten import RULE_IDS, BadValue, beijing, douyin_all_checked

OUTPUTS = ("compensation", "escalation_until")   # reship_ship_timeout's, the one rule with outputs


def shown(value: object) -> object:
    return value if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def main(path: str) -> None:
    write = sys.stdout.write
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            case = json.loads(line)
            at = beijing(case["now"])
            try:
                decided = douyin_all_checked(case, at)
            except BadValue as exc:
                write(json.dumps({"case": case["id"], "errors": [repr(exc.args[0])]}, ensure_ascii=False) + "\n")
                continue
            results, timeline = [], []
            for rule, (matched, action, deadline, due, _, outputs) in zip(RULE_IDS, decided):
                result = {"rule": rule, "matched": matched, "action": action, "deadline": shown(deadline), "due": due,
                          "why": []}
                if outputs:
                    result["outputs"] = dict(zip(OUTPUTS, map(shown, outputs)))
                results.append(result)
                if matched and deadline is not None:
                    timeline.append({"deadline": shown(deadline), "rule": rule, "action": action, "due": due,
                                     "state": "overdue" if due else "pending"})
            timeline.sort(key=lambda e: (e["deadline"], e["rule"]))
            write(json.dumps({"case": case["id"], "platform": "douyin", "at": at.isoformat(), "results": results,
                              "timeline": timeline}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
