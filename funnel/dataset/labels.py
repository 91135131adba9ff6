"""Labels as people typed them: grouping keys, near-duplicates, and loose matching.

Source and campaign labels from different tools differ by case, spacing or wording.
:func:`near_duplicate_labels` and :func:`unify_labels` merge spellings that differ only
by case or spacing; :func:`group_expr` makes a text key to group leads by any column
(missing as ``NONE_LABEL``); :func:`match_label` matches a spend label to a lead label
loosely. ``OTHER`` names the group of everything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

from funnel.dataset.schema import is_text

OTHER = "(other)"
"""The label of the group gathering every label not shown on its own."""

NONE_LABEL = "(none)"
"""The label of a missing value."""


def label_key(expr: pl.Expr) -> pl.Expr:
    """The comparison key of a label (text, kept compactly or not): trimmed, inner spaces
    collapsed, lower case.

    Examples
    --------
    >>> s = pl.Series(["  Paid  Search", "paid search"], dtype=pl.Categorical)
    >>> pl.select(label_key(pl.lit(s))).to_series().to_list()
    ['paid search', 'paid search']
    """
    return expr.cast(pl.String).str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def near_duplicate_labels(leads: pl.DataFrame, *, column: str) -> pl.DataFrame:
    """Labels of ``column`` that differ only by case or spacing, and what they merge into.

    Returns ``label, merged_into, leads`` for every spelling in a group of two or more
    (the spelling with most leads is kept; ties go to the alphabetically first).

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"source": ["Google", "Google", "google", "Bing"]})
    >>> near_duplicate_labels(leads, column="source").rows()
    [('Google', 'Google', 2), ('google', 'Google', 1)]
    """
    schema = {"label": pl.String, "merged_into": pl.String, "leads": pl.UInt32}
    if column not in leads.columns or not is_text(leads.schema[column]):
        return pl.DataFrame(schema=schema)
    counts = (leads.lazy().select(pl.col(column).cast(pl.String).alias("label")).drop_nulls()
              .group_by("label").agg(pl.len().alias("leads"))
              .with_columns(label_key(pl.col("label")).alias("_k")))
    groups = (counts.sort(["leads", "label"], descending=[True, False])
              .group_by("_k", maintain_order=True)
              .agg(pl.col("label").first().alias("merged_into"), pl.len().alias("_n")))
    return (counts.join(groups.filter(pl.col("_n") > 1), on="_k", how="inner")
            .select("label", "merged_into", pl.col("leads").cast(pl.UInt32))
            .sort(["merged_into", "leads", "label"], descending=[False, True, False])
            .collect())


def unify_labels(leads: pl.DataFrame, *, columns: Sequence[str] = ("source", "campaign")
                 ) -> pl.DataFrame:
    """``leads`` with near-duplicate labels (case/spacing only) merged into one spelling.

    See :func:`near_duplicate_labels` for the merges made.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"source": ["Google", "Google", "google "]})
    >>> unify_labels(leads)["source"].to_list()
    ['Google', 'Google', 'Google']
    """
    out = leads
    for c in columns:
        merges = near_duplicate_labels(leads, column=c).filter(
            pl.col("label") != pl.col("merged_into"))
        if merges.height:
            out = out.with_columns(pl.col(c).replace(merges["label"], merges["merged_into"]))
    return out


def group_expr(leads: pl.DataFrame | pl.LazyFrame, by: str, *, bins: int = 5) -> pl.Expr:
    """A text grouping key for ``by``: labels as they are (missing → ``"(none)"``),
    yes/no as ``"yes"``/``"no"``, numbers in up to ``bins`` quantile ranges, dates by month.
    """
    schema = leads.collect_schema()
    if by not in schema:
        raise KeyError(f"no column {by!r} among the leads")
    dtype = schema[by]
    col = pl.col(by)
    if dtype == pl.Boolean:
        key = pl.when(col).then(pl.lit("yes")).when(~col).then(pl.lit("no"))
    elif isinstance(dtype, pl.Datetime | pl.Date):
        key = col.dt.strftime("%Y-%m")
    elif dtype.is_numeric():
        frame = leads.collect() if isinstance(leads, pl.LazyFrame) else leads
        values = frame[by].drop_nulls()
        qs = sorted({float(values.quantile(i / bins)) for i in range(1, bins)}
                    ) if values.len() else []
        key = col.cast(pl.String) if values.n_unique() <= bins else _ranges(col, qs)
    else:
        key = col.cast(pl.String)
    return key.fill_null(NONE_LABEL)


def _num(v: float) -> str:
    """A number short enough for a range label."""
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2g}"


def _ranges(col: pl.Expr, cuts: Sequence[float]) -> pl.Expr:
    """Text ranges ``"< a"``, ``"a – b"``, ``"≥ z"`` (left-closed) for numeric values."""
    if not cuts:
        return col.cast(pl.String)
    expr = pl.when(col < cuts[0]).then(pl.lit(f"< {_num(cuts[0])}"))
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        expr = expr.when(col < hi).then(pl.lit(f"{_num(lo)} – {_num(hi)}"))
    return expr.when(col.is_not_null()).then(pl.lit(f"≥ {_num(cuts[-1])}"))


_STOP = {"ads", "ad", "the", "and", "campaign", "campaigns", "channel", "cpc", "paid"}


_WORD = re.compile(r"[a-z0-9]+")


def _squash(label: str) -> str:
    """The label's letters and digits only, case-folded."""
    return "".join(_WORD.findall(label.casefold()))


