"""*Speed to lead*: do leads answered fast convert more, and whose leads wait longest."""

from __future__ import annotations

import dataclasses

import polars as pl

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.times import response_times
from funnel.analyses.verdict import lead_flags, what_if
from funnel.dataset.labels import NONE_LABEL
from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fit_flags,
    fmt_ratio,
    outcome_missing,
    profile_fit,
    settled,
    target_flags,
    too_few,
    value_of_scenario,
    verb,
    with_power,
)
from funnel.findings.search import arrival_window
from funnel.findings.strata import source_codes, stratum_attributes, stratum_codes
from funnel.ingest.checks import responses_by_day
from funnel.stats.intervals import normal_quantile, rate_ratio
from funnel.stats.survival import km_medians
from funnel.stats.tests import mh_risk_ratio


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """Qualified (else won) rate of leads first touched < 1 h vs ≥ 24 h (when either has
    < ``min_n`` leads: the fastest vs the slowest quarter), Mantel–Haenszel within the mix
    that predicts conversion — source × profile fit (the stated profile, else the one
    learned on half the leads), and in turn × each lead attribute; the smallest of these
    ratios is the one judged (one test) → the arrival window that waits ≥ 2× longer (KM
    medians), or an owner whose leads wait > 2× longer than every other rep's *within
    each arrival window, on the business-hours clock*; leads of the last ``settle_days``
    left out (no time yet to qualify). Response times known to the day only (dates
    without a time of day) compare within a day vs after three days.
    """
    need = [f for f in ("created_at", "first_response_at") if f not in d.cols]
    if need or outcome_missing(d):
        return cant_tell("speed", need or outcome_missing(d))
    t = _waits(d)
    fit = fit_flags(d, s, profile)
    attrs = stratum_attributes(d)
    frame = pl.DataFrame(source_codes(d)).hstack(stratum_codes(d)).with_columns(
        t["response_hours"].alias("h"), pl.Series("y", target_flags(d)),
        pl.Series("_fit", fit if fit is not None else [True] * d.leads.height))
    # leads of the last days have not had time to qualify after a late first touch
    old_enough = d.leads.select(settled(d, s).alias("_s"))["_s"]
    touched = frame.filter(pl.col("h").is_not_null() & old_enough)

    def strata(fast: pl.Expr, slow: pl.Expr, by: list[str]) -> pl.DataFrame:
        return touched.group_by(by).agg(
            pl.col("y").filter(fast).sum().alias("a"), fast.sum().alias("n1"),
            pl.col("y").filter(slow).sum().alias("c"), slow.sum().alias("n0"))

    fast_h, slow_h, windows = s.fast_hours, s.slow_hours, "fixed"
    if _by_day(d):  # response times known to the day only: an hour window means nothing
        fast_h, slow_h, windows = max(fast_h, 24.0), max(slow_h, 72.0), "days"
    fast = pl.col("h") < fast_h
    slow = pl.col("h") >= slow_h
    st = strata(fast, slow, ["source"])
    n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    if (n_fast < s.min_n or n_slow < s.min_n) and touched.height >= 4 * s.min_n:
        # answers all fast (or all slow) here: compare the fastest and slowest quarters
        q1, q3 = (float(touched["h"].quantile(q)) for q in (0.25, 0.75))
        if q3 > q1:
            fast_h, slow_h, windows = q1, q3, "quartiles"
            fast = pl.col("h") <= fast_h
            slow = pl.col("h") >= slow_h
            st = strata(fast, slow, ["source"])
            n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    k_fast, k_slow = int(st["a"].sum()), int(st["c"].sum())
    ev = {"n": n_fast + n_slow, "n_fast": n_fast, "n_slow": n_slow, "fast_hours": fast_h,
          "slow_hours": slow_h, "windows": windows,
          f"{d.target}_fast": k_fast, f"{d.target}_slow": k_slow,
          "rate_fast": k_fast / n_fast if n_fast else None,
          "rate_slow": k_slow / n_slow if n_slow else None}
    if n_fast < s.min_n or n_slow < s.min_n:
        return too_few("speed", f"only {n_fast:,} leads answered within {fast_h:.3g} h and "
                       f"{n_slow:,} after {slow_h:.3g} h (need {s.min_n} each).", ev)
    z = normal_quantile(1 - s.alpha / 2)
    crude = rate_ratio(k_fast, n_fast, k_slow, n_slow)
    mix = ["source"] + (["_fit"] if fit is not None else [])
    mix_words = "source" + (" and profile fit" if fit is not None else "")
    ratio, lo, hi = mh_risk_ratio(strata(fast, slow, mix), z=z)
    adjusted_for = mix_words
    for i, (name, _) in enumerate(attrs):  # the most conservative stratification
        r = mh_risk_ratio(strata(fast, slow, [*mix, f"_a{i}"]), z=z)
        if r[0] is not None and ratio is not None and r[0] < ratio:
            ratio, lo, hi = r
            adjusted_for = f"{mix_words} and {name}"
    moved = f"; crude {crude[0]:.2g}×" if crude[0] is not None else ""
    ev.update({"effect": ratio, "ci_low": lo, "ci_high": hi, "crude_ratio": crude[0],
               "adjusted_for": adjusted_for,
               "measure": f"{d.target} rate, first touch < {fast_h:.3g} h vs ≥ "
                          f"{slow_h:.3g} h, adjusted for {adjusted_for} (Mantel–Haenszel; "
                          "the smallest ratio over the stratifications tried)"})
    if ratio is None or lo is None:
        return Finding("speed", "no_evidence", f"Too few leads {verb(d)} in either "
                       "response window to compare them.", evidence=ev)
    if not (lo > 1 and ratio >= s.min_ratio):
        return with_power(Finding(
            "speed", "no_evidence", f"Leads answered within {fast_h:.3g} h "
            f"{verb(d)} {fmt_ratio(ratio, lo, hi)} as often as those answered after "
            f"{slow_h:.3g} h ({n_fast:,} and {n_slow:,} leads; compared within "
            f"{adjusted_for}{moved}): no effect large enough to matter.", evidence=ev),
            d, s, n1=n_fast, n0=n_slow, p0=k_slow / n_slow, what="leads answered fast or slow")
    return _problem(d, s, t, profile, ev, (fast_h, slow_h, k_fast, n_fast, k_slow, n_slow),
                    f"compared within {adjusted_for}{moved}")


