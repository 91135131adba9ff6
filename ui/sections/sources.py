"""The Sources & cost page: spend matching, the closed loop per source or campaign,
comparisons with intervals and the drill-down per group."""

from __future__ import annotations

import polars as pl
import streamlit as st

from funnel.analyses.closed_loop import UNMATCHED, closed_loop, compare_groups, spend_matching
from funnel.analyses.period import period_funnel
from funnel.charts import leakage as charts
from funnel.dataset.format import MISSING_TEXT, amount_text, rounded_to_shown
from funnel.dataset.labels import NONE_LABEL, label_key
from funnel.ingest.stagelists import PERIOD_NOTE, STAGE_LIST_NOTE
from ui import exports
from ui.drill import lead_list
from ui.format import column_config, md_escape
from ui.memo import memo


def _spend_elsewhere(sub, by: str, *, currency: str | None) -> None:
    """Say so when the spend file has a cost but no ``by`` column (an ad platform's
    campaign report read by source): its cost is in none of the costs shown."""
    spend = sub.spend
    if spend is None or by in spend.columns or "cost" not in spend.columns \
            or not spend.schema["cost"].is_numeric():
        return
    cost = amount_text(spend["cost"].sum(), money=True, currency=currency).replace("$", r"\$")
    other = [c for c in ("source", "campaign")
             if c != by and c in spend.columns and c in sub.leads.columns]
    st.info(f"The spend file has no {by} column: its {cost} is in no cost by {by} below"
            + (f"; choose the closed loop by {other[0]} to see it." if other else "."),
            icon=":material/info:")


def spend_editor(sub, by: str, *, currency: str | None = None) -> dict[str, str | None]:
    """Show how spend labels were matched and let the user correct the matching."""
    overrides: dict = st.session_state.setdefault(f"leak:spend_overrides:{by}", {})
    match = memo("match", lambda d, b, o: spend_matching(d, by=b, overrides=dict(o)),
                 sub, by, tuple(sorted(overrides.items())))
    if match.height == 0:
        _spend_elsewhere(sub, by, currency=currency)
        return overrides
    labels = sorted(sub.leads[by].drop_nulls().unique().to_list()) if by in sub.leads.columns \
        else []
    st.markdown("**How the spend file was matched to the leads' "
                f"{by}s** (correct a row by choosing another {by})")
    frame = rounded_to_shown(match.with_columns(pl.col("matched").fill_null(UNMATCHED)),
                             kinds={"score": "ratio"})
    config = column_config(frame, currency=currency, renamed=False,
                           kinds={"score": "ratio"}, labels={"matched": f"matched {by}"})
    config["matched"] = st.column_config.SelectboxColumn(
        f"matched {by}", options=[UNMATCHED, *labels], required=True)
    edited = st.data_editor(
        frame, hide_index=True, key=f"leak:spend_editor:{by}",
        disabled=["spend_label", "how", "score", "cost", "months"], column_config=config)
    rows = edited.to_dicts() if hasattr(edited, "to_dicts") else edited.to_dict("records")
    before = dict(zip(frame["spend_label"], frame["matched"], strict=True))
    changed = False
    for r in rows:
        if r["matched"] != before[r["spend_label"]]:
            overrides[r["spend_label"]] = None if r["matched"] == UNMATCHED else r["matched"]
            changed = True
    if changed:
        st.rerun()
    lost = match.filter(pl.col("matched").is_null())
    if lost.height:
        # the labels come from the client's spend file: shown as text, never Markdown
        cost = amount_text(lost["cost"].sum(), money=True, currency=currency).replace(
            "$", r"\$")  # "$" would start LaTeX in Markdown
        st.warning(f"{lost.height} spend label{'s' if lost.height > 1 else ''} matched no "
                   f"{md_escape(by)}: {cost} of spend is not attributed. Choose a "
                   f"{md_escape(by)} above to attribute it.")
        st.text("Not attributed: " + ", ".join(lost["spend_label"].to_list()))
    return overrides


PERIOD_LABELS = {"count": "records", "pipeline": "pipeline amount",
                 "bookings": "won amount", "pipeline_to_spend": "pipeline to spend",
                 "cost_per_mql": "cost per MQL", "ratio": "period ratio"}


