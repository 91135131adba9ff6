"""Read CSV, Excel and Parquet exports into all-text polars frames.

A text column with few distinct values is kept compactly (``Categorical``, the same
strings; see :mod:`funnel.ingest.readers_base`): read a column as ``String`` with
:meth:`RawTable.column` or :meth:`RawTable.text`.

The format is decided from the bytes, never from the file name. Every data row read
is either kept (with its row number in ``ROW``) or reported as a :class:`Rejection`
with the reason, so ``rows_read == height + len(rejected)`` always holds.

Row numbers are what a person finds when opening the file: in CSV and Excel the
header is row 1 and the first data row is row 2; in Parquet the first row is row 1.
"""

from __future__ import annotations

import io
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import fastexcel
import polars as pl

from funnel.dataset.errors import InputError, StopCheck, stop_if
from funnel.dataset.schema import as_text
from funnel.dataset.tables import Warning_
from funnel.ingest.footer import trim_footer
from funnel.ingest.headers import (
    LOOK_ROWS,
    MAX_COLUMNS,
    Header,
    find_header,
    header_of,
    internal_free,
)
from funnel.ingest.readers_base import ROW, Rejection, one_chunk
from funnel.ingest.readers_csv import has_nul, nul_rows, read_csv_rows, utf8_copy
from funnel.ingest.salvage import NOT_TEXT
from funnel.ingest.sniff import detect_delimiter, detect_encoding, sniff_format

# fastexcel logs "Could not determine dtype for column N" (a column with no typed cell)
# through Python logging, which prints warnings to stderr when nothing is configured; the
# column is read as text all the same, so the message only alarms users: keep it quiet.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

_SNIFF_BYTES = 256 * 1024


@dataclass
class RawTable:
    """One file (or one sheet) as read: every column text, plus the row bookkeeping."""

    name: str
    format: str
    frame: pl.DataFrame
    rows_read: int
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    warnings: list[Warning_] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The file's own column names (without the row-number column)."""
        return [c for c in self.frame.columns if c != ROW]

    def column(self, name: str) -> pl.Series:
        """One column as ``String`` (``frame`` may keep a column of few distinct values
        compactly, as ``Categorical``: see :mod:`funnel.ingest.readers_base`)."""
        return as_text(self.frame[name])

    def text(self, n: int | None = None) -> pl.DataFrame:
        """The first ``n`` rows (every row when ``None``) with every column as ``String``."""
        return as_text(self.frame if n is None else self.frame.head(n))

    def in_one_piece(self) -> None:
        """Put each column of ``frame`` in one piece, a column at a time (see
        :func:`~funnel.ingest.readers_base.one_chunk`); the values stay the same. Typing
        does it before it lends the file's text columns to the typed table.

        Examples
        --------
        >>> t = RawTable("l.csv", "csv", pl.concat([pl.DataFrame({"a": ["x"]})] * 2,
        ...                                         rechunk=False), 2)
        >>> t.in_one_piece(); t.frame.n_chunks()
        1
        """
        if max(self.frame.n_chunks("all"), default=1) > 1:
            columns = self.frame.get_columns()
            self.frame = pl.DataFrame()  # the list is then the columns' only holder
            try:
                self.frame = one_chunk(columns)
            except BaseException:  # every column, old or new, when a copy fails
                self.frame = pl.DataFrame(columns)
                raise


def _human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def _head(source: Path | bytes, n: int = _SNIFF_BYTES) -> bytes:
    if isinstance(source, bytes):
        return source[:n]
    with open(source, "rb") as fh:
        return fh.read(n)


