"""`rulebook eval --engine duckdb`: JSON Lines decided by DuckDB, written as the Python engine writes them.

DuckDB reads the file (every line, in order, blank ones too), decides every rule with the
query of `engine/sql/query.py` and writes each clean case's line of `--format jsonl
--no-explain` itself: the text `batchfast._Writer` gives, built in SQL. A case that is not
clean (a bad or unknown field, a rule that hangs on one, a line that is not a case, a
platform of another rulebook, an id with characters JSON escapes) comes back without text,
and the Python engine reads that line from the file and does exactly what it does without
--engine: the same output, messages and summary. The file is read by Python beside
DuckDB's rows, in chunks checked in step (sqlruns.py), so a line is never taken for another
(a mismatch hands the rest of the file to the Python engine); consecutive decided cases go
to the batch as one item. Parquet, CSV and standard input: sqlinputs.py; `--output
FILE.parquet`: sqlparquet.py.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Iterator

from sqlglot import exp

from dsl.cases.inputs import CaseInput
from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import add, and_, case, cast, coalesce, col, concat, eq, is_null, mul, not_, not_null, or_
from dsl.engine.sql.dialect import dialect, fn, lit
from dsl.engine.sql.duck import connect, lines_of
from dsl.engine.deadlinecheck import PLATFORM_DEADLINE
from dsl.engine.results import identity_json
from dsl.engine.sql.query import QueryBuilder, RuleColumns, carried_column
from dsl.tools.sqldeadline import check_text
from dsl.tools.batch import Decided
from dsl.tools.decidedrun import DecidedRun
from dsl.tools.sqlruns import RowsFile, json_lines_items, read_rest

# a case id written between quotes as it is: nothing json.dumps would escape
_PLAIN_ID = r'[^"\\\x00-\x1f]*'
# a JSON escape of a UTF-16 surrogate: the Python reader rejects a lone one, so such lines are its
_SURROGATE = r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class SqlEval:
    """One rulebook's eval over JSON Lines files on DuckDB."""

    def __init__(self, book: Any, at: datetime | None, clock: datetime, keep: tuple[str, ...] = (), lang: str = "zh"):
        self.book = book
        self.lang = lang   # that of a deadline_check's difference
        self.at = at
        self.clock = clock
        self.keep = keep   # columns of the table `cases` carried to every row (`_row`)
        self.d = dialect("duckdb")
        builder = QueryBuilder(book.model, book.params, book.vocabulary, self.d, exp.to_table("cases"),
                               keep=keep, at=at, clock=clock, check_all=True, carry=(PLATFORM_DEADLINE,))
        self.builder = builder
        self.query = builder.build()
        self.diagnostics = self.query.diagnostics
        self.platform_index = None

    def statement(self, name: str) -> str:
        """The query giving, per line in order: `_line` (the output line of a clean case,
        else NULL), `_matched` (bits of the rules that matched), `_length` (the line's
        bytes, to keep Python's reading in step), the `keep` columns and `doc`. A case
        naming another platform is `_fatal` (query.py), so not clean."""
        assert self.query.tree is not None
        tree = self.query.tree
        rules = self.query.rules
        clean = and_(is_null(col("_fatal")), not_(col("_dirty")), *[is_null(col(r.error)) for r in rules],
                     coalesce(self.d.regex_full(col("_id"), _PLAIN_ID), exp.false()),
                     not_(and_(fn("contains", col("_doc"), lit("\\u")), fn("regexp_matches", col("_doc"), lit(_SURROGATE)))))
        line = concat(lit('{"case": '), self._case_json(name), lit(identity_json(self.book.platform, self.book.overlay_id)
                                                                        + ', "at": "'),
                      cal.timestamp_text(self.d, col("_at")), lit('", "results": ['),
                      *self._results(rules), lit('], "timeline": ['), self._timeline(rules), lit("]}"))
        mask: exp.Expression = lit(0)   # a sum of bits: no list, no CASE per rule
        for i, r in enumerate(rules):
            bit = cast(exp.Is(this=col(r.matched), expression=exp.true()), "BIGINT")
            mask = add(mask, bit if i == 0 else mul(bit, lit(1 << i)))
        length = coalesce(fn("strlen", col("doc")), lit(0))   # bytes, the text not copied (as encode would)
        final = exp.select(exp.alias_(case([(clean, line)]), "_line", quoted=True),
                           exp.alias_(coalesce(mask, lit(0)), "_matched", quoted=True),
                           exp.alias_(length, "_length", quoted=True),
                           *[col(k) for k in self.keep], col("doc")).from_("decided", copy=False)
        final.set("with_", tree.args.get("with_"))
        return self.d.render(final, pretty=False)   # in the file's order: DuckDB keeps insertion order

    def _case_json(self, name: str) -> exp.Expression:
        """The case's id as JSON text (a case without one is the Python engine's: it is named
        by its file and line)."""
        return concat(lit('"'), col("_id"), lit('"'))

    def _results(self, rules: list[RuleColumns]) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        for i, r in enumerate(rules):
            if i:
                out.append(lit(", "))
            out.append(self._rule_text(r))
        return out

    def _rule_text(self, r: RuleColumns) -> exp.Expression:
        """`RuleResult.to_dict("none")` as json.dumps writes it (batchfast._Writer._dumps)."""
        rule = self.book.model.rules[[x.rule for x in self.query.rules].index(r.rule)]
        versioned = rule.versions_by is not None
        actions = sorted({a.action for v in rule.versions for a in v.actions})
        action = case([(eq(col(r.action), lit(a)), lit(_text(a))) for a in actions], lit("null"))
        deadline = case([(not_null(col(r.deadline)), concat(lit('"'), cal.timestamp_text(self.d, col(r.deadline)),
                                                            lit('"')))], lit("null"))
        head = concat(lit('{"rule": ' + _text(r.rule) + ', "matched": '),
                      case([(exp.Is(this=col(r.matched), expression=exp.true()), lit("true"))], lit("false")),
                      lit(', "action": '), action, lit(', "deadline": '), deadline, lit(', "due": '),
                      case([(col(r.due), lit("true"))], lit("false")), lit(', "why": []'))
        names = [v.name for v in rule.versions]
        version = case([(eq(col(r.version), lit(n)), lit(', "version": ' + _text(n))) for n in names if n is not None],
                       lit(""))
        outputs = self._outputs_text(r)
        check = check_text(self.d, col(r.matched), col(r.deadline), col(carried_column(PLATFORM_DEADLINE)), self.lang) \
            if any(v.deadline is not None for v in rule.versions) else lit("")
        body = concat(head, version, outputs, check, lit("}"))
        whens = []
        if versioned:
            missing = lit(json.dumps({"rule": r.rule, "matched": False, "action": None, "deadline": None, "due": False,
                                      "why": []}, ensure_ascii=False))
            whens.append((is_null(col(r.version)), missing))
        # the usual decision has no deadline and no outputs: its text is a constant, chosen here
        plain = and_(is_null(col(r.deadline)), not_(exp.Is(this=col(r.matched), expression=exp.true()))
                     if r.outputs_kinds else exp.true())
        whens.append((plain, self._constant_text(r, names, actions)))
        return case(whens, body)

    def _constant_text(self, r: RuleColumns, names: list[str | None], actions: list[str]) -> exp.Expression:
        """The rule's object for a decision without deadline or outputs, by matched, action
        and version: one of a few constants."""
        def text(matched: bool, action: str | None, version: str | None) -> str:
            obj: dict[str, Any] = {"rule": r.rule, "matched": matched, "action": action, "deadline": None,
                                   "due": False, "why": []}
            if version is not None:
                obj["version"] = version
            return json.dumps(obj, ensure_ascii=False)

        def by_action(matched: bool, version: str | None) -> exp.Expression:
            return case([(eq(col(r.action), lit(a)), lit(text(matched, a, version))) for a in actions],
                        lit(text(matched, None, version)))

        def by_matched(version: str | None) -> exp.Expression:
            return case([(exp.Is(this=col(r.matched), expression=exp.true()), by_action(True, version))],
                        by_action(False, version))

        if len(names) == 1:
            return by_matched(names[0])
        return case([(eq(col(r.version), lit(n)), by_matched(n)) for n in names if n is not None], exp.Null())

    def _outputs_text(self, r: RuleColumns) -> exp.Expression:
        from dsl.engine.sql.svalue import Sv, json_text

        if not r.outputs_kinds:
            return lit("")
        per_version = self.query.outputs[r.rule]
        names = self.query.versions[r.rule]
        pieces_of: dict[str, exp.Expression] = {}
        for j, (n, kind) in enumerate(r.outputs_kinds):
            pieces_of[n] = col(f"{r.prefix}_o{j}_json") if n in r.const_outputs else \
                json_text(self.d, Sv(kind, col(f"{r.prefix}_o{j}")))
        whens = []
        for version, outs in zip(names, per_version):
            if not outs:
                continue
            parts: list[exp.Expression] = [lit(', "outputs": {')]
            for k, n in enumerate(outs):
                parts += [lit((", " if k else "") + _text(n) + ": "), pieces_of[n]]
            parts.append(lit("}"))
            cond = is_null(col(r.version)) if version is None else eq(col(r.version), lit(version))
            whens.append((and_(exp.Is(this=col(r.matched), expression=exp.true()), cond), concat(*parts)))
        return case(whens, lit("")) if whens else lit("")

    def _timeline(self, rules: list[RuleColumns]) -> exp.Expression:
        """CaseResult.timeline: matched rules with a deadline, by (deadline, rule id)."""
        model = {rule.id: rule for rule in self.book.model.rules}
        rules = [r for r in rules if any(v.deadline is not None for v in model[r.rule].versions)]
        width = max((len(r.rule) for r in rules), default=1)
        entries = []
        for r in rules:
            rule = model[r.rule]
            actions = sorted({a.action for v in rule.versions for a in v.actions})
            action = case([(eq(col(r.action), lit(a)), lit(_text(a))) for a in actions], lit("null"))
            key = concat(exp.Pad(this=exp.Cast(this=exp.Add(this=col(r.deadline), expression=lit(10 ** 18)),
                                               to=exp.DataType.build("VARCHAR")),
                                 expression=lit(20), fill_pattern=lit("0"), is_left=True),
                         lit(r.rule.ljust(width)))
            text = concat(lit('{"deadline": "'), cal.timestamp_text(self.d, col(r.deadline)),
                          lit('", "rule": ' + _text(r.rule) + ', "action": '), action,
                          case([(col(r.due), lit(', "due": true, "state": "overdue"}'))],
                               lit(', "due": false, "state": "pending"}')))
            entries.append(case([(and_(exp.Is(this=col(r.matched), expression=exp.true()), not_null(col(r.deadline)),
                                       not_null(col(r.version)) if rule.versions_by is not None else exp.true()),
                                  concat(key, text))]))
        if not entries:
            return lit("")
        listed = fn("list_filter", exp.Array(expressions=entries), exp.Lambda(
            this=exp.Not(this=exp.Is(this=exp.to_identifier("e"), expression=exp.Null())),
            expressions=[exp.to_identifier("e")]))
        cut = 20 + width + 1
        stripped = fn("list_transform", fn("list_sort", listed), exp.Lambda(
            this=exp.Substring(this=exp.to_identifier("e"), start=lit(cut)), expressions=[exp.to_identifier("e")]))
        anything = or_(*[not_null(col(r.deadline)) for r in rules])   # most cases have no deadline at all
        return case([(anything, fn("array_to_string", stripped, lit(", ")))], lit(""))