def _tokens(label: str) -> list[str]:
    """The label's words, case-folded."""
    return _WORD.findall(label.casefold())


def _token_score(a: str, b: str) -> float:
    """Share of the longer label's meaningful words matched by the other's (equal, or one
    a prefix of the other with at least four letters: referral ~ referrals)."""
    ta = [t for t in _tokens(a) if t not in _STOP] or _tokens(a)
    tb = [t for t in _tokens(b) if t not in _STOP] or _tokens(b)
    if not ta or not tb:
        return 0.0

    def same(x: str, y: str) -> bool:
        return x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)))

    hits = sum(any(same(x, y) for y in tb) for x in ta)
    return hits / max(len(ta), len(tb))


def match_label(label: str, candidates: Sequence[str]) -> tuple[str | None, str, float]:
    """Match one spend label to one of ``candidates`` (lead labels), loosely.

    Tried in order: the same text; the same letters and digits ignoring case, spaces
    and punctuation; one containing the other (or a prefix, at least three letters);
    the best word overlap (score ≥ 0.5, words matching exactly or by a prefix of four
    letters or more). Returns ``(candidate or None, how, score)``; a tie between two
    candidates at the best level is left unmatched (``how="ambiguous: …"``).

    Examples
    --------
    >>> match_label("PAID-SEARCH (Google Ads)", ["Paid Search", "Paid Social"])
    ('Paid Search', 'contains', 1.0)
    >>> match_label("Referral programme", ["Referrals", "Organic Search"])
    ('Referrals', 'word overlap', 0.5)
    >>> match_label("TV", ["Referrals"])
    (None, 'no match', 0.0)
    """
    if label in candidates:
        return label, "exact", 1.0
    sq = _squash(label)
    same = [c for c in candidates if _squash(c) == sq and sq]
    if len(same) == 1:
        return same[0], "same letters (case, spacing, punctuation)", 1.0
    if len(same) > 1:
        return None, "ambiguous: " + ", ".join(same), 0.0
    if len(sq) >= 3:
        # a lead label inside the spend label: the longest one (PAID-SEARCH (Google Ads))
        inside = [c for c in candidates if len(_squash(c)) >= 3 and _squash(c) in sq]
        if inside:
            best = max(len(_squash(c)) for c in inside)
            top = [c for c in inside if len(_squash(c)) == best]
        else:  # the spend label inside lead labels: only when it names just one
            top = [c for c in candidates if sq in _squash(c)]
        if len(top) == 1:
            return top[0], "contains", 1.0
        if len(top) > 1:
            return None, "ambiguous: " + ", ".join(top), 0.0
    scored = [(c, _token_score(label, c)) for c in candidates]
    best = max((s for _, s in scored), default=0.0)
    if best >= 0.5:
        top = [c for c, s in scored if s == best]
        if len(top) == 1:
            return top[0], "word overlap", round(best, 3)
        return None, "ambiguous: " + ", ".join(top), round(best, 3)
    return None, "no match", 0.0
