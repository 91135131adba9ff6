"""CRM object models: Salesforce ids, association cells, links found by their values,
and the semantics each model brings (converted is not won, closed and won flags, close
dates on open deals are forecasts, deals without a lead kept, shared deals counted once)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from funnel.dataset.tables import export_end
from funnel.ingest.build import build_dataset, guess_files, guess_roles, load
from funnel.ingest.crm import (
    CAMPAIGN_MEMBERS,
    association_ids,
    file_model,
    id_key,
    salesforce_id15,
    salesforce_id18,
    salesforce_kind,
)
from funnel.ingest.keys import find_link, link_summary
from funnel.ingest.models import DELETED, TEST_LEAD
from funnel.ingest.readers import read_file

NOW = dt.datetime(2025, 12, 31)


@pytest.mark.parametrize(("id15", "id18"), [
    ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),   # the documented examples of CASESAFEID
    ("0019000000B98de", "0019000000B98deAAB"),
    ("00Q5g00000AbC1x", "00Q5g00000AbC1xEAF"),
])
def test_salesforce_id18_adds_the_case_checksum(id15, id18):
    assert salesforce_id18(id15) == id18


@pytest.mark.parametrize("id15", ["a0D30000001n7Pi", "0019000000B98de", "00Q5g00000xYZ6q"])
def test_salesforce_id15_restores_the_case_of_a_lowercased_id18(id15):
    assert salesforce_id15(salesforce_id18(id15).lower()) == id15


@pytest.mark.parametrize(("value", "kind"), [
    ("00Q5g00000AbC1x", "lead"), ("0035g00000Cc1DdAAJ", "contact"),
    ("0065g00000Kk1Ab", "opportunity"), ("0015g00000Aa1Bb", "account"),
    ("0055g00000Uu1Vv", "user"), ("7015g00000Cc1Dd", "campaign"), ("101", None),
])
def test_salesforce_kind_reads_the_key_prefix(value, kind):
    assert salesforce_kind(value) == kind


def test_id_key_matches_15_and_18_character_forms_whatever_the_case():
    keys = id_key(pl.Series(["0065g00000Kk1Ab", "0065G00000KK1ABAAJ ", "0065g00000kk1ab"]))
    assert (keys[0] == keys[1], keys[0] == keys[2]) == (True, False)


@pytest.mark.parametrize(("cell", "ids"), [
    ("Jane Doe (12345)", ["12345"]), ("104;105", ["104", "105"]),
    ("Luis Garcia (104); Ada Byrne (105)", ["104", "105"]), (" 7 ", ["7"]), ("", None),
])
def test_association_ids_reads_association_cells(cell, ids):
    assert association_ids(pl.Series([cell])).to_list() == [ids]


def test_find_link_prefers_the_column_whose_values_match():
    leads = pl.DataFrame({"lead_id": ["00Q5g00000AbC1x"], "deal_id": ["0065g00000Kk1Ab"]})
    deals = pl.DataFrame({"deal_id": ["0065g00000Kk1AbAAJ"], "lead_id": ["0035g00000Cc1Dd"]})
    link, _ = find_link(deals, leads, headers={"lead_id": "Contact ID",
                                               "deal_id": "Converted Opportunity ID"})
    assert (link.side, link.header, link.pairs.rows()) == (
        "leads", "Converted Opportunity ID", [("0065g00000Kk1AbAAJ", "00Q5g00000AbC1x")])


SF_LEADS = ("Lead ID,Created Date,Lead Status,Converted\n"
            "00Q5g00000AbC1x,2025-01-02,Closed - Converted,true\n"
            "00Q5g00000AbC2Y,2025-01-03,Closed - Not Converted,false\n"
            "00Q5g00000aBc3Z,2025-01-04,Working - Contacted,false\n")
SF_OPPS = ("Opportunity ID,Contact ID,Stage,Won,Closed,Close Date,Amount\n"
           "0065g00000Kk1Ab,0035g00000Cc1Dd,Negotiation/Review,false,false,2026-06-30,100\n")


def test_load_says_what_was_seen_when_no_link_matches(write_file):
    ds = load(write_file("leads.csv", SF_LEADS), deals=write_file("opps.csv", SF_OPPS), now=NOW)
    text = next(w.message for w in ds.health.warnings if w.code == "no_link")
    assert ("Salesforce contact ids (003…)" in text, "lead ids (00Q…)" in text) == (True, True)


def test_load_keeps_every_deal_when_no_link_matches(write_file):
    ds = load(write_file("leads.csv", SF_LEADS), deals=write_file("opps.csv", SF_OPPS), now=NOW)
    assert (ds.deals.height, link_summary(ds)["without_lead"]) == (1, 1)


def test_load_never_reads_salesforce_converted_as_won(write_file):
    ds = load(write_file("leads.csv", SF_LEADS), now=NOW)
    assert ds.leads["outcome"].to_list() == ["open", "lost", "open"]


HS_CONTACTS = ("Record ID,Create Date,Lifecycle Stage,Email\n"
               "101,2025-01-02,Lead,ann@x.example\n102,2025-01-03,Lead,Bo@Y.example\n"
               "103,2025-01-04,Lead,cy@z.example\n")
PD_DEALS = ("Deal - ID,Deal - Title,Deal - Status,Deal - Value,Person - Email\n"
            "7,Ann's deal,won,100,ANN@x.example\n8,Bo's deal,lost,50, bo@y.example\n"
            "9,Dee's deal,open,10,dee@w.example\n")


def _contacts(write_file, *, contacts: str = HS_CONTACTS, deals: str | None = None,
              activities: str | None = None):
    """HubSpot contacts loaded with another CRM's deals and/or activities."""
    return load(write_file("contacts.csv", contacts),
                deals=write_file("deals.csv", deals) if deals else None,
                activities=write_file("a.csv", activities) if activities else None, now=NOW)


def test_load_links_deals_of_another_crm_by_the_persons_email(write_file):
    ds = _contacts(write_file, deals=PD_DEALS)
    assert (ds.deals.select("deal_id", "lead_id").rows(), ds.leads["outcome"].to_list()) == (
        [("7", "101"), ("8", "102"), ("9", None)], ["won", "lost", "open"])


def test_load_links_salesforce_opportunities_through_the_converted_contact(write_file):
    leads = ("Lead ID,Created Date,Lead Status,Converted Contact ID\n"
             "00Q5g00000AbC1x,2025-01-02,Closed - Converted,0035g00000Cc1Dd\n"
             "00Q5g00000AbC2Y,2025-01-03,Working - Contacted,\n")
    opps = ("Opportunity ID,Contact ID,Stage,Won,Closed\n"
            "0065g00000Kk1Ab,0035g00000Cc1DdAAJ,Closed Won,true,true\n")
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", opps), now=NOW)
    assert ds.leads["outcome"].to_list() == ["won", "open"]