def period_section(ds, totals: dict) -> None:
    """The period funnel of a stage-list export: stage totals per channel (and month),
    period ratios labelled as such, cost per lead/MQL/opportunity/won and pipeline to
    spend per channel (spend matched as in the table below, editable there), and the
    spend no channel matched. The numbers are the CLI JSON's (``stage_totals``)."""
    currency = exports.data_currency(ds)
    st.caption(md_escape(STAGE_LIST_NOTE) + " The sidebar filters do not apply here: the "
               "lists are counted as exported.")
    st.markdown("**Records per stage and channel** (the whole period)")
    exports.table(_totals_frame(totals["stage_totals"]), hide_index=True, currency=currency,
                  labels=PERIOD_LABELS, key="period:totals")
    ratios = pl.DataFrame(totals["stage_ratios"], schema={
        "from": pl.String, "to": pl.String, "ratio": pl.Float64, "note": pl.String})
    if ratios.height:
        st.markdown("**Period ratios** (not conversion rates)")
        exports.table(ratios.drop("note"), hide_index=True, kinds={"ratio": "ratio"},
                      labels=PERIOD_LABELS, key="period:ratios")
        st.caption(md_escape(PERIOD_NOTE[0].upper() + PERIOD_NOTE[1:]) + ".")
    overrides = st.session_state.get("leak:spend_overrides:source", {})
    match = memo("match", lambda d, b, o: spend_matching(d, by=b, overrides=dict(o)),
                 ds, "source", tuple(sorted(overrides.items())))
    st.markdown("**Cost per stage and channel** (spend matched to the channels as shown "
                "under *How the spend file was matched* below)")
    exports.table(period_funnel(totals, match), hide_index=True, currency=currency,
                  labels=PERIOD_LABELS, kinds={"pipeline_to_spend": "ratio"},
                  key="period:costs",
                  column_config={"pipeline_to_spend": st.column_config.NumberColumn(
                      "pipeline to spend", format="%.2f×")})
    lost = match.filter(pl.col("matched").is_null())
    if lost.height:
        cost = amount_text(lost["cost"].sum(), money=True, currency=currency).replace(
            "$", r"\$")
        st.warning(f"Spend no channel matched: {cost}, not in any cost above.")
        st.text("Not matched: " + ", ".join(lost["spend_label"].to_list()))
    with st.expander("Per month"):
        exports.table(_totals_frame(totals["stage_totals_by_month"]), hide_index=True,
                      currency=currency, labels=PERIOD_LABELS, key="period:months")


def _totals_frame(rows: list[dict]) -> pl.DataFrame:
    """Stage totals rows (``stage, source, [month,] count, amount``) as a table."""
    schema = {"stage": pl.String, "source": pl.String, "month": pl.String,
              "count": pl.Int64, "amount": pl.Float64}
    frame = pl.DataFrame(rows, schema={k: v for k, v in schema.items()
                                       if not rows or k in rows[0]})
    return frame.rename({"source": "channel"})


def closed_loop_section(sub, by: str) -> pl.DataFrame:
    """The closed-loop table and charts for ``by``; returns the table."""
    currency = exports.data_currency(sub)
    overrides = spend_editor(sub, by, currency=currency) if sub.spend is not None else {}
    table = memo("loop", lambda d, b, o: closed_loop(d, by=b, overrides=dict(o)), sub, by,
                 tuple(sorted(overrides.items())))
    exports.chart(charts.rates_chart(table, by=by), width="stretch")
    if table["cost"].is_not_null().any():
        metric = st.radio("Cost view", ["cac", "cost_per_lead", "cost_per_qualified"],
                          horizontal=True, key=f"leak:cost_metric:{by}",
                          format_func={"cac": "CAC", "cost_per_lead": "Cost per lead",
                                       "cost_per_qualified": "Cost per qualified lead"}.get)
        exports.chart(charts.cost_chart(table, by=by, metric=metric, currency=currency),
                      width="stretch")
    elif sub.spend is None:
        st.caption("Load a spend file on the Data page for cost per lead, CAC and return "
                   "on spend.")
    exports.table(table, hide_index=True, currency=currency,
                  labels={"rate": "win rate", "ci_low": "win rate 95% CI low",
                          "ci_high": "win rate 95% CI high"},
                  column_config={"roas": st.column_config.NumberColumn(
                      "return on spend", format="%.2f×")})
    st.caption("rank: by the shrunk win rate (small groups pulled toward the overall rate, "
               "so a group with a handful of leads cannot top the table). qualified = "
               f"reached SQL or later. cost shows {MISSING_TEXT} where no spend was matched (it "
               "is unknown, not zero). not settled: most of the group's leads are younger than "
               "the data's own time to a win, so its rate will still rise; do not rank it "
               "yet."
               + ("" if currency else " Amounts are in the currency of the export (it names "
                                      "none)."))
    return table


def compare_section(table: pl.DataFrame, by: str) -> None:
    """Compare two groups' win rates with a 95% interval on the ratio."""
    groups = table.filter(pl.col("leads") > 0)[by].to_list()
    if len(groups) < 2 or table["won"].is_null().all():
        return
    c = st.columns(2)
    a = c[0].selectbox("Compare", groups, index=0, key=f"leak:cmp_a:{by}")
    b = c[1].selectbox("with", groups, index=1, key=f"leak:cmp_b:{by}")
    if a != b:
        st.info(md_escape(compare_groups(table, by=by, a=a, b=b)["text"]))


def group_drill(sub, table: pl.DataFrame, by: str) -> None:
    """The leads of one group, for a trace."""
    groups = table[by].to_list()
    g = st.selectbox(f"Leads of one {md_escape(by)}", groups, key=f"leak:drill_group:{by}")
    leads = sub.leads
    if by in leads.columns:
        pick = (pl.col(by).is_null() if g == NONE_LABEL else
                label_key(pl.col(by)) == label_key(pl.lit(g)))
        leads = leads.filter(pick)
    lead_list(leads, key=f"leak:drill:{by}", title=f"Leads from {g}")
