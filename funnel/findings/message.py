"""*Message*: does a campaign lose leads for one reason far more often than the others."""

from __future__ import annotations

import dataclasses

import polars as pl

from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import reached_exprs, stages_present
from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    target_flags,
    too_few,
    value_of,
)
from funnel.findings.strata import stratum_attributes, stratum_codes
from funnel.stats.tests import mh_vs_rest


def run(d: Context, s: Settings, **_) -> Finding:
    """Per campaign × reason, the reason's share of the campaign's lost or disqualified
    leads vs other campaigns', ≥ 2× higher and ≥ ``min_n`` leads, Mantel–Haenszel within
    the stage lost at (opportunity or before) and, in turn, within each lead attribute —
    a concentration a lead attribute explains is a profile matter (family: campaigns ×
    reasons) → campaign and reason.
    """
    dim = ("campaign" if d.ds.has("campaign") else "source" if d.ds.has("source") else None)
    need = ([] if d.ds.has("lost_reason") else ["lost_reason"]) + ([] if dim else ["campaign"])
    if need:
        return cant_tell("message", need)
    stage = (reached_exprs(d.leads)["opportunity"] if "opportunity" in stages_present(d.leads)
             else pl.lit(False))
    attrs = stratum_attributes(d)
    leads = d.leads.select(pl.col("lost_reason").cast(pl.String).str.strip_chars()
                           .alias("_r"), pl.col(dim).cast(pl.String).fill_null(NONE_LABEL)
                           .alias("_g"), stage.fill_null(False).alias("_stage")
                           ).hstack(stratum_codes(d))
    given = leads.filter(pl.col("_r").is_not_null() & (pl.col("_r") != ""))
    if given.height < 2 * s.min_n:
        return too_few("message", f"only {given.height:,} leads have a loss or "
                       f"disqualification reason (need {2 * s.min_n}).")
    reasons = (given.group_by("_r").len().filter(pl.col("len") >= s.min_n)
               .sort("len", descending=True)["_r"].to_list())
    per_group = leads.group_by("_g").len().rename({"_g": dim, "len": "leads"})
    # The reason mix of each campaign's lost/disqualified leads against the others': a
    # campaign that merely loses more leads (worse fit) does not shift its mix. Compared
    # within the stage the lead was lost at (as an opportunity or before), since deals
    # and disqualified leads have different reasons and good campaigns lose more deals.
    given = given.rename({"_g": dim})
    family = max(1, len(reasons) * given.group_by(dim).len().filter(
        (pl.col("len") >= s.min_n) & (given.height - pl.col("len") >= s.min_n)).height)
    settings = dataclasses.replace(s, min_ratio=max(2.0, s.min_ratio))
    flagged = []
    for r in reasons:
        res = mh_vs_rest(given.with_columns((pl.col("_r") == r).alias("_f")), group=dim,
                         flag="_f", stratum="_stage", settings=settings, family=family)
        # a message problem is a volume of leads lost for the reason, not a handful
        flagged += [(r, row) for row in res.filter(
            pl.col("flagged") & (pl.col(dim) != NONE_LABEL) & (pl.col("k") >= s.min_n)).to_dicts()]
    # A reason that concentrates because the campaign sends a kind of lead ("Student" from
    # a campaign that draws students) is a profile matter, not a message one: it must
    # survive stratifying by each lead attribute in turn.
    explained = []
    if flagged:  # each stage × attribute stratum once, for every flagged reason
        given = given.with_columns(
            pl.concat_str([pl.col("_stage").cast(pl.String), pl.col(f"_a{i}")], separator="|")
            .alias(f"_st{i}") for i in range(len(attrs)))
    for r, row in list(flagged):
        for i, (name, _) in enumerate(attrs):
            adj = mh_vs_rest(given.with_columns((pl.col("_r") == r).alias("_f")),
                             group=dim, flag="_f", stratum=f"_st{i}", settings=settings,
                             family=family)
            hit = adj.filter(pl.col(dim) == row[dim])
            if hit.height == 0 or not hit["flagged"].item():
                explained.append({dim: row[dim], "reason": r, "explained_by": name,
                                  "adjusted_ratio": hit["ratio"].item() if hit.height else None})
                flagged.remove((r, row))
                break
            if hit["ratio"].item() < row["ratio"]:  # report the most conservative ratio
                row.update({k: hit[k].item() for k in ("ratio", "ci_low", "ci_high")},
                           adjusted_for=name)
    ev: dict = {"n": given.height, "reasons_tested": len(reasons), "family": family,
                "attributes_checked": [name for name, _ in attrs], "explained": explained}
    if not flagged:
        why = ("; where a reason concentrates, the kind of lead explains it ("
               + ", ".join(f"'{e['reason']}' in {e[dim]}: {e['explained_by']}"
                           for e in explained[:3]) + ")") if explained else ""
        return Finding("message", "no_evidence", "Loss and disqualification reasons "
                       f"({given.height:,} leads, {len(reasons)} common reasons) are spread "
                       f"evenly over {dim}s{why}.", evidence=ev)
    reason, top = max(flagged, key=lambda x: x[1]["k"] - x[1]["n"] * x[1]["rest_rate"])
    group_leads = int(per_group.filter(pl.col(dim) == top[dim])["leads"].sum())
    other_leads = leads.height - group_leads
    rest_k = top["rest_k"]
    excess = max(0.0, top["k"] - top["n"] * top["rest_rate"])
    # at stake: the excess leads lost for this reason, at the overall conversion
    severity, value = value_of(d, excess * float(target_flags(d).mean()))
    all_r = top["k"] + rest_k
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               "reason": reason, f"{dim}_leads": group_leads,
               f"{dim}_with_reason": top["n"], f"{dim}_this_reason": top["k"],
               "reason_share": top["rate"], "others_reason_share": top["rest_rate"],
               "share_of_leads": top["k"] / group_leads if group_leads else None,
               "others_share_of_leads": rest_k / other_leads if other_leads else None,
               "share_of_all_such_losses": top["k"] / all_r if all_r else None,
               "flagged": [{dim: row[dim], "reason": r, "k": row["k"], "n": row["n"],
                            "share": row["rate"], "ratio": row["ratio"],
                            "ci_low": row["ci_low"], "ci_high": row["ci_high"]}
                           for r, row in flagged],
               "measure": f"share of the {dim}'s lost/disqualified leads given this reason vs "
                          f"other {dim}s' at the same stage (Mantel–Haenszel; Bonferroni over "
                          f"{family} {dim} × reason pairs); the smallest ratio after also "
                          "stratifying by each lead attribute",
               **value, "at_stake_note": "estimate: the excess leads lost for this reason, "
                                         "at the overall conversion rate"})
    headline = (f"'{reason}' is given for {top['rate']:.0%} of the {top['n']:,} lost or "
                f"disqualified {top[dim]} leads vs {top['rest_rate']:.0%} elsewhere "
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}), "
                f"{top['k'] / all_r:.0%} of all such losses: the {dim} promises something "
                "the product is not.")
    return Finding("message", "problem", headline, severity,
                   {dim: top[dim], "reason": reason}, ev)


PLACE = Place("message", title="Message", page="funnel",
              needs=("lost_reason", "campaign"), chart="Where and why leads stop",
              test=run)
