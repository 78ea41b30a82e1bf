// `npm test`: which YAML files the extension hands to the server (node's own test runner).
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { isRulebook } = require("../rulebook-files");

test("a YAML file under a rulebooks folder is a rulebook", () => {
  assert.ok(isRulebook("/work/shop/rulebooks/douyin.yaml", ""));
  assert.ok(isRulebook("C:\\shop\\rulebooks\\kuaishou.yml", ""));
});

test("a YAML file elsewhere is one only with a top-level rulebook key", () => {
  assert.ok(isRulebook("/work/shop/policies/mine.yaml", "# mine\nrulebook: my_shop\nrules: []\n"));
  assert.ok(!isRulebook("/work/shop/docker-compose.yml", "services:\n  web: {image: nginx}\n"));
  assert.ok(!isRulebook("/work/shop/notes.yaml", "  rulebook: nested\n"));
  assert.ok(!isRulebook("/work/shop/empty.yaml", "rulebook:\n"));
  assert.ok(!isRulebook("/work/shop/rulebooks/sub/deeper.yaml", "x: 1\n"));
});
