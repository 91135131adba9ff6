"""Marketing's spend sheet: what each paid campaign cost each month."""

from __future__ import annotations

import numpy as np
import polars as pl

from funnel.sample.text import money, take
from funnel.sample.world import CAMPAIGNS


def spend_frame(rng: np.random.Generator, created: np.ndarray, camp: np.ndarray) -> pl.DataFrame:
    """Monthly spend per paid campaign: leads x cost per lead x noise.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator (the noise).
    created, camp : numpy.ndarray
        Each lead's creation moment and campaign.

    Returns
    -------
    polars.DataFrame
        Columns ``Month`` ("YYYY-MM"), ``Channel``, ``Campaign``, ``Spend`` ("$1,234.56").
    """
    month = (np.floor(created / 24.0).astype(np.int64).astype("datetime64[D]")
             .astype("datetime64[M]").astype(np.int64))
    paid = np.array([c.cpl is not None for c in CAMPAIGNS])
    cpl = np.array([c.cpl or 0.0 for c in CAMPAIGNS])
    m0 = int(month.min())
    n_months = int(month.max()) - m0 + 1
    counts = np.bincount((month - m0) * len(CAMPAIGNS) + camp,
                         minlength=n_months * len(CAMPAIGNS)).reshape(n_months, len(CAMPAIGNS))
    mi, ci = np.nonzero(counts * paid[None, :])
    noise = rng.lognormal(0.0, 0.12, mi.size)
    cents = np.rint(counts[mi, ci] * cpl[ci] * noise * 100.0).astype(np.int64)
    months = (np.array(mi + m0).astype("datetime64[M]")).astype(str)
    return pl.DataFrame(
        {
            "Month": pl.Series(months.tolist(), dtype=pl.String),
            "Channel": take([c.source for c in CAMPAIGNS], ci),
            "Campaign": take([c.name for c in CAMPAIGNS], ci),
            "Spend": pl.select(money(pl.lit(pl.Series(cents)))).to_series(),
        }
    )
