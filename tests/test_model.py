"""Tests of funnel.model: typing, validation, linking, outcomes and the health report."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.dataset.errors import InputError
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Capability
from funnel.ingest import columns
from funnel.ingest.build import build_dataset, load
from funnel.ingest.checks import FOLLOW_UP, OWNERS, capabilities, field_coverage, lead_warnings
from funnel.ingest.readers import ROW, read_file

NOW = dt.datetime(2025, 1, 1)
D = dt.datetime

LEADS = (
    "lead_id,created_at,source\n"
    "L1,2024-01-01 09:00,Ads\n"
    "L2,2024-01-02 09:00,Ads\n"
    "L3,2024-01-03 09:00,SEO\n"
    "L4,2024-01-04 09:00,SEO\n"
)


@pytest.fixture
def load_texts(write_file):
    """``load_texts(leads=..., deals=..., ...)``: write the CSV texts and load them."""

    def _load(leads: str = LEADS, *, mapping: Mapping | None = None, now: dt.datetime = NOW,
              **others: str):
        paths = {role: write_file(f"{role}.csv", text) for role, text in others.items()}
        return load(write_file("leads.csv", leads), mapping=mapping, now=now, **paths)

    return _load


def _outcomes(ds) -> dict[str, str | None]:
    return dict(ds.leads.select("lead_id", "outcome").iter_rows())


def _warning_codes(ds) -> list[str]:
    return [w.code for w in ds.health.warnings]


def _rejected(ds) -> list[tuple[str, int, str]]:
    return [tuple(r) for r in ds.health.rejected.iter_rows()]


# --- the real exports -----------------------------------------------------------------


def test_load_olist_gives_8000_leads(olist_dataset):
    assert olist_dataset.leads.height == 8000


def test_load_olist_gives_842_won(olist_dataset):
    assert int((olist_dataset.leads["outcome"] == "won").sum()) == 842


def test_load_olist_counts_leads_without_deal_as_open(olist_dataset):
    assert olist_dataset.leads["outcome"].value_counts(sort=True).rows() == [
        ("open", 7158), ("won", 842)]


def test_load_olist_owners_are_partial_known_only_for_won_leads(olist_dataset):
    cap = olist_dataset.health.capability(OWNERS)
    assert (cap.status, cap.outcome_dependent) == ("partial", True)
    assert cap.reason.startswith("owner known for 842 of 8,000 leads (10.5%), all of them won")


def test_load_olist_rejects_nothing(olist_dataset):
    assert olist_dataset.health.rows_rejected == 0


def test_load_olist_warns_of_deal_won_before_lead_created(olist_dataset):
    found = [w for w in olist_dataset.health.warnings if w.code == "won_before_created"]
    assert found and found[0].count >= 1


def test_load_x_education_gives_9240_leads(xed_dataset):
    assert xed_dataset.leads.height == 9240


def test_load_x_education_gives_3561_won(xed_dataset):
    assert int((xed_dataset.leads["outcome"] == "won").sum()) == 3561


def test_load_x_education_turns_select_into_missing(xed_dataset):
    assert "Select" not in xed_dataset.leads["Specialization"].to_list()


def test_load_x_education_reports_time_analyses_unavailable(xed_dataset):
    caps = {c.analysis: c.available for c in xed_dataset.health.capabilities}
    assert (caps["Trends by month and cohorts"], caps["Response time (speed to lead)"],
            caps["Win rate and conversion"]) == (False, False, True)


@pytest.mark.parametrize("fixture", ["olist_dataset", "xed_dataset"])
def test_load_real_export_accounts_for_every_row(request, fixture):
    health = request.getfixturevalue(fixture).health
    assert all(f.rows_read == f.rows_kept + f.rows_rejected for f in health.files)


# --- rejected rows and row accounting -------------------------------------------------

BAD_LEADS = (
    "lead_id,created_at,source\n"
    "L1,2024-01-01,Ads\n"
    "L2,2024-01-02,Ads\n"
    ",2024-01-03,SEO\n"
    "L4,,SEO\n"
    "L5,32/01/2024,SEO\n"
    "L6,2024-01-06\n"
)


def test_build_dataset_rejects_rows_missing_required_fields(load_texts):
    ds = load_texts(BAD_LEADS)
    assert _rejected(ds) == [
        ("leads.csv", 4, "lead_id is empty"),
        ("leads.csv", 5, "created_at is empty"),
        ("leads.csv", 6, "created_at '32/01/2024' cannot be read like the rest of the column "
                         "(year-month-day)"),
        ("leads.csv", 7, "the row has 2 fields but the header has 3"),
    ]


def test_build_dataset_keeps_rows_that_can_be_used(load_texts):
    assert load_texts(BAD_LEADS).leads["lead_id"].to_list() == ["L1", "L2"]


def test_build_dataset_keeps_file_row_numbers_on_leads(load_texts):
    assert load_texts(BAD_LEADS).leads[ROW].to_list() == [2, 3]


def test_build_dataset_keeps_file_row_numbers_on_leads_linked_to_deals(load_texts):
    ds = load_texts(deals="deal_id,lead_id,outcome\nD1,L2,won\n")
    assert ds.leads[ROW].to_list() == [2, 3, 4, 5]


def test_build_dataset_accounts_for_every_row_per_file(load_texts):
    ds = load_texts(BAD_LEADS, deals="deal_id,lead_id,outcome\nD1,L1,won\nD2,L9,won\n,L1,won\n",
                    activities="lead_id,at\nL1,2024-01-02\nL1,\nL8,2024-01-02\n")
    assert [(f.name, f.rows_read, f.rows_kept, f.rows_rejected) for f in ds.health.files] == [
        ("leads.csv", 6, 2, 4), ("deals.csv", 3, 2, 1), ("activities.csv", 3, 1, 2)]


def test_build_dataset_totals_rows_read_as_kept_plus_rejected(load_texts):
    health = load_texts(BAD_LEADS, deals="deal_id,lead_id\nD1,L1\nD2,L9\n").health
    assert (health.rows_read, health.rows_kept, health.rows_rejected) == (8, 4, 4)


def test_build_dataset_rejected_frame_has_file_row_reason(load_texts):
    assert load_texts(BAD_LEADS).health.rejected.schema == pl.Schema(
        {"file": pl.String, "row": pl.Int64, "reason": pl.String})


def test_build_dataset_refuses_when_every_lead_is_rejected(load_texts):
    with pytest.raises(InputError, match=r"^No lead could be kept: .*lead_id is empty"):
        load_texts("lead_id,created_at\n,2024-01-01\n,2024-01-02\n")


def test_build_dataset_leaves_unreadable_optional_values_empty_with_warning(load_texts):
    ds = load_texts(deals="deal_id,lead_id,amount\nD1,L1,100\nD2,L2,lots\n",
                    mapping=Mapping(deals={"amount": "amount"}))
    warning = next(w for w in ds.health.warnings if w.code == "unreadable_values")
    assert (warning.count, ds.deals["amount"].to_list()) == (1, [100.0, None])


# --- warnings -------------------------------------------------------------------------


def test_build_dataset_warns_of_duplicate_ids(load_texts):
    ds = load_texts(LEADS + "L1,2024-01-05 09:00,Ads\n")
    warning = next(w for w in ds.health.warnings if w.code == "duplicate_ids")
    assert (warning.count, ds.leads.height) == (2, 5)


@pytest.mark.parametrize(("ids", "rounded"), [(("5.12346E+10", "5.12346E+10"), True),
                                               (("L1", "L1"), False)])
def test_build_dataset_says_when_shared_ids_were_rounded_by_a_spreadsheet(load_texts, ids,
                                                                          rounded):
    leads = "lead_id,created_at,source\n" + "".join(f"{i},2024-01-0{n + 1},Ads\n"
                                                   for n, i in enumerate(ids))
    ds = load_texts(leads)
    warning = next(w for w in ds.health.warnings if w.code == "duplicate_ids")
    assert ("rounded by a spreadsheet" in warning.message) == rounded


def test_build_dataset_warns_of_first_response_before_creation(load_texts):
    ds = load_texts(activities="lead_id,at\nL1,2023-12-31 09:00\nL2,2024-01-02 10:00\n")
    warning = next(w for w in ds.health.warnings if w.code == "response_before_created")
    assert warning.count == 1


def test_build_dataset_warns_of_won_before_created(load_texts):
    ds = load_texts(deals="deal_id,lead_id,won_at\nD1,L1,2023-06-01\nD2,L2,2024-06-01\n")
    warning = next(w for w in ds.health.warnings if w.code == "won_before_created")
    assert warning.count == 1


@pytest.mark.parametrize(("now", "count"), [(D(2024, 1, 1), 3), (D(2024, 1, 3), 1),
                                            (D(2025, 1, 1), 0)])
def test_build_dataset_warns_of_dates_in_the_future_of_now(load_texts, now, count):
    found = [w.count for w in load_texts(now=now).health.warnings if w.code == "future_dates"]
    assert sum(found) == count


def test_build_dataset_warns_of_missing_outcome(load_texts):
    ds = load_texts("lead_id,created_at,outcome\nL1,2024-01-01,won\nL2,2024-01-02,\n")
    warning = next(w for w in ds.health.warnings if w.code == "missing_outcome")
    assert warning.count == 1


def test_build_dataset_warns_of_unknown_outcome_labels(load_texts):
    ds = load_texts("lead_id,created_at,outcome\nL1,2024-01-01,won\nL2,2024-01-02,maybe\n")
    warning = next(w for w in ds.health.warnings if w.code == "unknown_outcome")
    assert (warning.count, "'maybe'" in warning.message) == (1, True)


def test_build_dataset_warns_nothing_on_clean_data(load_texts):
    assert _warning_codes(load_texts("lead_id,created_at,outcome\nL1,2024-01-01,won\n")) == []


# --- outcomes from deals --------------------------------------------------------------

DEALS = (
    "deal_id,lead_id,outcome,amount,closed_at\n"
    "D1,L1,Closed Won,100,2024-02-01\n"
    "D2,L1,Closed Lost,50,2024-02-02\n"
    "D3,L2,Closed Lost,10,2024-02-03\n"
    "D4,L2,Closed Lost,20,2024-02-04\n"
    "D5,L3,Open,5,\n"
    "D6,L3,Closed Lost,5,2024-02-05\n"
)


@pytest.mark.parametrize(
    ("lead", "outcome"),
    [("L1", "won"), ("L2", "lost"), ("L3", "open"), ("L4", "open")],
    ids=["any-deal-won", "all-deals-lost", "a-deal-open", "no-deal"],
)
def test_build_dataset_derives_lead_outcome_from_deals(load_texts, lead, outcome):
    assert _outcomes(load_texts(deals=DEALS))[lead] == outcome


def test_build_dataset_takes_outcome_from_deals_over_the_leads_own_flag(load_texts):
    # Salesforce: IsConverted=true means the lead became an opportunity, not a win
    leads = "Lead ID,Created Date,IsConverted\nL1,2024-01-01,true\nL2,2024-01-02,true\n"
    deals = "deal_id,lead_id,outcome\nD1,L1,Closed Lost\n"
    assert _outcomes(load_texts(leads, deals=deals)) == {"L1": "lost", "L2": "open"}


def test_build_dataset_counts_deals_per_lead(load_texts):
    ds = load_texts(deals=DEALS)
    assert ds.leads["deals"].to_list() == [2, 2, 2, 0]


def test_build_dataset_takes_won_deal_close_date_and_amount(load_texts):
    row = load_texts(deals=DEALS).leads.filter(pl.col("lead_id") == "L1")
    assert row.select("closed_at", "amount").row(0) == (D(2024, 2, 1), 100.0)


@pytest.mark.parametrize(
    ("deals", "outcome"),
    [
        ("deal_id,lead_id,won_at\nD1,L1,2024-03-01\n", "won"),
        ("deal_id,lead_id,lost_at\nD1,L1,2024-03-01\n", "lost"),
        ("deal_id,lead_id,stage\nD1,L1,Closed Won\n", "won"),
        ("deal_id,lead_id,stage\nD1,L1,Proposal\n", "open"),
        ("deal_id,lead_id,Deal - Status\nD1,L1,lost\n", "lost"),
    ],
)
def test_build_dataset_derives_deal_outcome_from_its_fields(load_texts, deals, outcome):
    assert _outcomes(load_texts(deals=deals))["L1"] == outcome


def test_build_dataset_marks_lead_with_loss_reason_lost(load_texts):
    ds = load_texts("lead_id,created_at,lost_reason\nL1,2024-01-01,No budget\nL2,2024-01-02,\n",
                    deals="deal_id,lead_id\nD1,L9\n")
    assert _outcomes(ds) == {"L1": "lost", "L2": "open"}


SF_LEADS = (
    "Lead ID,Created Date,Lead Source,Converted Opportunity ID\n"
    "00Q1,2024-01-01,Web,0061\n"
    "00Q2,2024-01-02,Web,0062\n"
    "00Q3,2024-01-03,Event,\n"
)
SF_OPPS = (
    "Opportunity ID,StageName,IsWon,CloseDate,Amount\n"
    "0061,Closed Won,true,2024-03-01,\"1,000\"\n"
    "0062,Closed Lost,false,2024-03-02,500\n"
)


def test_build_dataset_links_deals_through_deal_id_on_lead(load_texts):
    ds = load_texts(SF_LEADS, deals=SF_OPPS)
    assert _outcomes(ds) == {"00Q1": "won", "00Q2": "lost", "00Q3": "open"}


def test_build_dataset_links_deal_amount_through_deal_id_on_lead(load_texts):
    assert load_texts(SF_LEADS, deals=SF_OPPS).leads["amount"].to_list() == [1000.0, 500.0, None]


def test_build_dataset_refuses_deals_without_any_link(load_texts):
    with pytest.raises(InputError, match=r"^deals\.csv has no column linking deals to leads"):
        load_texts(deals="Opportunity ID,Amount\n0061,100\n")


@pytest.mark.parametrize(
    "deals",
    ["deal_id,lead_id,outcome\nD1,L1,won\nD2,L9,won\n",
     "deal_id,lead_id,outcome\nD1,L1,won\nD2,,won\n"],
)
def test_build_dataset_keeps_deals_without_a_lead_in_the_export(load_texts, deals):
    ds = load_texts(deals=deals)
    assert (ds.deals["deal_id"].to_list(), ds.deals["lead_id"].to_list(), _rejected(ds)) == (
        ["D1", "D2"], ["L1", None], [])


def test_build_dataset_counts_deals_without_a_lead_in_a_warning(load_texts):
    ds = load_texts(deals="deal_id,lead_id,outcome\nD1,L1,won\nD2,L9,won\n")
    assert [w.count for w in ds.health.warnings if w.code == "deals_without_lead"] == [1]


def test_build_dataset_gives_deals_row_ids_when_they_have_none(load_texts):
    ds = load_texts(deals="lead_id,won_at\nL1,2024-02-01\nL2,2024-02-02\n")
    assert (ds.deals["deal_id"].to_list(), "row_ids_deals" in _warning_codes(ds)) == (
        ["deals.csv:2", "deals.csv:3"], True)


# --- activities -----------------------------------------------------------------------

ACTIVITIES = (
    "lead_id,at,kind\n"
    "L1,2024-01-01 10:00,call\n"
    "L1,2024-01-01 09:30,email\n"
    "L1,2024-01-05 12:00,meeting\n"
    "L2,2024-01-03 08:00,call\n"
)


def test_build_dataset_takes_first_response_from_first_activity(load_texts):
    ds = load_texts(activities=ACTIVITIES)
    assert ds.leads["first_response_at"].to_list() == [
        D(2024, 1, 1, 9, 30), D(2024, 1, 3, 8), None, None]


def test_build_dataset_counts_touches_from_activities(load_texts):
    assert load_texts(activities=ACTIVITIES).leads["touches"].to_list() == [3, 1, 0, 0]


def test_build_dataset_rejects_orphan_activities_with_reason(load_texts):
    ds = load_texts(activities=ACTIVITIES + "L9,2024-01-02 10:00,call\n")
    assert _rejected(ds) == [("activities.csv", 6, "the activity's lead L9 is not among the leads")]


def test_build_dataset_rejects_activities_without_time(load_texts):
    ds = load_texts(activities=ACTIVITIES + "L1,,call\n")
    assert _rejected(ds) == [("activities.csv", 6, "at is empty")]


# --- missing ids, dates and outcomes --------------------------------------------------


def test_build_dataset_numbers_leads_by_row_without_id_column(load_texts):
    ds = load_texts("created,source\n2024-01-01,a\n2024-01-02,b\n")
    assert ds.leads["lead_id"].to_list() == ["2", "3"]


def test_build_dataset_says_leads_have_row_number_ids(load_texts):
    ds = load_texts("created,source\n2024-01-01,a\n2024-01-02,b\n")
    warning = next(w for w in ds.health.warnings if w.code == "row_ids")
    assert (warning.level, warning.count) == ("info", 2)


def test_build_dataset_numbers_stacked_leads_by_file_and_row(write_file):
    tables = [("leads", read_file(write_file(name, "created\n2024-01-01\n")))
              for name in ("a.csv", "b.csv")]
    ds = build_dataset(tables, now=NOW)
    assert ds.leads["lead_id"].to_list() == ["a.csv:2", "b.csv:2"]


def test_build_dataset_loads_outcome_without_creation_date(load_texts):
    ds = load_texts("Prospect ID,Converted\na,1\nb,0\nc,0\n")
    assert _outcomes(ds) == {"a": "won", "b": "lost", "c": "lost"}


def test_build_dataset_says_time_analyses_unavailable_without_creation_date(load_texts):
    ds = load_texts("Prospect ID,Converted\na,1\nb,0\n")
    caps = {c.analysis: (c.available, c.reason) for c in ds.health.capabilities}
    assert caps["Trends by month and cohorts"] == (
        False, "no creation date: trends, cohorts and velocity unavailable")


def test_build_dataset_refuses_leads_with_neither_date_nor_outcome(load_texts):
    with pytest.raises(InputError, match=r"^leads\.csv has no column that can be a creation date "
                                         r"and nothing that tells which leads were won"):
        load_texts("email,colour\na@x.com,red\n")


def test_build_dataset_refuses_mapping_naming_missing_column(load_texts):
    with pytest.raises(InputError, match=r"^leads\.csv: the mapping names columns the file does "
                                         r"not have: 'Signup'\.$"):
        load_texts(mapping=Mapping(leads={"created_at": "Signup"}))


def test_build_dataset_refuses_mapped_date_column_without_dates(load_texts):
    with pytest.raises(InputError, match=r"column 'source', used as created_at, holds no dates"):
        load_texts(mapping=Mapping(leads={"created_at": "source"}))


def test_build_dataset_refuses_missing_leads_role(write_file):
    with pytest.raises(InputError, match="No leads file"):
        build_dataset([("deals", read_file(write_file("d.csv", "deal_id\nD1\n")))])


def test_build_dataset_refuses_unknown_role(write_file):
    with pytest.raises(InputError, match="Unknown file role 'contacts'"):
        build_dataset([("contacts", read_file(write_file("c.csv", LEADS)))])


# --- mapping and typing ---------------------------------------------------------------


def test_build_dataset_does_not_guess_blocked_field(load_texts):
    ds = load_texts("lead_id,created_at,outcome\nL1,2024-01-01,won\n",
                    mapping=Mapping(leads={"created_at": ""}))
    assert ("created_at" in ds.leads.columns, ds.mapping.leads.get("created_at")) == (False, None)


def test_build_dataset_applies_text_value_replacements(load_texts):
    ds = load_texts(mapping=Mapping(values={"source": {"Ads": "Paid", "SEO": "Organic"}}))
    assert ds.leads["source"].to_list() == ["Paid", "Paid", "Organic", "Organic"]


def test_build_dataset_applies_outcome_value_overrides(load_texts):
    ds = load_texts("lead_id,created_at,status\nL1,2024-01-01,Gewonnen\nL2,2024-01-02,Verloren\n",
                    mapping=Mapping(values={"outcome": {"Gewonnen": "won", "Verloren": "lost"}}))
    assert _outcomes(ds) == {"L1": "won", "L2": "lost"}


def test_build_dataset_records_resolved_mapping(load_texts):
    assert load_texts().mapping.leads == {"lead_id": "lead_id", "created_at": "created_at",
                                          "source": "source"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id;created\nL1;03/04/2024\nL2;05/06/2024\n", [D(2024, 4, 3), D(2024, 6, 5)]),
        ("id,created\nL1,03/04/2024\nL2,05/06/2024\n", [D(2024, 3, 4), D(2024, 5, 6)]),
    ],
    ids=["semicolons-day-first", "commas-month-first"],
)
def test_build_dataset_reads_ambiguous_dates_by_delimiter(load_texts, text, expected):
    assert load_texts(text).leads["created_at"].to_list() == expected


@pytest.mark.parametrize(("day_first", "expected"), [(True, D(2024, 4, 3)), (False, D(2024, 3, 4))])
def test_build_dataset_day_first_overrides_delimiter(write_file, day_first, expected):
    raw = read_file(write_file("l.csv", "id;created\nL1;03/04/2024\n"))
    ds = build_dataset([("leads", raw)], day_first=day_first, now=NOW)
    assert ds.leads["created_at"].to_list() == [expected]


def test_build_dataset_reads_decimal_comma_amounts_in_semicolon_file(load_texts):
    ds = load_texts("id;created;amount\nL1;2024-01-01;1.234\nL2;2024-01-02;12\n")
    assert ds.leads["amount"].to_list() == [1234.0, 12.0]


def test_build_dataset_types_profile_attributes(load_texts):
    ds = load_texts("lead_id,created_at,Budget Confirmed,Employees,Phone\n"
                    "L1,2024-01-01,Yes,\"1,200\",+1 555 0123 4567\n"
                    "L2,2024-01-02,No,35,+44 20 7946 0958\n")
    assert ds.leads.select(ds.attributes).schema == pl.Schema(
        {"Budget Confirmed": pl.Boolean, "Employees": pl.Float64, "Phone": pl.String})


def test_build_dataset_keeps_unmapped_canonical_names_as_raw_attributes(load_texts):
    ds = load_texts("lead_id,created_at,Created,deals\nL1,yesterday,2024-01-01,3\n",
                    mapping=Mapping(leads={"created_at": "Created"}),
                    deals="deal_id,lead_id\nD1,L1\n")
    assert ds.leads.select("created_at", "created_at (raw)", "deals", "deals (raw)").row(0) == (
        D(2024, 1, 1), "yesterday", 1, 3.0)


@pytest.mark.parametrize(
    ("role", "text", "column"),
    [
        ("deals", "deal_id,lead_id,amount\nD1,L1,lots\nD2,L2,many\n", "amount (raw)"),
        ("deals", "deal_id,lead_id,Value,amount\nD1,L1,100,lots\n", "amount (raw)"),
        ("activities", "lead_id,Done time,at\nL1,2024-01-02,morning\n", "at (raw)"),
    ],
)
def test_build_dataset_keeps_unmapped_canonical_names_apart_in_other_files(
    load_texts, role, text, column
):
    ds = load_texts(**{role: text}, mapping=Mapping(activities={"at": "Done time"}))
    assert column in getattr(ds, role).columns


def test_build_dataset_converts_zoned_times_to_utc(load_texts):
    ds = load_texts("lead_id,created_at\nL1,2024-03-04T10:00:00+02:00\nL2,2024-03-04T10:00:00Z\n")
    assert ds.leads["created_at"].to_list() == [D(2024, 3, 4, 8), D(2024, 3, 4, 10)]


def test_build_dataset_truncates_spend_months(load_texts):
    ds = load_texts(spend="Month,Channel,Spend\n2024-01-15,Ads,$100\n2024-02-03,Ads,$50\n")
    expected = pl.DataFrame({"source": ["Ads", "Ads"], "month": [D(2024, 1, 1), D(2024, 2, 1)],
                             "cost": [100.0, 50.0]})
    assert_frame_equal(ds.spend.select("source", "month", "cost"), expected,
                       check_dtypes=False)


def test_build_dataset_refuses_spend_without_source_or_campaign(load_texts):
    with pytest.raises(InputError, match=r"^spend\.csv has no source, channel or campaign"):
        load_texts(spend="Month,Spend\n2024-01,100\n")


def test_load_reads_mapping_file_path(load_texts, write_file):
    path = write_file("x.mapping.json", '{"leads": {"created_at": ""}}')
    ds = load_texts("lead_id,created_at,outcome\nL1,2024-01-01,won\n", mapping=path)
    assert "created_at" not in ds.leads.columns


# --- capabilities ---------------------------------------------------------------------

CAPABILITIES = [
    "Funnel by stage", "Win rate and conversion", "Response time (speed to lead)",
    "Trends by month and cohorts", "Velocity (time between stages)", "Revenue",
    "Cost per lead, CAC and return on spend", "Owners and routing", "Loss reasons",
    "Lead score check", "Follow-up and touches", "Profile fit",
]


def test_build_dataset_lists_every_capability(load_texts):
    assert [c.analysis for c in load_texts().health.capabilities] == CAPABILITIES


@pytest.mark.parametrize(
    ("files", "available"),
    [
        ({}, {"Trends by month and cohorts"}),
        ({"deals": DEALS}, {"Funnel by stage", "Win rate and conversion",
                            "Trends by month and cohorts", "Velocity (time between stages)",
                            "Revenue"}),
        ({"activities": ACTIVITIES}, {"Response time (speed to lead)",
                                      "Trends by month and cohorts", "Follow-up and touches"}),
        ({"spend": "Month,Channel,Spend\n2024-01,Ads,100\n"},
         {"Trends by month and cohorts", "Cost per lead, CAC and return on spend"}),
    ],
    ids=["leads-only", "with-deals", "with-activities", "with-spend"],
)
def test_build_dataset_reports_available_analyses(write_file, load_texts, files, available):
    leads = "lead_id,created_at\nL1,2024-01-01\nL2,2024-01-02\nL3,2024-01-03\nL4,2024-01-04\n"
    ds = load_texts(leads, **files)
    assert {c.analysis for c in ds.health.capabilities if c.available} == available


def test_build_dataset_explains_unavailable_analysis(load_texts):
    caps = {c.analysis: c for c in load_texts().health.capabilities}
    assert caps["Revenue"].reason == "no amount or deal value"


def _caps(leads: pl.DataFrame, **tables) -> dict[str, Capability]:
    tables = {"deals": None, "activities": None, "spend": None, "attributes": [], **tables}
    return {c.analysis: c for c in capabilities(leads, **tables)}


OUTCOMES = ["won", "won", "lost", "lost", "open", "open"]


def test_capabilities_owner_only_on_won_leads_is_partial_with_reason():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "outcome": OUTCOMES,
                          "owner": ["Ann", "Bo", None, None, None, None]})
    cap = _caps(leads)[OWNERS]
    assert (cap.status, cap.available, cap.outcome_dependent) == ("partial", True, True)
    assert cap.reason == ("owner known for 2 of 6 leads (33.3%), all of them won: a split by "
                          "owner cannot explain who wins")


def test_capabilities_owner_for_every_lead_is_available():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "outcome": OUTCOMES,
                          "owner": ["Ann", "Bo"] * 3, "assigned_at": [D(2024, 1, 1)] * 6})
    cap = _caps(leads)[OWNERS]
    assert (cap.status, cap.reason) == ("available", "owner known for all 6 leads")


def test_capabilities_owner_missing_at_random_is_partial_not_outcome_dependent():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "outcome": OUTCOMES,
                          "owner": ["Ann", None, "Bo", None, "Cy", None]})
    cap = _caps(leads)[OWNERS]
    assert (cap.status, cap.outcome_dependent) == ("partial", False)
    assert cap.reason == ("owner known for 3 of 6 leads (50.0%); no assignment time, so no "
                          "time to assign")


def test_capabilities_without_activities_says_stalled_unavailable():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "outcome": OUTCOMES,
                          "created_at": [D(2024, 1, 1)] * 6})
    cap = _caps(leads)[FOLLOW_UP]
    assert (cap.status, cap.available) == ("unavailable", False)
    assert "stalled leads unavailable" in cap.reason and "activity export" in cap.reason


def test_capabilities_undated_activities_make_follow_up_partial():
    leads = pl.DataFrame({"lead_id": ["a", "b"], "outcome": ["won", "open"], "touches": [2, 0]})
    acts = pl.DataFrame({"lead_id": ["a", "a"], "kind": ["call", "email"]})
    cap = _caps(leads, activities=acts)[FOLLOW_UP]
    assert cap.status == "partial"
    assert cap.reason == ("activities for 1 of 2 leads (50.0%); the others were never "
                          "touched; the activities have no dates, so stalled leads cannot be "
                          "seen")


def test_capabilities_loss_reasons_count_among_lost_leads():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "outcome": OUTCOMES,
                          "lost_reason": [None, None, "Price", None, None, None]})
    cap = _caps(leads)["Loss reasons"]
    assert (cap.status, cap.reason) == (
        "partial", "loss reason known for 1 of 2 lost leads (50.0%)")


def test_field_coverage_known_mostly_for_lost_leads_says_both_shares():
    leads = pl.DataFrame({"lead_id": [str(i) for i in range(10)],
                          "outcome": ["won"] * 5 + ["lost"] * 5,
                          "score": [None, None, None, None, 1, 1, 2, 3, 4, 5]})
    cov = field_coverage(leads, "score", name="lead score")
    assert (cov.status, cov.outcome_dependent) == ("partial", True)
    assert cov.text == ("lead score known for 6 of 10 leads (60.0%), 20.0% of won leads "
                        "(1 of 5) but 100.0% of the others (5 of 5)")


def test_capability_read_without_status_takes_it_from_available():
    old = {"analysis": "Revenue", "available": True, "reason": "deal amounts known"}
    assert (Capability(**old).status, Capability(**old).outcome_dependent) == (
        "available", False)


# --- decisions made on the first rows, checked on the whole file ---------------------


def test_build_dataset_reads_later_numbers_of_another_shape(load_texts, monkeypatch):
    monkeypatch.setattr("funnel.ingest.parsing.SAMPLE_SIZE", 2)
    ds = load_texts("lead_id,created_at,amount\nL1,2024-01-01,\"1,200\"\nL2,2024-01-02,5\n"
                    "L3,2024-01-03,$(30.50)\n")
    assert ds.leads["amount"].to_list() == [1200.0, 5.0, -30.5]


def test_build_dataset_keeps_attribute_as_text_when_later_rows_are_not_numbers(
    load_texts, monkeypatch
):
    monkeypatch.setattr("funnel.ingest.parsing.SAMPLE_SIZE", 2)
    ds = load_texts("lead_id,created_at,size\nL1,2024-01-01,10\nL2,2024-01-02,20\n"
                    "L3,2024-01-03,large\n")
    assert ds.leads["size"].to_list() == ["10", "20", "large"]


def test_build_dataset_parses_each_typed_column_once(load_texts, monkeypatch):
    """The typing queries read each date and number once, though its reading is used in
    the typed column, its plausibility check and its lost-value count."""
    queries = []
    collect = columns.collect_aligned
    monkeypatch.setattr(columns, "collect_aligned", lambda q: queries.append(q) or collect(q))
    load_texts("lead_id,created_at,mql_at,amount,size\nL1,2024-01-01,2024-01-02,"
               "\"$1,200\",10\nL2,2024-01-02,,5,20\n")
    plan = "\n".join(q.explain() for q in queries)
    # two dates (created_at, mql_at) each parsed once; two numbers (amount, size) each cast
    # once (the query's other casts are of an empty value, null.cast(...))
    numbers = re.findall(r"(?<!null)\.cast\(Float64\)", plan)
    assert (plan.count("strptime"), len(numbers)) == (2, 2)


def test_build_dataset_reads_a_german_semicolon_export(tmp_path):
    rows = ["Lead-ID;Erstellt am;Quelle;Umsatz;Status",
            "DE-1;03.04.2025 09:15;Messe;1.234,50 €;Gewonnen",
            "DE-2;13.04.2025 10:00;Google Ads;999,00 €;Verloren",
            "DE-3;14.04.2025;Empfehlung;;Offen"]
    path = tmp_path / "leads_de.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    ds = load(path)
    got = ds.leads.select("lead_id", "created_at", "source", "amount", "outcome").rows()
    assert got == [
        ("DE-1", D(2025, 4, 3, 9, 15), "Messe", 1234.5, "won"),
        ("DE-2", D(2025, 4, 13, 10), "Google Ads", 999.0, "lost"),
        ("DE-3", D(2025, 4, 14), "Empfehlung", None, "open"),
    ]


# --- review findings: each once crashed or misread ------------------------------------


def test_build_dataset_rejects_unreadable_required_values_in_a_large_file(tmp_path):
    rows = ["lead_id,created_at"] + [f"{i},2024-01-02" for i in range(5000)]
    rows += [f"x{i},garbage" for i in range(100)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    ds = load(path)
    assert (ds.leads.height, ds.health.rows_rejected) == (5000, 100)


def test_build_dataset_takes_a_closed_lost_stage_as_the_deals_outcome(load_texts):
    deals = "Deal ID,Contact ID,Deal Stage\nD1,L1,closedwon\nD2,L2,closedlost\nD3,L3,Proposal\n"
    expected = {"L1": "won", "L2": "lost", "L3": "open", "L4": "open"}
    assert _outcomes(load_texts(deals=deals)) == expected


def test_build_dataset_gives_a_shared_deal_to_every_lead_converted_into_it(tmp_path):
    (tmp_path / "l.csv").write_text("Lead ID,Created Date,Converted Opportunity ID\n"
                                    "L1,2024-01-01,O1\nL2,2024-01-02,O1\nL3,2024-01-03,\n")
    (tmp_path / "o.csv").write_text("Opportunity ID,Stage,Amount\nO1,Closed Won,100\n")
    ds = load(tmp_path / "l.csv", deals=tmp_path / "o.csv")
    assert ds.leads.select("lead_id", "outcome").rows() == [
        ("L1", "won"), ("L2", "won"), ("L3", "open")]


def test_build_dataset_switches_day_month_order_when_later_rows_need_it(tmp_path, monkeypatch):
    monkeypatch.setattr("funnel.ingest.parsing.SAMPLE_SIZE", 2)
    path = tmp_path / "d.csv"
    path.write_text("lead_id,created_at\n1,01/02/2024\n2,03/04/2024\n3,25/12/2024\n")
    ds = load(path)
    assert ds.leads["created_at"].dt.month().to_list() == [2, 4, 12]


def test_build_dataset_keeps_an_attribute_as_text_when_stacked_files_disagree(tmp_path):
    (tmp_path / "a.csv").write_text(
        "lead_id,created_at,budget\nA,2024-01-01,yes\nB,2024-01-02,no\n")
    (tmp_path / "b.csv").write_text("lead_id,created_at,budget\nC,2024-01-03,5000\n")
    ds = load([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert ds.leads["budget"].to_list() == ["true", "false", "5000.0"]


def test_lead_warnings_missing_ids_are_not_shared_ids():
    leads = pl.DataFrame({"lead_id": [None, None, "a"], "outcome": ["open"] * 3},
                         schema={"lead_id": pl.String, "outcome": pl.String})
    codes = [w.code for w in lead_warnings(leads, now=dt.datetime(2025, 1, 1),
                                           outcome_info=True)]
    assert "duplicate_ids" not in codes
