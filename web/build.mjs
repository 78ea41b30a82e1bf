// Bundles src/editor.js into ONE minified file for the page, and writes the licences of
// every package that went into it next to it (CodeMirror and its dependencies are MIT).
import { build } from "esbuild";
import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const out = resolve(process.argv[2] || "../dsl/web/static/vendor");
const result = await build({
  entryPoints: ["src/editor.js"], bundle: true, minify: true, format: "iife", globalName: "RulebookEditor",
  target: ["es2020"], outfile: join(out, "editor.min.js"), metafile: true, legalComments: "none",
  charset: "utf8",
});

/** The package folder (with package.json) a bundled file belongs to. */
function packageOf(file) {
  let dir = dirname(resolve(file));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  if (!input.includes("node_modules")) continue;
  const dir = packageOf(input);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  packages.set(meta.name, { dir, version: meta.version, license: meta.license });
}
const parts = ["The workbench's editor bundle (editor.min.js) contains the following packages, each under its own licence.\n"];
for (const [name, { dir, version, license }] of [...packages].sort()) {
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  if (!file) throw new Error(`${name}: no licence file`);
  parts.push(`${"=".repeat(72)}\n${name} ${version} (${license})\n${"=".repeat(72)}\n` + readFileSync(join(dir, file), "utf8").trim() + "\n");
}
writeFileSync(join(out, "editor.LICENSES.txt"), parts.join("\n"));
console.log(`editor.min.js: ${packages.size} packages: ${[...packages.keys()].sort().join(", ")}`);
