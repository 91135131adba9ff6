"""How far each lead got down the funnel.

The evidence for a stage is its date column (``STAGE_DATES``), the current-stage
column, or a won outcome; reaching a stage implies reaching every stage before it, so
counts never grow down the funnel; the funnel starts at the first stage every record
reached (:func:`funnel_stages`). :func:`reached_exprs` gives one flag per stage,
:func:`stage_rank_expr` the furthest stage as its index in ``STAGES`` (``STAGE_RANK``),
which :func:`with_stage_rank` and :func:`reached_rank` turn into one-pass counts.
"""

from __future__ import annotations

import weakref

import polars as pl

from funnel.dataset.schema import STAGE_DATES, STAGES

STAGE_RANK = {s: i for i, s in enumerate(STAGES)}
"""Each stage's index in ``STAGES`` (``lead`` is 0, ``won`` the last)."""

RANKED = "__stage_rank"
"""The column :func:`ranked` adds: each lead's :func:`stage_rank_expr`, computed once for
several analyses of the same leads (internal, like ``__file``)."""

_SHOWN: dict[int, tuple[weakref.ref, tuple[str, ...]]] = {}
"""The last few lead tables' :func:`funnel_stages` (a page asks for them once per
analysis of the same table); an entry counts only while its table is alive."""
_SHOWN_SIZE = 8


def stages_present(leads: pl.DataFrame) -> list[str]:
    """The funnel stages this lead table has evidence for, in order.

    ``lead`` always; a middle stage when its date column or the stage column shows it;
    ``won`` when outcomes are known.

    Examples
    --------
    >>> import polars as pl
    >>> stages_present(pl.DataFrame({"lead_id": ["a"], "outcome": ["won"]}))
    ['lead', 'won']
    """
    cols = leads.columns
    present = {"lead"}
    for stage, col in STAGE_DATES.items():
        if col in cols and leads[col].null_count() < leads.height:
            present.add(stage)
    if "stage" in cols:
        present |= set(leads["stage"].drop_nulls().unique().to_list())
    if "outcome" in cols and leads["outcome"].null_count() < leads.height:
        present.add("won")
    return [s for s in STAGES if s in present]


def funnel_stages(leads: pl.DataFrame) -> list[str]:
    """The stages the funnel shows: :func:`stages_present` from the first stage the data
    really has, the furthest stage every record reached (at most ``opportunity``).

    An opportunity-only export (one row per opportunity) starts at ``opportunity``:
    every record is one, so the stages before it would only say 100%.

    Examples
    --------
    >>> import polars as pl
    >>> funnel_stages(pl.DataFrame({"stage": ["opportunity", "won"],
    ...                             "outcome": ["open", "won"]}))
    ['opportunity', 'won']
    >>> funnel_stages(pl.DataFrame({"stage": ["lead", "won"], "outcome": ["open", "won"]}))
    ['lead', 'won']
    """
    hit = _SHOWN.get(id(leads))
    if hit is not None and hit[0]() is leads:
        return list(hit[1])
    present = stages_present(leads)
    if leads.height == 0:
        return present
    floor = int(leads.select(stage_rank_expr(leads).min()).item())
    first = min(floor, STAGE_RANK["opportunity"])
    shown = [s for s in present if STAGE_RANK[s] >= first]
    out = shown if shown and STAGE_RANK[shown[0]] == first else present
    if len(_SHOWN) >= _SHOWN_SIZE:
        _SHOWN.clear()
    _SHOWN[id(leads)] = (weakref.ref(leads), tuple(out))
    return out


def reached_exprs(leads: pl.DataFrame | pl.LazyFrame) -> dict[str, pl.Expr]:
    """For each stage, an expression true when a lead reached it or any later stage.

    Evidence is a stage date, the furthest-stage column or a won outcome, so the
    counts never increase down the funnel.
    """
    cols = leads.collect_schema().names()
    out: dict[str, pl.Expr] = {}
    stage_rank = (
        pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int64)
        if "stage" in cols else None
    )
    later = pl.col("outcome") == "won" if "outcome" in cols else pl.lit(False)
    if stage_rank is not None:  # a furthest stage of "won" is a win too
        later = later.fill_null(False) | (stage_rank == STAGE_RANK["won"]).fill_null(False)
    out["won"] = later.fill_null(False)
    for stage in reversed(STAGES[1:-1]):
        col = STAGE_DATES[stage]
        ev = later
        if col in cols:
            ev = ev | pl.col(col).is_not_null()
        if stage_rank is not None:
            ev = ev | (stage_rank >= STAGE_RANK[stage]).fill_null(False)
        out[stage] = ev.fill_null(False)
        later = out[stage]
    out["lead"] = pl.lit(True)
    return {s: out[s] for s in STAGES}


