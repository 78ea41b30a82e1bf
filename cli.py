"""The `rulebook` command: check, eval and test. Formats output and sets exit codes, nothing else.

Exit codes: 0 clean; 1 problems found (rule errors, rejected cases, failing examples);
2 usage errors (bad options, missing files).
"""
from __future__ import annotations

import errno
import json
import shlex
import sys
from datetime import datetime, timedelta
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Iterator

import click

from dsl import DslError, load_rulebook
from dsl.diagnostics import Diagnostic, render, render_all
from dsl.book.locate import available_platforms, find_rulebook, meant_platform, rulebook_files

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _echo_diagnostics(diags: list[Diagnostic], fmt: str, lang: str) -> None:
    for d in diags:
        if fmt == "github":
            span = d.span
            loc = f"file={d.file},line={span.line},col={span.col}" if span and d.file else f"file={d.file}"
            msg = d.message("en") + (f" ({d.hint_text('en')})" if d.hint else "")
            click.echo(f"::{d.severity} {loc},title={d.code}::{msg}")
        elif fmt == "json":
            click.echo(json.dumps({
                "file": d.file, "line": d.span.line if d.span else None, "col": d.span.col if d.span else None,
                "code": d.code, "severity": d.severity, "message": d.message(lang if lang != "both" else "en"),
                "hint": d.hint_text(lang if lang != "both" else "en"), "where": d.rule_path}, ensure_ascii=False))
        else:
            click.echo(render(d, lang), err=True)


class _Commands(click.Group):
    """The command group; an operating-system error nobody else handled (the disk filling up
    under the output, say) is one line on stderr and exit 2, not a traceback."""

    def main(self, args: Any = None, *rest: Any, **options: Any) -> Any:
        """click's own usage messages in the language the command line asks for (--lang)."""
        from dsl.text.clickmessages import install, lang_of

        self.lang = lang_of(list(args) if args is not None else sys.argv[1:])
        install(self.lang, self)
        return super().main(args, *rest, **options)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno == errno.EPIPE:   # the reader went away (`| head`): click handles it
                raise
            click.echo(_os_error(exc, getattr(self, "lang", "zh")), err=True)
            sys.exit(2)


def _os_error(exc: OSError, lang: str) -> str:
    """An operating-system error as one line in the user's language (the system's own words
    for an error the catalog does not name)."""
    from dsl.cases.unreadable import os_problem

    problem = os_problem(exc).label(lang)
    return _say("os_error", lang, problem=problem, where=f" ({exc.filename})" if exc.filename else "")


@click.group(cls=_Commands, context_settings=CONTEXT)
@click.version_option(package_name="rulebook")
def main() -> None:
    """Platform after-sale policies (Douyin, Kuaishou, Pinduoduo) as data: check, evaluate, test."""
    if sys.stdout is None or sys.stderr is None:   # started with a standard stream closed (`>&-`)
        if sys.stderr is not None:
            sys.stderr.write("rulebook: error: standard output is closed\n")
        sys.exit(2)
    for stream in (sys.stdout, sys.stderr):   # never die on a character the terminal cannot show
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              help="text for people, json (one diagnostic a line), github for Actions annotations.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both", help="Language of messages.")
def check(paths: tuple[str, ...], fmt: str, lang: str) -> None:
    """Validate rulebook files and adapter mapping files (or folders of them): a rulebook's shape,
    expressions, types, versions; a mapping's keys, fields, converters, code tables, options and
    extends (docs/adapters.md). A file that is neither is said in one message.

    Exit 0 when clean, 1 when any file has errors.
    """
    from dsl.book.checking import check_file
    from dsl.tools.overlayreport import overlay_report

    files = _rulebook_files_or_usage(paths, "check", lang)
    failed = 0
    for path in files:
        checked = check_file(path)
        model, diags = checked.model, checked.diagnostics
        _echo_diagnostics(diags, fmt, lang)
        errors = sum(d.severity == "error" for d in diags)
        failed += errors > 0
        if fmt == "text":
            status = "ok" if not diags else _say("check_status", lang, errors=errors, warnings=len(diags) - errors)
            click.echo(f"{path}: {status}")
            if model is not None and model.overlay is not None and not errors:   # what a shop overlay changes
                click.echo(overlay_report(model, lang))
    sys.exit(1 if failed else 0)


def _parse_at(value: str | None, lang: str = "both") -> datetime | None:
    from dsl.lang.values import BadValueError, parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value.strip())
    except BadValueError as exc:
        raise click.BadParameter(_option_problem("--at", value, exc.problem, lang), param_hint="--at") from None


def _parse_within(value: str | None, lang: str = "both") -> timedelta | None:
    from dsl.diagnostics import Phrase
    from dsl.lang.values import BadValueError, parse_duration, suggest_duration

    if value is None:
        return None
    try:
        return parse_duration(value.strip())
    except BadValueError:
        meant = suggest_duration(value)
        why = Phrase("cli.not_duration_meant", meant=meant) if meant else Phrase("cli.not_duration")
        raise click.BadParameter(_option_problem("--within", value, why, lang), param_hint="--within") from None


def _option_problem(option: str, value: str, why: Any, lang: str) -> str:
    """E404 for an option's value, in the user's language, as the other messages of the command line."""
    from dsl.diagnostics import Diagnostic

    return "E404 " + Diagnostic("E404", args={"option": option, "text": value, "detail": why}).message(lang)


def _load_books(platforms: tuple[str, ...], rulebook_paths: tuple[str, ...], lang: str = "both") -> list[Any]:
    names = list(platforms)
    given = set(names)   # named by the user: each file must hold the rulebook of its name
    if "all" in names:
        names = [n for n in names if n != "all"] + available_platforms()
    known = available_platforms()
    for name in names:   # a platform that does not exist is a usage error (2), naming the ones that do
        if name not in known:   # known: ./rulebooks/*.yaml and the packaged ones
            meant = meant_platform(name, known=known)
            raise click.BadParameter(_say("no_platform_meant" if meant else "no_platform", lang, name=name,
                                          meant=meant, platforms=", ".join(known)), param_hint="--platform")
    books = []
    try:
        for name in dict.fromkeys(names):
            path = find_rulebook(name)
            book = load_rulebook(path)
            if name in given and book.model.label != name:   # kuaishou.yaml holding douyin's: -p kuaishou judged by douyin's rules
                raise click.BadParameter(_say("platform_file_mismatch", lang, name=name, path=path,
                                              found=book.model.label), param_hint="--platform")
            books.append(book)
        for path in rulebook_paths:
            books.append(load_rulebook(path))
    except DslError as exc:
        click.echo(render_all(exc.diagnostics, lang, limit=20), err=True)
        sys.exit(1)
    return books