def sql_items(name: str, evaluator: SqlEval, runs: bool = False) -> Iterator[Decided | DecidedRun | CaseInput | Any]:
    """The cases of a JSON Lines file: `Decided` where DuckDB wrote the line (with `runs`,
    consecutive such cases as one `DecidedRun`), else what the Python reader gives for that
    line (exact messages, the same summary). DuckDB writes its rows to a temporary file
    (`COPY`, in the file's order), read back in chunks beside the file's (sqlruns.py): memory
    stays flat however long the file. Where DuckDB cannot read the file (bytes that are not
    UTF-8, say) or its rows and the file's lines are not the same (each row's length is
    checked), the Python engine takes the file, or the rest of it."""
    import tempfile

    import duckdb

    with tempfile.TemporaryDirectory(prefix="rulebook-duckdb-") as tmp, open(Path(name), "rb") as handle:
        rows_file = Path(tmp) / "rows.txt"
        try:
            copy_jsonl(Path(name), evaluator, rows_file, Path(tmp))
        except duckdb.Error:
            yield from read_rest(handle, name, 0, b"")
            return
        with open(rows_file, "rb") as written:
            yield from json_lines_items(name, handle, RowsFile(written, 3), runs)


def copy_jsonl(path: Path, evaluator: SqlEval, target: Path, spill: Path) -> None:
    """Per line of the JSON Lines file `path`, in order, three lines into `target`: the
    matched bits, the line's length, DuckDB's output line (empty where the Python engine
    is to decide)."""
    con = connect()
    con.execute(f"CREATE TEMP VIEW cases AS SELECT line AS doc FROM {lines_of(path)}")
    copy_rows(con, evaluator, target, spill, ["_matched", "_length", "coalesce(_line, '')"])


