"""`rulebook lsp`: a language server for rulebooks (pygls, stdio), the optional extra `rulebook[lsp]`.

`positions` converts between the loader's code points and LSP's UTF-16 units; `features`
computes diagnostics, completion, hover and formatting from a document's text without pygls,
so they are tested directly; `server` wires them to the protocol."""