def _say(key: str, lang: str, **args: Any) -> str:
    """A message of the command line itself, from the catalog (dsl/phrases.py, "cli.*")."""
    from dsl.diagnostics import Phrase

    return Phrase("cli." + key, **args).label(lang)


def _rulebook_files_or_usage(paths: tuple[str, ...], command: str, lang: str) -> list[Path]:
    """The rulebook files to work on, or a usage error (exit 2) saying what was looked for."""
    if not paths and not Path("rulebooks").is_dir():
        raise click.UsageError(_say("no_rulebooks_default", lang, cwd=Path.cwd(), command=command))
    files = rulebook_files(list(paths) or ["rulebooks"])
    if command != "check":   # an adapter mapping beside the rulebooks: `rulebook check` checks it, the others take rulebooks
        files = _without_mappings(files, command, lang)
    if not files:
        raise click.UsageError(_say("no_rulebooks", lang, paths=", ".join(paths or ("rulebooks/",))))
    return files


def _without_mappings(files: list[Path], command: str, lang: str) -> list[Path]:
    """The files that are not adapter mappings; each one left out is said in a note."""
    from dsl.book.filekind import is_mapping_file

    kept = []
    for path in files:
        if is_mapping_file(path):
            click.echo(f"rulebook: note: {_say('mapping_left_out', lang, path=path, command=command)}", err=True)
        else:
            kept.append(path)
    return kept


class _InputProgress:
    """How far the case files have been read, for the progress line's share done and time left."""

    def __init__(self, names: tuple[str, ...]):
        files = [n for n in names if n != "-"]
        sizes = [Path(n).stat().st_size if Path(n).is_file() else 0 for n in files]
        self.total = sum(sizes) if len(files) == len(names) and sum(sizes) else None   # unknown for stdin
        self.sizes, self.opened, self.handle = sizes, 0, None

    def on_open(self, handle: Any) -> None:
        self.opened += 1
        self.handle = handle

    def position(self) -> int:
        import os

        before = sum(self.sizes[:max(self.opened - 1, 0)])
        try:
            return before + os.lseek(self.handle.fileno(), 0, os.SEEK_CUR) if self.handle is not None else 0
        except (OSError, ValueError):   # closed: that file is read
            return sum(self.sizes[:self.opened])


def _wants_bom(fmt: str, bom: bool | None, out: Any, to_file: bool) -> bool:
    """A BOM makes Excel read a CSV as UTF-8 (else it guesses GBK on Chinese Windows and the
    Chinese is garbled). Written when the CSV goes to a file (`--output`, or stdout redirected
    to an empty file), never into a pipe, where it would be a stray character."""
    if fmt != "csv":
        return False
    if bom is not None:
        return bom
    if to_file:
        return True
    import os
    import stat

    try:
        info = os.fstat(out.fileno())
        return stat.S_ISREG(info.st_mode) and info.st_size == 0
    except (OSError, ValueError, AttributeError):
        return False


FROM_OPTION = click.option(
    "--from", "from_name", default=None, metavar="MAPPING",
    help="The inputs are raw platform API responses (a whole page, or JSON Lines of items): MAPPING is a shipped "
    "adapter (douyin-aftersale-list, douyin-aftersale-detail, kuaishou-refund-list, kuaishou-refund-detail, "
    "pinduoduo-refund-list, pinduoduo-refund-information) or a mapping file (docs/adapters.md).")
MAPPING_OPTION = click.option(
    "--option", "option_texts", multiple=True, metavar="NAME=VALUE",
    help="With --from: a value of one of the mapping's options, e.g. refund_amount_unit=fen (repeatable).")


def _adapter(from_name: str | None, option_texts: tuple[str, ...], vocabulary: Any, cases: tuple[str, ...] = (),
             input_format: str | None = None, lang: str = "zh") -> Any:
    """The mapping of --from with its --option values, or None; a mapping that cannot be used
    is said with every problem at its file:line:col (exit 2: nothing was read)."""
    from dsl.diagnostics import Phrase

    if from_name is None:
        if option_texts:
            raise click.UsageError(Phrase("adapt.option_needs_from").label(lang))
        return None
    given = {}
    for text in option_texts:
        name, eq, value = text.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise click.BadParameter(Phrase("adapt.option_syntax", text=text).label(lang), param_hint="--option")
        given[name.strip()] = value.strip()
    for name in cases:
        suffix = Path(name).suffix.lower()
        shown = input_format or (suffix[1:] if suffix in (".csv", ".parquet", ".pq") else None)
        if shown in ("csv", "parquet", "pq"):
            raise click.BadParameter(Phrase("adapt.input_format", format=shown).label(lang), param_hint="CASES")
    from dsl.cases.mapping import MappingError, load_mapping

    try:
        return load_mapping(from_name, vocabulary, given)
    except MappingError as exc:
        click.echo(render_all(exc.diagnostics, lang, limit=20), err=True)
        sys.exit(2)


@main.command(name="eval")
@click.argument("cases", nargs=-1, required=True)
@click.option("--platform", "-p", "platforms", multiple=True,
              help="Rulebook by platform name (rulebooks/NAME.yaml here, else the packaged one); repeat, or 'all'. "
              "A case that names its `platform` is evaluated only against that platform's rulebook.")
@click.option("--rulebook", "-r", "rulebook_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Rulebook by file path; repeatable.")
@click.option("--at", "at_text", help="Judge the cases at this moment (ISO 8601; no offset = Beijing time). "
              "Default: each case's `now`, else the current time.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]), default=None,
              help="table for people; json / jsonl: one JSON object per case and rulebook, one a line; "
              "csv: one row per case and rule. Default: by --output's suffix (.csv, .json, .jsonl, "
              ".parquet with --engine duckdb), else table.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, writable=True),
              help="Write the results to this file instead of standard output (CSV gets a BOM for Excel); "
              "its suffix chooses the format, and a --format that contradicts it is refused.")
@click.option("--bom/--no-bom", default=None,
              help="CSV: start with a UTF-8 BOM so Excel shows Chinese correctly. Default: when writing to a "
              "file (--output, or stdout redirected to a new file), never into a pipe.")
@click.option("--input-format", type=click.Choice(["json", "jsonl", "csv", "yaml"]), default=None,
              help="Format of the case files (default: by suffix; standard input and other names are sniffed).")
@click.option("--encoding", default=None,
              help="Encoding of CSV case files (default: UTF-8, else GB18030 when the text is clearly Chinese).")
@click.option("--within", "within_text", help="Only results with a matched deadline due by now + this (e.g. 6h); "
              "overdue ones included. csv/jsonl list only those rules.")
@click.option("--explain/--no-explain", default=None,
              help="--explain: every condition of every rule with the value it saw (the table's default); "
              "--no-explain: no reasons (fastest). Default for json/jsonl/csv: the conditions that decided.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of labels, reasons and messages.")
