"""The first analyses every page relies on: stages reached, the stage funnel, sources.

Pure functions over the canonical lead table (a polars DataFrame or LazyFrame).
"""

from __future__ import annotations

import polars as pl

from funnel.analyses.closed_loop import UNMATCHED, closed_loop, funnel_summary, sources_summary
from funnel.analyses.profile.fit import profile_summary
from funnel.analyses.speed.summary import response_summary
from funnel.dataset.labels import near_duplicate_labels
from funnel.dataset.tables import Dataset
from funnel.findings.registry import findings
from funnel.ingest.keys import link_summary, outcome_summary
from funnel.ingest.models import model_lines


def source_table(ds: Dataset, *, by: str = "source") -> pl.DataFrame:
    """Leads, wins, win rate (with 95% interval), revenue, cost and CAC per source.

    The contract's columns of :func:`funnel.analyses.closed_loop.closed_loop` with labels as
    exported: ``revenue`` is the amount of won leads (null without amounts); ``cost``
    comes from the spend file matched to the labels as on the Sources page; ``cac`` is
    cost per won lead.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = source_table(load_sample())
    >>> int(t["leads"].sum()) == load_sample().leads.height
    True
    """

    return (closed_loop(ds, by=by, merge_case=False)
            .select(by, "leads", "won", "rate", "ci_low", "ci_high", "revenue", "cost", "cac")
            .sort(["leads", by], descending=[True, False]))


def within_sla_share(leads: pl.DataFrame, *, sla_hours: float) -> float | None:
    """Leads first touched less than ``sla_hours`` after creation, over all leads.

    Never-touched leads count as misses (contract §4); ``None`` without creation or
    first-response times.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> t0 = dt.datetime(2024, 1, 1)
    >>> leads = pl.DataFrame({"created_at": [t0] * 3,
    ...     "first_response_at": [t0 + dt.timedelta(minutes=30), t0 + dt.timedelta(hours=5), None]})
    >>> within_sla_share(leads, sla_hours=1)
    0.3333333333333333
    """
    if not {"created_at", "first_response_at"} <= set(leads.columns) or leads.height == 0:
        return None
    hours = (pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 3600
    return float(leads.select((hours < sla_hours).fill_null(False).mean()).item())


def profile_in_use(profile=None) -> dict:
    """Which profile the diagnosis tested: the stated one, or none (the ``profile_in_use``
    key, an extension of the contract).

    ``stated`` is whether a profile with criteria was given; ``name`` and ``criteria``
    (how many) describe it; ``note`` says it in a sentence, and without one, what the
    *profile* and *definition* findings do instead.

    Examples
    --------
    >>> profile_in_use()["note"][:32]
    'No stated profile was tested (gi'
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> profile_in_use(SAMPLE_SALES_PROFILE)["criteria"]
    4
    """
    if profile is None or not profile.criteria:
        return {"stated": False, "name": None, "criteria": 0,
                "note": "No stated profile was tested (give --profile FILE to test one): the "
                        "profile finding uses a profile learned on half the leads and checked "
                        "on the other half, and the definition finding can't tell."}
    n = len(profile.criteria)
    return {"stated": True, "name": profile.name, "criteria": n,
            "note": f"Stated profile '{profile.name}' ({n} criteri{'on' if n == 1 else 'a'}) "
                    "tested by the profile and definition findings."}


STAGE_LIST_KEYS = ("stage_totals", "stage_totals_by_month", "stage_ratios", "stage_list_note")
"""The keys a stage-list export fills (:func:`funnel.ingest.stagelists.stage_totals`);
null otherwise."""


def diagnose(
    ds: Dataset,
    *,
    max_rejected: int = 100,
    sla_hours: float | None = None,
    profile=None,
    stage_lists: dict | None = None,
) -> dict:
    """The ``funnel diagnose --json`` object of the contract, for a loaded dataset.

    ``profile`` (a :class:`funnel.analyses.profile.fit.Profile`) fills the ``profile`` key and is
    the stated profile the findings test; without one (or with one without criteria) no
    stated profile is tested: ``profile`` is ``None`` and ``profile_in_use`` (an
    extension, see :func:`profile_in_use`) says so. ``sla_hours`` fills
    ``response.within_sla_share``. A value that cannot be computed from the data is
    ``None``, never a guess. Spend whose channel matches no source is listed under
    ``spend_unmatched`` (an extension), not as a source. Source labels that differ only
    in case or spacing (X Education's ``Google``/``google``) are counted as one, under
    the most frequent spelling, and each merge is listed in ``label_merges``.
    Extensions of issue 12: ``recognised`` and ``model_text`` (the CRM models recognised
    and the link used), ``links`` (deals kept, linked, without a lead in this export,
    and their outcomes), ``outcomes`` (the leads' won/lost/open counts), and, for a
    stage-list export (``stage_lists``, from
    :func:`funnel.ingest.stagelists.stage_totals`), ``stage_totals``,
    ``stage_totals_by_month``, ``stage_ratios`` and ``stage_list_note`` (null otherwise).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> out = diagnose(load_sample())
    >>> out["rows"]["leads"] == load_sample().leads.height
    True
    """

    if profile is not None and not profile.criteria:
        profile = None  # an empty profile: every lead in it, nothing to test
    leads = ds.leads
    n = leads.height
    known = "outcome" in leads.columns and leads["outcome"].null_count() < n
    won = int((leads["outcome"] == "won").sum()) if known else None  # no outcome: not 0
    rejected = ds.health.rejected.head(max_rejected)
    sources = sources_summary(ds)
    return {
        "rows": {
            "leads": n,
            "deals": ds.deals.height if ds.deals is not None else 0,
            "activities": ds.activities.height if ds.activities is not None else 0,
            "rejected": ds.health.rows_rejected,
        },
        "rejected": rejected.to_dicts(),
        "recognised": [{"file": f.name, "role": f.role, "model": f.model}
                       for f in ds.health.files if f.model],
        "model_text": model_lines(ds),
        "links": link_summary(ds),
        "outcomes": outcome_summary(ds) if known else None,
        "funnel": funnel_summary(ds),
        "won": won,
        "conversion": (won / n) if won is not None and n else None,
        "response": response_summary(ds, sla_hours=sla_hours),
        "profile": profile_summary(ds, profile) if profile is not None else None,
        "profile_in_use": profile_in_use(profile),
        "sources": [r for r in sources if r["source"] != UNMATCHED],
        "spend_unmatched": next((r for r in sources if r["source"] == UNMATCHED), None),
        "label_merges": [{"column": c, **r} for c in ("source", "campaign")
                         for r in near_duplicate_labels(leads, column=c).to_dicts()
                         if r["label"] != r["merged_into"]],
        "findings": [f.to_dict() for f in findings(ds, profile=profile)],
        "warnings": [
            {"code": w.code, "level": w.level, "message": w.message, "count": w.count}
            for w in ds.health.warnings
        ],
        "capabilities": [
            {"analysis": c.analysis, "available": c.available, "reason": c.reason}
            for c in ds.health.capabilities
        ],
        **(stage_lists or dict.fromkeys(STAGE_LIST_KEYS)),
    }
