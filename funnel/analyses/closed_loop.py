"""Closed loop by source and campaign: leads → qualified → won → revenue, and what it cost.

Per group: leads, qualified (reached ``sql`` or later), won, win rate with a 95% Wilson
interval, a shrunk rate for ranking (small groups pulled toward the average, so six
leads cannot top the table), revenue and average deal; with a spend file, cost, cost
per lead, cost per qualified lead, CAC (cost per won lead) and return on spend
(revenue / cost).

Spend files name channels their own way (``PAID-SEARCH (Google Ads)`` for the CRM's
``Paid Search``). :func:`spend_matching` matches them loosely and returns the matching
table, which the app shows and lets the user correct; spend that matches nothing is
kept and reported as unattributed, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from funnel.analyses.funnel import funnel_table
from funnel.analyses.leakage import stage_exits
from funnel.analyses.velocity import settling_columns
from funnel.dataset.errors import InputError
from funnel.dataset.labels import NONE_LABEL, match_label, unify_labels
from funnel.dataset.schema import STAGES, as_text
from funnel.dataset.stages import stage_rank_expr, stages_present
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.intervals import prior_strength, rate_ratio, shrink_exprs, wilson_exprs

UNMATCHED = "(not matched)"


# ---------------------------------------------------------------------------------------
# loose matching of spend labels to lead labels
# ---------------------------------------------------------------------------------------


def spend_matching(
    ds: Dataset, *, by: str = "source", overrides: Mapping[str, str | None] | None = None,
) -> pl.DataFrame:
    """How each spend label was matched to the leads' ``by`` labels, with its cost.

    Returns ``spend_label, matched, how, score, cost, months`` (``matched`` null when the
    label matched nothing: its cost is unattributed). ``overrides`` maps a spend label
    to the lead label the user chose (``None`` or ``""`` to leave it unmatched). Empty
    when there is no spend file or it has no ``by`` column.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> m = spend_matching(load_sample())
    >>> m.select("spend_label", "matched", "how").row(0)
    ('Paid Search', 'Paid Search', 'exact')
    """
    schema = {"spend_label": pl.String, "matched": pl.String, "how": pl.String,
              "score": pl.Float64, "cost": pl.Float64, "months": pl.UInt32}
    spend = ds.spend
    if spend is None or by not in spend.columns or by not in ds.leads.columns:
        return pl.DataFrame(schema=schema)
    if "cost" not in spend.columns or not spend.schema["cost"].is_numeric():
        raise InputError("The spend file has no readable cost column: map its amount "
                         "column to cost in the mapping screen.")
    labels = unify_labels(ds.leads, columns=[by])[by].drop_nulls().unique().sort().to_list()
    month = pl.col("month").n_unique() if "month" in spend.columns else pl.lit(None, pl.UInt32)
    per = (spend.group_by(pl.col(by).fill_null(NONE_LABEL).alias("spend_label"))
           .agg(pl.col("cost").sum().alias("cost"), month.alias("months"))
           .sort(["cost", "spend_label"], descending=[True, False]))
    overrides = dict(overrides or {})
    rows = []
    for lab in per["spend_label"].to_list():
        if lab in overrides:
            chosen = overrides[lab] or None
            if chosen is not None and chosen not in labels:
                raise ValueError(f"{chosen!r} is not a {by} among the leads")
            rows.append((chosen, "chosen by you", 1.0 if chosen else 0.0))
        else:
            rows.append(match_label(lab, labels))
    return per.with_columns(
        pl.Series("matched", [r[0] for r in rows], dtype=pl.String),
        pl.Series("how", [r[1] for r in rows], dtype=pl.String),
        pl.Series("score", [r[2] for r in rows], dtype=pl.Float64),
    ).select(list(schema)).cast({"months": pl.UInt32})


# ---------------------------------------------------------------------------------------
# the closed-loop table
# ---------------------------------------------------------------------------------------

def closed_loop(
    ds: Dataset, *, by: str = "source", overrides: Mapping[str, str | None] | None = None,
    merge_case: bool = True,
) -> pl.DataFrame:
    """Leads, qualified, won, revenue and cost per ``by`` group (source or campaign).

    Near-duplicate labels (``Google``/``google``) are merged when ``merge_case`` (see
    :func:`funnel.dataset.labels.near_duplicate_labels`). Returns, sorted by leads:
    ``<by>, leads, qualified, qualified_rate, won, rate, ci_low, ci_high, shrunk_rate,
    rank, revenue, avg_deal, cost, cost_per_lead, cost_per_qualified, cac, roas``.
    ``qualified`` is null without stage information, money columns null without
    amounts or spend, and ``cost`` null for a group no spend label matched (no cost
    recorded, which is not a cost of zero); ``cac`` and ``avg_deal`` null when nothing
    was won; ``rank`` (1 = best) orders groups by ``shrunk_rate``; ``young_share`` and
    ``not_settled`` mark groups whose leads have not had time to close (most of them
    younger than the data's own cycle to a win:
    :func:`funnel.analyses.velocity.settling_columns`), whose rate will still rise.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = closed_loop(load_sample())
    >>> int(t["leads"].sum()), int(t["won"].sum())
    (30000, 899)
    """
    leads = unify_labels(ds.leads, columns=[by]) if merge_case else ds.leads
    cols = leads.columns
    key = pl.col(by).fill_null(NONE_LABEL) if by in cols else pl.lit(NONE_LABEL)
    known = "outcome" in cols and leads["outcome"].null_count() < leads.height
    won = (pl.col("outcome") == "won").fill_null(False) if known else None
    has_stage = "sql" in stages_present(leads)
    qualified = (stage_rank_expr(leads) >= STAGES.index("sql")) if has_stage else None
    aggs = [pl.len().cast(pl.Int64).alias("leads"),
            (qualified.sum().cast(pl.Int64) if qualified is not None
             else pl.lit(None, pl.Int64)).alias("qualified"),
            (won.sum().cast(pl.Int64) if won is not None else pl.lit(None, pl.Int64))
            .alias("won"),
            (pl.col("amount").filter(won).sum() if won is not None and "amount" in cols
             else pl.lit(None, pl.Float64)).alias("revenue")]
    table = as_text(leads.lazy().group_by(key.alias(by)).agg(aggs).collect())
    if known and table.height:
        prior_rate = float(table["won"].sum() / table["leads"].sum())
        prior_n = prior_strength(table["won"], table["leads"])
        shrunk = shrink_exprs("won", "leads", prior_rate=prior_rate, prior_n=prior_n)
    else:
        shrunk = pl.lit(None, pl.Float64).alias("shrunk_rate")
    table = table.with_columns(
        (pl.col("won") / pl.col("leads")).alias("rate"),
        (pl.col("qualified") / pl.col("leads")).alias("qualified_rate"),
        *wilson_exprs("won", "leads"), shrunk,
        pl.when(pl.col("won") > 0).then(pl.col("revenue") / pl.col("won")).alias("avg_deal"),
    ).with_columns(pl.col("shrunk_rate").rank("min", descending=True).cast(pl.Int64)
                   .alias("rank"))
    match = spend_matching(ds, by=by, overrides=overrides)
    if match.height:
        cost = (match.filter(pl.col("matched").is_not_null())
                .group_by(pl.col("matched").alias(by)).agg(pl.col("cost").sum()))
        # a group no spend label matched has no recorded cost (null), not a cost of zero
        table = table.join(cost, on=by, how="left")
    else:
        table = table.with_columns(pl.lit(None, pl.Float64).alias("cost"))
    money = pl.col("cost")
    table = table.with_columns(
        pl.when(pl.col("leads") > 0).then(money / pl.col("leads")).alias("cost_per_lead"),
        pl.when(pl.col("qualified") > 0).then(money / pl.col("qualified"))
        .alias("cost_per_qualified"),
        pl.when(pl.col("won") > 0).then(money / pl.col("won")).alias("cac"),
        pl.when(money > 0).then(pl.col("revenue") / money).alias("roas"),
    )
    table = settling_columns(leads, table, by=by, end=export_end(ds))
    return table.select(
        by, "leads", "qualified", "qualified_rate", "won", "rate", "ci_low", "ci_high",
        "shrunk_rate", "rank", "revenue", "avg_deal", "cost", "cost_per_lead",
        "cost_per_qualified", "cac", "roas", "young_share", "not_settled",
    ).sort(["leads", by], descending=[True, False])


def compare_groups(
    table: pl.DataFrame, *, by: str, a: str, b: str, success: str = "won",
    n: str = "leads",
) -> dict:
    """How group ``a`` converts relative to group ``b``, with a 95% interval.

    ``table`` is :func:`closed_loop` (or any frame with ``by``, ``success`` and ``n``).
    Returns ``a, b, ratio, ci_low, ci_high, a_rate, b_rate, a_n, b_n, text``; the text
    reads like "Paid Search converts 1.4× Organic Search (95% CI 1.1–1.8; 120 of 5,331
    vs …)". ``ratio`` is null when either group has no leads.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"source": ["x", "y"], "won": [117, 25], "leads": [1000, 1000]})
    >>> compare_groups(t, by="source", a="x", b="y")["text"]
    'x converts 4.68× y (95% CI 3.07–7.14; 117 of 1,000 vs 25 of 1,000)'
    """
    rows = {r[by]: r for r in table.select(by, success, n).to_dicts()}
    for g in (a, b):
        if g not in rows:
            raise KeyError(f"{g!r} is not a {by} in this table")
    ka, na = int(rows[a][success] or 0), int(rows[a][n] or 0)
    kb, nb = int(rows[b][success] or 0), int(rows[b][n] or 0)
    ratio, lo, hi = rate_ratio(ka, na, kb, nb)
    counts = f"{ka:,} of {na:,} vs {kb:,} of {nb:,}"
    if ratio is None:
        text = f"{a} cannot be compared with {b}: a group has no leads ({counts})"
    else:
        verb = "converts" if success == "won" else f"reaches {success} at"
        text = f"{a} {verb} {ratio:.2f}× {b} (95% CI {lo:.2f}–{hi:.2f}; {counts})"
    return {"a": a, "b": b, "ratio": ratio, "ci_low": lo, "ci_high": hi,
            "a_rate": ka / na if na else None, "b_rate": kb / nb if nb else None,
            "a_n": na, "b_n": nb, "text": text}


# ---------------------------------------------------------------------------------------
# CLI keys
# ---------------------------------------------------------------------------------------

def sources_summary(ds: Dataset) -> list[dict]:
    """The ``sources`` key of ``funnel diagnose --json`` (contract §4, extended).

    One object per source: ``source, leads, won, rate, revenue, cost, cac`` as the
    contract says, plus ``ci_low, ci_high, qualified, qualified_rate, shrunk_rate, rank,
    avg_deal, cost_per_lead, cost_per_qualified, roas`` and ``spend_labels`` (the spend
    file's channel names matched to this source). Unmatched spend is listed as one
    extra object with ``source: "(not matched)"`` and ``leads: 0``; so is all the spend
    of a file without a source column (an ad platform's campaign report), its
    ``spend_labels`` then being the campaigns.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> rows = sources_summary(load_sample())
    >>> sorted(rows[0])[:4]
    ['avg_deal', 'cac', 'ci_high', 'ci_low']
    """
    table = closed_loop(ds, by="source").rename({"source": "source"})
    match = spend_matching(ds, by="source")
    labels: dict[str, list[str]] = {}
    for r in match.filter(pl.col("matched").is_not_null()).iter_rows(named=True):
        labels.setdefault(r["matched"], []).append(r["spend_label"])
    out = []
    for r in table.iter_rows(named=True):
        r["spend_labels"] = labels.get(r["source"], [])
        out.append(r)
    lost = match.filter(pl.col("matched").is_null())
    if lost.height:
        unmatched = float(lost["cost"].sum()), lost["spend_label"].to_list()
    elif (spend := ds.spend) is not None and "source" not in spend.columns and (
            "cost" in spend.columns and spend.schema["cost"].is_numeric()):
        # a spend file by campaign only (an ad platform's report): its cost is not
        # attributed to a source, and said so rather than dropped
        unmatched = float(spend["cost"].sum()), (
            spend["campaign"].drop_nulls().unique().sort().to_list()
            if "campaign" in spend.columns else [])
    else:
        return out
    cost, labels = unmatched
    return [*out, {"source": UNMATCHED, "leads": 0, "won": 0, "rate": None, "revenue": None,
                   "cost": cost, "cac": None, "spend_labels": labels}]


def funnel_summary(ds: Dataset) -> list[dict]:
    """The ``funnel`` key of ``funnel diagnose --json`` (contract §4, extended).

    Per stage present: ``stage, count, rate_from_previous, rate_from_first`` as the
    contract says, plus ``ci_low, ci_high`` (interval of the step rate),
    ``first_ci_low, first_ci_high`` (of the cumulative rate) and ``stopped, lost, open``
    of the leads whose furthest stage this is (:func:`funnel.analyses.leakage.stage_exits`):
    ``stopped`` = ``lost``, closed without reaching the next stage; ``open``, still open
    there, apart (not stopped); null for ``won``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> {k: funnel_summary(load_sample())[0][k] for k in ("stopped", "lost", "open")}
    {'stopped': 4403, 'lost': 4403, 'open': 8314}
    """
    t = funnel_table(ds.leads).drop("previous")
    exits = stage_exits(ds.leads).select("stage", "stopped", "lost", "open")
    return t.join(exits, on="stage", how="left", maintain_order="left").to_dicts()
