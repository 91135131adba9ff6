"""A lead table prepared once for profile fits: outcomes, breakdowns, coded fields, matches.

:func:`prepare_profile` reads what every profile fit over one lead table shares: who won
and who qualified, the breakdown codes (source, campaign, month, owner), and, on first
use, each field coded once (:class:`~funnel.analyses.profile.fields.Field`) and each
criterion's match (kept for the last ``memory`` criteria). A
:class:`~funnel.analyses.profile.fit.ProfileFit` fitted on it recomputes only the
criteria it has not seen, so refitting after one criterion changes takes milliseconds at
a million leads (``bench/bench_profile.py``); two profiles side by side are two fits on
the same prepared leads.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import polars as pl

from funnel.analyses.profile.criteria import Criterion
from funnel.analyses.profile.fields import (
    MISSING,
    Codes,
    Field,
    Match,
    bin_labels,
    code_field,
    match_criterion,
    resolve_field,
    with_bounds,
)
from funnel.analyses.profile.split import SPLIT_SEED, learning_half
from funnel.dataset.labels import NONE_LABEL, OTHER, unify_labels
from funnel.dataset.schema import Mapping
from funnel.dataset.stages import has_qualification, outcome_flags
from funnel.dataset.tables import Dataset

BREAKDOWNS = ("source", "campaign", "month", "owner")
"""The dimensions :class:`ProfileFit` breaks the overlap down by (when present)."""


def _has_values(leads: pl.DataFrame, col: str) -> bool:
    return col in leads.columns and leads[col].null_count() < leads.height


def _dims(leads: pl.DataFrame) -> dict[str, tuple[np.ndarray, list[str]]]:
    out = {}
    for dim in BREAKDOWNS:
        if dim == "month":
            if not _has_values(leads, "created_at"):
                continue
            s = leads["created_at"].dt.truncate("1mo").dt.strftime("%Y-%m")
        elif _has_values(leads, dim):
            s = leads[dim].cast(pl.String)
            if dim in ("source", "campaign"):  # Google/google as one, as everywhere else
                s = unify_labels(leads.select(s.alias(dim)), columns=[dim])[dim]
        else:
            continue
        c = Codes(s, normalise=False)
        out[dim] = (c.codes, [*c.labels, NONE_LABEL])
    return out


class PreparedLeads:
    """One lead table prepared for profile fits (made by :func:`prepare_profile`).

    Everything here depends on the leads only, never on a profile, so any number of
    :class:`~funnel.analyses.profile.fit.ProfileFit` objects can be fitted on one
    ``PreparedLeads`` and share its coded fields, kept matches and distributions.

    Attributes
    ----------
    leads : polars.DataFrame
        The lead table.
    mapping : Mapping or None
        The export's mapping (to resolve fields named by the export's own columns).
    n : int
        Number of leads.
    has_outcome, has_stages : bool
        Whether any lead has a known outcome; whether the data has stage information
        (``sql`` or ``opportunity`` reached).
    won, qualified : numpy.ndarray
        Bool per lead: won; reached ``sql`` or later.
    dims : dict
        Per breakdown present (see ``BREAKDOWNS``): ``(codes, labels)``, an integer code
        per lead into ``labels``, whose last entry ``"(none)"`` is the missing value.
    memory : int
        How many criteria's matches (and distributions) are kept.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> prepared = prepare_profile(load_sample())
    >>> prepared.n, sorted(prepared.dims)
    (30000, ['campaign', 'month', 'owner', 'source'])
    >>> prepared.field("Industry").codes.labels[0]
    'Software'
    """

    def __init__(self, leads: pl.DataFrame, *, mapping: Mapping | None = None,
                 memory: int = 64):
        self.leads = leads
        self.mapping = mapping
        self.memory = memory
        self.n = leads.height
        cols = leads.columns
        self.has_outcome = "outcome" in cols and leads["outcome"].null_count() < self.n
        self.has_stages = has_qualification(leads)
        flags = leads.with_columns(  # with_columns: a literal flag spans every lead
            **{f"__{k}": v for k, v in outcome_flags(leads).items()})
        self.won: np.ndarray = flags["__won"].to_numpy().astype(bool)
        self.qualified: np.ndarray = flags["__qualified"].to_numpy().astype(bool)
        self.dims = _dims(leads)
        self._fields: dict[str, Field] = {}
        self._matches: OrderedDict[Criterion, Match] = OrderedDict()
        self._packs: dict[str, np.ndarray] = {}
        self._dists: OrderedDict[tuple, pl.DataFrame | None] = OrderedDict()
        self._halves: dict[int, np.ndarray] = {}

    def learning_half(self, seed: int = SPLIT_SEED) -> np.ndarray:
        """Per lead, in the learning half of the split seeded ``seed``
        (:func:`~funnel.analyses.profile.split.learning_half`), hashed once per seed."""
        if seed not in self._halves:
            self._halves[seed] = learning_half(self.leads, seed=seed)
        return self._halves[seed]

    # -- fields and per-criterion matches ------------------------------------------------

    def column_for(self, name: str) -> str | None:
        """The lead column a profile field reads (see :func:`resolve_field`)."""
        return resolve_field(name, self.leads.columns, self.mapping)

    def field(self, column: str) -> Field:
        """Lead column ``column`` coded for matching (once; see :func:`code_field`)."""
        f = self._fields.get(column)
        if f is None:
            f = self._fields[column] = code_field(self.leads[column])
        return f

    def numbers(self, column: str) -> np.ndarray:
        """Lead column ``column`` as float64 (NaN = missing; dates in epoch µs, text
        read as numbers where it holds them)."""
        return self.field(column).as_numbers()

    def match(self, criterion: Criterion) -> Match:
        """Which leads meet one criterion (kept for the last ``memory`` criteria)."""
        m = self._matches.get(criterion)
        if m is not None:
            self._matches.move_to_end(criterion)
            return m
        column = self.column_for(criterion.field)
        m = match_criterion(criterion, self.field(column) if column is not None else None)
        self._matches[criterion] = m
        while len(self._matches) > self.memory:
            self._matches.popitem(last=False)
        return m

    def packed(self, dim: str) -> np.ndarray:
        """Per lead ``4·group + 2·won`` for breakdown ``dim``: adding the in-profile flag
        gives one code per (group, won, in profile) cell, so one ``bincount`` counts a
        whole breakdown."""
        packed = self._packs.get(dim)
        if packed is None:
            codes, _ = self.dims[dim]
            packed = codes.astype(np.int32) * 4 + self.won.astype(np.int32) * 2
            self._packs[dim] = packed
        return packed

    # -- distributions -------------------------------------------------------------------

    def distribution(self, m: Match, *, top: int = 12) -> pl.DataFrame | None:
        """Leads sent vs the values the criterion of match ``m`` wants (kept per
        criterion); see :meth:`funnel.analyses.profile.fit.ProfileFit.distribution`."""
        key = (m.criterion, top)
        if key not in self._dists:
            self._dists[key] = self._distribution(m, top=top)
            while len(self._dists) > self.memory:
                self._dists.popitem(last=False)
        return self._dists[key]

    def _distribution(self, m: Match, *, top: int) -> pl.DataFrame | None:
        if not m.checked:
            return None
        f = self.field(m.column)
        total_won = max(int(self.won.sum()), 1) if self.has_outcome else None
        if f.codes is not None and m.lut is not None and not m.criterion.is_range:
            return self._categorical_distribution(f, m, top=top, total_won=total_won)
        return self._binned_distribution(f, m, total_won=total_won)

    def _categorical_distribution(self, f: Field, m: Match, *, top: int,
                                  total_won: int | None) -> pl.DataFrame:
        codes = f.codes
        k = len(codes.keys)
        wanted_lut = m.lut if m.lut is not None else np.zeros(k + 1, dtype=bool)
        won = np.bincount(codes.codes, weights=self.won, minlength=k + 1)
        keep = [i for i in range(k) if i < top or wanted_lut[i]]
        rest = [i for i in range(k) if i not in set(keep)]
        rows = [{"value": codes.labels[i], "leads": int(codes.counts[i]), "won": int(won[i]),
                 "wanted": bool(wanted_lut[i])} for i in keep]
        if rest:
            rows.append({"value": OTHER, "leads": int(codes.counts[rest].sum()),
                         "won": int(won[rest].sum()), "wanted": False})
        if codes.counts[k]:
            rows.append({"value": MISSING, "leads": int(codes.counts[k]), "won": int(won[k]),
                         "wanted": None})
        return self._finish(rows, total_won)

    def _binned_distribution(self, f: Field, m: Match, *, total_won: int | None):
        x = f.as_numbers()
        c = m.criterion
        base_edges, integer = f.base_bins()  # once per field: round edges, integer or not
        if f.kind == "date":
            edges, labels = base_edges
        else:
            lo = c.min if isinstance(c.min, int | float) else None
            hi = c.max if isinstance(c.max, int | float) else None
            edges = with_bounds(base_edges, lo=lo, hi=hi, integer=integer)
            labels = bin_labels(edges, integer=integer)
        nb = len(labels)
        # bins 0..nb-1; a missing value (NaN sorts last) lands in bin nb
        idx = np.minimum(np.searchsorted(edges, x, side="right") - 1, nb)
        idx = np.maximum(idx, 0)
        if f.kind == "date":
            idx = np.where(np.isnan(x), nb, np.minimum(idx, nb - 1))
        cells = np.bincount(idx * 4 + self.won * 2 + m.meets, minlength=4 * (nb + 1))
        cells = cells.reshape(nb + 1, 4)
        counts, won, meets = cells.sum(axis=1), cells[:, 2] + cells[:, 3], cells[:, 1] + cells[:, 3]
        rows = [{"value": labels[i], "leads": int(counts[i]), "won": int(won[i]),
                 "wanted": bool(counts[i] and meets[i] >= counts[i] / 2)}
                for i in range(nb) if counts[i]]
        if counts[nb]:
            rows.append({"value": MISSING, "leads": int(counts[nb]), "won": int(won[nb]),
                         "wanted": None})
        return self._finish(rows, total_won)

    def _finish(self, rows: list[dict], total_won: int | None) -> pl.DataFrame:
        frame = pl.DataFrame(rows, schema={"value": pl.String, "leads": pl.Int64,
                                           "won": pl.Int64, "wanted": pl.Boolean})
        return frame.with_columns(
            pl.int_range(pl.len()).alias("order"),
            (pl.col("leads") / max(self.n, 1)).alias("share"),
            (pl.col("won") / total_won).alias("won_share") if total_won
            else pl.lit(None, pl.Float64).alias("won_share"),
            pl.col("won") if total_won else pl.lit(None, pl.Int64).alias("won"),
        ).select("value", "order", "leads", "share", "won", "won_share", "wanted")


def prepare_profile(data: Dataset | pl.DataFrame | PreparedLeads, *,
                    mapping: Mapping | None = None, memory: int = 64) -> PreparedLeads:
    """Prepare a lead table once for any number of profile fits (see :class:`PreparedLeads`).

    Parameters
    ----------
    data
        A :class:`~funnel.dataset.tables.Dataset` (its leads and mapping) or a lead table;
        an already prepared table is returned as it is.
    mapping
        The export's mapping, so that a criterion may name a field by the export's own
        column name (default: the dataset's; none for a bare lead table).
    memory
        How many criteria's matches and distributions to keep (default 64).

    Raises
    ------
    ValueError
        When ``data`` is already prepared with another mapping than ``mapping``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Criterion
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> prepared = prepare_profile(load_sample())
    >>> sales = ProfileFit(SAMPLE_SALES_PROFILE).fit(prepared)
    >>> software = SAMPLE_SALES_PROFILE.with_criterion(Criterion("Industry", values=("Software",)),
    ...                                                index=0)
    >>> ProfileFit(software).fit(prepared).in_n_ < sales.in_n_
    True
    """
    if isinstance(data, PreparedLeads):
        if mapping is not None and mapping != data.mapping:
            raise ValueError("these leads were prepared with another mapping; prepare them "
                             "again with this one")
        return data
    if isinstance(data, Dataset):
        return PreparedLeads(data.leads, mapping=mapping if mapping is not None else data.mapping,
                             memory=memory)
    if isinstance(data, pl.DataFrame):
        return PreparedLeads(data, mapping=mapping, memory=memory)
    raise TypeError(f"Profile fits need a Dataset or a lead table (polars DataFrame), not "
                    f"{type(data).__name__}.")
