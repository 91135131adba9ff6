"""AppTest of the Profile fit page: presets, live edits, files, learned profile, drill-down."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Profile
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.split import learned_split
from funnel.dataset.format import header
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def _open(dataset=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if dataset is not None:
        at.session_state["dataset"] = dataset
    at.run()
    at.switch_page("pages/profile.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _small_upload():
    rows = "".join(f"{i},2024-01-{i % 28 + 1:02d},{'Ads' if i % 2 else 'SEO'},"
                   f"{'Software' if i % 3 else 'Retail'},{'won' if i % 4 == 0 else 'lost'}\n"
                   for i in range(1, 61))
    csv = ("lead_id,created_at,source,Industry,outcome\n" + rows).encode()
    return build_dataset([("leads", read_file(csv, name="leads.csv"))])


def _metric(at: AppTest, label: str, nth: int = 0) -> str:
    return [m.value for m in at.metric if m.label == label][nth]


def _button(at: AppTest, start: str):
    return next(b for b in at.button if b.label.startswith(start))


def _sample_preset(at: AppTest) -> AppTest:
    _button(at, "Sample").click().run()
    assert not at.exception, at.exception
    return at


def test_profile_page_opens_the_sample_with_its_documented_sales_profile():
    at = _open()
    profiles = at.session_state["profiles"]
    assert list(profiles) == ["Sales: closable lead", "Marketing: stated ICP"]
    assert profiles["Sales: closable lead"].criteria == SAMPLE_SALES_PROFILE.criteria
    assert _metric(at, "In profile", 0) == "5.8%"
    assert _metric(at, "In profile", 1) == "100.0%"
    assert _metric(at, "Leads in profile") == "1,744"


def test_profile_page_opens_an_upload_with_two_empty_profiles():
    at = _open(_small_upload())
    assert [p.criteria for p in at.session_state["profiles"].values()] == [(), ()]
    assert _metric(at, "In profile", 0) == "100.0%"
    assert [t.value for t in at.main.text][0] == "No profile in use"


def test_profile_page_sample_preset_shows_planted_overlap_and_win_rates():
    at = _sample_preset(_open())
    assert _metric(at, "In profile") == "5.8%"
    assert (_metric(at, "Win rate in"), _metric(at, "Win rate out")) == ("11.7%", "2.5%")
    assert _metric(at, "Leads in profile") == "1,744"
    assert any("separates winners" in m.value for m in at.markdown)


def test_profile_page_editing_a_value_changes_the_overlap():
    at = _sample_preset(_open())
    industry = next(m for m in at.multiselect if m.label == "Industry")
    industry.unselect("Financial Services").run()
    assert _metric(at, "Leads in profile") != "1,744"
    stored = at.session_state["profiles"]["Sales: closable lead"]
    assert stored.criteria[0].values == ("Software",)


def test_profile_page_editing_a_range_changes_the_overlap():
    at = _sample_preset(_open())
    before = int(_metric(at, "Leads in profile").replace(",", ""))
    at.number_input[1].set_value(5000).run()
    after = int(_metric(at, "Leads in profile").replace(",", ""))
    assert after > before
    assert at.session_state["profiles"]["Sales: closable lead"].criteria[1].max == 5000


def test_profile_page_yes_no_criterion_can_accept_either():
    at = _sample_preset(_open())
    at.radio[0].set_value("either").run()
    crit = at.session_state["profiles"]["Sales: closable lead"].criteria[2]
    assert set(crit.values) == {True, False}


def test_profile_page_add_and_remove_a_criterion():
    at = _open()
    _button(at, "Clear").click().run()
    next(s for s in at.selectbox if s.label == "Add a criterion on").set_value("Industry").run()
    _button(at, "Add").click().run()
    assert len(at.session_state["profiles"]["Sales: closable lead"].criteria) == 1
    assert _metric(at, "In profile") != "100.0%"
    next(b for b in at.button if b.help == "Remove this criterion").click().run()
    assert at.session_state["profiles"]["Sales: closable lead"].criteria == ()


def test_profile_page_learned_profile_as_starting_point():
    at = _open()
    _button(at, "Start from what closes").click().run()
    p = at.session_state["profiles"]["Sales: closable lead"]
    assert {c.field for c in p.criteria} == {"Budget Confirmed", "Industry",
                                             "Number of Employees", "Job Title"}
    assert p.name == "Sales: closable lead"


def test_profile_page_learned_preset_says_where_it_was_learned_and_judged():
    at = _open()
    _button(at, "Start from what closes").click().run()
    split = learned_split(at.session_state["profiles"]["Sales: closable lead"])
    learned_on, judged_on = split["learned_on"], split["judged_on"]
    assert learned_on + judged_on == 30_000
    assert any(f"{learned_on:,} leads" in c.value and f"other {judged_on:,}" in c.value
               for c in at.caption)
    verdict = next(m.value for m in at.markdown if "separates winners" in m.value)
    assert f"among the {judged_on:,} leads it was not learned from" in verdict


def test_profile_page_learned_preset_once_edited_is_judged_on_every_lead():
    at = _open()
    _button(at, "Start from what closes").click().run()
    industry = next(m for m in at.multiselect if m.label == "Industry")
    industry.unselect("Financial Services").run()
    assert learned_split(at.session_state["profiles"]["Sales: closable lead"]) is None
    assert not any("not learned from" in m.value for m in at.markdown)


def test_profile_page_learned_section_is_measured_on_the_other_half():
    at = _open()
    assert any("every ratio below is measured on the other" in c.value for c in at.caption)
    at.session_state["prof:all_values"] = True  # "All values, …" unfolded: its tables drawn
    at.run()
    lift, leads = header("judged_lift"), header("judged_leads")  # as the table shows them
    table = next(d.value for d in at.dataframe if lift in d.value.columns)
    assert (table[leads] > 0).all() and "(missing)" not in set(table[header("value")])


def test_profile_page_all_values_drawn_only_when_unfolded():
    at = _open()
    lift = header("judged_lift")
    assert not any(lift in d.value.columns for d in at.dataframe)


def test_profile_page_loads_a_profile_file_into_the_marketing_slot():
    at = _open()
    at.segmented_control[0].set_value(1).run()
    text = json.dumps({"name": "Marketing ICP", "criteria": [
        {"field": "Industry", "in": ["software", "Retail"]},
        {"field": "Budget Confirmed", "in": [True]}]})
    loader = next(u for u in at.file_uploader if "profile" in u.label.lower())
    loader.set_value(("icp.profile.json", text.encode(), "application/json")).run()
    assert not at.exception, at.exception
    assert list(at.session_state["profiles"]) == ["Sales: closable lead", "Marketing ICP"]
    assert _metric(at, "In profile", 1) != "100.0%"


def test_profile_page_bad_profile_file_gets_a_plain_message():
    at = _open()
    loader = next(u for u in at.file_uploader if "profile" in u.label.lower())
    loader.set_value(("bad.profile.json", b"{nope", "application/json")).run()
    assert any("not valid JSON" in e.value for e in at.error)


def test_profile_page_reports_a_criterion_on_a_missing_field():
    at = _open()
    at.session_state["profiles"] = {
        "Sales: closable lead": SAMPLE_SALES_PROFILE.with_criterion(
            SAMPLE_SALES_PROFILE.criteria[0].__class__("Purchase Authority", values=("CFO",))
        ).renamed("Sales: closable lead"),
        "Marketing: stated ICP": Profile("Marketing: stated ICP")}
    at.run()
    assert any("Purchase Authority" in w.value and "no field" in w.value for w in at.warning)
    assert _metric(at, "In profile") == "5.8%"  # the other four still apply


def test_profile_page_drill_down_lists_in_profile_leads_masked():
    at = _sample_preset(_open())
    next(s for s in at.selectbox if s.label == "Which leads").set_value("In profile").run()
    assert any("1,744 leads" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "Email" in d.value.columns)
    assert not table["Email"].str.contains("@").any()


def test_profile_page_compares_stated_and_learned():
    at = _sample_preset(_open())
    table = next(d.value for d in at.dataframe if "winners look like" in d.value.columns)
    row = table[table["attribute"] == "Industry"].iloc[0]
    assert "Software" in row["winners look like"]
    assert row["Sales: closable lead"] == "Software or Financial Services"


def test_profile_page_on_x_education(xed_dataset):
    at = _open(xed_dataset)
    at.session_state["profiles"] = {
        "Sales: closable lead": Profile.from_dict({"name": "Sales: closable lead", "criteria": [
            {"field": "What is your current occupation", "in": ["Working Professional"]},
            {"field": "Lead Source", "in": ["Reference", "Welingak Website"]}]}),
        "Marketing: stated ICP": Profile("Marketing: stated ICP")}
    at.run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert _metric(at, "Leads in profile") == "182"
    assert (_metric(at, "Win rate in"), _metric(at, "Win rate out")) == ("95.6%", "37.4%")


def test_profile_page_on_x_education_offers_no_id_and_learns_no_outcome_field(xed_dataset):
    at = _open(xed_dataset)
    fields = next(s for s in at.selectbox if s.label == "Add a criterion on").options
    assert "Lead Number" not in fields and "Lead Origin" in fields
    _button(at, "Start from what closes").click().run()
    p = at.session_state["profiles"]["Sales: closable lead"]
    assert p.criteria and not {c.field for c in p.criteria} & {
        "Lead Profile", "Lead Quality", "Tags", "source", "Lead Origin", "Lead Number"}
    at.session_state["prof:all_values"] = True  # the fields left out, unfolded
    at.run()
    left_out = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    reason = dict(zip(left_out["attribute"], left_out["reason"], strict=True))
    assert reason["Lead Profile"].startswith("filled for")
    assert reason["Lead Number"].startswith("an id")


def test_profile_page_on_olist_ranks_origins_and_landing_pages_but_learns_no_profile(
        olist_dataset):
    at = _open(olist_dataset)
    assert not [b for b in at.button if b.label.startswith("Sample")]  # no sample fields
    table = next(d.value for d in at.dataframe if "winners look like" in d.value.columns)
    assert {"source", "campaign"} <= set(table["attribute"])
    assert "unknown" not in " ".join(table["winners look like"])  # a missing origin
    # only origins and landing pages separate winners: no profile to judge them by
    _button(at, "Start from what closes").click().run()
    assert at.session_state["profiles"]["Sales: closable lead"].criteria == ()
    assert any("channel fields aside" in i.value for i in at.info)


def test_profile_page_starts_from_a_shared_workspaces_profiles():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["shared_profiles"] = [SAMPLE_SALES_PROFILE.to_dict()]
    at.run()
    at.switch_page("pages/profile.py")
    at.run()
    assert not at.exception, at.exception
    assert list(at.session_state["profiles"]) == ["Sales: closable lead",
                                                  "Marketing: stated ICP"]
    assert _metric(at, "In profile") == "5.8%"


def test_profile_page_drill_down_per_source():
    at = _sample_preset(_open())
    which = next(s for s in at.selectbox if s.label == "Which leads")
    which.set_value("In profile · source Referrals").run()
    assert any("· 326 leads" in m.value for m in at.markdown)


# --- one profile in use, named alike everywhere ------------------------------------------


def _in_use_lines(at: AppTest) -> list[str]:
    return [t.value for t in at.text if t.value.startswith(("Profile in use", "No profile"))]


def test_profile_in_use_is_named_alike_on_every_page_of_the_sample():
    n = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample()).in_n_
    line = ("Profile in use: Sales: closable lead, 4 criteria · "
            f"{n:,} of 30,000 leads in profile")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()  # the Diagnosis page, in the frame: the sidebar shows the profile too
    assert not at.exception, at.exception
    assert [t.value for t in at.sidebar.text] == [line]
    assert _in_use_lines(at) == [line, line]  # sidebar and Diagnosis
    for page in ("pages/profile.py", "pages/speed.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert [t.value for t in at.main.text if t.value.startswith("Profile in use")] == [line]
    at.switch_page("pages/profile.py").run()
    assert _metric(at, "Leads in profile") == f"{n:,}"


def test_profile_in_use_cleared_on_the_profile_page_is_gone_everywhere():
    at = _open()
    _button(at, "Clear").click().run()
    assert _in_use_lines(at) == ["No profile in use"]
    at.switch_page("pages/diagnosis.py").run()
    assert _in_use_lines(at) == ["No profile in use"]
    assert any("learned on half the leads" in c.value for c in at.caption)
    at.switch_page("pages/speed.py").run()
    assert _in_use_lines(at) == ["No profile in use"]


def _leave_the_sample_script():
    import streamlit as st  # noqa: PLC0415  (AppTest runs this function alone)

    from funnel.ingest.build import build_dataset  # noqa: PLC0415
    from funnel.ingest.readers import read_file  # noqa: PLC0415
    from ui import state  # noqa: PLC0415

    before = state.profile_in_use()[0]
    csv = (b"lead_id,created_at,Industry,outcome\n"
           b"1,2024-01-02,Software,won\n2,2024-01-03,Retail,lost\n")
    state.set_dataset(build_dataset([("leads", read_file(csv, name="leads.csv"))]))
    st.text(f"{before.name if before else None} -> {state.profile_in_use()[0]}")


def test_profile_in_use_is_dropped_when_an_upload_replaces_the_sample():
    at = AppTest.from_function(_leave_the_sample_script, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.text[0].value == "Sales: closable lead -> None"


def test_profile_page_a_group_without_leads_says_so_not_an_empty_interval():
    at = _open()  # the second profile is empty: every lead in it, none out
    captions = [c.value for c in at.main.caption]
    assert "no leads" in captions
    assert "204 of 1,744 · 95% CI 10.3%–13.3%" in captions
    assert not any("——" in c or "CI —" in c for c in captions)
