"""POST /api/examples: every example of a rulebook with the whole case it is judged on, so
the page's case form can start from any of them (issue 16, "Case": start from any example).
The case given is the one `rulebook test` runs: judged through /api/eval at the example's
`at`, it decides as the example expects."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from conftest import RULEBOOKS  # noqa: E402
from dsl import load_rulebook  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures


def _text(name: str) -> str:
    return (RULEBOOKS / f"{name}.yaml").read_text(encoding="utf-8")


def test_every_example_in_the_files_order_at_its_line(client: Any) -> None:
    answer = client.post("/api/examples", json={"name": "douyin"})
    assert answer.status_code == 200
    listed = answer.json()["examples"]
    model = load_rulebook(RULEBOOKS / "douyin.yaml").model
    assert [(e["rule"], e["example"]) for e in listed] == [(r.id, x.name) for r in model.rules for x in r.examples]
    lines = _text("douyin").splitlines()
    for example in listed:
        assert lines[example["line"] - 1][example["col"] - 1:].startswith("name:"), example["example"]


def test_the_case_is_the_base_case_with_the_examples_changes(client: Any) -> None:
    listed = client.post("/api/examples", json={"name": "douyin"}).json()["examples"]
    over = next(e for e in listed if e["example"] == "paid 300.01 is over the limit")
    base = load_rulebook(RULEBOOKS / "douyin.yaml").model.base_case
    assert over["case"]["order"]["paid_amount"] == "300.01"                       # the example's change
    assert over["case"]["order"]["paid_at"] == base["order"]["paid_at"]           # the rest from base_case
    assert over["case"]["aftersale"] == base["aftersale"]
    assert over["expect"] == {"matched": False} and over["at"] is None
    timed = [e for e in listed if e["at"] is not None]
    assert timed and all(e["at"].startswith("2026-") for e in timed)


def test_each_example_judged_through_eval_decides_as_it_expects(client: Any) -> None:
    """The round trip the page makes: pick an example, evaluate its case at its `at`."""
    listed = client.post("/api/examples", json={"name": "kuaishou"}).json()["examples"]
    assert len(listed) > 20
    for example in listed:
        body = {"name": "kuaishou", "case": example["case"], "at": example["at"], "lang": "en"}
        decided = client.post("/api/eval", json=body).json()
        result = next(r for r in decided["results"] if r["rule"] == example["rule"])
        for key in ("matched", "action", "due"):
            if key in example["expect"]:
                assert result[key] == example["expect"][key], (example["example"], key, result)


def test_the_edited_text_and_the_served_file_agree(client: Any) -> None:
    by_name = client.post("/api/examples", json={"name": "kuaishou"}).json()
    by_text = client.post("/api/examples", json={"text": _text("kuaishou")}).json()
    by_platform = client.post("/api/examples", json={"platform": "kuaishou"}).json()
    assert by_name == by_text == by_platform


def test_an_edited_example_is_listed_as_edited(client: Any) -> None:
    text = _text("douyin").replace('case: {order: {paid_amount: "300.01"}}', 'case: {order: {paid_amount: "250.00"}}')
    assert text != _text("douyin")
    listed = client.post("/api/examples", json={"text": text}).json()["examples"]
    over = next(e for e in listed if e["example"] == "paid 300.01 is over the limit")
    assert over["case"]["order"]["paid_amount"] == "250.00"


def test_a_text_with_errors_gives_its_diagnostics(client: Any) -> None:
    text = _text("douyin").replace("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'")
    answer = client.post("/api/examples", json={"text": text, "lang": "en"})
    assert answer.status_code == 422
    assert {d["code"] for d in answer.json()["diagnostics"]} == {"E201"}


def test_a_rulebook_without_examples_lists_none(make_client: Any, tmp_path: Path) -> None:
    path = tmp_path / "bare" / "demo.yaml"
    path.parent.mkdir()
    path.write_text("rulebook: demo\nname: {zh: 演示, en: Demo}\nrules:\n  - id: small\n    name: {zh: 小, en: Small}\n"
                    "    source: {ref: demo}\n    when:\n      - order.paid_amount <= 100\n    action: auto_approve\n",
                    encoding="utf-8")
    answer = make_client(paths=[path]).post("/api/examples", json={"name": "demo"})
    assert answer.status_code == 200 and answer.json() == {"examples": []}


@pytest.mark.parametrize("name", ["../douyin", "/etc/passwd", "douyin.yaml", "..", "books/douyin", "%2e%2e/douyin"])
def test_no_path_reaches_the_file_system(client: Any, name: str) -> None:
    answer = client.post("/api/examples", json={"name": name})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "web.no_rulebook"


@pytest.mark.parametrize(("body", "says"), [
    ({}, "'name' | 'text'"),
    ({"name": "douyin", "text": "x"}, "not both"),
    ({"name": "douyin", "platform": "douyin"}, "not both"),
    ({"name": 3}, "'name'"),
    ({"name": "douyin", "case": {}}, "'case'"),
    ({"name": "douyin", "lang": "de"}, "'lang'"),
], ids=["none", "both-sources", "name-and-platform", "name-not-text", "unknown-key", "bad-lang"])
def test_a_bad_body_is_a_400_naming_the_problem(client: Any, body: dict[str, Any], says: str) -> None:
    answer = client.post("/api/examples", json=body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]["message"]


def test_a_huge_body_is_413(client: Any) -> None:
    answer = client.post("/api/examples", content=b'{"text": "' + b"x" * (5 << 20) + b'"}',
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert client.post("/api/examples", json={"name": "douyin"}).status_code == 200