@click.option("--summary/--no-summary", "show_summary", default=True,
              help="End with the counts (stdout for the table, stderr otherwise).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1,
              help="Evaluate in N processes (output keeps the input order).")
@click.option("--engine", type=click.Choice(["python", "duckdb", "spark"]), default="python",
              help="duckdb: decide the cases in DuckDB (JSON Lines and Parquet read by DuckDB itself, CSV, JSON, "
              "YAML and stdin through the Python reader); spark: decide them with Spark SQL (a local session, "
              "--spark-master, or Spark Connect at $SPARK_REMOTE). Both: --format jsonl|json|csv --no-explain, "
              "one rulebook, no --jobs; cases with a bad or unknown field are still handled by the Python engine, "
              "with the same output.")
@click.option("--spark-master", default=None, metavar="URL",
              help="--engine spark: the cluster's master URL (spark://host:7077, yarn, ...). Default: local[2].")
@FROM_OPTION
@MAPPING_OPTION
def eval_cmd(cases: tuple[str, ...], platforms: tuple[str, ...], rulebook_paths: tuple[str, ...],
             at_text: str | None, fmt: str, output: str | None, bom: bool | None, input_format: str | None,
             encoding: str | None, within_text: str | None, explain: bool | None, lang: str,
             show_summary: bool, jobs: int, engine: str, spark_master: str | None, from_name: str | None,
             option_texts: tuple[str, ...]) -> None:
    """Evaluate cases against rulebooks.

    CASES are files: one JSON or YAML case, a JSON array, JSON Lines (.jsonl), CSV with
    columns named by path (order.paid_amount, ...) or Parquet (.parquet, read with DuckDB);
    '-' reads standard input (JSON, JSON Lines or CSV, sniffed, or say --input-format).
    JSON Lines and CSV stream in constant memory.

    With --from NAME (a shipped adapter mapping, e.g. douyin-aftersale-list, or a mapping
    file), CASES are raw API responses (a whole page, or JSON Lines of items): each item
    becomes a case by the mapping; an item it cannot map is rejected, naming why.

    Exit 0 when every case was evaluated cleanly, 1 when any case or field was rejected or a
    field is unknown, 130 when interrupted (Ctrl-C; the output ends at a case boundary).
    """
    from functools import partial

    from dsl.tools.batch import BatchOptions, Interrupt, Progress, Reporter, Sink, output_names, run_batch, run_parallel
    from dsl.cases.readers import read_cases

    if not platforms and not rulebook_paths:
        raise click.UsageError(_say("which_rulebook", lang))
    for name in cases:
        if name != "-" and not Path(name).exists():
            raise click.BadParameter(_say("case_missing", lang, name=name), param_hint="CASES")
    if list(cases).count("-") > 1:
        raise click.BadParameter(_say("stdin_once", lang), param_hint="CASES")
    at = _parse_at(at_text, lang)
    within = _parse_within(within_text, lang)
    if encoding is not None:
        _say_encoding_unused(cases, input_format, lang)
    fmt, to_parquet = _output_format(fmt, output, engine, lang)
    books = _load_books(platforms, rulebook_paths, lang)
    adapter = _adapter(from_name, option_texts, books[0].vocabulary, cases, input_format, lang)
    if spark_master is not None and engine != "spark":
        raise click.UsageError(_say("spark_master_alone", lang))
    spark = _spark_session(books, fmt, explain, within, spark_master, lang, jobs) if engine == "spark" else None
    if engine == "duckdb":    # refused before the output file is opened (and emptied)
        _engine_usage(engine, books, "jsonl" if to_parquet else fmt, False if to_parquet else explain, within, lang,
                      jobs)
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115 - closed below
    try:
        level = "none" if explain is False else "all" if explain or fmt == "table" else "failing"
        sink = Sink(out, "jsonl" if fmt == "json" else fmt, level, lang, outputs=output_names(books),
                    bom=_wants_bom(fmt, bom, out, output is not None))
        sizes = _InputProgress(cases)
        progress = Progress(sys.stderr, lang=lang, total_bytes=sizes.total, position=sizes.position)
        report = Reporter(lambda line: click.echo(line, err=True), progress)
        reading = dict(vocabulary=books[0].vocabulary, input_format=input_format, encoding=encoding, notices=True,
                       on_open=sizes.on_open)
        read = read_cases
        if adapter is not None:   # raw API payloads: the mapping makes the cases
            from dsl.cases.adapt import adapted_cases

            read = partial(adapted_cases, adapter=adapter)
        with Interrupt() as interrupt:
            if engine == "spark":
                from dsl.lang.values import SHANGHAI
                from dsl.tools.sparkbatch import spark_items

                from dsl.tools.sqlbatch import as_format

                items = as_format(spark_items((item for name in cases for item in read(name, **reading)),
                                              books[0], at, datetime.now(SHANGHAI), lang, report, spark),
                                  fmt, sink.outputs)
                summary = run_batch(items, books, sink, at, within, lang, report=report, progress=progress,
                                    interrupt=interrupt)
            elif to_parquet:
                out.close()
                _engine_parquet(cases, books, at, output, input_format, encoding, lang, show_summary, adapter)
            elif engine != "python":
                from dsl.tools.sqlbatch import engine_items

                items = engine_items(cases, books[0], at, lang, report, fmt, sink.outputs, input_format, encoding,
                                     adapter)
                summary = run_batch(items, books, sink, at, within, lang, report=report, progress=progress,
                                    interrupt=interrupt)
            elif jobs > 1:   # JSON Lines cut into blocks for the workers, unless a mapping reads them first
                items = (item for name in cases for item in
                         (read(name, **reading) if adapter else read_cases(name, raw_lines=True, **reading)))
                paths = [str(Path(book.model.file).resolve()) for book in books]
                summary = run_parallel(items, paths, sink, jobs, BatchOptions(at, within, lang), report, progress,
                                       interrupt=interrupt, books=books)
            else:
                items = (item for name in cases for item in read(name, **reading))
                summary = run_batch(items, books, sink, at, within, lang, report=report, progress=progress,
                                    interrupt=interrupt)
        out.flush()
    finally:
        if output:
            out.close()
    if show_summary:
        text = summary.text(lang)
        if within is not None:
            text += "\n" + _say("within", lang, n=summary.shown, within=within_text)
        click.echo(text, err=fmt != "table" or output is not None)
    sys.exit(130 if summary.interrupted else 0 if summary.clean else 1)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--from", "from_name", required=True, metavar="MAPPING",
              help="A shipped adapter (douyin-aftersale-list, ...) or a mapping file (docs/adapters.md).")
@MAPPING_OPTION
@click.option("--input-format", type=click.Choice(["json", "jsonl", "yaml"]), default=None,
              help="Format of the files (default: by suffix; standard input and other names are sniffed).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of messages.")
