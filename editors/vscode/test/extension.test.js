// `npm test`: the extension starts `rulebook lsp` with the configured command and language,
// and its middleware hands the server rulebooks only. `vscode` and the language client are
// stand-ins here (plain node runs this; no VS Code, no npm install needed).
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const Module = require("node:module");

const settings = {};
const started = [];
const fakes = {
  vscode: {
    workspace: { getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }) },
    commands: { registerCommand: (name, run) => ({ name, run, dispose() {} }) },
    window: { showErrorMessage: (text) => started.push({ error: text }) },
  },
  "vscode-languageclient/node": {
    TransportKind: { stdio: 0 },
    LanguageClient: class {
      constructor(id, name, server, options) {
        Object.assign(this, { id, name, server, options });
        started.push(this);
      }
      async start() {}
      async stop() {}
      dispose() {}
    },
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in fakes ? fakes[request] : load.call(this, request, ...rest);
};
const extension = require("../extension");

function doc(path, text) {
  return { uri: { fsPath: path, path, toString: () => `file://${path}` }, languageId: "yaml", version: 1,
           getText: () => text };
}

test("activate starts `rulebook lsp` over stdio, in VS Code's language unless one is set", async () => {
  started.length = 0;
  await extension.activate({ subscriptions: [] });
  assert.deepStrictEqual(started[0].server, { command: "rulebook", args: ["lsp"], transport: 0 });
  assert.deepStrictEqual(started[0].options.initializationOptions, {});
  settings["lang"] = "en";
  settings["server.command"] = "/opt/venv/bin/rulebook";
  await extension.activate({ subscriptions: [] });
  assert.strictEqual(started[1].server.command, "/opt/venv/bin/rulebook");
  assert.deepStrictEqual(started[1].options.initializationOptions, { lang: "en" });
});

test("the middleware passes rulebooks on and keeps other YAML files from the server", () => {
  const sent = [];
  const middleware = extension.middleware((method, params) => { sent.push([method, params]); return "opened"; });
  const seen = [];
  const next = (...args) => { seen.push(args); return "answered"; };
  const rulebook = doc("/shop/rulebooks/douyin.yaml", "rulebook: douyin\n");
  const compose = doc("/shop/docker-compose.yml", "services: {}\n");
  assert.strictEqual(middleware.didOpen(rulebook, next), "answered");
  assert.strictEqual(middleware.didOpen(compose, next), undefined);
  assert.strictEqual(middleware.didChange({ document: compose }, next), undefined);
  assert.strictEqual(middleware.didChange({ document: rulebook }, next), "answered");
  assert.strictEqual(middleware.provideHover(rulebook, { line: 1 }, "token", next), "answered");
  assert.strictEqual(middleware.provideCodeActions(compose, {}, {}, "token", next), undefined);
  assert.strictEqual(middleware.didClose(compose, next), undefined);
  assert.strictEqual(middleware.didClose(rulebook, next), "answered");
  assert.deepStrictEqual(seen.map((args) => args.length), [1, 1, 3, 1]);
  assert.deepStrictEqual(sent, []);
});

test("a YAML file that becomes a rulebook while edited is opened on the server then", () => {
  const sent = [];
  const middleware = extension.middleware((method, params) => { sent.push([method, params]); return "opened"; });
  const next = () => "answered";
  const mine = doc("/shop/policies/mine.yaml", "name: x\n");
  assert.strictEqual(middleware.didOpen(mine, next), undefined);
  mine.getText = () => "rulebook: my_shop\nname: x\n";
  assert.strictEqual(middleware.didChange({ document: mine }, next), "opened");
  assert.strictEqual(sent[0][0], "textDocument/didOpen");
  assert.strictEqual(sent[0][1].textDocument.text, "rulebook: my_shop\nname: x\n");
  assert.strictEqual(middleware.didChange({ document: mine }, next), "answered");
  assert.strictEqual(middleware.didClose(mine, next), "answered");
});
