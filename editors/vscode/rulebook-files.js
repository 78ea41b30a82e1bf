// Which files are rulebooks: a `.yaml`/`.yml` file directly under a `rulebooks` folder, or one
// whose text has a top-level `rulebook:` key with a value (kept apart from `vscode` so that
// `npm test` runs it with plain node).
"use strict";

const IN_RULEBOOKS = /(^|[\\/])rulebooks[\\/][^\\/]+\.ya?ml$/;
const RULEBOOK_KEY = /^rulebook:[ \t]*[^\s#]/m;

function isRulebook(path, text) {
  return IN_RULEBOOKS.test(path || "") || RULEBOOK_KEY.test((text || "").slice(0, 20000));
}

module.exports = { isRulebook };
