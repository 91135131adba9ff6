"""Diagnosis: where the handoff leaks — one card per place, quality vs handling, what-if."""

import polars as pl
import streamlit as st

from funnel.analyses.verdict import (
    mix_vs_handling,
    observed_shares,
    quality_handling,
    what_if,
)
from funnel.charts.verdict import decomposition_chart, quality_handling_chart
from funnel.dataset.format import amount_text, percent
from funnel.findings.summary import STATUS_LEGEND, verdict_summary
from ui import exports, state
from ui.format import md_escape
from ui.frame import require_frame
from ui.sections import diagnosis

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Diagnosis")
ds = state.current_dataset()
profile, note = diagnosis.stated_profile(ds)
st.caption(f"{ds.leads.height:,} leads from {md_escape(ds.label or 'the sample')}.")
st.text(state.profile_in_use_line(ds))  # the profile's name is the user's: never Markdown
st.caption(note)
memo = diagnosis.computed(ds, profile, fast_hours=1.0)
st.markdown(f"**{md_escape(verdict_summary(memo['cards']).text)}**")
st.caption(STATUS_LEGEND)
diagnosis.cards(memo["cards"], currency=exports.data_currency(ds))
diagnosis.takeaway(ds, profile, memo["cards"])

st.header("Quality or handling?")
flags = memo["flags"]
known = flags.filter(pl.col("fit").is_not_null() & pl.col("speed").is_not_null())
if known.height == 0:
    st.info("This needs a profile (Profile page) and first-touch times (an activities "
            "export) to split the blame between the leads and their handling.")
else:
    left, right = st.columns(2)
    with left:
        st.markdown("**Win rate by profile fit × first touch within 1 h** (bars: 95% CI; "
                    "numbers: leads)")
        exports.chart(quality_handling_chart(quality_handling(known)), key="dx:qh",
                      name="quality-vs-handling")
    with right:
        d = mix_vs_handling(known)
        if d is None:
            st.caption("Fewer than two sources with 100 leads: no gap to split.")
        else:
            st.markdown(f"**{md_escape(d.best)}** wins {d.best_rate:.1%} of {d.best_n:,} leads, "
                        f"**{d.worst}** {d.worst_rate:.1%} of {d.worst_n:,}. The gap, split:")
            exports.chart(decomposition_chart(d), key="dx:gap", name="source-gap")
            st.caption("Lead mix: different shares of in-profile leads. Handling: different "
                       "shares answered within 1 h. The rest: different rates for the same "
                       "kind of lead. Bars: 95% bootstrap intervals.")

st.header("Score and pipeline")
diagnosis.score_and_pipeline(ds)

st.header("What if")
shares = observed_shares(flags)
if shares["n"]:
    st.caption(f"Now: {percent(shares['fast'])} of {shares['n']:,} leads answered within 1 h"
               + (f", {percent(shares['in_profile'])} in profile" if shares["in_profile"]
                  is not None else "") + ". The sliders start there.")
    a, b = st.columns(2)
    fast = a.slider("Leads answered within 1 h", 0.0, 1.0, shares["fast"], 0.01,
                    format="percent", key="whatif:fast")
    fit = (b.slider("Leads in profile", 0.0, 1.0, shares["in_profile"], 0.01,
                    format="percent", key="whatif:fit")
           if shares["in_profile"] is not None else None)
    cost = float(ds.spend["cost"].sum()) if ds.spend is not None else None
    scenario = what_if(flags, fast_share=fast, in_profile_share=fit, cost=cost)
    unit = {"currency": exports.data_currency(ds)}
    exports.table(pl.DataFrame([{
        "measure": r["measure"], "n": r["n"],
        "observed": amount_text(r["observed"], money=r["measure"] in ("revenue", "cac"), **unit),
        "scenario (95% CI)": amount_text(  # lead volume is kept as observed: no interval
            r["scenario"], (r["ci_low"], r["ci_high"]) if r["measure"] != "leads" else None,
            money=r["measure"] in ("revenue", "cac"), **unit),
        "change": amount_text(r["change"], money=r["measure"] in ("revenue", "cac"),
                              signed=True, **unit),
    } for r in scenario.to_dicts()]), key="dx:whatif", name="what-if", hide_index=True)
    st.caption("A scenario from the observed rate of each source × profile fit × speed "
               "cell, at the observed lead volume (n: leads): not a forecast. Moving a "
               "slider moves the same fraction of every source's leads. At 100% answered "
               "within 1 h the change is the speed card's amount at stake, an upper bound.")
else:
    st.info("This needs first-touch times (an activities export).")
