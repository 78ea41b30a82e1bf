// The workbench page: a CodeMirror editor checked as you type, the case (form and JSON), the
// decision with its explanation and timeline, ✓/✗/? per condition in the gutter, the
// examples, the what-if and save. It talks only to the documented API (docs/workbench.md),
// and puts everything from a rulebook, a case or the server on the page as TEXT.
import { say, setLang, lang, relabel, label } from "./i18n.js";
import { $, el, call, problem, debounce, beijingLocal, beijingIso, editOf } from "./api.js";
import { CaseForm } from "./caseform.js";
import { showResults, conditionMarks, ruleLines } from "./decision.js";
import { runTests, runWhatif } from "./panels.js";
import { openSave } from "./save.js";

const state = { served: [], vocabulary: [], examples: [], diagnostics: [], hasErrors: false, form: null, editor: null, seq: 0,
                edited: new Map() };

function current() { return state.served.find((r) => r.name === $("rulebook").value); }
function at() { return beijingIso($("at").value); }

function showProblems(list) {
  state.diagnostics = list;
  state.hasErrors = list.some((d) => d.severity === "error");
  state.editor.setDiagnostics(list);
  const errors = list.filter((d) => d.severity === "error").length;
  const warnings = list.filter((d) => d.severity === "warning").length;
  const status = $("status");
  status.textContent = list.length ? [errors && say("n_errors", { n: errors }), warnings && say("n_warnings", { n: warnings })]
    .filter(Boolean).join(" · ") : say("clean");
  status.className = "status " + (errors ? "error" : warnings ? "warning" : "ok");
  const box = $("problems");
  box.replaceChildren();
  for (const d of list) {
    const item = el("li", null, d.severity);
    item.dataset.line = d.line || "";
    const where = el("a", d.line ? `${d.line}:${d.col}` : "—", "where");
    where.href = "#";
    where.addEventListener("click", (event) => { event.preventDefault(); if (d.line) state.editor.goTo(d.line, d.col); });
    item.append(where, el("span", d.code, "code"), el("span", d.message, "message"));
    if (d.hint) item.append(el("span", d.hint, "hint"));
    for (const fix of d.fixes || []) {
      const button = el("button", `${say("fix")}: ${fix.title}`, "fix");
      button.type = "button";
      button.addEventListener("click", () => state.editor.applyEdits(fix.edits));
      item.append(button);
    }
    box.append(item);
  }
}

async function check() {
  const text = state.editor.text();
  state.checked = text;
  $("tests-stale").hidden = state.testedText === undefined || state.testedText === text;
  $("status").textContent = say("checking");
  $("status").className = "status";
  const answer = await call("POST", "/api/check", editOf(text));
  if (text !== state.editor.text()) return;   // typed on meanwhile: the next check answers
  if (answer.status !== 200) {
    showProblems([{ severity: "error", code: answer.data.error ? answer.data.error.code : answer.status, message: problem(answer) }]);
    return;
  }
  showProblems(answer.data.diagnostics);
  if (state.hasErrors) {
    state.checkedText = text;
    noDecision(say("text_has_errors"));
    return;
  }
  if (text !== state.examplesOf) await loadExamples();
  state.checkedText = text;
  if (Object.keys(state.form.doc).length) judge();
  else if (state.examples.length) {   // an empty case decides nothing: start from the first example
    $("example").value = "0";
    pickExample();
  }
}

/** No decision shown (and none on its way): a stale one would be read as the text's. */
function noDecision(why) {
  state.seq++;
  state.editor.setConditions([]);
  $("decision").replaceChildren();
  $("timeline").replaceChildren();
  $("decision-summary").textContent = "";
  $("decision-error").textContent = why;
}

/** Evaluate the case against the edited text (the decision) and trace it (the gutter marks). */
async function judge() {
  const doc = state.form.current();
  if (!doc) {
    noDecision(say("fix_form"));
    return;
  }
  const seq = ++state.seq;
  const text = state.editor.text();
  const request = { ...editOf(text), case: doc };
  if (at()) request.at = at();
  const key = judgement();
  $("decision-error").textContent = "";
  $("decision-summary").textContent = say("evaluating");
  const [evaluated, traced] = await Promise.all([call("POST", "/api/eval", { ...request, explain: "all" }),
                                                 call("POST", "/api/trace", request)]);
  if (seq !== state.seq) return;   // a newer judgement is on its way
  const trace = traced.status === 200 ? traced.data : { rules: [] };
  state.editor.setConditions(conditionMarks(trace));
  if (evaluated.status !== 200) {
    $("decision-summary").textContent = "";
    $("decision-error").textContent = problem(evaluated);
    $("decision").replaceChildren();
    $("timeline").replaceChildren();
  } else {
    showResults(evaluated.data, ruleLines(trace), (line, col) => state.editor.goTo(line, col));
  }
  state.judged = key;
}

/** What a decision on the screen was made from: the text, the case, the moment. */
function judgement() { return JSON.stringify([state.editor.text(), state.form.doc, at()]); }

/** True when the page shows the check of the current text and the decision of the current
 *  text, case and moment (nothing is on its way): what the browser tests wait for. */
function settled() {
  const text = state.editor.text();
  if (state.checkedText !== text) return false;
  return state.hasErrors || !state.form.current() || !Object.keys(state.form.doc).length || state.judged === judgement();
}

