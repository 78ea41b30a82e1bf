// The workbench page (phase 1): a text editor checked as you type, a case box, the decision.
// It talks only to the documented API (docs/workbench.md). Everything that comes from a
// rulebook, a case or the server is put on the page as TEXT (textContent), never as HTML.
"use strict";

const WORDS = {
  zh: { title: "规则工作台", rulebook: "规则手册", editor: "规则文本", problems: "问题", run_tests: "运行示例",
        save: "保存", case: "案例 (JSON)", at: "判定时间", evaluate: "判定", decision: "判定结果",
        rule: "规则", matched: "命中", action: "动作", deadline: "期限", due: "到期", why: "原因",
        clean: "没有问题", yes: "是", no: "否", error: "错误", not_json: "案例不是有效的 JSON：",
        confirm_save: "确认保存以上改动？", confirm_force: "文本有错误，仍要保存吗？", saved: "已保存",
        passed: "通过", failed: "失败", coverage: "覆盖率", changed: "被叠加规则改变（不算失败）",
        base_example: "被继承的示例" },
  en: { title: "rulebook workbench", rulebook: "Rulebook", editor: "Rulebook text", problems: "Problems",
        run_tests: "Run examples", save: "Save", case: "Case (JSON)", at: "Judge at", evaluate: "Evaluate",
        decision: "Decision", rule: "Rule", matched: "Matched", action: "Action", deadline: "Deadline",
        due: "Due", why: "Why", clean: "No problems", yes: "yes", no: "no", error: "error",
        not_json: "The case is not valid JSON: ", confirm_save: "Save these changes?",
        confirm_force: "The text has errors. Save anyway?", saved: "Saved",
        passed: "passed", failed: "failed", coverage: "coverage", changed: "changed by the overlay (not failures)",
        base_example: "the base's example" },
};

let lang = document.documentElement.lang === "en" ? "en" : "zh";
let served = [];
let timer = null;
const $ = (id) => document.getElementById(id);
const say = (key) => WORDS[lang][key] || key;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function relabel() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-say]")) node.textContent = say(node.dataset.say);
  $("lang").textContent = lang === "zh" ? "EN" : "中文";
}

async function call(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  return { status: response.status, data: await response.json() };
}

function showDiagnostics(list) {
  const box = $("diagnostics");
  box.replaceChildren();
  if (!list.length) box.append(el("li", say("clean")));
  for (const d of list) {
    const where = d.line ? `${d.line}:${d.col} ` : "";
    const hint = d.hint ? ` (${d.hint})` : "";
    box.append(el("li", `${where}${d.severity} ${d.code}: ${d.message}${hint}`, d.severity));
  }
}

async function check() {
  const { data } = await call("POST", "/api/check", { text: $("editor").value, lang });
  showDiagnostics(data.diagnostics || [{ severity: "error", code: data.error.code, message: data.error.message }]);
}

function scheduleCheck() {
  clearTimeout(timer);
  timer = setTimeout(check, 300);
}

function showResults(result) {
  const body = $("results").tBodies[0];
  body.replaceChildren();
  for (const r of result.results || []) {
    const row = document.createElement("tr");
    row.append(el("td", r.rule + (r.version ? ` [${r.version}]` : "")),
               el("td", r.error ? say("error") : r.matched ? say("yes") : say("no")),
               el("td", r.action || "-"), el("td", r.deadline || "-"), el("td", r.due ? say("yes") : ""),
               el("td", [r.error, ...(r.why || [])].filter(Boolean).join("\n"), "why"));
    body.append(row);
  }
}

async function evaluate() {
  $("eval-error").textContent = "";
  let caseDoc;
  try {
    caseDoc = JSON.parse($("case").value);
  } catch (problem) {
    $("eval-error").textContent = say("not_json") + problem.message;
    return;
  }
  const request = { text: $("editor").value, case: caseDoc, lang, explain: "all" };
  if ($("at").value.trim()) request.at = $("at").value.trim();
  const { status, data } = await call("POST", "/api/eval", request);
  if (status !== 200) {
    $("eval-error").textContent = data.error ? data.error.message : String(status);
    showResults({});
    return;
  }
  showResults(data);
}

async function runTests() {
  const { data } = await call("POST", "/api/test", { text: $("editor").value, lang });
  if (data.error) {
    $("tests").textContent = data.error.message;
    return;
  }
  const changed = data.changed ? `, ${say("changed")} ${data.changed}` : "";
  const lines = [`${say("passed")} ${data.passed}, ${say("failed")} ${data.failed}${changed}; ` +
                 `${say("coverage")} ${data.coverage.percent.toFixed(1)}%`];
  for (const e of data.examples.filter((x) => !x.passed)) {
    // a shop overlay's base example: its line is in the base's file, and a changed outcome is no failure
    const where = e.inherited ? `${say("base_example")} ${e.line}:${e.col}` : `${e.line}:${e.col}`;
    const mark = e.changed ? ` [${say("changed")}]` : "";
    lines.push(`${where} ${e.rule}: ${e.example}${mark}`, ...e.differences.map((d) => "    " + d));
  }
  $("tests").textContent = lines.join("\n");
}

async function save() {
  const name = $("rulebook").value;
  const text = $("editor").value;
  const preview = await call("POST", "/api/save", { platform: name, text, dry_run: true, lang });
  if (preview.status !== 200) {
    $("diff").textContent = preview.data.error.message;
    return;
  }
  $("diff").textContent = preview.data.diff;
  if (!window.confirm(say("confirm_save"))) return;
  const errors = preview.data.diagnostics.some((d) => d.severity === "error");
  if (errors && !window.confirm(say("confirm_force"))) return;
  const done = await call("POST", "/api/save", { platform: name, text, force: errors, lang });
  $("diff").textContent = done.status === 200 ? say("saved") : done.data.error.message;
}

function pick() {
  const chosen = served.find((r) => r.name === $("rulebook").value);
  if (chosen) $("editor").value = chosen.text;
  check();
}

async function start() {
  const { data } = await call("GET", "/api/rulebooks");
  lang = data.lang === "en" ? "en" : "zh";
  relabel();
  served = data.rulebooks;
  for (const r of served) {
    const option = el("option", r.platform ? `${r.name} (${r.platform})` : r.name);
    option.value = r.name;
    $("rulebook").append(option);
  }
  $("save").hidden = !data.writable;
  $("rulebook").addEventListener("change", pick);
  $("editor").addEventListener("input", scheduleCheck);
  $("evaluate").addEventListener("click", evaluate);
  $("run-tests").addEventListener("click", runTests);
  $("save").addEventListener("click", save);
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; relabel(); check(); });
  pick();
}

document.addEventListener("DOMContentLoaded", start);