def adapt(files: tuple[str, ...], from_name: str, option_texts: tuple[str, ...], input_format: str | None,
          lang: str) -> None:
    """Print the case documents a mapping makes of raw API responses, one JSON object a line.

    FILES hold raw responses (a whole page, or JSON Lines of items; '-' reads standard
    input). An item the mapping cannot map is said on stderr with its place (file:line, or
    file#items[i] for an item of a page) and why. Exit 0 when every item was mapped, 1 when
    any was rejected, 2 usage (an unknown mapping, a bad mapping file, an option missing).
    """
    from dsl.cases.adapt import adapted_cases
    from dsl.diagnostics import Diagnostic, Phrase, render_line
    from dsl.engine.sql.duck import to_json_text
    from dsl.lang.vocabulary import default_vocabulary

    for name in files:
        if name != "-" and not Path(name).exists():
            raise click.BadParameter(_say("case_missing", lang, name=name), param_hint="FILES")
    mapping = _adapter(from_name, option_texts, default_vocabulary(), files, input_format, lang)
    made = rejected = 0
    out = sys.stdout   # written in blocks: click.echo flushes every line
    for name in files:
        for item in adapted_cases(name, mapping, input_format=input_format):
            if item.error is not None:
                rejected += 1
                out.flush()   # the message after the cases before it
                click.echo(render_line(Diagnostic("E401", None, item.source, {"detail": item.error}), lang), err=True)
            else:
                made += 1
                out.write(to_json_text(item.doc) + "\n")
    out.flush()
    click.echo(Phrase("adapt.summary", made=made, rejected=rejected).label(lang), err=True)
    sys.exit(1 if rejected else 0)


def _spark_session(books: list[Any], fmt: str, explain: bool | None, within: Any, master: str | None,
                   lang: str, jobs: int) -> Any:
    """`eval --engine spark`: what it can do (else a usage error, exit 2), then its session."""
    _engine_usage("spark", books, fmt, explain, within, lang, jobs)
    return _spark(master, lang)


def _spark(master: str | None, lang: str) -> Any:
    """The Spark session; a missing pyspark or Java, or a Spark that does not start, is said
    with the fix (exit 2) before anything is written."""
    from dsl.engine.sql.sparkrun import SparkUnavailable, session

    try:
        return session(master=master)
    except SparkUnavailable as exc:
        click.echo(f"rulebook: error: {exc.problem.label(lang)}", err=True)
        sys.exit(2)


def _engine_parquet(cases: tuple[str, ...], books: list[Any], at: Any, output: str, input_format: str | None,
                    encoding: str | None, lang: str, show_summary: bool, adapter: Any = None) -> None:
    """`--engine duckdb --output FILE.parquet`: DuckDB writes one row per case and rule; exit
    1 when a case could not be read, a column names no field or a rule could not decide (a
    bad field), as eval does. What the readers say about the files is said on stderr."""
    from dsl.cases.inputs import FileNotice
    from dsl.diagnostics import Diagnostic, render_line
    from dsl.tools.batch import report_notice
    from dsl.tools.sqlparquet import write_parquet
    from dsl.tools.summary import Reporter

    report = Reporter(lambda line: click.echo(line, err=True))
    noticed = []

    def said(item: Any) -> None:
        if isinstance(item, FileNotice):
            if item.severity == "warning":   # a note (a notes column) leaves the exit code alone, as in eval
                noticed.append(item)
            report_notice(item, lang, report)
        else:
            report(render_line(Diagnostic("E401", None, item.source, {"detail": item.error}), lang))

    rows, undecided, unread, cannot = write_parquet(cases, books[0], at, output, said, input_format, encoding, adapter)
    if cannot:
        click.echo(render_all(cannot, lang, limit=20), err=True)
        sys.exit(1)
    if show_summary:
        click.echo(_say("parquet_written", lang, rows=rows, path=output, unread=unread, undecided=undecided), err=True)
    sys.exit(1 if unread or undecided or noticed else 0)


# the format an --output suffix says; .json and .jsonl both hold one JSON object a line
_SUFFIX_FORMATS = {".csv": ("csv",), ".json": ("json", "jsonl"), ".jsonl": ("jsonl", "json"),
                   ".ndjson": ("jsonl", "json"), ".parquet": ("parquet",), ".pq": ("parquet",)}


def _output_format(fmt: str | None, output: str | None, engine: str, lang: str) -> tuple[str, bool]:
    """`eval`'s format and whether DuckDB writes Parquet: `--format`, else what the output
    file's suffix says, else the table. A file never gets another format than its name says:
    a contradicting `--format`, or Parquet without `--engine duckdb`, is a usage error."""
    suffix = Path(output).suffix.lower() if output else ""
    says = _SUFFIX_FORMATS.get(suffix)
    if says is None:
        return fmt or "table", False
    if fmt is not None and fmt not in says:
        raise click.UsageError(_say("output_contradicts", lang, format=fmt, suffix=suffix, says=says[0]))
    if says[0] == "parquet" and engine != "duckdb":
        raise click.UsageError(_say("output_parquet_engine", lang, suffix=suffix))
    if says[0] == "parquet":
        return "jsonl", True   # DuckDB's rows; the sink is never written
    return fmt or says[0], False


def _engine_usage(engine: str, books: list[Any], fmt: str, explain: bool | None, within: Any, lang: str,
                  jobs: int = 1) -> None:
    """What --engine duckdb|spark can do today, else a usage error (exit 2) saying what to change.
    Every input the Python engine reads is taken (JSON Lines and Parquet by DuckDB itself,
    the rest through the Python reader); the output is jsonl/json/csv without reasons."""
    problem = None
    if len(books) != 1:
        problem = "engine_one_book"
    elif fmt not in ("json", "jsonl", "csv") or explain is not False:
        problem = "engine_format"
    elif within is not None:
        problem = "engine_within"
    elif jobs > 1:
        problem = "engine_jobs"
    if problem is not None:
        raise click.UsageError(_say(problem, lang, engine=engine))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail when examples exercise less than this percentage of rules, conditions and branches.")
@click.option("--verbose", "-v", is_flag=True, help="List every example, not only failures.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both",
              help="Language of failures, coverage and messages (as for check).")
@click.option("--engine", type=click.Choice(["python", "duckdb", "spark"]), default="python",
              help="Also decide every example with this SQL engine, which must agree with the Python engine "
              "(spark: a local session, or Spark Connect at $SPARK_REMOTE).")
