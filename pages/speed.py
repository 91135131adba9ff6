"""Speed to lead: time to first touch, conversion by response time, SLA and routing."""

import streamlit as st

from funnel.analyses.speed.times import has_touch_times
from funnel.charts import response as charts
from funnel.dataset.format import duration_text, share_text
from funnel.dataset.tables import export_end
from funnel.stats.intervals import wilson
from ui import state
from ui.frame import require_frame
from ui.memo import memo
from ui.sections import speed as ui

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Speed to lead")


def main() -> None:
    """The page body; returns early (not ``st.stop``) so the app frame still runs."""
    ds = state.current_dataset()
    if not has_touch_times(ds.leads):
        st.info(ui.no_touch_times_message(ds), icon=":material/timer_off:")
        return

    c1, c2 = st.columns([1, 2])
    with c1:
        sla = ui.sla_input()
    with c2:
        clock = ui.clock_input()
    unit, u = ("business hours", "business h") if clock else ("hours", "h")
    ds, profile_col, profile_name = ui.profile_flag(ds)
    view = ui.SpeedView(ds, clock=clock, now=memo("end", export_end, ds, _store=ui.MEMO_KEY))
    summary, overall = view.summary(), view.sla(sla).row(0, named=True)
    n, ci = ds.leads.height, (overall["ci_low"], overall["ci_high"])
    m = st.columns(4)
    m[0].metric("Leads", f"{n:,}", help=f"Export's end (censoring time): {summary['export_end']}")
    m[1].metric("Never touched", share_text(1 - summary["contacted_share"]),
                help=f"of {n:,} leads, by the export's end")
    m[2].metric("Median first touch", duration_text(summary["median_hours_km"]),
                help=f"Kaplan–Meier median in {unit}, never-touched leads censored (95% CI "
                     f"{' – '.join(duration_text(x) for x in summary['median_ci'])}); among "
                     f"touched leads only: {duration_text(summary['median_hours'])}")
    m[3].metric("Within SLA", share_text(overall["within_sla_share"]),
                help="Never-touched leads count as misses")
    never = overall["never"]
    st.caption(f"Within SLA ({sla:g} {u}): {overall['within_sla']:,} of {n:,} leads, 95% CI "
               f"{share_text(ci[0])}–{share_text(ci[1])} ({overall['not_yet_due']:,} recent "
               f"leads not yet due) · never touched: {never:,} of {n:,}, 95% CI "
               f"{share_text(wilson(never, n)[0])}–{share_text(wilson(never, n)[1])} "
               f"· clock: {summary['clock']}")
    ui.by_day_note(ds)

    # stateful tabs: only the open one is computed and drawn (``?view=`` keeps it in links)
    tabs = st.tabs(ui.TABS, key="view", bind="query-params")
    bodies = (lambda: ui.waiting_tab(view, sla=sla, unit=unit, charts=charts),
              lambda: ui.conversion_tab(view, sla=sla, profile=profile_col,
                                        profile_name=profile_name, charts=charts),
              lambda: ui.sla_tab(view, sla=sla, unit=unit, profile=profile_col, charts=charts),
              lambda: ui.routing_panel(view, sla=sla, charts=charts))
    for tab, body in zip(tabs, bodies, strict=True):
        if tab.open is not False:
            with tab:
                body()


main()
