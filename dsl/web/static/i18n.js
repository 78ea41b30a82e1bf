// Every string of the page's own, in zh and en (one catalog). Messages about rulebooks and
// cases come from the server, already in the language asked for (its catalog).
export const WORDS = {
  zh: {
    title: "规则工作台", rulebook: "规则手册", switch_lang: "EN", save: "保存…", edited: "● 未保存的改动",
    problems: "问题", clean: "没有问题", n_errors: "{n} 个错误", n_warnings: "{n} 个警告", checking: "检查中…",
    fix: "修复", go_to: "跳到第 {line} 行",
    tab_case: "案例与判定", tab_tests: "示例测试", tab_whatif: "假设分析",
    example: "从示例开始", no_example: "（选择一个示例）", at: "判定时间（北京时间）", at_hint: "留空：用案例的 now，否则当前时间",
    at_now: "现在", form: "表单", json: "JSON", case_fields: "案例", none: "（无）", yes: "是", no: "否",
    not_json: "JSON 无效：{detail}", not_object: "案例必须是一个 JSON 对象", fix_form: "案例有错误（见上方），无法判定",
    bad_int: "请输入整数", bad_decimal: "请输入金额，例如 99.50", too_many_decimals: "最多 {n} 位小数",
    below_min: "不能小于 {min}", above_max: "不能大于 {max}", bad_time: "请输入完整的日期和时间",
    list_hint: "用逗号分隔", required: "必填", beijing: "+08:00",
    decision: "判定结果", evaluating: "判定中…", rule: "规则", matched: "命中", not_matched: "未命中",
    action: "动作", deadline: "期限", due: "已到期", not_due: "未到期", why: "原因", rule_error: "无法判定",
    text_has_errors: "规则文本有错误，无法判定", timeline: "期限时间线", now: "判定时刻", no_deadlines: "没有期限",
    matched_n: "{n} 条规则命中", conditions_marked: "编辑器左侧标出了每个条件：✓ 成立，✗ 不成立，? 无法判断",
    run_tests: "运行全部示例", tests_stale: "这次运行之后文本已改动：请重新运行", tests_summary: "{passed} 个通过，{failed} 个失败", coverage: "覆盖率 {percent}%",
    uncovered: "未覆盖：", failures: "失败的示例：", all_passed: "全部通过", line_col: "第 {line} 行",
    changed_by_overlay: "被叠加规则改变（列出，不算失败）：", base_example: "底层规则手册的示例",
    whatif_intro: "用一批案例比较编辑中的文本与已保存的文件：哪些判定会改变。",
    whatif_examples: "全部示例", whatif_file: "上传文件（CSV、JSON Lines 或 JSON）", compare: "比较",
    whatif_summary: "{total} 个案例中 {changed} 个判定改变", rejected: "未能读取：",
    transitions: "变化（按规则）", transition: "变化", count: "数量", changed_cases: "改变的案例",
    case_id: "案例", before: "已保存", after: "编辑后", download_csv: "下载 CSV", no_file: "请先选择一个文件",
    comparing: "比较中…", running: "运行中…", no_changes: "没有判定改变", rule_absent: "（无此规则）",
    whatif_undecided: "{n} 个案例有规则无法判定（字段有误）",
    save_title: "保存 {file}", save_diff: "改动：", no_diff: "没有改动", save_errors: "文本有 {n} 个错误。",
    save_force: "仍然保存（文件将含有错误）", confirm_save: "保存", cancel: "取消",
    saved: "已保存（备份：{backup}）", saved_again: "已保存（文件已不存在，已重新写入）", save_failed: "保存失败：{detail}",
    server_error: "服务器错误：{detail}", network_error: "无法连接服务器：{detail}",
  },
  en: {
    title: "Rulebook workbench", rulebook: "Rulebook", switch_lang: "中文", save: "Save…", edited: "● unsaved changes",
    problems: "Problems", clean: "No problems", n_errors: "{n} error(s)", n_warnings: "{n} warning(s)", checking: "checking…",
    fix: "Fix", go_to: "go to line {line}",
    tab_case: "Case & decision", tab_tests: "Examples", tab_whatif: "What-if",
    example: "Start from an example", no_example: "(pick an example)", at: "Judge at (Beijing time)",
    at_hint: "empty: the case's now, else the current time", at_now: "Now", form: "Form", json: "JSON",
    case_fields: "Case", none: "(none)", yes: "yes", no: "no",
    not_json: "Not valid JSON: {detail}", not_object: "The case must be a JSON object",
    fix_form: "The case has errors (see above): no decision", bad_int: "a whole number", bad_decimal: "an amount, e.g. 99.50",
    too_many_decimals: "at most {n} decimals", below_min: "at least {min}", above_max: "at most {max}",
    bad_time: "a full date and time", list_hint: "comma-separated", required: "required", beijing: "+08:00",
    decision: "Decision", evaluating: "evaluating…", rule: "Rule", matched: "matched", not_matched: "not matched",
    action: "Action", deadline: "Deadline", due: "due", not_due: "not due", why: "Why", rule_error: "cannot decide",
    text_has_errors: "The rulebook text has errors: no decision", timeline: "Deadlines", now: "judged at",
    no_deadlines: "no deadlines", matched_n: "{n} rule(s) matched",
    conditions_marked: "The editor's gutter marks each condition: ✓ holds, ✗ fails, ? cannot tell",
    run_tests: "Run all examples", tests_stale: "The text changed since this run: run them again", tests_summary: "{passed} passed, {failed} failed", coverage: "coverage {percent}%",
    uncovered: "Not covered:", failures: "Failing examples:", all_passed: "All passed", line_col: "line {line}",
    changed_by_overlay: "Changed by the overlay (listed, not failures):", base_example: "the base's example",
    whatif_intro: "Compare the edited text with the saved file over a batch of cases: which decisions change.",
    whatif_examples: "All examples", whatif_file: "Upload a file (CSV, JSON Lines or JSON)", compare: "Compare",
    whatif_summary: "{changed} of {total} cases change", rejected: "Not read:",
    transitions: "Changes by rule", transition: "Change", count: "Count", changed_cases: "Changed cases",
    case_id: "Case", before: "Saved", after: "Edited", download_csv: "Download CSV", no_file: "Choose a file first",
    comparing: "comparing…", running: "running…", no_changes: "No decision changes", rule_absent: "(rule absent)",
    whatif_undecided: "{n} case(s) some rule cannot decide (a bad field)",
    save_title: "Save {file}", save_diff: "Changes:", no_diff: "No changes", save_errors: "The text has {n} error(s).",
    save_force: "Save anyway (the file will have errors)", confirm_save: "Save", cancel: "Cancel",
    saved: "Saved (backup: {backup})", saved_again: "Saved (the file was gone: written again)", save_failed: "Not saved: {detail}",
    server_error: "Server error: {detail}", network_error: "Cannot reach the server: {detail}",
  },
};

let current = "zh";

export function setLang(lang) { current = lang === "en" ? "en" : "zh"; }
export function lang() { return current; }

/** The catalog's text for `key` in the current language, {name} filled from `args`. */
export function say(key, args = {}) {
  const text = WORDS[current][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(args[name] ?? ""));
}

/** A field's (or enum value's) label in the current language. */
export function label(item) { return (current === "en" ? item.en : item.zh) || item.en || item.zh || item.path || item.value; }

/** Every [data-say] element's text in the current language. */
export function relabel(root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-say]")) node.textContent = say(node.dataset.say);
  for (const node of root.querySelectorAll("[data-say-title]")) node.title = say(node.dataset.sayTitle);
}
