"""The culprit search several places share: every dimension the data has, one family,
Holm's step-down over it, and the highest level that explains what was found.

A place builds one table per (dimension, test) — per owner, source, campaign, arrival
window, entry month … the count ``k`` of leads with the problem among ``n`` — and
:func:`search_family` compares each group with all the others, then corrects over every
comparison made in every dimension at once (Holm: family-wise error ``alpha``, as
Bonferroni, rejecting at least as much). :func:`highest_level` then names the source
rather than one of its campaigns when its campaigns are alike (and the campaign when one
campaign alone makes its source stand out).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from funnel.dataset.labels import NONE_LABEL
from funnel.stats.power import holm
from funnel.stats.tests import Thresholds, mh_vs_rest, vs_rest

WINDOWS = ("working hours", "evening and night", "weekend")
"""The arrival windows: working hours (Mon–Fri 08:00–18:00, Friday until 16:00), evening
and night, weekend."""

DIMENSION_WORDS = {"owner": "rep", "source": "source", "campaign": "campaign",
                   "window": "arrival window", "month": "entry month"}
"""How a culprit's dimension is named on a card."""


def arrival_window(created: str = "created_at") -> pl.Expr:
    """The arrival window (:data:`WINDOWS`) of each lead's ``created`` time.

    Examples
    --------
    >>> import datetime as dt
    >>> f = pl.DataFrame({"created_at": [dt.datetime(2025, 3, 3, 9), dt.datetime(2025, 3, 3, 20),
    ...                                  dt.datetime(2025, 3, 8, 9)]})
    >>> f.select(arrival_window())["window"].to_list()
    ['working hours', 'evening and night', 'weekend']
    """
    c = pl.col(created)
    wd, hr = c.dt.weekday(), c.dt.hour()
    return (pl.when(c.is_null()).then(pl.lit(None, pl.String))
            .when(wd >= 6).then(pl.lit(WINDOWS[2]))
            .when((hr < 8) | (hr >= 18) | ((wd == 5) & (hr >= 16))).then(pl.lit(WINDOWS[1]))
            .otherwise(pl.lit(WINDOWS[0]))).alias("window")


def entry_month(created: str = "created_at") -> pl.Expr:
    """The month each lead entered (``2025-03``)."""
    return pl.col(created).dt.strftime("%Y-%m").alias("month")


def search_family(tests: Sequence[tuple[str, str, pl.DataFrame]], *, settings: Thresholds,
                  higher: bool = True) -> tuple[list[dict], int]:
    """Each group of each ``(dimension, what, counts)`` test against the rest of its
    dimension, Holm over every comparison of every test; the hits (groups that pass
    Holm, in the asked direction, by at least ``min_ratio``; missing values never
    named), the most confidently large first (by the bound of the interval nearest to
    no effect), and the family's size.

    A group is judged by the larger of the log-ratio's and the exact binomial p-value,
    and needs ``min_n`` leads with the problem. Each hit is
    :func:`funnel.stats.tests.vs_rest`'s row (its interval Bonferroni-widened
    over the whole family) with ``dim``, ``group`` and ``what``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(alpha=0.01, min_n=30, min_ratio=1.5)
    >>> by_owner = pl.DataFrame({"owner": ["a", "b"], "k": [10, 11], "n": [100, 100]})
    >>> by_source = pl.DataFrame({"source": ["x", "y", "z"], "k": [60, 10, 9],
    ...                           "n": [100, 100, 100]})
    >>> hits, family = search_family([("owner", "never touched", by_owner),
    ...                               ("source", "never touched", by_source)], settings=s)
    >>> [(h["dim"], h["group"]) for h in hits], family
    ([('source', 'x')], 5)
    """
    def tested(c: pl.DataFrame) -> int:
        tot = int(c["n"].sum())
        return c.filter((pl.col("n") >= settings.min_n)
                        & (tot - pl.col("n") >= settings.min_n)).height

    family = max(1, sum(tested(c) for _, _, c in tests))
    rows = []
    for dim, what, counts in tests:
        res = vs_rest(counts, group=dim, higher=higher, settings=settings, family=family,
                      exact=True, min_k=settings.min_n)
        rows += [{**r, "dim": dim, "group": r[dim], "what": what} for r in res.to_dicts()]
    if not rows:
        return [], family
    # p: the larger of the log-ratio's and the exact binomial tail's (vs_rest(exact=True))
    passed = holm([r["p"] for r in rows], alpha=settings.alpha)
    hits = [r for r, ok in zip(rows, passed, strict=True)
            if ok and r["group"] not in (NONE_LABEL, None)
            and (r["ratio"] >= settings.min_ratio if higher
                 else r["ratio"] <= 1 / settings.min_ratio)]
    hits.sort(key=lambda r: -r["ci_low"] if higher else r["ci_high"])
    return hits, family


