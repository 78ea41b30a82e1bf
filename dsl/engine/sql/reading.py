"""Reading case documents (a JSON text column) into raw field values, per dialect.

The query's first stages turn each document into, per vocabulary field, a raw value: its
JSON kind ('VARCHAR', 'BOOLEAN', 'BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE', 'ARRAY',
'OBJECT', 'NULL'; SQL NULL when absent) and its text, which fields.py checks as the Python
engine does. After the last stage the columns `_doc` (NULL when the text is not JSON the
Python engine reads), `_shape` and `_order` (the kinds of the document and of its order),
`_unknown` (a key the vocabulary does not know: the Python engine warns), `_twice` (a key
given twice) and `_unreadable` (what else the Python reader refuses: the case is no case
then), and `_imprecise` (a number the reader may have rounded) exist.

DuckDB has json_type and json_extract_string over a list of paths: one parse per function.
Spark has no JSON kind at all: get_json_object gives the text "true" for the string "true"
and for the boolean, and a number's text as a double writes it (12.30 -> 12.3,
12345678901234567.89 -> 1.2345678901234568E16). So the Spark reader first rewrites the
document with a tokenizer (regexp_extract_all): every string value becomes "s<text>",
every number the string "n<digits as written>", null the string "z"; then every value
get_json_object reads tells its kind by its first character and keeps its exact text.
"""
from __future__ import annotations

import re
from typing import Final

from sqlglot import exp

from dsl.engine.sql.build import add, and_, case, coalesce, col, eq, if_, in_list, is_null, lte, not_, not_null, or_
from dsl.engine.sql.dialect import Dialect, fn, lit
from dsl.lang.vocabulary import Vocabulary
from dsl.limits import MAX_DEPTH, MAX_NUMBER_DIGITS

Columns = list[tuple[str, exp.Expression]]


def json_path(path: str) -> str:
    return "$" + "".join(f'."{part}"' for part in path.split(".")) if path else "$"


def objects_of(vocabulary: Vocabulary) -> list[tuple[str, list[str]]]:
    """Each object the vocabulary describes ('' the document) with the keys it knows."""
    prefixes = [""] + [p for p, f in vocabulary.fields.items() if f.type.kind == "object"]
    return [(p, sorted(vocabulary.keys_under(p))) for p in prefixes]


# What DuckDB's JSON parser (yyjson) reads and the Python reader refuses: a number of more
# than MAX_NUMBER_DIGITS digits, NaN or Infinity (json.loads reads them, the Python engine
# refuses the line), `nan`, `inf`, `infinity` in any case (json.loads refuses them), and a
# comma before a closing `}` or `]`. Everything else json.loads refuses json_valid refuses
# too (comments, single quotes, leading zeros, `+1`, raw control characters, text after the
# value: tests/engine/test_sql_json_leniency.py tries each). `nan`/`inf` in any case only as
# a whole value (`"size,info"` is no alarm).
# One search of the document for all this and for IMPRECISE_NUMBER together (all are rare:
# `_numbers`); only where it found one, each is searched alone in the document with its
# strings blanked (`outside_strings`), so that text inside a string that looks like one of
# them (`"a, }"`, `"x: NaN"`, `"a,1234567890123456"`) is no alarm: in `rulebook sql`'s query
# such a document was undecided, and `eval --output FILE.parquet` left it out.
_LONG_OR_ODD: Final = (rf"[:,\[][ \t\r\n]*-?([0-9]{{{MAX_NUMBER_DIGITS + 1},}}|NaN|Infinity"
                       r"|(?i:nan|inf|infinity)[ \t\r\n]*[,}\]])|,[ \t\r\n]*[}\]]")


# A JSON string, escapes kept whole (the document is valid JSON where this is used).
_STRING: Final = r'(?s)"(?:[^"\\]|\\.)*"'


def outside_strings(text: exp.Expression) -> exp.Expression:
    """The JSON `text` with every string written `""`: a pattern searched in it finds only
    numbers, literals and punctuation. Costly: only where a cheaper search found a candidate."""
    return exp.RegexpReplace(this=text, expression=lit(_STRING), replacement=lit('""'), modifiers=lit("g"))


