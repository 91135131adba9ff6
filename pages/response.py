"""Speed to lead: time to first touch, conversion by response time, SLA and routing."""

import streamlit as st

from funnel import response as rsp
from funnel.charts import response as charts
from ui import response as ui
from ui import state

st.title("Speed to lead")


def main() -> None:
    """The page body; returns early (not ``st.stop``) so the app frame still runs."""
    ds = state.current_dataset()
    if not rsp.has_touch_times(ds.leads):
        st.info(ui.no_touch_times_message(ds), icon=":material/timer_off:")
        return

    c1, c2 = st.columns([1, 2])
    with c1:
        sla = ui.sla_input()
    with c2:
        clock = ui.clock_input()
    unit, u = ("business hours", "business h") if clock else ("hours", "h")
    ds, profile_col, profile_name = ui.profile_flag(ds, sample=state.is_sample())
    view = ui.SpeedView(ds, clock=clock, now=ui.memo("end", ds, (), lambda: rsp.export_end(ds)))
    summary, overall = view.summary(sla), view.sla(sla).row(0, named=True)
    n, ci = ds.leads.height, (overall["ci_low"], overall["ci_high"])
    m = st.columns(4)
    m[0].metric("Leads", f"{n:,}", help=f"Export's end (censoring time): {summary['export_end']}")
    m[1].metric("Never touched", ui.fmt_share(1 - summary["contacted_share"]),
                help=f"of {n:,} leads, by the export's end")
    m[2].metric("Median first touch", ui.fmt_hours(summary["median_hours_km"]),
                help=f"Kaplan–Meier median in {unit}, never-touched leads censored (95% CI "
                     f"{' – '.join(ui.fmt_hours(x) for x in summary['median_ci'])}); among "
                     f"touched leads only: {ui.fmt_hours(summary['median_hours'])}")
    m[3].metric("Within SLA", ui.fmt_share(overall["within_sla_share"]),
                help="Never-touched leads count as misses")
    never = overall["never"]
    st.caption(f"Within SLA ({sla:g} {u}): {overall['within_sla']:,} of {n:,} leads, 95% CI "
               f"{ui.fmt_share(ci[0])}–{ui.fmt_share(ci[1])} ({overall['not_yet_due']:,} recent "
               f"leads not yet due) · never touched: {never:,} of {n:,}, 95% CI "
               f"{ui.fmt_share(ui.wilson(never, n)[0])}–{ui.fmt_share(ui.wilson(never, n)[1])} "
               f"· clock: {summary['clock']}")

    wait, conv, sla_tab, route = st.tabs(["Waiting time", "Conversion by speed", "SLA", "Routing"])
    with wait:
        st.altair_chart(charts.response_histogram_chart(view.histogram(), sla_hours=sla))
        split = st.selectbox("Split the curve by", ["—", "owner", "source"], key="speed:split")
        by = split if split in ds.leads.columns else None
        st.altair_chart(charts.still_waiting_chart(view.curve(by), by=by, sla_hours=sla, unit=unit))
        st.dataframe(view.percentiles(by), hide_index=True)
    with conv:
        targets = [t for t, ok in (("qualified", rsp.has_stage_info(ds.leads)),
                                   ("won", "outcome" in ds.leads.columns)) if ok]
        target = st.radio("Rate", targets, horizontal=True, key="speed:target") if targets else None
        if target is None:
            st.info("No stages or outcomes: conversion by response time needs stage dates, a stage "
                    "column or deal outcomes.")
        else:
            fit = view.fit(target, profile_col)
            (st.warning if fit.story_changed_ else st.success)(fit.story_)
            if profile_name:
                st.caption(f"Adjusted for {' and '.join(fit.strata_[:-1]) or 'nothing else'} and "
                           f"fit to the profile “{profile_name}”.")
            st.altair_chart(charts.bucket_chart(fit.table_, target=target))
            st.altair_chart(charts.smooth_rate_chart(view.bins(), target=target, sla_hours=sla))
            bench = rsp.benchmark_comparison(view.buckets(), target=target)
            st.altair_chart(charts.benchmark_chart(bench))
            st.caption(" · ".join(f"{r['published_label']} (measured: {r['measured']})"
                                  for r in bench.to_dicts())
                       + f" · Your data: {bench['yours'][-1]:.1%} of leads never touched.")
        ui.bucket_drill(ds, clock=clock, now=view.now)
    with sla_tab:
        for by in [b for b in ("owner", "source") if b in ds.leads.columns] + ["weekday"]:
            st.altair_chart(charts.sla_chart(view.sla(sla, by), by=by,
                                             overall=overall["within_sla_share"]))
        st.altair_chart(charts.arrival_heatmap_chart(view.heat(sla)))
        st.altair_chart(charts.arrival_heatmap_chart(view.heat(sla), value="within_sla_share"))
        ui.loss_panel(view.loss(sla, profile_col), unit=unit)
    with route:
        ui.routing_panel(view, sla=sla, charts=charts)


main()
