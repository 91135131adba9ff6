"""Find a file's header row and give every column a distinct name, saying what was done.

Exports often start with title lines (a report name, a date, a blank line) above the
real header, and some repeat a column name or leave one blank. The header is the first
row, within the first :data:`LOOK_ROWS`, that has the file's usual number of fields
and looks like names, after rows that look like titles (at most one or two cells
filled); a repeated name gets a number (``source (2)``), a blank one its position
(``column 5``), and a name the app keeps for its own columns (two leading underscores,
as ``__row``) loses its underscores. Each change is returned as a sentence for a
warning, never done silently.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

MAX_COLUMNS = 2_000
"""The widest file read: more columns than this is refused with one sentence (a wider
export is not a lead list, and reading it costs minutes)."""

LOOK_ROWS = 30
"""How far down the header is looked for."""

INTERNAL = "__"
"""How the app's own columns start (the row number ``__row``, the file ``__file``, the
steps of typing): never a name an export's column keeps."""


@dataclass
class Header:
    """Where a CSV's header is and what its columns are called.

    ``skip_lines`` lines above the header are titles (``titles`` holds the non-blank ones
    with their row numbers); ``names`` are the distinct column names; ``renamed`` the
    sentences saying which names were changed.
    """

    skip_lines: int
    fields: list[str]
    titles: list[tuple[int, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)


def _records(sample: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """The sample's first rows as ``(first line index, fields)``; the last row is left
    out when the sample is cut in the middle of it."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    out: list[tuple[int, list[str]]] = []
    start = 0
    try:
        for row in reader:
            out.append((start, row))
            start = reader.line_num
            if len(out) >= 200:
                break
    except csv.Error:
        pass
    if out and not sample.endswith(("\n", "\r")) and len(out) > 1 and len(out) < 200:
        out.pop()
    return out


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def find_header(sample: str, delimiter: str) -> Header:
    """Locate the header row in the first part of a CSV and name its columns.

    Examples
    --------
    >>> h = find_header("Leads export\\n\\nid,source,source\\n1,a,b\\n2,c,d\\n", ",")
    >>> h.skip_lines, h.titles, h.names
    (2, [(1, 'Leads export')], ['id', 'source', 'source (2)'])
    >>> find_header("id,created\\n1,2024-01-01\\n", ",").skip_lines
    0
    """
    return header_of(_records(sample, delimiter))


def header_of(records: list[tuple[int, list[str]]]) -> Header:
    """Locate the header among a file's first rows, given as ``(row index from 0,
    fields)`` (a CSV's lines or a sheet's rows, blank cells as ``""``), and name its
    columns.

    Examples
    --------
    >>> rows = [(0, ["Leads report", "", ""]), (1, ["id", "created", "source"]),
    ...         (2, ["1", "2024-01-01", "Web"])]
    >>> h = header_of(rows)
    >>> h.skip_lines, h.titles, h.fields
    (1, [(1, 'Leads report')], ['id', 'created', 'source'])
    """
    rows = [r for _, r in records if r]
    if not rows:
        return Header(0, [])
    width = Counter(len(r) for r in rows).most_common(1)[0][0]
    title_like = max(1, width // 3)
    skip, fields, titles = 0, records[0][1], []
    if width >= 2 and _filled(records[0][1]) <= title_like:
        for i, (start, row) in enumerate(records[:LOOK_ROWS]):
            if len(row) == width and _filled(row) > title_like:
                skip, fields = start, row
                titles = [(s + 1, ", ".join(c for c in r if c.strip()))
                          for s, r in records[:i] if _filled(r)]
                break
            if _filled(row) > title_like:
                break  # a full row that is not the usual width: not a title block
    names, renamed = distinct_names(fields)
    return Header(skip, fields, titles, names, renamed)


def distinct_names(fields: list[str]) -> tuple[list[str], list[str]]:
    """Column names made distinct and non-blank, with a sentence per change.

    Examples
    --------
    >>> distinct_names(["id", "source", "", "source"])
    (['id', 'source', 'column 3', 'source (2)'], ["column 3 has no name; it is read as \
'column 3'.", "columns 2 and 4 are both named 'source'; column 4 is read as 'source (2)'."])
    """
    names: list[str] = []
    said: list[str] = []
    taken = {f.strip() for f in fields if f.strip()}
    first: dict[str, int] = {}
    seen: Counter[str] = Counter()
    for pos, raw in enumerate(fields, start=1):
        name = raw.strip()
        if not name:
            new = _free(f"column {pos}", taken)
            said.append(f"column {pos} has no name; it is read as {new!r}.")
        elif name in first:
            seen[name] += 1
            new = _free(f"{name} ({seen[name] + 1})", taken)
            said.append(f"columns {first[name]} and {pos} are both named {name!r}; column "
                        f"{pos} is read as {new!r}.")
        else:
            first[name] = pos
            new = raw
        taken.add(new)
        names.append(new)
    kept, renamed = internal_free(names, taken=taken)
    return kept, said + renamed


def internal_free(names: list[str], *, taken: set[str] | None = None
                  ) -> tuple[list[str], list[str]]:
    """``names`` with each one that starts like the app's own columns (:data:`INTERNAL`)
    read without its leading underscores (kept distinct from ``taken`` and the others),
    and a sentence per change.

    Examples
    --------
    >>> internal_free(["id", "__row", "row"])
    (['id', 'row 2', 'row'], ["column 2 is named '__row', a name the app keeps for its own \
columns; it is read as 'row 2'."])
    """
    taken = set(names) | (taken or set())
    out, said = [], []
    for pos, name in enumerate(names, start=1):
        if name.startswith(INTERNAL):
            new = _free(name.lstrip("_").strip() or f"column {pos}", taken)
            said.append(f"column {pos} is named {name!r}, a name the app keeps for its own "
                        f"columns; it is read as {new!r}.")
            taken.add(new)
            name = new
        out.append(name)
    return out, said


def _free(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} {n}"
    return candidate
