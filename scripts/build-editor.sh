#!/usr/bin/env bash
# Rebuilds the workbench's editor bundle from npm: CodeMirror 6 (the versions pinned in
# web/package.json and web/package-lock.json) into ONE minified file,
# dsl/web/static/vendor/editor.min.js, and the licences of every package in it,
# dsl/web/static/vendor/editor.LICENSES.txt. Both are committed; node_modules is not.
# Needs node and npm; run it after changing web/src/editor.js or a version.
set -euo pipefail
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund
node build.mjs ../dsl/web/static/vendor
