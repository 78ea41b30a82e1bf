// The tests panel (/api/test: the examples, coverage, a failure links to its line) and the
// what-if panel (/api/whatif: the edited text against the saved file over a batch of cases).
import { say } from "./i18n.js";
import { $, el, call, problem, editOf } from "./api.js";

/** Run the examples of the edited text and list the outcome. */
export async function runTests(text, goTo) {
  const box = $("tests-result");
  box.replaceChildren(el("p", say("running"), "muted"));
  const answer = await call("POST", "/api/test", editOf(text));
  box.replaceChildren();
  if (answer.status !== 200) {
    box.append(el("p", problem(answer), "error"));
    return;
  }
  const data = answer.data;
  const summary = el("p", say("tests_summary", { passed: data.passed, failed: data.failed }),
                     data.failed ? "summary error" : "summary ok");
  summary.id = "tests-summary";
  const percent = data.coverage.percent;
  const meter = Object.assign(el("progress"), { max: 100, value: percent });
  box.append(summary, el("p", say("coverage", { percent: percent.toFixed(1) }), "coverage"), meter);
  const failed = data.examples.filter((e) => !e.passed && !e.changed);
  const changed = data.examples.filter((e) => e.changed);   // a shop overlay's base examples it changes
  if (changed.length) {
    box.append(el("h4", say("changed_by_overlay")));
    const list = el("ul", null, "changed");
    for (const e of changed) list.append(el("li", `${e.rule}: ${e.example} (${say("base_example")}, ${say("line_col", { line: e.line })})`));
    box.append(list);
  }
  if (failed.length) {
    box.append(el("h4", say("failures")));
    const list = el("ul", null, "failures");
    for (const e of failed) {
      const item = el("li");
      const link = el("a", `${e.rule}: ${e.example}`, "failure");
      link.href = "#";
      link.dataset.line = e.line;
      link.addEventListener("click", (event) => { event.preventDefault(); goTo(e.line, e.col); });
      item.append(link, el("span", ` (${say("line_col", { line: e.line })})`, "muted"));
      const why = el("ul", null, "why");
      for (const d of e.differences) why.append(el("li", d, "no"));
      item.append(why);
      list.append(item);
    }
    box.append(list);
  } else {
    box.append(el("p", say("all_passed"), "ok"));
  }
  const missing = (data.coverage.items || []).filter((i) => !i.hit);
  if (missing.length) {
    box.append(el("h4", say("uncovered")));
    const list = el("ul", null, "uncovered");
    for (const i of missing) list.append(el("li", i.item));
    box.append(list);
  }
}

/** The what-if request of the panel's choices, or null (with the reason shown). */
async function whatifRequest(text, name, at) {
  const request = { text, name };
  if (at) request.at = at;
  if ($("whatif-source-file").checked) {
    const file = $("whatif-file").files[0];
    if (!file) {
      $("whatif-result").replaceChildren(el("p", say("no_file"), "error"));
      return null;
    }
    const format = /\.csv$/i.test(file.name) ? "csv" : /\.json$/i.test(file.name) ? "json" : "jsonl";
    request.cases = { format, data: await file.text() };
  } else {
    request.cases = "examples";
  }
  return request;
}

function decisionText(d) {
  if (!d) return say("rule_absent");
  const parts = [d.matched ? say("matched") : say("not_matched")];
  if (d.action) parts.push(d.action);
  if (d.deadline) parts.push(`${say("deadline")} ${d.deadline}`);
  if (d.due) parts.push(say("due"));
  if (d.error) parts.push(d.error);
  return parts.join(" · ");
}

function table(headers, rows, cls) {
  const t = el("table", null, cls);
  const head = el("tr");
  for (const h of headers) head.append(el("th", h));
  t.append(el("thead"), el("tbody"));
  t.tHead.append(head);
  for (const cells of rows) {
    const row = el("tr");
    for (const c of cells) row.append(el("td", c));
    t.tBodies[0].append(row);
  }
  return t;
}

/** Compare the edited text with the saved file; show the transitions and the changed cases. */
export async function runWhatif(text, name, at) {
  const request = await whatifRequest(text, name, at);
  if (!request) return;
  const box = $("whatif-result");
  box.replaceChildren(el("p", say("comparing"), "muted"));
  const answer = await call("POST", "/api/whatif", request);
  box.replaceChildren();
  if (answer.status !== 200) {
    box.append(el("p", problem(answer), "error"));
    return;
  }
  const data = answer.data;
  const summary = el("p", say("whatif_summary", { total: data.total, changed: data.changed }), "summary");
  summary.id = "whatif-summary";
  box.append(summary);
  if (data.undecided) box.append(el("p", say("whatif_undecided", { n: data.undecided }), "warning"));
  const problems = [...(data.notices || []).map((n) => (typeof n === "string" ? n : n.message)),
                    ...(data.rejected || []).map((r) => [r.source, r.case, r.message].filter(Boolean).join(" · "))];
  if (problems.length) {
    box.append(el("h4", say("rejected")));
    const list = el("ul", null, "rejected");
    for (const text of problems) list.append(el("li", text, "error"));
    box.append(list);
  }
  if (!data.changed) {
    box.append(el("p", say("no_changes"), "ok"));
    return;
  }
  box.append(el("h4", say("transitions")),
             table([say("rule"), say("transition"), say("count")], data.transitions.map((t) => [t.rule, t.transition, t.count]), "transitions"),
             el("h4", say("changed_cases")),
             table([say("case_id"), say("rule"), say("before"), say("after")],
                   data.cases.map((c) => [c.case_id, c.rule, decisionText(c.before), decisionText(c.after)]), "changed"));
  box.querySelectorAll("table.changed tbody tr").forEach((row, i) => { row.title = data.cases[i].source || ""; });
  const download = el("button", say("download_csv"));
  download.type = "button";
  download.id = "whatif-download";
  download.addEventListener("click", () => downloadCsv(request));
  box.append(download);
}

async function downloadCsv(request) {
  const answer = await call("POST", "/api/whatif", { ...request, format: "csv" });
  if (answer.status !== 200 || !answer.blob) {
    $("whatif-result").append(el("p", problem(answer), "error"));
    return;
  }
  const url = URL.createObjectURL(answer.blob);
  const link = Object.assign(el("a"), { href: url, download: `whatif-${request.name}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