def copy_rows(con: Any, evaluator: SqlEval, target: Path, spill: Path, lines: list[str]) -> None:
    """Run the evaluator's statement over the view `cases` of `con` and write per case, in
    order, one line per SQL expression of `lines` (over the statement's columns: `_matched`,
    `_line`, ...; none holds a line end) into `target`; it may spill into `spill`. Read back
    with sqlruns.RowsFile: lines, not fields, so that a chunk of rows is cut into columns
    by slicing, with no work per row."""
    con.execute("SET temp_directory = " + exp.Literal.string(str(spill)).sql(dialect="duckdb"))
    out = exp.Literal.string(str(target)).sql(dialect="duckdb")
    row = ", chr(10), ".join(lines)
    con.execute(f"COPY (SELECT concat({row}) FROM ({evaluator.statement('cases')})) TO {out} "
                "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER chr(2))")


def engine_items(names: tuple[str, ...], book: Any, at: datetime | None, lang: str, report: Any,
                 fmt: str = "jsonl", outputs: list[str] | None = None, input_format: str | None = None,
                 encoding: str | None = None, adapter: Any = None) -> Iterator[Any]:
    """Every case of the files, decided by DuckDB where it can (see the module docstring,
    and sqlinputs.py for Parquet, CSV and standard input); with `fmt` csv, DuckDB's lines
    come as the CSV rows of `--format csv --no-explain`. With an `adapter` (a mapping of
    cases/mapping.py), the files are raw API payloads: the Python reader reads them, the
    mapping makes the cases, and they are spooled for DuckDB like any other input."""
    from dsl.cases.readers import read_cases
    from dsl.lang.values import SHANGHAI

    clock = datetime.now(SHANGHAI)
    evaluator = SqlEval(book, at, clock, lang=lang)
    reading = dict(vocabulary=book.vocabulary, input_format=input_format, encoding=encoding, notices=True)
    from dsl.cases.adapt import adapted_cases

    read = read_cases if adapter is None else partial(adapted_cases, adapter=adapter)
    if evaluator.diagnostics:   # a rule without an exact SQL form: said once, the Python engine does all
        say_python_fallback(evaluator.diagnostics, lang, report)
        for name in names:
            yield from read(name, **reading)
        return
    if adapter is not None:
        from dsl.tools.sqlinputs import spooled_items

        items = (item for name in names for item in spooled_items(read(name, **reading), evaluator))
    else:
        items = (item for name in names for item in _file_items(name, book, at, clock, evaluator, reading))
    yield from as_format(items, fmt, outputs or [])