class Reader:
    """The stages that read the fields of a document; `raw(i)` and `items(i)` name the kind
    and text of field i (and of the items of a list field) in the stages after them."""

    def __init__(self, d: Dialect):
        self.d = d

    def stages(self, doc: exp.Expression, paths: list[str], lists: list[int],
               objects: list[tuple[str, list[str]]]) -> list[Columns]:
        """Stages of new columns: the first over the source row (`doc` its JSON text), each
        later one over the stage before it."""
        raise NotImplementedError

    def raw(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        raise NotImplementedError

    def items(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        return col(f"lk{i}"), col(f"lv{i}")

    def rules_read(self, paths: list[str]) -> None:
        """Told the fields the rules read themselves, before the objects every query checks
        for unknown keys are added (a table's reader reads no object it need not)."""


class DuckReader(Reader):
    """Four parses of a document per case (a JSON function parses its text each time it is
    called): json_valid; then the kinds of the root and of every path, their texts, and the
    keys of every object, each from one call with a list of paths. `_imprecise` flags a
    number of 16 significant digits or more (DuckDB reads it as a double)."""

    def stages(self, doc: exp.Expression, paths: list[str], lists: list[int],
               objects: list[tuple[str, list[str]]]) -> list[Columns]:
        from dsl.engine.sql.fields import IMPRECISE_NUMBER

        checked = col("_doc")
        kinds = exp.Array(expressions=[lit("$")] + [lit(json_path(p)) for p in paths])
        texts = exp.Array(expressions=[lit(json_path(p)) for p in paths])
        keys = exp.Array(expressions=[lit(json_path(prefix)) for prefix, _ in objects])
        index = {p: i for i, p in enumerate(paths)}
        return [
            [("_doc", if_(fn("json_valid", doc), doc))],
            [("_k", fn("json_type", checked, kinds)), ("_t", fn("json_extract_string", checked, texts)),
             ("_keys", fn("json_keys", checked, keys)),
             # a key may hold a quote (escaped): _known's pattern over the joined keys cannot be trusted
             ("_quoted", or_(fn("contains", checked, lit('\\"')), fn("contains", checked, lit("\\u0022")))),
             ("_numbers", coalesce(fn("regexp_matches", doc, lit(f"{IMPRECISE_NUMBER}|{_LONG_OR_ODD}")), exp.false()))],
            [("_bare", if_(col("_numbers"), outside_strings(checked))),
             ("_shape", self.d.at_index(col("_k"), lit(1))),
             ("_order", self.d.at_index(col("_k"), lit(index["order"] + 2)) if "order" in index else exp.Null()),
             *[(f"kn{j}", self._known(j, known)) for j, (_, known) in enumerate(objects)],
             *[(name, e) for i in range(len(paths)) for name, e in self._own_columns(i)]],
            [("_unknown", self._keys(objects, index, twice=False)),
             ("_twice", self._keys(objects, index, twice=True)),
             ("_imprecise", coalesce(fn("regexp_matches", col("_bare"), lit(IMPRECISE_NUMBER)), exp.false())),
             ("_unreadable", self._unreadable())],
        ]

    def _own_columns(self, i: int) -> Columns:
        """Field i's kind and text as columns of their own: the checks read each several
        times, and an item of a list is copied out of it again at every reading."""
        return [(f"k{i}", self.d.at_index(col("_k"), lit(i + 2))), (f"t{i}", self.d.at_index(col("_t"), lit(i + 1)))]

    def raw(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        return col(f"k{i}"), col(f"t{i}")

    def items(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        kind, text = self.raw(i)
        array = eq(kind, lit("ARRAY"))      # only then is the text JSON (a string's is not)
        return if_(array, fn("json_type", text, lit("$[*]"))), if_(array, fn("json_extract_string", text, lit("$[*]")))

    def _keys(self, objects: list[tuple[str, list[str]]], index: dict[str, int], twice: bool) -> exp.Expression:
        """A key the vocabulary does not know (`twice`: a key given twice) in an object it
        describes. An unknown key leaves the case to decide (the Python engine warns); a key
        given twice makes it no case (the Python reader refuses the line), where DuckDB would
        read the first of the two values. When every key is known (`kn<j>`), a key is given
        twice exactly when there are more keys than known keys present."""
        parts = []
        for j, (prefix, known) in enumerate(objects):
            keys = self.d.at_index(col("_keys"), lit(j + 1))
            if twice:
                distinct = fn("len", fn("list_distinct", keys))
                children = [f"{prefix}.{k}" if prefix else k for k in known]
                if all(c in index for c in children):   # their kinds are read: count those present
                    present: exp.Expression = lit(0)
                    for c in children:
                        present = add(present, case([(not_null(col(f"k{index[c]}")), lit(1))], lit(0)))
                    distinct = case([(col(f"kn{j}"), present)], distinct)
                found = exp.NEQ(this=fn("len", keys), expression=distinct)
            else:
                found = not_(col(f"kn{j}"))
            kind = self.d.at_index(col("_k"), lit(index[prefix] + 2 if prefix else 1)) if (
                not prefix or prefix in index) else exp.Null()
            parts.append(and_(eq(kind, lit("OBJECT")), found))
        return coalesce(or_(*parts), exp.false())

    def _known(self, j: int, known: list[str]) -> exp.Expression:
        """Every key of object j is one the vocabulary knows. The keys joined by `"` match one
        pattern; a document in which a key may hold a `"` itself (an escaped one: `_quoted`,
        searched once per document) takes the list test instead, as does a vocabulary key the
        pattern could not spell plainly."""
        keys = self.d.at_index(col("_keys"), lit(j + 1))
        exact = fn("list_has_all", exp.Array(expressions=[lit(k) for k in known]), keys)
        if not known or not all(_PLAIN_KEY.fullmatch(k) for k in known):
            return exact
        one = "(?:" + "|".join(known) + ")"
        plain = self.d.regex_full(fn("array_to_string", keys, lit('"')), f"(?:{one}(?:\"{one})*)?")
        return case([(col("_quoted"), exact)], plain)

    def _unreadable(self) -> exp.Expression:
        """What the Python reader refuses in a line DuckDB takes as JSON: NaN and Infinity (any
        case), a comma before `}` or `]`, a whole number of more than MAX_NUMBER_DIGITS digits,
        a lone UTF-16 surrogate escape (escaped backslashes and valid pairs are removed first:
        `"\\\\ud800"` is a backslash and text). A string that merely contains such text
        (`"a, }"`) is none of them (`_bare`: the document without its strings)."""
        doc = col("_doc")
        escapes = exp.RegexpReplace(this=doc, expression=lit(r"\\\\"), replacement=lit(""), modifiers=lit("g"))
        pairs = exp.RegexpReplace(this=escapes, expression=lit(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"),
                                  replacement=lit(""), modifiers=lit("g"))
        lone = fn("regexp_matches", pairs, lit(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"))
        long_or_odd = fn("regexp_matches", col("_bare"), lit(_LONG_OR_ODD))
        return coalesce(or_(long_or_odd, and_(fn("contains", doc, lit("\\u")), lone)), exp.false())


# One JSON token: a string (escapes kept whole), a structural character, or a run of other
# characters (a number or a literal when valid). Possessive loops: Java's regex recurses per
# repetition of a group, and a long string must not exhaust the stack.
_TOKEN: Final = r'(?s)"[^"\\]*+(?:\\.[^"\\]*+)*+"|[{}\[\],:"]|[^ \t\r\n"{}\[\],:]++'
# A token json.loads accepts: a string without a raw control character or a bad escape,
# a number as JSON writes it, a literal, a structural character.
_GOOD_TOKEN: Final = (r'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
                      r'|-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?|true|false|null|[{}\[\],:]')
_NUMBER_START: Final = "-0123456789"
_PLAIN_KEY: Final = re.compile(r"[A-Za-z0-9_]+")


class SparkReader(Reader):
    """The tokenized document (see the module's docstring), then one get_json_object per path."""

    def stages(self, doc: exp.Expression, paths: list[str], lists: list[int],
               objects: list[tuple[str, list[str]]]) -> list[Columns]:
        return [*self._rewritten(doc), self._values(paths, objects), *self._kinds(paths, lists)]

    def _rewritten(self, doc: exp.Expression) -> list[Columns]:
        """`_doc`: the document rewritten (NULL unless json.loads would read it), `_odd`: it
        has an escape of half a surrogate pair (json.loads takes it, the Python engine
        refuses the case)."""
        tokens, shape = col("_tok"), col("_tokshape")
        valid = and_(eq(exp.Dot(this=shape, expression=exp.to_identifier("z")), lit(1)),
                     lte(exp.Dot(this=shape, expression=exp.to_identifier("m")), lit(MAX_DEPTH)),
                     fn("forall", tokens, _lambda("t", self.d.regex_full(_var("t"), _GOOD_TOKEN))))
        rewritten = fn("array_join", fn("transform", tokens, exp.Lambda(
            this=self._rewrite(_var("t"), _var("i"), tokens), expressions=[exp.to_identifier("t"), exp.to_identifier("i")])),
            lit(""))
        odd = self.d.regex_full(doc, r"(?s).*\\u[dD][89a-fA-F].*")
        return [[("_tok", fn("regexp_extract_all", doc, lit(_TOKEN), lit(0))), ("_odd", coalesce(odd, exp.false()))],
                [("_tokshape", self._depths(tokens))],
                [("_json", if_(valid, rewritten))],
                [("_doc", if_(jackson_reads(col("_json")), col("_json")))]]

    def _values(self, paths: list[str], objects: list[tuple[str, list[str]]]) -> Columns:
        """Each path's value in the rewritten document (`j<i>`), and the document's shape."""
        doc = col("_doc")
        values: Columns = [(f"j{i}", fn("get_json_object", doc, lit(_spark_path(p)))) for i, p in enumerate(paths)]
        return values + [
            ("_imprecise", exp.false()),
            ("_shape", case([(exp.Like(this=doc, expression=lit("{%")), lit("OBJECT"))], if_(not_(is_null(doc)), lit("OTHER")))),
            ("_order", _kind(fn("get_json_object", doc, lit("$.order")))),
            ("_unknown", self._unknown_keys(doc, objects, twice=False)),
            ("_twice", self._unknown_keys(doc, objects, twice=True)),
            ("_unreadable", col("_odd")),
        ]

    def _kinds(self, paths: list[str], lists: list[int]) -> list[Columns]:
        """Each value's kind and text (`k<i>`, `t<i>`); a list's items (`li<i>`), then theirs."""
        kinds: Columns = []
        for i in range(len(paths)):
            kinds += [(f"k{i}", _kind(col(f"j{i}"))), (f"t{i}", _text(col(f"j{i}")))]
        for i in lists:
            value = col(f"j{i}")
            kinds.append((f"li{i}", if_(exp.Like(this=value, expression=lit("[%")), fn("from_json", value, lit("ARRAY<STRING>")))))
        items: Columns = []
        for i in lists:
            items.append((f"lk{i}", fn("transform", col(f"li{i}"), _lambda("x", _kind(_var("x"))))))
            items.append((f"lv{i}", fn("transform", col(f"li{i}"), _lambda("x", _text(_var("x"))))))
        return [kinds, items] if items else [kinds]

    def raw(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        return col(f"k{i}"), col(f"t{i}")

    def _depths(self, tokens: exp.Expression) -> exp.Expression:
        """named_struct(d: depth after the last token, z: times depth came back to 0 (once for
        one value, then nothing after it), m: the deepest nesting)."""
        acc, t = _var("a"), _var("t")
        depth = exp.Dot(this=acc, expression=exp.to_identifier("d"))
        step = case([(in_list(t, [lit("{"), lit("[")]), lit(1)), (in_list(t, [lit("}"), lit("]")]), lit(-1))], lit(0))
        after = exp.Paren(this=exp.Add(this=depth, expression=step))
        merge = fn("named_struct", lit("d"), after,
                   lit("z"), exp.Add(this=exp.Dot(this=acc, expression=exp.to_identifier("z")),
                                     expression=case([(eq(after, lit(0)), lit(1))], lit(0))),
                   lit("m"), exp.Greatest(this=exp.Dot(this=acc, expression=exp.to_identifier("m")), expressions=[after]))
        start = fn("named_struct", lit("d"), lit(0), lit("z"), lit(0), lit("m"), lit(0))
        return fn("aggregate", tokens, start, exp.Lambda(this=merge, expressions=[exp.to_identifier("a"),
                                                                                   exp.to_identifier("t")]))

    def _rewrite(self, t: exp.Expression, i: exp.Expression, tokens: exp.Expression) -> exp.Expression:
        """A token as the rewritten document has it: a key as it is, a string value "s...",
        a number "n<text>" (-0 as "n0", the int json.loads makes of it), null "z"; a whole number of more digits than a case may hold makes
        the document unreadable (json.loads refuses it)."""
        nxt = exp.Paren(this=exp.Add(this=i, expression=lit(1)))
        is_key = case([(exp.LT(this=nxt, expression=exp.ArraySize(this=tokens)),
                        eq(self.d.at_index(tokens, exp.Paren(this=exp.Add(this=i, expression=lit(2)))), lit(":")))],
                      exp.false())
        first = exp.Substring(this=t, start=lit(1), length=lit(1))
        long_whole = self.d.regex_full(t, rf"-?[0-9]{{{MAX_NUMBER_DIGITS + 1},}}")
        return case([
            (and_(eq(first, lit('"')), not_(is_key)), exp.Concat(expressions=[lit('"s'), exp.Substring(this=t, start=lit(2))])),
            (and_(in_list(first, [lit(c) for c in _NUMBER_START]), long_whole), lit("@")),
            # json.loads reads -0 as the whole number 0 (a case id "0", a count 0): so does SQL
            (eq(t, lit("-0")), lit('"n0"')),
            (in_list(first, [lit(c) for c in _NUMBER_START]), exp.Concat(expressions=[lit('"n'), t, lit('"')])),
            (eq(t, lit("null")), lit('"z"')),
        ], t)

    def _unknown_keys(self, doc: exp.Expression, objects: list[tuple[str, list[str]]], twice: bool) -> exp.Expression:
        """A key the vocabulary does not know (`twice`: a key given twice) in an object it describes."""
        parts = []
        for prefix, known in objects:
            value = fn("get_json_object", doc, lit(_spark_path(prefix))) if prefix else doc
            keys = fn("json_object_keys", value)
            known_list = exp.Array(expressions=[lit(k) for k in known]) if known else self.d.empty_list()
            unknown = fn("exists", keys, _lambda("k", not_(fn("array_contains", known_list, _var("k")))))
            repeated = exp.NEQ(this=exp.ArraySize(this=keys), expression=exp.ArraySize(this=fn("array_distinct", keys)))
            is_object = exp.Like(this=value, expression=lit("{%"))
            parts.append(and_(is_object, repeated if twice else unknown))
        return coalesce(or_(*parts), exp.false())


def jackson_reads(doc: exp.Expression) -> exp.Expression:
    """Jackson reads the rewritten document to the end of its value (json_object_keys and
    get_json_object are NULL on a syntax error the tokens alone do not show)."""
    is_object = exp.Like(this=doc, expression=lit("{%"))
    return case([(is_object, not_(is_null(fn("json_object_keys", doc))))],
                not_(is_null(fn("get_json_object", doc, lit("$")))))


def _spark_path(path: str) -> str:
    """A JSON path get_json_object reads: `$.a.b` (the vocabulary's keys are identifiers)."""
    return "$" + "".join(f"['{part}']" for part in path.split(".")) if path else "$"


def _var(name: str) -> exp.Expression:
    return exp.to_identifier(name)


def _lambda(name: str, body: exp.Expression) -> exp.Expression:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(name)])


def _kind(value: exp.Expression) -> exp.Expression:
    """The JSON kind of a value of the rewritten document, by its first character."""
    first = exp.Substring(this=value, start=lit(1), length=lit(1))
    rest = exp.Substring(this=value, start=lit(2))
    # whole numbers as int() writes them are BIGINT or HUGEINT (a case id); -0 was rewritten as 0
    number = case([(exp.RegexpLike(this=rest, expression=lit(r"^(0|-?[1-9][0-9]{0,17})$")), lit("BIGINT")),
                   (exp.RegexpLike(this=rest, expression=lit(r"^-?[1-9][0-9]*$")), lit("HUGEINT"))], lit("DOUBLE"))
    return case([(eq(first, lit("s")), lit("VARCHAR")), (eq(first, lit("n")), number),
                 (in_list(first, [lit("t"), lit("f")]), lit("BOOLEAN")), (eq(first, lit("z")), lit("NULL")),
                 (eq(first, lit("{")), lit("OBJECT")), (eq(first, lit("[")), lit("ARRAY"))], exp.Null())


def _text(value: exp.Expression) -> exp.Expression:
    """The text of a value of the rewritten document: a string's or a number's without its
    mark; a literal's or a structure's as it is."""
    first = exp.Substring(this=value, start=lit(1), length=lit(1))
    return case([(in_list(first, [lit("s"), lit("n")]), exp.Substring(this=value, start=lit(2))),
                 (eq(first, lit("z")), exp.Null())], value)


READERS: Final[dict[str, type[Reader]]] = {"duckdb": DuckReader, "spark": SparkReader}


def reader(d: Dialect) -> Reader:
    return READERS[d.name](d)
