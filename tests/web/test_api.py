"""The workbench's HTTP API answers what the command line answers (issue 16, phase 1).

check = `rulebook check`'s diagnostics, eval = the object `rulebook eval --format json`
prints, test = `rulebook test`'s outcomes and coverage; bad bodies are 400s naming the
problem; save writes atomically with a backup, only when allowed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from conftest import EXAMPLES, RULEBOOKS, ROOT  # noqa: E402
from dsl import check_rulebook  # noqa: E402
from dsl.lang.vocabulary import default_vocabulary  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

AT = "2026-11-05T09:00:00+08:00"
LIMIT = "  lightning_max_amount:\n    value: 300.00"
TYPO = ("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'")


def _douyin() -> str:
    return (RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8")


def _example(name: str = "douyin-lightning-return.json") -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


# -- check ------------------------------------------------------------------------------------

def test_check_of_a_clean_text_is_empty(client: Any) -> None:
    answer = client.post("/api/check", json={"text": _douyin()})
    assert answer.status_code == 200
    assert answer.json() == {"diagnostics": []}


def test_check_gives_the_diagnostics_of_rulebook_check(client: Any, tmp_path: Path) -> None:
    text = _douyin().replace(*TYPO)
    assert text != _douyin()
    (tmp_path / "typo.yaml").write_text(text, encoding="utf-8")
    expected = check_rulebook(tmp_path / "typo.yaml")
    answer = client.post("/api/check", json={"text": text, "lang": "zh"}).json()["diagnostics"]
    assert [(d["code"], d["severity"], d["line"], d["col"], d["end_line"], d["end_col"], d["message"]) for d in answer] == [
        (d.code, d.severity, d.span.line, d.span.col, d.span.end_line, d.span.end_col, d.message("zh")) for d in expected]
    assert answer[0]["code"] == "E201" and "tpye" in answer[0]["message"]
    assert "type" in answer[0]["hint"]   # the did-you-mean a quick fix will apply


def test_check_speaks_the_language_asked(client: Any) -> None:
    zh = client.post("/api/check", json={"text": "rulebook: x\n", "lang": "zh"}).json()["diagnostics"][0]
    en = client.post("/api/check", json={"text": "rulebook: x\n", "lang": "en"}).json()["diagnostics"][0]
    assert zh["code"] == en["code"] == "E302"
    assert "缺少" in zh["message"] and "missing" in en["message"]


# -- eval -------------------------------------------------------------------------------------

def test_eval_is_the_object_rulebook_eval_prints(client: Any, invoke: Any) -> None:
    printed = invoke("eval", "-p", "douyin", EXAMPLES / "douyin-lightning-return.json", "--at", AT,
                     "--format", "json", "--lang", "en")
    answer = client.post("/api/eval", json={"platform": "douyin", "case": _example(), "at": AT, "lang": "en"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.text == printed.stdout.strip()


def test_eval_of_the_edited_text_and_of_the_served_file_agree(client: Any) -> None:
    by_name = client.post("/api/eval", json={"platform": "douyin", "case": _example(), "at": AT}).json()
    by_text = client.post("/api/eval", json={"text": _douyin(), "case": _example(), "at": AT}).json()
    assert by_name == by_text
    assert by_name["results"][0]["rule"] == "lightning_return" and by_name["results"][0]["matched"] is True


def test_eval_with_explain_all_gives_every_condition(client: Any) -> None:
    failing = client.post("/api/eval", json={"platform": "douyin", "case": _example(), "at": AT}).json()
    full = client.post("/api/eval", json={"platform": "douyin", "case": _example(), "at": AT, "explain": "all"}).json()
    pairs = list(zip(failing["results"], full["results"]))
    assert all(len(f["why"]) <= len(a["why"]) for f, a in pairs)   # the json default: the deciding conditions
    assert any(len(f["why"]) < len(a["why"]) for f, a in pairs)


def test_eval_reads_amounts_exactly(client: Any) -> None:
    """300.0000000000000001 is a float's 300.0: read exactly, it has too many decimals."""
    body = '{"platform": "douyin", "at": "%s", "case": {"order": {"paid_amount": 300.0000000000000001}}}' % AT
    answer = client.post("/api/eval", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200
    assert any("order.paid_amount" in e for e in answer.json()["errors"])


def test_eval_of_a_case_eval_would_reject_is_422(client: Any) -> None:
    answer = client.post("/api/eval", json={"platform": "douyin", "case": {**_example(), "platform": "kuaishou"}})
    assert answer.status_code == 422
    assert "kuaishou" in answer.json()["error"]["message"]


def test_eval_with_a_bad_at_names_it(client: Any) -> None:
    answer = client.post("/api/eval", json={"platform": "douyin", "case": _example(), "at": "tomorrow"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "E404" and "tomorrow" in answer.json()["error"]["message"]


def test_eval_of_a_text_with_errors_gives_its_diagnostics(client: Any) -> None:
    answer = client.post("/api/eval", json={"text": _douyin().replace(*TYPO), "case": _example()})
    assert answer.status_code == 422
    assert {d["code"] for d in answer.json()["diagnostics"]} == {"E201"}


# -- test, rulebooks, vocabulary --------------------------------------------------------------

def test_test_gives_the_examples_and_coverage(client: Any) -> None:
    from dsl import load_rulebook
    from dsl.tools.examples import run_examples

    outcomes, coverage = run_examples(load_rulebook(RULEBOOKS / "douyin.yaml"), "en")
    answer = client.post("/api/test", json={"platform": "douyin", "lang": "en"}).json()
    assert (answer["passed"], answer["failed"]) == (len(outcomes), 0)
    assert answer["coverage"]["percent"] == coverage.percent
    assert len(answer["coverage"]["items"]) == len(coverage.items)


def test_a_failing_example_points_at_its_line(client: Any) -> None:
    text = _douyin().replace(LIMIT, LIMIT.replace("300.00", "100.00"))
    assert text != _douyin()
    answer = client.post("/api/test", json={"text": text, "lang": "en"}).json()
    assert answer["failed"] >= 1
    failure = next(e for e in answer["examples"] if not e["passed"])
    assert failure["rule"] == "lightning_return"
    assert text.splitlines()[failure["line"] - 1].strip().startswith("- name:")
    assert failure["differences"]


def test_rulebooks_lists_the_files_it_was_started_with(client: Any, served: list[Path]) -> None:
    answer = client.get("/api/rulebooks").json()
    assert [(r["name"], r["platform"]) for r in answer["rulebooks"]] == [("douyin", "douyin"), ("kuaishou", "kuaishou")]
    assert answer["rulebooks"][0]["text"] == served[0].read_text(encoding="utf-8")
    assert answer["writable"] is True


def test_vocabulary_describes_every_field_for_the_case_form(client: Any) -> None:
    fields = {f["path"]: f for f in client.get("/api/vocabulary").json()["fields"]}
    assert list(fields) == default_vocabulary().paths()
    reason = fields["aftersale.reason"]
    assert reason["kind"] == "enum" and reason["zh"] == "售后原因"
    assert {"value": "allergy", "zh": "过敏", "en": "allergy"} in reason["values"]
    assert fields["order.paid_amount"]["kind"] == "money" and fields["order.paid_amount"]["decimals"] == 2


# -- save -------------------------------------------------------------------------------------

def test_save_is_refused_without_allow_write(make_client: Any, served: list[Path]) -> None:
    before = served[0].read_bytes()
    answer = make_client().post("/api/save", json={"platform": "douyin", "text": _douyin() + "# x\n"})
    assert answer.status_code == 403
    assert served[0].read_bytes() == before


def test_save_dry_run_shows_the_diff_and_writes_nothing(client: Any, served: list[Path]) -> None:
    before = served[0].read_bytes()
    edited = _douyin().replace(LIMIT, LIMIT.replace("300.00", "500.00"))
    answer = client.post("/api/save", json={"platform": "douyin", "text": edited, "dry_run": True}).json()
    assert "\n-    value: 300.00\n+    value: 500.00\n" in answer["diff"]
    assert answer["saved"] is False and served[0].read_bytes() == before


def test_save_writes_atomically_and_keeps_a_backup(client: Any, served: list[Path]) -> None:
    before = served[0].read_text(encoding="utf-8")
    edited = before + "# reviewed\n"
    answer = client.post("/api/save", json={"platform": "douyin", "text": edited})
    assert answer.status_code == 200 and answer.json()["saved"] is True
    assert served[0].read_text(encoding="utf-8") == edited
    assert (served[0].parent / "douyin.yaml.bak").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in served[0].parent.iterdir()) == ["douyin.yaml", "douyin.yaml.bak", "kuaishou.yaml"]


def test_save_refuses_a_text_with_errors_unless_forced(client: Any, served: list[Path]) -> None:
    broken = _douyin().replace(*TYPO)
    refused = client.post("/api/save", json={"platform": "douyin", "text": broken})
    assert refused.status_code == 409 and refused.json()["diagnostics"][0]["code"] == "E201"
    assert served[0].read_text(encoding="utf-8") == _douyin()
    forced = client.post("/api/save", json={"platform": "douyin", "text": broken, "force": True})
    assert forced.status_code == 200 and served[0].read_text(encoding="utf-8") == broken


# -- bad bodies -------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "status", "says"), [
    ("not json", 400, "not JSON"),
    ("[1, 2]", 400, "JSON object"),
    ('{"text": 5}', 400, "'text'"),
    ('{"text": "x", "lang": "fr"}', 400, "'lang'"),
    ('{"text": "x", "texte": "y"}', 400, "'texte'"),
    ('{"text": "x", "text": "y"}', 400, "twice"),
    ("{}", 400, "'text'"),
    ('{"text": "\\ud800"}', 400, "not JSON"),
    ("[" * 5000 + "]" * 5000, 400, "deep"),
], ids=["not-json", "array", "wrong-type", "bad-lang", "unknown-key", "duplicate-key", "missing", "surrogate", "deep"])
def test_a_bad_body_is_a_400_naming_the_problem(client: Any, body: str, status: int, says: str) -> None:
    answer = client.post("/api/check", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert says.lower() in answer.json()["error"]["message"].lower()


@pytest.mark.parametrize(("path", "body"), [
    ("/api/eval", {"platform": "douyin"}),
    ("/api/eval", {"platform": "douyin", "text": "x", "case": {}}),
    ("/api/eval", {"platform": "douyin", "case": []}),
    ("/api/eval", {"platform": "douyin", "case": {}, "explain": "some"}),
    ("/api/save", {"platform": "douyin"}),
    ("/api/save", {"platform": "douyin", "text": "x", "force": "yes"}),
    ("/api/test", {}),
], ids=["no-case", "both-sources", "case-not-object", "bad-explain", "save-no-text", "force-not-bool", "test-no-source"])
def test_wrong_fields_are_400(client: Any, path: str, body: dict[str, Any]) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]