def _size(source: Path | bytes) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _text_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Turn a typed frame (Excel, Parquet) into text the way a CSV export would show it."""
    out = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:  # an instant: write it in UTC, as text dates are
                col = col.dt.convert_time_zone("UTC")
            expr = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif dtype == pl.Date:
            expr = col.dt.strftime("%Y-%m-%d")
        elif dtype.is_float():
            whole = col.is_not_nan() & (col == col.round(0)) & (col.abs() < 1e15)
            expr = (
                pl.when(whole)
                .then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String))
            )
        elif dtype == pl.Boolean:
            expr = col.cast(pl.String)  # "true"/"false"; a blank cell stays missing
        elif dtype == pl.String:
            expr = col
        elif isinstance(dtype, pl.List | pl.Array) and not dtype.inner.is_nested():
            expr = col.cast(pl.List(pl.String), strict=False).list.join(", ")
        elif dtype.is_nested() or dtype == pl.Object:  # a map, a list of structs …
            out.append(nested_text(df[name]))
            continue
        else:
            expr = col.cast(pl.String, strict=False)
        out.append(expr.alias(name))
    return df.select(out) if out else df


def nested_text(values: pl.Series) -> pl.Series:
    """Nested values (maps, structs, lists of them) as one JSON text per cell, so a
    Parquet column of any type is kept, never dropped.

    Examples
    --------
    >>> nested_text(pl.Series("m", [[{"key": "a", "value": 1}], None])).to_list()
    ['[{"key": "a", "value": 1}]', None]
    """
    return pl.Series(values.name, [None if v is None else json.dumps(v, default=str,
                                                                      ensure_ascii=False)
                                   for v in values.to_list()], dtype=pl.String)


def _read_text(
    source: Path | bytes, *, name: str, head: bytes, encoding: str | None = None,
    should_stop: StopCheck | None = None,
) -> RawTable:
    encoding = encoding or detect_encoding(head)
    notes: list[str] = []
    warnings: list[Warning_] = []
    tmp: str | None = None
    try:
        if encoding in ("utf-8", "utf-8-sig") and isinstance(source, Path):
            path = source
        else:
            stop_if(should_stop, f"copying {name} as UTF-8 text")
            tmp, replaced = utf8_copy(source, encoding)
            path = Path(tmp)
            if encoding not in ("utf-8", "utf-8-sig"):
                notes.append(f"Read as {encoding} text.")
            if replaced:
                warnings.append(Warning_(
                    "undecodable_text", f"{name}: {replaced:,} characters could not be read "
                    f"as {encoding} text and show as '\ufffd'.", replaced))
        sample = _head(path).decode("utf-8-sig", errors="ignore")
        if not sample.strip():
            raise InputError(f"{name} is empty.")
        delimiter = detect_delimiter(sample)
        header = find_header(sample, delimiter)
        if len(header.fields) > MAX_COLUMNS:
            raise InputError(
                f"{name} has {len(header.fields):,} columns, more than the {MAX_COLUMNS:,} "
                "read here; export only the columns the diagnosis needs.")
        # an upload's bytes are read in place by polars; the copy on disk is for DuckDB
        in_memory = source if isinstance(source, bytes) and encoding == "utf-8" else None
        frame, rejected, rows_read = read_csv_rows(path, name=name, delimiter=delimiter,
                                                   skip=header.skip_lines, data=in_memory,
                                                   should_stop=should_stop)
        bad_text = [r for r in rejected if r.reason == NOT_TEXT]
        if bad_text and encoding == "utf-8":
            # Non-UTF-8 bytes after the sniffed head: the file is really cp1252.
            del frame
            return _read_text(source, name=name, head=head, encoding="cp1252",
                              should_stop=should_stop)
        stop_if(should_stop, f"looking for binary data in {name}")
        if has_nul(path):
            frame, nul = nul_rows(frame, name)
            rejected = sorted(rejected + nul, key=lambda r: r.row or 0)
    finally:
        if tmp:
            os.unlink(tmp)
    if rows_read == 0:
        raise InputError(f"{name} has a header row but no data rows.")
    if frame.width <= 2 and rows_read > 0 and len(rejected) == rows_read:
        raise InputError(f"{name} could not be read as a table: no row matches its header.")
    frame = _named(frame, header)
    warnings += _header_warnings(name, header)
    if delimiter != ",":
        notes.append(f"Columns separated by {_delimiter_name(delimiter)}.")
    return RawTable(
        name=name,
        format="csv",
        frame=frame,
        rows_read=rows_read,
        rejected=rejected,
        notes=notes,
        encoding=encoding,
        delimiter=delimiter,
        warnings=warnings,
    )


def _named(frame: pl.DataFrame, header: Header) -> pl.DataFrame:
    """Give the columns the header's distinct names, by position."""
    cols = [c for c in frame.columns if c != ROW]
    if len(cols) != len(header.names) or cols == header.names:
        return frame
    return frame.rename(dict(zip(cols, header.names, strict=True)))


def _header_warnings(name: str, header: Header) -> list[Warning_]:
    """Warnings for title lines above the header and for renamed columns."""
    out = []
    if header.titles:
        n = len(header.titles)
        shown = ", ".join(f"{t[:60]!r}" for _, t in header.titles[:3])
        what = ("{} above it is a title, not data, and was not read" if n == 1 else
                f"the {n} rows above it ({{}}) are titles, not data, and were not read")
        out.append(Warning_(
            "title_rows", f"{name}: the header is on row {header.skip_lines + 1}; "
            f"{what.format(shown)}.", n))
    if header.renamed:
        out.append(Warning_("header_names", f"{name}: " + " ".join(header.renamed),
                            len(header.renamed)))
    return out


