"""Profile model, file, matching, overlap and the ``profile`` JSON key."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel import InputError
from funnel.analyses.profile.criteria import (
    SAMPLE_SALES_PROFILE,
    Criterion,
    Profile,
    load_profile,
    save_profile,
)
from funnel.analyses.profile.fields import nice_edges, resolve_field
from funnel.analyses.profile.fit import ProfileFit, profile_summary, profile_verdict
from funnel.analyses.profile.learned import LearnedProfile
from funnel.analyses.profile.prepared import PreparedLeads, prepare_profile
from funnel.charts import profile as charts
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset, Health
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.sample.export import load_sample
from funnel.stats.intervals import rate_ratio, wilson


def _meets(frame: pl.DataFrame, criterion: Criterion) -> list[bool]:
    fit = ProfileFit(Profile("t", (criterion,))).fit(frame)
    return fit.in_profile_.tolist()


# -- matching: every criterion type ------------------------------------------------------

TEXT = pl.DataFrame({"Industry": ["  software ", "SOFTWARE", "Retail", None, "Soft ware"]})


@pytest.mark.parametrize(("values", "expected"), [
    (("Software",), [True, True, False, False, False]),
    (("software ", "retail"), [True, True, True, False, False]),
    (("Nothing",), [False] * 5),
])
def test_match_text_in_ignores_case_and_outer_spaces(values, expected):
    assert _meets(TEXT, Criterion("Industry", values=values)) == expected


BOOLS = pl.DataFrame({"Budget": [True, False, None, True]})


@pytest.mark.parametrize("wanted", [True, "yes", "Yes", "TRUE", 1, "1"])
def test_match_bool_column_accepts_yes_true_one(wanted):
    assert _meets(BOOLS, Criterion("Budget", values=(wanted,))) == [True, False, False, True]


@pytest.mark.parametrize("wanted", [False, "no", "false", 0])
def test_match_bool_column_accepts_no_false_zero(wanted):
    assert _meets(BOOLS, Criterion("Budget", values=(wanted,))) == [False, True, False, False]


def test_match_yes_no_text_column_against_booleans():
    frame = pl.DataFrame({"Budget": ["Yes", "no", " TRUE ", "0", None, "maybe", "1"]})
    assert _meets(frame, Criterion("Budget", values=(True,))) == [
        True, False, True, False, False, False, True]
    assert _meets(frame, Criterion("Budget", values=(False,))) == [
        False, True, False, True, False, False, False]


def test_match_bool_column_reports_a_value_that_is_not_yes_or_no():
    fit = ProfileFit(Profile("t", (Criterion("Budget", values=("maybe",)),))).fit(BOOLS)
    assert fit.in_profile_.tolist() == [False] * 4
    assert "not a yes/no value" in fit.criteria_["problem"][0]


NUMS = pl.DataFrame({"Employees": [49.0, 50.0, 1000.0, 1001.0, None, 300.0]})


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (50, 1000, [False, True, True, False, False, True]),
    (50, None, [False, True, True, True, False, True]),
    (None, 50, [True, True, False, False, False, False]),
    (300, 300, [False, False, False, False, False, True]),
])
def test_match_range_is_inclusive_and_missing_fails(lo, hi, expected):
    assert _meets(NUMS, Criterion("Employees", min=lo, max=hi)) == expected


def test_match_number_in_list():
    assert _meets(NUMS, Criterion("Employees", values=(50, "300"))) == [
        False, True, False, False, False, True]


def test_match_range_on_text_numbers():
    frame = pl.DataFrame({"Size": ["1,200", "40", "n/a", None]})
    assert _meets(frame, Criterion("Size", min=50)) == [True, False, False, False]


def test_match_date_range_includes_the_whole_max_day():
    t = dt.datetime
    frame = pl.DataFrame({"Signed": [t(2024, 1, 1), t(2024, 1, 31, 23), t(2024, 2, 1), None]})
    c = Criterion("Signed", min="2024-01-01", max="2024-01-31")
    assert _meets(frame, c) == [True, True, False, False]


def test_match_in_and_range_together_must_both_hold():
    frame = pl.DataFrame({"n": [1.0, 2.0, 3.0]})
    assert _meets(frame, Criterion("n", values=(1, 3), min=2)) == [False, False, True]


def test_match_field_found_by_other_case_and_spacing():
    frame = pl.DataFrame({"Company Size": [10.0, 100.0]})
    assert _meets(frame, Criterion("company_size", min=50)) == [False, True]


def test_resolve_field_finds_export_name_of_canonical_field():
    m = Mapping(leads={"source": "Lead Source"})
    assert resolve_field("Lead Source", ["lead_id", "source"], m) == "source"
    assert resolve_field("lead source", ["lead_id", "source"], m) == "source"
    assert resolve_field("Budget", ["lead_id", "source"], m) is None


def test_resolve_field_finds_a_raw_column_named_like_a_canonical_field():
    assert resolve_field("amount", ["lead_id", "amount (raw)"]) == "amount (raw)"


def test_fit_reports_criterion_on_missing_field_and_applies_the_rest():
    frame = pl.DataFrame({"Industry": ["Software", "Retail"]})
    p = Profile("t", (Criterion("Industry", values=("Software",)),
                      Criterion("Budget Confirmed", values=(True,))))
    fit = ProfileFit(p).fit(frame)
    assert fit.in_profile_.tolist() == [True, False]
    assert fit.criteria_["checked"].to_list() == [True, False]
    assert fit.unchecked_ == ["Budget Confirmed: yes — the data has no field 'Budget Confirmed'"]


def test_fit_empty_profile_keeps_every_lead():
    fit = ProfileFit(Profile("empty")).fit(TEXT)
    assert fit.in_n_ == TEXT.height and fit.share_ == 1.0


# -- overlap and outcomes, checked against independent counts ----------------------------

LEADS = pl.DataFrame({
    "lead_id": [str(i) for i in range(10)],
    "created_at": [dt.datetime(2024, 1 + i % 2, 5) for i in range(10)],
    "source": ["ads", "ads", "ads", "seo", "seo", "seo", "seo", None, "ads", "seo"],
    "owner": ["a"] * 5 + ["b"] * 5,
    "Industry": ["Software", "Software", "Retail", "Software", None, "Retail", "Software",
                 "Software", "Retail", "Software"],
    "Size": [100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 500.0, 100.0, 10.0, None],
    "outcome": ["won", "lost", "lost", "won", "lost", "won", "open", "lost", "lost", "won"],
    "sql_at": [dt.datetime(2024, 3, 1) if i in (0, 3, 5, 6) else None for i in range(10)],
})
PROFILE = Profile("t", (Criterion("Industry", values=("software",)),
                        Criterion("Size", min=50, max=200)))


def _independent_in(frame: pl.DataFrame) -> pl.Expr:
    return ((pl.col("Industry").str.to_lowercase() == "software")
            & pl.col("Size").is_between(50, 200)).fill_null(False)


def test_fit_share_equals_independent_count():
    fit = ProfileFit(PROFILE).fit(LEADS)
    expected = LEADS.select(_independent_in(LEADS)).to_series()
    assert fit.in_profile_.tolist() == expected.to_list()
    assert fit.in_n_ == 3 and fit.share_ == 0.3
    assert fit.share_ci_ == wilson(3, 10)


def test_fit_counts_fails_and_fails_only_per_criterion():
    fit = ProfileFit(PROFILE).fit(LEADS)
    got = fit.criteria_.select("fails", "missing", "fails_only")
    # Industry fails: 2, 4 (missing), 5, 8 -> 4; only Industry (Size fine): 2, 4, 5 -> 3
    # Size fails: 1, 6, 8, 9 (missing) -> 4; only Size: 1, 6, 9 -> 3
    expected = pl.DataFrame({"fails": [4, 4], "missing": [1, 1], "fails_only": [3, 3]})
    assert_frame_equal(got, expected)


def test_fit_win_and_qualified_rates_in_and_out_of_profile():
    fit = ProfileFit(PROFILE).fit(LEADS)
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    assert (o["in profile"]["leads"], o["in profile"]["won"]) == (3, 2)  # leads 0, 3, 7
    assert (o["out of profile"]["leads"], o["out of profile"]["won"]) == (7, 2)
    assert (o["in profile"]["ci_low"], o["in profile"]["ci_high"]) == pytest.approx(wilson(2, 3))
    assert o["in profile"]["qualified"] == 2 and o["out of profile"]["qualified"] == 3
    assert fit.rate_ratio_ == pytest.approx(rate_ratio(2, 3, 2, 7))


def test_fit_qualified_rate_is_null_without_stage_data():
    fit = ProfileFit(PROFILE).fit(LEADS.drop("sql_at"))
    assert fit.outcomes_["qualified_rate"].null_count() == 2


def test_fit_by_source_equals_independent_group_count():
    fit = ProfileFit(PROFILE).fit(LEADS)
    expected = (LEADS.with_columns(pl.col("source").fill_null("(none)"),
                                   _independent_in(LEADS).alias("in"))
                .group_by("source").agg(pl.len().cast(pl.Int64).alias("leads"),
                                        pl.col("in").sum().cast(pl.Int64).alias("in_profile"))
                .sort("source"))
    assert_frame_equal(fit.by_source_.select("source", "leads", "in_profile").sort("source"),
                       expected)


def test_fit_by_month_is_in_time_order():
    fit = ProfileFit(PROFILE).fit(LEADS)
    assert fit.by_month_["month"].to_list() == ["2024-01", "2024-02"]
    assert fit.by_month_["in_profile"].sum() == 3


def test_fit_breakdown_absent_without_its_field():
    assert ProfileFit(PROFILE).fit(LEADS.drop("owner")).by_owner_ is None


def test_refit_reuses_the_match_of_unchanged_criteria():
    prepared = prepare_profile(LEADS)
    fit = ProfileFit(PROFILE).fit(prepared)
    first = fit.matches_[0]
    fit = ProfileFit(PROFILE.with_criterion(Criterion("Size", min=50), index=1)).fit(prepared)
    assert fit.matches_[0] is first
    assert fit.in_n_ == 4


def test_fit_on_prepared_leads_equals_fit_on_the_table():
    prepared = prepare_profile(LEADS)
    a, b = ProfileFit(PROFILE).fit(prepared), ProfileFit(PROFILE).fit(LEADS)
    assert a.prepared_ is prepared and isinstance(b.prepared_, PreparedLeads)
    assert a.in_profile_.tolist() == b.in_profile_.tolist()
    assert_frame_equal(a.criteria_, b.criteria_)
    assert_frame_equal(a.by_source_, b.by_source_)


def test_two_profiles_side_by_side_share_the_prepared_leads():
    prepared = prepare_profile(LEADS)
    sales = ProfileFit(PROFILE).fit(prepared)
    other = ProfileFit(Profile("o", PROFILE.criteria[:1])).fit(prepared)
    assert other.matches_[0] is sales.matches_[0]
    assert other.in_n_ >= sales.in_n_
    assert sales.profile_ == PROFILE  # fitting the second leaves the first as it was


def test_profile_fit_old_argument_order_says_how_to_call_it():
    with pytest.raises(TypeError, match=r"ProfileFit\(profile\)\.fit\(ds\)"):
        ProfileFit(LEADS)
    with pytest.raises(TypeError, match="the profile goes to ProfileFit"):
        ProfileFit(PROFILE).fit(PROFILE)


def test_prepared_leads_keep_their_mapping():
    prepared = prepare_profile(LEADS, mapping=Mapping(leads={"source": "Lead Source"}))
    assert prepared.column_for("Lead Source") == "source"
    assert prepare_profile(prepared) is prepared
    with pytest.raises(ValueError, match="another mapping"):
        ProfileFit(PROFILE, mapping=Mapping(leads={"source": "Origin"})).fit(prepared)


def test_drill_down_failing_only_one_criterion():
    fit = ProfileFit(PROFILE).fit(LEADS)
    assert fit.leads_failing(1, only=True)["lead_id"].to_list() == ["1", "6", "9"]
    assert fit.leads_in_profile()["lead_id"].to_list() == ["0", "3", "7"]


def test_distribution_marks_wanted_values_and_missing():
    d = ProfileFit(PROFILE).fit(LEADS).distribution(0)
    got = {r["value"]: (r["leads"], r["wanted"]) for r in d.to_dicts()}
    assert got == {"Software": (6, True), "Retail": (3, False), "(missing)": (1, None)}


def test_distribution_bins_align_with_the_range():
    frame = pl.DataFrame({"n": [float(x) for x in range(1, 2001)], "outcome": ["lost"] * 2000})
    fit = ProfileFit(Profile("t", (Criterion("n", min=50, max=1000),))).fit(frame)
    d = fit.distribution(0)
    assert d.filter(pl.col("wanted"))["leads"].sum() == 951


def test_nice_edges_put_criterion_bounds_on_edges():
    edges = nice_edges(np.array([3.0, 20, 300, 4000]), lo=50, hi=1000)
    assert 50 in edges and 1001 in edges


def test_verdict_says_plainly_when_profile_does_not_separate():
    frame = pl.DataFrame({"x": ["a", "b"] * 100, "outcome": ["won", "lost", "lost", "won"] * 50})
    fit = ProfileFit(Profile("t", (Criterion("x", values=("a",)),))).fit(frame)
    assert "does not separate winners" in profile_verdict(fit)


def test_verdict_without_outcomes():
    fit = ProfileFit(Profile("t", (Criterion("x", values=("a",)),))).fit(
        pl.DataFrame({"x": ["a", "b"]}))
    assert "no outcomes" in profile_verdict(fit)
    assert fit.outcomes_["win_rate"].null_count() == 2


# -- the file ------------------------------------------------------------------------------


def test_profile_file_round_trip(tmp_path):
    path = save_profile(SAMPLE_SALES_PROFILE, tmp_path / "sales")
    assert path.name == "sales.profile.json"
    assert load_profile(path) == SAMPLE_SALES_PROFILE


def test_profile_file_keeps_unknown_keys():
    text = json.dumps({"name": "S", "owner": "Ann", "criteria": [
        {"field": "Industry", "in": ["Software"], "note": "from the call"}]})
    assert load_profile(text.encode()).to_dict() == json.loads(text)


def test_profile_file_contract_example_reads():
    text = b"""{"name": "Sales: closable lead", "criteria": [
       {"field": "industry", "in": ["Software", "Manufacturing"]},
       {"field": "company_size", "min": 50, "max": 500},
       {"field": "budget_confirmed", "in": [true]}]}"""
    p = load_profile(text)
    assert [c.field for c in p.criteria] == ["industry", "company_size", "budget_confirmed"]
    assert p.criteria[2].values == (True,)


@pytest.mark.parametrize(("text", "message"), [
    (b"{nope", "not valid JSON"),
    (b'{"name": "x"}', "needs a 'criteria' list"),
    (b'{"criteria": [{"in": ["a"]}]}', "needs a 'field'"),
    (b'{"criteria": [{"field": "a"}]}', "demands nothing"),
    (b'{"criteria": [{"field": "a", "min": 5, "max": 1}]}', "above 'max'"),
    (b'{"criteria": [{"field": "a", "in": "Software"}]}', "must be a list"),
    (b'{"criteria": [{"field": "a", "min": "lots"}]}', "must be a number"),
])
def test_load_profile_rejects_bad_files_plainly(text, message):
    with pytest.raises(InputError, match=message):
        load_profile(text)


def test_load_profile_missing_file(tmp_path):
    with pytest.raises(InputError, match="could not be read"):
        load_profile(tmp_path / "none.profile.json")


# -- on the sample and the contract key ------------------------------------------------------


def test_sample_sales_profile_matches_the_planted_figures(sample_fit):
    assert round(sample_fit.share_, 3) == 0.058
    o = {r["group"]: r for r in sample_fit.outcomes_.to_dicts()}
    assert round(o["in profile"]["win_rate"], 3) == 0.117
    assert round(o["out of profile"]["win_rate"], 3) == 0.025


def test_sample_profile_by_campaign_shows_the_free_tool(sample_fit):
    row = sample_fit.by_campaign_.filter(pl.col("campaign") == "facebook-free-tool").row(
        0, named=True)
    assert row["in_profile_share"] < 0.01


def test_profile_summary_has_contract_keys():
    out = profile_summary(load_sample(), SAMPLE_SALES_PROFILE)
    assert {"name", "in_profile_share", "in_profile_rate", "out_of_profile_rate", "by_source",
            "by_campaign"} <= set(out)
    assert set(out["by_source"][0]) >= {"source", "leads", "in_profile_share"}
    assert set(out["by_campaign"][0]) >= {"campaign", "leads", "in_profile_share"}
    json.dumps(out)  # JSON-safe


def test_profile_summary_rates_null_without_outcomes():
    ds_like = pl.DataFrame({"lead_id": ["1", "2"], "x": ["a", "b"]})

    ds = Dataset(ds_like, None, None, None, ["x"], Mapping(),
                 Health([], pl.DataFrame(), [], []))
    out = profile_summary(ds, Profile("t", (Criterion("x", values=("a",)),)))
    assert out["in_profile_share"] == 0.5
    assert out["in_profile_rate"] is None and out["out_of_profile_rate"] is None


def test_xed_profile_on_occupation_and_lead_source(xed_dataset):
    p = Profile("X", (Criterion("What is your current occupation",
                                values=("Working Professional",)),
                      Criterion("Lead Source", values=("Reference",))))
    fit = ProfileFit(p).fit(xed_dataset)
    leads = xed_dataset.leads
    expected = leads.filter((pl.col("What is your current occupation") == "Working Professional")
                            & (pl.col("source") == "Reference"))
    assert fit.criteria_["checked"].all()
    assert fit.in_n_ == expected.height > 0
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    assert o["in profile"]["won"] == (expected["outcome"] == "won").sum()


@pytest.fixture(scope="module")
def sample_fit():
    return ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())


def test_distribution_of_a_date_criterion_is_by_month():
    t = dt.datetime
    frame = pl.DataFrame({"Signed": [t(2024, 1, 3), t(2024, 1, 20), t(2024, 3, 1), None],
                          "outcome": ["won", "lost", "lost", "lost"]})
    fit = ProfileFit(Profile("t", (Criterion("Signed", min="2024-01-01",
                                             max="2024-01-31"),))).fit(frame)
    d = fit.distribution(0)
    got = {r["value"]: (r["leads"], r["won"], r["wanted"]) for r in d.to_dicts()}
    assert got == {"2024-01": (2, 1, True), "2024-03": (1, 0, False), "(missing)": (1, 0, None)}


# -- chart builders (on chart.to_dict()) -------------------------------------------------------


def _rows(spec: dict) -> list[dict]:
    """The chart's own data rows (top level), then any layer's own rows."""
    rows = list(spec.get("data", {}).get("values", []))
    for layer in spec.get("layer", []):
        rows += layer.get("data", {}).get("values", [])
    return rows


def test_chart_overlap_bars_sorted_by_share_with_interval_and_overall_rule():
    fit = ProfileFit(PROFILE).fit(LEADS)
    spec = charts.overlap_bars(fit.by_source_, by="source", overall=fit.share_).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "rule", "text", "rule"]
    y = spec["layer"][0]["encoding"]["y"]
    order = fit.by_source_.sort("in_profile_share", descending=True)["source"].to_list()
    assert y["sort"] == order
    assert {"lead_id", "Industry"}.isdisjoint(_rows(spec)[0])  # aggregated rows only


def test_chart_overlap_bars_says_when_it_shows_only_the_biggest():
    frame = pl.DataFrame({"campaign": [f"c{i}" for i in range(20)], "leads": list(range(20, 0, -1)),
                          "in_profile": [1] * 20}).with_columns(
        (pl.col("in_profile") / pl.col("leads")).alias("in_profile_share"),
        pl.lit(0.0).alias("ci_low"), pl.lit(1.0).alias("ci_high"))
    spec = charts.overlap_bars(frame, by="campaign", top=5).to_dict()
    assert "the 5 with most leads" in spec["title"]
    assert len({r["campaign"] for r in _rows(spec)}) == 5


def test_chart_distribution_colours_wanted_values():
    fit = ProfileFit(PROFILE).fit(LEADS)
    spec = charts.distribution_chart(fit.distribution(0), title="Industry").to_dict()
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["wanted", "not wanted", "missing"]
    status = {r["value"]: r["status"] for r in _rows(spec)}
    assert status == {"Software": "wanted", "Retail": "not wanted", "(missing)": "missing"}
    assert spec["layer"][1]["mark"]["type"] == "tick"  # won share, outcomes known


def test_chart_distribution_without_outcomes_has_no_won_tick():
    fit = ProfileFit(PROFILE).fit(LEADS.drop("outcome"))
    spec = charts.distribution_chart(fit.distribution(0), title="Industry").to_dict()
    assert len(spec["layer"]) == 1


def test_chart_criteria_shows_fails_and_fails_only_of_checked_criteria():
    p = PROFILE.with_criterion(Criterion("Budget", values=(True,)))  # not in the data
    fit = ProfileFit(p).fit(LEADS)
    spec = charts.criteria_chart(fit.criteria_).to_dict()
    rows = _rows(spec)
    assert [(r["fails"], r["fails_only"]) for r in rows] == [(4, 3), (4, 3)]
    assert all("Budget" not in r["criterion"] for r in rows)


@pytest.mark.parametrize(("drop", "measures"), [
    ([], {"won", "qualified (SQL+)"}),
    (["sql_at"], {"won"}),
])
def test_chart_win_rates_facets_only_what_the_data_has(drop, measures):
    fit = ProfileFit(PROFILE).fit(LEADS.drop(drop))
    spec = charts.win_rates_chart(fit.outcomes_).to_dict()
    assert {r["measure"] for r in spec["data"]["values"]} == measures
    assert spec["facet"]["column"]["field"] == "measure"


def test_chart_learned_uses_log_scale_and_a_rule_at_one():
    lp = LearnedProfile(min_support=1).fit(LEADS, attributes=["Industry", "source"])
    spec = charts.learned_chart(lp.values_).to_dict()
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    assert _rows(spec)[-1] == {"x": 1}


# -- against an independent, row-by-row reading of the contract ---------------------------------

YES, NO = {"yes", "true", "1", "y"}, {"no", "false", "0", "n"}


def _row_meets(value, c: Criterion) -> bool:
    """Contract §3 for one value, written without the library's machinery."""
    if value is None:
        return False
    ok = True
    if c.values is not None:
        if isinstance(value, bool):
            wanted = set()
            for v in c.values:
                t = str(v).strip().lower()
                wanted |= {True} if v is True or t in YES else {False} if v is False or t in NO \
                    else set()
            ok = value in wanted
        elif isinstance(value, float):
            ok = any(not isinstance(v, str) and float(v) == value for v in c.values)
        else:
            t = value.strip().lower()
            ok = any((v is True and t in YES) or (v is False and t in NO)
                     or (not isinstance(v, bool) and str(v).strip().lower() == t)
                     for v in c.values)
    if c.min is not None:
        ok = ok and value >= c.min
    if c.max is not None:
        ok = ok and value <= c.max
    return ok


