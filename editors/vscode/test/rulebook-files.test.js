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

test("an adapter mapping is checked too: a top-level adapter key, or extends beside a mapping's key", () => {
  const { isChecked, isMapping } = require("../rulebook-files");
  assert.ok(isChecked("/work/shop/my-mapping.yaml", "adapter: mine\nfields: {}\n"));
  assert.ok(isChecked("/work/shop/my-mapping.yaml", "extends: douyin-aftersale-list\nfields:\n  order.status: null\n"));
  assert.ok(isChecked("/work/shop/rulebooks/douyin.yaml", ""));
  assert.ok(!isMapping("extends: douyin\nparameters: {}\n"));         // a shop overlay: a rulebook by its other keys
  assert.ok(!isChecked("/work/shop/compose.yml", "fields:\n  a: 1\n")); // a mapping's key without adapter/extends
  assert.ok(!isChecked("/work/shop/notes.yaml", "  adapter: nested\n"));
  assert.ok(!isChecked("/work/shop/empty.yaml", "adapter:\n"));
});