def test_load_never_links_through_a_count_that_mentions_contacts(write_file):
    contacts = HS_CONTACTS.replace("Email\n", "Email,Number of times contacted\n").replace(
        ".example\n", ".example,1\n")
    deals = "Deal - ID,Deal - Status,Deal - Person ID\n7,won,1\n8,lost,1\n"
    ds = _contacts(write_file, contacts=contacts, deals=deals)
    assert ds.deals["lead_id"].to_list() == [None, None]


def test_load_never_links_deals_by_their_owners_email(write_file):
    contacts = HS_CONTACTS.replace("Email\n", "Email,Lead Owner Email\n").replace(
        ".example\n", ".example,rep@us.example\n")
    deals = "Deal - ID,Deal - Status,Deal - Person ID,Owner Email\n7,won,99,rep@us.example\n"
    ds = _contacts(write_file, contacts=contacts, deals=deals)
    assert ds.deals["lead_id"].to_list() == [None]


def test_load_links_activities_by_the_persons_email_not_the_users(write_file):
    contacts = HS_CONTACTS.replace("Email\n", "Email,Owner Email\n").replace(
        ".example\n", ".example,rep@us.example\n")
    acts = ("Activity - Type,Activity - Due date,Person - ID,User email,Person - Email\n"
            "call,2025-01-05 09:00,77,rep@us.example,bo@y.example\n")
    ds = _contacts(write_file, contacts=contacts, activities=acts)
    assert ds.leads["touches"].to_list() == [0, 1, 0]


def test_load_links_deals_by_the_emails_in_their_association_cells(write_file):
    deals = ("Record ID,Deal Name,Deal Stage,Associated Contact\n"
             "7,Ann's deal,Closed Won,Ann (ANN@x.example)\n8,Bo's deal,Closed Lost,"
             "\"Bo (bo@y.example);Dee (dee@w.example)\"\n")
    ds = _contacts(write_file, deals=deals)
    assert ds.leads["outcome"].to_list() == ["won", "lost", "open"]


def test_load_keeps_the_id_link_when_it_links_as_many_deals_as_the_email(write_file):
    deals = ("Deal - ID,Deal - Status,Deal - Person ID,Person - Email\n"
             "7,won,102,ann@x.example\n8,lost,101,bo@y.example\n")
    ds = _contacts(write_file, deals=deals)
    assert ds.deals.select("deal_id", "lead_id").rows() == [("7", "102"), ("8", "101")]


PD_ACTS = ("Activity - Type,Activity - Due date,Person - Email\n"
           "call,2025-01-02 12:00,ANN@x.example\ncall,2025-01-05 09:00,bo@y.example\n"
           "email,2025-01-06 09:00,dee@w.example\n")


def test_load_links_activities_that_name_their_person_by_email(write_file):
    ds = _contacts(write_file, activities=PD_ACTS)
    assert (ds.leads["touches"].to_list(), ds.activities.height) == ([1, 1, 0], 2)


def test_load_rejects_an_activity_whose_email_no_lead_has(write_file):
    ds = _contacts(write_file, activities=PD_ACTS)
    assert ds.health.rejected.select("row", "reason").rows() == [
        (4, "no lead has the activity's e-mail (Person - Email)")]


def test_load_keeps_a_customer_won_when_its_only_deal_in_the_export_is_lost(write_file):
    contacts = HS_CONTACTS.replace("101,2025-01-02,Lead", "101,2025-01-02,Customer")
    deals = "Deal - ID,Deal - Status,Person - Email\n7,lost,ann@x.example\n"
    ds = _contacts(write_file, contacts=contacts, deals=deals)
    w = next(w for w in ds.health.warnings if w.code == "won_without_won_deal")
    assert (ds.leads["outcome"].to_list()[0], w.count) == ("won", 1)


def test_load_leaves_the_amount_unknown_for_a_customer_without_a_won_deal(write_file):
    contacts = HS_CONTACTS.replace("101,2025-01-02,Lead", "101,2025-01-02,Customer")
    deals = ("Deal - ID,Deal - Status,Deal - Value,Person - Email\n7,lost,500,ann@x.example\n"
             "8,won,300,bo@y.example\n")
    ds = _contacts(write_file, contacts=contacts, deals=deals)
    assert ds.leads["amount"].to_list()[:2] == [None, 300.0]


def test_load_lets_a_lost_deal_decide_over_a_converted_status(write_file):
    leads = "Id,Created At,Lead Status,Email\n1,2025-01-02,Converted,ann@x.example\n"
    deals = "Deal - ID,Deal - Status,Person - Email\n7,lost,ann@x.example\n"
    ds = load(write_file("leads.csv", leads), deals=write_file("deals.csv", deals), now=NOW)
    assert ds.leads["outcome"].to_list() == ["lost"]


def test_load_rejects_a_deleted_pipedrive_deal_without_an_unknown_label_warning(write_file):
    deals = PD_DEALS.replace("9,Dee's deal,open", "9,Dee's deal,deleted")
    ds = _contacts(write_file, deals=deals)
    assert (ds.deals["deal_id"].to_list(), ds.health.rejected["reason"].to_list(),
            "unknown_outcome" in {w.code for w in ds.health.warnings}) == (
        ["7", "8"], [DELETED], False)


def test_load_rejects_salesforce_records_from_the_recycle_bin(write_file):
    leads = ("Id,CreatedDate,Status,IsDeleted\n00Q5g00000AbC1x,2025-01-02,Open,false\n"
             "00Q5g00000AbC2Y,2025-01-03,Open,true\n00Q5g00000aBc3Z,2025-01-04,Open,false\n")
    ds = load(write_file("leads.csv", leads), now=NOW)
    assert (ds.leads.height, ds.health.rejected.select("row", "reason").rows()) == (
        2, [(3, DELETED)])


def test_load_says_a_salesforce_leads_report_alone_cannot_show_wins(write_file):
    ds = load(write_file("leads.csv", SF_LEADS), now=NOW)
    w = next(w for w in ds.health.warnings if w.code == "wins_on_opportunities")
    assert (w.count, "Load the opportunities report" in w.message) == (1, True)


def test_load_counts_only_kept_leads_among_the_converted(write_file):
    leads = SF_LEADS.replace("Converted\n", "Converted,IsDeleted\n").replace(
        "true\n", "true,true\n").replace("false\n", "false,false\n")
    ds = load(write_file("leads.csv", leads), now=NOW)
    assert "wins_on_opportunities" not in {w.code for w in ds.health.warnings}


def test_load_marks_the_win_rate_unavailable_for_a_salesforce_leads_report_alone(write_file):
    ds = load(write_file("leads.csv", SF_LEADS), now=NOW)
    assert ds.health.capability("Win rate and conversion").status == "unavailable"


def test_load_gives_no_wins_warning_with_the_opportunities_loaded(write_file):
    leads = SF_LEADS.replace("Converted\n", "Converted,Converted Opportunity ID\n").replace(
        "true\n", "true,0065g00000Kk1Ab\n").replace("false\n", "false,\n")
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", SF_OPPS), now=NOW)
    assert ("wins_on_opportunities" in {w.code for w in ds.health.warnings},
            ds.deals["lead_id"].to_list()) == (False, ["00Q5g00000AbC1x"])


