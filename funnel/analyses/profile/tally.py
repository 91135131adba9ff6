"""A text attribute counted per distinct value, for learning on some leads and judging
on others without reading the text again.

:class:`LearnedProfile` reads each text attribute several times: cleaned
(:func:`~funnel.analyses.profile.traits.clean_values`), checked (empty, one value, an
id, free text, filled mostly for winners) and counted per value, once on the leads it
learns from and again on the leads it is judged on. At a million leads each of those
passes hashes a million strings. :class:`TextCodes` reads the column once — an integer
code per lead into its distinct raw texts, each text cleaned once — and
:meth:`TextCodes.tally` counts any subset of the leads with ``numpy.bincount``: a
:class:`Tally` answers every question the learning asks with the same numbers as the
cleaned column would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from funnel.analyses.profile.traits import (
    ID_VALUE,
    clean_values,
    filled_share_reason,
    text_id_reason,
)
from funnel.stats.codes import first_seen_codes


@dataclass(eq=False)
class TextCodes:
    """One text column coded once: ``codes`` (int32 per lead) index ``cleaned``, the
    distinct raw texts each cleaned by :func:`clean_values` (null for a text meaning
    "no value"); a missing text has the code ``len(cleaned)``.

    Examples
    --------
    >>> c = TextCodes.of(pl.Series("Industry", ["Retail ", "unknown", None, "Retail"]))
    >>> sorted(c.cleaned.drop_nulls().unique().to_list()), int(c.codes[2]) == len(c.cleaned)
    (['Retail'], True)
    """

    name: str
    codes: np.ndarray
    cleaned: pl.Series

    @classmethod
    def of(cls, series: pl.Series) -> TextCodes:
        """Code text column ``series`` (one pass over its values, then its distinct ones)."""
        distinct, codes = first_seen_codes(series)
        return cls(series.name, codes, clean_values(distinct))

    def tally(self, won: np.ndarray, rows: np.ndarray | None = None) -> Tally:
        """The leads ``rows`` (bool per lead; all by default) counted per cleaned value,
        with their wins (``won``: bool per lead of ``rows``)."""
        sel = self.codes if rows is None else self.codes[rows]
        k = len(self.cleaned)
        w = np.asarray(won, dtype=bool)
        per = pl.DataFrame({
            "v": pl.concat([self.cleaned, pl.Series([None], dtype=pl.String)]),
            "c": np.bincount(sel, minlength=k + 1),
            "cw": np.bincount(sel[w], minlength=k + 1),
        })
        nulls = per.filter(pl.col("v").is_null())
        counted = (per.filter(pl.col("v").is_not_null() & (pl.col("c") > 0))
                   .group_by("v").agg(pl.col("c").sum(), pl.col("cw").sum()))
        return Tally(self, sel, counted, int(nulls["c"].sum()), int(nulls["cw"].sum()),
                     w, sel.size)


@dataclass(eq=False)
class Tally:
    """Some leads of a :class:`TextCodes` column counted per cleaned value: ``counted``
    (``v, c, cw``: value, leads, wins) for the values present, ``nulls`` and
    ``null_won`` for the leads without one; what :class:`LearnedProfile` reads of the
    cleaned column (its length, missing count, distinct count, id and filled checks,
    per-value counts)."""

    codes: TextCodes
    sel: np.ndarray
    counted: pl.DataFrame
    nulls: int
    null_won: int
    won: np.ndarray
    n: int

    @property
    def name(self) -> str:
        """The column's name."""
        return self.codes.name

    def len(self) -> int:
        """How many leads are counted."""
        return self.n

    def null_count(self) -> int:
        """Leads without a (clean) value."""
        return self.nulls

    def n_unique(self) -> int:
        """Distinct values, a missing one counting as one (as ``Series.n_unique``)."""
        return self.counted.height + (1 if self.nulls else 0)

    def id_reason(self) -> str | None:
        """:func:`~funnel.analyses.profile.traits.id_reason` of the cleaned column."""
        filled = self.n - self.nulls
        return text_id_reason(self.name, n=filled, distinct=self.counted.height,
                              id_like=lambda: float(self.counted.filter(
                                  pl.col("v").str.contains(ID_VALUE.pattern))["c"].sum()
                                  / filled))

    def filled_reason(self) -> str | None:
        """:func:`~funnel.analyses.profile.traits.filled_reason` of the cleaned column."""
        k = int(self.won.sum())
        filled = self.n - self.nulls
        filled_won = int(self.counted["cw"].sum())
        return filled_share_reason(k=k, n=self.n, filled_won=filled_won,
                                   filled_other=filled - filled_won)

    def series(self) -> pl.Series:
        """The cleaned values of the counted leads, row by row (the slow way)."""
        per_code = pl.concat([self.codes.cleaned, pl.Series([None], dtype=pl.String)])
        return per_code.gather(self.sel).alias(self.name)
