"""The lead attributes the places stratify on, chosen once per diagnosis, and their
per-lead codes (speed, readiness and message compare within them)."""

from __future__ import annotations

import polars as pl

from funnel.analyses.profile.traits import CHANNEL_PATTERN, is_process_field
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.privacy import personal_columns
from funnel.findings.base import Context
from funnel.stats.codes import integer_codes


def stratum_attributes(d: Context, *, max_levels: int = 30) -> list[tuple[str, pl.Expr]]:
    """Lead attributes usable as strata, each as a code expression: categories with at
    most ``max_levels`` values (as their text, or their compact text), numbers in
    quintiles (0 to 4, and -1 for missing, which sorts as the text "(missing)" would);
    channel and sales-recorded fields are left out. Chosen once per diagnosis (the
    places that stratify share the choice, ``d.cache``).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> [name for name, _ in stratum_attributes(Context.prepare(load_sample()))][:2]
    ['Industry', 'Number of Employees']
    """
    key = ("strata", max_levels)
    if key not in d.cache:
        d.cache[key] = _stratum_attributes(d, max_levels)
    return d.cache[key]


def _stratum_attributes(d: Context, max_levels: int) -> list[tuple[str, pl.Expr]]:
    names = [a for a in d.ds.attributes if a in d.cols and not is_process_field(a)
             and not CHANNEL_PATTERN.search(a)]
    # a name, e-mail or phone is no one's kind of lead (a few first names repeat in a
    # small export; they are never a stratum)
    personal = personal_columns(d.leads.select(names)) if names else {}
    names = [a for a in names if a not in personal]
    if not names:
        return []
    # every count in one pass over the leads (polars runs the columns in parallel)
    stats = d.leads.select(
        *[pl.col(a).null_count().alias(f"z{i}") for i, a in enumerate(names)],
        *[pl.col(a).n_unique().alias(f"u{i}") for i, a in enumerate(names)]).row(0)
    k = len(names)
    out = []
    for i, a in enumerate(names):
        nulls, distinct = stats[i], stats[k + i]
        if nulls == d.leads.height or distinct < 2:
            continue
        dtype = d.leads.schema[a]
        if dtype.is_numeric() and distinct > max_levels:
            x = pl.col(a).cast(pl.Float64)
            code = ((x.rank("min") - 1) * 5 // x.count()).cast(pl.Int64).fill_null(-1)
        elif distinct <= max_levels + 1:
            code = _labels(a, dtype).fill_null("(missing)")
        else:
            continue
        out.append((a, code))
    return out


def stratum_codes(d: Context) -> pl.DataFrame:
    """Per lead, the code of each of :func:`stratum_attributes` (column ``_a<i>`` for the
    i-th, as :func:`integer_codes`), computed once per diagnosis for the places that
    stratify on them.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ctx = Context.prepare(load_sample())
    >>> stratum_codes(ctx).columns[:2], stratum_codes(ctx).height == ctx.leads.height
    (['_a0', '_a1'], True)
    """
    if "stratum_codes" not in d.cache:
        d.cache["stratum_codes"] = integer_codes(d.leads.select(
            *[e.alias(f"_a{i}") for i, (_, e) in enumerate(stratum_attributes(d))]))
    return d.cache["stratum_codes"]


def source_codes(d: Context) -> pl.Series:
    """Per lead, its source as :func:`integer_codes` (a missing source is one more
    source; a constant without a source column), once per diagnosis: the mix the places
    that stratify compare within.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> codes = source_codes(Context.prepare(load_sample()))
    >>> codes.dtype, codes.n_unique()
    (UInt32, 7)
    """
    if "source_codes" not in d.cache:
        src = (_labels("source", d.leads.schema["source"]).fill_null(NONE_LABEL)
               if "source" in d.cols else pl.repeat(NONE_LABEL, d.leads.height, dtype=pl.String))
        d.cache["source_codes"] = integer_codes(
            d.leads.select(src.alias("source")))["source"]
    return d.cache["source_codes"]


def _labels(column: str, dtype: pl.DataType) -> pl.Expr:
    """Column ``column`` as text, compact text kept compact (its integer codes come
    from its physical codes, without building a row's text)."""
    return pl.col(column) if isinstance(dtype, pl.Categorical) else pl.col(column).cast(pl.String)
