"""Assemble read files into the canonical, validated lead table (and its companions).

``build_dataset`` types each mapped column with one decision per column, rejects the
rows that cannot be used (with file, row and reason), links deals and activities to
leads, derives each lead's outcome and first response, and writes a health report:
rows read = kept + rejected per file, warnings on kept rows, and which analyses the
data can support.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import FIELDS, ROLES, STAGE_DATES, Mapping
from funnel.dataset.tables import Capability, Dataset, FileReport, Health, Warning_
from funnel.ingest.mapping import auto_map, guess_role, map_values
from funnel.ingest.parsing import (
    SAMPLE_SIZE,
    attribute_expr,
    attribute_fallbacks,
    date_expr,
    date_only,
    detect_date_style,
    detect_decimal_comma,
    is_plain_number,
    lenient_date_expr,
    needs_strip,
    null_placeholders,
    number_expr,
    other_order,
    placeholder_expr,
)
from funnel.ingest.readers import ROW, RawTable, read_file

FILE = "__file"
_EXAMPLES = 3


def _reject(
    frame: pl.DataFrame, bad: pl.Series, reason: pl.Expr | pl.Series | str
) -> pl.DataFrame:
    """The rejected rows of ``frame`` as ``file, row, reason``.

    ``reason`` is one text, an expression over ``frame``, or one text per row of ``frame``.
    """
    if isinstance(reason, pl.Series):
        frame = frame.with_columns(reason.alias("__reason"))
        reason = pl.col("__reason")
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(bad).select(
        pl.col(FILE).alias("file"), pl.col(ROW).alias("row"), reason_expr.alias("reason")
    )


def _empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema={"file": pl.String, "row": pl.Int64, "reason": pl.String})


@dataclass
class _Typed:
    frame: pl.DataFrame
    rejects: list[pl.DataFrame]
    warnings: list[Warning_]
    notes: list[str]


_LOST = "__lost:"


def _field_expr(
    raw: RawTable, sample: pl.DataFrame, f: str, col: str, kind: str,
    values: dict[str, dict[str, str]], *, day_first: bool, required: set[str],
    warnings: list[Warning_], notes: list[str],
) -> tuple[pl.Expr, pl.Expr, str, list[pl.Expr]]:
    """The typing expression of one mapped column (decided on the sample), the cleaned
    text it reads from, a label of the decision for messages, and broader expressions
    to retry, in order, if the decision loses values elsewhere in the file."""
    strip = kind == "id" or needs_strip(sample[col].drop_nulls())
    clean = placeholder_expr(pl.col(col), strip=strip)
    if f in values and kind in ("text", "id"):
        over = values[f]
        clean = clean.replace(list(over), list(over.values()))
    seen = null_placeholders(sample[col])
    if kind in ("id", "text"):
        return clean, clean, "", []
    if kind in ("datetime", "month"):
        style = detect_date_style(seen, day_first=day_first)
        probe = clean
        if style is None and kind == "month":
            for prefix, suffix in (("", "-01"), ("1 ", "")):
                style = detect_date_style(prefix + seen + suffix, day_first=day_first)
                if style is not None:
                    probe = pl.lit(prefix) + clean + pl.lit(suffix)
                    break
        if style is None:
            present = seen.drop_nulls()
            if f in required or present.len() == 0:
                shown = f" (for example {present[0]!r})" if present.len() else ""
                raise InputError(
                    f"{raw.name}: column {col!r}, used as {f}, holds no dates that can be "
                    f"read{shown}; choose another column in the mapping."
                )
            warnings.append(Warning_(
                "unreadable_column", f"{raw.name}: {col!r} has no readable dates, so {f} "
                "is left empty.", int(raw.frame[col].is_not_null().sum())))
            return pl.lit(None, dtype=pl.Datetime("us")), pl.lit(None, dtype=pl.String), "", []
        # broader readings if later rows disagree: the time optional, then (when the
        # first rows were ambiguous) the other day/month order
        broader = [lenient_date_expr(probe, style)] if date_only(style) else []
        swapped = other_order(style)
        if swapped is not None:
            broader.append(lenient_date_expr(probe, swapped))
        out = date_expr(probe, style)
        if kind == "month":
            out, broader = out.dt.truncate("1mo"), [b.dt.truncate("1mo") for b in broader]
        notes.append(f"{col!r} read as {f} ({style.label}).")
        return out, clean, f" ({style.label})", broader
    if kind == "number":
        present = seen.drop_nulls()
        dec = detect_decimal_comma(present, default=raw.delimiter == ";")
        return (number_expr(clean, decimal_comma=dec, fit=present,
                            plain=is_plain_number(present, decimal_comma=dec)),
                clean, "", [number_expr(clean, decimal_comma=dec)])
    # outcome / stage: map each distinct label once
    counts = raw.frame[col].value_counts()
    mapped, unknown = map_values(counts[col], kind, overrides=values.get(f))
    lookup = dict(zip(counts[col].to_list(), mapped.to_list(), strict=True))
    if unknown:
        weights = dict(zip(counts[col].to_list(), counts["count"].to_list(), strict=True))
        tally = {k: weights.get(k, v) for k, v in unknown.items()}
        shown = ", ".join(f"{k!r} ({v})" for k, v in list(tally.items())[:5])
        warnings.append(Warning_(
            f"unknown_{kind}", f"{raw.name}: {kind} labels not recognised, left "
            f"empty: {shown}. Map them in the mapping screen.", sum(tally.values())))
    return (pl.col(col).replace_strict(lookup, default=None, return_dtype=pl.String),
            pl.lit(None, dtype=pl.String), "", [])


def _type_table(
    raw: RawTable, role: str, colmap: dict[str, str], values: dict[str, dict[str, str]],
    *, required: Iterable[str], day_first: bool,
) -> _Typed:
    """Rename mapped columns to canonical names and type them, all in one query.

    Every decision (date format, decimal mark, attribute type) is made on the file's
    first rows; the whole file is then typed in a single pass. Unmapped columns of a
    lead file become typed profile attributes; of other files they stay text.
    """
    fields = FIELDS[role]
    required = set(required)
    rejects: list[pl.DataFrame] = []
    warnings: list[Warning_] = []
    notes: list[str] = []
    sample = raw.frame.head(SAMPLE_SIZE)
    exprs: list[pl.Expr] = []
    checks: list[pl.Expr] = []
    how: dict[str, str] = {}
    # broader expressions to try when a decision made on the first rows loses values
    retry: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {}
    for f, col in colmap.items():
        out, clean, label, broader = _field_expr(raw, sample, f, col, fields[f], values,
                                                 day_first=day_first, required=required,
                                                 warnings=warnings, notes=notes)
        exprs.append(out.alias(f))
        if fields[f] in ("datetime", "month", "number"):  # text cannot fail to read
            checks.append((clean.is_not_null() & out.is_null()).alias(_LOST + f))
        retry[f] = [(e, clean.is_not_null() & e.is_null()) for e in broader]
        how[f] = label
    if "stage" in colmap and "outcome" not in colmap and "outcome" in fields:
        # a stage such as "Closed Lost" or "Closed Won" also says how the record ended
        labels = raw.frame[colmap["stage"]].drop_nulls().unique()
        said, _ = map_values(labels, "outcome")
        ended = {k: v for k, v in zip(labels.to_list(), said.to_list(), strict=True)
                 if v in ("won", "lost")}
        if ended:
            exprs.append(pl.col(colmap["stage"]).replace_strict(
                ended, default=None, return_dtype=pl.String).alias("outcome"))
    extras = [c for c in raw.columns if c not in colmap.values()]
    for c in extras:
        name = _extra_name(c, role)
        if role == "leads":
            seen = null_placeholders(sample[c])
            out, kind = attribute_expr(seen, pl.col(c), decimal_comma=raw.delimiter == ";")
            exprs.append(out.alias(name))
            if kind != "text":
                clean = placeholder_expr(pl.col(c))
                checks.append((clean.is_not_null() & out.is_null()).alias(_LOST + name))
                broader = attribute_fallbacks(seen, pl.col(c),
                                              decimal_comma=raw.delimiter == ";")
                retry[name] = [(e, clean.is_not_null() & e.is_null())
                               for e in (broader if kind == "number" else broader[1:])]
        else:
            exprs.append(pl.col(c).alias(name))
    typed = raw.frame.lazy().select(
        *exprs, *checks, pl.lit(raw.name).alias(FILE), pl.col(ROW)
    ).collect()
    lost_counts = typed.select(pl.col(f"^{_LOST}.*$").sum()).row(0, named=True) if checks else {}
    for name, candidates in retry.items():
        for out, check in candidates:
            if not lost_counts.get(_LOST + name):
                break
            redo = raw.frame.select(out.alias(name), check.alias(_LOST + name))
            lost = int(redo[_LOST + name].sum())
            if lost < lost_counts[_LOST + name]:  # keep a broader reading only if it reads more
                typed = typed.with_columns(redo)
                lost_counts[_LOST + name] = lost
    bad_required = None
    for f, col in colmap.items():
        if f in required:
            missing = typed[f].is_null()
            bad_required = missing if bad_required is None else bad_required | missing
        elif lost_counts.get(_LOST + f):
            n = int(lost_counts[_LOST + f])
            examples = raw.frame[col].filter(typed[_LOST + f]).head(_EXAMPLES).to_list()
            warnings.append(Warning_(
                "unreadable_values",
                f"{raw.name}: {n} values of {col!r} ({f}) could not be read and are left "
                f"empty, e.g. {', '.join(repr(e) for e in examples)}.", n))
    if bad_required is not None and bad_required.any():
        rejects.append(_required_reasons(raw, typed, colmap, required, how, bad_required))
        typed = typed.filter(~bad_required)
    return _Typed(typed.drop(pl.col(f"^{_LOST}.*$")), rejects, warnings, notes)


def _required_reasons(
    raw: RawTable, typed: pl.DataFrame, colmap: dict[str, str], required: set[str],
    how: dict[str, str], bad: pl.Series,
) -> pl.DataFrame:
    """File, row and reason for rows whose required fields are empty or unreadable;
    the reason names the first failing field."""
    rows = typed.filter(bad).rechunk()
    texts = raw.frame.filter(bad).rechunk()
    reason = pl.lit(None, dtype=pl.String)
    for f in reversed([f for f in colmap if f in required]):
        shown = texts[colmap[f]].str.strip_chars().str.slice(0, 40).rechunk()
        lost = rows[_LOST + f] if _LOST + f in rows.columns else pl.repeat(False, rows.height)
        why = pl.when(lost).then(
            pl.format(f"{f} '{{}}' cannot be read like the rest of the column{how[f]}",
                      pl.lit(shown))
        ).otherwise(pl.lit(f"{f} is empty"))
        reason = pl.when(rows[f].is_null()).then(why).otherwise(reason)
    return rows.select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"),
                       reason.alias("reason"))


def _extra_name(column: str, role: str) -> str:
    """An unmapped column's name in the typed table: ``"amount (raw)"`` when the export's
    own name is a canonical field it was not mapped to, so the two never collide."""
    taken = set(FIELDS[role]) | {"outcome", "closed_at", "deals", "touches", FILE, ROW}
    return f"{column} (raw)" if column in taken else column


def _deal_outcomes(deals: pl.DataFrame) -> pl.DataFrame:
    cols = deals.columns
    stage_won = pl.col("stage") == "won" if "stage" in cols else pl.lit(False)
    won_at = pl.col("won_at").is_not_null() if "won_at" in cols else pl.lit(False)
    lost_at = pl.col("lost_at").is_not_null() if "lost_at" in cols else pl.lit(False)
    derived = (
        pl.when(won_at | stage_won).then(pl.lit("won"))
        .when(lost_at).then(pl.lit("lost"))
        .otherwise(pl.lit("open"))
    )
    outcome = pl.coalesce(pl.col("outcome"), derived) if "outcome" in cols else derived
    deals = deals.with_columns(outcome.alias("outcome"))
    closed = [pl.col(c) for c in ("closed_at",) if c in cols]
    closed.append(pl.when(pl.col("outcome") == "won").then(pl.col("won_at")) if "won_at" in cols
                  else pl.lit(None, dtype=pl.Datetime("us")))
    closed.append(pl.when(pl.col("outcome") == "lost").then(pl.col("lost_at"))
                  if "lost_at" in cols else pl.lit(None, dtype=pl.Datetime("us")))
    return deals.with_columns(pl.coalesce(closed).alias("closed_at"))


def _ensure(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _lead_outcomes(leads: pl.DataFrame, deals: pl.DataFrame | None) -> pl.DataFrame:
    """Each lead's outcome: from its deals when it has any (won if any is won, open if
    any is open, else lost); otherwise its own outcome, or lost when it has a loss
    reason, or open."""
    dtt = pl.Datetime("us")
    leads = _ensure(leads, {
        "outcome": pl.String, "won_at": dtt, "lost_at": dtt, "stage": pl.String,
        "lost_reason": pl.String, "closed_at": dtt, "amount": pl.Float64,
        "opportunity_at": dtt, "owner": pl.String,
    })
    own = (
        pl.when(pl.col("outcome").is_not_null()).then(pl.col("outcome"))
        .when(pl.col("won_at").is_not_null() | (pl.col("stage") == "won")).then(pl.lit("won"))
        .when(pl.col("lost_at").is_not_null()).then(pl.lit("lost"))
    )
    leads = leads.with_columns(own.alias("outcome"))
    if deals is None:
        return leads.with_columns(
            pl.coalesce("closed_at", pl.when(pl.col("outcome") == "won").then("won_at"),
                        pl.when(pl.col("outcome") == "lost").then("lost_at")).alias("closed_at")
        )
    d = _ensure(deals, {"amount": pl.Float64, "created_at": dtt, "lost_reason": pl.String,
                        "owner": pl.String})
    per_lead = d.sort("closed_at", nulls_last=True).group_by("lead_id").agg(
        pl.len().alias("deals"),
        (pl.col("outcome") == "won").any().alias("_any_won"),
        (pl.col("outcome") == "open").any().alias("_any_open"),
        pl.col("amount").filter(pl.col("outcome") == "won").sum().alias("_won_amount"),
        pl.col("amount").sum().alias("_all_amount"),
        pl.col("closed_at").filter(pl.col("outcome") == "won").min().alias("_won_closed"),
        pl.col("closed_at").filter(pl.col("outcome") == "lost").max().alias("_lost_closed"),
        pl.col("lost_reason").filter(pl.col("outcome") == "lost").drop_nulls().last()
        .alias("_deal_reason"),
        pl.col("created_at").min().alias("_first_deal"),
        pl.col("owner").drop_nulls().first().alias("_deal_owner"),
    )
    leads = leads.join(per_lead, on="lead_id", how="left", maintain_order="left")
    has_deal = pl.col("deals").fill_null(0) > 0
    # A lead with deals takes its outcome from them (a Salesforce "converted" lead whose
    # opportunity was lost is lost); without deals, its own outcome or loss reason.
    from_deals = (
        pl.when(pl.col("_any_won")).then(pl.lit("won"))
        .when(pl.col("_any_open")).then(pl.lit("open"))
        .otherwise(pl.lit("lost"))
    )
    outcome = (
        pl.when(has_deal).then(from_deals)
        .when(pl.col("outcome").is_not_null()).then(pl.col("outcome"))
        .when(pl.col("lost_reason").is_not_null()).then(pl.lit("lost"))
        .otherwise(pl.lit("open"))
    )
    leads = leads.with_columns(outcome.alias("outcome")).with_columns(
        pl.coalesce(
            "closed_at",
            pl.when(pl.col("outcome") == "won").then(pl.coalesce("_won_closed", "won_at")),
            pl.when(pl.col("outcome") == "lost").then(pl.coalesce("_lost_closed", "lost_at")),
        ).alias("closed_at"),
        pl.coalesce(
            "amount",
            pl.when(pl.col("outcome") == "won").then("_won_amount").otherwise("_all_amount"),
        ).alias("amount") if "amount" in deals.columns else pl.col("amount"),
        pl.coalesce("lost_reason", "_deal_reason").alias("lost_reason"),
        pl.coalesce("opportunity_at", "_first_deal").alias("opportunity_at"),
        pl.coalesce("owner", "_deal_owner").alias("owner"),
        pl.col("deals").fill_null(0).cast(pl.Int64),
    )
    # drop the helper columns above, keeping the row bookkeeping (FILE, ROW)
    return leads.drop([c for c in leads.columns if c.startswith("_") and c not in (FILE, ROW)])


def _drop_empty(frame: pl.DataFrame, keep: Iterable[str]) -> pl.DataFrame:
    keep = set(keep)
    empty = [c for c in frame.columns
             if c not in keep and frame[c].null_count() == frame.height and c in FIELDS["leads"]]
    return frame.drop(empty)


def _capabilities(
    ds_leads: pl.DataFrame, *, deals, activities, spend, attributes
) -> list[Capability]:
    def has(c: str) -> bool:
        return c in ds_leads.columns and ds_leads[c].null_count() < ds_leads.height

    caps = []
    stages = [s for s, c in STAGE_DATES.items() if has(c)]
    if has("stage"):
        stages.append("current stage")
    caps.append(Capability(
        "Funnel by stage", bool(stages) or has("outcome"),
        f"stages from {', '.join(stages)}" if stages else (
            "only lead → won: no stage dates or stage column" if has("outcome")
            else "no stage, stage dates or outcome")))
    caps.append(Capability(
        "Win rate and conversion", has("outcome"),
        "outcome known" if has("outcome") else "no outcome, deal or won column"))
    speed = has("first_response_at") and has("created_at")
    caps.append(Capability(
        "Response time (speed to lead)", speed,
        "first sales touch known" if speed else (
            "no first-response time: response-time analysis unavailable (load activities "
            "with dates, or map a first-touch date)" if has("created_at")
            else "no creation date: response-time analysis unavailable")))
    caps.append(Capability(
        "Trends by month and cohorts", has("created_at"),
        "creation dates known" if has("created_at")
        else "no creation date: trends, cohorts and velocity unavailable"))
    dated = [c for c in ("created_at", *STAGE_DATES.values(), "closed_at") if has(c)]
    caps.append(Capability(
        "Velocity (time between stages)", len(dated) >= 2,
        f"dates for {', '.join(dated)}" if len(dated) >= 2
        else "fewer than two dated stages"))
    caps.append(Capability("Revenue", has("amount"),
                           "deal amounts known" if has("amount") else "no amount or deal value"))
    caps.append(Capability(
        "Cost per lead, CAC and return on spend", spend is not None,
        "spend file loaded" if spend is not None else "no spend file"))
    caps.append(Capability(
        "Owners and routing", has("owner"),
        ("owners known" + ("" if has("assigned_at") else "; no assignment time, so no time to "
                           "assign")) if has("owner") else "no owner column"))
    caps.append(Capability("Loss reasons", has("lost_reason"),
                           "reasons known" if has("lost_reason") else "no loss reason column"))
    caps.append(Capability("Lead score check", has("score"),
                           "score known" if has("score") else "no lead score column"))
    caps.append(Capability(
        "Follow-up and touches", activities is not None,
        "activities loaded" if activities is not None
        else "no activities file: touch counts and follow-up unavailable"))
    caps.append(Capability(
        "Profile fit", bool(attributes),
        f"{len(attributes)} profile attributes" if attributes else "no profile attributes"))
    return caps


def _leads(n: int) -> str:
    return f"{n:,} lead" if n == 1 else f"{n:,} leads"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _they(n: int) -> str:
    return "it was" if n == 1 else "they were"


def _warnings(leads: pl.DataFrame, *, now: dt.datetime, outcome_info: bool) -> list[Warning_]:
    out: list[Warning_] = []
    dup = leads.filter(pl.col("lead_id").is_duplicated())
    if dup.height:
        ids = dup["lead_id"].unique().head(_EXAMPLES).to_list()
        out.append(Warning_("duplicate_ids", f"{dup.height:,} leads share an id with another lead "
                            f"(e.g. {', '.join(map(repr, ids))}); they are kept and counted "
                            "separately.", dup.height))
    cols = leads.columns
    if "first_response_at" in cols and "created_at" in cols:
        n = leads.filter(pl.col("first_response_at") < pl.col("created_at")).height
        if n:
            out.append(Warning_(
                "response_before_created",
                f"{_leads(n)} {_have(n)} a first response before {_they(n)} created.", n))
    if "closed_at" in cols and "created_at" in cols:
        n = leads.filter((pl.col("outcome") == "won")
                         & (pl.col("closed_at") < pl.col("created_at"))).height
        if n:
            was = "was" if n == 1 else "were"
            out.append(Warning_(
                "won_before_created", f"{_leads(n)} {was} won before {_they(n)} created.", n))
    date_cols = [c for c, t in leads.schema.items() if isinstance(t, pl.Datetime)]
    if date_cols:
        limit = now + dt.timedelta(days=1)
        future = leads.filter(pl.any_horizontal([pl.col(c) > limit for c in date_cols]))
        if future.height:
            which = [c for c in date_cols if (leads[c] > limit).any()]
            k = future.height
            out.append(Warning_(
                "future_dates",
                f"{_leads(k)} {_have(k)} dates in the future (in {', '.join(which)}).", k))
    if outcome_info:
        n = leads["outcome"].null_count()
        if n:
            counts = "it counts" if n == 1 else "they count"
            out.append(Warning_(
                "missing_outcome", f"{_leads(n)} {_have(n)} no outcome; {counts} as not won.", n))
    return out


def _concat(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Stack files of one role; a column typed differently in two files becomes text
    (a yes/no column must not turn into 1.0/0.0 next to another file's numbers)."""
    if len(frames) == 1:
        return frames[0]
    types: dict[str, set] = {}
    for f in frames:
        for name, dtype in f.schema.items():
            types.setdefault(name, set()).add(dtype)
    mixed = [n for n, ts in types.items() if len(ts - {pl.Null}) > 1]
    if mixed:
        frames = [f.with_columns(pl.col(c).cast(pl.String) for c in mixed if c in f.columns)
                  for f in frames]
    return pl.concat(frames, how="diagonal_relaxed")


