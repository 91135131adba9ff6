"""Tests of the seeded sample generator (funnel.sample)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.dataset.schema import as_text
from funnel.findings.registry import diagnose_places
from funnel.sample.export import SAMPLE_FILES, load_sample, main, sample_dataset, write_sample
from funnel.sample.life import generate_sample
from funnel.sample.world import PROBLEMS
from funnel.stats.intervals import rate_ratio
from funnel.stats.tests import auc_interval

N = 3_000
SEED = 7
EXPORT_AT = datetime(2026, 11, 1)
MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"
FIN_DM = ["CFO", "Head of Finance", "VP Finance", "Finance Director", "Controller"]

CONTACT_HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
    "Create Date", "Original Source", "UTM Campaign", "Contact owner", "Owner Assigned Date",
    "Lifecycle Stage", "Became a Marketing Qualified Lead Date", "SAL Date",
    "Became a Sales Qualified Lead Date", "Became an Opportunity Date", "Lead Status",
    "Disqualification Reason", "HubSpot Score", "Industry", "Number of Employees",
    "Annual Revenue", "Job Title", "Country/Region", "Budget Confirmed", "Decision Maker",
    "Purchase Timeline",
]
DEAL_HEADERS = [
    "Deal - ID", "Deal - Title", "Deal - HubSpot Contact ID", "Deal - Value", "Deal - Currency",
    "Deal - Status", "Deal - Stage", "Deal - Owner", "Deal - Deal created", "Deal - Won time",
    "Deal - Lost time", "Deal - Lost reason",
]
ACTIVITY_HEADERS = [
    "Activity - ID", "Activity - Type", "Activity - Subject", "Activity - HubSpot Contact ID",
    "Activity - Assigned to user", "Activity - Marked as done time",
]
SPEND_HEADERS = ["Month", "Channel", "Campaign", "Spend"]
STAGE_DATES = [
    "Create Date", "Became a Marketing Qualified Lead Date", "SAL Date",
    "Became a Sales Qualified Lead Date", "Became an Opportunity Date",
]


def _ts(col: str, fmt: str = MINUTE) -> pl.Expr:
    return pl.col(col).str.strptime(pl.Datetime, fmt)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate_sample(n_leads=N, seed=SEED)


@pytest.fixture(scope="module")
def leads(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Contacts with first touch, touch count, reassignment flag and outcome flags."""
    return _lead_table(frames)


