"""AppTest of the Funnel & leakage, Sources & cost and Lead trace pages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import funnel
from funnel.dataset.format import header
from tests.test_closed_loop import MESSY_LEADS, MESSY_SPEND
from ui.sections.funnel import VIEWS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
CAC = header("cac")


def _open(page: str, *, dataset=None, lead: str | None = None,
          view: str | None = None) -> AppTest:
    """``page`` run on ``dataset`` (the sample by default); ``view``: the Funnel page's
    open tab (``?view=``, as in a link)."""
    at = AppTest.from_file(APP, default_timeout=180)
    if dataset is not None:
        at.session_state["dataset"] = dataset
    at.run()
    at.switch_page(page)
    if lead is not None:
        at.query_params["lead"] = lead
    if view is not None:
        at.query_params["view"] = view
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def sample():
    return funnel.load_sample()


def test_app_leakage_funnel_page_shows_sample_funnel(sample):
    at = _open("pages/funnel.py")
    m = _metrics(at)
    assert m["lead"] == f"{sample.leads.height:,}"
    assert m["won"] == f"{int((sample.leads['outcome'] == 'won').sum()):,}"
    assert [h.value for h in at.header] == ["The funnel"]
    assert [t.label for t in at.tabs] == list(VIEWS)


@pytest.mark.parametrize("view", VIEWS)
def test_app_leakage_funnel_page_draws_only_the_open_view(view):
    at = _open("pages/funnel.py", view=view)
    drawn = [t.label for t in at.tabs if len(t.children)]
    assert drawn == [view]


def test_app_leakage_left_behind_view_counts_recycled_leads():
    at = _open("pages/funnel.py", view="Leads left behind")
    assert _metrics(at)["Recycled to marketing"] == "3,983"


def test_app_leakage_view_choice_kept_while_its_tab_is_closed():
    at = _open("pages/funnel.py", view="Side by side")
    at.selectbox(key="leak:by").set_value("campaign").run()
    at.query_params["view"] = "Velocity"
    at.run()
    assert not at.tabs[1].children  # Side by side is closed: its box is not drawn
    at.query_params["view"] = "Side by side"
    at.run()
    assert at.selectbox(key="leak:by").value == "campaign"


def test_app_leakage_funnel_table_drawn_only_when_opened():
    at = _open("pages/funnel.py")
    assert not any("step 95% CI low" in d.value.columns for d in at.dataframe)
    at.session_state["leak:funnel_table"] = True  # the fold opened (it reruns the page)
    at.run()
    table = next(d.value for d in at.dataframe if "step 95% CI low" in d.value.columns)
    assert int(table["leads reaching it"].iloc[0]) == 30_000


def test_app_leakage_source_filter_applies_to_every_view(sample):
    at = _open("pages/funnel.py", view="Leads left behind")
    at.multiselect(key="source").set_value(["Referrals"]).run()
    assert not at.exception, at.exception
    n = sample.leads.filter(pl.col("source") == "Referrals").height
    assert _metrics(at)["lead"] == f"{n:,}"
    assert any(f"{n:,} of 30,000 leads" in c.value for c in at.caption)
    drill = [m.value for m in at.markdown if m.value.startswith("**Leads ")]
    assert drill and all(int(d.split("· ")[1].split(" ")[0].replace(",", "")) <= n
                         for d in drill)


def test_app_leakage_filter_survives_page_change():
    at = _open("pages/funnel.py")
    at.multiselect(key="source").set_value(["Referrals"]).run()
    at.switch_page("pages/sources.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="source").value == ["Referrals"]
    assert any("1,775 of 30,000 leads" in c.value for c in at.caption)


def test_app_leakage_stalled_days_is_settable(sample):
    at = _open("pages/funnel.py", view="Leads left behind")
    before = _metrics(at)["Stalled > 30 days"]
    at.number_input(key="leak:stalled_days").set_value(180).run()
    after = _metrics(at)["Stalled > 180 days"]
    assert int(after.replace(",", "")) < int(before.replace(",", ""))


def test_app_leakage_sources_page_compares_with_interval():
    at = _open("pages/sources.py")
    text = [i.value for i in at.info if "converts" in i.value]
    assert text and "95% CI" in text[0]


def test_app_leakage_sources_says_where_a_campaign_only_spend_file_went(tmp_path):
    (tmp_path / "leads.csv").write_text(MESSY_LEADS)
    (tmp_path / "spend.csv").write_text(  # an ad platform's report: campaigns, no channel
        "Reporting starts,Campaign name,Amount spent (EUR)\n"
        "2025-11-01,Lookalike,1000.50\n2025-12-01,Retargeting,99.50\n")
    ds = funnel.load(tmp_path / "leads.csv", spend=tmp_path / "spend.csv")
    at = _open("pages/sources.py", dataset=ds)
    said = [i.value for i in at.info if "spend file has no source column" in i.value]
    # these leads have no campaign, so there is no other loop to point to
    assert said and "1,100" in said[0] and "closed loop by" not in said[0]


def test_app_leakage_sources_messy_spend_shows_matching_and_cac(tmp_path):
    (tmp_path / "leads.csv").write_text(MESSY_LEADS)
    (tmp_path / "spend.csv").write_text(MESSY_SPEND)
    ds = funnel.load(tmp_path / "leads.csv", spend=tmp_path / "spend.csv")
    at = _open("pages/sources.py", dataset=ds)
    matching = at.dataframe[0].value  # the editable matching table comes first
    assert list(matching["spend_label"]) == ["PAID-SEARCH (Google Ads)", "Paid  social ads",
                                             "Referral programme", "TV"]
    assert list(matching["matched"]) == ["Paid Search", "Paid Social", "Referrals",
                                         "(not matched)"]
    warn = [w.value for w in at.warning]
    assert any("10 of spend is not attributed" in w for w in warn)
    assert any(t.value == "Not attributed: TV" for t in at.text)  # client text: not Markdown
    loop = [d.value for d in at.dataframe if CAC in list(d.value.columns)]
    assert loop, "closed-loop table missing"
    cac = dict(zip(loop[0]["source"], loop[0][CAC], strict=True))
    # shown to the unit (the column's amounts reach 100; the download keeps 99.5)
    assert cac["Paid Search"] == 2000.0 and cac["Referrals"] == 100.0


def test_app_leakage_trace_from_query_param_masks_personal_fields(sample):
    lead = sample.leads.filter(pl.col("outcome") == "won")["lead_id"][0]
    at = _open("pages/trace.py", lead=lead)
    m = _metrics(at)
    assert m["Lead"] == lead and m["Outcome"] == "won"
    fields = at.dataframe[1].value
    email = fields.loc[fields["field"] == "Email", "value"].iloc[0]
    real = sample.leads.filter(pl.col("lead_id") == lead)["Email"][0]
    assert email != real and "@" not in email


def test_app_leakage_trace_grids_show_a_missing_value_as_a_dash(sample):
    lead = sample.leads.filter(pl.col("outcome") == "won")["lead_id"][0]
    at = _open("pages/trace.py", lead=lead)
    assert len(at.dataframe) == 2  # the events and all fields of the lead
    assert {d.proto.placeholder for d in at.dataframe} == {"—"}


def test_app_leakage_trace_unknown_lead_is_one_sentence():
    at = _open("pages/trace.py", lead="no-such-lead")
    assert [e.value for e in at.error] == ["No lead has the id 'no-such-lead'."]


def test_app_leakage_trace_picker_opens_a_lead(sample):
    at = _open("pages/trace.py")
    assert any("Choose a lead" in i.value for i in at.info)
    pick = sample.leads["lead_id"][5]
    at.selectbox(key="trace:pick").set_value(pick).run()
    assert _metrics(at)["Lead"] == pick
    assert at.query_params["lead"] == [pick] or at.query_params["lead"] == pick


def test_app_leakage_pages_work_on_olist(olist_dataset):
    for page in ("pages/funnel.py", "pages/sources.py"):
        at = _open(page, dataset=olist_dataset)
        assert not at.error


def test_app_leakage_sources_says_which_labels_were_merged(xed_dataset):
    at = _open("pages/sources.py", dataset=xed_dataset)
    merged = [i.value for i in at.info if "differ only in case" in i.value]
    assert merged and "'google' (5) → 'Google'" in merged[0]
    loop = next(d.value for d in at.dataframe if CAC in list(d.value.columns))
    assert int(loop.loc[loop["source"] == "Google", "leads"].iloc[0]) == 2873


def test_app_leakage_pages_work_without_dates(xed_dataset):
    at = _open("pages/funnel.py", dataset=xed_dataset, view="By month of entry")
    assert any("No creation dates" in i.value for i in at.info)
    assert _metrics(at)["lead"] == f"{xed_dataset.leads.height:,}"


NO_ACTIVITY_LEADS = ("lead_id,created_at,outcome\n"
                     "L1,2024-01-01,open\nL2,2024-01-02,open\nL3,2024-03-01,lost\n"
                     "L4,2024-03-02,won\n")


def test_app_leakage_funnel_without_activities_shows_no_stalled_count(write_file):
    ds = funnel.load(write_file("leads.csv", NO_ACTIVITY_LEADS))
    at = _open("pages/funnel.py", dataset=ds, view="Leads left behind")
    m = _metrics(at)
    assert (m["Never followed up"], m["Stalled"]) == ("—", "—")
    assert not any(label.startswith("Stalled >") for label in m)
    assert any("To see never-followed-up leads and stalled leads, load the CRM's activity "
               "export" in c.value for c in at.caption)


def test_app_leakage_velocity_without_any_median_says_so_instead_of_an_empty_chart(
        olist_dataset):
    at = _open("pages/funnel.py", dataset=olist_dataset, view="Velocity")
    assert any(i.value.startswith("No median time between stages yet") for i in at.info)
    assert not at.get("vega_lite_chart")[1:]  # only the funnel's chart


def test_app_leakage_olist_is_not_split_by_owner(olist_dataset):
    at = _open("pages/funnel.py", dataset=olist_dataset, view="Side by side")
    assert "owner" not in at.selectbox(key="leak:by").options
    assert any(c.value.startswith("Not split by owner: owner known for 842 of 8,000 leads "
                                  "(10.5%), all of them won") for c in at.caption)


def test_app_leakage_stops_table_keeps_open_leads_apart(sample):
    at = _open("pages/funnel.py")
    exits = next(d.value for d in at.dataframe if "stop rate" in list(d.value.columns))
    lead = exits.loc[exits["stage"] == "lead"].iloc[0]
    assert (int(lead["stopped (lost)"]), int(lead["still open"])) == (4403, 8314)


def test_app_leakage_empty_filter_result_says_so():
    at = _open("pages/funnel.py")
    # the sample's trade-show leads all arrive on 2026-03-16
    at.date_input(key="created").set_value((dt.date(2025, 11, 1), dt.date(2025, 11, 30)))
    at.multiselect(key="source").set_value(["Offline Sources"]).run()
    assert not at.exception, at.exception
    assert any("No lead matches" in w.value for w in at.warning)
    assert "lead" not in _metrics(at)


def test_app_leakage_reason_categories_merge_labels(sample):
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["leak:categories"] = {"Price too high": "Money", "No budget": "Money"}
    at.run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="leak:stop_stage").set_value("lead").run()
    reasons = at.selectbox(key="leak:stop_reason").options
    assert "Money" in reasons and "No budget" not in reasons
    at.selectbox(key="leak:stop_reason").set_value("Money").run()
    title = next(m.value for m in at.markdown if m.value.startswith("**Stopped at lead: Money"))
    lost = sample.leads.filter(pl.col("lost_reason").is_in(["Price too high", "No budget"])
                               & pl.col("mql_at").is_null() & (pl.col("outcome") == "lost"))
    assert f"{lost.height:,} leads" in title


def test_app_leakage_memo_keeps_few_filtered_datasets():
    at = _open("pages/sources.py")
    for src in ["Referrals", "Paid Search", "Paid Social", "Organic Search",
                "Direct Traffic", "Email Marketing"]:
        at.multiselect(key="source").set_value([src]).run()
        assert not at.exception, at.exception
    assert len(at.session_state["leak:filtered"]) <= 4
    assert len(at.session_state["leak:memo"]) <= 48


def test_leakage_filters_come_from_and_go_to_the_url():
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/funnel.py")
    at.query_params["source"] = "Referrals"
    at.query_params["created"] = "2025-11-01..2025-11-30"
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="source").value == ["Referrals"]
    assert at.date_input(key="created").value == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    at.multiselect(key="owner").set_value(["Lena Park"]).run()
    assert at.query_params["owner"] in ("Lena Park", ["Lena Park"])  # AppTest: a dict


def _result_tables(at: AppTest) -> list:
    """The page's read-only result tables (not the editors, not the lists of leads)."""
    return [d for d in at.dataframe
            if d.proto.editing_mode == 0 and "lead_id" not in list(d.value.columns)]