def _internal_free(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, list[Warning_]]:
    """``frame`` with no column named like the app's own (``__row``, ...): such a column
    is read without its leading underscores, with a warning
    (:func:`funnel.ingest.headers.internal_free`)."""
    names, said = internal_free(frame.columns)
    if not said:
        return frame, []
    return (frame.rename(dict(zip(frame.columns, names, strict=True))),
            [Warning_("header_names", f"{name}: " + " ".join(said), len(said))])


def _delimiter_name(d: str) -> str:
    return {";": "semicolons", "\t": "tabs", "|": "pipes", ",": "commas"}[d]


_UNNAMED = "__UNNAMED__"  # fastexcel's name for a column whose header cell is blank


def _below_titles(
    reader: fastexcel.ExcelReader, idx: int | str, frame: pl.DataFrame,
) -> tuple[pl.DataFrame, Header | None]:
    """A sheet whose first row looks like a title (few of its cells filled, as a merged
    report title): the header found by its values among the first rows, as in a CSV
    (:func:`funnel.ingest.headers.header_of`), and the sheet read again from it; else the
    sheet as read and ``None``."""
    named = sum(not c.startswith(_UNNAMED) for c in frame.columns)
    if frame.width < 2 or named > max(1, frame.width // 3):
        return frame, None
    probe = reader.load_sheet(idx, header_row=None, n_rows=LOOK_ROWS,
                              dtypes="string").to_polars()
    header = header_of([(i, ["" if v is None else str(v) for v in row])
                        for i, row in enumerate(probe.rows())])
    if header.skip_lines == 0:
        return frame, None
    again = reader.load_sheet(idx, header_row=header.skip_lines, schema_sample_rows=None)
    return again.to_polars(), header


def _read_excel(source: Path | bytes, *, name: str, sheet: str | int | None,
                should_stop: StopCheck | None = None) -> RawTable:
    try:
        reader = fastexcel.read_excel(source if isinstance(source, bytes) else str(source))
        names = list(reader.sheet_names)
    except Exception as exc:  # calamine raises several types for damaged files
        raise InputError(
            f"{name} could not be opened as an Excel workbook: it looks damaged or incomplete."
        ) from exc
    if not names:
        raise InputError(f"{name} is a workbook with no sheets.")
    if isinstance(sheet, int) and not 0 <= sheet < len(names) and str(sheet) in names:
        sheet = str(sheet)  # a sheet named "2024" given on the command line
    if sheet is not None and not (isinstance(sheet, int) and 0 <= sheet < len(names)):
        if isinstance(sheet, int):
            raise InputError(
                f"{name} has no sheet number {sheet} (sheets are numbered from 0); "
                f"it has {', '.join(names)}."
            )
        if sheet not in names:
            raise InputError(f"{name} has no sheet named {sheet!r}; it has {', '.join(names)}.")
    candidates = [sheet] if sheet is not None else list(range(len(names)))
    chosen, frame = None, None
    for idx in candidates:
        stop_if(should_stop, f"reading sheet {names[idx] if isinstance(idx, int) else idx!r} "
                f"of {name}")
        try:
            # types from every row: fastexcel would otherwise null out cells that
            # differ from the first 1,000 rows' type
            loaded = reader.load_sheet(idx, schema_sample_rows=None).to_polars()
        except Exception as exc:
            label = names[idx] if isinstance(idx, int) else idx
            raise InputError(f"{name}: sheet {label!r} could not be read ({exc}).") from exc
        if loaded.height > 0 or sheet is not None:
            chosen, frame = idx, loaded
            break
    if frame is None:
        raise InputError(f"{name} has no sheet with data rows.")
    sheet_name = names[chosen] if isinstance(chosen, int) else chosen
    try:
        frame, header = _below_titles(reader, chosen, frame)
    except Exception as exc:
        raise InputError(f"{name}: sheet {sheet_name!r} could not be read ({exc}).") from exc
    if frame.height == 0:
        raise InputError(f"{name}: sheet {sheet_name!r} has a header row but no data rows.")
    frame, renamed = _internal_free(_text_frame(frame), name)
    first = 2 + (header.skip_lines if header else 0)
    frame = frame.with_columns(pl.int_range(first, frame.height + first, dtype=pl.Int64)
                               .alias(ROW))
    rows_read = frame.height
    frame, footer = trim_footer(frame, name)
    others = [n for n in names if n != sheet_name]
    notes = [f"Sheet {sheet_name!r} read."] + (
        [f"Other sheets: {', '.join(others)}."] if others else []
    )
    return RawTable(
        name=name,
        format="excel",
        frame=frame,
        rows_read=rows_read,
        rejected=footer,
        notes=notes,
        sheets=names,
        sheet=sheet_name,
        # the names are the sheet's own (as without titles): only the titles are said
        warnings=(_header_warnings(name, replace(header, renamed=[])) if header else [])
        + renamed,
    )


def _read_parquet(source: Path | bytes, *, name: str) -> RawTable:
    try:
        frame = pl.read_parquet(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception as exc:
        raise InputError(f"{name} could not be read as Parquet: it looks damaged.") from exc
    if frame.height == 0:
        raise InputError(f"{name} has columns but no rows.")
    try:
        frame = _text_frame(frame)
    except Exception as exc:
        raise InputError(f"{name} holds a column of a type that cannot be read as text; "
                         "export it with plain text and number columns.") from exc
    frame, warnings = _internal_free(frame, name)
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW))
    return RawTable(name=name, format="parquet", frame=frame, rows_read=frame.height,
                    warnings=warnings)