def test(paths: tuple[str, ...], min_coverage: float | None, verbose: bool, lang: str, engine: str) -> None:
    """Run every rulebook's examples; report failures with file:line and a diff, then coverage.

    Exit 0 when all pass (and coverage is met), 1 otherwise.
    """
    from dsl.diagnostics import Phrase
    from dsl.tools.report import coverage_report, example_failure, example_passed
    from dsl.tools.examples import Coverage, run_examples
    from dsl.tools.overlayreport import example_changed, test_file_line

    files = _rulebook_files_or_usage(paths, "test", lang)
    if engine == "spark":   # no pyspark or no Java: said with the fix before any file is run (exit 2)
        _spark(None, lang)
    total = Coverage()
    passed = failed = listed = 0
    broken = False
    for path in files:
        try:
            book = load_rulebook(path)
        except DslError as exc:
            click.echo(render_all(exc.diagnostics, lang, limit=20), err=True)
            broken = True
            continue
        outcomes, coverage = run_examples(book, lang)
        if engine != "python":
            from dsl.tools.sqlexamples import sql_differences

            differences, cannot = sql_differences(book, engine)
            if cannot:
                click.echo(render_all(cannot, lang, limit=20), err=True)
                broken = True
            for outcome in outcomes:
                found = differences.get((outcome.rule, outcome.example.name), [])
                if found:
                    outcome.differences.extend(found)
                    outcome.passed = outcome.changed = False
        for outcome in outcomes:
            if outcome.passed:
                passed += 1
                if verbose:
                    click.echo(example_passed(outcome, lang))
            elif outcome.listed():
                listed += 1
                click.echo(example_changed(outcome, lang))
            else:
                failed += 1
                click.echo(example_failure(outcome, lang))
        total.items.update({Phrase("cov.item", platform=book.model.label, item=k): v for k, v in coverage.items.items()})
        click.echo(f"{path}: " + test_file_line(book.model, outcomes, coverage, lang))
    click.echo(coverage_report(total, lang=lang))
    click.echo(Phrase("test.summary", passed=passed, failed=failed).label(lang)
               + (("; " + Phrase("test.listed", n=listed).label(lang)) if listed else ""))
    low = min_coverage is not None and total.percent + 1e-9 < min_coverage
    if low:
        click.echo(Phrase("test.low", percent=total.percent, minimum=min_coverage).label(lang), err=True)
    sys.exit(1 if failed or broken or low else 0)


def _diff_side(name: str, hint: str, lang: str) -> tuple[Path, bool]:
    """Where one side of diff is, and whether it was given as a platform name. A rulebook
    that cannot be found is a usage error (2), not a difference (1)."""
    if Path(name).exists():
        return Path(name), False
    try:
        return find_rulebook(name), True
    except DslError as exc:
        raise click.BadParameter(exc.diagnostics[0].message(lang), param_hint=hint) from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _diff_paths(a: str, b: str, lang: str) -> tuple[Path, Path]:
    """The two files to compare. A platform name that finds the other side's own file (`douyin`
    next to `rulebooks/douyin.yaml`) means the packaged copy when that is another file;
    otherwise both sides are one file, which is said, with how to compare an edit (exit 2)."""
    from dsl.tools.diffreport import say
    from dsl.book.locate import packaged_rulebook

    (path_a, named_a), (path_b, named_b) = _diff_side(a, "A", lang), _diff_side(b, "B", lang)
    if not _same_file(path_a, path_b):
        return path_a, path_b
    for side, name, named, local in (("A", a, named_a, b), ("B", b, named_b, a)):
        packaged = packaged_rulebook(name) if named else None
        if packaged is not None and not _same_file(packaged, path_a):
            click.echo(say("packaged", lang, side=side, name=name, local=local, path=packaged), err=True)
            return (packaged, path_b) if side == "A" else (path_a, packaged)
    lines = [say("same_file", lang, a=a, b=b, path=path_a.resolve())]
    lines += [say("same_file_named", lang, name=name)
              for name in dict.fromkeys(name for name, named in ((a, named_a), (b, named_b)) if named)]
    rel, git = _git_before(path_b)
    raise click.UsageError("\n".join(lines + [say("same_file_hint", lang, rel=rel, git=git)]))


def _git_before(path: Path) -> tuple[str, str]:
    """How the user names `path`, and the git command that prints its last committed copy:
    `HEAD:./x` is relative to git's working folder, so a file outside the current folder is
    asked of its own folder (`git -C DIR`)."""
    full = path.resolve()
    try:
        rel = full.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return shlex.quote(str(path)), f"git -C {shlex.quote(str(full.parent))} show {shlex.quote('HEAD:./' + full.name)}"
    return shlex.quote(rel), f"git show {shlex.quote('HEAD:./' + rel)}"


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--cases", "case_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Evaluate both rulebooks over these cases and report the decisions that change.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text",
              help="text for people; json: the whole report as one object; jsonl (with --cases): one line per "
              "changed or undecidable case and rule, and per rejected case, with the text report on stderr.")
@click.option("--changes", "changes_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write every changed or undecidable case and rule (JSON Lines, as --format jsonl) to FILE.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the report.")
@click.option("--engine", type=click.Choice(["python", "duckdb"]), default="python",
              help="With --cases: duckdb decides the cases in DuckDB (JSON Lines, CSV, Parquet), the same report; "
              "the cases a report shows are decided again by the Python engine for its words.")
@FROM_OPTION
@MAPPING_OPTION
def diff(a: str, b: str, case_files: tuple[str, ...], fmt: str, changes_file: str | None, lang: str, engine: str,
         from_name: str | None, option_texts: tuple[str, ...]) -> None:
    """Compare two rulebooks (platform names or files): rules, parameters, conditions, decisions.

    With --cases, every case is decided by both; the report counts per rule the cases whose
    decision changes and those a rule cannot decide (a bad field) in A, in B or in both.
    Exit 0 when they are the same (and no decision changes), 1 when they differ or a case
    could not be read (or names fields the vocabulary does not know), 2 usage.
    With --from MAPPING, the case files are raw platform API responses (as for `eval --from`).
    """
    from dsl.tools.diff import diff_structure
    from dsl.tools.diffreport import diff_to_json, render_decisions, render_structure, row_line, say

    if not case_files and from_name:
        raise click.UsageError(say("from_needs_cases", lang))
    if not case_files and (fmt == "jsonl" or changes_file or engine != "python"):
        option = "--format jsonl" if fmt == "jsonl" else "--changes" if changes_file else f"--engine {engine}"
        raise click.UsageError(say("needs_cases", lang, option=option))
    path_a, path_b = _diff_paths(a, b, lang)
    book_a, book_b = _load_books((), (str(path_a),), lang)[0], _load_books((), (str(path_b),), lang)[0]
    adapter = _adapter(from_name, option_texts, book_a.vocabulary, case_files, None, lang)
    structure = diff_structure(book_a, book_b)
    decisions = None
    if case_files:
        sinks = [open(changes_file, "w", encoding="utf-8", newline="\n")] if changes_file else []
        try:
            writers = [s.write for s in sinks] + ([sys.stdout.write] if fmt == "jsonl" else [])

            def on_row(row: Any) -> None:
                for write in writers:
                    write(row_line(row) + "\n")
            decisions = _diff_cases(book_a, book_b, case_files, lang, on_row if writers else None, engine, adapter)
        finally:
            for sink in sinks:
                sink.close()
        decisions.unknown.say(book_a.vocabulary, lang, _stderr_reporter())
    if fmt == "json":
        click.echo(json.dumps(diff_to_json(structure, decisions), ensure_ascii=False, indent=2))
    else:
        report = render_structure(structure, a, b, lang)
        if decisions is not None:
            report += "\n" + render_decisions(decisions, lang)
        click.echo(report, err=fmt == "jsonl")
    changed = not structure.same or (decisions is not None and decisions.changed_cases > 0)
    # a case left out (unreadable) leaves "no change" unproven: never exit 0 on it, as `eval`
    incomplete = decisions is not None and (decisions.rejected > 0 or decisions.unknown.warned)
    sys.exit(1 if changed or incomplete else 0)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--cases", "case_files", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="The order history: Parquet (nested structs or columns named by path), JSON Lines or CSV.")
