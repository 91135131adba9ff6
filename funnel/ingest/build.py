"""Build the canonical, validated lead table (and its companions) from read files.

One load follows four steps, each in its own module: type each file
(:mod:`funnel.ingest.columns`: one decision per mapped column, unusable rows rejected
with file, row and reason), stack the files of each role, link deals and activities
to the leads and derive each lead's outcome and first response
(:mod:`funnel.ingest.linking`), then check what is left and what it can support
(:mod:`funnel.ingest.checks`). The health report accounts for every row read:
rows read = kept + rejected per file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from funnel.dataset.errors import InputError, StopCheck, stop_if
from funnel.dataset.schema import FIELDS, REQUIRED, ROLES, Mapping
from funnel.dataset.tables import Dataset, FileReport, Health, Warning_
from funnel.ingest.cache import TypedCache, export_key
from funnel.ingest.checks import (
    capabilities,
    check_usable,
    lead_warnings,
    unused_field_warnings,
)
from funnel.ingest.columns import (
    FILE,
    empty_rejects,
    extra_name,
    reader_rejects,
    reject,
    type_table,
)
from funnel.ingest.crm import DEAL_OBJECTS, FileModel, file_model
from funnel.ingest.currency import converted_amount, mixed_currencies, row_currencies
from funnel.ingest.footer import TOTALS, totals_rows
from funnel.ingest.linking import deal_column, lead_outcomes, link_activities, link_deals
from funnel.ingest.lookups import LOOKUP, LOOKUP_OBJECTS, join_lookup
from funnel.ingest.mapping import auto_map, guess_role
from funnel.ingest.models import (
    DELETED,
    TEST_LEAD,
    WINS_ELSEWHERE,
    activity_time,
    apply_model,
    converted_leads,
    deleted_rows,
    meta_test_rows,
    model_hints,
    per_deal_records,
    wins_elsewhere,
)
from funnel.ingest.outcome_fields import outcome_fields
from funnel.ingest.readers import ROW, RawTable, read_file
from funnel.ingest.readers_base import compact_dtype, file_row_ids
from funnel.ingest.stacking import ids_for_names, one_email_column, people_in_several_files
from funnel.ingest.stagelists import read_stage_list, stage_list_set, stage_totals
from funnel.ingest.touches import drop_not_done


def build_dataset(
    tables: Iterable[tuple[str, RawTable]],
    *,
    mapping: Mapping | None = None,
    now: dt.datetime | None = None,
    day_first: bool | None = None,
    label: str = "",
    release: bool = False,
    should_stop: StopCheck | None = None,
) -> Dataset:
    """Type, validate and link read files into one :class:`Dataset`.

    Parameters
    ----------
    tables
        ``(role, table)`` pairs, or a generator of them (each is typed as it comes);
        several files may share a role (they are stacked). Roles are those in
        ``funnel.dataset.schema.ROLES``; at least one ``leads`` table. Each table's
        frame is put in one piece first (:meth:`RawTable.in_one_piece`, the same
        values), and the typed tables share its unchanged text columns.
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
    should_stop
        Called before each file is typed and before stacking, linking and checking;
        ``True`` stops the build with :class:`~funnel.dataset.errors.Cancelled`: no
        dataset is made, and without ``release`` the tables are as they were given.

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        When the files cannot make a lead table (no leads file, no usable columns).

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR, SAMPLE_FILES
    >>> from funnel.ingest.readers import read_file
    >>> ds = build_dataset([(r, read_file(SAMPLE_DIR / f)) for r, f in SAMPLE_FILES.items()])
    >>> ds.health.rows_read == ds.health.rows_kept + ds.health.rows_rejected
    True
    """
    mapping = mapping or Mapping()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    files = _type_files(tables, mapping, day_first=day_first, release=release,
                        should_stop=should_stop)
    stop_if(should_stop, "stacking the leads")
    leads = _stack_leads(files)
    stop_if(should_stop, "linking deals and activities to the leads")
    linked = _link(files, leads)
    if files.name_ids:
        leads, deals, activities = ids_for_names(linked.leads, linked.deals,
                                                 linked.activities, files.name_ids)
        linked = replace(linked, leads=leads, deals=deals, activities=activities)
    stop_if(should_stop, "checking the leads")
    return _check(files, linked, now=now, label=label)


@dataclass
class _Files:
    """Every file typed, by role, with what typing them found."""

    mapping: Mapping  # as used: the user's values; each role's columns from its first file
    names: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in ROLES})
    typed: dict[str, list[pl.DataFrame]] = field(default_factory=lambda: {r: [] for r in ROLES})
    reports: list[FileReport] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)  # unmapped lead columns
    lookups: list[tuple[RawTable, str, str]] = field(default_factory=list)  # (table, object, text)
    converted: dict[str, tuple[int, str]] = field(default_factory=dict)  # (n, model's text)
    name_ids: str = ""  # the leads' column of names linked on (Dynamics 365), else ""
    # compact text of the typed tables, one per build so that stacked files concatenate
    compact: pl.DataType = field(default_factory=compact_dtype)


@dataclass
class _Linked:
    """The stacked tables, linked to the leads."""

    leads: pl.DataFrame
    deals: pl.DataFrame | None
    activities: pl.DataFrame | None
    spend: pl.DataFrame | None
    outcome_info: bool  # whether anything says which leads were won


def _type_files(
    tables: Iterable[tuple[str, RawTable]], mapping: Mapping, *, day_first: bool | None,
    release: bool, should_stop: StopCheck | None = None,
) -> _Files:
    """Step 1: type each file as it comes (typing does not depend on the other files,
    so a caller that passes a generator never holds two files' text in memory at once)."""
    files = _Files(Mapping(values=dict(mapping.values)))
    for role, raw in tables:
        stop_if(should_stop, f"typing {raw.name}")
        if role == LOOKUP:  # joined to the leads once they are stacked
            model = file_model(raw.frame, raw.name)
            files.lookups.append((raw, model.object if model else "company",
                                  model.text if model else "lookup table"))
            files.reports.append(FileReport(raw.name, role, raw.format, raw.rows_read, 0, 0,
                                            {}, list(raw.notes), model.text if model else ""))
            continue
        _type_file(files, role, raw, mapping, day_first=day_first, release=release)
    if not files.names["leads"]:
        raise InputError("No leads file: choose which file holds the leads.")
    return files


def _type_file(
    files: _Files, role: str, raw: RawTable, mapping: Mapping, *, day_first: bool | None,
    release: bool,
) -> None:
    """Map and type one file, adding its typed rows, rejects, warnings and report."""
    if role not in ROLES:
        raise InputError(f"Unknown file role {role!r}; use one of {', '.join(ROLES)}.")
    files.names[role].append(raw.name)
    when = None
    if role == "activities":  # Salesforce: when it was done, else when it was due
        raw.frame, when = activity_time(raw.frame)
        raw = _done_only(files, raw)
    fixed = mapping.for_role(role)
    absent = [c for c in fixed.values() if c and c not in raw.columns]
    if absent:
        raise InputError(
            f"{raw.name}: the mapping names columns the file does not have: "
            f"{', '.join(map(repr, absent))}."
        )
    model = per_deal_records(file_model(raw.frame, raw.name), role)
    hints = model_hints(model, raw.frame, role, fixed)
    if when and "at" not in fixed:
        hints["at"] = when
    if (role == "leads" and model is not None and model.crm == "dynamics"
            and "lead_id" not in fixed and hints.get("lead_id")):
        files.name_ids = hints["lead_id"]  # names link the records, ids replace them after
    conv = converted_amount(raw.frame) if "amount" in FIELDS[role] else None
    if conv and "amount" not in hints:  # one currency, not each deal's own
        hints["amount"] = conv
    colmap = auto_map(raw.frame, role, fixed=hints)
    required = [f for f in REQUIRED[role] if f in colmap]
    if model is not None and model.crm == "opportunities":
        required = [f for f in required if f != "created_at"]  # not engaged yet: kept
    if role == "activities" and deal_column(raw.frame, besides=colmap.get("lead_id")):
        # one logged on a deal only: linked through the deal's lead once deals are linked
        required = [f for f in required if f != "lead_id"]
    t = type_table(raw, role, colmap, mapping.values, required=required,
                   renames={c: a for a, c in mapping.attributes.items()} if role == "leads"
                   else None,
                   day_first=bool(day_first if day_first is not None else raw.delimiter == ";"),
                   compact=files.compact)
    t.frame = apply_model(model, t.frame, role, warnings=t.warnings)
    for gone, why in ((deleted_rows(raw.frame, colmap), DELETED),  # the recycle bin
                      (meta_test_rows(model, raw.frame), TEST_LEAD)):
        if gone is not None:
            dead = t.frame[ROW].is_in(gone.implode())
            t.rejects.append(reject(t.frame, dead, why))
            t.frame = t.frame.filter(~dead)
    if (total := totals_rows(t.frame, role)) is not None:  # counted twice if kept
        t.rejects.append(reject(t.frame, total, TOTALS))
        t.frame = t.frame.filter(~total)
    if role == "leads" and (n := converted_leads(model, _kept(raw.frame, t.frame))):
        files.converted[raw.name] = (n, model.text)
    if not files.mapping.for_role(role):
        files.mapping.for_role(role).update(colmap)
        if role == "leads":
            files.mapping.leads.update(mapping.attributes)
    if role == "leads":
        named = {c: a for a, c in mapping.attributes.items()}
        files.attributes += [named.get(c) or extra_name(c, role) for c in raw.columns
                             if c not in colmap.values()
                             and (named.get(c) or extra_name(c, role)) not in files.attributes]
    files.typed[role].append(t.frame)
    files.warnings += unused_field_warnings(raw, role, colmap)
    cur = row_currencies(raw.frame) if "amount" in colmap and colmap["amount"] != conv else []
    if len(cur) > 1:  # summed as they are: say so
        files.warnings.append(mixed_currencies(raw.name, colmap["amount"], cur,
                                               int(t.frame["amount"].is_not_null().sum())))
    if release:
        raw.frame = raw.frame.clear()
    files.rejects += t.rejects
    files.warnings += raw.warnings + t.warnings
    files.reports.append(FileReport(raw.name, role, raw.format, raw.rows_read, 0, 0, colmap,
                                    raw.notes + t.notes, model.text if model else ""))
    files.rejects.append(reader_rejects(raw))


def _done_only(files: _Files, raw: RawTable) -> RawTable:
    """An activities file without its activities not done yet, rejected with that reason
    before typing (:func:`funnel.ingest.touches.drop_not_done`): a to-do has no done
    time, and would otherwise be rejected as without one."""
    rejects: list[pl.DataFrame] = []
    kept = drop_not_done(raw.frame.with_columns(pl.lit(raw.name).alias(FILE)),
                         rejects=rejects)
    if not rejects:
        return raw
    files.rejects += rejects
    return replace(raw, frame=kept.drop(FILE))


def _kept(raw: pl.DataFrame, typed: pl.DataFrame) -> pl.DataFrame:
    """The rows of a file's text that typing kept (all of them when none was rejected)."""
    if raw.height == typed.height:
        return raw
    return raw.filter(pl.col(ROW).is_in(typed[ROW].implode()))


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


def _stack_leads(files: _Files) -> pl.DataFrame:
    """Step 2: one lead table from every leads file; without an id column, each lead
    is identified by its row (and file, when there are several: also when only some
    files have an id column). Several files' own e-mail columns are one column, so
    that deals and activities naming a person by e-mail find the leads of every file;
    a person in several files (one e-mail) is said in a warning."""
    typed = files.typed["leads"]
    if len(typed) > 1:
        typed, renamed = one_email_column(typed)
        files.attributes = list(dict.fromkeys(renamed.get(a, a) for a in files.attributes))
        named = [f for f in typed if "lead_id" in f.columns]
        if named and len(named) < len(typed):  # one file's ids, another's rows
            typed = [f if "lead_id" in f.columns else f.with_columns(
                file_row_ids().alias("lead_id"))
                for f in typed]
            n = sum(f.height for f in typed) - sum(f.height for f in named)
            files.warnings.append(Warning_(
                "row_ids", f"{n:,} leads come from files without an id column: each is "
                "identified by its file and row number.", n, "info"))
    leads = _concat(typed)
    if (twice := people_in_several_files(leads)) is not None:
        files.warnings.append(twice)
    for raw, obj, text in files.lookups:
        leads, joined = join_lookup(leads, raw, obj=obj, text=text)
        files.attributes += [a for a in joined.attributes if a not in files.attributes]
        next(r for r in files.reports if r.name == raw.name).link = joined.text
    if "lead_id" not in leads.columns:
        leads = leads.with_columns(
            file_row_ids().alias("lead_id")
            if len(files.typed["leads"]) > 1 else pl.col(ROW).cast(pl.String).alias("lead_id"))
        files.warnings.append(Warning_(
            "row_ids", "No id column among the leads: each lead is identified by its row "
            "number in the file.", leads.height, "info"))
    return leads


def _link(files: _Files, leads: pl.DataFrame) -> _Linked:
    """Step 3: stack deals, activities and spend, link them to the leads, and give each
    lead its outcome, first response and touches."""
    outcome_info = any(c in leads.columns for c in ("outcome", "won_at", "stage", "lost_at"))
    deals = per_lead = None
    if files.typed["deals"]:
        headers = {"lead_id": files.mapping.deals.get("lead_id") or "lead id",
                   "deal_id": files.mapping.leads.get("deal_id") or "deal id"}
        deals, per_lead, text = link_deals(_concat(files.typed["deals"]), leads,
                                           deals_file=files.names["deals"][0],
                                           headers=headers, warnings=files.warnings)
        next(r for r in files.reports if r.role == "deals").link = text
        outcome_info = True
    leads = lead_outcomes(leads, per_lead, warnings=files.warnings)
    activities = None
    if files.typed["activities"]:
        activities, leads = link_activities(_concat(files.typed["activities"]), leads,
                                            files=files.names["activities"],
                                            rejects=files.rejects, warnings=files.warnings,
                                            lead_header=files.mapping.activities.get(
                                                "lead_id") or "lead id", deals=deals)
    spend = None
    if files.typed["spend"]:
        spend = _concat(files.typed["spend"])
        if "source" not in spend.columns and "campaign" not in spend.columns:
            raise InputError(f"{files.names['spend'][0]} has no source, channel or campaign "
                             "column, so its cost cannot be attributed.")
    return _Linked(leads, deals, activities, spend, outcome_info)


def _drop_empty(frame: pl.DataFrame, keep: Iterable[str]) -> pl.DataFrame:
    """``frame`` without the canonical lead fields that hold no value (except ``keep``)."""
    keep = set(keep)
    empty = [c for c in frame.columns
             if c not in keep and frame[c].null_count() == frame.height and c in FIELDS["leads"]]
    return frame.drop(empty)


def _check(files: _Files, linked: _Linked, *, now: dt.datetime, label: str) -> Dataset:
    """Step 4: count kept and rejected rows per file, check the leads, and assemble the
    dataset with its health report."""
    rejected = pl.concat([empty_rejects(), *files.rejects], how="vertical_relaxed")
    for rep in files.reports:
        n_rej = rejected.filter(pl.col("file") == rep.name).height
        rep.rows_rejected = n_rej
        rep.rows_kept = rep.rows_read - n_rej
    warnings = files.warnings
    # a converted lead's win lives on its opportunity: none can show as won without them
    wins_unknown = linked.deals is None and bool(files.converted)
    warnings += [wins_elsewhere(name, n, what=what) for name, (n, what) in files.converted.items()
                 if wins_unknown]
    warnings += check_usable(linked.leads, rejected, leads_file=files.names["leads"][0],
                             outcome_info=linked.outcome_info)
    warnings += lead_warnings(linked.leads, now=now, outcome_info=linked.outcome_info)
    leads = _drop_empty(linked.leads, keep=["lead_id", "outcome"])
    # a field set by or after the outcome is never a profile attribute (left_out_fields)
    leaked = {f for f, _ in outcome_fields(leads, files.attributes)}
    attributes = [a for a in files.attributes if a not in leaked]
    caps = capabilities(leads, deals=linked.deals, activities=linked.activities,
                        spend=linked.spend, attributes=attributes,
                        wins_unknown=WINS_ELSEWHERE if wins_unknown else None)
    health = Health(files.reports, rejected.sort("file", "row"), warnings, caps)
    return Dataset(leads, linked.deals, linked.activities, linked.spend, attributes,
                   files.mapping, health, label)


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
    cache: str | os.PathLike | None = None,
) -> Dataset:
    """Read export files from disk and build the :class:`Dataset` in one call.

    ``cache``: a folder for the typed cache (:class:`~funnel.ingest.cache.TypedCache`):
    the same files (by content) with the same mapping and sheet, on the same day, are
    then read from Parquet instead of parsed again. Off by default: the cache holds the
    client's data unmasked, for the analyst's own disk.

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR
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
    label = label or ", ".join(Path(p).name for p in lead_paths)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store = TypedCache(cache) if cache is not None else None
    key = export_key(specs, mapping=mapping, sheet=sheet, day=now.date()) if store else ""
    kept = store.get(key) if store else None
    if kept is not None:
        return replace(kept, label=label)
    # read lazily: each file is read, typed and released before the next is read
    tables = ((role, read_file(path, sheet=sheet)) for role, path in specs)
    ds = build_dataset(tables, mapping=mapping, now=now, release=True, label=label)
    if store:
        store.put(key, ds)
    return ds


def _models(tables: Sequence[RawTable]) -> list[FileModel | None]:
    """Each file's CRM model (:func:`~funnel.ingest.crm.file_model`), read once."""
    return [file_model(t.frame, t.name) for t in tables]


