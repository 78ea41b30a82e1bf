"""The `rulebook` command: check, eval and test. Formats output and sets exit codes, nothing else.

Exit codes: 0 clean; 1 problems found (rule errors, rejected cases, failing examples);
2 usage errors (bad options, missing files).
"""
from __future__ import annotations

import errno
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from dsl import DslError, check_rulebook, load_rulebook
from dsl.errors import Diagnostic, render, render_all
from dsl.locate import available_platforms, find_rulebook, rulebook_files

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

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno == errno.EPIPE:   # the reader went away (`| head`): click handles it
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"rulebook: error: {exc.strerror or exc}{where}", err=True)
            sys.exit(2)


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
    """Validate rulebook files (or folders of them): shape, expressions, types, versions.

    Exit 0 when clean, 1 when any file has errors.
    """
    files = rulebook_files(list(paths) or ["rulebooks"])
    if not files:
        raise click.UsageError("no rulebook files found (give files or folders)")
    failed = 0
    for path in files:
        diags = check_rulebook(path)
        _echo_diagnostics(diags, fmt, lang)
        errors = sum(d.severity == "error" for d in diags)
        failed += errors > 0
        if fmt == "text":
            status = "ok" if not diags else f"{errors} error(s), {len(diags) - errors} warning(s)"
            click.echo(f"{path}: {status}")
    sys.exit(1 if failed else 0)


def _parse_at(value: str | None) -> datetime | None:
    from dsl.values import ValueError_, parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value.strip())
    except ValueError_ as exc:
        raise click.BadParameter(f"{value!r}: {exc}", param_hint="--at") from None


def _parse_within(value: str | None) -> timedelta | None:
    from dsl.values import ValueError_, parse_duration, suggest_duration

    if value is None:
        return None
    try:
        return parse_duration(value.strip())
    except ValueError_:
        meant = suggest_duration(value)
        raise click.BadParameter(f"{value!r} is not a duration" + (f"; did you mean {meant!r}?" if meant else
                                 " such as 6h, 2d, 30m"), param_hint="--within") from None


def _load_books(platforms: tuple[str, ...], rulebook_paths: tuple[str, ...]) -> list[Any]:
    names = list(platforms)
    if "all" in names:
        names = [n for n in names if n != "all"] + available_platforms()
    books = []
    try:
        for name in dict.fromkeys(names):
            books.append(load_rulebook(find_rulebook(name)))
        for path in rulebook_paths:
            books.append(load_rulebook(path))
    except DslError as exc:
        click.echo(render_all(exc.diagnostics, limit=20), err=True)
        sys.exit(1)
    return books


@main.command(name="eval")
@click.argument("cases", nargs=-1, required=True)
@click.option("--platform", "-p", "platforms", multiple=True,
              help="Rulebook by platform name (rulebooks/NAME.yaml here, else the packaged one); repeat, or 'all'.")
@click.option("--rulebook", "-r", "rulebook_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Rulebook by file path; repeatable.")
@click.option("--at", "at_text", help="Judge the cases at this moment (ISO 8601; no offset = Beijing time). "
              "Default: each case's `now`, else the current time.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]), default="table",
              help="table for people; json / jsonl: one JSON object per case and rulebook, one a line; "
              "csv: one row per case and rule.")
@click.option("--within", "within_text", help="Only cases with a matched deadline due by now + this (e.g. 6h); "
              "overdue ones included.")
@click.option("--explain/--no-explain", default=None,
              help="--explain: every condition of every rule with the value it saw (the table's default); "
              "--no-explain: no reasons (fastest). Default for json/jsonl/csv: the conditions that decided.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of labels and reasons.")
@click.option("--summary/--no-summary", "show_summary", default=True,
              help="End with the counts (stdout for the table, stderr otherwise).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1,
              help="Evaluate in N processes (output keeps the input order).")