@pytest.mark.parametrize("page", ["pages/funnel.py", "pages/sources.py"])
def test_app_leakage_tables_have_plain_headers_and_whole_counts(page):
    at = _open(page)
    tables = _result_tables(at)
    assert tables
    for d in tables:
        assert not [c for c in d.value.columns if "_" in c], list(d.value.columns)
        config = json.loads(d.proto.columns)
        counts = [c for c, v in config.items()
                  if v.get("type_config", {}).get("format") == "localized"
                  and v["type_config"].get("step") == 1]
        for c in counts:
            values = d.value[c].dropna()
            assert (values == values.round()).all(), c
    editors = [d for d in at.dataframe if d.proto.editing_mode != 0]
    labels = [v.get("label", c) for d in editors for c, v in json.loads(d.proto.columns).items()
              if c != "_index"]
    assert not [x for x in labels if "_" in x]


def test_app_leakage_sources_table_shows_rates_as_percents_and_amounts_in_usd():
    loop = next(d for d in _result_tables(_open("pages/sources.py"))
                if CAC in list(d.value.columns))
    formats = {c: v["type_config"]["format"] for c, v in json.loads(loop.proto.columns).items()
               if "type_config" in v}
    assert formats["win rate"] == formats["win rate 95% CI low"] == "percent"
    assert formats["revenue"] == formats[CAC] == "dollar"  # the sample's deals are in USD
    assert formats["leads"] == "localized"


