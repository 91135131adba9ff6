"""Read the rows of a CSV file: DuckDB checks every row, then polars reads the text.

DuckDB validates every row (a row with the wrong number of fields becomes a rejection
with its row number) without materialising the data; polars then reads the text, which
is about twice as fast as converting DuckDB's result. If DuckDB refuses the file (a
quote never closed, a line over 10 MB) or the two disagree on the number of rows (a
bare carriage return DuckDB takes for a line end), the file is read line by line
(:func:`funnel.ingest.salvage.salvage_csv`), rejecting only the lines that cannot be
read. A report's footer below the records (a Salesforce report's totals and copyright
lines) is rejected with a reason that says so (:mod:`funnel.ingest.footer`).

Memory, for an upload of N bytes already held in memory: the check runs first, with a
bounded read buffer, and its connection is closed (freeing its memory) before polars
reads, so the two never add up; polars reads the upload's bytes in place rather than a
copy on disk (which it would map into memory: one more N); text columns with few
distinct values are kept compactly (:mod:`funnel.ingest.readers_base`); a file in
another encoding is converted to UTF-8 a megabyte at a time, never as one string.
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from funnel.dataset.errors import InputError, StopCheck, stop_if
from funnel.dataset.schema import is_text
from funnel.ingest.footer import TAIL_ROWS, relabel_footer
from funnel.ingest.readers_base import ROW, Rejection, compact_schema
from funnel.ingest.salvage import NOT_TEXT, NUL_BYTE, TOO_LONG, UNCLOSED, ragged_reason, salvage_csv

_PIECE = 1 << 20  # bytes converted or scanned at a time
_SAMPLE_BYTES = 2 << 20  # the head of the file the compact columns are decided on
_FOOTER_TEXT = 2_000  # characters of a rejected line's text kept to tell a footer

_CHECK_BUFFER = 16 << 20
"""DuckDB's CSV read buffer, in bytes (above the 10 MB line limit, as DuckDB requires).
Left to DuckDB, the buffers kept during one count grow to about the file's size."""

_DUCK_REASONS = {
    "UNQUOTED VALUE": "a quote is not closed properly",
    "UNTERMINATED QUOTE": UNCLOSED,
    "INVALID UNICODE": NOT_TEXT,
    "INVALID ENCODING": NOT_TEXT,  # DuckDB >= 1.1 name
    "LINE SIZE OVER MAXIMUM": TOO_LONG,
}

_CSV_OPTIONS = (
    "all_varchar = true, header = true, delim = ?, quote = '\"', escape = '\"', "
    f"store_rejects = true, max_line_size = 10000000, buffer_size = {_CHECK_BUFFER}, "
    "auto_detect = true"
)


def _duck_reason(error_type: str, message: str) -> str:
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        # "Expected Number of Columns: 4 Found: 3"
        parts = message.replace(":", "").split()
        nums = [p for p in parts if p.isdigit()]
        if len(nums) >= 2:
            return ragged_reason(int(nums[1]), int(nums[0]))
    return _DUCK_REASONS.get(error_type, message.strip() or error_type.lower())


def _duck_error(exc: Exception, *, path: Path, name: str) -> InputError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "sniffing" in first:
        # DuckDB names its own (possibly temporary) copy here; say what it means instead.
        why = "its quotes or separators are inconsistent, e.g. a quote that is never closed"
    else:
        why = first.replace(str(path), name)
    return InputError(f"{name} could not be read as CSV: {why}.")


