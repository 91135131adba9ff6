"""Sales' export: the Pipedrive deals and activities, linked to the HubSpot contacts by the
"HubSpot Contact ID" the reps paste in; every value as text, dates "YYYY-MM-DD HH:MM:SS".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from funnel.sample.activities import KINDS, Activities
from funnel.sample.calendar import format_time
from funnel.sample.deals import Deals, DealTerms
from funnel.sample.text import masked, take
from funnel.sample.world import DEAL_STAGES, LOST_REASONS, REPS, SUBJECTS


def deals_frame(contacts: pl.DataFrame, deals: Deals, terms: DealTerms) -> pl.DataFrame:
    """Pipedrive's deals export, in order of creation, with ids "D-000001", ...

    Parameters
    ----------
    contacts : polars.DataFrame
        The HubSpot contacts (their record ids, companies and names).
    deals, terms : funnel.sample.deals.Deals, funnel.sample.deals.DealTerms
        The deals and what their records say.

    Returns
    -------
    polars.DataFrame
    """
    all_lead, all_status = deals.lead, deals.status
    k = all_lead.size
    record_id = contacts.get_column("Record ID")
    company = contacts.get_column("Company Name")
    full_name = contacts.select(
        pl.concat_str([pl.col("First Name"), pl.col("Last Name")], separator=" ")
    ).to_series()

    deal_order = np.argsort(deals.created, kind="stable")
    frame = pl.DataFrame(
        {
            "Deal - Title": pl.select(
                pl.concat_str(
                    pl.coalesce(
                        pl.lit(company.gather(all_lead)), pl.lit(full_name.gather(all_lead))
                    ),
                    pl.lit(" deal"),
                )
            ).to_series(),
            "Deal - HubSpot Contact ID": record_id.gather(all_lead),
            "Deal - Value": pl.Series(terms.value.astype(np.int64)).cast(pl.String),
            "Deal - Currency": pl.Series(["USD"] * k, dtype=pl.String),
            "Deal - Status": take(("open", "won", "lost"), all_status),
            "Deal - Stage": take(DEAL_STAGES, terms.stage),
            "Deal - Owner": take(REPS, terms.owner),
            "Deal - Deal created": format_time(deals.created, np.ones(k, dtype=bool), seconds=True),
            "Deal - Won time": format_time(deals.close, all_status == 1, seconds=True),
            "Deal - Lost time": format_time(deals.close, all_status == 2, seconds=True),
            "Deal - Lost reason": masked(take(LOST_REASONS, terms.lost_reason), all_status == 2),
        }
    )[deal_order]
    deal_ids = pl.Series(np.arange(1, k + 1)).cast(pl.String).str.zfill(6)
    frame.insert_column(0, ("D-" + deal_ids).alias("Deal - ID"))
    return frame


def activities_frame(contacts: pl.DataFrame, activities: Activities) -> pl.DataFrame:
    """Pipedrive's activities export: the touches done before the export, in time order.

    Parameters
    ----------
    contacts : polars.DataFrame
        The HubSpot contacts (their record ids).
    activities : funnel.sample.activities.Activities
        Every touch.

    Returns
    -------
    polars.DataFrame
    """
    a = activities
    record_id = contacts.get_column("Record ID")
    all_subjects = [s for x in KINDS for s in SUBJECTS[x]]
    keep = np.flatnonzero(a.keep)
    keep = keep[np.argsort(a.at[keep], kind="stable")]
    return pl.DataFrame(
        {
            "Activity - ID": pl.Series(np.arange(700_001, 700_001 + keep.size)).cast(pl.String),
            "Activity - Type": take(KINDS, a.kind[keep]),
            "Activity - Subject": take(all_subjects, a.subject[keep]),
            "Activity - HubSpot Contact ID": record_id.gather(a.lead[keep]),
            "Activity - Assigned to user": take(REPS, a.rep[keep]),
            "Activity - Marked as done time": format_time(
                a.at[keep], np.ones(keep.size, dtype=bool), seconds=True
            ),
        }
    )