def test_app_leakage_tiny_interval_bound_is_not_shown_as_zero(olist_dataset):
    at = _open("pages/funnel.py", dataset=olist_dataset)  # no lead stopped: 0 of 8,000
    exits = next(d for d in at.dataframe if "stop rate" in list(d.value.columns))
    high = "stop rate 95% CI high"
    step = json.loads(exits.proto.columns)[high]["type_config"]["step"]
    assert step == 1e-4 and 0 < exits.value[high].iloc[0] <= 0.0005  # reads 0.05%, not 0.0%


def test_app_leakage_no_stopped_lead_says_so_instead_of_empty_reasons(olist_dataset):
    at = _open("pages/funnel.py", dataset=olist_dataset)
    assert any(i.value.startswith("No lead stopped (lost) in this view") for i in at.info)
    assert not [d for d in at.dataframe if "leads (this reason)" in list(d.value.columns)]


def test_app_leakage_reasons_by_source_table_drawn_when_unfolded(sample):
    at = _open("pages/funnel.py")
    assert not [d for d in at.dataframe if "leads (this reason)" in list(d.value.columns)]
    at.session_state["leak:reasons_by_open"] = True
    at.run()
    per = next(d.value for d in at.dataframe if "leads (this reason)" in list(d.value.columns))
    stopped = sample.leads.filter(pl.col("outcome") == "lost").height
    assert int(per["leads (this reason)"].sum()) == stopped  # every lead that stopped


def test_app_leakage_missing_median_reads_as_a_dash(olist_dataset):
    at = _open("pages/funnel.py", dataset=olist_dataset, view="Velocity")
    steps = next(d for d in at.dataframe if "median days" in list(d.value.columns))
    assert steps.value["median days"].isna().all()  # no step reached its median
    assert steps.proto.placeholder == "—"


def test_app_leakage_category_editor_unfolded_shows_the_saved_categories():
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["leak:categories"] = {"Price too high": "Money"}
    at.session_state["leak:categories_open"] = True
    at.run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception, at.exception
    editor = next(d.value for d in at.dataframe if d.proto.editing_mode != 0)
    said = dict(zip(editor["reason"], editor["category"], strict=True))
    assert said["Price too high"] == "Money" and said["No budget"] == ""
    assert at.session_state["leak:categories"] == {"Price too high": "Money"}