@pytest.mark.parametrize(("won", "closed", "outcome"), [
    ("true", "true", "won"), ("false", "true", "lost"), ("false", "false", "open"),
])
def test_load_reads_the_won_flag_with_the_closed_flag(write_file, won, closed, outcome):
    leads = "Lead ID,Created Date,Converted Opportunity ID\nL1,2025-01-02,O1\n"
    deals = f"Opportunity ID,Won,Closed,Close Date\nO1,{won},{closed},2025-03-01\n"
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", deals), now=NOW)
    assert (ds.deals["outcome"].item(), ds.leads["outcome"].item()) == (outcome, outcome)


def test_load_keeps_an_open_deals_close_date_as_a_forecast_not_an_event(write_file):
    leads = "Lead ID,Created Date,Converted Opportunity ID\nL1,2025-01-02,O1\n"
    deals = "Opportunity ID,Won,Closed,Close Date\nO1,false,false,2030-06-30\n"
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", deals), now=NOW)
    assert (ds.deals["closed_at"].item(), ds.deals["close_forecast"].item(), export_end(ds)) == (
        None, dt.date(2030, 6, 30), dt.datetime(2025, 1, 2))


def test_load_counts_a_shared_deals_amount_once(write_file):
    leads = ("Lead ID,Created Date,Converted Opportunity ID\n"
             "L1,2025-01-02,O1\nL2,2025-01-03,O1\n")
    deals = "Opportunity ID,Stage,Amount\nO1,Closed Won,50000\n"
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", deals), now=NOW)
    assert (ds.leads["outcome"].to_list(), ds.leads["amount"].sum()) == (["won", "won"], 50000)


def test_load_links_hubspot_association_columns_by_value(write_file):
    contacts = "Record ID,Create Date,Lifecycle Stage,Email\n101,2025-01-02,Lead,a@x.example\n"
    deals = ("Record ID,Deal Stage,Pipeline,Associated Contact IDs\n9001,Closed Won,Sales,101\n")
    ds = load(write_file("c.csv", contacts), deals=write_file("d.csv", deals), now=NOW)
    assert (ds.deals["lead_id"].to_list(), ds.leads["outcome"].to_list()) == (["101"], ["won"])


@pytest.mark.parametrize(("headers", "text"), [
    (["Lead ID", "Converted"], "Salesforce leads report"),
    (["Opportunity ID", "Stage", "Won", "Closed"], "Salesforce opportunities report"),
    (["Record ID", "Deal Stage", "Pipeline", "Deal Name"], "HubSpot deals export"),
    (["Deal - ID", "Deal - Person ID", "Deal - Status"], "Pipedrive deals export"),
])
def test_file_model_recognises_the_crm_from_headers(headers, text):
    frame = pl.DataFrame({h: ["00Q5g00000AbC1x" if h == "Lead ID" else "1"] for h in headers})
    assert file_model(frame).text == text


def test_file_model_recognises_an_opportunity_only_export():
    frame = pl.DataFrame({"opportunity_id": ["A", "B"], "deal_stage": ["Won", "Prospecting"]})
    assert file_model(frame).crm == "opportunities"


def test_load_keeps_opportunities_without_a_creation_date(write_file):
    opps = ("opportunity_id,sales_agent,deal_stage,engage_date,close_value\n"
            "A1,Ann,Won,2025-01-02,100\nA2,Bob,Prospecting,,\n")
    ds = load(write_file("pipeline.csv", opps), now=NOW)
    assert (ds.leads["lead_id"].to_list(), ds.leads["outcome"].to_list(),
            ds.leads["owner"].to_list()) == (["A1", "A2"], ["won", "open"], ["Ann", "Bob"])


def test_load_joins_a_companies_lookup_as_lead_attributes(write_file):
    contacts = ("Record ID,Create Date,Email,Lifecycle Stage,Associated Company IDs\n"
                "101,2025-01-02,a@x.example,Lead,7001\n102,2025-01-03,b@x.example,Lead,\n")
    companies = "Record ID,Company name,Industry\n7001,Acme,Retail\n"
    ds = build_dataset([("leads", read_file(write_file("c.csv", contacts))),
                        ("lookup", read_file(write_file("co.csv", companies)))], now=NOW)
    assert (ds.leads["Industry"].to_list(), "Industry" in ds.attributes) == (
        ["Retail", None], True)


def test_load_joins_a_lookup_by_a_compact_lead_column(write_file):
    # 2,000 contacts of four companies: the reader keeps the company ids compactly
    contacts = "Record ID,Create Date,Associated Company IDs\n" + "".join(
        f"{100 + i},2025-01-02,CO-{7001 + i % 4}\n" for i in range(2_000))
    companies = "Record ID,Company name,Industry\n" + "".join(
        f"CO-{7001 + i},Co {i},{('Retail', 'Energy')[i % 2]}\n" for i in range(4))
    raw = read_file(write_file("c.csv", contacts))
    ds = build_dataset([("leads", raw), ("lookup", read_file(write_file("co.csv", companies)))],
                       now=NOW)
    assert (isinstance(raw.frame.schema["Associated Company IDs"], pl.Categorical),
            ds.leads["Industry"].cast(pl.String).value_counts().sort("Industry").rows()) == (
        True, [("Energy", 1_000), ("Retail", 1_000)])


def test_load_replaces_owner_ids_with_user_names(write_file):
    leads = ("Lead ID,Created Date,Lead Owner ID\n00Q5g00000AbC1x,2025-01-02,0055g00000Uu1Vv\n"
             "00Q5g00000AbC2Y,2025-01-03,0055g00000Uu2Ww\n")
    users = "User ID,Full Name\n0055g00000Uu1VvAAJ,Ana Silva\n0055g00000Uu2WwAAJ,Ben Ode\n"
    ds = build_dataset([("leads", read_file(write_file("l.csv", leads))),
                        ("lookup", read_file(write_file("u.csv", users)))], now=NOW)
    assert ds.leads["owner"].to_list() == ["Ana Silva", "Ben Ode"]


@pytest.mark.parametrize("text", [
    PD_ACTS, "Email,Activity Date,Activity Type\nann@x.example,2025-01-02 12:00,Call\n"],
    ids=["pipedrive", "generic"])
def test_guess_roles_reads_activities_that_name_their_person_by_email(write_file, text):
    tables = [read_file(write_file("c.csv", HS_CONTACTS)), read_file(write_file("a.csv", text))]
    assert guess_roles(tables) == ["leads", "activities"]


def test_guess_roles_reads_a_companies_export_as_a_lookup(write_file):
    companies = "Record ID,Company name,Industry,Create Date\n7001,Acme,Retail,2024-01-01\n"
    assert guess_roles([read_file(write_file("companies.csv", companies))]) == ["lookup"]


# -- Salesforce tasks and events (the weekly Data Export, API names) -----------------------