def read_file(
    source: str | os.PathLike | bytes,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    max_bytes: int | None = None,
    should_stop: StopCheck | None = None,
) -> RawTable:
    """Read one export file into an all-text frame, whatever its format.

    Parameters
    ----------
    source
        A path, or the file's bytes (an upload).
    name
        What to call the file in messages; defaults to the path's file name.
    sheet
        For workbooks: the sheet name or index; by default the first sheet with data.
    max_bytes
        Refuse larger files with a plain message (the app sets this; the CLI does not).
    should_stop
        Called between the steps of reading (checking the rows, reading them, a sheet);
        ``True`` stops the reading with :class:`~funnel.dataset.errors.Cancelled` (the
        app: the browser session the upload was for has gone).

    Returns
    -------
    RawTable
        Kept rows as text with their row numbers in ``ROW``, and the rejected rows.

    Raises
    ------
    InputError
        With one sentence when the file cannot be used at all.

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR
    >>> t = read_file(SAMPLE_DIR / "contacts.csv")
    >>> t.format, t.rows_read == t.frame.height + len(t.rejected)
    ('csv', True)
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data: Path | bytes = bytes(source)
        name = name or "upload"
    else:
        data = Path(source)
        name = name or data.name
        if not data.exists():
            raise InputError(f"{name}: no such file.")
        if data.is_dir():
            raise InputError(f"{name} is a folder, not a file.")
    size = _size(data)
    if size == 0:
        raise InputError(f"{name} is empty.")
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            f"{name} is {_human_size(size)}, over the {_human_size(max_bytes)} limit for "
            "uploads; load it with the funnel CLI or export fewer columns."
        )
    head = _head(data)
    kind = sniff_format(head)
    suffix = Path(name).suffix.lower()
    if kind == "parquet":
        stop_if(should_stop, f"reading {name}")
        table = _read_parquet(data, name=name)
    elif kind in ("xlsx", "xls"):
        table = _read_excel(data, name=name, sheet=sheet, should_stop=should_stop)
    elif kind == "encrypted":
        raise InputError(
            f"{name} is a password-protected workbook; save an unprotected copy and load that."
        )
    elif kind == "zip" and suffix in (".xlsx", ".xlsm"):
        # A ZIP with no workbook parts in its head: a damaged or truncated workbook.
        table = _read_excel(data, name=name, sheet=sheet, should_stop=should_stop)
    elif kind == "zip":
        raise InputError(f"{name} is a ZIP archive, not a workbook; unzip it and load the files.")
    elif kind == "gzip":
        raise InputError(f"{name} is a compressed (gzip) file; decompress it and load the "
                         "file inside.")
    elif kind == "binary":
        raise InputError(
            f"{name} is not a CSV, Excel or Parquet file (its content looks like binary data)."
        )
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2] in (b"[{", b"{\"", b"[\n", b"[ "):
        raise InputError(f"{name} holds JSON, not a table; export the leads as CSV, Excel "
                         "or Parquet.")
    else:
        table = _read_text(data, name=name, head=head, should_stop=should_stop)
        if suffix in (".xlsx", ".xls", ".xlsm", ".parquet"):
            table.notes.insert(0, f"Named {suffix} but holds CSV text; read as CSV.")
    if not table.columns:
        raise InputError(f"{name} has no columns.")
    if len(table.columns) > MAX_COLUMNS:  # a workbook or Parquet file (CSV: checked before)
        raise InputError(f"{name} has {len(table.columns):,} columns, more than the "
                         f"{MAX_COLUMNS:,} read here; export only the columns the diagnosis "
                         "needs.")
    if len(set(table.frame.n_chunks("all"))) > 1:
        table.in_one_piece()  # aligned once here, not in every later query
    return table
