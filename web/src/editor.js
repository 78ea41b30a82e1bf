// The workbench's editor: CodeMirror 6 with YAML highlighting, lint markers set by the page
// (the server's diagnostics), quick fixes as actions, and a gutter of ✓/✗/? per condition.
// Bundled by scripts/build-editor.sh into dsl/web/static/vendor/editor.min.js as the global
// `RulebookEditor`; the page (static/app.js) uses only `RulebookEditor.create`.
//
// Positions from the server are 1-based lines and columns counted in code points (end
// exclusive); CodeMirror counts UTF-16 code units, so every position is converted here.
//
// The editor lives in a shadow root: CodeMirror then puts its styles into adopted style
// sheets instead of a <style> element, which the page's Content-Security-Policy
// (style-src 'self', no inline style) would block.
import { EditorState, StateEffect, StateField, RangeSet } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
         drawSelection, gutter, GutterMarker } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from "@codemirror/language";
import { setDiagnostics, lintGutter, lintKeymap } from "@codemirror/lint";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { yaml } from "@codemirror/lang-yaml";

/** The document offset of a 1-based (line, code-point column), clamped to the document. */
function offsetOf(doc, line, col) {
  if (!line || line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const info = doc.line(line);
  let offset = 0;
  let left = Math.max(0, (col || 1) - 1);
  for (const ch of info.text) {
    if (left-- <= 0) break;
    offset += ch.length;
  }
  return info.from + Math.min(offset, info.length);
}

/** The (from, to) offsets of a server span; a span without an end covers its line's rest. */
function rangeOf(doc, span) {
  const from = offsetOf(doc, span.line, span.col);
  let to = span.end_line ? offsetOf(doc, span.end_line, span.end_col) : doc.lineAt(from).to;
  if (to < from) to = from;
  return { from, to };
}

class ConditionMarker extends GutterMarker {
  constructor(states, title) {
    super();
    this.states = states;
    this.title = title;
  }
  eq(other) { return other.states.join() === this.states.join() && other.title === this.title; }
  toDOM() {
    const node = document.createElement("span");
    const worst = this.states.includes("false") ? "false" : this.states.includes("unknown") ? "unknown" : "true";
    node.className = "rb-cond rb-cond-" + worst;
    node.textContent = this.states.map((s) => (s === "true" ? "✓" : s === "false" ? "✗" : "?")).join("");
    node.title = this.title;
    node.dataset.state = worst;
    return node;
  }
}

const setConditions = StateEffect.define();
const conditionField = StateField.define({
  create: () => RangeSet.empty,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const effect of tr.effects) if (effect.is(setConditions)) marks = effect.value;
    return marks;
  },
});

/** [{line, state, title}] (1-based lines) as one marker per line, in line order. */
function conditionSet(doc, list) {
  const byLine = new Map();
  for (const c of list) {
    if (!c.line || c.line > doc.lines) continue;
    const entry = byLine.get(c.line) || { states: [], titles: [] };
    entry.states.push(c.state);
    entry.titles.push(c.title);
    byLine.set(c.line, entry);
  }
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  return RangeSet.of(lines.map((line) => {
    const entry = byLine.get(line);
    return new ConditionMarker(entry.states, entry.titles.join("\n")).range(doc.line(line).from);
  }));
}

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "13px", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: "ui-monospace, 'SF Mono', Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace", lineHeight: "1.5" },
  ".cm-gutters": { backgroundColor: "#f7f7f9", borderRight: "1px solid #e3e3e8", color: "#999" },
  ".rb-conditions": { minWidth: "2.2em", textAlign: "center" },
  ".rb-cond": { fontWeight: "bold", cursor: "help" },
  ".rb-cond-true": { color: "#1a7f37" },
  ".rb-cond-false": { color: "#cf222e" },
  ".rb-cond-unknown": { color: "#9a6700" },
  ".cm-tooltip-lint": { maxWidth: "36em", fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif" },
  ".cm-diagnosticAction": { backgroundColor: "#0969da", borderRadius: "4px" },
});

/**
 * An editor in `host` (its content in a shadow root). `onChange(text)` runs on every edit.
 * Returns the page's handle: text(), setText(t), setDiagnostics(list), setConditions(list),
 * goTo(line, col), focus().
 */
export function create(host, { text = "", onChange = () => {} } = {}) {
  const root = host.shadowRoot || host.attachShadow({ mode: "open" });
  const conditionsGutter = gutter({
    class: "rb-conditions",
    markers: (view) => view.state.field(conditionField),
  });
  const view = new EditorView({
    root,
    parent: root,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(), conditionField, conditionsGutter, lintGutter(), highlightActiveLineGutter(),
        history(), drawSelection(), indentOnInput(), bracketMatching(), highlightActiveLine(),
        highlightSelectionMatches(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), yaml(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap, indentWithTab]),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc.toString()); }),
        EditorState.tabSize.of(2), theme,
      ],
    }),
  });

  /** The text edits of a quick fix ({line, col, end_line, end_col, new_text}) applied at once. */
  function applyEdits(edits) {
    const doc = view.state.doc;
    const changes = edits.map((e) => {
      const { from, to } = rangeOf(doc, e);
      return { from, to, insert: e.new_text };
    });
    view.dispatch({ changes, userEvent: "input.fix" });
    view.focus();
  }

  return {
    view,
    text: () => view.state.doc.toString(),
    setText(newText) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: newText },
                      effects: setConditions.of(RangeSet.empty) });
    },
    applyEdits,
    /** [{line, col, end_line, end_col, severity, message, fixes:[{title, edits}]}] as lint markers. */
    setDiagnostics(list) {
      const doc = view.state.doc;
      const marks = list.filter((d) => d.line).map((d) => ({
        ...rangeOf(doc, d),
        severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info",
        message: d.message,
        source: d.code,
        actions: (d.fixes || []).map((fix) => ({ name: fix.title, apply: () => applyEdits(fix.edits) })),
      }));
      view.dispatch(setDiagnostics(view.state, marks));
    },
    /** [{line, state: "true"|"false"|"unknown", title}] as ✓/✗/? in the conditions gutter. */
    setConditions(list) {
      view.dispatch({ effects: setConditions.of(conditionSet(view.state.doc, list)) });
    },
    goTo(line, col) {
      const at = offsetOf(view.state.doc, line, col || 1);
      view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
      view.focus();
    },
    focus: () => view.focus(),
  };
}