def stage_rank_expr(leads: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The index in ``STAGES`` of the furthest stage each lead reached (0 = ``lead``).

    The same evidence as :func:`funnel.dataset.stages.reached_exprs` (a stage date, the
    current-stage column, a won outcome), in one pass: a lead reached stage ``s`` exactly
    when its rank is at least ``STAGES.index(s)``.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"sql_at": [None, 1], "stage": ["mql", None],
    ...                       "outcome": ["open", "won"]})
    >>> leads.select(stage_rank_expr(leads))[:, 0].to_list()
    [1, 5]
    """
    cols = leads.collect_schema().names()
    if RANKED in cols:  # computed once already (see ranked)
        return pl.col(RANKED).alias("_rank")
    parts: list[pl.Expr] = [pl.lit(0, dtype=pl.Int8)]
    for stage, col in STAGE_DATES.items():
        if col in cols:
            parts.append(pl.when(pl.col(col).is_not_null()).then(pl.lit(STAGE_RANK[stage],
                                                                        dtype=pl.Int8)))
    if "stage" in cols:
        parts.append(pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int8))
    if "outcome" in cols:
        parts.append(pl.when(pl.col("outcome") == "won").then(pl.lit(STAGE_RANK["won"],
                                                                     dtype=pl.Int8)))
    return pl.max_horizontal(parts).alias("_rank")


def ranked(leads: pl.DataFrame) -> pl.DataFrame:
    """``leads`` with each lead's furthest stage rank in :data:`RANKED`, which every
    function here then reads instead of recomputing it: for a page that runs several
    analyses of the same leads. Results are the same with or without it.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> leads = load_sample().leads
    >>> funnel_stages(ranked(leads)) == funnel_stages(leads)
    True
    """
    return leads.with_columns(stage_rank_expr(leads).alias(RANKED))


def with_stage_rank(leads: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """``leads`` (lazy) with the ``_rank`` column of :func:`stage_rank_expr`."""
    return leads.lazy().with_columns(stage_rank_expr(leads))


def reached_rank(stage: str) -> pl.Expr:
    """True for leads whose ``_rank`` (see :func:`with_stage_rank`) reached ``stage``."""
    return pl.col("_rank") >= STAGE_RANK[stage]


def furthest_stage_expr(leads: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The furthest stage each lead reached, among the stages the data has (its name;
    see :func:`stage_rank_expr`)."""
    names = {i: s for s, i in STAGE_RANK.items()}
    return stage_rank_expr(leads).replace_strict(names, return_dtype=pl.String)


def outcome_flags(leads: pl.DataFrame | pl.LazyFrame) -> dict[str, pl.Expr]:
    """The two outcomes every analysis counts, defined once: ``won`` and ``qualified``
    (reached ``sql`` or later), from the evidence of :func:`reached_exprs`.

    Examples
    --------
    >>> leads = pl.DataFrame({"sql_at": [None, 1, None], "outcome": ["lost", "open", "won"]})
    >>> leads.select(**outcome_flags(leads)).rows()
    [(False, False), (False, True), (True, True)]
    """
    reached = reached_exprs(leads)
    return {"won": reached["won"], "qualified": reached["sql"]}


def has_qualification(leads: pl.DataFrame) -> bool:
    """Whether the leads show qualification at all (an ``sql`` or ``opportunity`` stage),
    so a qualified rate means something.

    Examples
    --------
    >>> has_qualification(pl.DataFrame({"lead_id": ["a"], "outcome": ["won"]}))
    False
    """
    return bool({"sql", "opportunity"} & set(stages_present(leads)))