def _first_guesses(tables: Sequence[RawTable], models: list[FileModel | None]) -> list[str]:
    """Each file's role on its own: a lookup or activities by its model, else by headers
    and name."""
    return [LOOKUP if m is not None and m.object in LOOKUP_OBJECTS
            else "ignore" if m is not None and m.object == "campaign member"
            else "activities" if m is not None and m.object == "activity"
            else "deals" if m is not None and m.object in DEAL_OBJECTS
            else guess_role(t.frame, t.name) for t, m in zip(tables, models, strict=True)]


def _stage_lists(tables: Sequence[RawTable], roles: list[str],
                 models: list[FileModel | None]) -> dict[int, str]:
    """The stage lists among the files: only files no CRM model claims (a Salesforce
    leads and opportunities pair is linked, not counted)."""
    free = [r if m is None else None for r, m in zip(roles, models, strict=True)]
    return stage_list_set([t.name for t in tables], free)


def stage_list_totals(tables: Sequence[RawTable]) -> dict | None:
    """The period funnel of a stage-list export among ``tables`` (one file per stage, no
    common id): :func:`funnel.ingest.stagelists.stage_totals` of its lists, as the CLI
    JSON gives it; ``None`` when the files are not one.

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR, SAMPLE_FILES
    >>> stage_list_totals([read_file(SAMPLE_DIR / f) for f in SAMPLE_FILES.values()]) is None
    True
    """
    models = _models(tables)
    lists = _stage_lists(tables, _first_guesses(tables, models), models)
    if not lists:
        return None
    return stage_totals([read_stage_list(tables[i], s) for i, s in sorted(lists.items())])