def build_dataset(
    tables: Sequence[tuple[str, RawTable]],
    *,
    mapping: Mapping | None = None,
    now: dt.datetime | None = None,
    day_first: bool | None = None,
    label: str = "",
    release: bool = False,
) -> Dataset:
    """Type, validate and link read files into one :class:`Dataset`.

    Parameters
    ----------
    tables
        ``(role, table)`` pairs, or a generator of them (each is typed as it comes);
        several files may share a role (they are stacked). Roles are those in
        ``funnel.dataset.schema.ROLES``; at least one ``leads`` table.
    mapping
        Columns and values chosen by the user; anything not given is auto-detected.
    now
        The moment dates in the future are judged against (default: now, UTC).
    day_first
        How to read dates that are ambiguous in every row (``03/04``); by default
        day-first only for semicolon-separated files.
    label
        A name for the data shown in the app (e.g. ``"Sample data"``).
    release
        Free each table's text columns as soon as they are typed, to lower peak
        memory; the tables cannot be built again afterwards (``load`` uses this).

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        When the files cannot make a lead table (no leads file, no usable columns).

    Examples
    --------
    >>> from funnel.sample.generator import SAMPLE_DIR, SAMPLE_FILES
    >>> from funnel.ingest.readers import read_file
    >>> ds = build_dataset([(r, read_file(SAMPLE_DIR / f)) for r, f in SAMPLE_FILES.items()])
    >>> ds.health.rows_read == ds.health.rows_kept + ds.health.rows_rejected
    True
    """
    mapping = mapping or Mapping()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    names: dict[str, list[str]] = {r: [] for r in ROLES}  # file names per role, for messages
    resolved = Mapping(values=dict(mapping.values))
    rejects: list[pl.DataFrame] = []
    warnings: list[Warning_] = []
    reports: list[FileReport] = []
    typed: dict[str, list[pl.DataFrame]] = {r: [] for r in ROLES}
    leads_extras: list[str] = []
    # One file at a time: typing does not depend on the other files, so a caller that
    # passes a generator never holds two files' text in memory at once.
    for role, raw in tables:
        if role not in ROLES:
            raise InputError(f"Unknown file role {role!r}; use one of {', '.join(ROLES)}.")
        names[role].append(raw.name)
        fixed = mapping.for_role(role)
        absent = [c for c in fixed.values() if c and c not in raw.columns]
        if absent:
            raise InputError(
                f"{raw.name}: the mapping names columns the file does not have: "
                f"{', '.join(map(repr, absent))}."
            )
        colmap = auto_map(raw.frame, role, fixed=fixed)
        required = {"leads": ["lead_id", "created_at"], "deals": ["deal_id"],
                    "activities": ["lead_id", "at"], "spend": ["cost", "month"]}[role]
        required = [f for f in required if f in colmap]
        t = _type_table(raw, role, colmap, mapping.values, required=required,
                        day_first=bool(day_first if day_first is not None
                                       else raw.delimiter == ";"))
        if not resolved.for_role(role):
            resolved.for_role(role).update(colmap)
        if role == "leads":
            leads_extras += [_extra_name(c, role) for c in raw.columns
                             if c not in colmap.values()
                             and _extra_name(c, role) not in leads_extras]
        typed[role].append(t.frame)
        if release:
            raw.frame = raw.frame.clear()
        rejects += t.rejects
        warnings += t.warnings
        reports.append(FileReport(raw.name, role, raw.format, raw.rows_read, 0, 0, colmap,
                                  raw.notes + t.notes))
        rejects.append(pl.DataFrame(
            {"file": [r.file for r in raw.rejected], "row": [r.row for r in raw.rejected],
             "reason": [r.reason for r in raw.rejected]},
            schema={"file": pl.String, "row": pl.Int64, "reason": pl.String}))

    if not names["leads"]:
        raise InputError("No leads file: choose which file holds the leads.")

    leads = _concat(typed["leads"])
    if "lead_id" not in leads.columns:
        leads = leads.with_columns(
            (pl.col(FILE) + ":" + pl.col(ROW).cast(pl.String)).alias("lead_id")
            if len(typed["leads"]) > 1 else pl.col(ROW).cast(pl.String).alias("lead_id"))
        warnings.append(Warning_("row_ids", "No id column among the leads: each lead is "
                                 "identified by its row number in the file.", leads.height, "info"))
    attributes = list(leads_extras)
    outcome_info = any(c in leads.columns for c in ("outcome", "won_at", "stage", "lost_at"))

    deals = None
    links = None  # deal -> every lead that converted into it, when several did
    if typed["deals"]:
        deals = _concat(typed["deals"])
        if "deal_id" not in deals.columns:
            deals = deals.with_columns(
                (pl.col(FILE) + ":" + pl.col(ROW).cast(pl.String)).alias("deal_id"))
            warnings.append(Warning_("row_ids_deals", "No id column among the deals: each deal "
                                     "is identified by its file and row.", deals.height, "info"))
        if "lead_id" not in deals.columns:
            if "deal_id" not in leads.columns:
                raise InputError(
                    f"{names['deals'][0]} has no column linking deals to leads, and the "
                    "leads have no deal id; map the link in the mapping screen."
                )
            link = leads.select("deal_id", "lead_id").drop_nulls().unique(maintain_order=True)
            deals = deals.join(link.unique("deal_id", keep="first", maintain_order=True),
                               on="deal_id", how="left", maintain_order="left")
            shared = link.filter(pl.col("deal_id").is_duplicated())
            if shared.height:
                # several leads converted into one deal: each takes the deal's outcome
                links = link
                n = shared["deal_id"].n_unique()
                warnings.append(Warning_(
                    "shared_deals", f"{n:,} deal{'s are' if n > 1 else ' is'} linked to several "
                    "leads; each of those leads takes the deal's outcome.", n, "info"))
        known = leads["lead_id"].unique().implode()
        orphan = deals["lead_id"].is_null() | ~deals["lead_id"].is_in(known)
        if orphan.any():
            rejects.append(_reject(deals, orphan, pl.when(pl.col("lead_id").is_null())
                                   .then(pl.lit("the deal is not linked to any lead"))
                                   .otherwise(pl.lit("the deal's lead ") + pl.col("lead_id")
                                              + pl.lit(" is not among the leads"))))
            deals = deals.filter(~orphan)
        deals = _deal_outcomes(deals)
        dup = deals["deal_id"].is_duplicated().sum()
        if dup:
            warnings.append(Warning_("duplicate_deal_ids", f"{dup} deals share an id with "
                                     "another deal; each is kept.", int(dup)))
        outcome_info = True

    per_lead = deals
    if deals is not None and links is not None:
        per_lead = deals.drop("lead_id").join(links, on="deal_id", how="inner")
    leads = _lead_outcomes(leads, per_lead)

    activities = None
    if typed["activities"]:
        activities = _concat(typed["activities"])
        for need, what in (("lead_id", "which lead each activity belongs to"),
                           ("at", "when each activity happened (a date/time column)")):
            if need not in activities.columns:
                raise InputError(
                    f"{', '.join(names['activities'])}: no readable column says {what}; "
                    "map it in the mapping screen or leave the activities out.")
        first = activities.group_by("lead_id").agg(
            pl.col("at").min().alias("_first"), pl.len().alias("touches"))
        # orphans are looked up among the distinct lead ids, not every activity
        unknown = first.filter(~pl.col("lead_id").is_in(leads["lead_id"].implode()))["lead_id"]
        if unknown.len():
            orphan = activities["lead_id"].is_in(unknown.implode())
            rejects.append(_reject(activities, orphan, pl.lit("the activity's lead ")
                                   + pl.col("lead_id") + pl.lit(" is not among the leads")))
            activities = activities.filter(~orphan)
            first = first.filter(~pl.col("lead_id").is_in(unknown.implode()))
        leads = leads.join(first, on="lead_id", how="left", maintain_order="left")
        leads = leads.with_columns(
            (pl.coalesce("_first", "first_response_at") if "first_response_at" in leads.columns
             else pl.col("_first")).alias("first_response_at"),
            pl.col("touches").fill_null(0).cast(pl.Int64),
        ).drop("_first")

    spend = None
    if typed["spend"]:
        spend = _concat(typed["spend"])
        if "source" not in spend.columns and "campaign" not in spend.columns:
            raise InputError(f"{names['spend'][0]} has no source, channel or campaign "
                             "column, so its cost cannot be attributed.")

    rejected = pl.concat([_empty_rejects(), *rejects], how="vertical_relaxed")
    for rep in reports:
        n_rej = rejected.filter(pl.col("file") == rep.name).height
        rep.rows_rejected = n_rej
        rep.rows_kept = rep.rows_read - n_rej
    if leads.height == 0:
        first = rejected["reason"].head(1).to_list()
        raise InputError(
            "No lead could be kept: every row was rejected"
            + (f" (first reason: {first[0]})." if first else ".")
        )
    if "created_at" not in leads.columns and not outcome_info:
        raise InputError(
            f"{names['leads'][0]} has no column that can be a creation date and nothing "
            "that tells which leads were won; map the columns in the mapping screen."
        )
    if "created_at" not in leads.columns:
        warnings.append(Warning_("no_created_at", "No creation date: leads are analysed without "
                                 "time (no trends, response time or velocity).", leads.height,
                                 "info"))
    warnings += _warnings(leads, now=now, outcome_info=outcome_info)
    leads = _drop_empty(leads, keep=["lead_id", "outcome"])
    caps = _capabilities(leads, deals=deals, activities=activities, spend=spend,
                         attributes=attributes)
    health = Health(reports, rejected.sort("file", "row"), warnings, caps)
    return Dataset(leads, deals, activities, spend, attributes, resolved, health, label)