def _lead_table(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Contacts with first touch, touch count, reassignment flag and outcome flags."""
    acts = frames["activities"].group_by("Activity - HubSpot Contact ID").agg(
        _ts("Activity - Marked as done time", SECOND).min().alias("first_touch"),
        pl.len().alias("touches"),
        pl.col("Activity - Assigned to user").n_unique().alias("reps"),
    )
    won_ids = frames["deals"].filter(pl.col("Deal - Status") == "won")["Deal - HubSpot Contact ID"]
    employees = pl.col("Number of Employees").str.replace_all(",", "").cast(pl.Int64, strict=False)
    return (
        frames["contacts"]
        .join(acts, left_on="Record ID", right_on="Activity - HubSpot Contact ID", how="left")
        .with_columns(
            _ts("Create Date").alias("created"),
            _ts("Owner Assigned Date").alias("assigned"),
            pl.col("Became a Sales Qualified Lead Date").is_not_null().alias("qualified"),
            pl.col("Record ID").is_in(won_ids.implode()).alias("won"),
            pl.col("touches").fill_null(0),
            (
                pl.col("Industry").is_in(["Software", "Financial Services"])
                & employees.is_between(50, 1000)
                & (pl.col("Budget Confirmed") == "Yes")
                & pl.col("Job Title").is_in(FIN_DM)
            ).fill_null(False).alias("in_profile"),
        )
        .with_columns(
            ((pl.col("first_touch") - pl.col("created")).dt.total_seconds() / 3600).alias("hours"),
            ((pl.col("assigned") - pl.col("created")).dt.total_seconds() / 3600)
            .alias("assign_hours"),
        )
    )


def _per_owner(leads: pl.DataFrame, *aggs: pl.Expr) -> dict[str, dict]:
    table = leads.filter(pl.col("Contact owner").is_not_null()).group_by("Contact owner").agg(*aggs)
    return {row.pop("Contact owner"): row for row in table.to_dicts()}


# ------------------------------------------------------------------------- shape & format


def test_generate_sample_returns_the_four_frames(frames):
    assert sorted(frames) == ["activities", "contacts", "deals", "spend"]


def test_generate_sample_uses_the_export_headers(frames):
    assert frames["contacts"].columns == CONTACT_HEADERS
    assert frames["deals"].columns == DEAL_HEADERS
    assert frames["activities"].columns == ACTIVITY_HEADERS
    assert frames["spend"].columns == SPEND_HEADERS


def test_generate_sample_all_columns_are_text(frames):
    for frame in frames.values():
        assert set(frame.schema.values()) == {pl.String}


def test_generate_sample_row_counts(frames):
    assert frames["contacts"].height == N
    assert 0.07 * N <= frames["deals"].height <= 0.16 * N
    assert 2.3 * N <= frames["activities"].height <= 3.8 * N
    assert frames["spend"].height > 0


def test_generate_sample_is_deterministic_for_a_seed(frames):
    again = generate_sample(n_leads=N, seed=SEED)
    for key, frame in frames.items():
        assert frame.equals(again[key]), key


def test_generate_sample_differs_between_seeds(frames):
    other = generate_sample(n_leads=N, seed=SEED + 1)
    assert not frames["contacts"].equals(other["contacts"])


def test_generate_sample_record_ids_are_unique_integers(frames):
    ids = frames["contacts"]["Record ID"]
    assert ids.n_unique() == N
    assert ids.str.contains(r"^\d+$").all()


def test_generate_sample_ids_of_deals_and_activities_are_unique(frames):
    assert frames["deals"]["Deal - ID"].is_unique().all()
    assert frames["deals"]["Deal - ID"].str.contains(r"^D-\d{6,}$").all()
    assert frames["activities"]["Activity - ID"].is_unique().all()


def test_generate_sample_date_formats(frames):
    contacts, deals, acts = frames["contacts"], frames["deals"], frames["activities"]
    minute = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"
    second = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
    for col in [*STAGE_DATES, "Owner Assigned Date"]:
        assert contacts[col].drop_nulls().str.contains(minute).all(), col
    for col in ["Deal - Deal created", "Deal - Won time", "Deal - Lost time"]:
        assert deals[col].drop_nulls().str.contains(second).all(), col
    assert acts["Activity - Marked as done time"].str.contains(second).all()


def test_generate_sample_number_formats(frames):
    contacts, deals, spend = frames["contacts"], frames["deals"], frames["spend"]
    employees = contacts["Number of Employees"].drop_nulls().filter(
        contacts["Number of Employees"].drop_nulls() != "N/A"
    )
    assert employees.str.contains(r"^\d{1,3}(,\d{3})*$").all()
    assert employees.str.contains(",").any()
    assert contacts["Annual Revenue"].drop_nulls().str.contains(r"^\$\d{1,3}(,\d{3})*$").all()
    score = contacts["HubSpot Score"].cast(pl.Int64)
    assert score.min() >= 0 and score.max() <= 100
    value = deals["Deal - Value"].cast(pl.Float64)
    assert value.min() >= 5_000 and value.max() <= 80_000
    assert (deals["Deal - Currency"] == "USD").all()
    assert spend["Spend"].str.contains(r"^\$\d{1,3}(,\d{3})*\.\d{2}$").all()
    assert spend["Month"].str.contains(r"^\d{4}-\d{2}$").all()


def test_generate_sample_contact_details_look_real(frames):
    contacts = frames["contacts"]
    assert contacts["Email"].str.contains(r"^[a-z]+\.[a-z]+\d*@[a-z.]+\.example$").all()
    phones = contacts["Phone Number"].drop_nulls()
    assert phones.str.contains(r"^\+1 555 01\d{2} \d{4}$").all()
    assert contacts["Company Name"].drop_nulls().n_unique() > N / 4


def test_generate_sample_vocabularies(frames):
    contacts, deals = frames["contacts"], frames["deals"]
    assert set(contacts["Original Source"].unique()) == {
        "Organic Search", "Paid Search", "Paid Social", "Email Marketing", "Referrals",
        "Direct Traffic", "Offline Sources",
    }
    assert set(contacts["Lifecycle Stage"].unique()) == {
        "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer",
    }
    assert set(contacts["Lead Status"].unique()) == {
        "New", "Attempted to Contact", "Connected", "Open Deal", "Unqualified", "Bad Timing",
    }
    assert set(contacts["Disqualification Reason"].drop_nulls().unique()) == {
        "No budget", "Student / job seeker", "Too small", "Competitor", "Wrong contact",
        "Not reachable", "Expected a free product",
    }
    assert set(deals["Deal - Status"].unique()) == {"won", "lost", "open"}
    assert set(deals["Deal - Lost reason"].drop_nulls().unique()) <= {
        "Price too high", "Chose competitor", "No decision", "Missing feature",
        "Expected a free product", "Bad timing",
    }
    assert set(frames["activities"]["Activity - Type"].unique()) == {"call", "email", "meeting"}
    assert 8 <= contacts["UTM Campaign"].drop_nulls().n_unique() <= 12
    assert contacts["UTM Campaign"].null_count() > 0
    assert 6 <= contacts["Contact owner"].drop_nulls().n_unique() <= 8


def test_generate_sample_has_form_placeholders(frames):
    contacts = frames["contacts"]
    assert (contacts["Job Title"] == "N/A").sum() > 0
    assert (contacts["Industry"] == "Select").sum() > 0
    assert (contacts["Number of Employees"] == "N/A").sum() > 0


def test_generate_sample_disqualification_reason_only_for_unqualified(frames):
    contacts = frames["contacts"]
    has_reason = contacts["Disqualification Reason"].is_not_null()
    assert (has_reason == (contacts["Lead Status"] == "Unqualified")).all()


def test_generate_sample_spend_covers_paid_channels_only(frames):
    spend = frames["spend"]
    assert set(spend["Channel"].unique()) <= {"Paid Search", "Paid Social", "Offline Sources"}
    assert "facebook-free-tool" in spend["Campaign"].to_list()
    assert spend.select("Month", "Campaign").is_unique().all()


# ------------------------------------------------------------------------- integrity


def test_deals_refer_to_existing_contacts(frames):
    ids = frames["contacts"]["Record ID"].implode()
    assert frames["deals"]["Deal - HubSpot Contact ID"].is_in(ids).all()


def test_activities_refer_to_existing_contacts(frames):
    ids = frames["contacts"]["Record ID"].implode()
    assert frames["activities"]["Activity - HubSpot Contact ID"].is_in(ids).all()


def test_deals_exist_exactly_for_opportunities(frames):
    contacts = frames["contacts"]
    with_deal = set(frames["deals"]["Deal - HubSpot Contact ID"].to_list())
    opps = set(contacts.filter(pl.col("Became an Opportunity Date").is_not_null())["Record ID"])
    assert with_deal == opps


def test_deals_a_handful_of_leads_have_two():
    deals = generate_sample(n_leads=20_000, seed=SEED)["deals"]
    counts = deals["Deal - HubSpot Contact ID"].value_counts()
    assert counts["count"].max() <= 2
    assert 0 < (counts["count"] == 2).sum() < 0.05 * counts.height


def test_deals_created_on_or_after_opportunity_date(frames):
    joined = frames["deals"].join(
        frames["contacts"], left_on="Deal - HubSpot Contact ID", right_on="Record ID"
    )
    late = joined.filter(
        _ts("Deal - Deal created", SECOND) < _ts("Became an Opportunity Date")
    )
    assert late.height == 0


def test_deals_won_make_the_contact_a_customer(frames):
    won = set(
        frames["deals"].filter(pl.col("Deal - Status") == "won")["Deal - HubSpot Contact ID"]
    )
    customers = set(
        frames["contacts"].filter(pl.col("Lifecycle Stage") == "Customer")["Record ID"]
    )
    assert won == customers


def test_deals_close_times_match_status(frames):
    deals = frames["deals"]
    won, lost = deals["Deal - Status"] == "won", deals["Deal - Status"] == "lost"
    assert (deals["Deal - Won time"].is_not_null() == won).all()
    assert (deals["Deal - Lost time"].is_not_null() == lost).all()
    assert (deals["Deal - Lost reason"].is_not_null() == lost).all()


def test_deals_sales_cycle_is_tens_of_days(frames):
    cycle = frames["deals"].select(
        (_ts("Deal - Won time", SECOND) - _ts("Deal - Deal created", SECOND)).dt.total_days()
    ).to_series().drop_nulls()
    assert 15 <= cycle.median() <= 70


def test_contacts_stage_dates_are_monotone(frames):
    dates = frames["contacts"].select([_ts(c).alias(c) for c in STAGE_DATES])
    for earlier, later in zip(STAGE_DATES, STAGE_DATES[1:], strict=False):
        broken = dates.filter(
            pl.col(later).is_not_null()
            & (pl.col(earlier).is_null() | (pl.col(earlier) > pl.col(later)))
        )
        assert broken.height == 0, (earlier, later)


def test_contacts_lifecycle_stage_is_furthest_stage_reached(frames):
    contacts = frames["contacts"]
    expected = (
        pl.when(pl.col("Lifecycle Stage") == "Customer").then(pl.lit("Customer"))
        .when(pl.col("Became an Opportunity Date").is_not_null()).then(pl.lit("Opportunity"))
        .when(pl.col("Became a Sales Qualified Lead Date").is_not_null())
        .then(pl.lit("Sales Qualified Lead"))
        .when(pl.col("Became a Marketing Qualified Lead Date").is_not_null())
        .then(pl.lit("Marketing Qualified Lead"))
        .otherwise(pl.lit("Lead"))
    )
    assert contacts.select((pl.col("Lifecycle Stage") == expected).all()).item()


def test_contacts_unassigned_have_no_assignment_date(frames):
    contacts = frames["contacts"]
    no_owner = contacts["Contact owner"].is_null()
    assert (contacts["Owner Assigned Date"].is_null() == no_owner).all()


def test_contacts_assigned_after_created(leads):
    assert leads.filter(pl.col("assigned") < pl.col("created")).height == 0


def test_activities_happen_after_create_date(leads):
    assert leads.filter(pl.col("first_touch") <= pl.col("created")).height == 0


def test_generate_sample_nothing_after_the_export(frames):
    contacts, deals, acts = frames["contacts"], frames["deals"], frames["activities"]
    latest = [
        contacts.select(_ts(c).max()).item() for c in [*STAGE_DATES, "Owner Assigned Date"]
    ]
    latest += [deals.select(_ts(c, SECOND).max()).item() for c in DEAL_HEADERS[8:11]]
    latest.append(acts.select(_ts("Activity - Marked as done time", SECOND).max()).item())
    assert max(x for x in latest if x is not None) < EXPORT_AT


def test_generate_sample_export_at_cuts_the_data(frames):
    cut = datetime(2026, 5, 1, 12, 0)
    early = generate_sample(n_leads=1_000, seed=SEED, export_at=cut)
    created = early["contacts"].select(_ts("Create Date").max()).item()
    done = early["activities"].select(_ts("Activity - Marked as done time", SECOND).max()).item()
    assert early["contacts"].height == 1_000
    assert created < cut and done < cut


def test_generate_sample_start_and_months(frames):
    small = generate_sample(n_leads=500, seed=SEED, start=date(2024, 3, 1), months=2)
    created = small["contacts"].select(_ts("Create Date").alias("c"))["c"]
    assert created.min() >= datetime(2024, 3, 1) and created.max() < datetime(2024, 5, 1)
    assert set(small["spend"]["Month"]) <= {"2024-03", "2024-04"}


@pytest.mark.parametrize(
    "kwargs",
    [{"n_leads": 0}, {"months": 0}, {"export_at": datetime(2025, 10, 1)}],
)
def test_generate_sample_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        generate_sample(**kwargs)


# ------------------------------------------------------------------------- overall rates


def test_generate_sample_stage_rates_are_plausible(leads):
    def share(col: str) -> float:
        return leads[col].is_not_null().mean()

    assert 0.50 <= share("Became a Marketing Qualified Lead Date") <= 0.68
    assert 0.20 <= share("SAL Date") <= 0.31
    assert 0.11 <= share("Became a Sales Qualified Lead Date") <= 0.19
    assert 0.08 <= share("Became an Opportunity Date") <= 0.14
    assert 0.018 <= leads["won"].mean() <= 0.045


def test_generate_sample_arrivals_mostly_in_business_hours(leads):
    weekday = leads["created"].dt.weekday()
    hour = leads["created"].dt.hour()
    off = ((weekday >= 6) | (hour < 8) | (hour >= 18)).mean()
    assert 0.08 <= off <= 0.25


def test_deals_recent_ones_are_more_often_open(frames):
    deals = frames["deals"].with_columns(_ts("Deal - Deal created", SECOND).alias("created"))
    recent = deals.filter(pl.col("created") >= datetime(2026, 9, 1))
    old = deals.filter(pl.col("created") < datetime(2026, 6, 1))
    assert (recent["Deal - Status"] == "open").mean() > 0.4
    assert (old["Deal - Status"] == "open").mean() < 0.05


# ------------------------------------------------------------------------- planted effects


def test_speed_response_time_is_right_skewed(leads):
    hours = leads["hours"].drop_nulls()
    assert 1.5 <= hours.median() <= 10
    assert (hours > 24).mean() > 0.15
    assert hours.mean() > 2 * hours.median()


def test_speed_fast_response_qualifies_markedly_more_often(leads):
    fast = leads.filter(pl.col("hours") < 1)["qualified"].mean()
    slow = leads.filter(pl.col("hours") >= 24)["qualified"].mean()
    assert fast > 4 * slow


def test_speed_weekend_leads_wait_till_monday(leads):
    weekday = pl.col("created").dt.weekday()
    weekend = (weekday >= 6) | ((weekday == 5) & (pl.col("created").dt.hour() >= 18))
    marked = leads.filter(pl.col("hours").is_not_null()).with_columns(weekend.alias("weekend"))
    assert (
        marked.filter("weekend")["hours"].median()
        > 4 * marked.filter(~pl.col("weekend"))["hours"].median()
    )
    first_days = marked.filter("weekend")["first_touch"].dt.weekday()
    assert (first_days == 1).mean() > 0.5


def test_follow_up_about_one_in_seven_leads_never_touched(leads):
    assert 0.10 <= (leads["touches"] == 0).mean() <= 0.22


def test_follow_up_marcus_has_the_highest_never_touched_share(leads):
    never = _per_owner(leads, (pl.col("touches") == 0).mean().alias("never"))
    worst = max(never, key=lambda rep: never[rep]["never"])
    assert worst == "Marcus Reed"
    assert never["Marcus Reed"]["never"] > 0.25
    assert never["Marcus Reed"]["never"] > 2 * max(
        v["never"] for rep, v in never.items() if rep != "Marcus Reed"
    )


def test_follow_up_marcus_often_gives_up_after_one_attempt(leads):
    touched = leads.filter(pl.col("touches") > 0)
    single = _per_owner(touched, (pl.col("touches") == 1).mean().alias("single"))
    others = [v["single"] for rep, v in single.items() if rep != "Marcus Reed"]
    assert single["Marcus Reed"]["single"] > 1.8 * max(others)


def test_routing_a_few_percent_unassigned(leads):
    assert 0.02 <= leads["Contact owner"].is_null().mean() <= 0.07


def test_routing_priya_gets_her_leads_late(leads):
    delay = _per_owner(leads, pl.col("assign_hours").median().alias("delay"))
    others = [v["delay"] for rep, v in delay.items() if rep != "Priya Shah"]
    assert delay["Priya Shah"]["delay"] > 2.0
    assert delay["Priya Shah"]["delay"] > 10 * max(others)


def test_routing_priya_has_the_most_reassignments(leads):
    touched = leads.filter(pl.col("touches") > 0)
    moved = _per_owner(touched, (pl.col("reps") > 1).mean().alias("moved"))
    others = [v["moved"] for rep, v in moved.items() if rep != "Priya Shah"]
    assert moved["Priya Shah"]["moved"] > 2.5 * max(others)


def test_profile_in_profile_leads_win_more_often(leads):
    inside = leads.filter("in_profile")["won"]
    outside = leads.filter(~pl.col("in_profile"))["won"]
    assert 0.02 <= leads["in_profile"].mean() <= 0.12
    assert inside.mean() > 2.5 * outside.mean()


def test_profile_marketing_sends_mostly_small_companies_and_students(leads):
    employees = pl.col("Number of Employees").str.replace_all(",", "").cast(pl.Int64, strict=False)
    small_or_student = (employees < 50) | (pl.col("Job Title") == "Student")
    known = leads.filter(employees.is_not_null() | (pl.col("Job Title") == "Student"))
    assert known.select(small_or_student.mean()).item() > 0.5


def test_profile_facebook_free_tool_brings_volume_not_fit(leads):
    by_campaign = leads.group_by("UTM Campaign").agg(
        pl.len().alias("leads"), pl.col("in_profile").mean().alias("fit")
    )
    biggest = by_campaign.filter(pl.col("UTM Campaign").is_not_null()).sort("leads")[-1]
    assert biggest["UTM Campaign"].item() == "facebook-free-tool"
    fit = dict(zip(by_campaign["UTM Campaign"], by_campaign["fit"], strict=True))
    assert fit["facebook-free-tool"] < 0.25 * leads["in_profile"].mean()
    paid_social = leads.filter(pl.col("Original Source") == "Paid Social")
    assert paid_social.height == max(
        leads.group_by("Original Source").len()["len"].to_list()
    )


def test_message_free_product_reasons_concentrate_in_facebook_free_tool(frames, leads):
    reason = "Expected a free product"
    lost_free = frames["deals"].filter(pl.col("Deal - Lost reason") == reason)
    flagged = leads.with_columns(
        (
            (pl.col("Disqualification Reason") == reason).fill_null(False)
            | pl.col("Record ID").is_in(lost_free["Deal - HubSpot Contact ID"].implode())
        ).alias("free"),
        (pl.col("UTM Campaign") == "facebook-free-tool").fill_null(False).alias("facebook"),
    )
    assert flagged.filter("free")["facebook"].mean() > 0.5
    in_facebook = flagged.filter("facebook")["free"].mean()
    elsewhere = flagged.filter(~pl.col("facebook"))["free"].mean()
    assert in_facebook > 4 * elsewhere


def test_scoring_hubspot_score_is_only_weakly_predictive(leads):
    score = leads["HubSpot Score"].cast(pl.Float64).to_numpy()
    won = leads["won"].cast(pl.Float64).to_numpy()
    fit = leads["in_profile"].cast(pl.Float64).to_numpy()
    score_corr = np.corrcoef(score, won)[0, 1]
    assert -0.05 < score_corr < 0.12
    assert np.corrcoef(fit, won)[0, 1] > score_corr


def test_pipeline_tom_opens_opportunities_early_and_loses_them_undecided(frames, leads):
    accepted = leads.filter(pl.col("SAL Date").is_not_null())
    is_tom = pl.col("Contact owner") == "Tom Becker"
    to_opp = pl.col("Became an Opportunity Date").is_not_null()
    tom_rate = accepted.filter(is_tom).select(to_opp.mean()).item()
    other_rate = accepted.filter(~is_tom).select(to_opp.mean()).item()
    assert tom_rate > 1.3 * other_rate
    lost = frames["deals"].filter(pl.col("Deal - Status") == "lost")
    undecided = pl.col("Deal - Lost reason") == "No decision"
    tom = lost.filter(pl.col("Deal - Owner") == "Tom Becker").select(undecided.mean()).item()
    rest = lost.filter(pl.col("Deal - Owner") != "Tom Becker").select(undecided.mean()).item()
    assert tom > 2 * rest


def test_readiness_lena_answers_fastest_but_wins_few_opportunities(frames, leads):
    speed = _per_owner(leads, pl.col("hours").median().alias("median"))
    assert min(speed, key=lambda rep: speed[rep]["median"]) == "Lena Park"
    closed = frames["deals"].filter(pl.col("Deal - Status") != "open")
    won = (pl.col("Deal - Status") == "won").mean()
    lena = closed.filter(pl.col("Deal - Owner") == "Lena Park").select(won).item()
    normal = ["Sofia Alvarez", "James Okafor", "Emma Lindqvist", "Priya Shah", "Marcus Reed"]
    rest = closed.filter(pl.col("Deal - Owner").is_in(normal)).select(won).item()
    assert lena < 0.75 * rest


# ------------------------------------------------------------------------- files & CLI


def test_write_sample_returns_the_four_paths_in_order(tmp_path):
    paths = write_sample(tmp_path, n_leads=300, seed=SEED)
    assert [p.name for p in paths] == list(SAMPLE_FILES.values())
    assert all(p.parent == tmp_path and p.stat().st_size > 0 for p in paths)


def test_write_sample_files_are_readable_by_polars(tmp_path):
    frames = generate_sample(n_leads=300, seed=SEED)
    paths = write_sample(tmp_path, n_leads=300, seed=SEED)
    keys = ["contacts", "deals", "activities", "spend"]
    for key, path in zip(keys, paths, strict=True):
        read = pl.read_csv(path, infer_schema=False)
        assert read.equals(frames[key]), key
        typed = pl.read_csv(path)  # default inference works too
        assert typed.height == frames[key].height


def test_write_sample_files_are_utf8_with_a_header_row(tmp_path):
    paths = write_sample(tmp_path, n_leads=200, seed=SEED)
    first_line = paths[0].read_bytes().decode("utf-8").splitlines()[0]
    assert first_line.startswith("Record ID,First Name,Last Name,Email")


def test_write_sample_creates_missing_folder(tmp_path):
    target = tmp_path / "a" / "b"
    write_sample(target, n_leads=100, seed=SEED)
    assert (target / "contacts.csv").exists()


def test_main_writes_the_files(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--leads", "400", "--seed", "3"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [re.split(r"[\\/]", line)[-1] for line in printed] == list(SAMPLE_FILES.values())
    contacts = pl.read_csv(tmp_path / "contacts.csv", infer_schema=False)
    assert contacts.height == 400


def test_sample_files_maps_roles_to_file_names():
    assert SAMPLE_FILES == {
        "leads": "contacts.csv",
        "deals": "deals.csv",
        "activities": "activities.csv",
        "spend": "marketing_spend.csv",
    }


# ------------------------------------------------------------------------- problem switches

# sha256 of each frame's CSV text, recorded before the ``problems`` switch was added.
DEFAULT_HASHES = {
    (2_000, 3, None): {
        "activities": "b47de7545524b7ec793a8a682e1352bb591b893bee78504cd887c373cdbd559a",
        "contacts": "6ff0f3f43eabebb52c5434cd8450c0bc94354188a1719c05cbd46a47e66555ea",
        "deals": "a608e2fb853d28e6c3a54b7360198c4954814e880c34482cd1472a33ef9bfe36",
        "spend": "387e3b964ca727f2e3b70bce6b8efb65d189303a96385057581498ee5fa40c11",
    },
    (1_500, 11, datetime(2026, 6, 15, 13, 30)): {
        "activities": "95f1700b71632de3ec45cc8643554a96fbab09de5d2db6efedc6f2e218f2bf45",
        "contacts": "8b3b34d009097b2f79b6f7699e7bb8c648771d952d98c0245968183982e86112",
        "deals": "59b3dace9258fc3b8ab06a57c771d36857f544c65c839c02fb3e61cc6a75a617",
        "spend": "8cc39637eedc5f96032d0cf010e98abcdc37cbaa138e2ce72463c1e8e23bea32",
    },
}
SWITCH_N = 20_000
MATURE = datetime(2026, 9, 1)  # leads created earlier have had time to qualify and close
Z999 = 3.29  # 99.9% intervals: "within noise" on 20,000 leads
ONLY = {p: (p,) for p in PROBLEMS}
WITHOUT = {p: tuple(q for q in PROBLEMS if q != p) for p in PROBLEMS}


def _hashes(frames: dict[str, pl.DataFrame]) -> dict[str, str]:
    return {k: hashlib.sha256(frames[k].write_csv().encode()).hexdigest() for k in sorted(frames)}


@pytest.mark.parametrize("key", list(DEFAULT_HASHES), ids=["n2000-seed3", "n1500-seed11-cut"])
def test_generate_sample_default_output_is_unchanged(key):
    n_leads, seed, export_at = key
    assert _hashes(generate_sample(n_leads=n_leads, seed=seed, export_at=export_at)) == (
        DEFAULT_HASHES[key]
    )


def test_generate_sample_all_problems_named_equals_the_default():
    named = generate_sample(n_leads=2_000, seed=3, problems=list(reversed(PROBLEMS)))
    assert _hashes(named) == DEFAULT_HASHES[(2_000, 3, None)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("speed, routing", ("routing", "speed")), ("none", ()), ("", ()), ({"scoring"}, ("scoring",))],
)
def test_generate_sample_problems_accepts_strings_and_sets(given, expected):
    a = generate_sample(n_leads=300, seed=2, problems=given)
    b = generate_sample(n_leads=300, seed=2, problems=expected)
    assert _hashes(a) == _hashes(b)


@pytest.mark.parametrize("bad", [("speed", "sped"), "routing,nope", ["Speed"]])
def test_generate_sample_problems_rejects_unknown_names(bad):
    with pytest.raises(ValueError, match="choose among speed, follow_up"):
        generate_sample(n_leads=100, problems=bad)


def test_generate_sample_switches_keep_the_same_leads():
    planted = generate_sample(n_leads=2_000, seed=3)["contacts"]
    clean = generate_sample(n_leads=2_000, seed=3, problems=())["contacts"]
    same = ["Record ID", "Create Date", "Original Source", "UTM Campaign", "Contact owner"]
    assert clean.select(same).equals(planted.select(same))
    assert not clean.equals(planted)


@pytest.fixture(scope="module")
def switched():
    """``switched(problems)`` -> (frames, lead table) on 20,000 leads, cached per module."""
    cache: dict[tuple[str, ...], tuple[dict[str, pl.DataFrame], pl.DataFrame]] = {}

    def get(problems: tuple[str, ...]):
        key = tuple(sorted(problems))
        if key not in cache:
            frames = generate_sample(n_leads=SWITCH_N, seed=SEED, problems=key)
            cache[key] = frames, _lead_table(frames).with_columns(
                (pl.col("created") < MATURE).alias("mature")
            )
        return cache[key]

    return get


def _ratio(frame: pl.DataFrame, group: pl.Expr, flag: pl.Expr) -> tuple[float, float, float]:
    """Rate of ``flag`` in ``group`` over the rest, with a 99.9% Katz interval."""
    t = frame.select(
        flag.filter(group).sum().alias("a"), group.sum().alias("n1"),
        flag.filter(~group).sum().alias("c"), (~group).sum().alias("n0"),
    ).row(0)
    ratio, low, high = rate_ratio(*(int(x) for x in t), z=Z999)
    assert ratio is not None
    return ratio, low, high


def _within_noise(r: tuple[float, float, float], *, limit: float = 1.5) -> bool:
    """No effect: the 99.9% interval holds 1 and the ratio is below the engine's 1.5x."""
    ratio, low, high = r
    return low <= 1.0 <= high and 1 / limit < ratio < limit


def _cases(place: str) -> list:
    return [
        pytest.param(ONLY[place], True, id="only"),
        pytest.param((), False, id="none"),
        pytest.param(WITHOUT[place], False, id="all-but"),
    ]


@pytest.mark.parametrize(("problems", "planted"), _cases("speed"))
def test_switch_speed_qualifying_depends_on_hours_to_first_touch(switched, problems, planted):
    _, leads = switched(problems)
    touched = leads.filter(pl.col("mature") & pl.col("hours").is_not_null())
    ends = touched.filter((pl.col("hours") < 1) | (pl.col("hours") >= 24))
    r = _ratio(ends, pl.col("hours") < 1, pl.col("qualified"))
    assert r[1] > 4 if planted else _within_noise(r), r


@pytest.mark.parametrize(("problems", "planted"), _cases("speed"))
def test_switch_speed_night_and_weekend_leads_wait_for_the_morning(switched, problems, planted):
    _, leads = switched(problems)
    weekday, hour = pl.col("created").dt.weekday(), pl.col("created").dt.hour()
    off_hours = (weekday >= 6) | (hour < 8) | (hour >= 18)
    touched = leads.filter(pl.col("hours").is_not_null())
    wait = touched.group_by(off_hours.alias("off")).agg(pl.col("hours").median())
    by = dict(zip(wait["off"], wait["hours"], strict=True))
    ratio = by[True] / by[False]
    assert ratio > 4 if planted else 0.8 < ratio < 1.25, ratio


def _per_rep_vs_rest(frame: pl.DataFrame, flag: pl.Expr) -> dict[str, tuple]:
    owners = frame["Contact owner"].drop_nulls().unique().to_list()
    return {o: _ratio(frame, pl.col("Contact owner") == o, flag) for o in owners}


@pytest.mark.parametrize(("problems", "planted"), _cases("follow_up"))
def test_switch_follow_up_leads_left_untouched(switched, problems, planted):
    _, leads = switched(problems)
    assigned = leads.filter(pl.col("mature") & pl.col("Contact owner").is_not_null())
    never = pl.col("touches") == 0
    if planted:
        r = _per_rep_vs_rest(assigned, never)["Marcus Reed"]
        assert r[1] > 2.5, r
    else:  # every assigned lead is worked (bar a rare response-time tail past the export)
        assert assigned.select(never.mean()).item() < 0.001


@pytest.mark.parametrize(("problems", "planted"), _cases("follow_up"))
def test_switch_follow_up_reps_giving_up_after_one_attempt(switched, problems, planted):
    _, leads = switched(problems)
    touched = leads.filter(
        pl.col("mature") & pl.col("Contact owner").is_not_null() & (pl.col("touches") > 0)
    )
    ratios = _per_rep_vs_rest(touched, pl.col("touches") == 1)
    if planted:
        assert ratios["Marcus Reed"][1] > 2, ratios["Marcus Reed"]
    else:  # nobody gives up more often than the others (fewer is allowed)
        assert max(r[0] for r in ratios.values()) < 1.25, ratios


@pytest.mark.parametrize(("problems", "planted"), _cases("routing"))
def test_switch_routing_late_assignment(switched, problems, planted):
    _, leads = switched(problems)
    delay = leads.filter(pl.col("Contact owner").is_not_null()).group_by("Contact owner").agg(
        pl.col("assign_hours").median()
    )
    by = dict(zip(delay["Contact owner"], delay["assign_hours"], strict=True))
    others = max(v for k, v in by.items() if k != "Priya Shah")
    assert others < 0.1  # two minutes for everyone else
    assert by["Priya Shah"] > 2 if planted else by["Priya Shah"] < 0.1, by


@pytest.mark.parametrize(("problems", "planted"), _cases("routing"))
def test_switch_routing_reassigned_leads(switched, problems, planted):
    _, leads = switched(problems)
    worked = leads.filter(pl.col("Contact owner").is_not_null() & (pl.col("touches") > 0))
    ratios = _per_rep_vs_rest(worked, pl.col("reps") > 1)
    if planted:
        assert ratios["Priya Shah"][1] > 3, ratios["Priya Shah"]
    else:
        assert all(_within_noise(r) for r in ratios.values()), ratios


@pytest.mark.parametrize(("problems", "planted"), _cases("routing"))
def test_switch_routing_leads_without_owner_are_handled(switched, problems, planted):
    _, leads = switched(problems)
    r = _ratio(leads.filter("mature"), pl.col("Contact owner").is_null(), pl.col("qualified"))
    assert r[2] < 0.6 if planted else _within_noise(r), r


@pytest.mark.parametrize(("problems", "planted"), _cases("profile"))
def test_switch_profile_fit_drives_winning(switched, problems, planted):
    _, leads = switched(problems)
    r = _ratio(leads, pl.col("in_profile"), pl.col("won"))
    assert r[1] > 2.5 if planted else _within_noise(r, limit=2.0), r


@pytest.mark.parametrize(("problems", "planted"), _cases("profile"))
def test_switch_profile_campaigns_send_different_mixes(switched, problems, planted):
    _, leads = switched(problems)
    facebook = (pl.col("UTM Campaign") == "facebook-free-tool").fill_null(False)
    fit = _ratio(leads, facebook, pl.col("in_profile"))
    students = _ratio(leads, facebook, (pl.col("Job Title") == "Student").fill_null(False))
    if planted:
        assert fit[2] < 0.25 and students[1] > 2, (fit, students)
    else:
        assert _within_noise(fit) and _within_noise(students), (fit, students)


@pytest.mark.parametrize(("problems", "planted"), _cases("message"))
def test_switch_message_free_product_reasons_concentrate(switched, problems, planted):
    frames, leads = switched(problems)
    reason = "Expected a free product"
    lost = frames["deals"].filter(pl.col("Deal - Lost reason") == reason)
    free = (pl.col("Disqualification Reason") == reason).fill_null(False) | pl.col(
        "Record ID"
    ).is_in(lost["Deal - HubSpot Contact ID"].implode())
    facebook = (pl.col("UTM Campaign") == "facebook-free-tool").fill_null(False)
    r = _ratio(leads, facebook, free)
    if planted:
        assert r[1] > 4, r
    elif problems == ():
        assert _within_noise(r), r
    else:  # students and small companies crowd the reason out there: fewer, never more
        assert r[2] < 1.5, r


@pytest.mark.parametrize(("problems", "planted"), _cases("scoring"))
def test_switch_scoring_score_predicts_winning(switched, problems, planted):
    _, leads = switched(problems)
    score = leads["HubSpot Score"].cast(pl.Float64).to_numpy()
    auc, _, _ = auc_interval(score, leads["won"].to_numpy())
    assert auc < 0.6 if planted else auc > 0.7, auc


def test_switch_scoring_keeps_the_score_distribution(switched):
    planted, _ = switched(ONLY["scoring"])
    clean, _ = switched(())
    a = planted["contacts"]["HubSpot Score"].cast(pl.Int64).sort()
    b = clean["contacts"]["HubSpot Score"].cast(pl.Int64).sort()
    assert a.equals(b)


@pytest.mark.parametrize(("problems", "planted"), _cases("pipeline"))
def test_switch_pipeline_early_opportunities_that_end_undecided(switched, problems, planted):
    frames, leads = switched(problems)
    tom = pl.col("Contact owner") == "Tom Becker"
    opened = _ratio(leads.filter(pl.col("SAL Date").is_not_null()), tom,
                    pl.col("Became an Opportunity Date").is_not_null())
    lost = frames["deals"].filter(pl.col("Deal - Status") == "lost")
    undecided = _ratio(lost, pl.col("Deal - Owner") == "Tom Becker",
                       pl.col("Deal - Lost reason") == "No decision")
    closed = frames["deals"].filter(pl.col("Deal - Status") != "open")
    wins = _ratio(closed, pl.col("Deal - Owner") == "Tom Becker", pl.col("Deal - Status") == "won")
    if planted:
        assert opened[1] > 1.8 and undecided[1] > 3 and wins[2] < 0.8, (opened, undecided, wins)
    else:
        assert all(_within_noise(r, limit=2.0) for r in (opened, undecided, wins)), (
            opened, undecided, wins)


@pytest.mark.parametrize(("problems", "planted"), _cases("readiness"))
def test_switch_readiness_fast_rep_wins_few(switched, problems, planted):
    frames, leads = switched(problems)
    closed = frames["deals"].filter(pl.col("Deal - Status") != "open")
    wins = _ratio(closed, pl.col("Deal - Owner") == "Lena Park", pl.col("Deal - Status") == "won")
    speed = leads.filter(pl.col("Contact owner").is_not_null()).group_by("Contact owner").agg(
        pl.col("hours").median())
    by = dict(zip(speed["Contact owner"], speed["hours"], strict=True))
    others = [v for k, v in by.items() if k != "Lena Park"]
    if planted:
        assert wins[2] < 0.75 and by["Lena Park"] < 0.5 * min(others), (wins, by)
    else:
        assert _within_noise(wins) and min(others) < by["Lena Park"] < max(others), (wins, by)


@pytest.mark.parametrize("problems", [(), ONLY["speed"], ONLY["pipeline"]], ids=str)
def test_switch_data_keeps_the_export_invariants(problems):
    frames = generate_sample(n_leads=3_000, seed=SEED, problems=problems)
    contacts, deals = frames["contacts"], frames["deals"]
    assert contacts.columns == CONTACT_HEADERS and deals.columns == DEAL_HEADERS
    with_deal = set(deals["Deal - HubSpot Contact ID"])
    assert with_deal == set(
        contacts.filter(pl.col("Became an Opportunity Date").is_not_null())["Record ID"]
    )
    dates = contacts.select([_ts(c).alias(c) for c in STAGE_DATES])
    for earlier, later in zip(STAGE_DATES, STAGE_DATES[1:], strict=False):
        assert dates.filter(pl.col(later) < pl.col(earlier)).height == 0
    touches = frames["activities"].select(_ts("Activity - Marked as done time", SECOND).max())
    assert touches.item() < EXPORT_AT


# ------------------------------------------------------------------------- sample_dataset


def test_sample_dataset_equals_loading_the_written_files(tmp_path):
    write_sample(tmp_path, n_leads=2_000, seed=3)
    from_disk = load_sample(tmp_path)
    in_memory = sample_dataset(n_leads=2_000, seed=3)
    for name in ("leads", "deals", "activities", "spend"):
        # each build names its own categories: compared as text
        assert_frame_equal(as_text(getattr(in_memory, name)), as_text(getattr(from_disk, name)))
    assert in_memory.attributes == from_disk.attributes
    assert in_memory.mapping == from_disk.mapping
    assert in_memory.label == from_disk.label


def test_sample_dataset_names_the_planted_problems():
    ds = sample_dataset(n_leads=300, problems=())
    assert ds.leads.height == 300
    assert ds.label.endswith("problems: none")
    assert sample_dataset(n_leads=300, problems="readiness,speed").label.endswith(
        "problems: speed, readiness"
    )


def test_sample_dataset_export_at_cuts_the_data():
    cut = datetime(2026, 5, 1, 12, 0)
    ds = sample_dataset(n_leads=1_000, export_at=cut)
    assert ds.leads["created_at"].max() < cut


def test_main_problems_option_writes_the_switched_sample(tmp_path):
    assert main(["--out", str(tmp_path), "--leads", "300", "--problems", "none"]) == 0
    written = pl.read_csv(tmp_path / "contacts.csv", infer_schema=False)
    assert written.equals(generate_sample(n_leads=300, seed=SEED, problems=())["contacts"])


def test_main_problems_option_rejects_unknown_names(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path), "--problems", "speed,typo"])
    assert exc.value.code == 2
    assert "Unknown problem 'typo'" in capsys.readouterr().err


