"""Tests of funnel.mapping: header normalisation, auto-mapping, roles, values, mapping files."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_series_equal

from funnel.dataset.errors import InputError
from funnel.dataset.schema import Mapping, normalise_header
from funnel.ingest.build import guess_roles
from funnel.ingest.mapping import auto_map, guess_role, header_score, map_values
from funnel.ingest.readers import read_file

DATE = "2024-01-02 10:00"


def _frame(columns: dict[str, str]) -> pl.DataFrame:
    """A two-row all-text frame: each header with its example value repeated."""
    return pl.DataFrame({h: [v, v] for h, v in columns.items()})


# --- header normalisation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "normal"),
    [
        ("Créé le", "cree le"),
        ("País de origen", "pais de origen"),
        ("ConvertedOpportunityId", "converted opportunity id"),
        ("leadSource", "lead source"),
        ("HTMLParser", "html parser"),
        ("hs_analytics_source", "hs analytics source"),
        ("Lead_Source__c", "lead source c"),
        ("  Lead   Source ", "lead source"),
        ("Deal - Won time", "deal won time"),
        ("Deal – Value", "deal value"),
        ("Country/Region", "country region"),
        ("IsWon", "is won"),
    ],
)
def test_normalise_header_folds_to_ascii_words(header, normal):
    assert normalise_header(header) == normal


# --- auto-mapping: whole exports ------------------------------------------------------

EXPORTS = [
    pytest.param(
        "leads",
        {"Record ID": "101", "Create Date": DATE, "Original Source": "Organic Search",
         "Contact owner": "Ann Lee", "Lifecycle Stage": "Lead",
         "Became a Marketing Qualified Lead Date": DATE, "Industry": "Software"},
        {"lead_id": "Record ID", "created_at": "Create Date", "source": "Original Source",
         "owner": "Contact owner", "mql_at": "Became a Marketing Qualified Lead Date",
         "stage": "Lifecycle Stage"},
        id="hubspot-labels",
    ),
    pytest.param(
        "leads",
        {"hs_object_id": "101", "createdate": DATE, "hs_analytics_source": "ORGANIC_SEARCH",
         "hubspot_owner_id": "3141", "lifecyclestage": "lead",
         "hs_lifecyclestage_marketingqualifiedlead_date": DATE},
        {"lead_id": "hs_object_id", "created_at": "createdate", "source": "hs_analytics_source",
         "owner": "hubspot_owner_id", "mql_at": "hs_lifecyclestage_marketingqualifiedlead_date",
         "stage": "lifecyclestage"},
        id="hubspot-internal-names",
    ),
    pytest.param(
        "leads",
        {"Lead ID": "00Q1", "Created Date": "3/4/2024", "Lead Source": "Web",
         "Lead Owner": "Ann Lee", "Converted Opportunity ID": "0061", "IsConverted": "true"},
        {"lead_id": "Lead ID", "created_at": "Created Date", "source": "Lead Source",
         "owner": "Lead Owner", "outcome": "IsConverted", "deal_id": "Converted Opportunity ID"},
        id="salesforce-lead-labels",
    ),
    pytest.param(
        "leads",
        {"Id": "00Q1", "CreatedDate": "2024-03-04T10:00:00.000+0000", "LeadSource": "Web",
         "OwnerId": "0051", "ConvertedOpportunityId": "0061", "IsConverted": "true"},
        {"lead_id": "Id", "created_at": "CreatedDate", "source": "LeadSource", "owner": "OwnerId",
         "outcome": "IsConverted", "deal_id": "ConvertedOpportunityId"},
        id="salesforce-lead-api-names",
    ),
    pytest.param(
        "deals",
        {"Opportunity ID": "0061", "StageName": "Closed Won", "IsWon": "true",
         "CloseDate": "3/4/2024", "Amount": "12000"},
        {"deal_id": "Opportunity ID", "stage": "StageName", "amount": "Amount",
         "closed_at": "CloseDate", "outcome": "IsWon"},
        id="salesforce-opportunities",
    ),
    pytest.param(
        "deals",
        {"Deal - ID": "7", "Deal - Value": "1,200", "Deal - Status": "Won",
         "Deal - Won time": DATE, "Deal - Lost reason": "", "Person - ID": "101"},
        {"deal_id": "Deal - ID", "lead_id": "Person - ID", "amount": "Deal - Value",
         "won_at": "Deal - Won time", "outcome": "Deal - Status",
         "lost_reason": "Deal - Lost reason"},
        id="pipedrive-deals",
    ),
    pytest.param(
        "activities",
        {"Activity - Type": "call", "Activity - Person ID": "101",
         "Activity - Marked as done time": DATE},
        {"lead_id": "Activity - Person ID", "at": "Activity - Marked as done time",
         "kind": "Activity - Type"},
        id="pipedrive-activities",
    ),
    pytest.param(
        "spend",
        {"Month": "2024-01", "Channel": "Paid Search", "Spend": "$1,200"},
        {"source": "Channel", "month": "Month", "cost": "Spend"},
        id="spend",
    ),
]


@pytest.mark.parametrize(("role", "columns", "expected"), EXPORTS)
def test_auto_map_maps_crm_export(role, columns, expected):
    assert auto_map(_frame(columns), role) == expected


# --- auto-mapping: one header at a time -----------------------------------------------

HEADERS = [
    ("leads", "Record ID", "101", "lead_id"),
    ("leads", "Prospect ID", "7927b2df", "lead_id"),
    ("leads", "Person - ID", "101", "lead_id"),
    ("leads", "Create Date", DATE, "created_at"),
    ("leads", "createdate", DATE, "created_at"),
    ("leads", "Created Date", DATE, "created_at"),
    ("leads", "Original Source", "Direct", "source"),
    ("leads", "hs_analytics_source", "DIRECT_TRAFFIC", "source"),
    ("leads", "Lead Source", "Google", "source"),
    ("leads", "Contact owner", "Ann Lee", "owner"),
    ("leads", "hubspot_owner_id", "3141", "owner"),
    ("leads", "Lead Owner", "Ann Lee", "owner"),
    ("leads", "Lifecycle Stage", "Lead", "stage"),
    ("leads", "Became a Marketing Qualified Lead Date", DATE, "mql_at"),
    ("leads", "Became a Sales Qualified Lead Date", DATE, "sql_at"),
    ("leads", "Became an Opportunity Date", DATE, "opportunity_at"),
    ("leads", "Converted Opportunity ID", "0061", "deal_id"),
    ("leads", "IsConverted", "false", "outcome"),
    ("leads", "Disqualification Reason", "No budget", "lost_reason"),
    ("leads", "HubSpot Score", "42", "score"),
    ("leads", "Owner Assigned Date", DATE, "assigned_at"),
    ("deals", "Deal - ID", "7", "deal_id"),
    ("deals", "Deal - Value", "1200", "amount"),
    ("deals", "Deal - Status", "lost", "outcome"),
    ("deals", "Deal - Won time", DATE, "won_at"),
    ("deals", "Deal - Lost time", DATE, "lost_at"),
    ("deals", "Deal - Lost reason", "Price", "lost_reason"),
    ("deals", "Person - ID", "101", "lead_id"),
    ("deals", "Deal - Person ID", "101", "lead_id"),
    ("deals", "StageName", "Prospecting", "stage"),
    ("deals", "IsWon", "false", "outcome"),
    ("deals", "CloseDate", "2024-03-04", "closed_at"),
    ("deals", "Amount", "12000", "amount"),
    ("activities", "Activity - Marked as done time", DATE, "at"),
    ("spend", "Spend", "$10", "cost"),
]


@pytest.mark.parametrize(("role", "header", "value", "field"), HEADERS)
def test_auto_map_maps_header(role, header, value, field):
    assert auto_map(_frame({header: value}), role) == {field: header}


def test_auto_map_prefers_deal_id_to_person_id_in_deals():
    found = auto_map(_frame({"Person - ID": "101", "Deal - ID": "7"}), "deals")
    assert found == {"deal_id": "Deal - ID", "lead_id": "Person - ID"}


def test_auto_map_ignores_row_column():
    frame = _frame({"Lead ID": "1"}).with_columns(pl.lit(2).alias("__row"))
    assert auto_map(frame, "leads") == {"lead_id": "Lead ID"}


# --- auto-mapping: values must fit ----------------------------------------------------


@pytest.mark.parametrize(
    ("role", "columns", "expected"),
    [
        ("leads", {"ID": "1", "Date": "hello"}, {"lead_id": "ID"}),
        ("leads", {"ID": "1", "Date": "2024-01-02"}, {"lead_id": "ID", "created_at": "Date"}),
        ("leads", {"ID": "1", "Lead Score": "high"}, {"lead_id": "ID"}),
        ("deals", {"Deal ID": "7", "Amount": "lots"}, {"deal_id": "Deal ID"}),
        ("deals", {"Deal ID": "7", "Close Date": "next week"}, {"deal_id": "Deal ID"}),
        ("spend", {"Channel": "Ads", "Month": "2024-01", "Spend": "a lot"},
         {"source": "Channel", "month": "Month"}),
    ],
)
def test_auto_map_rejects_guess_whose_values_do_not_fit(role, columns, expected):
    assert auto_map(_frame(columns), role) == expected


def test_auto_map_accepts_column_of_placeholders():
    assert auto_map(_frame({"ID": "1", "Amount": "N/A"}), "deals") == {
        "deal_id": "ID", "amount": "Amount"}


# --- auto-mapping: fixed choices ------------------------------------------------------


def test_auto_map_keeps_fixed_choice():
    frame = _frame({"Lead ID": "1", "Created": DATE, "Signed up": DATE})
    assert auto_map(frame, "leads", fixed={"created_at": "Signed up"}) == {
        "lead_id": "Lead ID", "created_at": "Signed up"}


@pytest.mark.parametrize("blank", ["", None])
def test_auto_map_does_not_guess_blocked_field(blank):
    frame = _frame({"Lead ID": "1", "Create Date": DATE})
    assert auto_map(frame, "leads", fixed={"created_at": blank}) == {"lead_id": "Lead ID"}


# --- real exports ---------------------------------------------------------------------


def test_auto_map_maps_olist_leads(olist_files):
    frame = read_file(olist_files[0]).frame
    assert auto_map(frame, "leads") == {
        "lead_id": "mql_id", "created_at": "first_contact_date", "source": "origin",
        "campaign": "landing_page_id"}


def test_auto_map_maps_olist_deals(olist_files):
    frame = read_file(olist_files[1]).frame
    assert auto_map(frame, "deals") == {"lead_id": "mql_id", "won_at": "won_date",
                                        "owner": "sr_id"}


def test_auto_map_maps_x_education(xed_file):
    frame = read_file(xed_file).frame
    assert auto_map(frame, "leads") == {"lead_id": "Prospect ID", "source": "Lead Source",
                                        "outcome": "Converted"}


def test_guess_roles_finds_olist_deals_by_contained_ids(olist_files):
    leads, deals = (read_file(p) for p in olist_files)
    assert guess_roles([deals, leads]) == ["deals", "leads"]


def test_guess_roles_keeps_single_lead_file(xed_file):
    assert guess_roles([read_file(xed_file)]) == ["leads"]


# --- roles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "name", "role"),
    [
        ({"Record ID": "1", "Create Date": DATE, "Original Source": "Direct"}, "export.csv",
         "leads"),
        ({"Deal - ID": "7", "Deal - Value": "5", "Deal - Won time": DATE,
          "Deal - Person ID": "1"}, "export.csv", "deals"),
        ({"Opportunity ID": "7", "StageName": "Closed Won", "CloseDate": DATE, "Amount": "5"},
         "export.csv", "deals"),
        ({"Activity - Type": "call", "Activity - Person ID": "1",
          "Activity - Marked as done time": DATE}, "export.csv", "activities"),
        ({"Month": "2024-01", "Channel": "Ads", "Spend": "$10"}, "export.csv", "spend"),
        ({"id": "1", "created": DATE}, "hubspot-contacts.csv", "leads"),
        ({"id": "1", "created": DATE}, "opportunities.csv", "deals"),
        # ad platforms' reports: a currency or time zone after the header
        ({"Reporting starts": "2024-01-01", "Campaign name": "Lookalike",
          "Amount spent (EUR)": "1487.70"}, "Meta-Ads-Campaigns.csv", "spend"),
        ({"Start Date (in UTC)": "1/1/2024", "Campaign Name": "ABM", "Total Spent": "84.89",
          "Currency": "EUR"}, "campaign_performance_report.csv", "spend"),
    ],
)
def test_guess_role_names_role(columns, name, role):
    assert guess_role(_frame(columns), name) == role


def test_guess_roles_turns_contained_lead_file_into_deals():
    leads = read_file(b"Lead ID,Create Date\n1,2024-01-01\n2,2024-01-02\n3,2024-01-03\n",
                      name="a.csv")
    deals = read_file(b"Lead ID,Create Date\n2,2024-02-01\n", name="b.csv")
    assert guess_roles([deals, leads]) == ["deals", "leads"]


# --- values ---------------------------------------------------------------------------

OUTCOME_LABELS = [
    ("Closed Won", "won"), ("Won", "won"), ("TRUE", "won"), ("1", "won"), ("1.0", "won"),
    ("Yes", "won"), ("closedwon", "won"), ("Closed Lost", "lost"), ("Lost", "lost"),
    ("false", "lost"), ("0", "lost"), ("No", "lost"), ("Disqualified", "lost"),
    ("Open", "open"), ("In Progress", "open"), ("Working - Contacted", "open"),
    ("Closed lost (Renewals)", "lost"), ("Closed Won (Sales Pipeline)", "won"),
    ("Junk Lead", "lost"), ("Lost Lead", "lost"), ("Not Qualified", "lost"),
    ("Not Contacted", "open"), ("Pre-Qualified", "open"), ("Contact in Future", "open"),
    ("Prospect", "open"), ("Recycled", "open"),
]


@pytest.mark.parametrize(("raw", "canonical"), OUTCOME_LABELS)
def test_map_values_maps_outcome_label(raw, canonical):
    mapped, _ = map_values(pl.Series([raw]), "outcome")
    assert mapped.to_list() == [canonical]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("Subscriber", "lead"), ("Lead", "lead"), ("Marketing Qualified Lead", "mql"),
     ("marketingqualifiedlead", "mql"), ("Sales Accepted", "sal"),
     ("Sales Qualified Lead", "sql"), ("Opportunity", "opportunity"),
     ("Proposal/Price Quote", "opportunity"), ("Closed Won", "won"), ("Customer", "won"),
     ("IN_PROGRESS", "sal"), ("OPEN_DEAL", "opportunity"),
     ("Marketingqualifizierter Lead", "mql"), ("Lead qualifié pour la vente", "sql"),
     ("Oportunidad", "opportunity"), ("Kunde", "won"), ("Cliente", "won"),
     # HubSpot's default deal stages as their internal values
     ("appointmentscheduled", "sql"), ("qualifiedtobuy", "sql"),
     ("presentationscheduled", "opportunity"), ("decisionmakerboughtin", "opportunity"),
     ("contractsent", "opportunity"),
     # Pipedrive's default pipeline
     ("Contact Made", "opportunity"), ("Needs Defined", "opportunity"),
     ("Negotiations Started", "opportunity")],
)
def test_map_values_maps_stage_label(raw, canonical):
    mapped, _ = map_values(pl.Series([raw]), "stage")
    assert mapped.to_list() == [canonical]


def test_map_values_reports_unknown_labels_with_counts():
    _, unknown = map_values(pl.Series(["Won", "Maybe", "Maybe", "Ringing"]), "outcome")
    assert unknown == {"Maybe": 2, "Ringing": 1}


def test_map_values_leaves_unknown_and_placeholder_labels_missing():
    mapped, _ = map_values(pl.Series(["Won", "Maybe", "Select", None]), "outcome")
    assert mapped.to_list() == ["won", None, None, None]


def test_map_values_does_not_report_placeholders_or_non_stages():
    _, unknown = map_values(pl.Series(["Lead", "Other", "Select", "-"]), "stage")
    assert unknown == {}


def test_map_values_applies_overrides_case_insensitively():
    mapped, unknown = map_values(pl.Series(["Gewonnen", "verloren", "Won"]), "outcome",
                                 overrides={"gewonnen": "won", "Verloren": "lost"})
    assert (mapped.to_list(), unknown) == (["won", "lost", "won"], {})


def test_map_values_keeps_series_name():
    mapped, _ = map_values(pl.Series("Deal - Status", ["Won"]), "outcome")
    assert_series_equal(mapped, pl.Series("Deal - Status", ["won"]))


# --- mapping files --------------------------------------------------------------------


def test_mapping_round_trips_through_json():
    m = Mapping(leads={"lead_id": "Prospect ID", "created_at": ""},
                deals={"deal_id": "Deal - ID", "lead_id": "Deal - Person ID"},
                values={"outcome": {"Closed Won": "won", "Closed Lost": "lost"}})
    assert Mapping.from_json(m.to_json()) == m


def test_mapping_round_trips_through_file(tmp_path):
    m = Mapping(leads={"lead_id": "Prospect ID"}, spend={"cost": "Spend"})
    m.save(tmp_path / "export.mapping.json")
    assert Mapping.load(tmp_path / "export.mapping.json") == m


def test_mapping_reads_contract_example():
    text = ('{"leads": {"lead_id": "Prospect ID", "created_at": "Create Date", '
            '"source": "Lead Source"}, "deals": {"deal_id": "Deal - ID", '
            '"lead_id": "Deal - Person ID"}, '
            '"values": {"outcome": {"Closed Won": "won", "Closed Lost": "lost"}}}')
    m = Mapping.from_json(text)
    assert (m.leads["source"], m.deals["lead_id"], m.values["outcome"]["Closed Lost"]) == (
        "Lead Source", "Deal - Person ID", "lost")


def test_mapping_reads_null_as_not_in_export():
    assert Mapping.from_json('{"leads": {"created_at": null}}').leads == {"created_at": ""}


def test_mapping_to_dict_leaves_out_empty_parts():
    assert Mapping(leads={"lead_id": "ID"}).to_dict() == {"leads": {"lead_id": "ID"}}


MALFORMED = [
    pytest.param("{", "not valid JSON", id="broken-json"),
    pytest.param(b"\xff\xfe\x00", "not valid JSON", id="binary"),
    pytest.param("[]", "must hold a JSON object", id="list"),
    pytest.param('"leads"', "must hold a JSON object", id="string"),
    pytest.param('{"leeds": {}}', "unknown sections: leeds", id="unknown-section"),
    pytest.param('{"leads": []}', "'leads' must map field names", id="section-list"),
    pytest.param('{"leads": {"lead_id": 5}}', "'leads' must map field names", id="number-column"),
    pytest.param('{"deals": {"at": "x"}}', "fields that deals do not have: at",
                 id="field-of-other-role"),
    pytest.param('{"values": {"outcome": "won"}}', "'values' must map", id="values-not-dict"),
    pytest.param('{"values": []}', "'values' must map", id="values-list"),
]


@pytest.mark.parametrize(("text", "says"), MALFORMED)
def test_mapping_refuses_malformed_file_with_reason(text, says):
    with pytest.raises(InputError, match=says):
        Mapping.from_json(text)


@pytest.mark.parametrize(("text", "says"), MALFORMED)
def test_mapping_load_names_malformed_file_in_one_line(tmp_path, text, says):
    path = tmp_path / "bad.mapping.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError, match=r"^The mapping file bad\.mapping\.json\b[^\n]*\.$"):
        Mapping.load(path)


MARKETO = pl.DataFrame({"Id": ["1", "2", "3"], "Created At": ["2025-01-02"] * 3,
                        "Lead Status": ["Open", "Unqualified", "Converted"],
                        "Person Score": ["10", "55", "80"]})


def test_auto_map_reads_a_lead_status_as_the_outcome_when_nothing_else_says_it():
    assert auto_map(MARKETO, "leads")["outcome"] == "Lead Status"


def test_auto_map_keeps_a_lead_status_out_of_the_outcome_beside_a_stage():
    f = MARKETO.with_columns(pl.lit("Lead").alias("Lifecycle Stage"))
    assert (auto_map(f, "leads").get("outcome"), auto_map(f, "leads")["stage"]) == (
        None, "Lifecycle Stage")


def test_auto_map_reads_a_person_score_as_the_score():
    assert auto_map(MARKETO, "leads")["score"] == "Person Score"


def test_auto_map_takes_no_status_whose_values_are_not_outcomes():
    f = MARKETO.with_columns(pl.Series("Email Status", ["Valid", "Bounced", "Valid"]))
    assert auto_map(f.select("Id", "Created At", "Email Status"), "leads").get("outcome") is None


def test_auto_map_takes_the_lead_status_before_another_status():
    f = MARKETO.select(pl.Series("Email Status", ["Open", "Open", "Open"]), pl.all())
    assert auto_map(f, "leads")["outcome"] == "Lead Status"


@pytest.mark.parametrize(("header", "field", "role", "matched"), [
    ("Amount spent (EUR)", "cost", "spend", True), ("Start Date (in UTC)", "month", "spend", True),
    ("Status (old)", "outcome", "leads", False), ("Owner (previous)", "owner", "leads", False)])
def test_header_score_reads_a_currency_or_time_zone_suffix_only(header, field, role, matched):
    assert (header_score(header, field, role) > 0.5) is matched
