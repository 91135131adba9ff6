"""What actually closes: a profile learned from the won leads.

For every value of every usable attribute (numbers in round bins), how much likelier a
lead with it is to win than a lead without it: the rate ratio with a Katz 95% interval,
a minimum support, and a beta-binomial shrunk rate so a value seen five times cannot
top the list. Left out, each with its reason in ``excluded_``: personal fields (names,
e-mails, phones), ids (by their values or their name), free text, fields sales fills in
after the handoff (status, tags, reasons, activity) and fields filled far more often for
won leads than for the others (recorded at or after the sale), which would describe
the outcome rather than the lead. A missing value ("unknown", "Select", blank) is never
a trait of winners.

Judged on the leads it was learned from, the ranking flatters itself (it picked what
happened to win there): :meth:`LearnedProfile.judge` measures the learned values on
other leads, and :class:`~funnel.analyses.profile.holdout.HeldOutProfile` learns on one
half and judges on the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from funnel.analyses.profile.criteria import Criterion, Profile
from funnel.analyses.profile.fields import MISSING, bin_labels, field_kind, nice_edges
from funnel.analyses.profile.tally import Tally, TextCodes
from funnel.analyses.profile.traits import (
    CANONICAL_ATTRIBUTES,
    clean_values,
    filled_reason,
    id_reason,
    is_channel_field,
    is_process_field,
    written_as_dates,
)
from funnel.dataset.privacy import personal_columns
from funnel.dataset.stages import reached_exprs
from funnel.dataset.tables import Dataset
from funnel.ingest.outcome_fields import NAMED, named_for_outcome
from funnel.stats.intervals import Z95, prior_strength, shrink_exprs, wilson_exprs


def _won(leads: pl.DataFrame) -> pl.Series:
    return leads.with_columns(reached_exprs(leads)["won"].alias("__won"))["__won"]


def _text_groups(text: pl.Series, won: pl.Series) -> pl.DataFrame:
    """Leads (``leads``) and wins (``won``) per value of a text column, values equal but
    for case counted as one and shown in their commonest spelling (``value``). Counted
    per distinct spelling first (a few hundred at a million leads), then per value."""
    frame = pl.DataFrame({"v": text, "w": won}).filter(pl.col("v").is_not_null())
    spellings = frame.group_by("v").agg(pl.len().alias("c"), pl.col("w").sum().alias("cw"))

    def by_mode() -> pl.DataFrame:  # the mode over the rows
        return (frame.with_columns(pl.col("v").str.to_lowercase().alias("k")).group_by("k")
                .agg(pl.len().alias("leads"), pl.col("w").sum().alias("won"),
                     pl.col("v").mode().sort().first().alias("value")).drop("k"))

    return _value_groups(spellings, by_mode)


def _value_groups(spellings: pl.DataFrame, by_mode: Callable[[], pl.DataFrame]
                  ) -> pl.DataFrame:
    """Per value (``v`` lower-cased) of the spellings' counts (``v, c, cw``): ``leads,
    won, value`` (the commonest spelling); ``by_mode()`` when two spellings of one value
    are equally common."""
    spellings = spellings.with_columns(pl.col("v").str.to_lowercase().alias("k"))
    top = pl.col("c") == pl.col("c").max().over("k")
    if spellings.filter(top).height != spellings["k"].n_unique():
        return by_mode()
    return (spellings.group_by("k").agg(pl.col("c").sum().alias("leads"),
                                        pl.col("cw").sum().alias("won"),
                                        pl.col("v").filter(top).first().alias("value"))
            .drop("k"))


def _ratio_exprs(k: int, n: int, *, has_outcome: bool = True) -> list[pl.Expr]:
    """``rate_without, lift, lift_low, lift_high`` of the rows' ``won``/``leads`` against
    the rest of ``k`` wins among ``n`` leads: the Katz log interval, 0.5 added to each
    cell when one is zero (as :func:`funnel.stats.intervals.rate_ratio`)."""
    k1, n1 = pl.col("won").cast(pl.Float64), pl.col("leads").cast(pl.Float64)
    k2, n2 = k - k1, n - n1
    zero = (k1 == 0) | (k2 == 0)
    a1 = pl.when(zero).then(k1 + 0.5).otherwise(k1)
    b1 = pl.when(zero).then(n1 + 1).otherwise(n1)
    a2 = pl.when(zero).then(k2 + 0.5).otherwise(k2)
    b2 = pl.when(zero).then(n2 + 1).otherwise(n2)
    ratio = (a1 / b1) / (a2 / b2)
    se = (1 / a1 - 1 / b1 + 1 / a2 - 1 / b2).clip(lower_bound=0).sqrt()
    ok = (n1 > 0) & (n2 > 0) & pl.lit(has_outcome)
    return [pl.when(n2 > 0).then(k2 / n2).alias("rate_without"),
            pl.when(ok).then(ratio).alias("lift"),
            pl.when(ok).then(ratio * (-Z95 * se).exp()).alias("lift_low"),
            pl.when(ok).then(ratio * (Z95 * se).exp()).alias("lift_high")]


class LearnedProfile:
    """Per attribute value: how much likelier a lead with it is to win.

    Parameters
    ----------
    min_support
        Fewest leads a value needs to be listed (default 30).
    max_distinct
        Text attributes with more distinct values than this *and* than 20% of their
        filled rows are free text or ids and are left out (default 1,000).
    prior_n
        Pseudo-leads of the overall win rate each value's rate is shrunk with; ``None``
        (default) fits it per attribute from the spread of its values
        (:func:`funnel.stats.intervals.prior_strength`).
    bins
        About how many round bins a numeric attribute gets (default 8).
    include_process_fields
        Keep fields that look recorded by sales after the handoff, or that are filled
        far more often for won leads (default ``False``).

    Fitted results: ``values_`` (one row per attribute value: ``attribute, kind, value,
    low, high, leads, won, rate, ci_low, ci_high, rate_without, lift, lift_low,
    lift_high, shrunk_rate, shrunk_lift, support_ok``, best first by ``shrunk_lift``;
    missing values, "unknown" and form placeholders included, in a ``missing`` row of
    their own), ``excluded_`` (``attribute, reason``), ``attributes_`` (those used),
    ``overall_rate_``, ``n_``, ``won_``, ``prior_n_`` (per attribute); after
    :meth:`judge`, ``judged_``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> lp = LearnedProfile().fit(load_sample())
    >>> top = lp.values_.filter(pl.col("attribute") == "Job Title").row(0, named=True)
    >>> top["value"] in ("CFO", "Head of Finance", "VP Finance", "Finance Director", "Controller")
    True
    >>> "Email" in lp.excluded_["attribute"].to_list()
    True
    """

    def __init__(self, *, min_support: int = 30, max_distinct: int = 1000,
                 prior_n: float | None = None, bins: int = 8,
                 include_process_fields: bool = False):
        if min_support < 1:
            raise ValueError("min_support must be at least 1.")
        self.min_support = min_support
        self.max_distinct = max_distinct
        self.prior_n = prior_n
        self.bins = bins
        self.include_process_fields = include_process_fields

    # -- the leads and their columns -----------------------------------------------------

    def _rows_of(self, data: Dataset | pl.DataFrame, rows: np.ndarray | None) -> pl.DataFrame:
        """The leads of ``data`` (``rows`` of them), remembering the whole table so that
        text columns are coded once for the learning and the judging rows."""
        full = data.leads if isinstance(data, Dataset) else data
        if getattr(self, "_codes_of", None) is not full:
            self._codes_of, self._codes = full, {}
        self._mask = None if rows is None else np.asarray(rows, dtype=bool)
        return full if self._mask is None else full.filter(pl.Series(self._mask))

    def _cleaned(self, leads: pl.DataFrame, c: str, won: pl.Series) -> pl.Series | Tally:
        """Column ``c`` of ``leads`` cleaned (:func:`clean_values`); a text column of a
        part of the leads as a :class:`~funnel.analyses.profile.tally.Tally` of the
        whole table's codes (the same counts, without reading the text again)."""
        if (self._mask is None or field_kind(leads.schema[c]) != "text"
                or won.null_count()):
            return clean_values(leads[c])
        if c not in self._codes:
            self._codes[c] = TextCodes.of(self._codes_of[c])
        return self._codes[c].tally(won.to_numpy(), self._mask)

    # -- which attributes ---------------------------------------------------------------

    def _choose(self, leads: pl.DataFrame, candidates: Sequence[str], explicit: bool,
                won: pl.Series) -> tuple[list[str], list[dict]]:
        personal = personal_columns(leads.select([c for c in candidates if c in leads.columns]))
        keep, out = [], []
        for c in candidates:
            if c not in leads.columns:
                out.append({"attribute": c, "reason": "not in the data"})
                continue
            kind = field_kind(leads.schema[c])  # cleaning keeps the type
            if c in personal and kind != "bool":  # a yes/no column holds no one's data
                out.append({"attribute": c, "reason": f"personal data ({personal[c]})"})
                continue
            s = self._clean.setdefault(c, self._cleaned(leads, c, won))
            filled = s.len() - s.null_count()
            if filled == 0:
                reason = "empty"
            elif s.n_unique() - (1 if s.null_count() else 0) < 2:
                reason = "one value only"
            elif kind == "date" or (kind == "text" and written_as_dates(leads[c])):
                reason = "a date (see the time analyses)"
            elif why := (s.id_reason() if isinstance(s, Tally) else id_reason(s)):
                reason = why
            elif kind == "text" and (d := s.n_unique()) > self.max_distinct and d > 0.2 * filled:
                reason = f"free text ({d:,} distinct values)"
            elif (not explicit and not self.include_process_fields
                  and is_process_field(c)):
                reason = "recorded by sales after the handoff (it tells the outcome)"
            elif (not self.include_process_fields and self.has_outcome_
                  and (why := (s.filled_reason() if isinstance(s, Tally)
                               else filled_reason(s, won)))):
                reason = why
            elif named_for_outcome(c):  # set by or after the outcome: never, even when asked
                reason = NAMED
            else:
                keep.append(c)
                continue
            out.append({"attribute": c, "reason": reason})
        return keep, out

    # -- the fit ------------------------------------------------------------------------

    def fit(self, data: Dataset | pl.DataFrame, *, attributes: Sequence[str] | None = None,
            rows: np.ndarray | None = None) -> LearnedProfile:
        """Rank every attribute value of ``data`` by how much likelier it makes a win.

        ``attributes`` defaults to the dataset's profile attributes plus ``source`` and
        ``campaign``; when given explicitly the fields whose name says sales recorded
        them are kept (ids, personal data, free text, constant fields and fields filled
        mostly for won leads are still left out). ``rows`` (bool per lead): learn from
        these leads only.
        """
        leads = self._rows_of(data, rows)
        explicit = attributes is not None
        if attributes is None:
            base = list(data.attributes) if isinstance(data, Dataset) else [
                c for c in leads.columns if not c.startswith("__")
                and c not in _NOT_ATTRIBUTES]
            attributes = list(dict.fromkeys(
                [c for c in CANONICAL_ATTRIBUTES if c in leads.columns] + base))
        won = _won(leads)
        self.has_outcome_ = "outcome" in leads.columns and leads["outcome"].null_count() < len(
            leads)
        self._clean: dict[str, pl.Series] = {}
        self.attributes_, excluded = self._choose(leads, attributes, explicit, won)
        self.excluded_ = pl.DataFrame(excluded, schema={"attribute": pl.String,
                                                        "reason": pl.String})
        self.n_ = leads.height
        self.won_ = int(won.sum())
        self.overall_rate_ = self.won_ / self.n_ if self.n_ else None
        self.edges_: dict[str, tuple[np.ndarray, bool]] = {}
        tables = [self._groups(self._clean[c], won) for c in self.attributes_]
        self._clean = {}
        self.values_ = self._stats(tables)
        return self

    def _groups(self, s: pl.Series, won: pl.Series) -> pl.DataFrame:
        """Leads and wins per value (or bin) of one (cleaned) attribute, with the value's
        bounds; a number's bins are drawn once (``edges_``) and reused by :meth:`judge`."""
        name = s.name
        if isinstance(s, Tally):  # a text column counted per value (tally.py)
            g = _value_groups(s.counted, lambda: _text_groups(s.series(), pl.Series(s.won)))
            return self._finish_groups(g.with_columns(
                pl.lit(None, pl.Float64).alias("low"), pl.lit(None, pl.Float64).alias("high"),
                pl.lit(None, pl.Int64).alias("order")), name, "text", s.nulls, s.null_won)
        kind = field_kind(s.dtype)
        if kind == "number":
            x = s.cast(pl.Float64)
            if name not in self.edges_:
                arr = x.drop_nulls().to_numpy()
                self.edges_[name] = (nice_edges(arr, bins=self.bins),
                                     bool(np.all(np.mod(arr, 1) == 0)))
            edges, integer = self.edges_[name]
            labels = bin_labels(edges, integer=integer)
            idx = (pl.Series(np.clip(np.searchsorted(edges, x.fill_null(np.nan).to_numpy(),
                                                      side="right") - 1, 0, len(labels) - 1))
                   .cast(pl.Int64))
            frame = pl.DataFrame({"b": idx, "x": x, "w": won})
            g = (frame.filter(pl.col("x").is_not_null()).group_by("b")
                 .agg(pl.len().alias("leads"), pl.col("w").sum().alias("won"),
                      pl.col("x").min().alias("low"), pl.col("x").max().alias("high"))
                 .sort("b"))
            g = g.with_columns(pl.col("b").map_elements(lambda i: labels[i],
                                                        return_dtype=pl.String).alias("value"),
                               pl.col("b").alias("order")).drop("b")
        else:
            text = (s.cast(pl.String).replace({"true": "yes", "false": "no"})
                    if kind == "bool" else s.cast(pl.String))
            g = _text_groups(text, won).with_columns(
                pl.lit(None, pl.Float64).alias("low"), pl.lit(None, pl.Float64).alias("high"),
                pl.lit(None, pl.Int64).alias("order"))
        missing = s.null_count()
        return self._finish_groups(g, name, kind, missing,
                                   int(won.filter(s.is_null()).sum()) if missing else 0)

    def _finish_groups(self, g: pl.DataFrame, name: str, kind: str, missing: int,
                       missing_won: int) -> pl.DataFrame:
        """The per-value counts ``g`` with the missing row, the attribute and the kind."""
        if missing:
            g = pl.concat([g, pl.DataFrame({
                "leads": [missing], "won": [missing_won],
                "low": [None], "high": [None], "value": [MISSING], "order": [None]},
                schema=g.schema)], how="vertical_relaxed")
        kind_label = {"number": "range", "bool": "yes/no"}.get(kind, "value")
        return g.with_columns(pl.lit(name).alias("attribute"),
                              pl.when(pl.col("value") == MISSING).then(pl.lit("missing"))
                              .otherwise(pl.lit(kind_label)).alias("kind"),
                              pl.col("leads").cast(pl.Int64), pl.col("won").cast(pl.Int64))

    def _stats(self, tables: list[pl.DataFrame]) -> pl.DataFrame:
        schema = {"attribute": pl.String, "kind": pl.String, "value": pl.String,
                  "low": pl.Float64, "high": pl.Float64, "order": pl.Int64,
                  "leads": pl.Int64, "won": pl.Int64}
        cols = list(schema)
        p = self.overall_rate_ or 0.0
        frames = []
        self.prior_n_ = {}
        for a, t in zip(self.attributes_, tables, strict=True):
            # counted by group-bys, whose row order varies from run to run: put the values
            # in one order before anything is summed or ranked, so that the same data
            # always give the same list (ties and floating-point sums included)
            t = t.select(cols).cast(schema).sort("order", "value", nulls_last=True)
            g = t.filter(pl.col("kind") != "missing")
            prior = (self.prior_n if self.prior_n is not None
                     else prior_strength(g["won"], g["leads"]) if g.height else 10_000.0)
            self.prior_n_[a] = prior
            frames.append(t.with_columns(shrink_exprs("won", "leads", prior_rate=p,
                                                      prior_n=prior)))
        allv = (pl.concat(frames) if frames
                else pl.DataFrame(schema={**schema, "shrunk_rate": pl.Float64}))
        out = allv.with_columns(
            (pl.col("won") / pl.col("leads")).alias("rate"),
            *wilson_exprs("won", "leads"),
            *_ratio_exprs(self.won_, self.n_, has_outcome=self.has_outcome_),
            (pl.col("leads") >= self.min_support).alias("support_ok"),
        ).with_columns(
            pl.when(pl.col("lift").is_not_null() & (pl.col("rate_without") > 0))
            .then(pl.col("shrunk_rate") / pl.col("rate_without")).alias("shrunk_lift"))
        return out.sort(["support_ok", "shrunk_lift", "leads"], descending=[True, True, True],
                        nulls_last=True, maintain_order=True).select(
            "attribute", "kind", "value", "low", "high", "leads", "won", "rate", "ci_low",
            "ci_high", "rate_without", "lift", "lift_low", "lift_high", "shrunk_rate",
            "shrunk_lift", "support_ok", "order")

    # -- judging the fit on other leads --------------------------------------------------

    def judge(self, data: Dataset | pl.DataFrame, *, rows: np.ndarray | None = None
              ) -> pl.DataFrame:
        """The learned values measured on other leads (``rows`` of ``data``; all of it by
        default): ``values_`` without the missing rows, plus ``judged_leads,
        judged_won, judged_rate, judged_lift, judged_low, judged_high`` — the same
        value (same bins) on those leads against the rest of them, 95% interval. Kept
        as ``judged_`` (and ``judged_n_``, the leads judged on).

        Examples
        --------
        >>> frame = pl.DataFrame({"lead_id": [str(i) for i in range(400)],
        ...                       "Colour": ["red", "blue"] * 200,
        ...                       "outcome": ["won", "lost", "lost", "lost"] * 100})
        >>> first = np.arange(400) < 200
        >>> lp = LearnedProfile().fit(frame, rows=first)
        >>> t = lp.judge(frame, rows=~first).sort("value")
        >>> t.select("value", "judged_leads", "judged_won").rows()
        [('blue', 100, 0), ('red', 100, 50)]
        """
        leads = self._rows_of(data, rows)
        won = _won(leads)
        k, n = int(won.sum()), leads.height
        has = "outcome" in leads.columns and leads["outcome"].null_count() < n
        tables = [self._groups(self._cleaned(leads, c, won), won).select(
            "attribute", "kind", "value", "leads", "won")
            for c in self.attributes_ if c in leads.columns]
        self._codes_of, self._codes = None, {}  # judged: the codes are not needed again
        schema = {"attribute": pl.String, "kind": pl.String, "value": pl.String,
                  "leads": pl.Int64, "won": pl.Int64}
        counts = (pl.concat([t.cast(schema) for t in tables]) if tables
                  else pl.DataFrame(schema=schema))
        ratio = {"lift": "judged_lift", "lift_low": "judged_low", "lift_high": "judged_high"}
        judged = (counts.filter(pl.col("kind") != "missing")
                  .with_columns(_ratio_exprs(k, n, has_outcome=has)[1:])
                  .select("attribute", pl.col("value").str.to_lowercase().alias("__key"),
                          pl.col("leads").alias("judged_leads"),
                          pl.col("won").alias("judged_won"),
                          (pl.col("won") / pl.col("leads")).alias("judged_rate"),
                          *[pl.col(a).alias(b) for a, b in ratio.items()]))
        out = (self.values_.filter(pl.col("kind") != "missing")
               .with_columns(pl.col("value").str.to_lowercase().alias("__key"))
               .join(judged, on=["attribute", "__key"], how="left", maintain_order="left")
               .drop("__key")
               .with_columns(pl.col("judged_leads").fill_null(0),
                             pl.col("judged_won").fill_null(0)))
        self.judged_, self.judged_n_ = out, n
        return out

    # -- reading the fit ------------------------------------------------------------------

    def top(self, n: int = 15) -> pl.DataFrame:
        """The ``n`` values that most raise the chance to win among the leads learned
        from (enough support, interval above 1, never a missing value), best first."""
        return self.values_.filter(pl.col("support_ok") & (pl.col("lift_low") > 1)
                                   & (pl.col("kind") != "missing")).head(n)

    def profile(self, *, max_criteria: int = 4, name: str = "Learned: what closes",
                channels: bool = True) -> Profile:
        """A starting profile from the top values: per attribute (best first, at most
        ``max_criteria``), the values whose interval lies above 1 — a list of values,
        a yes/no, or one range spanning the winning bins. ``channels=False`` leaves out
        the channel fields (:func:`is_channel_field`), for a profile that sources and
        campaigns are judged against.

        Examples
        --------
        >>> from funnel.sample import load_sample
        >>> p = LearnedProfile().fit(load_sample()).profile()
        >>> len(p.criteria) <= 4 and all(c.field != "Email" for c in p.criteria)
        True
        """
        good = self.top(n=10_000)
        if not channels:
            good = good.filter(~pl.col("attribute").map_elements(is_channel_field,
                                                                 return_dtype=pl.Boolean))
        order = good.group_by("attribute", maintain_order=True).agg(
            pl.col("shrunk_lift").max()).sort("shrunk_lift", descending=True)
        criteria = []
        for attr in order["attribute"].head(max_criteria).to_list():
            rows = good.filter(pl.col("attribute") == attr)
            kind = rows["kind"][0]
            if kind == "range":
                # the run of adjacent winning bins around the best one
                best = rows["order"][0]
                have = set(rows["order"].to_list())
                lo_i = hi_i = best
                while lo_i - 1 in have:
                    lo_i -= 1
                while hi_i + 1 in have:
                    hi_i += 1
                run = rows.filter(pl.col("order").is_between(lo_i, hi_i))
                lo, hi = float(run["low"].min()), float(run["high"].max())
                criteria.append(Criterion(attr, min=_round(lo), max=_round(hi)))
            elif kind == "yes/no":
                criteria.append(Criterion(attr, values=tuple(v == "yes"
                                                            for v in rows["value"].to_list())))
            else:
                criteria.append(Criterion(attr, values=tuple(rows["value"].to_list())))
        return Profile(name, tuple(criteria))

    def winners_look_like(self, attribute: str, *, n: int = 3) -> list[str]:
        """The values of ``attribute`` that most raise the chance to win (interval above
        1, enough support), best first; after :meth:`judge`, only those that hold up on
        the leads judged on (their interval there above 1 too). Empty when none does."""
        t = self.top(n=10_000).filter(pl.col("attribute") == attribute)
        judged = getattr(self, "judged_", None)
        if judged is not None:
            held = judged.filter((pl.col("attribute") == attribute)
                                 & (pl.col("judged_low") > 1))["value"].to_list()
            t = t.filter(pl.col("value").is_in(held))
        return t["value"].head(n).to_list()