def _rejections(con: duckdb.DuckDBPyConnection, name: str, skip: int = 0,
                ) -> tuple[list[Rejection], dict[int, str]]:
    """DuckDB's rejected rows, and the text of the last :data:`TAIL_ROWS` of them (to
    tell a report's footer)."""
    errors = con.execute(
        "SELECT line, min(error_type) AS error_type, min(error_message) AS error_message "
        "FROM reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    # the text of the last few only, cut short: enough to tell a footer (footer.py)
    tail = con.execute(
        f"SELECT line, left(min(csv_line), {_FOOTER_TEXT}) FROM reject_errors GROUP BY line "
        f"ORDER BY line DESC LIMIT {TAIL_ROWS}").fetchall()
    return ([Rejection(name, int(line) + skip, _duck_reason(et, msg))
             for line, et, msg in errors],
            {int(line) + skip: text or "" for line, text in tail})


def quiet_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection of its own that prints nothing: DuckDB draws a progress bar on
    standard output when a query runs for two seconds (a large CSV on a busy machine),
    which would come before the JSON of ``funnel diagnose --json``.

    Examples
    --------
    >>> con = quiet_connection()
    >>> con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0]
    False
    >>> con.close()
    """
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET enable_progress_bar_print = false")  # also if a query turns it on
    except duckdb.InvalidInputException:
        # Under Jupyter without ipywidgets DuckDB refuses every progress-bar setting;
        # there its bar starts off and would be a widget, never standard output.
        pass
    return con


def _check_rows(path: Path, *, name: str, delimiter: str, skip: int,
                ) -> tuple[int | None, list[Rejection], dict[int, str]]:
    """DuckDB's count of the rows it keeps, its rejections (``None`` and none when it
    refuses the file) and their texts; its memory is freed before this returns."""
    con = quiet_connection()
    try:
        try:
            kept = con.execute(f"SELECT count(*) FROM read_csv(?, {_CSV_OPTIONS}, skip = ?)",
                               [str(path), delimiter, skip]).fetchall()[0][0]
        except duckdb.Error:
            return None, [], {}
        return kept, *_rejections(con, name, skip)
    except duckdb.Error as exc:
        raise _duck_error(exc, path=path, name=name) from exc
    finally:
        con.close()


def has_nul(path: Path) -> bool:
    """Whether the file holds a NUL byte anywhere (read a megabyte at a time, not mapped,
    so the scan adds nothing to the process's resident memory).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
    ...     _ = fh.write(b"id\\n1\\x00\\n"); fh.flush()
    ...     has_nul(Path(fh.name))
    True
    """
    with open(path, "rb") as fh:
        while piece := fh.read(_PIECE):
            if b"\x00" in piece:
                return True
    return False


def _salvage(path: Path, *, name: str, delimiter: str, skip: int,
             ) -> tuple[pl.DataFrame, list[Rejection]]:
    """The line-by-line reading (:mod:`funnel.ingest.salvage`) as a frame and rejections."""
    got = salvage_csv(path, delimiter=delimiter, skip_lines=skip, row_name=ROW)
    rejected = [Rejection(name, line, why) for line, why in got.rejected]
    if not got.header:
        return pl.DataFrame(), rejected
    return got.frame, rejected


def _head_rows(source: Path | bytes) -> bytes:
    """The file's first whole lines (about :data:`_SAMPLE_BYTES`)."""
    if isinstance(source, bytes):
        head = source[:_SAMPLE_BYTES]
        whole = len(source) <= _SAMPLE_BYTES
    else:
        with open(source, "rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
            whole = len(head) < _SAMPLE_BYTES
    return head if whole else head[: head.rfind(b"\n") + 1]


def _polars_rows(source: Path | bytes, *, delimiter: str, skip: int) -> pl.DataFrame | None:
    """Every row as polars reads it (``None`` when it cannot), numbered from the header;
    the columns a sample of the head shows to have few distinct values kept compactly."""
    options = {"infer_schema": False, "separator": delimiter, "quote_char": '"',
               "truncate_ragged_lines": True, "raise_if_empty": False, "skip_lines": skip}
    try:
        sample = pl.read_csv(_head_rows(source), **options).head(-1)  # the last may be cut
        compact = compact_schema(sample)
    except pl.exceptions.PolarsError:
        compact = {}
    for schema in ([compact] if compact else []) + [None]:
        try:
            # the reader numbers rows itself, so the row column's chunks line up with the
            # others (a column added afterwards makes every later query rechunk)
            return pl.read_csv(source, schema_overrides=schema, row_index_name=ROW,
                               row_index_offset=2 + skip, **options)
        except pl.exceptions.PolarsError:
            continue
    return None


def read_csv_rows(
    path: Path, *, name: str, delimiter: str, skip: int = 0, data: bytes | None = None,
    should_stop: StopCheck | None = None,
) -> tuple[pl.DataFrame, list[Rejection], int]:
    """Read a UTF-8 CSV: the kept rows (with their row numbers in ``ROW``), the rejected
    rows, and the number of rows read.

    ``path`` is the file on disk (what DuckDB checks and the line reader reads); ``data``
    the same bytes when they are already in memory (an upload), which polars then reads
    in place. ``skip`` title lines above the header are passed over. ``should_stop`` is
    asked before each step (:func:`funnel.dataset.errors.stop_if`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
    ...     _ = fh.write(b"id,source\\n1,Web\\n2,Ads,extra\\n3,Web\\n"); fh.flush()
    ...     frame, rejected, read = read_csv_rows(Path(fh.name), name="l.csv", delimiter=",")
    >>> frame[ROW].to_list(), [r.row for r in rejected], read
    ([2, 4], [3], 3)
    """
    stop_if(should_stop, f"checking the rows of {name}")
    kept, rejected, lines = _check_rows(path, name=name, delimiter=delimiter, skip=skip)
    frame = None
    if kept is not None:
        stop_if(should_stop, f"reading the rows of {name}")
        fast = _polars_rows(path if data is None else data, delimiter=delimiter, skip=skip)
        frame = _agree(fast, kept, rejected)
        del fast
    if frame is not None and rejected:
        last = frame[ROW].max() if frame.height else 1
        rejected = relabel_footer(rejected, lines, last_kept=int(last), delimiter=delimiter)
    if frame is None:
        stop_if(should_stop, f"reading {name} line by line")
        frame, rejected = _salvage(path, name=name, delimiter=delimiter, skip=skip)
    return frame, rejected, frame.height + len(rejected)


def _agree(fast: pl.DataFrame | None, kept: int, rejected: list[Rejection],
           ) -> pl.DataFrame | None:
    """polars' rows less DuckDB's rejections, when the two agree on the number of rows
    (``None`` when they do not: the file is then read line by line)."""
    if fast is None:
        return None
    if fast.height > kept + len(rejected):
        # polars keeps blank lines as empty rows where DuckDB skips them
        blank = pl.all_horizontal(pl.exclude(ROW).is_null())
        if fast.select(blank.sum()).item() == fast.height - kept - len(rejected):
            fast = fast.filter(~blank)
    if fast.height != kept + len(rejected):
        return None
    frame = fast.select(pl.exclude(ROW), pl.col(ROW).cast(pl.Int64))
    if rejected:
        bad = pl.Series([r.row for r in rejected], dtype=pl.Int64).implode()
        frame = frame.filter(~pl.col(ROW).is_in(bad))
    return frame


def nul_rows(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, list[Rejection]]:
    """Reject the rows holding a NUL byte (binary data in a cell), keep the others.

    Examples
    --------
    >>> f = pl.DataFrame({"id": ["1", "2\\x00"], ROW: [2, 3]})
    >>> kept, rejected = nul_rows(f, "l.csv")
    >>> kept["id"].to_list(), [r.row for r in rejected]
    (['1'], [3])
    """
    texts = [c for c, t in frame.schema.items()
             if c != ROW and is_text(t)]
    if not texts:
        return frame, []
    nul = pl.any_horizontal([pl.col(c).cast(pl.String).str.contains("\x00", literal=True)
                             for c in texts])
    bad = frame.filter(nul)[ROW].to_list()
    if not bad:
        return frame, []
    return frame.filter(~nul.fill_null(False)), [Rejection(name, r, NUL_BYTE) for r in bad]


def utf8_copy(source: Path | bytes, encoding: str) -> tuple[str, int]:
    """Write the text as UTF-8 to a temporary file, converting a megabyte at a time;
    return its path and how many characters could not be decoded (shown as U+FFFD,
    counted in a warning). UTF-8 text is copied as it is.

    Examples
    --------
    >>> tmp, replaced = utf8_copy("Müller".encode("cp1252"), "cp1252")
    >>> Path(tmp).read_text(encoding="utf-8"), replaced
    ('Müller', 0)
    >>> os.unlink(tmp)
    """
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="funnel-")
    try:
        with os.fdopen(fd, "wb") as out:
            if encoding in ("utf-8", "utf-8-sig"):
                _copy(source, out)
                return tmp, 0
            try:
                return tmp, _convert(source, out, encoding, errors="strict")
            except UnicodeDecodeError:
                out.seek(0)
                out.truncate()
                return tmp, _convert(source, out, encoding, errors="replace")
    except BaseException:
        os.unlink(tmp)
        raise


def _copy(source: Path | bytes, out) -> None:
    if isinstance(source, bytes):
        out.write(source)
        return
    with open(source, "rb") as fh:
        shutil.copyfileobj(fh, out, _PIECE)


def _pieces(source: Path | bytes):
    if isinstance(source, bytes):
        view = memoryview(source)
        for start in range(0, len(view), _PIECE):
            yield view[start:start + _PIECE]
        return
    with open(source, "rb") as fh:
        while piece := fh.read(_PIECE):
            yield piece


def _convert(source: Path | bytes, out, encoding: str, *, errors: str) -> int:
    """Decode ``source`` piece by piece and write it as UTF-8; the U+FFFD characters
    written when ``errors="replace"`` (a strict decoding raises instead)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    replaced = 0
    for piece in _pieces(source):
        text = decoder.decode(piece)
        replaced += text.count("\ufffd") if errors == "replace" else 0
        out.write(text.encode("utf-8"))
    text = decoder.decode(b"", final=True)
    replaced += text.count("\ufffd") if errors == "replace" else 0
    out.write(text.encode("utf-8"))
    return replaced
