"""What is said about a column of a case file (CSV header, Parquet column) that names no field.

One definition for every reader, so a notes column (备注) is a note and a mistyped path a
warning with the field meant, whatever the file's format.
"""
from __future__ import annotations

from typing import Iterable

from dsl.cases.inputs import FileNotice
from dsl.diagnostics import Phrase
from dsl.lang.vocabulary import Vocabulary
from dsl.text.suggest import did_you_mean


def unknown_column(path: str, source: str, vocabulary: Vocabulary, labels: dict[str, str] | None = None) -> FileNotice:
    """What is said about a column that names no field (a CSV header's, a Parquet file's,
    `sql --columns-from`'s). One that looks like a field (a path, a label, a field's last
    part such as `paid_amount`, or close to one) is a warning with the field meant; one that resembles none (a notes column such as 备注) is a note: its
    cells are not read, and the user is told so."""
    labels = field_labels(vocabulary) if labels is None else labels
    meant = labels.get(path) or did_you_mean(path, vocabulary.paths())
    if meant is None and "." not in path:
        meant = _by_last_part(path, vocabulary.paths())
    if meant is None and "." not in path and path not in labels:
        return FileNotice(source, "E406", Phrase("case.unread_column", column=path), severity="note")
    hint = Phrase("case.hint_did_you_mean", suggestion=meant) if meant else None
    return FileNotice(source, "E406", Phrase("case.unknown_column", column=path), hint, path)


def _by_last_part(word: str, paths: Iterable[str]) -> str | None:
    """The field whose last part is (or is close to) a dot-less column name: `paid_amount`
    -> `order.paid_amount`."""
    tails: dict[str, str] = {}
    for p in sorted(paths):
        tails.setdefault(p.rpartition(".")[2], p)
    tail = did_you_mean(word, set(tails))
    return tails[tail] if tail else None


def field_labels(vocabulary: Vocabulary) -> dict[str, str]:
    """A field's zh or en label -> its path, for a column headed by the label."""
    out: dict[str, str] = {}
    for path in vocabulary.paths():
        fld = vocabulary.get(path)
        if fld is not None:
            for label in (fld.zh, fld.en):
                out.setdefault(label, path)
    return out
