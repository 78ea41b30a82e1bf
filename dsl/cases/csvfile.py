"""Read cases from CSV exported by a back office or a spreadsheet: one case a row, columns
named by path (`order.paid_amount`).

Spreadsheets are where silent misreading hides, so this reader refuses to guess quietly:
- the encoding is UTF-8, else GB18030 (Excel on Chinese Windows) when the text clearly reads
  as Chinese, else one error that says how to save the file as "CSV UTF-8";
- a column that names no field is said once per file: a warning with a did-you-mean when it
  looks like a field (a path, a label, a field's last part), else a note (a notes column
  such as 备注: its cells are not read); a cell under a column without a name is said too;
- a header with no `,` but `;` between names refuses the file (saved with the wrong separator);
- a column given twice rejects the file;
- a quote never closed (or closed lines later by another cell's quote) refuses its row at the
  quote, and the rows below it are read (csvrows.py): a quote typed by mistake never swallows them;
- cells become the JSON value their field expects: empty is null, lists may be written with
  `,` `，` `、` `;` `；` `|` or as a JSON array, an enum may be written as its label (质量问题).
A cell that cannot be converted stays text, so the case parser names the field.
"""
from __future__ import annotations

import codecs
import io
import re
from functools import partial
from itertools import chain
from typing import Any, Iterable, Iterator

from dsl.cases.columns import field_labels, unknown_column
from dsl.cases.csvrows import BrokenRow, CsvRows
from dsl.cases.kinds import label_code
from dsl.cases.inputs import CaseInput, FileNotice, InputError, loads
from dsl.diagnostics import Phrase
from dsl.limits import MAX_NUMBER_DIGITS
from dsl.lang.vocabulary import Vocabulary

#: what a list cell's items may be separated by
LIST_SEPARATORS = re.compile(r"[,，、;；|]")
#: how much of standard input is looked at to choose its encoding (a file is read whole first)
SNIFF_BYTES = 1 << 20
_CHUNK = 1 << 20


def read_csv(handle: Any, name: str, vocabulary: Vocabulary,
             encoding: str | None = None) -> Iterator[CaseInput | FileNotice]:
    """Every row of a CSV file or stream as a case, after the notices about its header."""
    chosen = encoding or choose_encoding(handle)
    if isinstance(chosen, Phrase):
        yield CaseInput(name, error=chosen)
        return
    try:
        codec = "utf-8-sig" if codecs.lookup(chosen).name == "utf-8" else chosen
    except LookupError:
        yield CaseInput(name, error=Phrase("case.unknown_encoding", encoding=chosen))
        return
    stream = io.TextIOWrapper(handle, encoding=codec, errors="strict", newline="")
    try:
        yield from _rows(stream, name, vocabulary, codec)
    finally:
        stream.detach()


def choose_encoding(handle: Any) -> str | Phrase:
    """UTF-8 when the bytes are UTF-8 (a seekable file is checked whole, then rewound; a
    stream by its first megabyte), GB18030 when they are not but read as Chinese text, else
    the problem to report."""
    if getattr(handle, "seekable", lambda: False)():
        start = handle.tell()
        sample = handle.read(SNIFF_BYTES)
        utf8 = _is_utf8(chain([sample], iter(partial(handle.read, _CHUNK), b"")), whole=True)
        handle.seek(start)
    else:
        sample = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(handle, "peek") else b""
        utf8 = _is_utf8([sample], whole=False)
    if utf8:
        return "utf-8"
    return "gb18030" if _reads_as_chinese(sample) else Phrase("case.unsure_encoding")


def _is_utf8(chunks: Iterable[bytes], whole: bool) -> bool:
    """Whether the chunks decode as UTF-8, in constant memory; unless they are `whole`, a
    character cut at the end of the last chunk is taken to go on after it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in chunks:
            decoder.decode(chunk)
        decoder.decode(b"", final=whole)
        return True
    except UnicodeDecodeError:
        return False


_CHINESE = re.compile("[\u00b7\u00d7\u00f7\u00b0\u00b1\u2000-\u206f\u2100-\u26ff\u3000-\u30ff\u3400-\u4dbf"
                      "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _reads_as_chinese(sample: bytes) -> bool:
    """GB18030 decodes almost any bytes; it is trusted only when the text it gives is Chinese:
    nearly every character outside ASCII is a CJK character, punctuation or full-width form."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    foreign = [ch for ch in text if ord(ch) > 127]
    if not foreign:
        return False
    chinese = sum(1 for ch in foreign if _CHINESE.match(ch))
    return chinese >= 0.97 * len(foreign)


