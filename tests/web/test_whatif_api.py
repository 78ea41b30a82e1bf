"""POST /api/whatif: the edited text against the saved file over a batch (an upload, or every
example): the counts, transitions and changed cases are `rulebook diff SAVED EDITED --cases`'s,
bad cases are listed with their line and reason while the others are still judged, and the
changed cases download as CSV (issue 16, "What-if")."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from conftest import EXAMPLES  # noqa: E402
from dsl.tools.diffreport import CHANGE_COLUMNS  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

LIMIT = "  lightning_max_amount:\n    value: 300.00"
BAD_LINE = '{"id": "broken", "order": \n'


def _edited(served: list[Path]) -> str:
    saved = served[0].read_text(encoding="utf-8")
    edited = saved.replace(LIMIT, LIMIT.replace("300.00", "150.00"))
    assert edited != saved
    return edited


def _batch() -> str:
    return (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8") + BAD_LINE


def _cli_diff(invoke: Any, tmp_path: Path, saved: Path, edited: str, cases: Path) -> tuple[dict[str, Any], list[Any]]:
    """`rulebook diff SAVED EDITED --cases FILE --format json --changes`: the report and every row."""
    edited_path = tmp_path / "edited" / "douyin.yaml"
    edited_path.parent.mkdir(exist_ok=True)
    edited_path.write_text(edited, encoding="utf-8")
    changes = tmp_path / "changes.jsonl"
    result = invoke("diff", saved, edited_path, "--cases", cases, "--format", "json", "--lang", "en", "--changes", changes)
    rows = [json.loads(line) for line in changes.read_text(encoding="utf-8").splitlines()]
    return json.loads(result.stdout)["decisions"], rows


def _same_as_diff(answer: dict[str, Any], report: dict[str, Any], rows: list[Any]) -> None:
    assert (answer["total"], answer["compared"], answer["changed"], answer["undecided"]) == (
        report["cases"], report["compared"], report["changed_cases"], report["undecided_cases"])
    assert [(t["rule"], t["before"], t["after"], t["count"]) for t in answer["transitions"]] == [
        (t["rule"], t["a"], t["b"], t["count"]) for t in report["transitions"]]
    changed = [r for r in rows if r.get("changed")]
    assert [(c["case_id"], c["rule"], c["before"], c["after"]) for c in answer["cases"]] == [
        (r["case"], r["rule"], r["a"], r["b"]) for r in changed]
    rejected = [r for r in rows if "rejected" in r]
    assert [(r["line"], r["message"]) for r in answer["rejected"]] == [
        (int(r["source"].rsplit(":", 1)[1]), r["rejected"]) for r in rejected]


def test_an_uploaded_batch_gives_what_rulebook_diff_gives(client: Any, served: list[Path], invoke: Any,
                                                         tmp_path: Path) -> None:
    edited = _edited(served)
    cases = tmp_path / "cases.jsonl"
    cases.write_text(_batch(), encoding="utf-8")
    report, rows = _cli_diff(invoke, tmp_path, served[0], edited, cases)
    answer = client.post("/api/whatif", json={"text": edited, "name": "douyin", "lang": "en",
                                              "cases": {"format": "jsonl", "data": _batch()}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    _same_as_diff(body, report, rows)
    assert body["changed"] >= 1 and body["transitions"][0]["transition"] == "auto_approve → no match"
    assert body["rejected"] == [{"case": None, "source": f"cases.jsonl:{len(_batch().splitlines())}",
                                 "line": len(_batch().splitlines()), "message": body["rejected"][0]["message"]}]
    assert body["structure"]["parameters"] == [{"name": "lightning_max_amount", "a": "300.00", "b": "150.00"}]


def _flat(doc: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """A case's fields as CSV columns named by path, cells as a CSV export writes them."""
    for key, value in doc.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield prefix + key, "" if value is None else json.dumps(value) if isinstance(value, (list, bool)) else str(value)