SF_API_LEADS = (
    "Id,CreatedDate,Status,IsConverted,ConvertedContactId\n"
    "00Q5g00000AbC1x,2025-01-02T09:00:00.000Z,Closed - Converted,true,0035g00000Cc1Dd\n"
    "00Q5g00000AbC2Y,2025-01-03T10:00:00.000Z,Working - Contacted,false,\n"
    "00Q5g00000aBc3Z,2025-01-04T11:00:00.000Z,Open - Not Contacted,false,\n")
SF_TASKS = (
    "Id,WhoId,Subject,ActivityDate,Status,TaskSubtype,OwnerId,CompletedDateTime\n"
    # the converted lead's call, moved by the conversion to its contact (18-character id)
    "00T1,0035g00000Cc1DdAAJ,Call,2025-01-02,Completed,Call,0051,2025-01-02T09:30:00.000Z\n"
    "00T2,00Q5g00000AbC2Y,Email,2025-01-03,Completed,Email,0051,2025-01-03T14:00:00.000Z\n"
    "00T3,00Q5g00000aBc3Z,Call back,2025-01-09,Not Started,Task,0051,\n")
SF_EVENTS = ("Id,WhoId,Subject,ActivityDateTime,EventSubtype,OwnerId\n"
             "00U1,00Q5g00000aBc3Z,Demo,2025-01-06T15:00:00.000Z,Event,0051\n")


def _sf_api(write_file, tasks: str = SF_TASKS):
    return build_dataset([("leads", read_file(write_file("Lead.csv", SF_API_LEADS))),
                          ("activities", read_file(write_file("Task.csv", tasks))),
                          ("activities", read_file(write_file("Event.csv", SF_EVENTS)))],
                         now=NOW)


def test_guess_roles_reads_salesforce_tasks_as_activities_not_leads(write_file):
    tables = [read_file(write_file("Lead.csv", SF_API_LEADS)),
              read_file(write_file("Task.csv", SF_TASKS)),
              read_file(write_file("Event.csv", SF_EVENTS))]
    assert guess_roles(tables) == ["leads", "activities", "activities"]


def test_load_links_a_converted_leads_tasks_through_its_contact(write_file):
    ds = _sf_api(write_file)
    w = next(w for w in ds.health.warnings if w.code == "activities_by_contact")
    assert (ds.leads["touches"].to_list(), w.count) == ([1, 1, 1], 1)


def test_load_takes_a_salesforce_tasks_completion_time_not_its_due_date(write_file):
    ds = _sf_api(write_file)
    assert ds.leads["first_response_at"].to_list() == [
        dt.datetime(2025, 1, 2, 9, 30), dt.datetime(2025, 1, 3, 14), dt.datetime(2025, 1, 6, 15)]


def test_load_leaves_a_contact_shared_by_two_converted_leads_unlinked(write_file):
    leads = SF_API_LEADS.replace("false,\n00Q5g00000aBc3Z", "true,0035g00000Cc1Dd\n00Q5g00000aBc3Z")
    ds = build_dataset([("leads", read_file(write_file("Lead.csv", leads))),
                        ("activities", read_file(write_file("Task.csv", SF_TASKS)))], now=NOW)
    assert (ds.leads["touches"].to_list(), ds.health.rejected["reason"].to_list()[0]) == (
        [0, 1, 0], "the activity's lead 0035g00000Cc1DdAAJ is not among the leads")


def test_load_rejects_a_salesforce_task_not_started_as_not_done(write_file):
    ds = _sf_api(write_file)
    assert ds.health.rejected.select("file", "row", "reason").rows() == [
        ("Task.csv", 4, "not done yet (Status: Not Started): a planned activity is not a touch")]


def test_load_keeps_a_salesforce_task_without_completion_time_by_its_date(write_file):
    tasks = SF_TASKS.replace("2025-01-03T14:00:00.000Z", "")  # an older task: date only
    ds = _sf_api(write_file, tasks=tasks)
    assert (ds.leads["first_response_at"][1], ds.health.rejected.height) == (
        dt.datetime(2025, 1, 3), 1)


def test_load_reads_a_salesforce_tasks_subtype_as_its_kind_not_its_empty_type(write_file):
    tasks = SF_TASKS.replace("Status,", "Type,Status,").replace(",Completed,", ",,Completed,")
    tasks = tasks.replace(",Not Started,", ",,Not Started,")
    ds = _sf_api(write_file, tasks=tasks)
    assert sorted(ds.activities["kind"].to_list()) == ["Call", "Email", "Event"]


def test_load_links_a_task_naming_its_lead_by_the_18_character_id(write_file):
    tasks = SF_TASKS.replace("00T2,00Q5g00000AbC2Y,", "00T2,00Q5g00000AbC2YEAV,")
    ds = _sf_api(write_file, tasks=tasks)
    w = next(w for w in ds.health.warnings if w.code == "activities_by_id_form")
    assert (ds.leads["touches"].to_list(), w.count) == ([1, 1, 1], 1)


def test_load_links_a_converted_contact_of_a_lead_listed_twice(write_file):
    first = SF_API_LEADS.splitlines()[1]
    leads = SF_API_LEADS + first + "\n"
    ds = build_dataset([("leads", read_file(write_file("Lead.csv", leads))),
                        ("activities", read_file(write_file("Task.csv", SF_TASKS)))], now=NOW)
    assert ds.leads["touches"].to_list() == [1, 1, 0, 1]


@pytest.mark.parametrize(("header", "done", "not_done"), [
    ("Status", "Completed", "Not Started"),           # Salesforce Task
    ("IsClosed", "true", "false"),                      # Salesforce Task
    ("Activity - Done", "Done", "To do"),               # Pipedrive
    ("Task Status", "COMPLETED", "NOT_STARTED"),        # HubSpot
    ("Statut", "Terminé", "À faire"),                   # a French export
    ("Call Status", "Completed", "Overdue"),            # Zoho CRM calls
    ("Outgoing Call Status", "Completed", "Cancelled"),  # Zoho CRM's field label
    ("Meeting outcome", "No show", "Rescheduled"),      # HubSpot meetings
])
def test_load_rejects_activities_not_done_yet(write_file, header, done, not_done):
    acts = (f"Activity - Type,Activity - Due date,Person - Email,{header}\n"
            f"call,2025-01-02 12:00,ann@x.example,{done}\n"
            f"call,2025-01-09 09:00,bo@y.example,{not_done}\n")
    ds = _contacts(write_file, activities=acts)
    assert (ds.leads["touches"].to_list(), ds.health.rejected.select("row", "reason").rows()) == (
        [1, 0, 0], [(3, f"not done yet ({header}: {not_done}): a planned activity is not a touch")])


@pytest.mark.parametrize(("first", "second"), [
    ("Left voicemail", "No answer"),   # a call's outcome
    ("Open", "Click"),                 # an e-mail's events: "Open" is no to-do
])
def test_load_keeps_activities_whose_status_is_not_a_done_flag(write_file, first, second):
    acts = ("Activity - Type,Activity - Due date,Person - Email,Status\n"
            f"call,2025-01-02 12:00,ann@x.example,{first}\n"
            f"call,2025-01-05 09:00,bo@y.example,{second}\n")
    ds = _contacts(write_file, activities=acts)
    assert ds.leads["touches"].to_list() == [1, 1, 0]