def _random_frame(rng, n: int) -> pl.DataFrame:
    texts = ["Software", " software", "SOFTWARE ", "Retail", "retail", "Other", None]
    yesno = ["Yes", "no", "TRUE", "0", None, "maybe"]
    return pl.DataFrame({
        "Industry": [texts[i] for i in rng.integers(0, len(texts), n)],
        "Budget": [None if x == 2 else bool(x) for x in rng.integers(0, 3, n)],
        "Said": [yesno[i] for i in rng.integers(0, len(yesno), n)],
        "Size": [None if x < 0 else float(x) for x in rng.integers(-20, 2000, n)],
        "outcome": [["won", "lost", "open", None][i] for i in rng.integers(0, 4, n)],
    }, schema={"Industry": pl.String, "Budget": pl.Boolean, "Said": pl.String,
               "Size": pl.Float64, "outcome": pl.String})


def _random_criterion(rng) -> Criterion:
    kind = rng.integers(0, 4)
    if kind == 0:
        pool = ["software", "Retail ", "OTHER", "Nothing"]
        return Criterion("Industry", values=tuple(
            pool[i] for i in rng.choice(4, rng.integers(1, 4), replace=False)))
    if kind == 1:
        return Criterion("Budget", values=([True], [False], ["yes"], [0], [True, False])[
            rng.integers(0, 5)])
    if kind == 2:
        return Criterion("Said", values=([True], [False], ["maybe"])[rng.integers(0, 3)])
    lo, hi = sorted(float(x) for x in rng.integers(0, 2000, 2))
    return Criterion("Size", min=lo if rng.random() < 0.8 else None,
                     max=hi if rng.random() < 0.8 else 1e9)