# ------------------------------------------------------------------------- findings engine

ENGINE_NULL_PLACES = ("speed", "routing", "follow_up", "profile", "message")


@pytest.fixture(scope="module")
def diagnosed():
    """``diagnosed(problems)`` -> {place: Finding} on 20,000 leads, cached per module."""

    cache: dict[tuple[str, ...], dict] = {}

    def get(problems: tuple[str, ...]):
        if problems not in cache:
            ds = sample_dataset(n_leads=SWITCH_N, seed=SEED, problems=problems)
            cache[problems] = {f.place: f for f in diagnose_places(ds)}
        return cache[problems]

    return get


@pytest.mark.parametrize("place", ENGINE_NULL_PLACES)
def test_findings_report_no_problem_on_clean_sample(diagnosed, place):
    finding = diagnosed(())[place]
    assert finding.status != "problem", finding.headline


@pytest.mark.parametrize(
    ("place", "culprit"),
    [("speed", {}), ("follow_up", {"owner": "Marcus Reed"}), ("routing", {"owner": "Priya Shah"}),
     ("profile", {"campaign": "facebook-free-tool"}),
     ("message", {"campaign": "facebook-free-tool", "reason": "Expected a free product"}),
     ("scoring", {}), ("pipeline", {"owner": "Tom Becker"}), ("readiness", {"owner": "Lena Park"})],
)
def test_findings_find_each_problem_planted_alone(diagnosed, place, culprit):
    finding = diagnosed(ONLY[place])[place]
    assert finding.status == "problem", finding.headline
    assert culprit.items() <= finding.culprit.items(), finding.culprit


@pytest.mark.parametrize("place", PROBLEMS)
def test_findings_clear_each_place_when_only_it_is_left_out(diagnosed, place):
    finding = diagnosed(WITHOUT[place])[place]
    if place == "message":
        # With the profile planted, students from facebook-free-tool still bring
        # "Student / job seeker" rejections there, which the engine reads as a message
        # problem (reported to the lead); the planted reason must be gone.
        assert finding.culprit.get("reason") != "Expected a free product", finding.headline
    else:
        assert finding.status != "problem", finding.headline