def test_a_huge_body_is_413_and_the_server_stays_up(client: Any) -> None:
    answer = client.post("/api/check", content=b'{"text": "' + b"x" * (5 << 20) + b'"}',
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert client.post("/api/check", json={"text": "rulebook: x\n"}).status_code == 200


def test_unknown_paths_and_methods_answer_json(client: Any) -> None:
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/api/nothing").json()["error"]["code"] == "web.not_found"
    assert client.get("/api/check").status_code == 405


# -- the page ---------------------------------------------------------------------------------

def test_the_page_and_its_assets_are_served_from_the_package(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    assert "http" not in re.sub(r"<!doctype html>", "", page.text, flags=re.I).replace('name="viewport"', "")


def test_the_page_never_writes_html(client: Any) -> None:
    """Rulebook and case content reaches the page only as text: the script never builds
    HTML from strings, and the page has no inline script or handler attribute (CSP forbids them)."""
    script = client.get("/app.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"):
        assert sink not in script, sink
    assert "textContent" in script
    page = client.get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+\s*=", page)


def test_a_rule_name_with_markup_comes_back_as_json_text(make_client: Any, tmp_path: Path) -> None:
    probe = "<img src=x onerror=alert(1)>"
    text = _douyin().replace("name: {zh: 闪电退货, en: Lightning return}", f"name: {{zh: 闪电退货, en: '{probe}'}}", 1)
    text = text.replace("- name: paid 300.01 is over the limit", f"- name: '{probe}'", 1)
    assert text.count(probe) == 2
    path = tmp_path / "probe" / "douyin.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    client = make_client(paths=[path])
    listed = client.get("/api/rulebooks")
    assert listed.headers["content-type"] == "application/json"
    assert probe in listed.json()["rulebooks"][0]["text"]
    tested = client.post("/api/test", json={"platform": "douyin"})
    assert tested.headers["content-type"] == "application/json"
    assert probe in [e["example"] for e in tested.json()["examples"]]


# -- the documentation ------------------------------------------------------------------------

def _documented() -> list[tuple[str, str, Any, Any]]:
    """(method, path, request body or None, response) of every example in docs/workbench.md."""
    text = (ROOT / "docs" / "workbench.md").read_text(encoding="utf-8")
    pairs = re.findall(r"```http\n(GET|POST) (\S+)\n(.*?)```\n+```json\n(.*?)```", text, re.S)
    return [(method, path, json.loads(body) if body.strip() else None, json.loads(answer))
            for method, path, body, answer in pairs]


def _contains(actual: Any, documented: Any) -> bool:
    """The documented answer is the actual one, lists shortened to their first items."""
    if isinstance(documented, dict):
        return isinstance(actual, dict) and all(k in actual and _contains(actual[k], v) for k, v in documented.items())
    if isinstance(documented, list):
        return isinstance(actual, list) and len(documented) <= len(actual) and all(
            _contains(a, d) for a, d in zip(actual, documented))
    return bool(actual == documented)


def test_every_endpoint_is_documented_with_an_example() -> None:
    documented = {(m, p) for m, p, _, _ in _documented()}
    assert documented >= {("POST", "/api/check"), ("POST", "/api/eval"), ("POST", "/api/test"),
                          ("GET", "/api/rulebooks"), ("GET", "/api/vocabulary"), ("POST", "/api/save")}


def test_the_documented_examples_are_real(client: Any) -> None:
    for method, path, body, documented in _documented():
        answer = client.request(method, path, json=body)
        assert _contains(answer.json(), documented), f"{method} {path}: {answer.text[:600]}"