def test_load_warns_when_first_responses_are_known_to_the_day_only(write_file):
    tasks = "\n".join(
        [SF_TASKS.splitlines()[0].replace(",CompletedDateTime", "")]
        + [f"00T{i},00Q5g00000AbC2Y,Call,2025-01-{i + 3:02d},Completed,Call,0051"
           for i in range(12)]) + "\n"
    leads = SF_API_LEADS + "".join(
        f"00Q5g0000{i:06d},2025-01-03T10:00:00.000Z,Open,false,\n" for i in range(11))
    tasks += "".join(f"00X{i},00Q5g0000{i:06d},Call,2025-01-04,Completed,Call,0051\n"
                     for i in range(11))
    ds = build_dataset([("leads", read_file(write_file("Lead.csv", leads))),
                        ("activities", read_file(write_file("Task.csv", tasks)))], now=NOW)
    w = next(w for w in ds.health.warnings if w.code == "responses_by_day")
    assert (w.count, "known to the day only" in w.message) == (12, True)


def test_load_warns_of_responses_by_day_despite_one_timed_response(write_file):
    leads = SF_API_LEADS + "".join(
        f"00Q5g0000{i:06d},2025-01-03T10:00:00.000Z,Open,false,\n" for i in range(11))
    tasks = ("Id,WhoId,Subject,ActivityDate,Status\n"
             + "".join(f"00X{i},00Q5g0000{i:06d},Call,2025-01-04,Completed\n" for i in range(11)))
    ds = build_dataset([("leads", read_file(write_file("Lead.csv", leads))),
                        ("activities", read_file(write_file("Task.csv", tasks))),
                        ("activities", read_file(write_file("Event.csv", SF_EVENTS)))], now=NOW)
    w = next(w for w in ds.health.warnings if w.code == "responses_by_day")
    assert w.message.startswith("The first responses of 11 of 12 leads")


def test_load_warns_when_creation_dates_carry_no_time_of_day(write_file):
    leads = "Lead ID,Create Date\n" + "".join(
        f"00Q5g0000{i:06d},1/{i + 2}/2025\n" for i in range(12))
    tasks = "Id,WhoId,CompletedDateTime\n" + "".join(
        f"00X{i},00Q5g0000{i:06d},2025-01-{i + 2:02d}T15:30:00.000Z\n" for i in range(12))
    ds = build_dataset([("leads", read_file(write_file("report.csv", leads))),
                        ("activities", read_file(write_file("Task.csv", tasks)))], now=NOW)
    w = next(w for w in ds.health.warnings if w.code == "responses_by_day")
    assert (w.count, "measured from midnight" in w.message) == (12, True)


def _by_day_case(write_file, created: str, done: str):
    """Twelve leads created on ``created`` (a day pattern) and touched on ``done``."""
    leads = "Lead ID,Create Date\n" + "".join(
        f"00Q5g0000{i:06d},{created.format(d=i + 2)}\n" for i in range(12))
    tasks = "Id,WhoId,CompletedDateTime\n" + "".join(
        f"00X{i},00Q5g0000{i:06d},{done.format(d=i + 2)}\n" for i in range(12))
    return build_dataset([("leads", read_file(write_file("report.csv", leads))),
                          ("activities", read_file(write_file("Task.csv", tasks)))], now=NOW)


def test_load_gives_no_by_day_warning_when_both_times_are_known(write_file):
    ds = _by_day_case(write_file, "2025-01-{d:02d} 09:10", "2025-01-{d:02d}T15:30:00.000Z")
    assert "responses_by_day" not in {w.code for w in ds.health.warnings}


def test_load_warns_when_both_times_are_dates_only(write_file):
    ds = _by_day_case(write_file, "1/{d}/2025", "2025-01-{d:02d}")
    w = next(w for w in ds.health.warnings if w.code == "responses_by_day")
    assert w.message.startswith("The creation dates and first responses of 12 of 12 leads")


HS_CALLS = ("Record ID,Activity date,Call outcome,Activity assigned to,Associated Contact IDs\n"
            "9001,2025-01-02 12:00,Connected,Ann Lee,101\n"
            "9002,2025-01-05 09:00,No answer,Ann Lee,102;103\n")


def test_guess_roles_reads_a_hubspot_calls_export_as_activities(write_file):
    tables = [read_file(write_file("contacts.csv", HS_CONTACTS)),
              read_file(write_file("calls.csv", HS_CALLS))]
    assert (guess_roles(tables), file_model(tables[1].frame).text) == (
        ["leads", "activities"], "HubSpot activities export")


def test_load_counts_a_call_with_two_contacts_as_a_touch_of_each(write_file):
    ds = _contacts(write_file, activities=HS_CALLS)
    w = next(w for w in ds.health.warnings if w.code == "activities_for_several")
    assert (ds.leads["touches"].to_list(), w.count) == ([1, 1, 1], 1)


def test_load_reads_association_cells_naming_the_contact_by_name_and_id(write_file):
    calls = HS_CALLS.replace("Associated Contact IDs", "Associated Contact").replace(
        ",101\n", ",Ann (101)\n").replace(",102;103\n", ",Bo (102)\n")
    ds = _contacts(write_file, activities=calls)
    assert ds.leads["touches"].to_list() == [1, 1, 0]


def test_load_names_the_association_column_that_held_the_activities_emails(write_file):
    calls = HS_CALLS.replace("Associated Contact IDs", "Associated Contact").replace(
        ",101\n", ",Ann (ann@x.example)\n").replace(",102;103\n", ",Bo (bo@y.example)\n")
    ds = _contacts(write_file, activities=calls)
    w = next(w for w in ds.health.warnings if w.code == "activities_by_email")
    assert (ds.leads["touches"].to_list(), "the activities' Associated Contact," in w.message) == (
        [1, 1, 0], True)


MARKETO_ACTS = ("Activity ID,Lead ID,Activity Date,Activity Type\n"
                "1,101,2025-01-02 00:05,Send Email\n2,101,2025-01-02 00:06,Email Delivered\n"
                "3,102,2025-01-03 00:10,Open Email\n4,102,2025-01-04 09:00,Sales Call Logged\n")


def test_load_keeps_a_sales_teams_own_send_email_activity(write_file):
    acts = ("Activity ID,Lead ID,Activity Date,Activity Type\n"
            "1,101,2025-01-02 10:05,Send Email\n2,102,2025-01-03 11:00,Call\n")
    ds = _contacts(write_file, activities=acts)
    assert (ds.leads["touches"].to_list(), ds.health.rejected.height) == ([1, 1, 0], 0)


def test_load_rejects_marketing_steps_as_no_sales_touch(write_file):
    ds = _contacts(write_file, activities=MARKETO_ACTS)
    assert (ds.leads["touches"].to_list(), ds.health.rejected["reason"].to_list()) == (
        [0, 1, 0], [f"a marketing or system activity ({k}), not a sales touch"
                    for k in ("Send Email", "Email Delivered", "Open Email")])


