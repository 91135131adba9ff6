"""Type one read file: one decision per mapped column, then the rows that cannot be kept.

Every decision (date format, decimal mark, which labels mean won or lost, the type of
an unmapped attribute) is made on the file's first rows, and the whole file is then
typed a few columns at a time (about a million values a query, so only their
intermediate text is held; a text column that reading leaves as it is is the read
table's own, not a copy).
A decision that loses values further down the file is retried with broader readings;
values still unreadable are left empty with a warning, except in required fields, where
the row is rejected with its file, row and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import FIELDS, as_text
from funnel.dataset.tables import REJECTED_SCHEMA, Warning_
from funnel.ingest.mapping import map_values, stage_endings
from funnel.ingest.parsing import (
    SAMPLE_SIZE,
    attribute_expr,
    attribute_fallbacks,
    date_expr,
    date_only,
    detect_date_style,
    detect_decimal_comma,
    is_plain_number,
    lenient_date_expr,
    needs_strip,
    null_placeholders,
    number_expr,
    other_order,
    placeholder_expr,
    reads_as_is,
)
from funnel.ingest.placeholders import placeholder_note
from funnel.ingest.readers import ROW, RawTable
from funnel.ingest.readers_base import COMPACT_MIN_ROWS, FILE, one_chunk

EXAMPLES = 3
"""How many example values a warning quotes."""

_LOST = "__lost:"  # prefix of the per-column "had text, read nothing" checks
_CLEAN = "__clean:"  # prefix of a typed column's cleaned text, computed once per query
_READ = "__read:"  # prefix of a typed column's reading, computed once per query
_CELLS = 1 << 20  # values typed by one query
_COLUMNS = 64  # columns typed by one query at most: planning a query of many compact
# columns grows faster than its columns (2,000 of them: 220 s in one query, 32 s so)


@dataclass
class Typed:
    """One file typed: its kept rows, its rejected rows, warnings on kept rows, and notes."""

    frame: pl.DataFrame
    rejects: list[pl.DataFrame]
    warnings: list[Warning_]
    notes: list[str]


class _Decision(NamedTuple):
    """How one mapped column is read: the typing expression, the cleaned text it reads
    from, a label of the decision for messages, and broader expressions to retry.

    ``staged``: the expression of the cleaned text when ``out`` and ``broader`` read it as
    the column ``_CLEAN + name`` (computed once, see :func:`_typing_queries`); ``clean`` is
    then that column too, except for an attribute, whose check trims as before.
    ``as_is``: the read file's column, when reading it changes no value (it is then lent
    to the typed table, not copied: see :func:`_lend`)."""

    out: pl.Expr
    clean: pl.Expr
    label: str = ""
    broader: list[pl.Expr] = []
    staged: pl.Expr | None = None
    as_is: str | None = None


# --- rejected rows ------------------------------------------------------------------


def reject(
    frame: pl.DataFrame, bad: pl.Series, reason: pl.Expr | pl.Series | str
) -> pl.DataFrame:
    """The rejected rows of ``frame`` as ``file, row, reason``.

    ``reason`` is one text, an expression over ``frame``, or one text per row of ``frame``.
    """
    if isinstance(reason, pl.Series):
        frame = frame.with_columns(reason.alias("__reason"))
        reason = pl.col("__reason")
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(bad).select(
        pl.col(FILE).alias("file"), pl.col(ROW).alias("row"), reason_expr.alias("reason")
    )


def empty_rejects() -> pl.DataFrame:
    """An empty ``file, row, reason`` table."""
    return pl.DataFrame(schema=REJECTED_SCHEMA)


def reader_rejects(raw: RawTable) -> pl.DataFrame:
    """The rows the reader could not read, as ``file, row, reason``."""
    return pl.DataFrame(
        {"file": [r.file for r in raw.rejected], "row": [r.row for r in raw.rejected],
         "reason": [r.reason for r in raw.rejected]},
        schema=REJECTED_SCHEMA)


def extra_name(column: str, role: str) -> str:
    """An unmapped column's name in the typed table: ``"amount (raw)"`` when the export's
    own name is a canonical field it was not mapped to, so the two never collide."""
    taken = set(FIELDS[role]) | {"outcome", "closed_at", "deals", "touches", FILE, ROW}
    return f"{column} (raw)" if column in taken else column


# --- the whole file -----------------------------------------------------------------


def type_table(
    raw: RawTable, role: str, colmap: dict[str, str], values: dict[str, dict[str, str]],
    *, required: Iterable[str], day_first: bool, renames: dict[str, str] | None = None,
    compact: pl.DataType | None = None,
) -> Typed:
    """Rename mapped columns to canonical names and type them, a few columns a query.

    Every decision (date format, decimal mark, attribute type) is made on the file's
    first rows; the whole file is then typed, a few columns a query. Unmapped columns of a
    lead file become typed profile attributes (``renames``: ``{column: attribute}``
    named in the mapping file, whose labels ``values`` may map); of other files they
    stay text.

    ``compact`` (a ``Categorical``): the dtype of the file column, of a lead file's
    canonical text, stage and outcome fields (see :func:`labels_dtype`; linking deals
    may turn them into ``String``) and of the text attributes the reader kept compactly,
    four bytes a row rather than sixteen (``String``). A text column that reading leaves
    as it is (no placeholder, nothing to trim) is the file's own column, shared with
    ``raw`` rather than copied.
    """
    fields = FIELDS[role]
    required = set(required)
    raw.in_one_piece()  # its unchanged text columns are then lent, not copied
    # the file column first, so that a compact one takes the first code as before
    file_column = pl.repeat(raw.name, raw.frame.height, dtype=compact or pl.String,
                            eager=True).alias(FILE)
    warnings: list[Warning_] = []
    notes: list[str] = []
    sample = raw.text(SAMPLE_SIZE)
    exprs: list[pl.Expr] = []
    checked: dict[str, _Decision] = {}  # typed columns whose lost values are counted
    how: dict[str, str] = {}
    # broader expressions to try when a decision made on the first rows loses values
    retry: dict[str, _Retry] = {}
    as_is: dict[str, str] = {ROW: ROW}  # typed name: the read column it is, not copied
    lead_compact = compact if role == "leads" else None  # for text, stage and outcome
    for f, col in colmap.items():
        d = _field_expr(raw, sample, f, col, fields[f], values, day_first=day_first,
                        required=required, warnings=warnings, notes=notes,
                        labels=labels_dtype(raw, col, lead_compact))
        if fields[f] in ("datetime", "month", "number"):  # text cannot fail to read
            checked[f] = d
            exprs.append(pl.col(_READ + f).alias(f))
        else:
            exprs.append(d.out.alias(f))
        if d.as_is:
            as_is[f] = d.as_is
        retry[f] = _Retry(d.staged, [(e, _lost(d.clean, e)) for e in d.broader])
        how[f] = d.label
    if "stage" in colmap and "outcome" not in colmap and "outcome" in fields:
        exprs += _outcome_from_stage(raw, colmap["stage"],
                                     labels_dtype(raw, colmap["stage"], lead_compact))
    _extra_exprs(raw, sample, role, colmap, exprs=exprs, checked=checked, retry=retry,
                 renames=renames or {}, values=values, compact=compact, as_is=as_is)
    names = [*(e.meta.output_name() for e in exprs), FILE, ROW]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise InputError(f"{raw.name}: more than one column would be called {twice[0]!r}; "
                         "give each its own name in the mapping.")
    queries = _typing_queries(
        raw, [e for e, n in zip(exprs, names, strict=False) if n not in as_is], checked)
    typed = pl.concat([*(collect_aligned(q) for q in queries), file_column.to_frame()],
                      how="horizontal")
    typed = _lend(raw, typed, as_is, names)
    lost_counts = typed.select(pl.col(f"^{_LOST}.*$").sum()).row(0, named=True) if checked else {}
    typed = _retry_broader(raw, typed, retry, lost_counts)
    warnings += _unreadable_warnings(raw, typed, colmap, required, lost_counts)
    rejects: list[pl.DataFrame] = []
    bad = _bad_required(typed, colmap, required)
    if bad is not None and bad.any():
        rejects.append(_required_reasons(raw, typed, colmap, required, how, bad))
        typed = typed.filter(~bad)
    return Typed(typed.drop(pl.col(f"^{_LOST}.*$")), rejects, warnings, notes)


class _Retry(NamedTuple):
    """Broader readings of one column, ``(reading, lost check)`` in order, and the
    expression of the cleaned text they read as ``_CLEAN + name`` (``None``: none)."""

    staged: pl.Expr | None
    candidates: list[tuple[pl.Expr, pl.Expr]]


def _with_staged(frame: pl.LazyFrame, staged: dict[str, pl.Expr | None]) -> pl.LazyFrame:
    """``frame`` with each name's cleaned text added as ``_CLEAN + name``."""
    cleaned = [e.alias(_CLEAN + n) for n, e in staged.items() if e is not None]
    return frame.with_columns(cleaned) if cleaned else frame