def prune_explained(frame: pl.DataFrame, hits: list[dict], *, flag: str, what: str,
                    settings: Thresholds, family: int) -> list[dict]:
    """``hits`` without those another hit explains: a hit ``h`` (of test ``what``) that
    no longer stands out within the groups of another hit ``g``'s dimension
    (Mantel–Haenszel), while ``g`` still does within ``h``'s (leads arriving one after
    another are owned by reps in turn: their entry month is not the culprit).
    ``frame`` has one row per lead with every dimension and the boolean ``flag``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(alpha=0.01, min_n=30, min_ratio=1.5)
    >>> f = pl.DataFrame({"owner": ["a"] * 200 + ["b"] * 200 + ["c"] * 200,
    ...                   "month": ["m1"] * 300 + ["m2"] * 300,
    ...                   "f": [True] * 100 + [False] * 100 + ([True] * 10 + [False] * 90) * 4})
    >>> hits = [{"dim": "month", "group": "m1", "what": "w", "k": 110, "n": 300,
    ...          "rest_rate": 0.1}, {"dim": "owner", "group": "a", "what": "w", "k": 100,
    ...          "n": 200, "rest_rate": 0.1}]
    >>> [h["group"] for h in prune_explained(f, hits, flag="f", what="w", settings=s, family=5)]
    ['a']
    """
    def survives(h: dict, g: dict) -> bool:  # h still stands out within g's dimension
        f = frame.select(pl.col(h["dim"]).cast(pl.String).fill_null(NONE_LABEL).alias("_g"),
                         pl.col(g["dim"]).cast(pl.String).fill_null(NONE_LABEL).alias("_st"),
                         pl.col(flag).fill_null(False).alias("_f"))
        res = mh_vs_rest(f, group="_g", flag="_f", stratum="_st", settings=settings,
                         family=family)
        return bool(res.filter((pl.col("_g") == h["group"]) & pl.col("flagged")).height)

    mine = [h for h in hits if h["what"] == what]
    gone = set()
    for h in mine:
        for g in mine:
            if g["dim"] != h["dim"] and not survives(h, g) and survives(g, h):
                gone.add((h["dim"], h["group"]))
                break
    return [h for h in hits if h["what"] != what or (h["dim"], h["group"]) not in gone]


def highest_level(frame: pl.DataFrame, hit: dict, *, flag: str, settings: Thresholds,
                  higher: bool = True, parent: str = "source", child: str = "campaign"
                  ) -> tuple[str, str, list[str]]:
    """The level that explains ``hit`` (a :func:`search_family` row of ``parent`` or
    ``child``): ``(dimension, group, parts beneath)``.

    A campaign's source is named instead when the source's campaigns are alike (none
    differs from its siblings by ``min_ratio`` with confidence); a source stays named
    when its campaigns are alike, and gives way to its campaign when one campaign alone
    differs. ``frame`` has one row per lead with ``parent``, ``child`` and the boolean
    ``flag``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(alpha=0.01, min_n=30, min_ratio=1.5)
    >>> f = pl.DataFrame({"source": ["S"] * 200 + ["T"] * 200,
    ...                   "campaign": ["a", "b"] * 100 + ["c", "d"] * 100,
    ...                   "f": [True, True, False, False] * 50 + [False] * 200})
    >>> highest_level(f, {"dim": "campaign", "group": "a"}, flag="f", settings=s)
    ('source', 'S', ['a', 'b'])
    """
    if parent not in frame.columns or child not in frame.columns:
        return hit["dim"], hit["group"], []
    if hit["dim"] == child:
        owners = (frame.filter(pl.col(child) == hit["group"])[parent]
                  .drop_nulls().mode().to_list())
        if not owners:
            return hit["dim"], hit["group"], []
        source = sorted(owners)[0]
    elif hit["dim"] == parent:
        source = hit["group"]
    else:
        return hit["dim"], hit["group"], []
    inside = frame.filter(pl.col(parent) == source)
    parts = sorted(inside[child].drop_nulls().unique().to_list())
    counts = inside.group_by(pl.col(child).cast(pl.String).fill_null(NONE_LABEL)).agg(
        pl.col(flag).fill_null(False).sum().cast(pl.Int64).alias("k"),
        pl.len().cast(pl.Int64).alias("n"))
    differs = []
    for direction in (True, False):
        res = vs_rest(counts, group=child, higher=direction, settings=settings)
        differs += res.filter(pl.col("flagged"))[child].to_list()
    if len(parts) < 2 or not differs:
        return parent, source, parts
    same_way = vs_rest(counts, group=child, higher=higher, settings=settings).filter(
        pl.col("flagged"))
    if hit["dim"] == child or same_way.height == 0:
        return (child, hit["group"], []) if hit["dim"] == child else (parent, source, parts)
    return child, same_way[child][0], []
