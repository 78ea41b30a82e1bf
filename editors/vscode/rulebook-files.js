// Which files the server checks: rulebooks, and the adapter mappings `rulebook check` checks
// too (docs/adapters.md, "Checking a mapping file"). Kept apart from `vscode` so that
// `npm test` runs it with plain node.
"use strict";

const IN_RULEBOOKS = /(^|[\\/])rulebooks[\\/][^\\/]+\.ya?ml$/;
const RULEBOOK_KEY = /^rulebook:[ \t]*[^\s#]/m;
// a mapping: a top-level `adapter:` with a value, or an `extends:` with a value beside a key
// only a mapping has (a user's mapping over a shipped one: `extends: douyin-aftersale-list`)
const ADAPTER_KEY = /^adapter:[ \t]*[^\s#]/m;
const EXTENDS_KEY = /^extends:[ \t]*[^\s#]/m;
const MAPPING_KEY = /^(fields|tables|items|item|options|set|endpoint):/m;

// A rulebook: a `.yaml`/`.yml` file directly under a `rulebooks` folder, or one whose text has
// a top-level `rulebook:` key with a value.
function isRulebook(path, text) {
  return IN_RULEBOOKS.test(path || "") || RULEBOOK_KEY.test((text || "").slice(0, 20000));
}

function isMapping(text) {
  const head = (text || "").slice(0, 20000);
  return ADAPTER_KEY.test(head) || (EXTENDS_KEY.test(head) && MAPPING_KEY.test(head));
}

// What the server is given: a rulebook or an adapter mapping (the server tells which).
function isChecked(path, text) {
  return isRulebook(path, text) || isMapping(text);
}

module.exports = { isRulebook, isMapping, isChecked };
