"""Stage 1 of a lead's life: it arrives, through a campaign, at a moment of the window.

Leads come on working days more than at weekends, in business hours more than at
night, with a season over the months and a slow growth over the window; the trade
show's badge scans are imported in one go, a few days after the show. Arrival does
not depend on the planted problems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.calendar import Window, add_months, floor_minutes
from funnel.sample.world import CAMPAIGN_MIX, CAMPAIGNS, HOUR_WEIGHT, MONTH_SEASON


@dataclass(frozen=True)
class Arrival:
    """The leads in order of arrival: their campaign and the moment they were created."""

    camp: np.ndarray  # index into CAMPAIGNS
    created: np.ndarray  # hours since epoch


def arrive(rng: np.random.Generator, window: Window, n: int) -> Arrival:
    """Draw each lead's campaign and creation moment, and sort the leads by it.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator (consumed in a fixed order by the stages).
    window : funnel.sample.calendar.Window
        The arrival window and the moment of the export.
    n : int
        Number of leads.

    Returns
    -------
    Arrival
        ``n`` leads, sorted by creation moment, all created before the export.
    """
    t0, t_export, window_days, hol = window.t0, window.t_export, window.days, window.holidays
    camp = rng.choice(len(CAMPAIGNS), size=n, p=CAMPAIGN_MIX)
    show = next(i for i, c in enumerate(CAMPAIGNS) if c.name == "spring-trade-show")

    day0 = int(np.floor(t0 / 24.0))
    days = day0 + np.arange(window_days)
    d64 = days.astype("datetime64[D]")
    cal_month = d64.astype("datetime64[M]").astype(np.int64) % 12  # 0 = January
    busy = np.is_busday(d64, holidays=hol)
    weekday = np.is_busday(d64)
    w_day = np.where(busy, 1.0, np.where(weekday, 0.3, 0.2))
    w_day = w_day * MONTH_SEASON[cal_month] * (1.0 + 0.2 * np.arange(window_days) / window_days)
    day_idx = rng.choice(window_days, size=n, p=w_day / w_day.sum())
    lead_day = days[day_idx]
    flat = np.sqrt(HOUR_WEIGHT)
    hour = np.where(
        busy[day_idx],
        rng.choice(24, size=n, p=HOUR_WEIGHT / HOUR_WEIGHT.sum()),
        rng.choice(24, size=n, p=flat / flat.sum()),
    )
    minute = rng.integers(0, 60, size=n)
    # The trade show's badge scans are imported in one go, a few days after the show.
    start = window.start
    show_day = day0 + min(int(add_months(start, 4).toordinal() - start.toordinal()) + 15,
                          int(window_days * 0.45))
    show_day = int(np.busday_offset(np.array(show_day, dtype="datetime64[D]"), 0, roll="forward",
                                    holidays=hol).astype(np.int64))
    at_show = camp == show
    if show_day < day0 + window_days:
        lead_day = np.where(at_show, show_day, lead_day)
        hour = np.where(at_show, rng.integers(9, 17, size=n), hour)
    created = lead_day * 24.0 + hour + minute / 60.0
    late = np.flatnonzero(created >= t_export)  # only when export_at cuts the last day
    created[late] = floor_minutes(t0 + rng.random(late.size) * (t_export - t0 - 1.0 / 60.0))
    order = np.argsort(created, kind="stable")
    return Arrival(camp=camp[order], created=created[order])
