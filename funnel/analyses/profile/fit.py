"""Profile fit: how many leads sent meet a profile, where they come from, whether it wins.

:class:`ProfileFit` answers the workshop's questions for one profile (see
:mod:`funnel.analyses.profile.criteria`): the share of leads sent that meet it (overall,
by source, campaign, month and owner), how many leads fail each criterion and how many
fail *only* it, and whether the profile separates winners from the rest. It fits on leads
prepared once (:func:`~funnel.analyses.profile.prepared.prepare_profile`), which keep one
boolean match array per criterion, so a fit after one criterion changes recomputes that
criterion only and combines the rest (milliseconds at a million leads; see
``bench/bench_profile.py``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from funnel.analyses.profile.criteria import Profile
from funnel.analyses.profile.fields import Match
from funnel.analyses.profile.prepared import BREAKDOWNS, PreparedLeads, prepare_profile
from funnel.analyses.profile.split import learned_split
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset
from funnel.stats.intervals import rate_ratio, wilson, wilson_exprs


class ProfileFit:
    """The overlap of one profile with the leads sent, and whether it predicts winning.

    Shaped like :class:`~funnel.analyses.speed.response.ResponseCurve`: the profile in
    the constructor, ``fit(data)`` returns ``self``, fitted results end in ``_``; charts
    live in :mod:`funnel.charts.profile`. Fit on leads prepared once with
    :func:`~funnel.analyses.profile.prepared.prepare_profile` to fit many profiles (an
    edit each, or two side by side) cheaply: they share the coded fields and each
    criterion's kept match. ``fit`` also takes a dataset or lead table and prepares it.

    Parameters
    ----------
    profile : Profile
        The profile: a lead is in it when it meets every criterion that can be checked.
    mapping : Mapping, optional
        The export's mapping, so that a criterion may name a field by the export's own
        column name (default: the dataset's; none for a bare lead table).

    Attributes
    ----------
    profile_ : Profile
        The profile fitted.
    prepared_ : PreparedLeads
        The leads it was fitted on (lead table, outcome flags, breakdown codes).
    matches_ : list of Match
        Per criterion, which leads meet it (``checked`` false when it cannot be applied).
    in_profile_ : numpy.ndarray
        Bool per lead: meets every checked criterion.
    n_, in_n_ : int
        Leads sent; leads in profile.
    share_ : float or None
        ``in_n_ / n_`` (``None`` without leads); ``share_ci_`` its 95% Wilson interval.
    criteria_ : polars.DataFrame
        Per criterion ``index, criterion, field, column, checked, problem, meets, fails,
        missing, fails_only`` (``fails_only``: leads meeting every other criterion but
        this one — who would join if it were dropped).
    unchecked_ : list of str
        Descriptions of criteria that could not be applied, with why.
    outcomes_ : polars.DataFrame
        In vs out of profile: ``group, leads, won, win_rate, ci_low, ci_high, qualified,
        qualified_rate, q_ci_low, q_ci_high`` (win columns null without outcomes;
        qualified = reached ``sql`` or later, null without stage data). For a learned
        profile (see ``judged_on_``) counted on the leads it was not learned from only.
    rate_ratio_ : tuple
        ``(ratio, low, high)`` of the win rate in vs out of profile, 95% Katz interval
        (``None`` s without outcomes): *the* ratio of this profile, which every page,
        card and report states. Like ``outcomes_``, on the judging half of a learned
        profile.
    judged_on_ : int or None
        For a profile learned from half the leads and not edited since
        (:func:`~funnel.analyses.profile.split.learned_split`): how many leads of the
        other half it is judged on; ``None`` for a stated profile (judged on all leads).
    by_source_, by_campaign_, by_month_, by_owner_ : polars.DataFrame or None
        Per value ``leads, in_profile, in_profile_share, ci_low, ci_high, won,
        in_profile_won`` (``None`` when the data lacks the field); ``by_`` maps each
        breakdown name to its table.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    >>> round(fit.share_, 3), fit.in_n_ > 0
    (0.058, True)
    """

    def __init__(self, profile: Profile, *, mapping: Mapping | None = None):
        if isinstance(profile, Dataset | pl.DataFrame | PreparedLeads):
            raise TypeError("ProfileFit takes the profile, then fits on the leads: "
                            "ProfileFit(profile).fit(ds)")
        self.profile = profile
        self.mapping = mapping

    def fit(self, data: PreparedLeads | Dataset | pl.DataFrame) -> ProfileFit:
        """Match the profile against ``data`` (prepared leads, a dataset or a lead
        table); returns ``self``. See the class docstring for the results."""
        if isinstance(data, Profile):
            raise TypeError("fit takes the leads (a Dataset, a lead table or prepared "
                            "leads); the profile goes to ProfileFit(profile)")
        p = self.prepared_ = prepare_profile(data, mapping=self.mapping)
        profile = self.profile_ = self.profile
        self.matches_ = [p.match(c) for c in profile.criteria]
        checked = [m for m in self.matches_ if m.checked]
        n = p.n
        inside = np.ones(n, dtype=bool)
        fails = np.zeros(n, dtype=np.int16)
        for m in checked:
            inside &= m.meets
            fails += ~m.meets
        self.in_profile_ = inside
        self.n_ = n
        self.in_n_ = int(inside.sum())
        self.share_ = self.in_n_ / n if n else None
        self.share_ci_ = wilson(self.in_n_, n)
        self.criteria_ = _criteria(self.matches_, n, fails == 1)
        self.unchecked_ = [f"{m.criterion.describe()} — {m.problem}"
                           for m in self.matches_ if not m.checked]
        # a learned profile is judged only on the leads it was not learned from
        split = learned_split(profile)
        rows = None if split is None else ~p.learning_half(split["seed"])
        judged = np.ones(n, dtype=bool) if rows is None else rows
        self.judged_on_ = None if rows is None else int(rows.sum())
        self.outcomes_ = self._outcomes(inside, judged)
        won_in = int((p.won & inside & judged).sum())
        won_out = int((p.won & ~inside & judged).sum())
        in_j = int((inside & judged).sum())
        self.rate_ratio_ = (rate_ratio(won_in, in_j, won_out, int(judged.sum()) - in_j)
                            if p.has_outcome else (None, None, None))
        self.by_ = {dim: self._breakdown(dim, inside) for dim in BREAKDOWNS}
        self.by_source_, self.by_campaign_, self.by_month_, self.by_owner_ = (
            self.by_[d] for d in BREAKDOWNS)
        return self

    def _outcomes(self, inside: np.ndarray, judged: np.ndarray) -> pl.DataFrame:
        p = self.prepared_
        rows = []
        for name, sel in (("in profile", inside & judged), ("out of profile", ~inside & judged)):
            leads = int(sel.sum())
            won = int((p.won & sel).sum()) if p.has_outcome else None
            q = int((p.qualified & sel).sum()) if p.has_stages else None
            rows.append({"group": name, "leads": leads, "won": won, "qualified": q})
        frame = pl.DataFrame(rows, schema={"group": pl.String, "leads": pl.Int64,
                                           "won": pl.Int64, "qualified": pl.Int64})
        return frame.with_columns(
            pl.when(pl.col("leads") > 0).then(pl.col("won") / pl.col("leads")).alias("win_rate"),
            *wilson_exprs("won", "leads"),
            pl.when(pl.col("leads") > 0).then(pl.col("qualified") / pl.col("leads"))
            .alias("qualified_rate"),
            *wilson_exprs("qualified", "leads", prefix="q_ci"),
        ).select("group", "leads", "won", "win_rate", "ci_low", "ci_high", "qualified",
                 "qualified_rate", "q_ci_low", "q_ci_high")

    def _breakdown(self, dim: str, inside: np.ndarray) -> pl.DataFrame | None:
        p = self.prepared_
        if dim not in p.dims:
            return None
        _, labels = p.dims[dim]
        k = len(labels)
        cells = np.bincount(p.packed(dim) + inside, minlength=4 * k).reshape(k, 4)
        # columns: (lost, out), (lost, in), (won, out), (won, in)
        leads = cells.sum(axis=1)
        frame = pl.DataFrame({dim: labels, "leads": leads.astype(np.int64),
                              "in_profile": (cells[:, 1] + cells[:, 3]).astype(np.int64)})
        if p.has_outcome:
            frame = frame.with_columns(
                pl.Series("won", (cells[:, 2] + cells[:, 3]).astype(np.int64)),
                pl.Series("in_profile_won", cells[:, 3].astype(np.int64)))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Int64).alias("won"),
                                       pl.lit(None, pl.Int64).alias("in_profile_won"))
        frame = frame.filter(pl.col("leads") > 0).with_columns(
            (pl.col("in_profile") / pl.col("leads")).alias("in_profile_share"),
            *wilson_exprs("in_profile", "leads"))
        frame = frame.select(dim, "leads", "in_profile", "in_profile_share", "ci_low", "ci_high",
                             "won", "in_profile_won")
        return frame.sort(dim) if dim == "month" else frame.sort(
            ["leads", dim], descending=[True, False])

    # -- drill-down and distributions ------------------------------------------------------

    def leads_in_profile(self, *, inside: bool | None = True, by: str | None = None,
                         value: str | None = None) -> pl.DataFrame:
        """The leads in (``inside=True``) or out of profile (``False``) or both (``None``);
        with ``by``/``value`` only those of one breakdown row (e.g. ``by="source",
        value="Referrals"``; ``"(none)"`` for a missing value)."""
        p = self.prepared_
        sel = np.ones(p.n, dtype=bool) if inside is None else (
            self.in_profile_ if inside else ~self.in_profile_)
        if by is not None:
            if by not in p.dims:
                raise ValueError(f"No breakdown by {by!r} in this data.")
            codes, labels = p.dims[by]
            idx = [i for i, label in enumerate(labels) if label == value]
            if value == NONE_LABEL:
                idx = [len(labels) - 1]
            sel = sel & (np.isin(codes, idx) if idx else np.zeros(p.n, dtype=bool))
        return p.leads.filter(pl.Series(sel))

    def leads_failing(self, index: int, *, only: bool = False) -> pl.DataFrame:
        """The leads failing criterion ``index`` (``only``: failing it and nothing else)."""
        p = self.prepared_
        m = self.matches_[index]
        if not m.checked:
            return p.leads.clear()
        sel = ~m.meets
        if only:
            others = np.ones(p.n, dtype=bool)
            for j, o in enumerate(self.matches_):
                if j != index and o.checked:
                    others &= o.meets
            sel = sel & others
        return p.leads.filter(pl.Series(sel))

    def distribution(self, index: int, *, top: int = 12) -> pl.DataFrame | None:
        """Leads sent vs the values criterion ``index`` wants, for a chart.

        Columns ``value, order, leads, share, won, won_share, wanted``: ``share`` of all
        leads sent, ``won_share`` of the won leads; ``wanted`` whether the criterion
        accepts the value (``None`` for the missing-value row). Text and yes/no fields
        list their ``top`` values (every wanted value kept) and the rest as ``(other)``;
        numbers and dates are binned on round edges aligned with ``min``/``max``.
        ``None`` when the criterion cannot be checked. Kept per criterion in
        ``prepared_`` (shared by every fit on the same leads).
        """
        return self.prepared_.distribution(self.matches_[index], top=top)


def _criteria(matches: list[Match], n: int, one: np.ndarray) -> pl.DataFrame:
    """The ``criteria_`` table; ``one`` flags the leads failing exactly one criterion."""
    rows = []
    for i, m in enumerate(matches):
        meets = int(m.meets.sum()) if m.checked else None
        rows.append({
            "index": i, "criterion": m.criterion.describe(), "field": m.criterion.field,
            "column": m.column, "checked": m.checked, "problem": m.problem,
            "meets": meets, "fails": n - meets if m.checked else None,
            "missing": m.missing if m.checked else None,
            "fails_only": int((one & ~m.meets).sum()) if m.checked else None,
        })
    return pl.DataFrame(rows, schema={
        "index": pl.Int64, "criterion": pl.String, "field": pl.String, "column": pl.String,
        "checked": pl.Boolean, "problem": pl.String, "meets": pl.Int64, "fails": pl.Int64,
        "missing": pl.Int64, "fails_only": pl.Int64})


# --------------------------------------------------------------------------------------
# the CLI / JSON summary
# --------------------------------------------------------------------------------------


def _records(frame: pl.DataFrame | None, dim: str) -> list[dict] | None:
    if frame is None:
        return None
    return frame.rename({dim: dim}).to_dicts()


def profile_summary(ds: Dataset, profile: Profile, *, fit: ProfileFit | None = None) -> dict:
    """The ``profile`` key of ``funnel diagnose --json`` (contract §4), extended.

    Contract keys: ``name, in_profile_share, in_profile_rate, out_of_profile_rate,
    by_source [{source, leads, in_profile_share}], by_campaign [{campaign, leads,
    in_profile_share}]``. Extensions: ``leads, in_profile, ci_low, ci_high`` (of the
    share), ``in_profile_won, out_of_profile_won, in_profile_ci, out_of_profile_ci``,
    ``rate_ratio {ratio, ci_low, ci_high}``, ``in/out_of_profile_qualified_rate``,
    ``criteria [{criterion, field, column, checked, problem, meets, fails, missing,
    fails_only}]``, ``unchecked`` (criteria that could not be applied, with why),
    ``judged_on`` (a learned profile: the leads of the half it was not learned from, on
    which the win rates, their counts and ``rate_ratio`` are measured; else ``None``),
    ``by_month``, ``by_owner``; each breakdown row also has ``in_profile, ci_low,
    ci_high, won, in_profile_won``. A rate that cannot be computed is ``None``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> out = profile_summary(load_sample(), SAMPLE_SALES_PROFILE)
    >>> round(out["in_profile_rate"], 3), round(out["out_of_profile_rate"], 3)
    (0.117, 0.025)
    """
    if fit is None or fit.profile_ != profile:
        fit = ProfileFit(profile).fit(fit.prepared_ if fit is not None else ds)
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    i, x = o["in profile"], o["out of profile"]
    ratio, lo, hi = fit.rate_ratio_
    return {
        "name": profile.name,
        "leads": fit.n_,
        "in_profile": fit.in_n_,
        "in_profile_share": fit.share_,
        "ci_low": fit.share_ci_[0],
        "ci_high": fit.share_ci_[1],
        "in_profile_rate": i["win_rate"],
        "out_of_profile_rate": x["win_rate"],
        "in_profile_won": i["won"],
        "out_of_profile_won": x["won"],
        "in_profile_ci": [i["ci_low"], i["ci_high"]],
        "out_of_profile_ci": [x["ci_low"], x["ci_high"]],
        "rate_ratio": {"ratio": ratio, "ci_low": lo, "ci_high": hi},
        "judged_on": fit.judged_on_,
        "in_profile_qualified_rate": i["qualified_rate"],
        "out_of_profile_qualified_rate": x["qualified_rate"],
        "criteria": fit.criteria_.drop("index").to_dicts(),
        "unchecked": fit.unchecked_,
        **{f"by_{d}": _records(fit.by_[d], d) for d in BREAKDOWNS},
    }


def profile_verdict(fit: ProfileFit) -> str:
    """One plain sentence: does the profile separate winners from the rest?

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> profile_verdict(ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample()))[:30]
    'Leads in this profile win 4.8×'
    """
    if not fit.prepared_.has_outcome:
        return "The data has no outcomes, so it cannot tell whether the profile predicts winning."
    if not fit.profile_.criteria or fit.in_n_ in (0, fit.n_):
        return ("Every lead is in this profile." if fit.in_n_ == fit.n_
                else "No lead meets this profile, so it cannot be tested against outcomes.")
    ratio, lo, hi = fit.rate_ratio_
    where = ("" if fit.judged_on_ is None else
             f" among the {fit.judged_on_:,} leads it was not learned from")
    if ratio is None:
        return ("No lead it was not learned from is in (or out of) this profile, so it "
                "cannot be judged." if fit.judged_on_ is not None else
                "The profile cannot be tested against outcomes.")
    if lo > 1:
        return (f"Leads in this profile win {ratio:.1f}× as often as the rest{where} "
                f"(95% interval {lo:.1f}–{hi:.1f}×): the profile separates winners.")
    if hi < 1:
        return (f"Leads in this profile win less often than the rest{where} ({ratio:.2f}×, "
                f"95% interval {lo:.2f}–{hi:.2f}×): the profile points away from winners.")
    return (f"The profile does not separate winners from the rest{where}: in-profile leads "
            f"win {ratio:.2f}× as often (95% interval {lo:.2f}–{hi:.2f}×, which includes 1). "
            "That is a finding too.")
