"""What every reader shares: the row-number column, a rejected row, and text kept compactly.

A read file is text: every value is the string the file holds. A text column with few
distinct values (a source, an owner, a status, a country) is kept as a polars
``Categorical`` (four bytes a row and each distinct string once) rather than as
``String`` (sixteen bytes a row at least): the strings are the same, only their storage
differs. :func:`funnel.dataset.schema.as_text` turns such columns back into ``String``
where a step needs string functions; :func:`compact_schema` decides, on a sample of the
file, which columns are kept compactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import polars as pl

ROW = "__row"
"""Name of the column holding each kept row's number in its file."""
FILE = "__file"
"""Name of the column holding each typed row's file name (next to its row number, ``ROW``)."""


def file_row_ids() -> pl.Expr:
    """Each row's ``file:row``: the id of a record whose export has none.

    Examples
    --------
    >>> pl.DataFrame({FILE: ["a.csv"], ROW: [2]}).select(file_row_ids()).item()
    'a.csv:2'
    """
    return pl.col(FILE) + ":" + pl.col(ROW).cast(pl.String)


COMPACT_MIN_ROWS = 1_000
"""Smallest sample on which columns are kept compactly (a smaller file costs little)."""

COMPACT_SHARE = 0.1
"""Most distinct values, as a share of the sample's rows, of a column kept compactly."""


@dataclass(frozen=True)
class Rejection:
    """A row that was read but not kept, and why."""

    file: str
    row: int | None
    reason: str


def compact_schema(
    sample: pl.DataFrame, *, min_rows: int | None = None, share: float | None = None,
) -> dict[str, pl.DataType]:
    """The text columns of ``sample`` (a file's first rows, read as text) to keep
    compactly: those with at most ``share`` distinct values per row, when the sample has
    at least ``min_rows`` rows (defaults :data:`COMPACT_SHARE`, :data:`COMPACT_MIN_ROWS`,
    read at the call). Each call gets its own
    categories, freed with the frame read (never a process-wide string cache that only
    grows).

    Examples
    --------
    >>> f = pl.DataFrame({"id": [str(i) for i in range(2000)], "source": ["Web", "Ads"] * 1000})
    >>> list(compact_schema(f))
    ['source']
    >>> compact_schema(f.head(10))
    {}
    """
    min_rows = COMPACT_MIN_ROWS if min_rows is None else min_rows
    share = COMPACT_SHARE if share is None else share
    if sample.height < max(min_rows, 1):
        return {}
    texts = [c for c, t in sample.schema.items() if t == pl.String]
    if not texts:
        return {}
    distinct = sample.select(pl.col(texts).n_unique()).row(0, named=True)
    low = [c for c in texts if distinct[c] <= share * sample.height]
    if not low:
        return {}
    return dict.fromkeys(low, compact_dtype())


def compact_dtype() -> pl.DataType:
    """A ``Categorical`` of its own: named afresh on each call, so that no other table's
    strings are mixed into its categories.

    Examples
    --------
    >>> compact_dtype() == compact_dtype()
    False
    """
    return pl.Categorical(pl.Categories(f"funnel-{uuid.uuid4().hex}"))


def one_chunk(columns: list[pl.Series]) -> pl.DataFrame:
    """A frame of ``columns`` with each column in one piece, rechunked a column at a time
    (all at once briefly holds the frame twice). Each column of the list is replaced by
    its copy as it goes, so that a caller who dropped the frame the columns came from
    holds each old column no longer than its copy takes, and the list always holds every
    column. A frame in one piece lends its columns to another without a copy, and later
    queries need not realign it.

    Examples
    --------
    >>> f = pl.concat([pl.DataFrame({"a": [1]}), pl.DataFrame({"a": [2]})], rechunk=False)
    >>> f.n_chunks(), one_chunk(f.get_columns()).n_chunks()
    (2, 1)
    """
    for i, col in enumerate(columns):
        if col.n_chunks() > 1:
            columns[i] = col.rechunk()
        del col  # the old column's last holder: freed before the next copy
    return pl.DataFrame(columns)