def load(
    leads: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    deals: str | os.PathLike | None = None,
    activities: str | os.PathLike | None = None,
    spend: str | os.PathLike | None = None,
    mapping: Mapping | str | os.PathLike | None = None,
    sheet: str | int | None = None,
    now: dt.datetime | None = None,
    label: str = "",
) -> Dataset:
    """Read export files from disk and build the :class:`Dataset` in one call.

    Examples
    --------
    >>> from funnel.sample.generator import SAMPLE_DIR
    >>> ds = load(SAMPLE_DIR / "contacts.csv", deals=SAMPLE_DIR / "deals.csv")
    >>> ds.leads.height > 0
    True
    """
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    lead_paths = [leads] if isinstance(leads, str | os.PathLike) else list(leads)
    specs = [("leads", p) for p in lead_paths] + [
        (role, path) for role, path in (("deals", deals), ("activities", activities),
                                        ("spend", spend)) if path is not None
    ]
    # read lazily: each file is read, typed and released before the next is read
    tables = ((role, read_file(path, sheet=sheet)) for role, path in specs)
    return build_dataset(tables, mapping=mapping, now=now, release=True,
                         label=label or ", ".join(Path(p).name for p in lead_paths))


def guess_roles(tables: Sequence[RawTable]) -> list[str]:
    """Guess each file's role; when several look like leads, the one whose ids are
    contained in another's becomes deals.

    Examples
    --------
    >>> from funnel.sample.generator import SAMPLE_DIR, SAMPLE_FILES
    >>> files = [read_file(SAMPLE_DIR / f) for f in SAMPLE_FILES.values()]
    >>> guess_roles(files)
    ['leads', 'deals', 'activities', 'spend']
    """
    roles = [guess_role(t.frame, t.name) for t in tables]
    if roles.count("leads") > 1:
        ids = {}
        for i, t in enumerate(tables):
            if roles[i] == "leads":
                col = auto_map(t.frame.head(200), "leads").get("lead_id")
                if col:
                    ids[i] = set(t.frame[col].drop_nulls().to_list())
        biggest = max(ids, key=lambda i: len(ids[i]), default=None)
        for i in ids:
            if i != biggest and ids[i] and ids[i] <= ids[biggest] | set():
                roles[i] = "deals"
    return roles
