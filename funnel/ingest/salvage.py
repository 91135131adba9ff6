"""Read a CSV line by line when the fast readers refuse it, so one bad line costs only
its own row.

DuckDB and polars read a whole file or nothing: one quote that is never closed, one
line over 10 MB, a stray byte that is not text, and the whole file is refused. This
reader walks the file's lines instead and rejects only the lines it cannot read, each
with its line number and a reason:

- a quote opened and never closed (or closed so far away that the row no longer has the
  header's number of fields): that line alone is rejected and reading resumes on the
  next line;
- a line longer than :data:`MAX_LINE` bytes;
- a line holding a NUL byte or bytes that are not valid UTF-8;
- a row with more or fewer fields than the header.

Row numbers are line numbers here (header = row 1), as a text editor shows them.
It is slower than the fast readers (pure Python), so it runs only when they fail.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

MAX_LINE = 10_000_000
"""Longest line read, in bytes (10 MB); a longer line is rejected, never the file."""

MAX_SPAN = 2_000
"""Most lines one quoted row may span before its opening quote is taken as never closed."""

_CHUNK = 50_000

NOT_TEXT = "it holds bytes that are not valid text"
"""The reason given for a row with bytes that are not valid UTF-8."""
NUL_BYTE = "it holds a NUL byte (binary data, not text)"
"""The reason given for a row holding a NUL byte."""
UNCLOSED = "a quote is never closed"
"""The reason given for a line whose opening quote is never closed."""
TOO_LONG = "the row is longer than 10 MB"
"""The reason given for a line over :data:`MAX_LINE` bytes."""


def ragged_reason(found: int, expected: int) -> str:
    """The reason for a row with the wrong number of fields.

    Examples
    --------
    >>> ragged_reason(3, 4)
    'the row has 3 fields but the header has 4'
    """
    fields = "field" if found == 1 else "fields"
    return f"the row has {found} {fields} but the header has {expected}"


@dataclass
class Salvaged:
    """What the line reader kept and rejected: header, kept rows (all text, with their
    line numbers), rejected ``(line, reason)`` pairs and the number of rows read."""

    header: list[str]
    frame: pl.DataFrame
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Line:
    number: int
    data: bytes
    too_long: bool = False


def _lines(fh: io.BufferedReader, first: int) -> Iterator[_Line]:
    """Physical lines (split on ``\\n`` only, so a bare ``\\r`` in a cell stays inside
    it), numbered from ``first``; a line over :data:`MAX_LINE` is cut and flagged."""
    number = first
    while True:
        data = fh.readline(MAX_LINE + 1)
        if not data:
            return
        too_long = len(data) > MAX_LINE and not data.endswith(b"\n")
        if too_long:
            while True:  # skip the rest of the line without holding it
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            data = b""
        yield _Line(number, data, too_long)
        number += 1


def _fields(text: str, delimiter: str) -> list[str]:
    """Split one row (possibly across lines) into fields; only ``\\n`` ends a row, so a
    bare ``\\r`` stays in its cell (lines holding NUL never get here: it is the stand-in)."""
    text = text.replace("\r\n", "\n").replace("\r", "\x00")
    row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                          doublequote=True, strict=False), [])
    return [f.replace("\x00", "\r") for f in row]


class _Reader:
    """The line-by-line state: a look-ahead queue of lines a failed row gave back."""

    def __init__(self, lines: Iterator[_Line], delimiter: str) -> None:
        self.lines = lines
        self.back: deque[_Line] = deque()
        self.delimiter = delimiter
        self.spanned: list[_Line] = []

    def next(self) -> _Line | None:
        if self.back:
            return self.back.popleft()
        return next(self.lines, None)

    def give_back(self, lines: list[_Line]) -> None:
        self.back.extendleft(reversed(lines))

    def record(self) -> tuple[int, list[str] | None, str | None] | None:
        """The next row: ``(line, fields, None)``, ``(line, None, reason)`` for a line
        rejected, ``(line, [], None)`` for a blank line, or ``None`` at the end."""
        first = self.next()
        if first is None:
            return None
        problem = _problem(first)
        if problem:
            return first.number, None, problem
        text = first.data.decode("utf-8")
        if not text.strip("\r\n"):
            return first.number, [], None
        parts = [first]
        while text.count('"') % 2 == 1:
            more = self.next()
            if more is None or len(parts) > MAX_SPAN or _problem(more):
                if more is not None:
                    parts.append(more)
                self.give_back(parts[1:])
                return first.number, None, UNCLOSED
            parts.append(more)
            text += more.data.decode("utf-8")
        # a row across several lines must still fit the header; else its quote was
        # stray: the caller rejects its first line only and reads the others again
        self.spanned = parts if len(parts) > 1 else []
        return first.number, _fields(text, self.delimiter), None


def _problem(line: _Line) -> str | None:
    if line.too_long:
        return TOO_LONG
    if b"\x00" in line.data:
        return NUL_BYTE
    try:
        line.data.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_TEXT
    return None


def salvage_csv(
    path: Path, *, delimiter: str, skip_lines: int = 0, row_name: str = "__row"
) -> Salvaged:
    """Read a UTF-8 CSV line by line, rejecting only the lines that cannot be read.

    Parameters
    ----------
    path
        The file (UTF-8 text).
    delimiter
        The field separator.
    skip_lines
        Lines above the header (title lines) to pass over.
    row_name
        The name of the column holding each kept row's line number.

    Returns
    -------
    Salvaged
        The header, the kept rows as text (columns ``__c0``, ``__c1`` … in the header's
        order) with their line numbers in ``row_name``, and the rejected lines with their
        reasons.

    Examples
    --------
    >>> import tempfile, os
    >>> fd, name = tempfile.mkstemp(suffix=".csv")
    >>> _ = os.write(fd, b'id,city\\n1,"Paris\\n2,Rome\\n3,Oslo\\n'); os.close(fd)
    >>> s = salvage_csv(Path(name), delimiter=",")
    >>> s.frame["__c1"].to_list(), s.rejected
    (['Rome', 'Oslo'], [(2, 'a quote is never closed')])
    >>> os.unlink(name)
    """
    with open(path, "rb") as fh:
        lines = _lines(fh, 1)
        for _ in range(skip_lines):
            next(lines, None)
        reader = _Reader(lines, delimiter)
        header: list[str] | None = None
        while header is None:
            rec = reader.record()
            if rec is None:
                return Salvaged([], pl.DataFrame(), [])
            header = rec[1] or None
        return _body(reader, header, row_name)


def _body(reader: _Reader, header: list[str], row_name: str) -> Salvaged:
    width = len(header)
    rejected: list[tuple[int, str]] = []
    chunks: list[pl.DataFrame] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    while True:
        reader.spanned = []
        rec = reader.record()
        if rec is None:
            break
        number, fields, why = rec
        if why is not None:
            rejected.append((number, why))
            continue
        if not fields:
            continue
        if len(fields) != width:
            if reader.spanned:
                reader.give_back(reader.spanned[1:])
                why = UNCLOSED
            else:
                why = ragged_reason(len(fields), width)
            rejected.append((number, why))
            continue
        rows.append(fields)
        numbers.append(number)
        if len(rows) >= _CHUNK:
            chunks.append(_chunk(header, rows, numbers, row_name))
            rows, numbers = [], []
    chunks.append(_chunk(header, rows, numbers, row_name))
    return Salvaged(header, pl.concat(chunks), rejected)


def _chunk(
    header: list[str], rows: list[list[str]], numbers: list[int], row_name: str
) -> pl.DataFrame:
    names = [f"__c{i}" for i in range(len(header))]
    cols = {n: [(r[i] if r[i] != "" else None) for r in rows] for i, n in enumerate(names)}
    frame = pl.DataFrame(cols, schema={n: pl.String for n in names})
    return frame.with_columns(pl.Series(row_name, numbers, dtype=pl.Int64))
