// Save (only when the server was started with --allow-write): the diff first (a dry run),
// then the write; a text with errors is saved only when the box "save anyway" is ticked.
import { say } from "./i18n.js";
import { $, el, call, problem } from "./api.js";

/** The unified diff, one line per element, added and removed lines marked. */
function showDiff(diff) {
  const box = $("save-diff");
  box.replaceChildren();
  if (!diff) {
    box.append(el("span", say("no_diff"), "muted"));
    return;
  }
  for (const line of diff.split("\n")) {
    const kind = line.startsWith("+++") || line.startsWith("---") ? "file"
      : line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "";
    box.append(el("span", line + "\n", kind));
  }
}

/** Open the save dialog for `name` with `text`; `onSaved(text)` after a successful write. */
export async function openSave(name, file, text, onSaved) {
  const dialog = $("save-dialog");
  const preview = await call("POST", "/api/save", { platform: name, text, dry_run: true });
  $("save-status").textContent = "";
  $("save-title").textContent = say("save_title", { file });
  if (preview.status !== 200) {
    $("save-status").textContent = problem(preview);
    showDiff("");
    $("save-confirm").disabled = true;
    dialog.showModal();
    return;
  }
  showDiff(preview.data.diff);
  const errors = preview.data.diagnostics.filter((d) => d.severity === "error").length;
  $("save-errors").textContent = errors ? say("save_errors", { n: errors }) : "";
  $("save-force-row").hidden = !errors;
  $("save-force").checked = false;
  const ready = () => { $("save-confirm").disabled = !preview.data.diff || (errors > 0 && !$("save-force").checked); };
  $("save-force").onchange = ready;
  ready();
  $("save-confirm").onclick = async () => {
    const done = await call("POST", "/api/save", { platform: name, text, force: errors > 0 && $("save-force").checked });
    if (done.status !== 200) {
      $("save-status").textContent = say("save_failed", { detail: problem(done) });
      return;
    }
    $("save-status").textContent = done.data.backup ? say("saved", { backup: done.data.backup }) : say("saved_again");
    $("save-confirm").disabled = true;
    onSaved(text);
  };
  dialog.showModal();
}