def as_format(items: Iterator[Any], fmt: str, outputs: list[str]) -> Iterator[Any]:
    """An engine's items for `--format fmt`: a `Decided` JSON line (or a run's lines) becomes
    the CSV rows of `--format csv --no-explain` (any SQL engine writes JSON lines)."""
    if fmt != "csv":
        yield from items
        return
    from dsl.tools.sqlinputs import CsvLines

    to_csv = CsvLines(outputs)
    yield from (to_csv(item) if isinstance(item, (Decided, DecidedRun)) else item for item in items)


def _refused_whole(name: str) -> bool:
    """UTF-16, or nothing but blank lines (the file is empty): the reader refuses the file
    whole, with its message."""
    from dsl.cases.readers import blank_file, looks_utf16

    try:
        with open(name, "rb") as handle:
            if looks_utf16(handle.read(4)):
                return True
        return blank_file(name)
    except OSError:   # the reader says why it cannot be read
        return True


def _file_items(name: str, book: Any, at: datetime | None, clock: datetime, evaluator: SqlEval,
                reading: dict[str, Any]) -> Iterator[Any]:
    """One file's cases: JSON Lines and Parquet read by DuckDB itself, anything else (and
    standard input) by the Python reader, then decided by DuckDB. JSON Lines are read twice
    (by DuckDB, and by Python beside its rows), so only from a regular file: a pipe given by
    name (`<(zcat cases.jsonl.gz)`) can be read once, by the Python reader."""
    from dsl.cases.parquetfile import PARQUET_SUFFIXES
    from dsl.cases.readers import read_cases
    from dsl.tools.sqlinputs import parquet_items, spooled_items

    suffix = "" if name == "-" else Path(name).suffix.lower()
    given = reading["input_format"]
    regular = name != "-" and Path(name).is_file()
    if regular and (given == "jsonl" or (given is None and suffix in (".jsonl", ".ndjson"))) \
            and not _refused_whole(name):   # refused whole by the reader, with its message
        yield from sql_items(name, evaluator, True)
    elif name != "-" and given is None and suffix in PARQUET_SUFFIXES:
        yield from parquet_items(name, SqlEval(book, at, clock, keep=("_row",), lang=evaluator.lang))
    else:
        yield from spooled_items(read_cases(name, **reading), evaluator)


def say_python_fallback(diagnostics: list[Any], lang: str, report: Any, instead: str = "sql.judged_in_python") -> None:
    """A rule without an exact SQL form (E601) under `--engine duckdb|spark`, `diff` or
    `backtest`: the Python engine judges it instead (`instead`: what it takes over), with the
    same answers. That is a note, each rule's reason kept, not an error followed by a hint
    to do what was done anyway."""
    from dataclasses import replace

    from dsl.diagnostics import Phrase, render_all

    notes = [replace(d, severity="note", hint=("reason", {"reason": Phrase(instead)})) for d in diagnostics]
    for line in render_all(notes, lang, limit=20).splitlines():
        report(line)