def _problem(d: Context, s: Settings, t: pl.DataFrame, profile, ev: dict, counts: tuple,
             compared: str) -> Finding:
    """The speed card once the effect clears noise: what is at stake and who waits."""
    fast_h, slow_h, k_fast, n_fast, k_slow, n_slow = counts
    ratio, lo, hi = ev["effect"], ev["ci_low"], ev["ci_high"]
    # what is at stake: the what-if with every lead answered within the fast window
    in_profile = (profile_fit(d, profile).in_profile_
                  if profile is not None and getattr(profile, "criteria", None) else None)
    flags = lead_flags(d.ds, in_profile=in_profile, fast_hours=fast_h, now=d.end)
    severity, value = value_of_scenario(d, what_if(flags, fast_share=1.0))
    ev.update(value)
    ev["at_stake_note"] = (f"upper-bound scenario: every lead answered within {fast_h:.3g} h, "
                           f"converting as the leads of its source"
                           + (" and profile fit" if in_profile is not None else "")
                           + f" answered within {fast_h:.3g} h did (the what-if at 100% "
                           "answered fast)")
    culprit = _speed_culprit(d, t, s)  # no profile in it: once per context and settings
    ev.update({k: v for k, v in culprit.items() if k.startswith("median")})
    who = culprit.get("window_label", "")
    rep = culprit.get("owner_label", "")
    headline = (f"Leads answered within {fast_h:.3g} h {verb(d)} "
                f"{fmt_ratio(ratio, lo, hi)} as often as those answered after "
                f"{slow_h:.3g} h ({k_fast / n_fast:.1%} of {n_fast:,} vs "
                f"{k_slow / n_slow:.1%} of {n_slow:,}, {compared})"
                + (f"; {who} wait longest" if who else "")
                + (f"; {rep}" if rep else "") + ".")
    named = {k: v for k, v in culprit.items() if k in ("window", "owner")}
    if not named:  # no window or rep stands out: the delay is everywhere
        named = {"window": "all arrival times"}
    return Finding("speed", "problem", headline, severity, named, ev)


def _by_day(d: Context) -> bool:
    """Whether the leads' response times are known to the day only
    (:func:`~funnel.ingest.checks.responses_by_day`), once per context."""
    if "by_day" not in d.cache:
        d.cache["by_day"] = responses_by_day(d.leads) is not None
    return d.cache["by_day"]


def _waits(d: Context) -> pl.DataFrame:
    """Each lead's wall-clock wait for a first touch (:func:`response_times`), once per
    context: a profile edit re-runs this place on the same leads."""
    if "speed_waits" not in d.cache:
        d.cache["speed_waits"] = response_times(d.leads, now=d.end)
    return d.cache["speed_waits"]


