"""Deal-level views over every deal kept, those whose lead is not in the export included.

A CRM export often holds deals whose lead (contact, person) was not exported with it.
They are kept apart from the lead funnel (which follows leads), but a deal-level
question — an owner's win rate, the age of the open pipeline, the sales cycle — is
about deals, so they count there. :func:`unlinked_deals` lists them,
:func:`with_unlinked_deals` adds them to the lead table as records of their own (for
the sales cycle), :func:`deal_owners` gives each owner's deals, win rate and open
pipeline age, and :func:`unlinked_note` says on the page how many are included.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from funnel.dataset.tables import Dataset, export_end
from funnel.stats.intervals import wilson_exprs

UNLINKED_PREFIX = "deal:"
"""How the records of deals without a lead are named in a lead-level view (before the
deal id), so they never take the id of a lead."""


def unlinked_deals(ds: Dataset) -> pl.DataFrame | None:
    """The deals whose lead is not in this export (kept, with an empty ``lead_id``), or
    ``None`` without deals.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> unlinked_deals(load_sample()).height
    0
    """
    if ds.deals is None:
        return None
    if "lead_id" not in ds.deals.columns:
        return ds.deals
    return ds.deals.filter(pl.col("lead_id").is_null())


def unlinked_note(n: int) -> str | None:
    """The line a page shows under a deal-level view that includes ``n`` deals without a
    lead, or ``None`` when there are none.

    Examples
    --------
    >>> unlinked_note(2)
    '2 deals without a lead in this export are included here.'
    """
    if not n:
        return None
    return (f"{n:,} deal{'s' if n > 1 else ''} without a lead in this export "
            f"{'are' if n > 1 else 'is'} included here.")


def with_unlinked_deals(ds: Dataset) -> tuple[pl.DataFrame, int]:
    """The lead table with each deal without a lead added as a record of its own, and
    how many were added.

    Such a record starts at the deal's creation (the lead's is not in the export), is an
    opportunity from then on, and has the deal's outcome, close date, owner and amount;
    its id is the deal's with :data:`UNLINKED_PREFIX`.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> leads, added = with_unlinked_deals(load_sample())
    >>> added
    0
    """
    deals = unlinked_deals(ds)
    if deals is None or deals.height == 0:
        return ds.leads, 0
    cols = [c for c in ("created_at", "closed_at", "outcome", "owner", "amount", "stage")
            if c in deals.columns and c in ds.leads.columns]
    records = deals.select(
        (pl.lit(UNLINKED_PREFIX) + pl.col("deal_id").cast(pl.String)).alias("lead_id"),
        *cols,
        *([pl.col("created_at").alias("opportunity_at")]
          if "created_at" in deals.columns and "opportunity_at" in ds.leads.columns else []),
    )
    records = records.cast({c: ds.leads.schema[c] for c in records.columns})
    return pl.concat([ds.leads, records], how="diagonal_relaxed"), records.height


def deal_owners(ds: Dataset, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """Each owner's deals, every deal kept (those without a lead included): ``owner,
    deals, won, lost, open, win_rate, ci_low, ci_high, open_median_age_days,
    open_oldest_days``.

    ``win_rate`` is won over closed (won + lost), with its 95% interval; the ages are
    those of the owner's open deals at ``now`` (default: the export's end), from their
    creation. Empty without deals or without an owner on them.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = deal_owners(load_sample())
    >>> int(t["deals"].sum()) == load_sample().deals.height
    True
    """
    schema = {"owner": pl.String, "deals": pl.Int64, "won": pl.Int64, "lost": pl.Int64,
              "open": pl.Int64, "win_rate": pl.Float64, "ci_low": pl.Float64,
              "ci_high": pl.Float64, "open_median_age_days": pl.Float64,
              "open_oldest_days": pl.Float64}
    deals = ds.deals
    if deals is None or not {"owner", "outcome"} <= set(deals.columns):
        return pl.DataFrame(schema=schema)
    now = now or export_end(ds)
    age = ((pl.lit(now) - pl.col("created_at")).dt.total_seconds() / 86400
           if "created_at" in deals.columns and now is not None
           else pl.lit(None, dtype=pl.Float64))
    is_open = pl.col("outcome") == "open"
    return (deals.group_by(pl.col("owner").cast(pl.String))
            .agg(pl.len().cast(pl.Int64).alias("deals"),
                 *[(pl.col("outcome") == o).sum().cast(pl.Int64).alias(o)
                   for o in ("won", "lost", "open")],
                 age.filter(is_open).median().alias("open_median_age_days"),
                 age.filter(is_open).max().alias("open_oldest_days"))
            .with_columns((pl.col("won") + pl.col("lost")).alias("_closed"))
            .with_columns(
                pl.when(pl.col("_closed") > 0).then(pl.col("won") / pl.col("_closed"))
                .alias("win_rate"),
                *wilson_exprs("won", "_closed", prefix="ci"))
            .sort(["deals", "owner"], descending=[True, False], nulls_last=True)
            .select(list(schema)).cast(schema))
