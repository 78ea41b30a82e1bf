// The VS Code client of `rulebook lsp`: starts the server over stdio and hands it the YAML
// files that are rulebooks (under a `rulebooks/` folder, or starting with a `rulebook:` key),
// and no other YAML file (a docker-compose.yml is none of its business).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { isRulebook } = require("./rulebook-files");

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("rulebook");
  const command = config.get("server.command", "rulebook");
  const args = config.get("server.args", ["lsp"]);
  return { command, args, transport: TransportKind.stdio };
}

function initializationOptions() {
  const lang = vscode.workspace.getConfiguration("rulebook").get("lang", "auto");
  return lang === "auto" ? {} : { lang };
}

// Every request and notification about a document goes through `onlyRulebooks`: a YAML file
// that is not a rulebook is never sent to the server, so it gets no diagnostics from it.
function onlyRulebooks(documentOf) {
  return (...args) => {
    const next = args[args.length - 1];
    const document = documentOf(args[0]);
    if (!isRulebook(document.uri.fsPath || document.uri.path, document.getText())) {
      return undefined;
    }
    return next(...args.slice(0, -1));
  };
}

function middleware() {
  const itself = (document) => document;
  const out = {
    didOpen: onlyRulebooks(itself),
    didChange: onlyRulebooks((event) => event.document),
    didClose: onlyRulebooks(itself),
    didSave: onlyRulebooks(itself),
  };
  for (const name of ["provideCompletionItem", "provideHover", "provideDefinition", "provideReferences",
                      "provideCodeActions", "provideDocumentFormattingEdits", "provideInlayHints"]) {
    out[name] = onlyRulebooks(itself);
  }
  return out;
}

async function start(context) {
  client = new LanguageClient(
    "rulebook",
    "Rulebook",
    serverOptions(),
    {
      documentSelector: [{ scheme: "file", language: "yaml" }, { scheme: "untitled", language: "yaml" }],
      initializationOptions: initializationOptions(),
      middleware: middleware(),
    },
  );
  await client.start();
  context.subscriptions.push(client);
}

async function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand("rulebook.restartServer", async () => {
    if (client) {
      await client.stop();
    }
    await start(context);
  }));
  try {
    await start(context);
  } catch (error) {
    vscode.window.showErrorMessage(
      `Rulebook: could not start \`${serverOptions().command} ${serverOptions().args.join(" ")}\` ` +
      `(${error.message}). Install it with \`pip install "rulebook[lsp]"\`, or set rulebook.server.command.`);
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, middleware };
