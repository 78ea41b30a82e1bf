"""Diagnostics: error values with positions, their bilingual message catalog, and render()."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from dsl.phrases import PHRASES

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Span:
    """A range in a *file* (1-based line and column; end is exclusive)."""

    line: int
    col: int
    end_line: int
    end_col: int

    @staticmethod
    def point(line: int, col: int, width: int = 1) -> Span:
        return Span(line, col, line, col + max(width, 1))


# code -> (English, Chinese). Codes are stable: E1xx syntax, E2xx names/types,
# E3xx rulebook shape, E4xx cases and runtime, E5xx examples.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "E101": ("unexpected character {char!r}", "意外的字符 {char!r}"),
    "E102": ("unexpected end of expression", "表达式意外结束"),
    "E103": ("bad duration literal {text!r}", "无效的时长 {text!r}"),
    "E104": ("full-width or invisible character {char!r} ({name})", "全角或不可见字符 {char!r}（{name}）"),
    "E105": ("unterminated string", "字符串缺少结束引号"),
    "E106": ("bad date or timestamp literal {text!r}: {detail}", "无效的日期或时间 {text!r}：{detail}"),
    "E107": ("expression too complex: {detail}", "表达式过于复杂：{detail}"),
    "E108": ("unexpected {token!r}", "意外的 {token!r}"),
    "E109": ("empty expression", "表达式为空"),
    "E110": ("number too long: {digits:,} digits (at most {limit:,})", "数字过长：{digits:,} 位（最多 {limit:,} 位）"),
    "E111": ("bad amount {text!r}", "无效的金额 {text!r}"),
    "E201": ("unknown field {name!r}", "未知字段 {name!r}"),
    "E202": ("unknown parameter {name!r}", "未知参数 {name!r}"),
    "E203": ("unknown function {name!r}", "未知函数 {name!r}"),
    "E204": ("cannot apply {op!r} to {left} and {right}", "不能对 {left} 与 {right} 使用 {op!r}"),
    "E205": ("{name}() {detail}", "{name}() {detail}"),
    "E206": ("{value!r} is not a value of {name} ({type})", "{value!r} 不是 {name} 的取值（{type}）"),
    "E207": ("{what} must be {expected}, not {actual}", "{what} 应为 {expected}，而不是 {actual}"),
    "E208": ("cannot apply {op!r} to {operand}", "不能对 {operand} 使用 {op!r}"),
    "E209": ("rule can never match: {detail}", "规则永远不会命中：{detail}"),
    "E210": ("list items must have one type: {first} and {other}", "列表元素类型必须一致：{first} 与 {other}"),
    "E211": ("{name!r} is an object; it can only be tested against null", "{name!r} 是对象，只能与 null 比较"),
    "E212": ("cannot compute {text!r}: {detail}", "无法计算 {text!r}：{detail}"),
    "E300": ("YAML syntax error: {detail}", "YAML 语法错误：{detail}"),
    "E301": ("duplicate key {key!r} (first at line {first_line})", "重复的键 {key!r}（首次出现在第 {first_line} 行）"),
    "E302": ("{detail}", "{detail}"),
    "E303": ("duplicate rule id {id!r} (first at line {first_line})", "重复的规则 id {id!r}（首次出现在第 {first_line} 行）"),
    "E304": ("versions {a!r} and {b!r} {detail}", "版本 {a!r} 与 {b!r} {detail}"),
    "E305": ("bad parameter value {text!r}: {detail}", "无效的参数值 {text!r}：{detail}"),
    "E306": ("unknown key {key!r} in {where}", "{where}中有未知的键 {key!r}"),
    "E307": ("{text!r} is read differently by YAML 1.1 and 1.2", "{text!r} 在 YAML 1.1 与 1.2 中含义不同"),
    "E308": ("tab character used for indentation", "使用了制表符缩进"),
    "E309": ("cannot read {path}: {detail}", "无法读取 {path}：{detail}"),
    "E310": ("YAML document too large: {detail}", "YAML 文档过大：{detail}"),
    "E311": ("no rulebook named {name!r} (looked in {where})", "找不到名为 {name!r} 的规则手册（查找位置：{where}）"),
    "E313": ("duplicate version {name!r} in rule {id!r} (first at line {first_line})",
             "规则 {id!r} 中重复的版本 {name!r}（首次出现在第 {first_line} 行）"),
    "E314": ("duplicate example name {name!r} in rule {id!r} (first at {first})",
             "规则 {id!r} 中重复的示例名 {name!r}（首次出现在{first}）"),
    "E401": ("{detail}", "{detail}"),
    "E402": ("case {case}: field {path}: {detail}", "案例 {case}：字段 {path}：{detail}"),
    "E403": ("{where}: rule {rule!r} failed: {detail}", "{where}：规则 {rule!r} 求值失败：{detail}"),
    "E404": ("bad {option} value {text!r}: {detail}", "无效的 {option} 取值 {text!r}：{detail}"),
    "E405": ("case {case}: unknown field {path!r}", "案例 {case}：未知字段 {path!r}"),
    "E406": ("{detail}", "{detail}"),
    # `rulebook check` of the cases in base_case and the examples (dsl/book/casecheck.py)
    "E502": ("unknown field {path!r} in an example's case: rules would read it as missing",
             "示例案例中有未知字段 {path!r}：规则会把它当作缺失"),
    "E503": ("bad value in an example's case: field {path}: {detail}", "示例案例中的值无效：字段 {path}：{detail}"),
    # what an example's `expect` names that its rule does not have (dsl/book/expectcheck.py)
    "E504": ("the example expects version {name!r}, which rule {id!r} does not have: {known}",
             "示例期望的版本 {name!r} 不是规则 {id!r} 的版本：{known}"),
    "E505": ("the example expects action {name!r}, which rule {id!r} never gives: {known}",
             "示例期望的动作 {name!r} 不是规则 {id!r} 会给出的动作：{known}"),
    "E506": ("the example expects output {name!r}, which rule {id!r} does not have: {known}",
             "示例期望的输出 {name!r} 不是规则 {id!r} 的输出：{known}"),
    "E601": ("rule {rule!r}: {what} cannot be compiled to {dialect} SQL with the Python engine's exact result",
             "规则 {rule!r}：{what} 无法编译为与 Python 引擎结果完全一致的 {dialect} SQL"),
    "E602": ("{detail}", "{detail}"),
    # holiday notices (book/notices.py)
    "E330": ("notice {id!r}: {detail}", "公告 {id!r}：{detail}"),
    # adapter mapping files (dsl/cases/mapping.py, issue 18 part 1)
    "E701": ("{detail}", "{detail}"),
    "E702": ("unknown key {key!r} in {where} (allowed: {allowed})", "{where}：有未知的键 {key!r}（可用：{allowed}）"),
    "E703": ("{detail}", "{detail}"),
    "E704": ("{detail}", "{detail}"),
    # shop overlays: a rulebook that `extends:` another (dsl/book/overlay.py)
    "E320": ("cannot extend {base!r}: {detail}", "无法继承 {base!r}：{detail}"),
    "E321": ("extends {base!r} again: the chain {chain} goes round in a circle",
             "再次继承 {base!r}：继承链 {chain} 形成了循环"),
    "E322": ("rule {id!r} is already defined by {base!r} (at {where}): redefining it needs override: true and a reason",
             "规则 {id!r} 已在 {base!r} 中定义（位于 {where}）：重新定义需要写 override: true 和 reason"),
    "E323": ("{what}: {base!r} has no rule {id!r}", "{what}：{base!r} 中没有规则 {id!r}"),
    "E324": ("parameter {name!r} is not a parameter of {base!r}: there is nothing to override",
             "参数 {name!r} 不是 {base!r} 的参数：没有可覆盖的内容"),
    "E325": ("parameter {name!r} is {expected} in {base!r}, not {actual}", "参数 {name!r} 在 {base!r} 中是{expected}，不是{actual}"),
    "E326": ("new parameter {name!r} is already a parameter of {base!r}", "新参数 {name!r} 已是 {base!r} 的参数"),
    "E327": ("the base rulebook {base!r} has errors: {detail}", "被继承的规则手册 {base!r} 有错误：{detail}"),
    "E328": ("{key!r} belongs to a shop overlay, a rulebook with 'extends:'", "{key!r} 只能用于店铺叠加规则（写有 'extends:' 的规则手册）"),
    "E329": ("{detail}", "{detail}"),
    # `rulebook check` of a file that is neither a rulebook nor an adapter mapping (dsl/book/filekind.py; session 25, mapcheck)
    "E312": ("neither a rulebook nor an adapter mapping: {found}; rulebook check reads a rulebook (top-level 'rulebook:' "
             "and 'rules:', docs/rulebook-format.md) or an adapter mapping (top-level 'adapter:', 'fields:' or an "
             "'extends:' of a mapping, docs/adapters.md)",
             "既不是规则手册也不是适配映射：{found}；rulebook check 读取规则手册（顶层有 'rulebook:' 和 'rules:'，见 "
             "docs/rulebook-format.md）或适配映射（顶层有 'adapter:'、'fields:' 或继承映射的 'extends:'，见 docs/adapters.md）"),
    # an amount with more decimals than the money field it is compared with (dsl/lang/moneyuse.py)
    "E214": ("{value} has {more} decimals, more than {name} holds ({decimals}): no case value can equal it",
             "{value} 有 {more} 位小数，超过 {name} 的精度（{decimals} 位）：任何案例的值都不会等于它"),
    # a parameter's text value checked against the enums it is used with (dsl/book/paramenums.py)
    "E213": ("{value!r} in parameter {param!r} is not a value of {name} (used with it at {at}): it can never match",
             "参数 {param!r} 中的 {value!r} 不是 {name} 的取值（用于 {at}）：永远不会匹配"),
}

# Errors of an example alone (its case, its expectation): the rules still build and run, so
# `rulebook check` still looks for unreachable rules and the editor still shows inlay hints.
EXAMPLE_CODES: Final = frozenset({"E502", "E503", "E504", "E505", "E506"})

HINTS: Final[dict[str, tuple[str, str]]] = {
    "reason": ("{reason}", "{reason}"),   # a hint worded elsewhere (a Phrase of the catalog)
    "sql_python": ("evaluate this rulebook with the Python engine (rulebook eval without --engine), "
                   "or rewrite the expression", "请用 Python 引擎求值（rulebook eval 不加 --engine），或改写该表达式"),
    "money_decimals": ("write {down} or {up}, whichever is meant", "请改为 {down} 或 {up}（按本意选择）"),
    "did_you_mean": ("did you mean {suggestion!r}?", "您是否想写 {suggestion!r}？"),
    "label_meant": ("did you mean {suggestion!r} ({label})?", "您是否想写 {suggestion!r}（{label}）？"),   # a value's label written
    "fullwidth": ("replace it with the ASCII {ascii!r} (switch the input method to half-width)",
                  "请改为半角 {ascii!r}（切换输入法为半角）"),
    "invisible": ("delete it: it is invisible but not a space the language accepts",
                  "请删除它：它不可见，但不是允许的空格"),
    "duration": ("write durations as a number and a unit without a space: {example}",
                 "时长写成数字加单位，中间不空格：{example}"),
    "quote_strings": ("put text in quotes: 'like this'", "文本请加引号：'像这样'"),
    "close_paren": ("missing ')'", "缺少右括号 ')'"),
    "keyword_logic": ("use {word!r}", "请使用 {word!r}"),
    "single_equals": ("compare with '==', not '='", "比较请用 '=='，不要用 '='"),
    "null_semantics": ("a comparison with null is never true; test with 'x == null'",
                       "与 null 比较永远不成立；请用 'x == null' 判断"),
    "yaml11": ("YAML 1.1 tools read it as {meaning}; quote it if you mean text ({quoted}), or write true/false",
               "YAML 1.1 工具会把它读成{meaning}；如果是文本请加引号（{quoted}），布尔值请写 true/false"),
    "yaml_tabs": ("indent with spaces", "请用空格缩进"),
    "expected": ("expected {expected}", "此处应为 {expected}"),
    "quoted_scalar": ("position is the start of the quoted YAML scalar; write expressions as plain or '|' scalars for exact columns",
                      "位置为带引号 YAML 值的开头；使用无引号或 '|' 块写法可得到精确列号"),
    "schema_enum": ("one of: {options}", "可选值：{options}"),
    "text": ("{en}", "{zh}"),
    "case_bool": ("write true or false, without quotes", "请写 true 或 false，不加引号"),
    "example_names": ("give each example of a rule its own name: `rulebook test` reports examples by name, and a shop "
                      "overlay's `base: NAME` picks one by it", "请为规则的每个示例起不同的名字：rulebook test 按名字报告示例，"
                      "店铺叠加规则的 base: NAME 也按名字选取示例"),
    "version_names": ("give each version of a rule its own name: a result says which version decided it (e.g. v2023, v2026)",
                      "同一规则的每个版本要有自己的名称：结果会写明由哪个版本判定（例如 v2023、v2026）"),
    # -- issue 13: shape, YAML syntax, parameter values, examples (see PHRASES below) --------
    "shape_example": ("write it like this: {example}", "可以这样写：{example}"),
    "snake_case": ("ids are lower_snake_case (a-z, 0-9 and _, starting with a letter): {example}",
                   "id 使用小写加下划线（a-z、0-9 和 _，以字母开头）：{example}"),
    "snake_name": ("names are lower_snake_case (a-z, 0-9 and _, starting with a letter): {example}",
                   "名称使用小写加下划线（a-z、0-9 和 _，以字母开头）：{example}"),
    "missing_source": ("say where the rule comes from: source: {{seed: 000-闪电退货.md}} or "
                       "source: {{ref: \"抖店公告 2026-03-01\"}} (or {{url: https://…}})",
                       "写明规则出处：source: {{seed: 000-闪电退货.md}} 或 "
                       "source: {{ref: \"抖店公告 2026-03-01\"}}（或 {{url: https://…}}）"),
    "yaml_indent": ("check this line's indentation: keys of one mapping, and '- ' items of one list, "
                    "start in the same column; the nearest one above starts in column {expected}, this line in column {col}",
                    "请检查这一行的缩进：同一映射的各个键、同一列表的各个 '- ' 项必须从同一列开始；"
                    "上方最近的同级行从第 {expected} 列开始，这一行从第 {col} 列开始"),
    "yaml_indent_plain": ("check this line's indentation: keys of one mapping, and '- ' items of one list, "
                          "start in the same column (indent with spaces)",
                          "请检查这一行的缩进：同一映射的各个键、同一列表的各个 '- ' 项必须从同一列开始（用空格缩进）"),
    "yaml_quote_colon": ("a value that contains ': ' must be quoted: {example}",
                         "含有 ': ' 的值必须加引号：{example}"),
    "yaml_item_line": ("a '- ' item starts its own line, under its key and indented: when:⏎  - order.paid_amount > 0",
                       "'- ' 列表项要另起一行，写在键的下一行并缩进：when:⏎  - order.paid_amount > 0"),
    "yaml_belongs": ("{key!r} belongs under {holders}: check its indentation",
                     "{key!r} 应写在 {holders} 下面：请检查它的缩进"),
    "yaml_add_colon": ("write a key as 'key: value', with ':' and a space", "键的写法是 'key: 值'，冒号后加一个空格"),
    "yaml_quote_value": ("put the value in quotes: '{text}'", "请给这个值加引号：'{text}'"),
    "bool_meant": ("did you mean {meant}? a flag's value is written true or false", "您是否想写 {meant}？开关的取值写作 true 或 false"),
    "yaml_close": ("close it with {close!r}, or separate the items with ','", "请用 {close!r} 结束，或用 ',' 分隔各项"),
    "yaml_quote_brackets": ("inside {{ }} a value with [ ] is read as a list: quote it, \"{value}\" (or write the mapping as a block)",
                            "在 {{ }} 中含 [ ] 的值会被读成列表：请给它加引号 \"{value}\"（或把这个映射写成块格式）"),
    "yaml_after_value": ("a quoted text or a {{…}} / […] ends the value: remove what follows it on the line, or quote the whole value",
                         "带引号的文本或 {{…}} / […] 就是值的结尾：请删掉同一行后面的内容，或给整个值加引号"),
    "yaml_alias_bomb": ("aliases of aliases multiply: this one stands for {size:,} nodes; copy the data instead of nesting aliases",
                        "别名套别名会成倍展开：这个别名代表 {size:,} 个节点；请直接写出数据，不要层层嵌套别名"),
    "duration_meant": ("did you mean {meant!r}? durations are a number and a unit (d, h, m, s) without a space",
                       "您是否想写 {meant!r}？时长写成数字加单位（d、h、m、s），中间不空格"),
    "money_meant": ("write amounts as a plain number, without a currency sign or thousands separator: {meant}",
                    "金额请写成纯数字，不带货币符号或千位分隔符：{meant}"),
    "param_kinds": ("a parameter is a number (300.00), a duration (48h, 7d), a date (2023-09-13), a timestamp, "
                    "true/false, text, or a list; quote it if it is text",
                    "参数可以是数字（300.00）、时长（48h、7d）、日期（2023-09-13）、时间、true/false、文本或列表；文本请加引号"),
    "drop_quotes": ("{kind} are not text: drop the quotes and write {meant}",
                    "{kind}不是文本：去掉引号，写成 {meant}"),
    "deadline_from_duration": ("a deadline is a moment, {what} is a length of time: add it to a moment, e.g. {example}",
                               "期限是一个时间点，{what} 是一段时长：请加到某个时间上，例如 {example}"),
    # shop overlays (dsl/book/overlay.py)
    "overlay_platforms": ("a platform name is one of: {names}; or give a path such as ../douyin.yaml",
                          "平台名可以是：{names}；或写路径，例如 ../douyin.yaml"),
    "overlay_name_only": ("text that is not in a file can extend a platform by name only (extends: douyin); save it to use a path",
                          "不在文件中的文本只能按名称继承平台（extends: douyin）；要用路径请先保存为文件"),
    "overlay_override": ("to replace the base's rule, add 'override: true' and 'reason: …' to it; to add a rule, give it another id",
                         "要替换被继承的规则，请在其中加上 'override: true' 和 'reason: …'；要新增规则，请换一个 id"),
    "overlay_new_param": ("a parameter of the overlay's own goes under new_parameters: {name}: …",
                          "叠加规则自己的参数请写在 new_parameters: 下：{name}: …"),
    "overlay_override_param": ("to change it, put it under parameters: {name}: …", "要修改它，请写在 parameters: 下：{name}: …"),
    "overlay_param_like": ("write it as the base does, e.g. {example}", "请按被继承规则手册的写法，例如 {example}"),
    "overlay_extends": ("add 'extends: douyin' (a platform name, or a path to a rulebook) to make this file a shop overlay, or remove the key",
                        "加上 'extends: douyin'（平台名或规则手册的路径）使本文件成为店铺叠加规则，或删除这个键"),
    "overlay_or_indent": ("a rule's examples go under the rule, indented as its other keys (check the indentation); "
                          "examples of a base's rules at the top level belong to a shop overlay (extends: douyin)",
                          "规则的示例应写在该规则下，与其他键同样缩进（请检查缩进）；顶层的 examples 只用于店铺叠加规则（extends: douyin）"),
    "overlay_example_forms": ("an entry is either a new example {{rule, name, case, expect}} or an expectation for a base example {{rule, base, expect}}",
                              "每一项要么是新示例 {{rule, name, case, expect}}，要么是对被继承示例的预期 {{rule, base, expect}}"),
    # `rulebook check` of a file that is neither a rulebook nor an adapter mapping (session 25, mapcheck)
    "check_case_document": ("it looks like a case document: judge it with rulebook eval -p PLATFORM {file}",
                            "它看起来是一个案例文档：请用 rulebook eval -p 平台 {file} 判定"),
    # an amount with more decimals than the money field it is compared with (dsl/lang/moneyuse.py)
    "E214": ("{value} has {more} decimals, more than {name} holds ({decimals}): no case value can equal it",
             "{value} 有 {more} 位小数，超过 {name} 的精度（{decimals} 位）：任何案例的值都不会等于它"),
    # a parameter's text value checked against the enums it is used with (dsl/book/paramenums.py)
    "enum_meant": ("did you mean {suggestion!r}? the values of {name}: {options}",
                   "您是否想写 {suggestion!r}？{name} 的取值：{options}"),
    "enum_values": ("the values of {name}: {options}", "{name} 的取值：{options}"),
    # an `extends:` naming nothing, alone; a mapping's text in an editor (session 25, lspmap)
    "check_extends_alone": ("with no key beside 'extends:' the file is of the kind of the file it extends (a rulebook: a shop "
                            "overlay; an adapter mapping): give the path of a file that exists",
                            "除 'extends:' 外没有其他键时，本文件的类型取决于它继承的文件（规则手册：店铺叠加规则；或适配映射）：请写一个存在的文件的路径"),
    "extends_name_only": ("text that is not in a file extends by name only (a platform: douyin; a shipped mapping: "
                          "douyin-aftersale-list); save it to use a path",
                          "不在文件中的文本只能按名称继承（平台：douyin；内置映射：douyin-aftersale-list）；要用路径请先保存为文件"),
}


class Phrase(str):
    """A piece of message text from the PHRASES catalog, rendered in the message's language.

    It is a `str` (its English text) so that code which only joins or prints details keeps
    working; `label(lang)` gives the zh or en wording, which `Diagnostic.message()` uses.
    """

    key: str
    args: dict[str, Any]

    def __new__(cls, key: str, /, **args: Any) -> Phrase:
        self = super().__new__(cls, _fmt(PHRASES[key], args, "en"))
        self.key, self.args = key, args
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.key,), self.args

    def label(self, lang: str = "en") -> str:
        return _fmt(PHRASES[self.key], self.args, lang)


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located. Text is rendered from `code` and `args` by `message()`."""

    code: str
    span: Span | None = None
    file: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    hint: tuple[str, dict[str, Any]] | None = None
    rule_path: str | None = None
    severity: Severity = "error"
    source_line: str | None = None

    def message(self, lang: str = "en") -> str:
        return _fmt(MESSAGES[self.code], self.args, lang)

    def hint_text(self, lang: str = "en") -> str | None:
        if self.hint is None:
            return None
        key, args = self.hint
        return _fmt(HINTS[key], args, lang)

    def located(self, file: str | None = None, span: Span | None = None,
                source_line: str | None = None, rule_path: str | None = None) -> Diagnostic:
        """A copy with location details filled in where they were missing."""
        return replace(
            self,
            file=self.file or file,
            span=self.span or span,
            source_line=self.source_line if self.source_line is not None else source_line,
            rule_path=self.rule_path or rule_path,
        )

    def sort_key(self) -> tuple[str, int, int, str]:
        span = self.span or Span(0, 0, 0, 0)
        return (self.file or "", span.line, span.col, self.code)