def test_load_links_deals_through_a_contacts_association_cell_of_several_deals(write_file):
    contacts = HS_CONTACTS.replace("Email\n", "Email,Associated Deal IDs\n").replace(
        "ann@x.example\n", "ann@x.example,9001;9002\n").replace(
        "Bo@Y.example\n", "Bo@Y.example,9003\n").replace("cy@z.example\n", "cy@z.example,\n")
    deals = ("Record ID,Deal Name,Deal Stage\n9001,A1,Closed Won\n9002,A2,Closed Lost\n"
             "9003,B1,Closed Lost\n")
    ds = _contacts(write_file, contacts=contacts, deals=deals)
    assert (sorted(ds.deals.select("deal_id", "lead_id").rows()),
            ds.leads["outcome"].to_list()) == (
        [("9001", "101"), ("9002", "101"), ("9003", "102")], ["won", "lost", "open"])


SF_API_OPPS = (  # Data Loader's Opportunity.csv: the converted lead's opportunity and two more
    "Id,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate\n"
    "0065g00000Xy1Ab,Acme,Closed Won,900,2025-02-01,true,true,2025-01-10T09:00:00.000Z\n"
    "0065g00000Xy2Cd,Beta,Closed Lost,500,2025-02-02,true,false,2025-01-11T09:00:00.000Z\n"
    "0065g00000Xy3Ef,Gamma,Negotiation/Review,700,2026-03-01,false,false,"
    "2025-01-12T09:00:00.000Z\n")
SF_REPORT_OPPS = (  # the same as a report: labels, and 0/1 flags
    "Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Won,Closed\n"
    "0065g00000Xy1Ab,Acme,Closed Won,$900.00,2/1/2025,1/10/2025,1,1\n"
    "0065g00000Xy2Cd,Beta,Closed Lost,$500.00,2/2/2025,1/11/2025,0,1\n"
    "0065g00000Xy3Ef,Gamma,Negotiation/Review,$700.00,3/1/2026,1/12/2025,0,0\n")
PIPEDRIVE_DEALS = (  # a deals export: each deal names its person
    "Deal - ID,Deal - Title,Deal - Status,Deal - Value,Deal - Deal created,Person - ID\n"
    "501,Acme deal,won,900,2025-01-10 09:00:00,1001\n"
    "502,Beta deal,lost,500,2025-01-11 09:00:00,1001\n"
    "503,Gamma deal,open,700,2025-01-12 09:00:00,1002\n")


def test_guess_roles_reads_salesforce_opportunities_beside_leads_as_deals(write_file):
    tables = [read_file(write_file("Lead.csv", SF_API_LEADS)),
              read_file(write_file("Opportunity.csv", SF_API_OPPS))]
    assert guess_roles(tables) == ["leads", "deals"]


@pytest.mark.parametrize(("name", "text"), [
    ("Opportunity.csv", SF_API_OPPS), ("opportunities_report.csv", SF_REPORT_OPPS),
    ("deals-export.csv", PIPEDRIVE_DEALS)])
def test_a_deals_export_alone_is_one_record_per_deal(write_file, name, text):
    table = read_file(write_file(name, text))
    assert guess_roles([table]) == ["leads"]
    ds = build_dataset([("leads", table)], now=NOW)
    # won, closed without winning (lost), still open: the won flag read with the closed one
    assert (ds.leads.height, ds.leads["outcome"].to_list()) == (3, ["won", "lost", "open"])
    assert ds.leads["lead_id"].n_unique() == 3
    assert ds.health.files[0].model.startswith("opportunities export")


PIPEDRIVE_PERSONS = ("Person - ID,Person - Name,Person - Person created\n"
                     "1001,Ana,2025-01-01 09:00:00\n1002,Bo,2025-01-01 09:00:00\n")
PIPEDRIVE_ACTIVITIES = (  # the third call was logged on Bo's deal only; the last on nothing
    "Activity - Type,Activity - Done,Activity - Marked as done time,Person - ID,Deal - ID\n"
    "Call,Done,2025-01-01 10:00:00,1001,\n"
    "Call,Done,2025-01-01 12:00:00,1001,501\n"
    "Call,Done,2025-01-01 11:00:00,,503\n"
    "Call,Done,2025-01-01 13:00:00,,\n")


def test_load_links_an_activity_logged_on_a_deal_to_the_deals_lead(write_file):
    ds = load(write_file("people.csv", PIPEDRIVE_PERSONS),
              deals=write_file("deals.csv", PIPEDRIVE_DEALS),
              activities=write_file("activities.csv", PIPEDRIVE_ACTIVITIES), now=NOW)
    first = dict(zip(ds.leads["lead_id"], ds.leads["first_response_at"], strict=True))
    assert first == {"1001": dt.datetime(2025, 1, 1, 10), "1002": dt.datetime(2025, 1, 1, 11)}
    assert "activities_by_deal" in [w.code for w in ds.health.warnings]
    rejected = ds.health.rejected.filter(pl.col("file") == "activities.csv")
    assert rejected.select("row", "reason").rows() == [(5, "lead_id is empty")]


@pytest.mark.parametrize("text", [
    # Data Loader: the Id column holds campaign member ids (00v), LeadId the leads'
    "Id,CampaignId,LeadId,ContactId,Status,HasResponded\n"
    "00v5g0000FrdlyGAQQ,7015g000000AbeFAAS,00Q5g00000AbC1x,,Responded,true\n"
    "00v5g0000CTopkfAQB,7015g000000AbcDAAS,00Q5g00000AbC2Y,,Sent,false\n",
    # a campaign members report: a lead in two campaigns
    "Campaign Name,Lead ID,Contact ID,Member Status,First Responded Date\n"
    "Webinar,00Q5g00000AbC1x,,Responded,2025-01-05\n"
    "Newsletter,00Q5g00000AbC1x,,Sent,\n"
    "Newsletter,00Q5g00000AbC2Y,,Sent,\n"])
def test_guess_roles_leaves_out_salesforce_campaign_members(write_file, text):
    tables = [read_file(write_file("Lead.csv", SF_API_LEADS)),
              read_file(write_file("CampaignMember.csv", text))]
    assert guess_roles(tables) == ["leads", "ignore"]
    assert file_model(tables[1].frame).object == "campaign member"
    said = guess_files([write_file("Lead.csv", SF_API_LEADS),
                        write_file("CampaignMember.csv", text)])[1]
    assert (said.role, said.line) == (None, f"CampaignMember.csv: left out ({CAMPAIGN_MEMBERS})")


PARDOT = (  # synced with the first lead, with the converted lead's contact, and with nothing
    "Id,Email,Score,Grade,CRM Lead FID,CRM Contact FID,Created Date\n"
    "41,a@x.example,120,A,00Q5g00000AbC2Y,,2025-01-01\n"
    "42,b@x.example,35,C,,0035g00000Cc1Dd,2025-01-01\n"
    "43,c@x.example,5,D,,,2025-01-01\n")


