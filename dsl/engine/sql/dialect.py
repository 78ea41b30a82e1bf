"""What differs between the SQL engines, as sqlglot trees: one small class per dialect.

Everything else the SQL backend writes is portable on purpose. Time is integer arithmetic on
epoch microseconds and epoch days (no TIMESTAMP type, no session time zone, no AT TIME ZONE:
the prototype found each of them shifting Beijing times somewhere), amounts are DECIMAL, and
every cast runs only on text a regular expression has already accepted, so neither a lenient
cast nor Spark's ANSI mode ever meets a value the Python engine would refuse.
"""
from __future__ import annotations

from typing import Final

from sqlglot import exp

BIGINT: Final = exp.DataType.build("BIGINT")
INT128: Final = exp.DataType.build("DECIMAL(38, 0)")
TEXT: Final = exp.DataType.build("VARCHAR")


# the characters str.isspace() holds true for, as a regular expression class
PY_SPACE: Final = r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"


def lit(value: object) -> exp.Expression:
    """A literal: text, a whole number, a boolean or null."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A function the dialect spells this way (rendered as written)."""
    return exp.Anonymous(this=name, expressions=list(args))


class Dialect:
    """The functions whose names or semantics differ between engines."""

    name: str = ""
    materialized_ctes: bool = False   # WITH x AS MATERIALIZED (...): computed once however often read

    def regex_full(self, text: exp.Expression, pattern: str) -> exp.Expression:
        """`text` matches `pattern` as a whole (the pattern is anchored here)."""
        return exp.RegexpLike(this=text, expression=exp.Literal.string(f"^(?:{pattern})$"))

    def stripped_groups(self, text: exp.Expression, pattern: str, count: int) -> list[exp.Expression]:
        """The groups 1..count of `pattern` matched against the whole of `strip(text)` ('' for
        a group that took no part, every group '' when the text does not match; `pattern` must
        start and end with something other than white space)."""
        whole = lit(f"^{pattern}$")
        stripped = self.strip(text)
        return [exp.RegexpExtract(this=stripped, expression=whole, group=lit(i)) for i in range(1, count + 1)]

    def text_list(self, items: list[exp.Expression]) -> exp.Expression:
        return exp.Array(expressions=items) if items else self.empty_list()

    def empty_list(self) -> exp.Expression:
        return exp.Cast(this=exp.Array(expressions=[]), to=exp.DataType.build("ARRAY<VARCHAR>"))

    def contains(self, items: exp.Expression, item: exp.Expression) -> exp.Expression:
        return exp.ArrayContains(this=items, expression=item)

    def size(self, items: exp.Expression) -> exp.Expression:
        return exp.ArraySize(this=items)

    def filter(self, items: exp.Expression, keep: exp.Lambda) -> exp.Expression:
        """The items for which the one-argument lambda `keep` holds, in order."""
        return fn("filter", items, keep)

    def int_range(self, start: exp.Expression, stop: exp.Expression, step: int) -> exp.Expression:
        """The whole numbers from start to stop, both included, by `step` (BIGINTs)."""
        return fn("sequence", start, stop, exp.Cast(this=lit(step), to=BIGINT))

    def all_equal(self, items: exp.Expression, value: str) -> exp.Expression:
        """Every item of a list is the text `value` (true for an empty list)."""
        k = exp.to_identifier("k")
        return fn("forall", items, exp.Lambda(this=exp.EQ(this=k, expression=lit(value)), expressions=[k]))

    def concat_lists(self, lists: list[exp.Expression]) -> exp.Expression:
        out = lists[0]
        for more in lists[1:]:
            out = fn("array_concat", out, more)
        return out

    def sorted_distinct(self, items: exp.Expression) -> exp.Expression:
        return exp.ArraySort(this=fn("array_distinct", items))

    def join(self, items: exp.Expression, sep: str) -> exp.Expression:
        return exp.ArrayToString(this=items, expression=exp.Literal.string(sep))

    def at_index(self, items: exp.Expression, one_based: exp.Expression) -> exp.Expression:
        return fn("element_at", items, one_based)

    def int_div(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """Integer division of BIGINTs (truncating: used on values known to be non-negative)."""
        return exp.Paren(this=exp.IntDiv(this=a, expression=b))

    def json_string(self, text: exp.Expression) -> exp.Expression:
        """Text as a JSON string (quoted and escaped as json.dumps(..., ensure_ascii=False))."""
        raise NotImplementedError

    def strip(self, text: exp.Expression) -> exp.Expression:
        """`str.strip()`: white space (Python's, Unicode's included) cut from both ends."""
        return exp.RegexpReplace(this=text, expression=lit(f"^[{PY_SPACE}]+|[{PY_SPACE}]+$"), replacement=lit(""),
                                 modifiers=lit("g"))

    def wall_clock_text(self, local_us: exp.Expression) -> exp.Expression | None:
        """`YYYY-MM-DDTHH:MM:SS` of a wall time in epoch microseconds (years 1..9999), when the
        engine has an exact formatter that ignores its session time zone; else None."""
        return None

    def usual_instant(self, text: exp.Expression) -> tuple[str, exp.Expression] | None:
        """The form most timestamps are written in (a pattern) and the instant, in epoch
        microseconds, of a text of that form, computed natively: NULL where the date or time
        is not on the calendar. None: every text takes the general parse (fields.py)."""
        return None

    def exact_product(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """The product of two decimals is exact here (operands below 10**15 each)."""
        return exp.true()

    def render(self, tree: exp.Expression, pretty: bool = True) -> str:
        """The tree's text. Rendered in place (`copy=False`): sqlglot's dialect transforms
        give the same text when a tree is rendered again (tested), and a copy of the tree of
        a whole rulebook first took most of the time (1.5 s of 2 for Douyin)."""
        return tree.sql(dialect=self.name, pretty=pretty, copy=False)


class DuckDB(Dialect):
    name = "duckdb"
    materialized_ctes = True

    def render(self, tree: exp.Expression, pretty: bool = True) -> str:
        """As Dialect.render, a concatenation of many pieces (`||`, NULL when any piece is)
        bracketed as a balanced tree: DuckDB joins `a || b || c ...` pairwise from the left,
        copying the text so far at every step (a case's output line, some sixty pieces:
        quadratic), where a balanced tree copies each piece a few times."""
        for node in list(tree.find_all(exp.Concat)):
            if not node.args.get("coalesce") and len(node.expressions) > 2:
                node.replace(_balanced(list(node.expressions)))
        return super().render(tree, pretty)

    def wall_clock_text(self, local_us: exp.Expression) -> exp.Expression | None:
        # make_timestamp(BIGINT) is a TIMESTAMP without time zone: no session time zone applies
        return fn("strftime", fn("make_timestamp", exp.Cast(this=local_us, to=BIGINT)), lit("%Y-%m-%dT%H:%M:%S"))

    def json_string(self, text: exp.Expression) -> exp.Expression:
        r"""DuckDB's to_json writes `\u001F` where json.dumps writes `\u001f` (nine control
        characters): those escapes are lowered, an escaped backslash (`\\`) held aside as
        chr(1), which to_json never leaves unescaped."""
        whole = exp.Cast(this=fn("to_json", text), to=TEXT)
        odd = [chr(c) for c in (0x0B, 0x0E, 0x0F, *range(0x1A, 0x20))]
        fixed = fn("replace", whole, lit("\\\\"), fn("chr", lit(1)))
        for c in odd:
            fixed = fn("replace", fixed, lit(f"\\u{ord(c):04X}"), lit(f"\\u{ord(c):04x}"))
        fixed = fn("replace", fixed, fn("chr", lit(1)), lit("\\\\"))
        return exp.Case(ifs=[exp.If(this=fn("regexp_matches", text, lit(f"[{''.join(odd)}]")), true=fixed)],
                        default=whole)

    def regex_full(self, text: exp.Expression, pattern: str) -> exp.Expression:
        return fn("regexp_full_match", text, exp.Literal.string(pattern))

    def usual_instant(self, text: exp.Expression) -> tuple[str, exp.Expression] | None:
        """`2026-11-05T09:00:00+08:00` or `...Z` (a year from 1000 on): try_strptime of one
        fixed format is strict (no 02-30, no 24:00, no second 60, as datetime), and of a
        TIMESTAMP, epoch_us ignores the session's time zone. With %z it is not strict (it
        took 2026-02-30T09:00:00+08:00 as March 2nd): the offset is read here instead."""
        wall = fn("epoch_us", fn("try_strptime", exp.Substring(this=text, start=lit(1), length=lit(19)),
                                 lit("%Y-%m-%dT%H:%M:%S")))
        offset = exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.Length(this=text), expression=lit(20)), true=lit(0))],
                          default=lit(8 * 3600 * 1_000_000))
        return r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\+08:00|Z)", exp.Sub(this=wall, expression=offset)

    def stripped_groups(self, text: exp.Expression, pattern: str, count: int) -> list[exp.Expression]:
        """One match for all groups (regexp_extract with a list of names gives a struct), the
        white space str.strip() cuts matched around the pattern instead of cut first: one
        regular expression per value where a group each took eight (DuckDB computes the
        struct once for the columns that read it)."""
        names = [f"g{i}" for i in range(1, count + 1)]
        space = f"[{PY_SPACE}]*"
        groups = fn("regexp_extract", text, lit(f"^{space}(?:{pattern}){space}$"),
                    exp.Array(expressions=[lit(n) for n in names]))
        return [fn("struct_extract", groups, lit(n)) for n in names]

    def concat_lists(self, lists: list[exp.Expression]) -> exp.Expression:
        out = lists[0]
        for more in lists[1:]:
            out = fn("list_concat", out, more)
        return out

    def sorted_distinct(self, items: exp.Expression) -> exp.Expression:
        return fn("list_sort", fn("list_distinct", items))

    def at_index(self, items: exp.Expression, one_based: exp.Expression) -> exp.Expression:
        return fn("list_extract", items, one_based)

    def filter(self, items: exp.Expression, keep: exp.Lambda) -> exp.Expression:
        return fn("list_filter", items, keep)

    def int_range(self, start: exp.Expression, stop: exp.Expression, step: int) -> exp.Expression:
        return fn("generate_series", start, stop, exp.Cast(this=lit(step), to=BIGINT))

    def all_equal(self, items: exp.Expression, value: str) -> exp.Expression:
        k = exp.to_identifier("k")
        others = fn("list_filter", items, exp.Lambda(this=exp.NEQ(this=k, expression=lit(value)), expressions=[k]))
        return exp.EQ(this=fn("list_count", others), expression=lit(0))