def guess_roles(tables: Sequence[RawTable]) -> list[str]:
    """Guess each file's role; a companies, accounts or users export is a lookup
    (``"lookup"``); a one-column file (a README) next to a leads file is ``"ignore"``;
    in a stage-list export (one file per stage, see
    :mod:`funnel.ingest.stagelists`) the lead list holds the leads and the other lists
    are ``"ignore"`` (they are counted, not stacked); an opportunity-only export (one row
    per opportunity) holds the funnel's records, so it is the leads when no file is; when
    several files look like leads, the one whose ids are contained in another's becomes
    deals; an Account Engagement (Pardot) prospects export next to Salesforce leads is a
    lookup (its prospects are those leads: their score and grade join them).

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR, SAMPLE_FILES
    >>> files = [read_file(SAMPLE_DIR / f) for f in SAMPLE_FILES.values()]
    >>> guess_roles(files)
    ['leads', 'deals', 'activities', 'spend']
    """
    return _guess_roles(tables, _models(tables))


def _guess_roles(tables: Sequence[RawTable], models: list[FileModel | None]) -> list[str]:
    """:func:`guess_roles` with the files' models read."""
    roles = _first_guesses(tables, models)
    if any(m is not None and m.crm == "salesforce" and m.object in ("lead", "contact")
           for m in models):  # Pardot's prospects are those leads: their fields join them
        roles = [LOOKUP if m is not None and m.object == "prospect" else r
                 for r, m in zip(roles, models, strict=True)]
    narrow = [len(t.columns) < 2 for t in tables]  # a README among the exports
    if any(r == "leads" and not n for r, n in zip(roles, narrow, strict=True)):
        roles = ["ignore" if n else r for r, n in zip(roles, narrow, strict=True)]
    lists = _stage_lists(tables, roles, models)
    if lists:  # one file per stage, no common id: the lead list is the leads
        return [("leads" if lists[i] == "lead" else "ignore") if i in lists else r
                for i, r in enumerate(roles)]
    if "leads" not in roles:  # one row per opportunity: those are the funnel's records
        roles = ["leads" if m is not None and m.object in DEAL_OBJECTS else r
                 for r, m in zip(roles, models, strict=True)]
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


