"""*Speed to lead*: do leads answered fast convert more, and whose leads wait longest."""

from __future__ import annotations

import polars as pl

from funnel.analyses.speed.times import response_times
from funnel.analyses.verdict import lead_flags, what_if
from funnel.dataset.labels import NONE_LABEL
from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    outcome_missing,
    profile_fit,
    settled,
    target_flags,
    too_few,
    value_of_scenario,
    verb,
)
from funnel.stats.intervals import normal_quantile, rate_ratio
from funnel.stats.survival import km_medians
from funnel.stats.tests import mh_risk_ratio


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """Qualified (else won) rate of leads first touched < 1 h vs ≥ 24 h (when either has
    < ``min_n`` leads: the fastest vs the slowest quarter), Mantel–Haenszel over sources
    (one test) → the arrival window that waits ≥ 2× longer (KM medians), or an owner whose
    median wait is > 2× everyone's; leads of the last ``settle_days`` left out (no time
    yet to qualify).
    """
    need = [f for f in ("created_at", "first_response_at") if f not in d.cols]
    if need or outcome_missing(d):
        return cant_tell("speed", need or outcome_missing(d))
    t = response_times(d.leads, now=d.end)
    frame = d.leads.select(pl.col("source").cast(pl.String).fill_null(NONE_LABEL) if "source"
                           in d.cols else pl.lit(NONE_LABEL).alias("source")).with_columns(
        t["response_hours"].alias("h"), pl.Series("y", target_flags(d)))
    # leads of the last days have not had time to qualify after a late first touch
    old_enough = d.leads.select(settled(d, s).alias("_s"))["_s"]
    touched = frame.filter(pl.col("h").is_not_null() & old_enough)

    def strata(fast: pl.Expr, slow: pl.Expr) -> pl.DataFrame:
        return touched.group_by("source").agg(
            pl.col("y").filter(fast).sum().alias("a"), fast.sum().alias("n1"),
            pl.col("y").filter(slow).sum().alias("c"), slow.sum().alias("n0"))

    fast_h, slow_h = s.fast_hours, s.slow_hours
    fast = pl.col("h") < fast_h
    slow = pl.col("h") >= slow_h
    st = strata(fast, slow)
    n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    windows = "fixed"
    if (n_fast < s.min_n or n_slow < s.min_n) and touched.height >= 4 * s.min_n:
        # answers all fast (or all slow) here: compare the fastest and slowest quarters
        q1, q3 = (float(touched["h"].quantile(q)) for q in (0.25, 0.75))
        if q3 > q1:
            fast_h, slow_h, windows = q1, q3, "quartiles"
            fast = pl.col("h") <= fast_h
            slow = pl.col("h") >= slow_h
            st = strata(fast, slow)
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
    ratio, lo, hi = mh_risk_ratio(st, z=normal_quantile(1 - s.alpha / 2))
    crude = rate_ratio(k_fast, n_fast, k_slow, n_slow)
    ev.update({"effect": ratio, "ci_low": lo, "ci_high": hi, "crude_ratio": crude[0],
               "measure": f"{d.target} rate, first touch < {fast_h:.3g} h vs ≥ "
                          f"{slow_h:.3g} h, adjusted for source (Mantel–Haenszel)"})
    if ratio is None or lo is None:
        return Finding("speed", "no_evidence", f"Too few leads {verb(d)} in either "
                       "response window to compare them.", evidence=ev)
    if not (lo > 1 and ratio >= s.min_ratio):
        return Finding("speed", "no_evidence", f"Leads answered within {fast_h:.3g} h "
                       f"{verb(d)} {fmt_ratio(ratio, lo, hi)} as often as those "
                       f"answered after {slow_h:.3g} h ({n_fast:,} and {n_slow:,} leads): "
                       "no effect large enough to matter.", evidence=ev)
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
    culprit = _speed_culprit(d, t, s)
    ev.update({k: v for k, v in culprit.items() if k.startswith("median")})
    who = culprit.get("window_label", "")
    headline = (f"Leads answered within {fast_h:.3g} h {verb(d)} "
                f"{fmt_ratio(ratio, lo, hi)} as often as those answered after "
                f"{slow_h:.3g} h ({k_fast / n_fast:.1%} of {n_fast:,} vs "
                f"{k_slow / n_slow:.1%} of {n_slow:,}, same sources compared)"
                + (f"; {who} wait longest." if who else "."))
    named = {k: v for k, v in culprit.items() if k in ("window", "owner")}
    if not named:  # no window or rep stands out: the delay is everywhere
        named = {"window": "all arrival times"}
    return Finding("speed", "problem", headline, severity, named, ev)


def _speed_culprit(d: Context, t: pl.DataFrame, s: Settings) -> dict:
    """The arrival window (and owner) whose leads wait longest for a first touch."""
    created = d.leads["created_at"]
    wd, hr = created.dt.weekday(), created.dt.hour()
    window = (pl.when(wd >= 6).then(pl.lit("weekend"))
              .when((hr < 8) | (hr >= 18) | ((wd == 5) & (hr >= 16)))
              .then(pl.lit("evening and night")).otherwise(pl.lit("working hours")))
    frame = pl.DataFrame({"wd": wd, "hr": hr, "wait": t["wait_hours"],
                          "touched": t["touched"]}).with_columns(window.alias("window"))
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
        frame = frame.with_columns(d.leads["owner"].cast(pl.String).fill_null(NONE_LABEL)
                                   .alias("owner"))
        om = km_medians(frame.filter((pl.col("owner") != NONE_LABEL) & pl.col("touched")),
                        duration="wait", event="touched", by="owner"
                        ).filter(pl.col("n") >= s.min_n)
        if om.height >= 2:
            worst = om.sort("median", descending=True, nulls_last=False).row(0, named=True)
            others = om.filter(pl.col("owner") != worst["owner"])["median"].drop_nulls()
            if (worst["ci_low"] is not None and others.len()
                    and worst["ci_low"] > 2 * float(others.max())):
                out["owner"] = worst["owner"]
    return out


PLACE = Place("speed", title="Speed to lead", page="speed",
              needs=("created_at", "first_response_at", "outcome"),
              chart="Conversion by speed", test=run)