def _csv_batch() -> str:
    """Three rows of the lightning-return case (199.00 changes under a 150.00 limit, 120.00
    does not, "abc" cannot be decided), and a row of two cells (rejected)."""
    columns = dict(_flat(json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for i, amount in enumerate(["199.00", "120.00", "abc"]):
        writer.writerow({**columns, "id": f"C-{i}", "order.paid_amount": amount}.values())
    writer.writerow(["C-9", "x"])
    return out.getvalue()


def test_a_csv_batch_is_read_as_diff_reads_it(client: Any, served: list[Path], invoke: Any, tmp_path: Path) -> None:
    data = _csv_batch()
    cases = tmp_path / "cases.csv"
    cases.write_text(data, encoding="utf-8")
    edited = _edited(served)
    report, changes = _cli_diff(invoke, tmp_path, served[0], edited, cases)
    answer = client.post("/api/whatif", json={"text": edited, "name": "douyin", "lang": "en",
                                              "cases": {"format": "csv", "data": data}}).json()
    _same_as_diff(answer, report, changes)
    assert (answer["total"], answer["compared"], answer["changed"], answer["undecided"]) == (4, 3, 1, 1)
    assert [c["case_id"] for c in answer["cases"]] == ["C-0"]
    assert [(r["line"], r["case"]) for r in answer["rejected"]] == [(5, None)]
    assert answer["undecided_rules"]["lightning_return"] == {"only_a": 0, "only_b": 0, "both": 1}


def test_a_column_that_names_no_field_is_said(client: Any, served: list[Path]) -> None:
    data = "id,order.paid_amont\nC-1,120.00\n"
    answer = client.post("/api/whatif", json={"text": _edited(served), "name": "douyin", "lang": "en",
                                              "cases": {"format": "csv", "data": data}}).json()
    assert len(answer["notices"]) == 1 and "order.paid_amont" in answer["notices"][0]


def test_the_examples_of_an_unchanged_text_change_nothing(client: Any, served: list[Path]) -> None:
    text = served[0].read_text(encoding="utf-8")
    listed = client.post("/api/examples", json={"name": "douyin"}).json()["examples"]
    answer = client.post("/api/whatif", json={"text": text, "name": "douyin", "cases": "examples"}).json()
    assert (answer["total"], answer["compared"], answer["changed"]) == (len(listed), len(listed), 0)
    assert answer["cases"] == [] and answer["transitions"] == [] and answer["rejected"] == []
    assert answer["structure"] == {"only_a": [], "only_b": [], "parameters": [], "rules": []}


def test_the_examples_that_change_point_at_their_lines(client: Any, served: list[Path]) -> None:
    edited = _edited(served)
    answer = client.post("/api/whatif", json={"text": edited, "name": "douyin", "cases": "examples", "lang": "en"}).json()
    listed = {(e["line"], e["example"]): e for e in client.post("/api/examples", json={"text": edited}).json()["examples"]}
    assert answer["changed"] >= 1
    for case in answer["cases"]:
        example = listed[(case["line"], case["case_id"])]      # named by the example, at its line
        assert example["rule"] == case["rule"] == "lightning_return"
        assert case["before"]["action"] == "auto_approve" and case["after"]["matched"] is False
    assert any(e["example"] == "paid 300.00 exactly is within the limit" for e in listed.values())
    assert "paid 300.00 exactly is within the limit" in {c["case_id"] for c in answer["cases"]}


def test_examples_are_judged_at_their_at_unless_at_is_given(client: Any, served: list[Path]) -> None:
    """extend_receipt from 4 days instead of 5: "one minute before 5 days" changes when judged
    at its own `at`; judged at a later moment, it is available either way."""
    saved = served[0].read_text(encoding="utf-8")
    edited = saved.replace("extend_receipt_after:\n    value: 5d", "extend_receipt_after:\n    value: 4d")
    assert edited != saved
    body = {"text": edited, "name": "douyin", "cases": "examples", "lang": "en"}
    own = {c["case_id"] for c in client.post("/api/whatif", json=body).json()["cases"]}
    late = {c["case_id"] for c in client.post("/api/whatif", json={**body, "at": "2030-01-01T00:00:00+08:00"}).json()["cases"]}
    assert "one minute before 5 days — not yet available" in own
    assert "one minute before 5 days — not yet available" not in late
    bad = client.post("/api/whatif", json={**body, "at": "someday"})
    assert bad.status_code == 400 and "someday" in bad.json()["error"]["message"]


def test_the_changed_cases_download_as_csv(client: Any, served: list[Path]) -> None:
    body = {"text": _edited(served), "name": "douyin", "cases": "examples", "lang": "en"}
    shown = client.post("/api/whatif", json=body).json()
    download = client.post("/api/whatif", json={**body, "format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="whatif-douyin.csv"'
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == CHANGE_COLUMNS
    assert [(r[0], r[2], r[3], r[4]) for r in table[1:]] == [
        (c["case_id"], c["rule"], "auto_approve", "no match") for c in shown["cases"]]
    assert all(r[5] == "true" and r[10] == "false" for r in table[1:])


def test_the_edited_text_with_errors_gives_its_diagnostics(client: Any, served: list[Path]) -> None:
    broken = _edited(served).replace("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'")
    answer = client.post("/api/whatif", json={"text": broken, "name": "douyin", "cases": "examples"})
    assert answer.status_code == 422 and answer.json()["diagnostics"][0]["code"] == "E201"


def test_a_saved_file_with_errors_is_named(client: Any, served: list[Path]) -> None:
    text = served[0].read_text(encoding="utf-8")
    served[0].write_text(text.replace("- aftersale.type == 'return_refund'", "- aftersale.tpye == 'return_refund'"),
                         encoding="utf-8")
    answer = client.post("/api/whatif", json={"text": text, "name": "douyin", "cases": "examples", "lang": "en"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "web.saved_errors" and "douyin.yaml" in answer.json()["error"]["message"]


@pytest.mark.parametrize("name", ["../douyin", "/etc/passwd", "douyin.yaml", "..", "~/douyin"])
def test_no_path_reaches_the_file_system(client: Any, name: str) -> None:
    answer = client.post("/api/whatif", json={"text": "x", "name": name, "cases": "examples"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "web.no_rulebook"


@pytest.mark.parametrize(("body", "says"), [
    ({"name": "douyin", "cases": "examples"}, "'text', 'name', 'cases'"),
    ({"text": "x", "cases": "examples"}, "'text', 'name', 'cases'"),
    ({"text": "x", "name": "douyin"}, "'text', 'name', 'cases'"),
    ({"text": "x", "name": "douyin", "cases": "all"}, "'cases'"),
    ({"text": "x", "name": "douyin", "cases": ["a"]}, "'cases'"),
    ({"text": "x", "name": "douyin", "cases": {"format": "xlsx", "data": ""}}, "'cases.format'"),
    ({"text": "x", "name": "douyin", "cases": {"format": "csv", "data": 5}}, "'cases.data'"),
    ({"text": "x", "name": "douyin", "cases": {"format": "csv"}}, "'cases.data'"),
    ({"text": "x", "name": "douyin", "cases": {"format": "csv", "data": "", "file": "a.csv"}}, "'cases.file'"),
    ({"text": "x", "name": "douyin", "cases": "examples", "format": "xml"}, "'format'"),
    ({"text": "x", "name": "douyin", "cases": "examples", "explain": "all"}, "'explain'"),
], ids=["no-text", "no-name", "no-cases", "cases-word", "cases-list", "upload-format", "upload-data", "upload-no-data",
        "upload-unknown-key", "bad-format", "unknown-key"])
def test_a_bad_body_is_a_400_naming_the_problem(client: Any, body: dict[str, Any], says: str) -> None:
    answer = client.post("/api/whatif", json=body)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["error"]["message"]


def test_a_huge_upload_is_413_and_the_server_stays_up(client: Any, served: list[Path]) -> None:
    data = _batch() * (5 * 1024 * 1024 // len(_batch()) + 1)
    huge = client.post("/api/whatif", json={"text": "x", "name": "douyin", "cases": {"format": "jsonl", "data": data}})
    assert huge.status_code == 413
    assert client.post("/api/whatif", json={"text": _edited(served), "name": "douyin", "cases": "examples"}).status_code == 200


def test_a_whatif_that_runs_too_long_is_cut_off(make_client: Any, served: list[Path]) -> None:
    from dsl.web.worker import Worker

    slow = Worker(0.001)   # no batch is judged in a millisecond: the limit, not the work, is tested
    try:
        answer = make_client(own_worker=slow).post(
            "/api/whatif", json={"text": _edited(served), "name": "douyin", "cases": "examples"})
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "web.timeout"
    finally:
        slow.close()