def _rows(stream: io.TextIOBase, name: str, vocabulary: Vocabulary, codec: str) -> Iterator[CaseInput | FileNotice]:
    rows = CsvRows(stream)   # type: ignore[arg-type]
    try:
        header = next(rows)
    except StopIteration:
        yield CaseInput(name, error=Phrase("case.empty_file"))
        return
    except UnicodeError as exc:   # UnicodeDecodeError, or a UTF-16/32 text without its BOM
        yield CaseInput(f"{name}:1", error=_read_problem(exc, codec, 0))
        return
    if isinstance(header, BrokenRow):   # a header that is not one: no row can be read by it
        yield _broken(header, name)
        return
    columns = read_header(header, name, vocabulary)
    if isinstance(columns, CaseInput):
        yield columns
        return
    used, notices = columns
    yield from notices
    unnamed = [i for i, raw in enumerate(header) if not raw.strip().lstrip("\ufeff").strip()]
    while True:
        last = rows.line
        try:
            row = next(rows)
        except StopIteration:
            return
        except UnicodeError as exc:   # the text stops being in the chosen encoding: stop here
            yield CaseInput(f"{name}:{last + 1}", error=_read_problem(exc, codec, last))
            return
        if isinstance(row, BrokenRow):
            yield _broken(row, name)
            continue
        line = rows.line
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield CaseInput(f"{name}:{line}", error=Phrase("case.csv_cells", cells=len(row), columns=len(header)))
            continue
        yield from _unnamed_with_data(unnamed, row, name, line)
        yield CaseInput(f"{name}:{line}", row_to_case(used, row, vocabulary))


def _broken(row: BrokenRow, name: str) -> CaseInput:
    where = f"{name}:{row.line}" if row.col is None else f"{name}:{row.line}:{row.col}"
    return CaseInput(where, error=row.problem)


def _unnamed_with_data(unnamed: list[int], row: list[str], name: str, line: int) -> Iterator[FileNotice]:
    """A column without a name whose cell holds data is never read: said at its first such
    cell (once per file), so a header that lost a name does not drop values silently. The
    index is taken off the list once said."""
    for i in [i for i in unnamed if row[i].strip()]:
        unnamed.remove(i)
        yield FileNotice(f"{name}:{line}:{i + 1}", "E406", Phrase("case.csv_unnamed_column", column=i + 1))


def _read_problem(exc: UnicodeError, codec: str, line: int) -> Phrase:
    shown = "UTF-8" if codec == "utf-8-sig" else codec
    return Phrase("case.not_utf8_after", encoding=shown, line=line) if line else \
        Phrase("case.bad_encoding", encoding=shown, byte=getattr(exc, "start", 0))


Columns = list[tuple[int, str]]   # (index in the row, the case path it fills)


def read_header(header: list[str], name: str, vocabulary: Vocabulary) -> tuple[Columns, list[FileNotice]] | CaseInput:
    """The columns to read and the notices about the others, or why the file is refused."""
    used: Columns = []
    notices: list[FileNotice] = []
    first_at: dict[str, int] = {}
    labels = field_labels(vocabulary)
    if len(header) == 1 and ";" in header[0]:   # a "CSV" saved with ';' between the columns
        return CaseInput(f"{name}:1", error=Phrase("case.csv_semicolon"))
    for i, raw in enumerate(header):
        path = raw.strip().lstrip("\ufeff").strip()
        if not path:
            continue
        if path in first_at:
            return CaseInput(f"{name}:1", error=Phrase("case.csv_duplicate_column", column=path,
                                                        first=first_at[path] + 1, second=i + 1))
        first_at[path] = i
        if vocabulary.get(path) is not None:
            used.append((i, path))
        else:
            notice = unknown_column(path, f"{name}:1:{i + 1}", vocabulary, labels)
            notices.append(notice)
            if notice.severity == "warning":
                used.append((i, path))   # kept in the case, where it shows as an unknown field
    return used, notices


def row_to_case(columns: Columns, row: list[str], vocabulary: Vocabulary) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for i, path in columns:
        parts = path.split(".")
        target = case
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = cell_value(row[i], vocabulary, path)
    return _drop_empty_objects(case)


def _drop_empty_objects(obj: dict[str, Any]) -> dict[str, Any]:
    """A nested object whose cells were all empty is absent (null), as in the JSON export."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            value = _drop_empty_objects(value)
            if all(v is None for v in value.values()):
                value = None
        out[key] = value
    return out


_WHOLE = re.compile(f"[+-]?[0-9]{{1,{MAX_NUMBER_DIGITS}}}").fullmatch


def cell_value(cell: str, vocabulary: Vocabulary, path: str) -> Any:
    """A cell as the JSON value its field expects; what cannot be converted stays text."""
    text = cell.strip()
    if text == "" or text.lower() == "null":
        return None
    fld = vocabulary.get(path)
    kind = fld.type.kind if fld is not None else "str"
    if kind == "bool":
        return {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
    if kind == "int":
        return int(text) if _WHOLE(text) else text
    if kind in ("list", "object") and text[:1] in "[{":
        try:
            return loads(text)
        except (InputError, ValueError, RecursionError):
            return text
    if kind == "list":
        return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]
    if fld is not None and fld.type.values is not None and text not in fld.type.values:
        return label_code(fld, text) or text
    return text
