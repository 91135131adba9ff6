"""One lead's path, as a tidy event frame: created, assigned, stages, touches, deals, outcome.

The way a joint marketing + sales review traces specific leads: everything that
happened to one lead, in time order, with who did it. Pure polars; personal fields are
the caller's to mask (:func:`funnel.dataset.privacy.mask_personal`) before showing.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import STAGE_DATES
from funnel.dataset.tables import Dataset

EVENT_SCHEMA = {"at": pl.Datetime("us"), "event": pl.String, "detail": pl.String,
                "owner": pl.String, "origin": pl.String}
"""Columns of a trace: when, what, details, who, and which table said so."""

_STAGE_NAMES = {"mql": "Became MQL", "sal": "Accepted by sales (SAL)",
                "sql": "Became SQL", "opportunity": "Became an opportunity"}


def _txt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return f"{v:,.0f}"
    return str(v)


def lead_trace(ds: Dataset, lead_id: str) -> pl.DataFrame:
    """Everything that happened to one lead, in time order.

    Returns ``at, event, detail, owner, origin`` (origin = ``lead``, ``activity`` or
    ``deal``); events without a date (e.g. an outcome with no close date) come last.
    Events: created (with source and campaign), assigned to the owner, each stage
    entered, first sales touch, each activity, each deal created and closed, and the
    outcome.

    Raises
    ------
    InputError
        When no lead has this id.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> won = ds.leads.filter(pl.col("outcome") == "won")["lead_id"][0]
    >>> t = lead_trace(ds, won)
    >>> t["event"][0], t["event"][-1]
    ('Created', 'Outcome: won')
    """
    lead_id = str(lead_id)
    rows = ds.leads.filter(pl.col("lead_id") == lead_id)
    if rows.height == 0:
        raise InputError(f"No lead has the id {lead_id!r}.")
    lead = rows.row(0, named=True)
    owner = lead.get("owner")
    events: list[dict] = []

    def add(at, event: str, detail: str = "", who=None, origin: str = "lead") -> None:
        events.append({"at": at, "event": event, "detail": detail, "owner": who,
                       "origin": origin})

    where = ", ".join(f"{k}: {_txt(lead[k])}" for k in ("source", "campaign")
                      if lead.get(k) is not None)
    add(lead.get("created_at"), "Created", where)
    if lead.get("assigned_at") is not None or owner is not None:
        add(lead.get("assigned_at"), "Assigned", f"to {owner}" if owner else "no owner",
            owner)
    for stage, col in STAGE_DATES.items():
        if lead.get(col) is not None:
            add(lead[col], _STAGE_NAMES[stage], "", owner)
    acts = None
    if ds.activities is not None:
        acts = ds.activities.filter(pl.col("lead_id") == lead_id).sort("at")
    if lead.get("first_response_at") is not None:
        first_by = None
        if acts is not None and acts.height and "owner" in acts.columns:
            first_by = acts["owner"][0]
        add(lead["first_response_at"], "First sales touch", "", first_by)
    elif "first_response_at" in ds.leads.columns or acts is not None:
        add(None, "Never touched", "no sales touch by the export's end", None)
    if acts is not None:
        extra = [c for c in acts.columns if c not in ("lead_id", "at", "kind", "owner")
                 and not c.startswith("__") and not c.lower().rstrip().endswith("id")]
        for a in acts.iter_rows(named=True):
            detail = "; ".join(f"{c}: {_txt(a[c])}" for c in extra if a[c] is not None)
            add(a["at"], f"Activity: {a.get('kind') or 'touch'}", detail, a.get("owner"),
                "activity")
    if ds.deals is not None and "lead_id" in ds.deals.columns:
        for d in ds.deals.filter(pl.col("lead_id") == lead_id).iter_rows(named=True):
            did = d.get("deal_id")
            amount = f", amount {_txt(d['amount'])}" if d.get("amount") is not None else ""
            add(d.get("created_at"), "Deal created",
                f"{did}{amount}" + (f", stage {d['stage']}" if d.get("stage") else ""),
                d.get("owner"), "deal")
            if d.get("outcome") in ("won", "lost"):
                why = f", reason: {d['lost_reason']}" if d.get("lost_reason") else ""
                add(d.get("closed_at"), f"Deal {d['outcome']}", f"{did}{why}",
                    d.get("owner"), "deal")
    outcome = lead.get("outcome")
    if outcome is not None:
        bits = []
        if lead.get("amount") is not None and outcome == "won":
            bits.append(f"amount {_txt(lead['amount'])}")
        if lead.get("lost_reason") is not None and outcome == "lost":
            bits.append(f"reason: {lead['lost_reason']}")
        at = lead.get("closed_at") if outcome in ("won", "lost") else None
        if outcome == "open":
            bits.append("still open at the export's end")
        add(at, f"Outcome: {outcome}", "; ".join(bits), owner)
    frame = pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row")
    order = pl.int_range(pl.len())  # stable for same-time events: as listed above
    return (frame.with_columns(order.alias("_o"))
            .sort(["at", "_o"], nulls_last=True).drop("_o"))


def lead_profile(ds: Dataset, lead_id: str) -> pl.DataFrame:
    """The lead's own fields as ``field, value`` rows (canonical fields, then attributes);
    a field the lead does not have is a missing value, not an empty text.

    Internal columns (``__file``, ``__row``) are left out; mask personal values before
    showing (:func:`funnel.dataset.privacy.mask_personal` on the lead's row).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> lead_profile(ds, ds.leads["lead_id"][0])["field"][0]
    'lead_id'
    """
    rows = ds.leads.filter(pl.col("lead_id") == str(lead_id))
    if rows.height == 0:
        raise InputError(f"No lead has the id {lead_id!r}.")
    row = rows.row(0, named=True)
    return pl.DataFrame(
        {"field": [k for k in row if not k.startswith("__")],
         "value": [None if v is None else _txt(v) for k, v in row.items()
                   if not k.startswith("__")]}, schema={"field": pl.String, "value": pl.String})