def test_guess_roles_joins_pardot_prospects_to_salesforce_leads(write_file):
    leads = read_file(write_file("Lead.csv", SF_API_LEADS))
    prospects = read_file(write_file("prospects.csv", PARDOT))
    assert guess_roles([leads, prospects]) == ["leads", "lookup"]
    assert guess_roles([prospects]) == ["leads"]  # on its own, the prospects are the leads


def test_load_adds_pardot_score_and_grade_to_the_leads_they_are_synced_with(write_file):
    ds = build_dataset([("leads", read_file(write_file("Lead.csv", SF_API_LEADS))),
                        ("lookup", read_file(write_file("prospects.csv", PARDOT)))], now=NOW)
    got = ds.leads.sort("lead_id").select("score", "Grade").rows()
    # by the lead id, and by the contact the first lead was converted into
    assert (ds.leads.height, got) == (3, [(35.0, "C"), (120.0, "A"), (None, None)])
    link = next(f.link for f in ds.health.files if f.name == "prospects.csv")
    assert "joined to 2 of 3 leads" in link and "1 prospect is in no Salesforce lead" in link
    assert "Email" not in ds.leads.columns  # personal fields are not joined


def test_guess_roles_keeps_a_leads_file_with_a_campaign_and_a_responded_column(write_file):
    text = ("Lead ID,Created,Campaign,Responded,Status\n"
            "00Q5g00000AbC1x,2025-01-02,Webinar,Yes,Open\n"
            "00Q5g00000AbC2Y,2025-01-03,Newsletter,No,Open\n")
    assert guess_roles([read_file(write_file("leads.csv", text))]) == ["leads"]


def test_load_links_a_task_on_an_opportunity_by_either_id_form(write_file):
    opp = "0065g00000Xy1Ab"  # the report's 15 characters; the task's WhatId has 18
    leads = ("Lead ID,Created Date,Converted Opportunity ID\n"
             f"00Q5g00000AbC1x,2025-01-02 09:00,{opp}\n00Q5g00000AbC2Y,2025-01-03 09:00,\n")
    opps = f"Opportunity ID,Stage,Created Date\n{opp},Closed Won,2025-01-05\n"
    tasks = ("Id,WhoId,WhatId,Status,CompletedDateTime\n"
             f"00T5g00000Tk1Ab,,{salesforce_id18(opp)},Completed,2025-01-02T15:00:00.000Z\n")
    ds = load(write_file("leads.csv", leads), deals=write_file("opps.csv", opps),
              activities=write_file("Task.csv", tasks), now=NOW)
    first = dict(zip(ds.leads["lead_id"], ds.leads["first_response_at"], strict=True))
    assert first == {"00Q5g00000AbC1x": dt.datetime(2025, 1, 2, 15), "00Q5g00000AbC2Y": None}


def test_load_rejects_a_pipedrive_to_do_as_not_done_not_as_timeless(write_file):
    acts = ("Activity - Type,Activity - Done,Activity - Marked as done time,Person - ID\n"
            "Call,Done,2025-01-01 10:00:00,1001\nCall,To do,,1002\n")
    ds = load(write_file("people.csv", PIPEDRIVE_PERSONS),
              activities=write_file("activities.csv", acts), now=NOW)
    assert ds.health.rejected.select("row", "reason").rows() == [
        (3, "not done yet (Activity - Done: To do): a planned activity is not a touch")]


META_LEADS = ("id,created_time,email,campaign_name,platform\n"
              "l:101,2025-01-02T09:00:00+0000,ana@x.example,Spring,fb\n"
              "l:102,2025-01-03T09:00:00+0000,bo@x.example,Spring,ig\n"
              + "".join(f"l:{i},2025-01-03T09:00:00+0000,p{i}@x.example,Spring,fb\n"
                        for i in range(110, 128)))
LINKEDIN_LEADS = ("First Name,Email Address,Submitted At,Campaign Name\n"  # no id column
                  "Cy,cy@x.example,2025-01-04 09:00,Webinar\n"
                  "Bo,BO@x.example ,2025-01-05 09:00,Webinar\n")
DEALS_BY_EMAIL = ("Deal - ID,Deal - Status,Deal - Deal created,Person - Email\n"
                  "1,won,2025-02-01 09:00,cy@x.example\n2,lost,2025-02-01 09:00,ana@x.example\n")


def test_load_stacks_lead_files_with_and_without_ids_and_links_both_by_email(write_file):
    ds = load([write_file("meta.csv", META_LEADS), write_file("linkedin.csv", LINKEDIN_LEADS)],
              deals=write_file("deals.csv", DEALS_BY_EMAIL), now=NOW)
    assert ds.leads["lead_id"].null_count() == 0 and ds.leads["lead_id"].n_unique() == 22
    won = ds.leads.filter(pl.col("outcome") == "won")["lead_id"].to_list()
    assert won == ["linkedin.csv:2"]  # Cy, whose only id is the file and row
    codes = {w.code: w.count for w in ds.health.warnings}
    assert codes["row_ids"] == 2 and codes["people_in_several_files"] == 1  # Bo, twice


ZOHO_LEADS = (  # converted leads keep their Converted Deal id (here without zcrm_)
    "Record Id,Lead Owner,Lead Source,Lead Status,Converted,Converted Deal,Created Time\n"
    "zcrm_4876876000000123001,Jon,Web,Contacted,true,4876876000001023001,2024-06-01 09:00:00\n"
    "zcrm_4876876000000123002,Jon,Web,Contacted,true,4876876000001023002,2024-06-02 09:00:00\n"
    "zcrm_4876876000000123003,Ann,Chat,Junk Lead,false,,2024-06-03 09:00:00\n"
    "zcrm_4876876000000123004,Ann,Chat,Contacted,false,,2024-06-04 09:00:00\n")
ZOHO_DEALS = (
    "Record Id,Deal Owner,Deal Name,Amount,Stage,Closing Date,Created Time\n"
    "zcrm_4876876000001023001,Jon,A,100,Closed Won,2024-07-01,2024-06-10 09:00:00\n"
    "zcrm_4876876000001023002,Jon,B,200,Closed-Lost to Competition,2024-07-02,"
    "2024-06-11 09:00:00\n")
ZOHO_CALLS = ("Record Id,Call Type,Call Start Time,Call Status,Who Id,Created Time\n"
              "zcrm_1,Outbound,2024-06-01 10:30:00,Completed,zcrm_4876876000000123001,"
              "2024-06-01 10:30:00\n"
              "zcrm_2,Outbound,2024-06-05 10:30:00,Scheduled,zcrm_4876876000000123004,"
              "2024-06-01 10:30:00\n")


def test_guess_files_reads_a_zoho_export_by_its_model(write_file):
    paths = [write_file("Leads.csv", ZOHO_LEADS), write_file("Deals.csv", ZOHO_DEALS),
             write_file("Calls.csv", ZOHO_CALLS)]
    assert [g.role for g in guess_files(paths)] == ["leads", "deals", "activities"]
    ds = build_dataset([(g.role, g.table) for g in guess_files(paths)], now=NOW)
    # Converted is not won: the won deal wins, the lost one loses, Junk Lead is lost
    assert ds.leads.sort("lead_id")["outcome"].to_list() == ["won", "lost", "lost", "open"]
    first = ds.leads.sort("lead_id")["first_response_at"].to_list()
    assert first == [dt.datetime(2024, 6, 1, 10, 30), None, None, None]  # Scheduled: no touch