@pytest.mark.parametrize("seed", range(20))
def test_fit_equals_a_row_by_row_count_on_random_profiles(seed):
    rng = np.random.default_rng(seed)
    frame = _random_frame(rng, 300)
    crits = tuple(_random_criterion(rng) for _ in range(rng.integers(1, 5)))
    fit = ProfileFit(Profile("random", crits)).fit(frame)
    rows = frame.to_dicts()
    expected = [all(_row_meets(r[c.field], c) for c in crits) for r in rows]
    assert fit.in_profile_.tolist() == expected
    won_in = sum(e and r["outcome"] == "won" for e, r in zip(expected, rows, strict=True))
    assert fit.outcomes_["won"][0] == won_in
    for i, c in enumerate(crits):
        fails = sum(not _row_meets(r[c.field], c) for r in rows)
        only = sum(not _row_meets(r[c.field], c)
                   and all(_row_meets(r[o.field], o) for j, o in enumerate(crits) if j != i)
                   for r in rows)
        assert (fit.criteria_["fails"][i], fit.criteria_["fails_only"][i]) == (fails, only)


def test_drill_down_per_breakdown_row():
    fit = ProfileFit(PROFILE).fit(LEADS)
    assert fit.leads_in_profile(by="source", value="seo")["lead_id"].to_list() == ["3"]
    assert fit.leads_in_profile(inside=False, by="source", value="ads")["lead_id"].to_list() == [
        "1", "2", "8"]
    assert fit.leads_in_profile(by="source", value="(none)")["lead_id"].to_list() == ["7"]
    assert fit.leads_in_profile(inside=None, by="month", value="2024-02").height == 5


def test_profile_by_source_merges_case_variants_like_the_sources_key():
    csv = (b"lead_id,created_at,source,Industry,outcome\n1,2024-01-01,Google,Software,won\n"
           b"2,2024-01-02,Google,Retail,lost\n3,2024-01-03,google,Software,lost\n")
    ds = build_dataset([("leads", read_file(csv, name="l.csv"))])
    fit = ProfileFit(Profile("p", (Criterion("Industry", values=("Software",)),))).fit(ds)
    rows = fit.by_["source"].select("source", "leads").rows()
    assert rows == [("Google", 3)]
