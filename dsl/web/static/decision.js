// The decision panel: per rule matched / action / deadline / due with the CLI's explanation
// (/api/eval, explain "all"), the deadlines drawn as an SVG timeline with the judging moment
// marked, and the per-condition ✓/✗/? of the current case in the editor's gutter (/api/trace).
import { say } from "./i18n.js";
import { $, el, beijingLocal } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "2026-11-05 09:00" (Beijing) of an ISO time, for labels. */
function short(iso) { return beijingLocal(iso).replace("T", " ").slice(0, 16); }

/** One card per rule: name (a link to its line), state, action, deadline, due, the why lines. */
export function showResults(result, lines, goTo) {
  const box = $("decision");
  box.replaceChildren();
  const rows = result.results || [];
  $("decision-summary").textContent = say("matched_n", { n: rows.filter((r) => r.matched).length });
  // the rules that decided something first (matched or unable to decide), then the rest, each in file order
  const first = (r) => (r.matched || r.error ? 0 : 1);
  for (const r of [...rows].sort((a, b) => first(a) - first(b))) {
    const card = el("article", null, "rule " + (r.error ? "error" : r.matched ? "matched" : "unmatched"));
    card.dataset.rule = r.rule;
    const head = el("header");
    const name = el("a", r.rule + (r.version ? ` [${r.version}]` : ""), "rule-name");
    name.href = "#";
    const where = lines.get(r.rule);
    if (where) name.title = say("go_to", { line: where.line });
    name.addEventListener("click", (event) => {
      event.preventDefault();
      if (where) goTo(where.line, where.col);
    });
    const state = el("span", r.error ? say("rule_error") : r.matched ? say("matched") : say("not_matched"), "badge");
    head.append(name, state);
    if (r.action) head.append(el("span", r.action, "action"));
    if (r.deadline) head.append(el("span", `${say("deadline")} ${short(r.deadline)}`, "deadline"));
    if (r.deadline) head.append(el("span", r.due ? say("due") : say("not_due"), r.due ? "badge due" : "badge"));
    card.append(head);
    const why = el("ul", null, "why");
    for (const line of [r.error, ...(r.why || [])].filter(Boolean)) {
      const mark = line.includes("✗") ? "no" : line.includes("✓") ? "yes" : line.startsWith("?") || line.endsWith("?") ? "unknown" : "";
      why.append(el("li", line, mark));
    }
    card.append(why);
    box.append(card);
  }
  drawTimeline(result);
}

/** The deadlines of the matched rules on a time axis, the judging moment marked "now". */
export function drawTimeline(result) {
  const box = $("timeline");
  box.replaceChildren();
  const marks = (result.timeline && result.timeline.length ? result.timeline
    : (result.results || []).filter((r) => r.deadline)).map((m) => ({ ...m, t: Date.parse(m.deadline) }));
  const now = Date.parse(result.at);
  if (!marks.length || Number.isNaN(now)) {
    box.append(el("p", say("no_deadlines"), "muted"));
    return;
  }
  const times = [now, ...marks.map((m) => m.t)];
  const middle = (Math.min(...times) + Math.max(...times)) / 2;
  const span = Math.max(Math.max(...times) - Math.min(...times), 24 * 3600 * 1000) * 1.2;   // a day at least, a margin
  const lo = middle - span / 2;
  const width = 640, left = 20, right = 20, rowHeight = 34, top = 24;
  const height = top + marks.length * rowHeight + 24;
  const x = (t) => left + ((t - lo) / span) * (width - left - right);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", class: "timeline" });
  chart.append(svg("title", {}, say("timeline")));
  chart.append(svg("line", { x1: left, x2: width - right, y1: top, y2: top, class: "axis" }));
  marks.sort((a, b) => a.t - b.t).forEach((m, i) => {
    const y = top + 20 + i * rowHeight;
    const late = m.t < now;
    chart.append(svg("line", { x1: x(m.t), x2: x(m.t), y1: top, y2: y, class: "stem" }));
    chart.append(svg("circle", { cx: x(m.t), cy: top, r: 5, class: late || m.due ? "mark due" : "mark" }));
    const anchor = x(m.t) > width / 2 ? "end" : "start";
    const label = svg("text", { x: x(m.t) + (anchor === "end" ? -4 : 4), y: y, "text-anchor": anchor, class: "label" },
      `${m.rule} · ${short(m.deadline)}${m.due ? " · " + say("due") : ""}`);
    chart.append(label);
  });
  chart.append(svg("line", { x1: x(now), x2: x(now), y1: 4, y2: height - 4, class: "now" }));
  const nowAnchor = x(now) > width / 2 ? "end" : "start";
  chart.append(svg("text", { x: x(now) + (nowAnchor === "end" ? -4 : 4), y: 14, "text-anchor": nowAnchor, class: "now-label" },
    `${say("now")} ${short(result.at)}`));
  box.append(chart);
}

/** The trace's conditions as gutter marks: [{line, state, title}]. */
export function conditionMarks(trace) {
  const marks = [];
  for (const rule of trace.rules || []) {
    for (const c of rule.conditions || []) {
      marks.push({ line: c.line, state: c.state, title: `${rule.rule}: ${c.text}${c.reason ? "\n" + c.reason : ""}` });
    }
  }
  return marks;
}

/** rule id → {line, col} from a trace, for the links of the cards. */
export function ruleLines(trace) {
  return new Map((trace.rules || []).map((r) => [r.rule, { line: r.line, col: r.col }]));
}