DYNAMICS_LEADS = ("Name,Topic,Status,Status Reason,Lead Source,Created On\n"
                  "Eva Costa,Order,Qualified,Qualified,Web,3/20/2024 10:42 PM\n"
                  "Ines Jovanovic,Info,Disqualified,Cannot Contact,Web,3/21/2024 9:00 AM\n"
                  "Hugo Petrov,Order,Open,New,Trade Show,3/22/2024 9:00 AM\n")
DYNAMICS_OPPS = ("Topic,Originating Lead,Status,Status Reason,Est. Revenue,Actual Revenue,"
                 "Actual Close Date,Created On\n"
                 'Costa order,Eva Costa,Won,Won,"$25,000.00","$24,000.00",5/10/2024,'
                 "3/26/2024 6:09 AM\n")
DYNAMICS_CALLS = ("Activity Type,Subject,Regarding,Activity Status,Actual End,Due Date,Created On\n"
                  "Phone Call,Call,Eva Costa,Completed,3/21/2024 8:00 AM,3/20/2024 11:00 PM,"
                  "3/20/2024 10:50 PM\n"
                  "Phone Call,Call,Hugo Petrov,Open,,3/22/2024 10:00 AM,3/22/2024 9:10 AM\n")


def test_guess_files_reads_a_dynamics_export_by_its_model(write_file):
    paths = [write_file("Leads.csv", DYNAMICS_LEADS),
             write_file("Opportunities.csv", DYNAMICS_OPPS),
             write_file("Phone Calls.csv", DYNAMICS_CALLS)]
    guessed = guess_files(paths)  # not a stage-list export: linked by Originating Lead
    assert [g.role for g in guessed] == ["leads", "deals", "activities"]
    ds = build_dataset([(g.role, g.table) for g in guessed], now=NOW)
    leads = ds.leads.sort("lead_id")
    assert leads["outcome"].to_list() == ["won", "lost", "open"]  # Qualified is not won
    assert leads["first_response_at"].to_list() == [dt.datetime(2024, 3, 21, 8), None, None]
    assert ds.deals["amount"].to_list() == [24_000.0]
    # linked by the lead's name, then identified by file and row: a name is never an id
    assert leads["lead_id"].to_list() == ["Leads.csv:2", "Leads.csv:3", "Leads.csv:4"]
    assert ds.deals["lead_id"].to_list() == ["Leads.csv:2"]
    assert leads["Name"].to_list() == ["Eva Costa", "Ines Jovanovic", "Hugo Petrov"]


def test_load_keeps_an_own_id_column_in_a_file_named_like_a_dynamics_view(write_file):
    leads = ("Lead ID,Name,Topic,Created On,Status Reason\n"
             "L1,John Smith,Order,3/20/2024 10:42 PM,New\n"
             "L2,John Smith,Info,3/21/2024 9:00 AM,New\n")
    ds = load(write_file("leads.csv", leads), now=NOW)
    assert ds.leads["lead_id"].to_list() == ["L1", "L2"]


META_DOWNLOAD = (
    "id,created_time,ad_id,adset_id,campaign_id,campaign_name,form_id,is_organic,platform,"
    "email\n"
    "l:1,2025-01-02T09:00:00+0000,23850000000000001,23851,23852,Spring,888,false,fb,a@x.example\n"
    "l:2,2025-01-02T10:00:00+0000,23850000000000002,23851,23852,Spring,888,false,ig,b@x.example\n"
    "l:3,2025-01-02T11:00:00+0000,23850000000000001,23851,23852,Spring,888,false,fb,"
    "<test lead: dummy data for email>\n")


def test_load_reads_a_meta_lead_ads_download(write_file):
    ds = load(write_file("leads.csv", META_DOWNLOAD), now=NOW)
    assert ds.leads.sort("lead_id")["source"].to_list() == ["fb", "ig"]  # the ad's platform
    assert ds.health.rejected.select("row", "reason").rows() == [(4, TEST_LEAD)]
    assert ds.leads["ad_id"].dtype == pl.String  # 17 digits: an id, not a number


MARKETO_PEOPLE = ("Id,Created At,Email Address,Lead Status,SFDC Type,Acquisition Program\n"
                  '1,"Mar 20, 2024 10:29 PM",a@x.example,Converted,Contact,Webinar\n'
                  '2,"Mar 21, 2024 10:29 PM",b@x.example,Disqualified,Lead,Webinar\n'
                  '3,"Mar 22, 2024 10:29 PM",c@x.example,Working,Lead,Tradeshow\n')


def test_load_reads_a_marketo_converted_lead_as_open_not_won(write_file):
    ds = load(write_file("people.csv", MARKETO_PEOPLE), now=NOW)
    assert ds.leads.sort("lead_id")["outcome"].to_list() == ["open", "lost", "open"]
    assert "wins_on_opportunities" in {w.code for w in ds.health.warnings}
    assert "SFDC Type" not in ds.attributes  # Contact once converted: set by the outcome


def test_load_links_by_email_people_who_are_leads_in_two_files(write_file):
    # a quarter of the people filled in both forms: their e-mail repeats across the files,
    # never within one, and still links each deal
    meta = "id,created_time,email\n" + "".join(
        f"m{i},2025-01-02T09:00:00+0000,p{i}@x.example\n" for i in range(40))
    linkedin = "First Name,Email Address,Submitted At\n" + "".join(
        f"P{i},p{i}@x.example,2025-01-03 09:00\n" for i in range(30, 70))
    deals = "Deal - ID,Deal - Status,Person - Email\n" + "".join(
        f"{i},won,p{i}@x.example\n" for i in (1, 50, 60))
    ds = load([write_file("meta.csv", meta), write_file("linkedin.csv", linkedin)],
              deals=write_file("deals.csv", deals), now=NOW)
    assert ds.deals["lead_id"].null_count() == 0
    assert {w.code: w.count for w in ds.health.warnings}["people_in_several_files"] == 10
    assert "Email Address" not in ds.attributes  # one e-mail column now: "email"


@pytest.mark.parametrize(("header", "touches"), [("Activity Status", 1), ("Status", 2)])
def test_load_reads_open_as_not_done_under_an_activity_status_only(write_file, header,
                                                                   touches):
    acts = (f"Regarding,Activity Type,Actual End,{header},Created On\n"
            "Ana,Phone Call,3/21/2024 8:00 AM,Completed,3/21/2024 8:00 AM\n"
            "Ana,Phone Call,3/21/2024 9:00 AM,Open,3/21/2024 9:00 AM\n")
    leads = "Lead ID,Email,Created\nAna,a@x.example,2024-03-20 08:00\n"
    ds = load(write_file("leads.csv", leads), activities=write_file("calls.csv", acts),
              mapping=None, now=NOW)
    assert ds.leads["touches"].to_list() == [touches]
