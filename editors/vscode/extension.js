// The VS Code client of `rulebook lsp`: starts the server over stdio and hands it the YAML
// files that are rulebooks (under a `rulebooks/` folder, or starting with a `rulebook:` key),
// and no other YAML file (a docker-compose.yml is none of its business).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { isChecked } = require("./rulebook-files");

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

function rulebookDocument(document) {
  return isChecked(document.uri.fsPath || document.uri.path, document.getText());
}

// Every request about a document goes through `onlyRulebooks`: a YAML file that is not a
// rulebook is never sent to the server, so it gets no diagnostics from it.
function onlyRulebooks() {
  return (...args) => {
    const next = args[args.length - 1];
    return rulebookDocument(args[0]) ? next(...args.slice(0, -1)) : undefined;
  };
}

// Opening, changing and closing: the server is told about the rulebooks only, and about a
// YAML file that becomes one while it is edited (a `rulebook:` key typed) when it does.
function middleware(send) {
  const open = new Set();
  const out = {
    didOpen: (document, next) => {
      if (!rulebookDocument(document)) {
        return undefined;
      }
      open.add(document.uri.toString());
      return next(document);
    },
    didChange: (event, next) => {
      const document = event.document;
      const uri = document.uri.toString();
      if (open.has(uri)) {
        return next(event);
      }
      if (!rulebookDocument(document)) {
        return undefined;
      }
      open.add(uri);
      return send("textDocument/didOpen", { textDocument: {
        uri, languageId: document.languageId, version: document.version, text: document.getText() } });
    },
    didClose: (document, next) => (open.delete(document.uri.toString()) ? next(document) : undefined),
  };
  for (const name of ["didSave", "provideCompletionItem", "provideHover", "provideDefinition", "provideReferences",
                      "provideCodeActions", "provideDocumentFormattingEdits", "provideInlayHints"]) {
    out[name] = onlyRulebooks();
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
      middleware: middleware((method, params) => client.sendNotification(method, params)),
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
