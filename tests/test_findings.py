"""Tests of funnel.findings: each place fires on constructed data with the effect, stays
quiet without it, and says "can't tell" (naming the field) when the data is silent; the
statistics against references; robustness on real and odd exports."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import mannwhitneyu

import funnel.sample
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Criterion, Profile
from funnel.analyses.profile.fit import ProfileFit, profile_verdict
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.findings.base import Context, Finding, Settings, fmt_ratio
from funnel.findings.registry import PLACES, TITLES, diagnose_places, findings
from funnel.findings.strata import stratum_attributes
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.sample.export import load_sample
from funnel.stats.intervals import normal_quantile, rate_ratio
from funnel.stats.tests import auc_interval, mh_risk_ratio, mh_vs_rest, vs_rest

D0 = dt.datetime(2025, 1, 6, 9, 0)  # a Monday
NOW = dt.datetime(2025, 12, 31)
STATUSES = {"problem", "no_evidence", "cant_tell"}
LEAD_COLS = ("lead_id", "created_at", "source", "campaign", "owner", "assigned_at", "sal_at",
             "sql_at", "opportunity_at", "outcome", "amount", "lost_reason", "score",
             "industry")
SOFTWARE = Profile("Software buyers", (Criterion("industry", values=("Software",)),))


# --- a small CRM export built from blocks of identical leads ---------------------------


def block(count: int, **spec) -> list[dict]:
    """``count`` leads described by ``spec``: ``owner`` (None = unassigned), ``assign_h``,
    ``response_h`` (None = never touched), ``touches``, ``worker`` (who touched it),
    ``sal``/``sql``/``opp`` (stages reached), ``outcome``, ``amount``, ``lost_reason``,
    ``score``, ``industry``, ``source``, ``campaign``."""
    return [dict(spec) for _ in range(count)]


def _t(x: dt.datetime) -> str:
    return x.strftime("%Y-%m-%d %H:%M")


def make_dataset(rows: list[dict], *, activities: bool = True, drop: tuple[str, ...] = (),
                 touch_dates: bool = False):
    """Leads (one every 7 minutes from a Monday 9:00) and their activities, read and
    built like uploaded CSV files. Columns with no value at all are left out;
    ``touch_dates``: the activities carry their date only, without a time of day."""
    lines, acts = [], []
    for i, r in enumerate(rows):
        created = D0 + dt.timedelta(minutes=7 * i)
        owner = r.get("owner", "Ann")
        resp = r.get("response_h", 1.0)
        assign = r.get("assign_h", 0.0)
        opp = r.get("opp", False)
        sql = r.get("sql", False) or opp
        sal = r.get("sal", False) or sql
        base = created + dt.timedelta(hours=resp or 0)
        outcome = r.get("outcome")
        lines.append({
            "lead_id": f"L{i}", "created_at": _t(created), "source": r.get("source", "Ads"),
            "campaign": r.get("campaign", "c1") or "", "owner": owner or "",
            "assigned_at": (_t(created + dt.timedelta(hours=assign))
                            if owner and assign is not None else ""),
            "sal_at": _t(base + dt.timedelta(days=1)) if sal else "",
            "sql_at": _t(base + dt.timedelta(days=2)) if sql else "",
            "opportunity_at": _t(base + dt.timedelta(days=3)) if opp else "",
            "outcome": outcome or "",
            "amount": str(r.get("amount", 1000)) if outcome == "won" else "",
            "lost_reason": r.get("lost_reason") or "",
            "score": "" if r.get("score") is None else str(r["score"]),
            "industry": r.get("industry", "Retail") or "",
        })
        if resp is not None:
            worker = r.get("worker", owner) or ""
            for k in range(r.get("touches", 1)):
                at = created + dt.timedelta(hours=resp, days=k)
                acts.append(f"L{i},{at.date() if touch_dates else _t(at)},call,{worker}")
    cols = [c for c in LEAD_COLS if c not in drop and any(v[c] for v in lines)]
    text = ",".join(cols) + "\n" + "\n".join(",".join(v[c] for c in cols) for v in lines)
    tables = [("leads", read_file((text + "\n").encode(), name="leads.csv"))]
    if activities and acts:
        act_text = "lead_id,at,kind,owner\n" + "\n".join(acts) + "\n"
        tables.append(("activities", read_file(act_text.encode(), name="activities.csv")))
    return build_dataset(tables, now=NOW)


def card(ds, place: str, **kw) -> Finding:
    """The finding for one place (``now`` fixed so no lead counts as recent)."""
    return {f.place: f for f in diagnose_places(ds, now=NOW, **kw)}[place]


def split(n: int, k: int, yes: dict, no: dict) -> list[dict]:
    """``n`` leads of which ``k`` get ``yes`` and the rest ``no`` (common keys shared)."""
    return block(k, **yes) + block(n - k, **no)


OWNERS = ("Ann", "Bob", "Cem", "Dee", "Eve")


# --- statistics against references -----------------------------------------------------


def test_mh_risk_ratio_does_not_depend_on_the_order_of_the_strata():
    rng = np.random.default_rng(7)  # strata as a group-by gives them, in any order
    n1, n0 = rng.integers(20, 500, 300), rng.integers(20, 500, 300)
    s = pl.DataFrame({"a": rng.integers(0, 20, 300), "n1": n1,
                      "c": rng.integers(0, 20, 300), "n0": n0})
    first = mh_risk_ratio(s)
    for seed in range(5):
        assert mh_risk_ratio(s.sample(fraction=1.0, shuffle=True, seed=seed)) == first


def test_mh_risk_ratio_matches_hand_computation():
    s = pl.DataFrame({"a": [30, 8], "n1": [100, 40], "c": [10, 5], "n0": [80, 60]})
    big_n = [180, 100]
    r = 30 * 80 / 180 + 8 * 60 / 100
    q = 10 * 100 / 180 + 5 * 40 / 100
    var = ((100 * 80 * 40 - 30 * 10 * 180) / 180**2
           + (40 * 60 * 13 - 8 * 5 * 100) / 100**2) / (r * q)
    z = normal_quantile(0.975)
    expected = (r / q, r / q * math.exp(-z * math.sqrt(var)),
                r / q * math.exp(z * math.sqrt(var)))
    assert big_n == [180, 100]
    assert mh_risk_ratio(s) == pytest.approx(expected)


def test_mh_risk_ratio_one_stratum_is_the_katz_rate_ratio():
    s = pl.DataFrame({"a": [42], "n1": [300], "c": [17], "n0": [250]})
    assert mh_risk_ratio(s) == pytest.approx(rate_ratio(42, 300, 17, 250))


def test_mh_risk_ratio_removes_confounding_by_stratum():
    # within each source fast and slow convert alike; fast leads are mostly the good source
    s = pl.DataFrame({"a": [40, 2], "n1": [200, 20], "c": [4, 20], "n0": [20, 200]})
    crude = rate_ratio(42, 220, 24, 220)[0]
    assert crude > 1.5
    assert mh_risk_ratio(s)[0] == pytest.approx(1.0)


def test_mh_risk_ratio_skips_strata_missing_an_arm():
    s = pl.DataFrame({"a": [30, 5], "n1": [100, 10], "c": [10, 0], "n0": [100, 0]})
    assert mh_risk_ratio(s) == pytest.approx(mh_risk_ratio(s.head(1)))


def test_mh_risk_ratio_adds_a_half_when_one_arm_has_no_events():
    s = pl.DataFrame({"a": [12], "n1": [100], "c": [0], "n0": [100]})
    assert mh_risk_ratio(s) == pytest.approx(rate_ratio(12, 100, 0, 100))


def test_mh_risk_ratio_without_events_is_none():
    s = pl.DataFrame({"a": [0], "n1": [100], "c": [0], "n0": [100]})
    assert mh_risk_ratio(s) == (None, None, None)


def test_mh_vs_rest_pools_each_group_against_the_rest_like_mh_risk_ratio():
    frame = pl.DataFrame({
        "g": ["a"] * 60 + ["b"] * 140,
        "st": ["x"] * 30 + ["y"] * 30 + ["x"] * 70 + ["y"] * 70,
        "f": [True] * 10 + [False] * 20 + [True] * 3 + [False] * 27
             + [True] * 14 + [False] * 56 + [True] * 20 + [False] * 50})
    got = mh_vs_rest(frame, group="g", flag="f", stratum="st", settings=Settings(alpha=0.05),
                     family=1).filter(pl.col("g") == "a").select("ratio", "ci_low", "ci_high")
    strata = pl.DataFrame({"a": [10, 3], "n1": [30, 30], "c": [14, 20], "n0": [70, 70]})
    assert got.row(0) == pytest.approx(mh_risk_ratio(strata))


def test_mh_vs_rest_equals_mh_risk_ratio_bit_for_bit_over_shuffled_strata():
    # 60 strata, rows shuffled: the same bits as the per-stratum table, every time
    rng = np.random.default_rng(8)
    rows = []
    for st in range(60):
        for g, n in (("a", int(rng.integers(20, 90))), ("b", int(rng.integers(20, 90)))):
            k = int(rng.integers(1, n))
            rows += [(g, st, True)] * k + [(g, st, False)] * (n - k)
    frame = pl.DataFrame(rows, schema=["g", "st", "f"], orient="row")
    per = frame.group_by("g", "st").agg(pl.col("f").sum().alias("k"), pl.len().alias("n"))
    a = per.filter(pl.col("g") == "a").sort("st")
    b = per.filter(pl.col("g") == "b").sort("st")
    strata = pl.DataFrame({"a": a["k"], "n1": a["n"], "c": b["k"], "n0": b["n"]})
    for seed in range(3):
        got = mh_vs_rest(frame.sample(fraction=1.0, shuffle=True, seed=seed), group="g",
                         flag="f", stratum="st", settings=Settings(alpha=0.05, min_n=1),
                         family=1).filter(pl.col("g") == "a")
        assert got.select("ratio", "ci_low", "ci_high").row(0) == mh_risk_ratio(strata)


def test_auc_interval_auc_is_mann_whitney_u_over_pairs():
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.3
    score = np.round(rng.normal(50 + 5 * y, 10), 0)  # rounded: many ties
    u = mannwhitneyu(score[y], score[~y]).statistic
    assert auc_interval(score, y)[0] == pytest.approx(u / (y.sum() * (~y).sum()))


def test_auc_interval_uses_the_hanley_mcneil_standard_error():
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.55, 0.3, 0.65])
    y = np.array([0, 0, 1, 1, 0, 0, 1, 1, 0, 1], dtype=bool)
    auc, lo, hi = auc_interval(score, y)
    n1, n0 = 5, 5
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2))
                   / (n1 * n0))
    z = normal_quantile(0.975)
    assert (lo, hi) == pytest.approx((auc - z * se, min(1.0, auc + z * se)))


def test_auc_interval_without_both_classes_is_none():
    assert auc_interval(np.array([1.0, 2.0]), np.array([True, True])) == (None, None, None)


def test_vs_rest_bonferroni_family_widens_the_interval():
    t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [30, 15, 15], "n": [100, 100, 100]})
    one = vs_rest(t, group="owner", higher=True, settings=Settings(), family=1)
    many = vs_rest(t, group="owner", higher=True, settings=Settings(), family=50)
    a1, a50 = one.row(0, named=True), many.row(0, named=True)
    assert a1["ratio"] == pytest.approx(a50["ratio"])
    assert a50["ci_low"] < a1["ci_low"] and a50["ci_high"] > a1["ci_high"]


def test_vs_rest_interval_is_katz_with_the_bonferroni_quantile():
    t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [30, 15, 15], "n": [100, 100, 100]})
    got = vs_rest(t, group="owner", higher=True, settings=Settings(alpha=0.05),
                  family=6).row(0, named=True)
    z = normal_quantile(1 - 0.05 / 12)
    assert (got["ratio"], got["ci_low"], got["ci_high"]) == pytest.approx(
        rate_ratio(30, 100, 30, 200, z=z))


def test_vs_rest_borderline_group_loses_its_flag_in_a_large_family():
    t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [30, 15, 15], "n": [100, 100, 100]})
    flags = [vs_rest(t, group="owner", higher=True, settings=Settings(), family=m)
             .filter(pl.col("owner") == "a")["flagged"].item() for m in (1, 200)]
    assert flags == [True, False]


def test_vs_rest_leaves_out_groups_below_min_n():
    t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [20, 15, 15], "n": [20, 100, 100]})
    assert "a" not in vs_rest(t, group="owner", higher=True, settings=Settings())["owner"]


def test_vs_rest_needs_the_minimum_ratio():
    t = pl.DataFrame({"owner": ["a", "b"], "k": [1300, 1000], "n": [10000, 10000]})
    res = vs_rest(t, group="owner", higher=True, settings=Settings(min_ratio=1.5))
    assert res.filter(pl.col("owner") == "a")["ci_low"].item() > 1
    assert not res["flagged"].any()


# --- speed -------------------------------------------------------------------------------


def _speed_rows(fast_rate: float, slow_rate: float) -> list[dict]:
    fast = split(300, int(300 * fast_rate), {"response_h": 0.5, "sql": True},
                 {"response_h": 0.5})
    slow = split(300, int(300 * slow_rate), {"response_h": 30.0, "sql": True},
                 {"response_h": 30.0})
    return fast + slow


def test_speed_fires_when_fast_answers_qualify_more():
    f = card(make_dataset(_speed_rows(0.40, 0.05)), "speed")
    assert f.status == "problem"
    assert f.evidence["effect"] == pytest.approx(8.0)
    assert f.evidence["ci_low"] > 1.5


def test_speed_names_the_arrival_window_that_waits():
    # leads arriving in the evening or at night wait until the next day, and qualify less
    rows = []
    for i in range(900):
        hour = (D0 + dt.timedelta(minutes=7 * i)).hour
        night = hour < 8 or hour >= 18
        rows.append({"response_h": 30.0 if night else 0.5,
                     "sql": i % 20 == 0 if night else i % 5 == 0})
    f = card(make_dataset(rows), "speed")
    assert (f.status, f.culprit) == ("problem", {"window": "evening and night"})


def test_speed_compares_quartiles_when_no_lead_waits_a_day():
    rows = [{"response_h": 2.0 + i % 8, "sql": i % 3 == 0 if i % 8 < 2 else i % 21 == 0}
            for i in range(800)]
    f = card(make_dataset(rows), "speed")
    assert (f.status, f.evidence["windows"]) == ("problem", "quartiles")
    assert 2 <= f.evidence["fast_hours"] < f.evidence["slow_hours"] <= 9


def test_speed_compares_days_when_touches_carry_no_time_of_day():
    rows = (split(300, 120, {"response_h": 0.5, "sql": True}, {"response_h": 0.5})
            + split(300, 15, {"response_h": 100.0, "sql": True}, {"response_h": 100.0}))
    f = card(make_dataset(rows, touch_dates=True), "speed")
    assert (f.status, f.evidence["windows"], f.evidence["fast_hours"],
            f.evidence["slow_hours"]) == ("problem", "days", 24.0, 72.0)
    assert f.headline.startswith("Leads answered within 24 h")


def test_speed_is_quiet_when_response_time_does_not_matter():
    assert card(make_dataset(_speed_rows(0.20, 0.20)), "speed").status == "no_evidence"


def test_speed_compares_within_sources():
    # the fast leads all come from the good source; within each source speed is neutral
    rows = (split(250, 100, {"response_h": 0.5, "sql": True, "source": "Ref"},
                  {"response_h": 0.5, "source": "Ref"})
            + split(50, 20, {"response_h": 30.0, "sql": True, "source": "Ref"},
                    {"response_h": 30.0, "source": "Ref"})
            + split(50, 2, {"response_h": 0.5, "sql": True, "source": "Ads"},
                    {"response_h": 0.5, "source": "Ads"})
            + split(250, 10, {"response_h": 30.0, "sql": True, "source": "Ads"},
                    {"response_h": 30.0, "source": "Ads"}))
    f = card(make_dataset(rows), "speed")
    assert f.evidence["crude_ratio"] > 2
    assert f.status != "problem" and f.evidence["effect"] < 1.2


def test_speed_cant_tell_without_touch_times():
    f = card(make_dataset(_speed_rows(0.40, 0.05), activities=False), "speed")
    assert (f.status, f.missing) == ("cant_tell", ["first_response_at"])


# --- follow-up ---------------------------------------------------------------------------


def _follow_rows(untouched: dict[str, int]) -> list[dict]:
    rows = []
    for o in OWNERS:
        k = untouched.get(o, 10)
        rows += block(k, owner=o, response_h=None, outcome="open")
        rows += split(200 - k, 40, {"owner": o, "sql": True, "outcome": "open"},
                      {"owner": o, "outcome": "lost"})
    return rows


def test_follow_up_fires_on_the_rep_who_leaves_leads_untouched():
    f = card(make_dataset(_follow_rows({"Cem": 80})), "follow_up")
    assert (f.status, f.culprit) == ("problem", {"owner": "Cem"})
    assert f.evidence["owner_k"] == 80 and f.evidence["owner_n"] == 200


def test_follow_up_fires_on_the_rep_who_stops_after_one_attempt():
    rows = []
    for o in OWNERS:
        one = 120 if o == "Dee" else 20
        rows += block(10, owner=o, response_h=None, outcome="open")
        rows += block(one, owner=o, touches=1, outcome="lost")
        rows += split(190 - one, 40, {"owner": o, "touches": 3, "sql": True, "outcome": "open"},
                      {"owner": o, "touches": 3, "outcome": "lost"})
    f = card(make_dataset(rows), "follow_up")
    assert (f.status, f.culprit) == ("problem", {"owner": "Dee"})
    assert "one attempt" in f.headline


def test_follow_up_is_quiet_when_untouched_leads_are_spread_evenly():
    # 200 leads a rep cannot show a 1.5× gap at 1%: "can't tell yet", never a problem
    assert card(make_dataset(_follow_rows({})), "follow_up").status != "problem"


def test_follow_up_leaves_out_leads_too_recent_to_judge():
    ds = make_dataset(_follow_rows({"Cem": 80}))
    last = ds.leads["created_at"].max()
    f = {x.place: x for x in diagnose_places(ds, now=last + dt.timedelta(days=1))}["follow_up"]
    assert f.status == "cant_tell" and f.evidence["left_out_recent"] == 1000


def test_follow_up_without_owner_searches_the_other_dimensions():
    f = card(make_dataset(_follow_rows({"Cem": 80}), drop=("owner", "assigned_at")),
             "follow_up")
    assert "owner" not in f.evidence["dimensions_searched"] and "owner" not in f.culprit


def test_follow_up_with_little_data_cant_tell_yet_and_says_how_much_is_needed():
    f = card(make_dataset(_follow_rows({})), "follow_up")
    assert f.status == "cant_tell" and f.headline.startswith("Can't tell yet")
    assert f.evidence["needed"] > f.evidence["n"]


# --- routing -----------------------------------------------------------------------------


def _routing_rows(late: dict[str, int], *, other_worker: dict[str, int] | None = None,
                  unassigned: int = 0) -> list[dict]:
    rows = []
    for o in OWNERS:
        k = late.get(o, 5)
        h = (other_worker or {}).get(o, 0)
        rows += block(k, owner=o, assign_h=6.0, response_h=8.0, outcome="lost")
        rows += block(h, owner=o, worker="Zed", outcome="lost")
        rows += split(200 - k - h, 40, {"owner": o, "sql": True, "outcome": "open"},
                      {"owner": o, "outcome": "lost"})
    rows += block(unassigned, owner=None, response_h=None, outcome="open")
    return rows


def test_routing_fires_on_the_rep_assigned_late():
    f = card(make_dataset(_routing_rows({"Bob": 150})), "routing")
    assert (f.status, f.culprit) == ("problem", {"owner": "Bob"})
    assert "assigned an hour or more" in f.headline


def test_routing_fires_on_the_rep_whose_leads_others_work_first():
    f = card(make_dataset(_routing_rows({}, other_worker={"Eve": 60})), "routing")
    assert (f.status, f.culprit) == ("problem", {"owner": "Eve"})
    assert "first worked by another rep" in f.headline


def test_routing_fires_on_unassigned_leads_that_go_nowhere():
    f = card(make_dataset(_routing_rows({}, unassigned=200)), "routing")
    assert f.status == "problem"
    assert f.culprit == {"unassigned": "200 leads"}


def test_routing_is_quiet_when_every_rep_gets_leads_promptly():
    # 200 leads a rep at 2.5% late cannot show a 1.5× gap: "can't tell yet", no problem
    assert card(make_dataset(_routing_rows({})), "routing").status != "problem"


def test_routing_cant_tell_without_owner():
    f = card(make_dataset(_routing_rows({"Bob": 150}), drop=("owner", "assigned_at")),
             "routing")
    assert (f.status, f.missing) == ("cant_tell", ["owner"])


# --- profile -----------------------------------------------------------------------------


def _profile_rows(bad_share: float) -> list[dict]:
    rows = []
    for camp, share in (("free-tool", bad_share), ("webinar", 0.3), ("search", 0.3),
                        ("partner", 0.3)):
        n_in = int(400 * share)
        rows += split(n_in, n_in // 5, {"campaign": camp, "industry": "Software",
                                        "outcome": "won"},
                      {"campaign": camp, "industry": "Software", "outcome": "lost"})
        rows += split(400 - n_in, (400 - n_in) // 30, {"campaign": camp, "outcome": "won"},
                      {"campaign": camp, "outcome": "lost"})
    return rows


def test_profile_fires_on_the_campaign_sending_out_of_profile_leads():
    f = card(make_dataset(_profile_rows(0.02)), "profile", profile=SOFTWARE)
    assert f.status == "problem"
    assert f.culprit["campaign"] == "free-tool"
    assert f.evidence["campaign_in_profile"] == 8 and f.evidence["campaign_n"] == 400


def test_profile_is_quiet_when_every_campaign_sends_the_same_mix():
    f = card(make_dataset(_profile_rows(0.3)), "profile", profile=SOFTWARE)
    assert f.status != "problem" and "min_detectable_ratio" in f.evidence


def test_profile_is_quiet_when_the_profile_does_not_predict_winning():
    rows = [dict(r, outcome="won" if i % 10 == 0 else "lost")
            for i, r in enumerate(_profile_rows(0.02))]
    f = card(make_dataset(rows), "profile", profile=SOFTWARE)
    assert f.status == "no_evidence"


def test_profile_learns_a_held_out_profile_when_none_is_given():
    f = card(make_dataset(_profile_rows(0.02) * 2), "profile")
    assert f.status == "problem" and f.culprit["campaign"] == "free-tool"
    assert f.evidence["basis"].startswith("profile learned")


def test_profile_headline_says_no_stated_profile_was_given():
    f = card(make_dataset(_profile_rows(0.02) * 2), "profile")
    assert f.headline.startswith("No stated profile: a profile learned on half the leads")
    assert f"among the {f.evidence['judged_on']:,} leads it was not learned from" in f.headline


def test_profile_headline_of_a_stated_profile_does_not_mention_a_learned_one():
    f = card(make_dataset(_profile_rows(0.02)), "profile", profile=SOFTWARE)
    assert f.evidence["basis"] == "stated profile"
    assert "No stated profile" not in f.headline and "learned" not in f.headline


def _source_wins_rows() -> list[dict]:
    """The source alone decides: every Referral lead wins, no other lead does; the
    industry is spread alike over every source."""
    rows = []
    for src, outcome in (("Referral", "won"), ("Ads", "lost"), ("Social", "lost")):
        rows += split(300, 150, {"source": src, "industry": "Software", "outcome": outcome},
                      {"source": src, "industry": "Retail", "outcome": outcome})
    return rows


def test_profile_stand_in_has_no_source_trait_and_no_circular_finding():
    ds = make_dataset(_source_wins_rows())
    learned = HeldOutProfile(channels=True).fit(ds).profile_
    assert [c.field for c in learned.criteria] == ["source"]  # the source alone separates
    assert HeldOutProfile().fit(ds).profile_.criteria == ()  # not as the findings learn it
    f = card(ds, "profile")
    assert f.status == "cant_tell" and not f.culprit


def test_profile_built_on_a_source_does_not_judge_sources():
    ds = make_dataset(_source_wins_rows())
    on_source = Profile("Referrals", (Criterion("source", values=("Referral",)),))
    f = card(ds, "profile", profile=on_source)
    assert f.status == "no_evidence" and not f.culprit
    assert f.evidence["channels_not_judged"] == ["source"]
    assert "not judged against it" in f.headline


def test_profile_learned_with_its_channels_does_not_judge_them():
    ds = make_dataset(_source_wins_rows())
    learned = HeldOutProfile(channels=True).fit(ds).profile_
    f = card(ds, "profile", profile=learned)
    assert f.status == "no_evidence" and f.evidence["channels_not_judged"] == ["source"]


def test_profile_and_definition_state_one_interval_for_the_profiles_ratio():
    ds = make_dataset(_definition_rows(0.30, 0.05))
    cards = {f.place: f for f in diagnose_places(ds, profile=SOFTWARE, now=NOW)}
    p, d = cards["profile"].evidence, cards["definition"].evidence
    fit = ProfileFit(SOFTWARE).fit(ds)
    assert (p["win_ratio"], p["win_ratio_low"], p["win_ratio_high"]) == fit.rate_ratio_
    assert (d["effect"], d["ci_low"], d["ci_high"]) == fit.rate_ratio_
    shown = fmt_ratio(*fit.rate_ratio_)
    assert shown in cards["definition"].headline
    ratio, lo, hi = fit.rate_ratio_
    assert f"{lo:.1f}–{hi:.1f}×" in profile_verdict(fit)  # the Profile page's sentence


def test_profile_learned_is_judged_on_the_other_half_by_both_cards():
    ds = make_dataset(_profile_rows(0.02) * 2)
    learned = HeldOutProfile().fit(ds)
    cards = {f.place: f for f in diagnose_places(ds, profile=learned.profile_, now=NOW)}
    for place in ("profile", "definition"):
        ev = cards[place].evidence
        assert ev["judged_on"] == learned.n_judge_
        assert "leads it was not learned from" in cards[place].headline
    assert cards["definition"].evidence["effect"] == learned.rate_ratio_[0]
    assert cards["profile"].evidence["win_ratio"] == learned.rate_ratio_[0]


def test_profile_cant_tell_without_outcomes():
    rows = [{k: v for k, v in r.items() if k != "outcome"} for r in _profile_rows(0.02)]
    f = card(make_dataset(rows), "profile", profile=SOFTWARE)
    assert (f.status, f.missing) == ("cant_tell", ["outcome"])


# --- definition --------------------------------------------------------------------------


def _definition_rows(in_rate: float, out_rate: float) -> list[dict]:
    return (split(600, int(600 * in_rate), {"industry": "Software", "outcome": "won"},
                  {"industry": "Software", "outcome": "lost"})
            + split(1400, int(1400 * out_rate), {"outcome": "won"}, {"outcome": "lost"}))


def test_definition_fires_when_the_stated_profile_does_not_separate_winners():
    f = card(make_dataset(_definition_rows(0.10, 0.10)), "definition", profile=SOFTWARE)
    assert f.status == "problem"
    assert f.culprit["profile"] == "Software buyers"
    assert f.evidence["ci_high"] < 1.5


def test_definition_is_quiet_when_the_profile_predicts_winning():
    f = card(make_dataset(_definition_rows(0.30, 0.05)), "definition", profile=SOFTWARE)
    assert f.status == "no_evidence" and f.evidence["ci_low"] > 1


def test_definition_is_quiet_when_too_little_data_to_call_the_profile_wrong():
    rows = (split(60, 6, {"industry": "Software", "outcome": "won"},
                  {"industry": "Software", "outcome": "lost"})
            + split(140, 14, {"outcome": "won"}, {"outcome": "lost"}))
    f = card(make_dataset(rows), "definition", profile=SOFTWARE)
    assert f.status == "no_evidence" and f.evidence["ci_high"] >= 1.5


def test_definition_cant_tell_without_a_stated_profile():
    f = card(make_dataset(_definition_rows(0.10, 0.10)), "definition")
    assert (f.status, f.missing) == ("cant_tell", ["profile"])


# --- readiness ---------------------------------------------------------------------------


def _readiness_rows(close: dict[str, int]) -> list[dict]:
    rows = []
    for o in OWNERS:
        won = close.get(o, 40)
        rows += block(won, owner=o, sql=True, outcome="won")
        rows += block(100 - won, owner=o, sql=True, outcome="lost")
        rows += block(200, owner=o, outcome="lost")
    return rows


def test_readiness_fires_on_the_rep_whose_qualified_leads_do_not_close():
    f = card(make_dataset(_readiness_rows({"Ann": 10})), "readiness")
    assert (f.status, f.culprit) == ("problem", {"owner": "Ann"})
    assert (f.evidence["won"], f.evidence["n"]) == (10, 100)


def test_readiness_is_quiet_when_reps_close_alike():
    # 100 closed leads a rep cannot show a 1.5× gap at 1%: "can't tell yet", no problem
    assert card(make_dataset(_readiness_rows({})), "readiness").status != "problem"


def test_readiness_cant_tell_without_a_qualification_stage():
    f = card(make_dataset(_readiness_rows({"Ann": 10}), drop=("sal_at", "sql_at")),
             "readiness")
    assert (f.status, f.missing) == ("cant_tell", ["sql_at"])


# --- pipeline ----------------------------------------------------------------------------


def _pipeline_rows(early: str | None, *, early_wins: int = 32) -> list[dict]:
    rows = []
    for o in OWNERS:
        n_opp, won = (160, early_wins) if o == early else (80, 40)
        rows += block(won, owner=o, opp=True, outcome="won")
        rows += block(n_opp - won, owner=o, opp=True, outcome="lost",
                      lost_reason="No decision")
        rows += block(200 - n_opp, owner=o, sal=True, outcome="lost")
    return rows


def test_pipeline_fires_on_the_rep_who_opens_opportunities_early():
    f = card(make_dataset(_pipeline_rows("Eve")), "pipeline")
    assert (f.status, f.culprit) == ("problem", {"owner": "Eve"})
    assert (f.evidence["opportunities"], f.evidence["n"]) == (160, 200)


def test_pipeline_owner_is_not_also_blamed_for_readiness():
    assert card(make_dataset(_pipeline_rows("Eve")), "readiness").status != "problem"


def test_pipeline_is_quiet_when_early_opportunities_close_like_the_others():
    f = card(make_dataset(_pipeline_rows("Eve", early_wins=80)), "pipeline")
    assert f.status == "no_evidence"


def test_pipeline_is_quiet_when_reps_open_opportunities_alike():
    assert card(make_dataset(_pipeline_rows(None)), "pipeline").status == "no_evidence"


def test_pipeline_cant_tell_without_an_opportunity_stage():
    rows = [dict(r, opp=False, sal=True) for r in _pipeline_rows("Eve")]
    f = card(make_dataset(rows), "pipeline")
    assert (f.status, f.missing) == ("cant_tell", ["opportunity_at"])


# --- message -----------------------------------------------------------------------------


def _message_rows(free: dict[str, int], lost: dict[str, int] | None = None) -> list[dict]:
    rows = []
    for camp in ("free-tool", "webinar", "search", "partner"):
        n_lost = (lost or {}).get(camp, 100)
        k = free.get(camp, n_lost // 10)
        rows += block(k, campaign=camp, outcome="lost", lost_reason="Expected a free product")
        rows += block(n_lost - k, campaign=camp, outcome="lost", lost_reason="No budget")
        rows += block(300 - n_lost, campaign=camp, outcome="open")
    return rows


def test_message_fires_on_the_campaign_whose_losses_share_a_reason():
    f = card(make_dataset(_message_rows({"free-tool": 60})), "message")
    assert f.status == "problem"
    assert f.culprit == {"campaign": "free-tool", "reason": "Expected a free product"}


def test_message_is_quiet_when_reasons_are_spread_evenly():
    assert card(make_dataset(_message_rows({})), "message").status == "no_evidence"


def test_message_is_quiet_when_a_campaign_only_loses_more_leads():
    # twice the losses, same reason mix: a fit (profile) problem, not a message one
    rows = _message_rows({"free-tool": 20}, lost={"free-tool": 200})
    assert card(make_dataset(rows), "message").status == "no_evidence"


def test_message_cant_tell_without_reasons():
    rows = [dict(r, lost_reason=None) for r in _message_rows({"free-tool": 60})]
    f = card(make_dataset(rows), "message")
    assert (f.status, f.missing) == ("cant_tell", ["lost_reason"])


# --- scoring -----------------------------------------------------------------------------


def _scoring_rows(informative: bool) -> list[dict]:
    won = [{"outcome": "won", "score": 60 + i % 40 if informative else i % 100}
           for i in range(200)]
    lost = [{"outcome": "lost", "score": i % 60 if informative else i % 100}
            for i in range(800)]
    return won + lost


def test_scoring_fires_when_the_score_does_not_rank_winners():
    f = card(make_dataset(_scoring_rows(False)), "scoring")
    assert (f.status, f.culprit) == ("problem", {"field": "score"})
    assert f.evidence["effect"] == pytest.approx(0.5, abs=0.01)


def test_scoring_is_quiet_when_the_score_separates_winners():
    f = card(make_dataset(_scoring_rows(True)), "scoring")
    assert f.status == "no_evidence" and f.evidence["effect"] > 0.9


def test_scoring_cant_tell_without_a_score():
    rows = [dict(r, score=None) for r in _scoring_rows(False)]
    f = card(make_dataset(rows), "scoring")
    assert (f.status, f.missing) == ("cant_tell", ["score"])


def test_scoring_cant_tell_when_every_score_is_equal():
    rows = [dict(r, score=50) for r in _scoring_rows(False)]
    f = card(make_dataset(rows), "scoring")
    assert (f.status, f.missing) == ("cant_tell", ["score"])


# --- the whole diagnosis on odd data ----------------------------------------------------


ODD = {
    "one lead": block(1, sql=True, outcome="won"),
    "no outcomes": block(80),
    "all won": block(80, opp=True, outcome="won", score=7, lost_reason=None),
    "none won": block(80, sal=True, outcome="lost", score=3, lost_reason="No budget"),
    "no owners": block(80, owner=None, outcome="lost"),
    "owners with null": block(40, outcome="lost") + block(40, owner=None, outcome="open"),
    "score all equal": block(40, outcome="lost", score=5) + block(40, outcome="won", score=5),
    "lost reason all null": block(40, outcome="lost") + block(40, outcome="won", sql=True),
    "never touched": block(80, response_h=None, outcome="lost"),
}


@pytest.mark.parametrize("profile", [None, SOFTWARE], ids=["no profile", "profile"])
@pytest.mark.parametrize("case", list(ODD))
def test_diagnose_places_gives_every_place_a_sentence_on_odd_data(case, profile):
    cards = diagnose_places(make_dataset(ODD[case]), profile=profile, now=NOW)
    assert [f.place for f in cards] == list(PLACES)
    assert all(f.status in STATUSES and f.headline.endswith(".") for f in cards)
    assert not [f.place for f in cards if "error" in f.evidence]


@pytest.mark.parametrize("case", list(ODD))
def test_diagnose_places_raises_nothing_on_odd_data(case):
    problems = [f.place for f in diagnose_places(make_dataset(ODD[case]), now=NOW)
                if f.status == "problem"]
    assert problems == []


def test_finding_to_dict_is_json_with_the_contract_keys():
    cards = diagnose_places(make_dataset(_scoring_rows(False)), now=NOW)
    out = json.loads(json.dumps([f.to_dict() for f in cards]))
    assert all({"place", "headline", "severity", "evidence"} <= set(d) for d in out)


def test_finding_page_and_title_exist_for_every_place():
    cards = diagnose_places(make_dataset(ODD["one lead"]), now=NOW)
    assert all(f.page and TITLES[f.place] for f in cards)


def test_findings_lists_problems_most_severe_first():
    rows = _follow_rows({"Cem": 80}) + _message_rows({"free-tool": 60})
    out = findings(make_dataset(rows), now=NOW)
    assert {f.status for f in out} == {"problem"}
    assert [f.severity for f in out] == sorted((f.severity for f in out), reverse=True)
    assert all(0 <= f.severity <= 1 for f in out)


# --- real exports -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def olist_cards(olist_dataset):
    return {f.place: f for f in diagnose_places(olist_dataset)}


@pytest.fixture(scope="module")
def xed_cards(xed_dataset):
    return {f.place: f for f in diagnose_places(xed_dataset)}


@pytest.mark.parametrize(("place", "field"), [
    ("speed", "first_response_at"), ("follow_up", "first_response_at"),
    ("routing", "owner"), ("message", "lost_reason"), ("scoring", "score"),
    ("pipeline", "opportunity_at")])
def test_diagnose_olist_cant_tell_where_the_export_is_silent(olist_cards, place, field):
    f = olist_cards[place]
    assert f.status == "cant_tell" and field in f.missing


def test_diagnose_olist_raises_no_problem_from_deal_only_owners(olist_cards):
    assert [p for p, f in olist_cards.items() if f.status == "problem"] == []


@pytest.mark.parametrize(("place", "field"), [
    ("speed", "first_response_at"), ("follow_up", "first_response_at"),
    ("routing", "owner"), ("readiness", "owner"), ("message", "lost_reason"),
    ("scoring", "score"), ("definition", "profile")])
def test_diagnose_x_education_cant_tell_where_the_export_is_silent(xed_cards, place, field):
    f = xed_cards[place]
    assert f.status == "cant_tell" and field in f.missing


def test_diagnose_x_education_profile_is_learned_without_sales_recorded_fields(xed_cards):
    f = xed_cards["profile"]
    assert f.status in ("problem", "no_evidence")
    assert f.evidence["basis"].startswith("profile learned")
    assert not any(w in f.evidence["profile_criteria"] for w in ("Tags", "Lead Quality",
                                                                 "Lead Origin"))


# --- generated samples: nothing wrong, one problem at a time, all eight ----------------

HANDLING_AND_MIX = ("speed", "routing", "follow_up", "profile", "message")
CULPRITS = {  # planted problem -> (culprit key, expected name)
    "follow_up": ("owner", "Marcus Reed"),
    "routing": ("owner", "Priya Shah"),
    "pipeline": ("owner", "Tom Becker"),
    "readiness": ("owner", "Lena Park"),
    "message": ("campaign", "facebook-free-tool"),
    "profile": ("campaign", "facebook-free-tool"),
    "scoring": ("field", "HubSpot Score"),
    "speed": ("window", "weekend"),
}


def _sample_dataset():
    make = getattr(funnel.sample, "sample_dataset", None)
    if make is None:
        pytest.skip("funnel.sample.sample_dataset is not available yet")
    return make


def _sample_cards(**kw) -> dict[str, Finding]:
    ds = _sample_dataset()(n_leads=20_000, **kw)
    return {f.place: f for f in diagnose_places(ds, profile=SAMPLE_SALES_PROFILE)}


@pytest.fixture(scope="module", params=[11, 12], ids=lambda s: f"seed {s}")
def null_cards(request):
    return _sample_cards(seed=request.param, problems=())


@pytest.fixture(scope="module", params=list(CULPRITS))
def one_problem(request):
    return request.param, _sample_cards(seed=21, problems=(request.param,))


@pytest.fixture(scope="module")
def bundled_cards():
    return {f.place: f for f in diagnose_places(load_sample(), profile=SAMPLE_SALES_PROFILE)}


@pytest.mark.parametrize("place", HANDLING_AND_MIX)
def test_diagnose_sample_without_problems_raises_no_handling_or_mix_finding(null_cards, place):
    assert null_cards[place].status != "problem", null_cards[place].headline


def test_diagnose_sample_finds_a_single_planted_problem(one_problem):
    place, cards = one_problem
    assert cards[place].status == "problem", cards[place].headline


def test_diagnose_sample_names_the_culprit_of_a_single_planted_problem(one_problem):
    place, cards = one_problem
    key, name = CULPRITS[place]
    assert name in cards[place].culprit.get(key, "")


def test_diagnose_sample_raises_nothing_else_beside_a_single_planted_problem(one_problem):
    place, cards = one_problem
    others = [p for p, f in cards.items()
              if f.status == "problem" and p not in (place, "definition")]
    assert others == []


@pytest.mark.parametrize("place", list(CULPRITS))
def test_diagnose_bundled_sample_names_every_planted_culprit(bundled_cards, place):
    key, name = CULPRITS[place]
    f = bundled_cards[place]
    assert f.status == "problem" and name in f.culprit.get(key, "")


def test_diagnose_bundled_sample_keeps_the_stated_profile(bundled_cards):
    assert bundled_cards["definition"].status == "no_evidence"


def test_diagnose_bundled_sample_headlines_carry_counts_and_intervals(bundled_cards):
    for f in bundled_cards.values():
        if f.status == "problem":
            ev = f.evidence
            assert {"effect", "ci_low", "ci_high"} <= set(ev)
            assert ev["ci_low"] <= ev["effect"] <= ev["ci_high"]
            assert "95% CI" in f.headline


def test_diagnose_bundled_sample_severity_ranks_by_revenue_at_stake(bundled_cards):
    problems = [f for f in bundled_cards.values() if f.status == "problem"]
    assert all(0 <= f.severity <= 1 for f in problems)
    by_money = sorted(problems, key=lambda f: -f.evidence["revenue_at_stake"])
    by_severity = sorted(problems, key=lambda f: -f.severity)
    assert [f.place for f in by_money] == [f.place for f in by_severity]


@pytest.mark.parametrize("fixture", ["olist_dataset", "xed_dataset"])
def test_diagnose_real_exports_run_every_check_without_error(request, fixture):
    cards = diagnose_places(request.getfixturevalue(fixture))
    assert [f.place for f in cards] == list(PLACES)
    assert not [f.place for f in cards if "error" in f.evidence]
    assert all(f.status in STATUSES and f.headline.endswith(".") for f in cards)


def test_diagnose_bundled_sample_cards_serialise_to_json(bundled_cards):
    out = json.loads(json.dumps([f.to_dict() for f in bundled_cards.values()]))
    assert [d["place"] for d in out] == list(PLACES)


def test_stratum_attributes_leave_out_names_that_repeat(tmp_path):
    # a small export: 3 first names over 60 leads, few enough levels to stratify on
    rows = "".join(f"{i},2025-01-{1 + i % 28:02d},{['Ann', 'Bo', 'Cy'][i % 3]},"
                   f"{['Retail', 'Food'][i % 2]},{'won' if i % 5 == 0 else 'lost'}\n"
                   for i in range(60))
    (tmp_path / "leads.csv").write_text("lead_id,created_at,First Name,Industry,outcome\n"
                                        + rows)
    ctx = Context.prepare(build_dataset([("leads", read_file(tmp_path / "leads.csv"))]))
    assert [name for name, _ in stratum_attributes(ctx)] == ["Industry"]