@click.option("--at", "at_text", help="Judge every case at this moment (else each case's own `now`).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="text for people; json: one object.")
@click.option("--changes", "changes_file", type=click.Path(dir_okay=False, writable=True),
              help="Write every changed or undecidable case and rule to FILE (JSON Lines: case, rule, transition).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the report.")
@FROM_OPTION
@MAPPING_OPTION
def backtest(old: str, new: str, case_files: tuple[str, ...], at_text: str | None, fmt: str, changes_file: str | None,
             lang: str, from_name: str | None, option_texts: tuple[str, ...]) -> None:
    """Judge a whole order history under OLD and NEW (platform names or files), on DuckDB.

    Every case is judged as of its own `now` (or --at), with the versions in effect then. The
    report counts per rule the decisions that change and how (now matches, no longer matches,
    another action, deadline earlier or later, into or out of `cannot decide`), per month of
    the cases' moments, and the cases a rule cannot decide. Exit 0 when no decision changes,
    1 when some do or a case could not be read (or names fields the vocabulary does not
    know), 2 usage. With --from MAPPING, the case files are raw platform API
    responses (as for `eval --from`), made into cases by the Python adapter first.
    """
    from dsl.lang.values import SHANGHAI
    from dsl.tools.backtest import backtest_files
    from dsl.tools.backtestreport import change_line, render, say, to_json

    try:
        import duckdb  # noqa: F401 - a dependency; an install without it is told so, not a traceback
    except ImportError:
        raise click.UsageError(say("needs_duckdb", lang)) from None
    at = _parse_at(at_text, lang)
    path_old, path_new = _diff_paths(old, new, lang)
    book_old, book_new = _load_books((), (str(path_old),), lang)[0], _load_books((), (str(path_new),), lang)[0]
    adapter = _adapter(from_name, option_texts, book_old.vocabulary, case_files, None, lang)
    sink = open(changes_file, "w", encoding="utf-8", newline="\n") if changes_file else None
    try:
        on_change = (lambda c: sink.write(change_line(c) + "\n")) if sink else None
        with _unreadable_case_files(case_files, lang):
            result, diagnostics = backtest_files(book_old, book_new, case_files, at, datetime.now(SHANGHAI), lang,
                                                 on_change, adapter)
    finally:
        if sink is not None:
            sink.close()
    if diagnostics:
        from dsl.tools.sqlbatch import say_python_fallback

        say_python_fallback(diagnostics, lang, lambda line: click.echo(line, err=True), "backtest.in_python")
    result.unknown.say(book_old.vocabulary, lang, _stderr_reporter())
    if fmt == "json":
        click.echo(json.dumps(to_json(result, old, new, lang), ensure_ascii=False, indent=2))
    else:
        click.echo(render(result, old, new, lang))
    sys.exit(1 if result.changed_cases or result.rejected or result.unknown.warned else 0)


def _stderr_reporter() -> Any:
    """Report lines on stderr, a keyed one once (a file's notice and an unknown field's warning)."""
    from dsl.tools.summary import Reporter

    return Reporter(lambda line: click.echo(line, err=True))


def _diff_cases(book_a: Any, book_b: Any, case_files: tuple[str, ...], lang: str, on_row: Any, engine: str,
                adapter: Any = None) -> Any:
    """The decisions part of `diff`: the Python engine over the Python reader's cases (or the
    cases an `adapter` makes of raw payloads), or (`--engine duckdb`) DuckDB with the Python
    engine's words for what the report shows."""
    from functools import partial

    from dsl.cases.adapt import adapted_cases
    from dsl.cases.readers import read_cases
    from dsl.tools.diff import diff_decisions

    if engine == "python":
        read = read_cases if adapter is None else partial(adapted_cases, adapter=adapter)
        items = (item for name in case_files for item in read(name, vocabulary=book_a.vocabulary, notices=True))
        return diff_decisions(book_a, book_b, items, lang=lang, on_row=on_row)
    from dsl.lang.values import SHANGHAI
    from dsl.tools.diffreport import say
    from dsl.tools.diffsql import diff_decisions_duckdb

    try:
        import duckdb  # noqa: F401 - a dependency; an install without it is told so, not a traceback
    except ImportError:
        raise click.UsageError(say("needs_duckdb", lang)) from None
    with _unreadable_case_files(case_files, lang):
        decisions, diagnostics = diff_decisions_duckdb(book_a, book_b, case_files, datetime.now(SHANGHAI), lang,
                                                       on_row, None, adapter)
    if diagnostics:
        from dsl.tools.sqlbatch import say_python_fallback

        say_python_fallback(diagnostics, lang, lambda line: click.echo(line, err=True), "whatif.in_python")
    return decisions


@contextmanager
def _unreadable_case_files(case_files: tuple[str, ...], lang: str) -> Iterator[None]:
    """A case file DuckDB cannot open or read (backtest, diff --engine duckdb): said in the
    user's language, exit 2."""
    import duckdb

    from dsl.cases.unreadable import unreadable
    from dsl.engine.sql.sources import SourceError

    try:
        yield
    except SourceError as exc:
        click.echo(f"rulebook: error: {exc.problem.label(lang)}", err=True)
        sys.exit(2)
    except duckdb.Error as exc:
        problem = unreadable(", ".join(case_files), exc)
        click.echo(f"rulebook: error: {problem.label(lang)}", err=True)
        sys.exit(2)


@main.command(name="sql")
@click.option("--platform", "-p", "platforms", multiple=True, help="The platform whose rulebook to compile.")
@click.option("--rulebook", "-r", "rulebook_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A rulebook file to compile.")
@click.option("--dialect", type=click.Choice(["duckdb", "spark"]), default="duckdb", help="The SQL dialect to write.")
@click.option("--table", default="cases", show_default=True, help="The table (or view) of cases the query reads.")
@click.option("--columns", "form", type=click.Choice(["json", "struct", "flat"]), default="json", show_default=True,
              help="How the table holds a case: json: one column of JSON text (--json-column); struct: nested "
              "structs (order.paid_amount a field of the struct column order, as JSON readers give); flat: columns "
              "named by path (\"order.paid_amount\", as CSV and Parquet exports give). Typed columns are read by "
              "their type: DECIMAL, integers, BOOLEAN, VARCHAR, TIMESTAMP (Beijing wall time), TIMESTAMPTZ (its "
              "instant), DATE; an amount in a DOUBLE column is not exact and is never decided on.")
@click.option("--columns-from", "columns_file", type=click.Path(exists=True, dir_okay=False),
              help="With --columns struct|flat: a file naming the table's columns (one a line, or comma-separated; "
              "a .csv file: its header; struct: paths of struct fields). A field no listed column gives is absent; "
              "without it every field the query reads must be a column of the table.")
@click.option("--json-column", default="doc", show_default=True,
              help="With --columns json: the column of that table holding each case document as JSON text.")
@click.option("--at", "at_text", help="Judge every case at this moment (else each case's own `now`).")
@click.option("--wide", is_flag=True, help="One row per case with every rule's columns, instead of one row per case and rule.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both", help="Language of messages.")
@FROM_OPTION
@MAPPING_OPTION
def sql_cmd(platforms: tuple[str, ...], rulebook_paths: tuple[str, ...], dialect: str, table: str, form: str,
            columns_file: str | None, json_column: str, at_text: str | None, wide: bool, lang: str,
            from_name: str | None, option_texts: tuple[str, ...]) -> None:
    """Print the SQL query that decides every rule of the rulebook for a table of cases.

    One row per case and rule: case_id, rule, matched, action, deadline, due, version, outputs,
    error; a document that is no case (malformed JSON, no order, another platform) has its
    rows too, undecided, the reason in error. A case without `now` is judged at --at; a rule that cannot be compiled with the
    Python engine's exact result is an error (E601) at its file:line:col, exit 1.

    With --from MAPPING, the table holds raw API responses (a whole page or one item a row,
    JSON text in --json-column): the mapping is compiled into the query (DuckDB), and each row also says
    `_reject`, why the mapping could not make a case of that item (then it is not judged;
    its row has the raw item in `_item` and no rule).
    """

    from dsl.engine.sql.dialect import dialect as dialect_named
    from dsl.engine.sql.query import QueryBuilder
    from click.core import ParameterSource

    from dsl.engine.sql.tables import TableReader, TableShape

    if not platforms and not rulebook_paths:
        raise click.UsageError(_say("which_rulebook", lang))
    if columns_file and form == "json":
        raise click.UsageError(_say("columns_from_json", lang))
    if form != "json" and click.get_current_context().get_parameter_source("json_column") != ParameterSource.DEFAULT:
        raise click.UsageError(_say("json_column_table", lang, form=form))
    at = _parse_at(at_text, lang)
    shape = TableShape(form, _listed_columns(columns_file, lang)) if form != "json" else None
    books = _load_books(platforms, rulebook_paths, lang)
    source, keep = _sql_source(from_name, option_texts, books[0].vocabulary, dialect, form, table, json_column, lang)
    rejected = ""
    if keep:   # the items the mapping rejects: one row each, their reason in _reject, the rest NULL
        rejected = f"\nUNION ALL BY NAME\nSELECT _reject, _item FROM {source.sql(dialect='duckdb')} WHERE _reject IS NOT NULL"
    failed = False
    for book in books:
        d = dialect_named(dialect)
        reader = TableReader(d, book.vocabulary, shape) if shape else None
        builder = QueryBuilder(book.model, book.params, book.vocabulary, d, source,
                               doc_column=None if shape else "doc" if keep else json_column, at=at, read_with=reader,
                               keep=keep)
        query = builder.build(long=not wide, no_case_lang="zh" if lang == "zh" else "en")
        if query.diagnostics:
            click.echo(render_all(query.diagnostics, lang, limit=20), err=True)
            failed = True
            continue
        if reader is not None:
            failed = _say_unknown_columns(shape, book.vocabulary, columns_file or "", lang) or failed
        click.echo(f"-- rulebook {book.platform} ({book.model.file}), dialect {dialect}")
        if reader is not None:
            click.echo(f"-- {_say('columns_read', 'en', form=form)}: {', '.join(reader.read) or '-'}")
        click.echo((f"SELECT * FROM (\n{query.sql()}\n){rejected}" if rejected else query.sql()) + ";")
    sys.exit(1 if failed else 0)


def _sql_source(from_name: str | None, option_texts: tuple[str, ...], vocabulary: Any, dialect: str, form: str,
                table: str, json_column: str, lang: str) -> tuple[Any, tuple[str, ...]]:
    """The table the query reads, and the columns it carries to every row: the table itself,
    or (--from) the mapping's projection of a table of raw API items, carrying `_reject`."""
    import sqlglot
    from sqlglot import exp

    from dsl.diagnostics import Phrase

    if not table.strip() or not json_column.strip():
        raise click.UsageError(_say("sql_name_empty", lang, option="--table" if not table.strip() else "--json-column"))
    adapter = _adapter(from_name, option_texts, vocabulary, lang=lang)
    if adapter is None:
        return _table_named(table), ()
    if dialect != "duckdb" or form != "json":
        raise click.UsageError(Phrase("adapt.sql_dialect" if dialect != "duckdb" else "adapt.sql_columns").label(
            "en" if lang == "both" else lang))
    from dsl.engine.sql.adapted import projection_sql

    raw = _table_named(table).sql(dialect="duckdb")
    projection = sqlglot.parse_one(projection_sql(adapter, raw, json_column, lang), read="duckdb")
    return exp.Subquery(this=projection, alias=exp.TableAlias(this=exp.to_identifier("adapted"))), ("_reject",)


def _say_encoding_unused(cases: tuple[str, ...], input_format: str | None, lang: str) -> None:
    """--encoding is for CSV: a case file of another format (by --input-format or its suffix)
    is read as that format always is, and says so, rather than the option being ignored
    without a word (said here, before either engine reads anything: the same for both)."""
    from dsl.cases.readers import INPUT_FORMATS

    for name in dict.fromkeys(cases):
        suffix = INPUT_FORMATS[input_format] if input_format else Path(name).suffix.lower()
        if name != "-" and suffix and suffix != ".csv":
            click.echo(f"rulebook: note: {_say('encoding_csv_only', lang, name=name)}", err=True)


def _table_named(name: str) -> Any:
    """--table as SQL names a table (`cases`, `shop.cases`, `"My Cases"`); a name that cannot
    be read so (a quote inside: `o'brien`) is one name, quoted as the dialect quotes it."""
    import sqlglot
    from sqlglot import exp

    try:
        return exp.to_table(name)
    except sqlglot.errors.SqlglotError:
        return exp.Table(this=exp.to_identifier(name, quoted=True))


def _listed_columns(path: str | None, lang: str) -> tuple[str, ...] | None:
    """The column names of a --columns-from file: one a line or comma-separated, quotes and
    blanks around a name dropped, `#` lines skipped; of a .csv file, its header."""
    from dsl.cases.csvfile import choose_encoding
    from dsl.diagnostics import Phrase

    if path is None:
        return None
    names: list[str] = []
    export = Path(path).suffix.lower() == ".csv"
    with open(path, "rb") as handle:   # in the encoding the CSV reader would choose: UTF-8, or Excel's GB18030
        chosen = choose_encoding(handle)
        if isinstance(chosen, Phrase):
            raise click.UsageError(_say("columns_from_encoding", lang, path=path))
        raw = handle.readline() if export else handle.read()   # an export: its header line only
    text = raw.decode("utf-8-sig" if chosen == "utf-8" else chosen)
    if export:     # an export itself: its header names the columns
        import csv

        return tuple(dict.fromkeys(n.strip() for n in next(csv.reader(text.splitlines()[:1]), []) if n.strip()))
    for line in text.splitlines():
        if not line.strip().startswith("#"):
            names += [n.strip().strip('"`').strip() for n in line.split(",")]
    return tuple(dict.fromkeys(n for n in names if n))


def _say_unknown_columns(shape: Any, vocabulary: Any, listed_in: str, lang: str) -> bool:
    """A listed column that names no case field: said as the CSV reader says it (warning E406
    with the field meant; a notes column a note); whether any was a warning (exit 1, after
    the query is printed: it is still the query for the columns that are fields)."""
    from dsl.cases.columns import unknown_column
    from dsl.tools.batch import report_notice

    report = _stderr_reporter()
    warned = False
    for name in shape.columns or ():
        known = name in vocabulary.fields or any(p.startswith(name + ".") for p in vocabulary.fields)
        if not known:
            notice = unknown_column(name, listed_in, vocabulary)
            report_notice(notice, lang, report)
            warned = warned or notice.severity == "warning"
    return warned


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; any other than this machine's loopback requires a token.")
@click.option("--allow-write", is_flag=True, help="Let the page save the rulebook files (atomically, with a .bak).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the page and messages.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@click.option("--token", default=None, help="The token every request must carry (generated off loopback when not given).")
def serve(paths: tuple[str, ...], port: int, host: str, allow_write: bool, lang: str, open_browser: bool,
          token: str | None) -> None:
    """Start the workbench: a local web page to edit, check, evaluate and test rulebooks.

    PATHS are the rulebook files or folders it serves (default rulebooks/); it reads and
    writes those files only. Needs the web extra: pip install "rulebook[web]".
    """
    import importlib.util

    from dsl.diagnostics import Phrase

    missing = [name for name in ("starlette", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        click.echo("rulebook: error: " + Phrase("web.no_extra", missing=", ".join(missing)).label(lang), err=True)
        sys.exit(2)
    from dsl.web.app import Options, create_app, serve as run, url_of, with_token
    from dsl.web.files import ServedFilesError

    files = _rulebook_files_or_usage(paths, "serve", lang)
    options = with_token(Options(host=host, port=port, lang=lang, allow_write=allow_write, token=token))
    try:
        app = create_app(files, options)
    except ServedFilesError as exc:
        raise click.UsageError(exc.problem.label(lang)) from None
    url = url_of(options)
    click.echo(Phrase("web.serving", url=url, files=", ".join(str(f) for f in files)).label(lang))
    if token is None and options.token is not None:
        click.echo(Phrase("web.token_made", host=host).label(lang))
    if not allow_write:
        click.echo(Phrase("web.read_only").label(lang))
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    run(app, options)


@main.command(name="fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 naming the files that would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of what would change.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both", help="Language of messages.")
def fmt_command(paths: tuple[str, ...], check_only: bool, show_diff: bool, lang: str) -> None:
    """Write every expression of the rulebooks in its canonical text (spacing, literals, parentheses);
    comments, blank lines and everything else stay as they are.

    Exit 0 when nothing changed or would change, 1 when --check finds files to change or a file has
    errors (it is not formatted: run `rulebook check`), 2 usage.
    """
    import difflib

    from dsl.tools.fmt import format_file, write_atomically

    files = _rulebook_files_or_usage(paths, "fmt", lang)
    changed = failed = 0
    for path in files:
        result = format_file(path)
        for where in result.kept:
            click.echo(f"rulebook: note: {_say('fmt_kept', lang, path=path, where=where)}", err=True)
        if result.after is None:
            failed += 1
            _echo_diagnostics(result.problems, "text", lang)
            click.echo(_say("fmt_errors", lang, path=path, errors=len(result.problems)), err=True)
            continue
        if not result.changed:
            continue
        changed += 1
        if show_diff:
            click.echo("".join(difflib.unified_diff(result.before.splitlines(True), result.after.splitlines(True),
                                                    f"{path}", f"{path} (formatted)")), nl=False)
        if check_only or show_diff:
            click.echo(_say("fmt_would", lang, path=path), err=show_diff)
        else:
            write_atomically(path, result.after)
            click.echo(_say("fmt_done", lang, path=path))
    key = "fmt_summary_check" if check_only or show_diff else "fmt_summary"
    click.echo(_say(key, lang, changed=changed, same=len(files) - changed - failed, failed=failed), err=True)
    sys.exit(1 if failed or (check_only and changed) else 0)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a rulebook (for editors: yaml-language-server, VS Code)."""
    from dsl.book.schema import rulebook_schema

    click.echo(json.dumps(rulebook_schema(), ensure_ascii=False, indent=2))



@main.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of this command's own messages.")
def lsp(lang: str) -> None:
    """Start the language server on standard input and output (for an editor to launch).

    Diagnostics as `rulebook check` gives them, completion, hover and formatting as
    `rulebook fmt` does. Needs the lsp extra: pip install "rulebook[lsp]".
    """
    import importlib.util

    from dsl.diagnostics import Phrase

    if importlib.util.find_spec("pygls") is None:
        click.echo("rulebook: error: " + Phrase("lsp.no_extra").label(lang), err=True)
        sys.exit(2)
    from dsl.lsp.server import run

    run()


if __name__ == "__main__":
    main()
