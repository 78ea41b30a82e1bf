// The page's only way to the server: the documented HTTP API (docs/workbench.md), and the
// small DOM helpers every panel uses (text only: nothing from the server becomes HTML).
import { lang, say } from "./i18n.js";

/** {status, data} of a JSON request; `lang` is added to every POST body. */
export async function call(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify({ ...body, lang: lang() });
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (problem) {
    return { status: 0, data: { error: { code: "network", message: say("network_error", { detail: problem.message }) } } };
  }
  const kind = response.headers.get("Content-Type") || "";
  if (!kind.includes("json")) return { status: response.status, data: {}, blob: await response.blob() };
  return { status: response.status, data: await response.json() };
}

/** The message of a refused request. */
export function problem(answer) {
  const error = answer.data && answer.data.error;
  return error ? error.message : say("server_error", { detail: String(answer.status) });
}

/** A new element with `text` as its text (never parsed as HTML) and class `cls`. */
export function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

export const $ = (id) => document.getElementById(id);

/** `fn` called `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** "2026-11-05T09:00:00+08:00" from any ISO time (no offset = Beijing), as Beijing wall time "YYYY-MM-DDTHH:MM:SS". */
export function beijingLocal(iso) {
  if (typeof iso !== "string" || !iso) return "";
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(iso)) return iso.slice(0, 19);
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  return new Date(moment.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19);
}

/** A Beijing wall time from a datetime-local input as an ISO time with its offset. */
export function beijingIso(local) {
  if (!local) return null;
  const full = local.length === 16 ? local + ":00" : local.slice(0, 19);
  return full + "+08:00";
}

/** A request about the edited text: `of` names the served file it is an edit of, from whose
 *  folder a shop overlay's relative `extends:` is read. */
export function editOf(text) {
  const of = $("rulebook") ? $("rulebook").value : "";
  return of ? { text, of } : { text };
}