/** The examples of the (clean) text in the drop-down, the one picked kept picked. */
async function loadExamples() {
  const text = state.editor.text();
  const answer = await call("POST", "/api/examples", editOf(text));
  if (answer.status !== 200) return;   // a text with errors: the last list stays
  state.examplesOf = text;
  const key = (e) => `${e.rule}\u0000${e.example}`;
  const picked = $("example").value === "" ? null : state.examples[Number($("example").value)];
  state.examples = answer.data.examples;
  const select = $("example");
  select.replaceChildren(Object.assign(el("option", say("no_example"), "placeholder"), { value: "" }));
  state.examples.forEach((e, i) => {
    select.append(Object.assign(el("option", `${e.rule} — ${e.example}`), { value: String(i) }));
  });
  const again = picked ? state.examples.findIndex((e) => key(e) === key(picked)) : -1;
  select.value = again >= 0 ? String(again) : "";
}

function pickExample() {
  const chosen = state.examples[Number($("example").value)];
  if (!$("example").value || !chosen) return;
  state.form.load(chosen.case);
  $("at").value = beijingLocal(chosen.at || chosen.case.now || "");
  judge();
}

/** Remember the edited text of the rulebook on screen (kept across a switch to another one,
 *  marked in the header and the drop-down, and asked about before the page is left). */
function noteEdit(text) {
  const chosen = current();
  if (!chosen) return;
  if (text === chosen.text) state.edited.delete(chosen.name);
  else state.edited.set(chosen.name, text);
  $("edited").hidden = !state.edited.has(chosen.name);
  for (const option of $("rulebook").options) {
    const r = state.served.find((x) => x.name === option.value);
    option.textContent = (r.platform ? `${r.name} (${r.platform})` : r.name) + (state.edited.has(r.name) ? " •" : "");
  }
}

function pickRulebook() {
  const chosen = current();
  if (!chosen) return;
  state.editor.setText(state.edited.get(chosen.name) ?? chosen.text);
  noteEdit(state.editor.text());
  $("save").hidden = !state.writable;
  state.examples = [];
  $("example").value = "";
  check();
}

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    $("tab-" + tab.dataset.tab).hidden = !on;
  }
}

function showCaseView(name) {
  for (const tab of document.querySelectorAll("[data-view]")) tab.setAttribute("aria-selected", String(tab.dataset.view === name));
  $("case-form").hidden = name !== "form";
  $("case-json-box").hidden = name !== "json";
}

function switchLang() {
  setLang(lang() === "zh" ? "en" : "zh");
  relabel();
  state.form.render();
  const placeholder = $("example").querySelector("option.placeholder");
  if (placeholder) placeholder.textContent = say("no_example");
  check();
}

function wire() {
  $("rulebook").addEventListener("change", pickRulebook);
  $("example").addEventListener("change", pickExample);
  $("at").addEventListener("change", judge);
  $("at-now").addEventListener("click", () => { $("at").value = beijingLocal(new Date().toISOString()); judge(); });
  $("lang").addEventListener("click", switchLang);
  $("run-tests").addEventListener("click", async () => {
    const text = state.editor.text();
    await runTests(text, state.editor.goTo);
    state.testedText = text;
    $("tests-stale").hidden = true;
  });
  $("whatif-file").addEventListener("change", () => { $("whatif-source-file").checked = true; });
  $("whatif-run").addEventListener("click", () => runWhatif(state.editor.text(), $("rulebook").value, at()));
  $("save").addEventListener("click", () => {
    const chosen = current();
    openSave(chosen.name, chosen.file, state.editor.text(), (text) => { chosen.text = text; noteEdit(state.editor.text()); });
  });
  $("save-cancel").addEventListener("click", () => $("save-dialog").close());
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  for (const tab of document.querySelectorAll("[data-view]")) tab.addEventListener("click", () => showCaseView(tab.dataset.view));
}

async function start() {
  const [books, vocabulary] = await Promise.all([call("GET", "/api/rulebooks"), call("GET", "/api/vocabulary")]);
  if (books.status !== 200) {
    $("status").textContent = problem(books);
    return;
  }
  setLang(books.data.lang);
  relabel();
  state.served = books.data.rulebooks;
  state.writable = books.data.writable;
  state.vocabulary = vocabulary.data.fields || [];
  for (const r of state.served) {
    $("rulebook").append(Object.assign(el("option", r.platform ? `${r.name} (${r.platform})` : r.name), { value: r.name }));
  }
  const checkSoon = debounce(() => { if (state.editor.text() !== state.checked) check(); }, 250);
  state.editor = window.RulebookEditor.create($("editor"), { onChange: (text) => { noteEdit(text); checkSoon(); } });
  window.addEventListener("beforeunload", (event) => {
    if (state.edited.size) event.preventDefault();   // the browser asks whether to leave unsaved edits
  });
  const judgeSoon = debounce(judge, 250);
  state.form = new CaseForm(state.vocabulary, (doc) => (doc === null ? judge() : judgeSoon()));   // a refused case: at once
  state.form.render();
  state.form.showJson();
  wire();
  showTab("case");
  showCaseView("form");
  pickRulebook();
  window.workbench = { editor: state.editor, state, settled };   // for the browser tests and the console
}

document.addEventListener("DOMContentLoaded", start);
