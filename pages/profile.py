"""Profile fit: the lead sales can close vs the lead marketing sends vs what closes."""

import streamlit as st

from ui import state
from ui.format import md_escape
from ui.frame import require_frame
from ui.sections import profile as ui

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Profile fit")
st.caption("Sales describes the lead it can close, marketing its stated ICP; see how many of "
           "the leads sent meet each, whether meeting it predicts a win, and what the won "
           "leads actually look like.")
in_use = st.container()  # filled once this run's edits are applied

ds = state.current_dataset()
shared = state.is_shared_view()  # a viewer sees the saved profiles, and cannot change them
profiles = state.current_profiles()
# the profiles side by side, filled in once this run's edits are applied
boxes = [col.container(border=True) for col in st.columns(len(profiles))]

slot = st.segmented_control("Show" if shared else "Edit", list(range(len(profiles))),
                            default=0, key="profile_slot",
                            format_func=lambda i: list(profiles)[i]) or 0
left, right = st.columns([2, 3], gap="large")
with left:
    st.subheader("Criteria")
    if shared:
        ui.read_only_criteria(ui.fits(ds, profiles)[list(profiles)[slot]], slot)
        edited = list(profiles.values())[slot]
    else:
        ui.starting_points(ds, slot, sample=state.is_sample())
        edited = ui.editor(ds, ui.fits(ds, profiles)[list(profiles)[slot]], slot)

profiles = state.current_profiles()
fits = ui.fits(ds, profiles)
_, origin = state.profile_in_use()
with in_use:
    st.text(state.profile_in_use_line(ds))  # the name is the user's: never Markdown
    st.caption(f"{origin} The app uses the first profile below (sales' closable lead) on "
               "every page; the second is compared here only.")
for box, (name, f) in zip(boxes, fits.items(), strict=True):
    with box:
        ui.headline(name, f)
fit = fits[edited.name]
with right:
    st.subheader(f"Overlap · {md_escape(edited.name)}")
    a, b, c = st.columns(3)
    lo, hi = fit.share_ci_
    a.metric("Leads in profile", f"{fit.in_n_:,}", help=f"of {fit.n_:,} leads sent")
    b.metric("Share in profile", ui.pct(fit.share_),
             help=f"95% CI {ui.pct(lo)}–{ui.pct(hi)}")
    c.metric("Criteria", f"{len(edited.criteria)}",
             help="A lead is in profile when it meets every applied criterion")
    st.markdown(f"**{md_escape(ui.profile_verdict(fit))}**")
    if not edited.criteria:  # every lead fits an empty profile: no chart to draw
        st.info("No criteria in this profile, so it is not used." if shared else
                "Add criteria on the left (or start from a preset): every lead is in an "
                "empty profile, so it is not used.")
    else:
        ui.overlap_section(fit, key=f"ov:{slot}")

st.header("Sales asks · winners look like · marketing sends")
ui.learned_section(ds, fit, profiles)