class DslError(Exception):
    """Raised with every diagnostic found; the CLI renders them all."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__(render_all(self.diagnostics))

    @property
    def code(self) -> str:
        return self.diagnostics[0].code

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span


def _localized(args: dict[str, Any], lang: str) -> dict[str, Any]:
    """Arguments that know their own wording (types) are rendered in the message's language."""
    return {k: (v.label(lang) if hasattr(v, "label") else v) for k, v in args.items()}


def _fmt(pair: tuple[str, str], args: dict[str, Any], lang: str) -> str:
    en = pair[0].format(**_localized(args, "en"))
    if lang == "zh":
        return pair[1].format(**_localized(args, "zh"))
    if lang == "both":
        zh = pair[1].format(**_localized(args, "zh"))
        return en if zh == en else f"{en} / {zh}"
    return en


def _cells(ch: str) -> int:
    """Terminal cells of a character: CJK and full-width characters take two."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _header(diag: Diagnostic, lang: str) -> str:
    where = diag.file or "<input>"
    if diag.span is not None:
        where += f":{diag.span.line}:{diag.span.col}"
    return f"{where}: {diag.severity} {diag.code}: {diag.message(lang)}"


def render_line(diag: Diagnostic, lang: str = "both") -> str:
    """One line, `file:line: error E402: message (hint)`: what a batch says per case, where a
    snippet of the input would repeat the case itself."""
    hint = diag.hint_text(lang)
    return _header(diag, lang) + (f" ({hint})" if hint else "")


def render(diag: Diagnostic, lang: str = "both") -> str:
    """Render like a compiler: `file:line:col: error E201: message`, the line, a caret, a hint."""
    out = [_header(diag, lang)]
    if diag.span is not None and diag.source_line is not None:
        line_no = str(diag.span.line)
        pad = " " * len(line_no)
        text = diag.source_line.rstrip("\r\n")
        col = diag.span.col
        if len(text) > 160:   # show a window around the column of a very long line
            start = max(0, col - 60)
            text = ("…" if start else "") + text[start:start + 120] + ("…" if start + 120 < len(text) else "")
            col = col - start + (1 if start else 0)
            diag = replace(diag, span=Span(diag.span.line, col, diag.span.line, col + min(diag.span.end_col - diag.span.col, 60)))
        width = diag.span.end_col - diag.span.col if diag.span.end_line == diag.span.line else len(text) - diag.span.col + 1
        width = max(1, min(width, max(1, len(text) - diag.span.col + 1)))
        prefix = "".join(ch if ch == "\t" else " " * _cells(ch) for ch in text[: diag.span.col - 1])
        carets = "^" * sum(_cells(ch) for ch in text[diag.span.col - 1: diag.span.col - 1 + width]) or "^"
        out += [f" {pad} |", f" {line_no} | {text}", f" {pad} | {prefix}{carets}"]
    hint = diag.hint_text(lang)
    if hint:
        label = {"en": "hint", "zh": "提示", "both": "hint / 提示"}.get(lang, "hint")
        out.append(f"   = {label}: {hint}")
    if diag.rule_path:
        where = diag.rule_path.label(lang) if isinstance(diag.rule_path, Phrase) and lang == "zh" else diag.rule_path
        out.append(f"   = 位置：{where}" if lang == "zh" else f"   = in {where}")
    return "\n".join(out)


def render_all(diags: list[Diagnostic], lang: str = "both", limit: int | None = None) -> str:
    shown = diags if limit is None else diags[:limit]
    text = "\n".join(render(d, lang) for d in shown)
    if limit is not None and len(diags) > limit:
        text += "\n" + Phrase("diag.more", n=len(diags) - limit).label(lang)
    return text


def kind_phrase(kind: str) -> Phrase:
    """How a kind of JSON value ("a list") is named inside a message, in either language."""
    key = "jsonkind." + kind
    return Phrase(key) if key in PHRASES else Phrase("pair", en=kind, zh=kind)


def json_phrase(message: str) -> Phrase:
    """Python's json message ("Expecting value") in either language."""
    key = "json." + message
    return Phrase(key) if key in PHRASES else Phrase("pair", en=message, zh=message)


def problem_text(value: Any, lang: str = "en") -> str:
    """Any reason (a Phrase or plain text) in `lang`."""
    return value.label(lang) if isinstance(value, Phrase) else str(value)