_NOT_ATTRIBUTES = {"lead_id", "created_at", "owner", "assigned_at", "first_response_at", "mql_at",
                   "sal_at", "sql_at", "opportunity_at", "stage", "outcome", "closed_at", "won_at",
                   "lost_at", "amount", "lost_reason", "score", "deal_id", "deals", "touches"}


def _round(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(f"{x:.4g}") if math.isfinite(x) else x


def marketing_sends(leads: pl.DataFrame, column: str, *, n: int = 3) -> str:
    """What marketing sends for one attribute, as text: the ``n`` commonest values with
    their share of all leads, or a number's median and middle half (and the share
    missing).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> marketing_sends(load_sample().leads, "Budget Confirmed")
    'no 51%, yes 34% · 15% missing'
    """
    return _sends(leads, column, n=n)


def _sends(leads: pl.DataFrame, column: str, *, n: int = 3) -> str:
    """What marketing sends for one attribute: the commonest values with their share,
    or the median and middle half of a number."""
    s = leads[column]
    total = s.len()
    if total == 0:
        return ""
    missing = s.null_count() / total
    tail = f" · {missing:.0%} missing" if missing >= 0.005 else ""
    kind = field_kind(s.dtype)
    if kind == "number":
        q = s.drop_nulls().quantile
        if s.null_count() == total:
            return "all missing"
        return (f"median {_fmt(q(0.5))} (middle half {_fmt(q(0.25))}–{_fmt(q(0.75))})" + tail)
    text = (s.cast(pl.String).replace({"true": "yes", "false": "no"}) if kind == "bool"
            else s.cast(pl.String).str.strip_chars())
    vc = text.drop_nulls().value_counts(sort=True).head(n)
    return ", ".join(f"{v} {c / total:.0%}" for v, c in vc.iter_rows()) + tail


def _winners(learned: LearnedProfile, col: str, present: bool) -> str:
    if not present:
        return "not in the data"
    if col not in learned.attributes_:
        why = learned.excluded_.filter(pl.col("attribute") == col)["reason"]
        return f"not analysed ({why[0]})" if why.len() else "not analysed"
    found = learned.winners_look_like(col)
    if found:
        return ", ".join(found)
    if getattr(learned, "judged_", None) is not None and learned.top(10_000).filter(
            pl.col("attribute") == col).height:
        return "no value holds up on the leads it was not learned from"
    return "no value stands out"


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.2g}"


