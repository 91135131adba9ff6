"""AppTest of the Speed-to-lead page: sample figures, SLA change, clock, no-touch data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.profile.criteria import Criterion, Profile
from funnel.dataset.tables import Dataset
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/speed.py"


def _open(dataset: Dataset | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if dataset is not None:
        at.session_state["dataset"] = dataset
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def _tab(at: AppTest, label: str) -> AppTest:
    """Open a tab (stateful tabs are switched through their session-state key)."""
    at.session_state["view"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_app_response_sample_shows_planted_figures():
    at = _open()
    assert at.title[0].value == "Speed to lead"
    assert _metric(at, "Leads") == "30,000"
    assert _metric(at, "Never touched") == "15.1%"
    assert _metric(at, "Within SLA") == "25.8%"  # default SLA: 1 hour
    assert not at.success  # the conversion tab is not computed until it is opened
    _tab(at, "Conversion by speed")
    assert any("qualify 7.5× as often" in s.value for s in at.success)


def test_app_response_sla_change_moves_compliance():
    at = _open()
    before = _metric(at, "Within SLA")
    at.number_input(key="speed:sla").set_value(24.0).run()
    assert not at.exception, at.exception
    after = _metric(at, "Within SLA")
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    assert at.query_params["sla"] in ("24", ["24"])
    assert any("Within SLA (24 h): " in c.value for c in at.caption)


def test_app_response_business_hours_clock():
    at = _open()
    at.radio(key="speed:clock").set_value("Business hours").run()
    assert not at.exception, at.exception
    assert any("clock: Mon–Fri 08:00–18:00" in c.value for c in at.caption)
    # weekend and night leads no longer count against the team: compliance goes up
    assert float(_metric(at, "Within SLA").rstrip("%")) > 25.8


def test_app_response_estimate_is_labelled():
    at = _tab(_open(), "SLA")
    assert any(w.value.startswith("Estimate (not a measurement)") for w in at.warning)


def test_app_response_routing_tab_shows_unassigned_leads():
    at = _tab(_open(), "Routing")
    assert any("Unassigned leads:** 1,211 of 30,000" in m.value for m in at.markdown)


@pytest.mark.parametrize(("cols", "words"), [
    ({"created_at": [dt.datetime(2024, 1, 1)]}, "No first-touch times"),
    ({}, "No creation dates and no touch times"),
])
def test_app_response_without_touch_times_says_which_export(cols, words):
    leads = pl.DataFrame({"lead_id": ["a"], "outcome": ["won"], **cols})
    at = _open(Dataset(leads, None, None, None, [], None, None, "no touches"))
    assert any(words in i.value and "activity" in i.value for i in at.info)
    assert not at.get("arrow_vega_lite_chart")
    assert not at.metric


def test_app_response_olist_says_activities_would_enable_it(olist_dataset):
    at = _open(olist_dataset)
    n = f"{olist_dataset.leads.height:,}"
    assert any("No first-touch times" in i.value and f"of these {n} leads" in i.value
               and "activity log" in i.value for i in at.info)


def test_app_response_without_touch_times_names_no_dataset(olist_dataset, xed_dataset):
    for ds in (olist_dataset, xed_dataset):
        text = " ".join(i.value for i in _open(ds).info)
        assert text and not any(name in text for name in ("Olist", "X Education"))


def test_app_response_xeducation_says_dates_and_activities_needed(xed_dataset):
    at = _open(xed_dataset)
    assert any("No creation dates and no touch times" in i.value for i in at.info)


def test_app_response_bucket_drill_lists_masked_leads():
    at = _tab(_open(), "Conversion by speed")
    at.selectbox(key="speed:drill").set_value("never").run()
    assert not at.exception, at.exception
    assert any("Leads first touched: never** · 4,540 leads" in m.value for m in at.markdown)
    shown = at.dataframe[-1].value
    assert len(shown) == 1000  # first 1,000 of 4,540
    assert shown["Email"].astype(str).str.startswith("email-").all()  # masked by default


def test_app_response_business_hours_with_time_zones():
    at = _open()
    at.radio(key="speed:clock").set_value("Business hours").run()
    at.text_input(key="speed:tz").set_value("Europe/Berlin")
    at.text_input(key="speed:data_tz").set_value("UTC").run()
    assert not at.exception, at.exception
    assert any("clock: Mon–Fri 08:00–18:00 (Europe/Berlin)" in c.value for c in at.caption)
    at.text_input(key="speed:tz").set_value("Mars/Olympus").run()
    assert not at.exception, at.exception
    assert any("unknown time zone 'Mars/Olympus'" in e.value for e in at.error)


def _with_profiles(sales: Profile, marketing: Profile) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["profiles"] = {sales.name: sales, marketing.name: marketing}
    at.session_state["view"] = "Conversion by speed"
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


SOFTWARE = (Criterion("Industry", values=("Software",)),)


def test_app_response_uses_the_profile_in_use():
    at = _with_profiles(Profile("Sales: software", SOFTWARE), Profile("Marketing: stated ICP"))
    assert any("fit to the profile “Sales: software”" in c.value for c in at.caption)
    assert at.main.text[0].value.startswith("Profile in use: Sales: software, 1 criterion · ")


def test_app_response_ignores_a_marketing_profile_when_sales_has_none():
    at = _with_profiles(Profile("Sales: closable lead"),  # empty: no profile in use
                        Profile("Marketing: stated ICP", SOFTWARE))
    assert at.main.text[0].value == "No profile in use"
    assert not any("fit to the profile" in c.value for c in at.caption)


def test_app_response_says_when_touches_are_known_to_the_day_only(tmp_path):
    leads = "Lead ID,Created Date\n" + "".join(
        f"L{i},2025-01-{i % 20 + 2:02d} 10:{i % 60:02d}\n" for i in range(40))
    acts = "Lead ID,Activity Date,Type\n" + "".join(
        f"L{i},2025-01-{i % 20 + 3:02d},Call\n" for i in range(40))
    (tmp_path / "l.csv").write_text(leads)
    (tmp_path / "a.csv").write_text(acts)
    ds = build_dataset([("leads", read_file(tmp_path / "l.csv")),
                        ("activities", read_file(tmp_path / "a.csv"))],
                       now=dt.datetime(2025, 3, 1))
    at = _open(ds)
    assert any("known to the day only" in w.value for w in at.warning)


def test_app_response_sample_gives_no_day_only_warning():
    assert not any("known to the day only" in w.value for w in _open().warning)