def _speed_culprit(d: Context, t: pl.DataFrame, s: Settings) -> dict:
    """The arrival window whose leads wait longest for a first touch (wall clock: what
    the lead lives through), and an owner slower than every other rep within each
    arrival window on the business-hours clock (a rep given the night shift is not
    slower for it). Neither reads the profile: computed once per context and settings."""
    key = ("speed_culprit", dataclasses.astuple(s))
    if key not in d.cache:
        d.cache[key] = _culprit(d, t, s)
    return dict(d.cache[key])


def _windows(d: Context) -> pl.Series:
    """Each lead's arrival window (:func:`arrival_window`), once per context: both
    culprits compare within it."""
    if "arrival_window" not in d.cache:
        d.cache["arrival_window"] = d.leads.select(arrival_window())["window"]
    return d.cache["arrival_window"]


def _culprit(d: Context, t: pl.DataFrame, s: Settings) -> dict:
    frame = pl.DataFrame({"window": _windows(d), "wait": t["wait_hours"],
                          "touched": t["touched"]})
    med = km_medians(frame, duration="wait", event="touched", by="window")
    out: dict = {}
    by = {r["window"]: r["median"] for r in med.to_dicts()}
    base = by.get("working hours")
    slowest = [w for w in ("weekend", "evening and night")
               if by.get(w) is not None and base is not None and by[w] >= 2 * max(base, 0.1)]
    if slowest:
        out["window"] = ", ".join(slowest)
        out["window_label"] = " and ".join(
            f"{w} leads (median {by[w]:.0f} h vs {base:.1f} h in working hours)"
            if i == len(slowest) - 1 else f"{w} leads (median {by[w]:.0f} h)"
            for i, w in enumerate(slowest))
    out.update({f"median_hours_{w.replace(' ', '_')}": v for w, v in by.items()})
    if "owner" in d.cols:  # response time of touched leads (follow-up is its own place)
        out.update(slow_owner(d, s))
    return out


def slow_owner(d: Context, s: Settings) -> dict:
    """The owner whose touched leads wait > 2× longer than every other rep's in each
    arrival window where both have ``min_n`` leads, in business hours (KM medians; the
    owner's lower bound against the others' medians); ``{}`` when none.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> slow_owner(Context.prepare(load_sample()), Settings())  # within 2× in some window
    {}
    """
    b = response_times(d.leads, clock=BusinessClock(), now=d.end)
    frame = pl.DataFrame({"window": _windows(d), "wait": b["wait_hours"],
                          "touched": b["touched"],
                          "owner": d.leads["owner"].cast(pl.String).fill_null(NONE_LABEL)}
                         ).filter(
        (pl.col("owner") != NONE_LABEL) & pl.col("touched") & pl.col("window").is_not_null())
    om = km_medians(frame, duration="wait", event="touched", by=["owner", "window"]
                    ).filter(pl.col("n") >= s.min_n)
    verdicts: dict[str, list[tuple[str, float, float]]] = {}
    for w in om["window"].unique().to_list():
        inw = om.filter(pl.col("window") == w)
        if inw.height < 2:
            continue
        for r in inw.to_dicts():
            others = inw.filter(pl.col("owner") != r["owner"])["median"].drop_nulls()
            if not others.len():
                continue
            worst = float(others.max())
            slow = r["ci_low"] is not None and r["ci_low"] > 2 * max(worst, 0.05)
            verdicts.setdefault(r["owner"], []).append((w, r["median"] if slow else None, worst))
    slow_reps = {o: v for o, v in verdicts.items() if v and all(m is not None for _, m, _ in v)}
    if not slow_reps:
        return {}
    owner = max(slow_reps, key=lambda o: sum(m / max(x, 0.05) for _, m, x in slow_reps[o]))
    w, m, x = next(v for v in slow_reps[owner] if v[0] == "working hours") \
        if any(v[0] == "working hours" for v in slow_reps[owner]) else slow_reps[owner][0]
    return {"owner": owner, "median_business_hours_owner": m,
            "owner_label": (f"{owner}'s leads wait longer than every other rep's in each "
                            f"arrival window (business hours; {w}: median {m:.1f} h vs at "
                            f"most {x:.1f} h)")}


PLACE = Place("speed", title="Speed to lead", page="speed",
              needs=("created_at", "first_response_at", "outcome"),
              chart="Conversion by speed", test=run)