@dataclass
class GuessedFile:
    """One file given without a role: the ``table`` read (``None`` when it is not a
    table), the ``role`` guessed (``None``: left out) and the ``line`` saying so."""

    path: str
    table: RawTable | None
    role: str | None
    line: str
    stage: str | None = None  # in a stage-list export: the stage the file lists


def guess_files(
    paths: Sequence[str | os.PathLike], *, sheet: str | int | None = None,
) -> list[GuessedFile]:
    """Read files given without roles and guess each one's role as the app does; a file
    that is not a table (a README among the exports) is left out, and said so.

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR, SAMPLE_FILES
    >>> [g.role for g in guess_files([SAMPLE_DIR / f for f in SAMPLE_FILES.values()])]
    ['leads', 'deals', 'activities', 'spend']
    """
    read: list[tuple[str, RawTable | None, str]] = []
    for p in paths:
        name = Path(p).name
        try:
            table = read_file(p, sheet=sheet)
        except InputError as exc:
            read.append((str(p), None, f"{name}: left out ({exc})"))
            continue
        if len(table.columns) < 2:
            read.append((str(p), None, f"{name}: left out (not a table: one column only)."))
            continue
        read.append((str(p), table, ""))
    tables = [t for _, t, _ in read if t is not None]
    models = _models(tables)
    guessed = _guess_roles(tables, models)
    lists = _stage_lists(tables, _first_guesses(tables, models), models)
    stages = iter([lists.get(i) for i in range(len(tables))])
    roles, found = iter(guessed), iter(models)
    out = []
    for path, table, why in read:
        if table is None:
            out.append(GuessedFile(path, None, None, why))
            continue
        role, model, stage = next(roles), next(found), next(stages)
        said = f" ({model.text})" if model else f" (stage list: {stage})" if stage else ""
        role = None if role == "ignore" else role
        shown = role or (f"counted as the {stage} stage list" if stage else "left out")
        said = "" if role is None and stage else said
        out.append(GuessedFile(path, table, role, f"{table.name}: {shown}{said}", stage))
    return out