def _typing_queries(raw: RawTable, exprs: list[pl.Expr], checked: dict[str, _Decision],
                    ) -> list[pl.LazyFrame]:
    """The queries typing a file, each typing a group of about :data:`_CELLS` values (one
    column at a time at a million rows, up to :data:`_COLUMNS` in a small file), so that
    only a group's intermediate text is held at a time. A checked column is typed in
    three steps, so that nothing is computed twice: its cleaned text (``_CLEAN + name``),
    its reading (``_READ + name``), then the typed column and whether a value with text
    read nothing (``_LOST + name``). (Polars does not share a parse between the places
    an expression repeats it when it sits under a ``when``.)"""
    frame = raw.frame.lazy()
    per = max(1, min(_COLUMNS, _CELLS // max(raw.frame.height, 1)))
    queries = []
    for start in range(0, len(exprs), per):
        group = exprs[start:start + per]
        mine = {n: checked[n] for e in group if (n := e.meta.output_name()) in checked}
        read = _with_staged(frame, {n: d.staged for n, d in mine.items()}).with_columns(
            [d.out.alias(_READ + n) for n, d in mine.items()])
        queries.append(read.select(*group, *(_lost(d.clean, pl.col(_READ + n)).alias(_LOST + n)
                                             for n, d in mine.items())))
    return queries


def _lend(raw: RawTable, typed: pl.DataFrame, as_is: dict[str, str], names: list[str],
          ) -> pl.DataFrame:
    """The typed table in the order of ``names``: the computed columns of ``typed`` and,
    for each name in ``as_is``, the read file's column itself (the same memory, not a
    copy; ``raw`` is in one piece), then ``typed``'s lost-value checks."""
    lent = {n: raw.frame[c].alias(n) for n, c in as_is.items()}
    checks = [typed[c] for c in typed.columns if c.startswith(_LOST)]
    return pl.DataFrame([lent[n] if n in lent else typed[n] for n in names] + checks)


def collect_aligned(query: pl.LazyFrame) -> pl.DataFrame:
    """Run ``query``; each column of the result in one piece, a column at a time
    (:func:`funnel.ingest.readers_base.one_chunk`), so that a column of the read file can
    join it without a copy.

    Examples
    --------
    >>> collect_aligned(pl.LazyFrame({"a": [1, 2]}).select(pl.col("a") * 2))["a"].to_list()
    [2, 4]
    """
    return one_chunk(query.collect().get_columns())  # the list the columns' only holder


def text_col(raw: RawTable, column: str) -> pl.Expr:
    """The expression reading ``column`` of ``raw`` as ``String``: a column kept
    compactly (``Categorical``) is turned into strings inside each expression, so a
    query never holds every column's strings at once.

    Examples
    --------
    >>> raw = RawTable("l.csv", "csv", pl.DataFrame(
    ...     {"s": pl.Series(["Web"], dtype=pl.Categorical), "id": ["1"]}), 1)
    >>> raw.frame.select(text_col(raw, "s"), text_col(raw, "id")).schema
    Schema([('s', String), ('id', String)])
    """
    col = pl.col(column)
    return col.cast(pl.String) if isinstance(raw.frame[column].dtype, pl.Categorical) else col


def _lost(clean: pl.Expr, out: pl.Expr) -> pl.Expr:
    """True where the cleaned text has a value that ``out`` did not read."""
    return clean.is_not_null() & out.is_null()


def labels_dtype(raw: RawTable, column: str, compact: pl.DataType | None) -> pl.DataType:
    """The dtype of a lead file's text, stage or outcome field read from ``column``:
    ``compact`` when the reader kept the column compactly, or when the file is too small
    for the reader to decide (:data:`~funnel.ingest.readers_base.COMPACT_MIN_ROWS`), so
    that small files meet compact fields as large ones do; else ``String`` (a column of
    mostly distinct values, such as UTM campaigns, would hold each string twice).

    Examples
    --------
    >>> compact = pl.Categorical()
    >>> small = RawTable("l.csv", "csv", pl.DataFrame({"s": ["Web", "Ads"]}), 2)
    >>> labels_dtype(small, "s", compact) == compact, labels_dtype(small, "s", None)
    (True, String)
    """
    if compact is None:
        return pl.String
    kept = isinstance(raw.frame[column].dtype, pl.Categorical)
    return compact if kept or raw.frame.height < COMPACT_MIN_ROWS else pl.String


def _outcome_from_stage(raw: RawTable, column: str, labels: pl.DataType) -> list[pl.Expr]:
    """An ``outcome`` (as ``labels``) read from the stage column, when some stages (such
    as "Closed Lost" or "Closed Won") also say how the record ended."""
    ended = stage_endings(raw.frame[column].drop_nulls().unique().cast(pl.String).to_list())
    if not ended:
        return []
    return [relabelled(raw, column, ended, dtype=labels).alias("outcome")]


def relabelled(raw: RawTable, column: str, lookup: dict[str, str | None], *,
               dtype: pl.DataType = pl.String) -> pl.Expr:
    """The labels of ``column`` replaced as ``lookup`` says (a label it lacks: empty), as
    ``dtype``; a column kept compactly is relabelled by its codes (:func:`by_codes`).

    Examples
    --------
    >>> raw = RawTable("l.csv", "csv", pl.DataFrame(
    ...     {"s": pl.Series(["Won", None, "Open"], dtype=pl.Categorical)}), 3)
    >>> raw.frame.select(relabelled(raw, "s", {"Won": "won"}))["s"].to_list()
    ['won', None, None]
    """
    return _coded(raw, column, lambda text: text.replace_strict(lookup, default=None,
                                                                return_dtype=pl.String),
                  dtype=dtype)


def _coded(raw: RawTable, column: str, text_of: Callable[[pl.Expr], pl.Expr], *,
           dtype: pl.DataType = pl.String) -> pl.Expr:
    """``text_of`` applied to ``column``: by its codes when it is compact
    (:func:`by_codes`), else to its text, as ``dtype``."""
    coded = by_codes(raw, column, text_of, dtype=dtype)
    return text_of(text_col(raw, column)).cast(dtype) if coded is None else coded


def by_codes(raw: RawTable, column: str, text_of: Callable[[pl.Expr], pl.Expr], *,
             dtype: pl.DataType = pl.String) -> pl.Expr | None:
    """``text_of`` (an elementwise expression of a ``String`` column) applied to a column
    the reader kept compactly, once per distinct label rather than once per row: each
    row's result is then found by its code among the column's own labels, as ``dtype``
    (a ``Categorical`` learns them in the order the rows first show them). The rows'
    text is never built, which takes several times the result's memory at a million
    rows. ``None`` when the column is not compact (or has no value).

    Examples
    --------
    >>> raw = RawTable("l.csv", "csv", pl.DataFrame(
    ...     {"s": pl.Series([" Web", None, "n/a"], dtype=pl.Categorical)}), 3)
    >>> raw.frame.select(by_codes(raw, "s", placeholder_expr))["s"].to_list()
    ['Web', None, None]
    """
    values = raw.frame[column]
    if not isinstance(values.dtype, pl.Categorical):
        return None
    distinct = values.unique(maintain_order=True).drop_nulls()
    if not distinct.len():
        return None
    labels = pl.select(text_of(pl.lit(distinct.cast(pl.String)))).to_series().cast(dtype)
    codes = distinct.to_physical()
    order = codes.arg_sort()  # the file's codes, sorted to be searched
    code = pl.col(column).to_physical()
    where = pl.when(code.is_not_null()).then(pl.lit(codes.gather(order)).search_sorted(code))
    return pl.lit(labels.gather(order)).gather(where).alias(column)


def _extra_exprs(
    raw: RawTable, sample: pl.DataFrame, role: str, colmap: dict[str, str], *,
    exprs: list[pl.Expr], checked: dict[str, _Decision], retry: dict[str, _Retry],
    renames: dict[str, str], values: dict[str, dict[str, str]], compact: pl.DataType | None,
    as_is: dict[str, str],
) -> None:
    """Add the unmapped columns: typed profile attributes in a lead file (with their
    checks and broader readings; named and relabelled as the mapping file says; text the
    reader kept compactly stays compact, as ``compact``), text as it is in other files.
    A text column read as it is goes into ``as_is`` (see :func:`_lend`)."""
    for c in [c for c in raw.columns if c not in colmap.values()]:
        name = renames.get(c) or extra_name(c, role)
        plain = raw.frame[c].dtype == pl.String
        if role != "leads":
            exprs.append(text_col(raw, c).alias(name))
            if plain:
                as_is[name] = c
            continue
        over = values[name] if name in values and name not in FIELDS[role] else None

        def src_of(text: pl.Expr, over: dict | None = over) -> pl.Expr:
            return text.replace(list(over), list(over.values())) if over else text

        seen = null_placeholders(sample.select(src_of(text_col(raw, c)).alias(c)).to_series())
        strip = needs_strip(seen)

        def staged_of(text: pl.Expr, strip: bool = strip, src_of=src_of) -> pl.Expr:
            return placeholder_expr(src_of(text), strip=strip)

        # a typed attribute reads its cleaned text, computed once (see _typing_queries)
        staged, ref = _coded(raw, c, staged_of), pl.col(_CLEAN + name)
        out, kind = attribute_expr(seen, ref, decimal_comma=raw.delimiter == ";", cleaned=True)
        if kind == "text":  # the cleaned text itself, nothing to stage
            kept = compact is not None and not plain
            exprs.append((_coded(raw, c, staged_of, dtype=compact) if kept else staged)
                         .alias(name))
            if plain and over is None and reads_as_is(raw.frame[c], strip=strip):
                as_is[name] = c
            continue
        clean = _coded(raw, c, lambda text, src_of=src_of: placeholder_expr(src_of(text)))
        checked[name] = _Decision(out, clean, staged=staged)
        exprs.append(pl.col(_READ + name).alias(name))
        broader = attribute_fallbacks(seen, ref, decimal_comma=raw.delimiter == ";",
                                      cleaned=True)
        retry[name] = _Retry(staged, [(e, _lost(clean, e))
                                      for e in (broader if kind == "number" else broader[1:])])


def _retry_broader(
    raw: RawTable, typed: pl.DataFrame, retry: dict[str, _Retry], lost_counts: dict[str, int],
) -> pl.DataFrame:
    """Re-read, in order, the columns that lost values with their broader readings,
    keeping a broader reading only when it reads more (``lost_counts`` is updated)."""
    for name, (staged, candidates) in retry.items():
        for out, check in candidates:
            if not lost_counts.get(_LOST + name):
                break
            redo = _with_staged(raw.frame.lazy(), {name: staged}).select(
                out.alias(name), check.alias(_LOST + name)).collect()
            lost = int(redo[_LOST + name].sum())
            if lost < lost_counts[_LOST + name]:
                typed = typed.with_columns(redo)
                lost_counts[_LOST + name] = lost
    return typed


def _unreadable_warnings(
    raw: RawTable, typed: pl.DataFrame, colmap: dict[str, str], required: set[str],
    lost_counts: dict[str, int],
) -> list[Warning_]:
    """A warning per field with values that could not be read: left empty in an optional
    field; in a required one their rows are rejected (the warning then says so)."""
    out = []
    for f, col in colmap.items():
        if not lost_counts.get(_LOST + f):
            continue
        n = int(lost_counts[_LOST + f])
        of = n + int(typed[f].is_not_null().sum())
        lost = as_text(raw.frame[col].filter(typed[_LOST + f]))
        examples = ", ".join(repr(e) for e in lost.unique(maintain_order=True).head(EXAMPLES))
        what = "numbers" if typed[f].dtype.is_numeric() else "dates"
        fate = "their rows are rejected" if f in required else "they are left empty"
        out.append(Warning_(
            "unreadable_values",
            f"{raw.name}: {col}: {n:,} of {of:,} values could not be read as {what} "
            f"(e.g. {examples}); {fate}{placeholder_note(lost)}.", n))
    return out


def _bad_required(
    typed: pl.DataFrame, colmap: dict[str, str], required: set[str]
) -> pl.Series | None:
    """True for rows with a required field empty (``None`` when nothing is required)."""
    bad = None
    for f in colmap:
        if f in required:
            missing = typed[f].is_null()
            bad = missing if bad is None else bad | missing
    return bad


def _required_reasons(
    raw: RawTable, typed: pl.DataFrame, colmap: dict[str, str], required: set[str],
    how: dict[str, str], bad: pl.Series,
) -> pl.DataFrame:
    """File, row and reason for rows whose required fields are empty or unreadable;
    the reason names the first failing field."""
    rows = typed.filter(bad).rechunk()
    texts = as_text(raw.frame.filter(bad)).rechunk()
    reason = pl.lit(None, dtype=pl.String)
    for f in reversed([f for f in colmap if f in required]):
        shown = texts[colmap[f]].str.strip_chars().str.slice(0, 40).rechunk()
        lost = rows[_LOST + f] if _LOST + f in rows.columns else pl.repeat(False, rows.height)
        why = pl.when(lost).then(
            pl.format(f"{f} '{{}}' cannot be read like the rest of the column{how[f]}",
                      pl.lit(shown))
        ).otherwise(pl.lit(f"{f} is empty"))
        reason = pl.when(rows[f].is_null()).then(why).otherwise(reason)
    return rows.select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"),
                       reason.alias("reason"))


# --- one column ---------------------------------------------------------------------


def _field_expr(
    raw: RawTable, sample: pl.DataFrame, f: str, col: str, kind: str,
    values: dict[str, dict[str, str]], *, day_first: bool, required: set[str],
    warnings: list[Warning_], notes: list[str], labels: pl.DataType,
) -> _Decision:
    """How to read mapped column ``col`` as field ``f`` of ``kind``, decided on the sample
    (text, stage and outcome as ``labels``); warnings and notes about the decision are
    appended to ``warnings`` and ``notes``."""
    strip = kind == "id" or needs_strip(sample[col].drop_nulls())
    plain = labels == pl.String or kind == "id"  # text kept as String
    if (kind in ("id", "text") and plain and f not in values
            and raw.frame[col].dtype == pl.String and reads_as_is(raw.frame[col], strip=strip)):
        return _Decision(pl.col(col), pl.col(col), as_is=col)
    over = values.get(f) if kind in ("text", "id") else None

    def clean_of(text: pl.Expr) -> pl.Expr:
        cleaned = placeholder_expr(text, strip=strip)
        return cleaned.replace(list(over), list(over.values())) if over else cleaned

    clean = _coded(raw, col, clean_of, dtype=labels if kind == "text" else pl.String)
    seen = null_placeholders(sample[col])
    if kind in ("id", "text"):
        return _Decision(clean, clean)
    if kind in ("datetime", "month"):
        return _date_field(raw, seen, clean, f, col, kind, day_first=day_first,
                           required=required, warnings=warnings, notes=notes)
    ref = pl.col(_CLEAN + f)  # the cleaned text, computed once (see _typing_queries)
    if kind == "number":
        present = seen.drop_nulls()
        dec = detect_decimal_comma(present, default=raw.delimiter == ";")
        return _Decision(number_expr(ref, decimal_comma=dec, fit=present,
                                     plain=is_plain_number(present, decimal_comma=dec)),
                         ref, "", [number_expr(ref, decimal_comma=dec)], clean)
    return _label_field(raw, f, col, kind, values, warnings=warnings, labels=labels)


def _date_field(
    raw: RawTable, seen: pl.Series, clean: pl.Expr, f: str, col: str, kind: str, *,
    day_first: bool, required: set[str], warnings: list[Warning_], notes: list[str],
) -> _Decision:
    """A date (or month) column: the format of its first values, with the time made
    optional and the other day/month order as broader readings, read from the cleaned
    text ``clean`` computed once (``_CLEAN + f``)."""
    style = detect_date_style(seen, day_first=day_first)
    ref = pl.col(_CLEAN + f)
    probe = ref
    if style is None and kind == "month":
        for prefix, suffix in (("", "-01"), ("1 ", "")):
            style = detect_date_style(prefix + seen + suffix, day_first=day_first)
            if style is not None:
                probe = pl.lit(prefix) + ref + pl.lit(suffix)
                break
    if style is None:
        present = seen.drop_nulls()
        if f in required or present.len() == 0:
            shown = f" (for example {present[0]!r})" if present.len() else ""
            raise InputError(
                f"{raw.name}: column {col!r}, used as {f}, holds no dates that can be "
                f"read{shown}; choose another column in the mapping."
            )
        warnings.append(Warning_(
            "unreadable_column", f"{raw.name}: {col!r} has no readable dates, so {f} "
            "is left empty.", int(raw.frame[col].is_not_null().sum())))
        return _Decision(pl.lit(None, dtype=pl.Datetime("us")), pl.lit(None, dtype=pl.String))
    # broader readings if later rows disagree: the time optional, then (when the
    # first rows were ambiguous) the other day/month order
    broader = [lenient_date_expr(probe, style)] if date_only(style) else []
    swapped = other_order(style)
    if swapped is not None:
        broader.append(lenient_date_expr(probe, swapped))
    out = date_expr(probe, style)
    if kind == "month":
        out, broader = out.dt.truncate("1mo"), [b.dt.truncate("1mo") for b in broader]
    notes.append(f"{col!r} read as {f} ({style.label}).")
    return _Decision(out, ref, f" ({style.label})", broader, clean)


def _label_field(
    raw: RawTable, f: str, col: str, kind: str, values: dict[str, dict[str, str]], *,
    warnings: list[Warning_], labels: pl.DataType,
) -> _Decision:
    """An outcome or stage column (as ``labels``): each distinct label mapped once;
    labels not recognised are left empty with a warning."""
    counts = as_text(raw.frame[col].value_counts())
    mapped, unknown = map_values(counts[col], kind, overrides=values.get(f))
    lookup = dict(zip(counts[col].to_list(), mapped.to_list(), strict=True))
    if unknown:
        weights = dict(zip(counts[col].to_list(), counts["count"].to_list(), strict=True))
        tally = dict(sorted(((k, weights.get(k, v)) for k, v in unknown.items()),
                            key=lambda kv: (-kv[1], kv[0])))
        shown = ", ".join(f"{k!r} ({v})" for k, v in list(tally.items())[:5])
        warnings.append(Warning_(
            f"unknown_{kind}", f"{raw.name}: {kind} labels not recognised, left "
            f"empty: {shown}. Map them in the mapping screen.", sum(tally.values())))
    return _Decision(relabelled(raw, col, lookup, dtype=labels), pl.lit(None, dtype=pl.String))
