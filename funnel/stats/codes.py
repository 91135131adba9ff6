"""Integer codes of grouping columns: the same groups as the values, in the values'
sorted order, cheaper to group by, sort and partition by again and again."""

from __future__ import annotations

import numpy as np
import polars as pl


def integer_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """Each column of ``frame`` as ``UInt32`` codes of its distinct values (in sorted
    order, compact text in the order of its text; a missing value is a value, first, and
    NaN is one, last): the same groups as the values, cheaper to group by again and
    again (each place groups its strata once per attribute).

    Examples
    --------
    >>> integer_codes(pl.DataFrame({"a": ["x", "y", "x", None]}))["a"].to_list()
    [1, 2, 1, 0]
    >>> integer_codes(pl.DataFrame({"a": ["y", "x", None]}, schema={"a": pl.Categorical})
    ...               )["a"].to_list()
    [2, 1, 0]
    """
    out = []
    for col in frame.get_columns():
        if isinstance(col.dtype, pl.Categorical):
            out.append(compact_codes(col))
            continue
        if col.dtype.is_float():
            col = col.fill_nan(float("nan"))  # one NaN, whatever its bits, as a group-by has
        seen = col.unique().sort()
        if col.dtype.is_nested():  # lists and structs: looked up by a join
            out.append(pl.DataFrame({"v": col}).join(
                seen.alias("v").to_frame().with_row_index("i"), on="v", how="left",
                nulls_equal=True, maintain_order="left")["i"].alias(col.name))
            continue
        out.append(col.replace_strict(seen, pl.int_range(0, seen.len(), dtype=pl.UInt32,
                                                         eager=True)).alias(col.name))
    return pl.DataFrame(out, schema={c: pl.UInt32 for c in frame.columns})


def compact_codes(col: pl.Series) -> pl.Series:
    """The codes :func:`integer_codes` gives a compact text column's text, from its
    physical codes: its few distinct labels are sorted, and each row looks its code up
    (no row is turned into text).

    Examples
    --------
    >>> compact_codes(pl.Series("a", ["b", None, "a", "b"], dtype=pl.Categorical)).to_list()
    [2, 0, 1, 2]
    """
    seen = col.unique()
    rank = np.empty(seen.len(), dtype=np.uint32)  # each distinct label's place in order
    rank[seen.cast(pl.String).arg_sort(nulls_last=False).to_numpy()] = np.arange(
        seen.len(), dtype=np.uint32)
    return pl.Series(col.name, _per_row(col, seen, rank, missing=0), dtype=pl.UInt32)


def first_seen_codes(series: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The distinct texts of ``series`` in the order they first appear (missing left
    out) and, per row, the index of its text among them (their number for a missing
    value). A compact text column is coded from its physical codes, without turning a
    row into text.

    Examples
    --------
    >>> texts, codes = first_seen_codes(pl.Series("a", ["y", None, "x", "y"]))
    >>> texts.to_list(), codes.tolist()
    (['y', 'x'], [0, 2, 1, 0])
    """
    if not isinstance(series.dtype, pl.Categorical):
        raw = pl.DataFrame({"r": series.cast(pl.String)})
        distinct = raw.drop_nulls().unique("r", maintain_order=True).with_row_index("i")
        codes = raw.join(distinct, on="r", how="left", maintain_order="left")["i"]
        return (distinct["r"].alias(series.name),
                codes.fill_null(distinct.height).cast(pl.Int32).to_numpy())
    seen = series.drop_nulls().unique(maintain_order=True)
    index = np.arange(seen.len(), dtype=np.int32)
    return (seen.cast(pl.String).alias(series.name),
            _per_row(series, seen, index, missing=seen.len()))


def _per_row(col: pl.Series, seen: pl.Series, codes: np.ndarray, *, missing: int
             ) -> np.ndarray:
    """Per row of compact column ``col``, the code of its label among ``seen`` (distinct
    labels of ``col``, a missing one among them or not), looked up by physical code in
    a table as long as the largest physical code of the shared categories (a few per
    label); ``missing`` for a missing label not in ``seen``."""
    physical = seen.to_physical()
    slot = int(physical.max() or 0) + 1  # the slot of a missing label
    lookup = np.full(slot + 1, missing, dtype=codes.dtype)
    lookup[physical.fill_null(slot).to_numpy()] = codes
    return lookup[col.to_physical().fill_null(slot).to_numpy()]
