// The case panel: a form generated from the vocabulary (/api/vocabulary) and a raw JSON tab,
// both views of one case document. A form edit sets or removes one path of the document; a
// JSON edit replaces the document and refills the form. Timestamps are entered as Beijing
// wall time, amounts as exact decimal text, enums picked by their labels.
import { say, label } from "./i18n.js";
import { $, el, beijingLocal, beijingIso } from "./api.js";

const INT = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** a - b for decimal texts, as a sign (-1, 0, 1), exactly. */
function compareDecimal(a, b) {
  const scale = (t) => {
    const [whole, frac = ""] = t.replace(/^-/, "").split(".");
    return { neg: t.startsWith("-"), whole, frac };
  };
  const [x, y] = [scale(a), scale(b)];
  const width = Math.max(x.frac.length, y.frac.length);
  const big = (v) => BigInt((v.neg ? "-" : "") + v.whole + v.frac.padEnd(width, "0"));
  const d = big(x) - big(y);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** [value, problem] of an input's text for a field: the JSON value, or why it is refused. */
function parseValue(field, text) {
  const raw = text.trim();
  if (raw === "") return [undefined, null];
  if (field.kind === "int" || field.kind === "money") {
    const ok = field.kind === "int" ? INT.test(raw) : DECIMAL.test(raw);
    if (!ok) return [null, say(field.kind === "int" ? "bad_int" : "bad_decimal")];
    const decimals = (raw.split(".")[1] || "").length;
    if (field.decimals != null && decimals > field.decimals) return [null, say("too_many_decimals", { n: field.decimals })];
    if (field.min != null && compareDecimal(raw, field.min) < 0) return [null, say("below_min", { min: field.min })];
    if (field.max != null && compareDecimal(raw, field.max) > 0) return [null, say("above_max", { max: field.max })];
    return [field.kind === "int" ? Number(raw) : raw, null];
  }
  if (field.kind === "bool") return [raw === "true", null];
  if (field.kind === "timestamp") {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(raw)) return [null, say("bad_time")];
    return [beijingIso(raw), null];
  }
  if (field.kind === "list") return [raw.split(/[,，]/).map((s) => s.trim()).filter(Boolean), null];
  return [raw, null];
}

/** The text an input shows for a value of the document. */
function showValue(field, value) {
  if (value === undefined || value === null) return "";
  if (field.kind === "timestamp") return beijingLocal(value);
  if (field.kind === "bool") return value === true ? "true" : value === false ? "false" : "";
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function getPath(doc, path) {
  return path.split(".").reduce((node, key) => (node && typeof node === "object" ? node[key] : undefined), doc);
}

function setPath(doc, path, value) {
  const keys = path.split(".");
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== "object" || Array.isArray(node[key])) {
      if (value === undefined) return;
      node[key] = {};
    }
    node = node[key];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function control(field) {
  if (field.kind === "enum" || field.kind === "bool") {
    const select = el("select");
    select.append(Object.assign(el("option", say("none")), { value: "" }));
    const values = field.kind === "bool"
      ? [{ value: "true", zh: "是", en: "yes" }, { value: "false", zh: "否", en: "no" }] : field.values;
    for (const v of values) select.append(Object.assign(el("option", `${label(v)} (${v.value})`), { value: v.value }));
    return select;
  }
  const input = el("input");
  input.type = field.kind === "timestamp" ? "datetime-local" : "text";
  if (field.kind === "timestamp") input.step = "1";
  if (field.kind === "money") input.inputMode = "decimal";
  if (field.kind === "int") input.inputMode = "numeric";
  if (field.kind === "list") input.placeholder = say("list_hint");
  return input;
}

export class CaseForm {
  /** A form for `fields` in #case-form, a JSON tab in #case-json; `onChange(doc)` after each valid edit. */
  constructor(fields, onChange) {
    this.fields = fields;
    this.onChange = onChange;
    this.doc = {};
    this.inputs = new Map();
    this.invalid = new Set();
    this.jsonError = false;
    $("case-json").addEventListener("input", () => this.fromJson());
  }

  /** The form, built anew (on start and on a language switch). */
  render() {
    const form = $("case-form");
    form.replaceChildren();
    this.inputs.clear();
    const groups = new Map([["", el("fieldset", null, "group")]]);
    groups.get("").append(el("legend", say("case_fields")));
    form.append(groups.get(""));
    for (const field of this.fields) {
      const parent = groups.get(field.path.split(".").slice(0, -1).join(".")) || groups.get("");
      if (field.kind === "object") {
        const set = el("fieldset", null, "group");
        const legend = el("legend", `${label(field)} · ${field.path}` + (field.required ? " *" : ""));
        if (field.required) legend.title = say("required");
        set.append(legend);
        parent.append(set);
        groups.set(field.path, set);
        continue;
      }
      parent.append(this.row(field));
    }
    this.fill();
  }

  row(field) {
    const row = el("label", null, "field");
    row.dataset.path = field.path;
    const name = el("span", label(field) + (field.required ? " *" : ""), "name");
    name.title = `${field.path} · ${field.type}` + (field.required ? ` · ${say("required")}` : "");
    const input = control(field);
    input.name = field.path;
    const message = el("span", "", "field-error");
    row.append(name, input);
    if (field.kind === "timestamp") row.append(el("span", say("beijing"), "unit"));
    row.append(message);
    input.addEventListener("change", () => this.edit(field, input, message));
    if (input.tagName === "INPUT" && input.type === "text") input.addEventListener("input", () => this.edit(field, input, message));
    this.inputs.set(field.path, { input, message, field });
    return row;
  }

  edit(field, input, message) {
    const [value, problem] = parseValue(field, input.value);
    message.textContent = problem || "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) {
      this.invalid.add(field.path);
      this.onChange(null);   // no decision for a case the form cannot give
      return;
    }
    this.invalid.delete(field.path);
    setPath(this.doc, field.path, value);
    this.showJson();
    this.onChange(this.doc);
  }

  /** Every input from the document. */
  fill() {
    for (const { input, message, field } of this.inputs.values()) {
      input.value = showValue(field, getPath(this.doc, field.path));
      message.textContent = "";
      input.setAttribute("aria-invalid", "false");
    }
    this.invalid.clear();
  }

  showJson() { $("case-json").value = JSON.stringify(this.doc, null, 2); }

  fromJson() {
    let doc;
    try {
      doc = JSON.parse($("case-json").value);
    } catch (problem) {
      this.refuse(say("not_json", { detail: problem.message }));
      return;
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      this.refuse(say("not_object"));
      return;
    }
    $("case-json-error").textContent = "";
    this.jsonError = false;
    this.doc = doc;
    this.fill();
    this.onChange(this.doc);
  }

  refuse(message) {
    $("case-json-error").textContent = message;
    this.jsonError = true;
    this.onChange(null);
  }

  /** Replace the case (an example picked). */
  load(doc) {
    this.doc = JSON.parse(JSON.stringify(doc || {}));
    this.jsonError = false;
    $("case-json-error").textContent = "";
    this.fill();
    this.showJson();
  }

  /** The case to judge, or null when the form has a refused value or the JSON cannot be read. */
  current() {
    if (this.invalid.size || this.jsonError) return null;
    return this.doc;
  }
}