class Spark(Dialect):
    """Spark SQL: Java regular expressions (`$` would match before a final line break, `\\z`
    does not); SIZE(NULL) is -1 unless ANSI mode is on, so a NULL list keeps its NULL."""

    name = "spark"

    def regex_full(self, text: exp.Expression, pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=text, expression=exp.Literal.string(f"^(?:{pattern})\\z"))

    def size(self, items: exp.Expression) -> exp.Expression:
        return exp.If(this=exp.Is(this=items, expression=exp.Null()), true=exp.Null(), false=exp.ArraySize(this=items))

    def strip(self, text: exp.Expression) -> exp.Expression:
        """Java's regexp_replace replaces every match (no flags argument); `\\z` is the end."""
        return fn("regexp_replace", text, lit(f"^[{PY_SPACE}]+|[{PY_SPACE}]+\\z"), lit(""))

    def exact_product(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """Spark types DECIMAL(38, 4) * DECIMAL(38, 4) as DECIMAL(38, 6) and rounds the product
        (spark.sql.decimalOperations.allowPrecisionLoss, on by default): exact only when the
        operands' decimals, as their values have them, are 6 or fewer together. Counted on
        their text: comparing ROUND(x, 3) with x rounds x to 3 decimals first."""
        def decimals(x: exp.Expression) -> exp.Expression:
            text = exp.Cast(this=x, to=TEXT)
            digits = exp.Length(this=exp.RegexpExtract(this=text, expression=lit(r"\.([0-9]*[1-9])"), group=lit(1)))
            return exp.Case(ifs=[exp.If(this=exp.Like(this=text, expression=lit("%E%")), true=lit(99))], default=digits)

        return exp.LTE(this=exp.Add(this=decimals(a), expression=decimals(b)), expression=lit(6))

    def json_string(self, text: exp.Expression) -> exp.Expression:
        """to_json's string, with the hex digits of its \\u escapes (control characters) in
        lower case as json.dumps writes them (Jackson writes `\\u001F`, json `\\u001f`); an
        escaped backslash before `u001F` is text and stays."""
        whole = fn("to_json", fn("named_struct", lit("v"), text))
        out = fn("substring", whole, lit(6), exp.Sub(this=exp.Length(this=whole), expression=lit(6)))
        for letter in "ABCDEF":
            out = exp.RegexpReplace(this=out, expression=lit(r"(?<!\\)((?:\\\\)*\\u00[01])" + letter),
                                    replacement=lit("$1" + letter.lower()))
        return out

    def concat_lists(self, lists: list[exp.Expression]) -> exp.Expression:
        return exp.ArrayConcat(this=lists[0], expressions=lists[1:]) if len(lists) > 1 else lists[0]

    def empty_list(self) -> exp.Expression:
        return exp.Cast(this=fn("array"), to=exp.DataType.build("ARRAY<STRING>"))


DIALECTS: Final[dict[str, type[Dialect]]] = {"duckdb": DuckDB, "spark": Spark}


def dialect(name: str) -> Dialect:
    return DIALECTS[name]()


def _balanced(items: list[exp.Expression]) -> exp.Expression:
    """`items` joined by `||` two halves at a time, each half bracketed."""
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return exp.Paren(this=exp.DPipe(this=_balanced(items[:half]), expression=_balanced(items[half:])))