def compare_stated(leads: pl.DataFrame, profiles: Sequence[Profile], learned: LearnedProfile,
                   *, resolve: Callable[[str], str | None] | None = None, extra: int = 3,
                   sends: Callable[[str], str] | None = None) -> pl.DataFrame:
    """Sales asks X; winners look like Y; marketing sends Z — one row per attribute.

    Rows: the fields of every profile's criteria, then up to ``extra`` attributes the
    learned profile ranks high that no profile asks about. Columns: ``attribute``, one
    column per profile (what it asks, blank when it does not ask), ``winners look
    like`` (values whose win-rate interval lies above 1, best first; when ``learned``
    was judged on other leads, only those whose interval there lies above 1 too) and
    ``marketing sends`` (commonest values and their share of all leads).

    ``resolve`` maps a profile field to its lead column (default: the field itself);
    ``sends`` gives the "marketing sends" text of a column (default computed here; pass
    a memoised one when called on every edit).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> ds = load_sample()
    >>> t = compare_stated(ds.leads, [SAMPLE_SALES_PROFILE], LearnedProfile().fit(ds))
    >>> t.filter(pl.col("attribute") == "Job Title")["marketing sends"][0][:7]
    'Student'
    """
    resolve = resolve or (lambda f: f if f in leads.columns else None)
    sends = sends or (lambda col: _sends(leads, col))
    rows: dict[str, dict] = {}
    for p in profiles:
        for c in p.criteria:
            col = resolve(c.field) or c.field
            row = rows.setdefault(col, {"attribute": col})
            asked = c.describe()[len(c.field):].lstrip(": ")
            row[p.name] = (row.get(p.name, "") + "; " if row.get(p.name) else "") + asked
    for attr in learned.top(n=10_000)["attribute"].unique(maintain_order=True).to_list():
        if extra <= 0:
            break
        if attr not in rows:
            rows[attr] = {"attribute": attr}
            extra -= 1
    out = []
    for col, row in rows.items():
        present = col in leads.columns
        out.append({
            "attribute": col,
            **{p.name: row.get(p.name, "") for p in profiles},
            "winners look like": _winners(learned, col, present),
            "marketing sends": sends(col) if present else "not in the data",
        })
    schema = {"attribute": pl.String, **{p.name: pl.String for p in profiles},
              "winners look like": pl.String, "marketing sends": pl.String}
    return pl.DataFrame(out, schema=schema)