def eval_cmd(cases: tuple[str, ...], platforms: tuple[str, ...], rulebook_paths: tuple[str, ...],
             at_text: str | None, fmt: str, within_text: str | None, explain: bool | None, lang: str,
             show_summary: bool, jobs: int) -> None:
    """Evaluate cases against rulebooks.

    CASES are files: one JSON or YAML case, a JSON array, JSON Lines (.jsonl) or CSV with
    columns named by path (order.paid_amount, ...); '-' reads JSON from stdin. JSON Lines
    and CSV stream in constant memory.

    Exit 0 when every case was evaluated cleanly, 1 when any case or field was rejected.
    """
    from dsl.batch import BatchOptions, Progress, Sink, run_batch, run_parallel
    from dsl.caseio import read_cases

    if not platforms and not rulebook_paths:
        raise click.UsageError("say which rulebook: --platform NAME or --rulebook FILE")
    for name in cases:
        if name != "-" and not Path(name).exists():
            raise click.BadParameter(f"{name!r} does not exist", param_hint="CASES")
    at = _parse_at(at_text)
    within = _parse_within(within_text)
    books = _load_books(platforms, rulebook_paths)
    out = sys.stdout
    level = "none" if explain is False else "all" if explain or fmt == "table" else "failing"
    sink = Sink(out, "jsonl" if fmt == "json" else fmt, level, lang)
    report = lambda line: click.echo(line, err=True)  # noqa: E731
    progress = Progress(sys.stderr)
    if jobs > 1:
        items = (item for name in cases for item in read_cases(name, books[0].vocabulary, raw_lines=True))
        paths = [str(Path(book.model.file).resolve()) for book in books]
        summary = run_parallel(items, paths, sink, jobs, BatchOptions(at, within, lang), report, progress)
    else:
        items = (item for name in cases for item in read_cases(name, books[0].vocabulary))
        summary = run_batch(items, books, sink, at, within, lang, report=report, progress=progress)
    if show_summary:
        text = summary.text(lang)
        if within is not None:
            text += (f"\n{summary.shown} 个结果的期限在 {within_text} 内到期" if lang == "zh" else
                     f"\n{summary.shown} result(s) with a deadline due within {within_text}")
        click.echo(text, err=fmt != "table")
    sys.exit(0 if summary.clean else 1)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail when examples exercise less than this percentage of rules, conditions and branches.")
@click.option("--verbose", "-v", is_flag=True, help="List every example, not only failures.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both",
              help="Language of failures, coverage and messages (as for check).")
def test(paths: tuple[str, ...], min_coverage: float | None, verbose: bool, lang: str) -> None:
    """Run every rulebook's examples; report failures with file:line and a diff, then coverage.

    Exit 0 when all pass (and coverage is met), 1 otherwise.
    """
    from dsl.errors import Phrase
    from dsl.report import coverage_report, example_failure, example_passed
    from dsl.testing import Coverage, run_examples

    files = rulebook_files(list(paths) or ["rulebooks"])
    if not files:
        raise click.UsageError("no rulebook files found (give files or folders)")
    total = Coverage()
    passed = failed = 0
    broken = False
    for path in files:
        try:
            book = load_rulebook(path)
        except DslError as exc:
            click.echo(render_all(exc.diagnostics, lang, limit=20), err=True)
            broken = True
            continue
        outcomes, coverage = run_examples(book, lang)
        for outcome in outcomes:
            if outcome.passed:
                passed += 1
                if verbose:
                    click.echo(example_passed(outcome, lang))
            else:
                failed += 1
                click.echo(example_failure(outcome, lang))
        total.items.update({Phrase("cov.item", platform=book.platform, item=k): v for k, v in coverage.items.items()})
        click.echo(f"{path}: " + Phrase("test.file", passed=sum(o.passed for o in outcomes), total=len(outcomes),
                                        percent=coverage.percent).label(lang))
    click.echo(coverage_report(total, lang=lang))
    click.echo(Phrase("test.summary", passed=passed, failed=failed).label(lang))
    low = min_coverage is not None and total.percent + 1e-9 < min_coverage
    if low:
        click.echo(Phrase("test.low", percent=total.percent, minimum=min_coverage).label(lang), err=True)
    sys.exit(1 if failed or broken or low else 0)


def _diff_side(name: str, hint: str) -> list[Any]:
    """A rulebook for diff: a missing one is a usage error (2), not a difference (1)."""
    if not Path(name).exists():
        try:
            find_rulebook(name)
        except DslError as exc:
            raise click.BadParameter(exc.diagnostics[0].message("en"), param_hint=hint) from None
        return _load_books((name,), ())
    return _load_books((), (name,))


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--cases", "case_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Evaluate both rulebooks over these cases and report the decisions that change.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def diff(a: str, b: str, case_files: tuple[str, ...], fmt: str) -> None:
    """Compare two rulebooks (platform names or files): rules, parameters, conditions, decisions.

    Exit 0 when they are the same (and no decision changes), 1 when they differ.
    """
    from dsl.caseio import read_cases
    from dsl.diff import diff_decisions, diff_structure, diff_to_json, render_decisions, render_structure

    book_a, book_b = _diff_side(a, "A"), _diff_side(b, "B")
    structure = diff_structure(book_a[0], book_b[0])
    decisions = None
    if case_files:
        items = (item for name in case_files for item in read_cases(name, book_a[0].vocabulary))
        decisions = diff_decisions(book_a[0], book_b[0], items)
    if fmt == "json":
        click.echo(json.dumps(diff_to_json(structure, decisions), ensure_ascii=False, indent=2))
    else:
        click.echo(render_structure(structure, a, b))
        if decisions is not None:
            click.echo(render_decisions(decisions))
    changed = not structure.same or (decisions is not None and decisions.changed_cases > 0)
    sys.exit(1 if changed else 0)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a rulebook (for editors: yaml-language-server, VS Code)."""
    from dsl.schema import rulebook_schema

    click.echo(json.dumps(rulebook_schema(), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
