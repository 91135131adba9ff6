"""The Data page: the upload flow (parse each file once, guess roles, build the dataset per
session, review the mapping) and the data-health panel."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

import funnel
from funnel import Dataset, InputError, Mapping, RawTable
from funnel.dataset.schema import FIELDS
from funnel.ingest.build import stage_list_totals
from funnel.ingest.crm import file_model
from funnel.ingest.explain import explain_columns
from funnel.ingest.models import model_lines
from funnel.outputs.export import to_csv
from ui import state
from ui.format import column_config, grid, md_escape
from ui.memo import memo
from ui.state import forget_other_uploads, is_shared_view, parse_upload
from ui.widgets import mapping as editors

ROLE_LABELS = {"leads": "Leads / contacts", "deals": "Deals / opportunities",
               "activities": "Sales activities", "spend": "Marketing spend",
               "lookup": "Lookup: companies, accounts or users",
               "ignore": "Ignore this file"}


def read_uploads(files: list) -> list[RawTable]:
    """Parse uploads with a progress bar; show each unusable file's one-line reason."""
    tables: list[RawTable] = []
    keys = set()
    bar = st.progress(0.0, text="Reading files…")
    for i, f in enumerate(files):
        bar.progress(i / len(files),
                     text=f"Reading {md_escape(f.name)} ({i + 1} of {len(files)})…")
        sheet = st.session_state.get(f"sheet:{f.name}")
        key, t = parse_upload(f, sheet=sheet)
        keys.add(key)
        if isinstance(t, str):
            st.error(md_escape(t), icon=":material/error:")
            continue
        taken = {x.name for x in tables}
        if t.name in taken:  # two uploads with one name: tell them apart everywhere
            n = 2
            while f"{t.name} ({n})" in taken:
                n += 1
            label = f"{t.name} ({n})"
            t = replace(t, name=label,
                        rejected=[replace(r, file=label) for r in t.rejected])
        tables.append(t)
    bar.empty()
    forget_other_uploads(keys)
    return tables


def _ident(t: RawTable) -> tuple:
    """Which parsed file this is: stable across reruns (the parsed frame is cached per
    session) and shared by a copy renamed to tell two same-named uploads apart."""
    return t.name, id(t.frame)


def choose_roles(tables: list[RawTable]) -> list[str]:
    """Show each file with its guessed role (and sheet) and let the user change them."""
    idents = [_ident(t) for t in tables]
    memo = st.session_state.get("role_guesses")
    if not memo or memo[0] != idents:  # guess once per set of files, not every rerun
        memo = (idents, funnel.guess_roles(tables),
                [file_model(t.frame, t.name) for t in tables])
        st.session_state["role_guesses"] = memo
    guesses, models = memo[1], memo[2]
    roles = []
    for i, (t, guess) in enumerate(zip(tables, guesses, strict=True)):
        c = st.columns([3, 2, 2])
        c[0].markdown(f"**{md_escape(t.name)}** · {t.format} · {t.rows_read:,} rows")
        if guess == "ignore" and models[i] is not None:  # why it is left out
            c[0].caption(md_escape(models[i].text))
        roles.append(c[1].selectbox("holds", list(ROLE_LABELS), list(ROLE_LABELS).index(guess),
                                    format_func=ROLE_LABELS.get, key=f"role:{i}:{t.name}",
                                    label_visibility="collapsed"))
        if len(t.sheets) > 1:
            c[2].selectbox("sheet", t.sheets, t.sheets.index(t.sheet), key=f"sheet:{t.name}",
                           label_visibility="collapsed")
    return roles


def mapping_for(tables: list[RawTable]) -> Mapping:
    """The mapping the user applied or loaded for exactly these files, else none."""
    if st.session_state.get("mapping_tables") != [_ident(t) for t in tables]:
        st.session_state.pop("mapping", None)
    return st.session_state.get("mapping") or Mapping()


def _keep_mapping(mapping: Mapping, tables: list[RawTable]) -> None:
    st.session_state["mapping"] = mapping
    st.session_state["mapping_tables"] = [_ident(t) for t in tables]


def build(tables: list[RawTable], roles: list[str], mapping: Mapping) -> Dataset | None:
    """Build (once per distinct input) this session's dataset; show why if it cannot.
    The build stops, keeping nothing, when the browser session has gone
    (:func:`ui.state.stopped_if_gone`)."""
    pairs = [(r, t) for r, t in zip(roles, tables, strict=True) if r != "ignore"]
    key = (tuple((r, _ident(t)) for r, t in pairs), mapping.to_json())
    memo = st.session_state.get("built")
    if memo and memo[0] == key:
        return memo[1]
    try:
        with st.spinner("Mapping, checking and linking the rows…"), \
                state.stopped_if_gone() as should_stop:
            ds = funnel.build_dataset(pairs, mapping=mapping,
                                      label=", ".join(t.name for _, t in pairs),
                                      should_stop=should_stop)
    except InputError as exc:
        st.error(md_escape(str(exc)), icon=":material/error:")
        return None
    st.session_state["built"] = (key, ds)
    return ds


UPLOAD_KEY = "upload_tables"
"""Session key of the files (parsed) and roles the session's upload was built from, so
the mapping screen stays reachable after leaving the Data page."""


STAGE_LISTS_KEY = "stage_lists"
"""Session key of the period funnel of a stage-list upload: ``(dataset, stage totals)``."""


def keep_upload_tables(tables: list[RawTable], roles: list[str], ds: Dataset) -> None:
    """Remember the files and roles ``ds`` was built from (for :func:`kept_upload`), and
    the stage totals of a stage-list export among them (for :func:`stage_lists_of`)."""
    kept = st.session_state.get(STAGE_LISTS_KEY)
    if kept is None or kept[0] is not ds:  # once per dataset, not every rerun
        st.session_state[STAGE_LISTS_KEY] = (ds, stage_list_totals(tables))
    st.session_state[UPLOAD_KEY] = (tables, roles, ds)


def stage_lists_of(ds: Dataset) -> dict | None:
    """The stage totals (:func:`funnel.ingest.build.stage_list_totals`, as in the CLI
    JSON) when ``ds`` was built from a stage-list export uploaded in this session."""
    kept = st.session_state.get(STAGE_LISTS_KEY)
    return kept[1] if kept is not None and kept[0] is ds else None


def kept_upload() -> tuple[list[RawTable], list[str]] | None:
    """The files and roles of this session's dataset when it is an upload built on this
    page (not the sample, nor a copy restored after a reload), else ``None``."""
    kept = st.session_state.get(UPLOAD_KEY)
    if kept is None or state.is_sample() or kept[2] is not state.current_dataset():
        st.session_state.pop(UPLOAD_KEY, None)  # cleared, restored or replaced: forget
        if state.is_sample():
            st.session_state.pop(STAGE_LISTS_KEY, None)
        return None
    return kept[0], kept[1]


def show_roles(tables: list[RawTable], roles: list[str]) -> None:
    """The files of an earlier upload with the roles they were read in (read-only)."""
    for t, role in zip(tables, roles, strict=True):
        st.markdown(f"**{md_escape(t.name)}** · {t.format} · {t.rows_read:,} rows · "
                    f"{ROLE_LABELS.get(role, role).lower()}")


def label_questions_open(ds: Dataset | None) -> bool:
    """Whether some outcome or stage labels were not recognised (the mapping screen asks
    about them, so it opens)."""
    return ds is not None and any(w.code in ("unknown_outcome", "unknown_stage")
                                  for w in ds.health.warnings)


def explain_panel(tables: list[RawTable], ds: Dataset, mapping: Mapping) -> None:
    """Each automatic pick of each file explained in one line
    (:func:`funnel.ingest.explain.explain_columns`), with the CRM model and link."""
    by_name = {t.name: t for t in tables}
    files = [(f, by_name[f.name]) for f in ds.health.files
             if f.name in by_name and f.role in FIELDS and f.columns]
    explained = memo("explain", lambda d, _m: [
        explain_columns(t.frame, f.role, f.columns, given=mapping.for_role(f.role),
                        model=f.model, day_first=t.delimiter == ";") for f, t in files],
        ds, mapping.to_json())  # once per dataset and mapping, not every rerun
    for (f, _), rows in zip(files, explained, strict=True):
        st.markdown(f"**{md_escape(f.name)}** ({ROLE_LABELS[f.role].lower()})"
                    + (f": {md_escape(f.model)}" if f.model else ""))
        grid(pl.DataFrame(rows, schema={"field": pl.String, "column": pl.String,
                                        "how": pl.String, "why": pl.String}),
             hide_index=True, column_config={"why": st.column_config.TextColumn(width="large")})
        if f.link:
            st.caption(md_escape(f.link))


def review_mapping(tables: list[RawTable], roles: list[str], ds: Dataset | None,
                   mapping: Mapping) -> None:
    """Field-by-field mapping review with sample values; the outcome and stage labels not
    recognised asked about (with their counts); apply, save or load it."""

    choices = Mapping(values=dict(mapping.values))
    for role, t in zip(roles, tables, strict=True):
        if role not in FIELDS or choices.for_role(role):
            # a file to ignore or a lookup table has no field mapping; one editor per role:
            # the first file of it decides its columns
            continue
        st.markdown(f"**{md_escape(t.name)}** ({ROLE_LABELS[role].lower()})")
        used = next((f.columns for f in ds.health.files if f.name == t.name), {}) if ds else {}
        current = {**used, **mapping.for_role(role)}
        picked = editors.mapping_editor(role, t, current, key=f"map:{t.name}:{role}")
        choices.for_role(role).update(picked)
        for field in ("outcome", "stage"):
            if picked.get(field) and picked[field] in t.columns:
                asked = editors.label_questions(field, t, picked[field], mapping)
                if asked:
                    st.warning(
                        f"{len(asked)} {field} label{'s' if len(asked) > 1 else ''} in "
                        f"{md_escape(repr(picked[field]))} not recognised "
                        f"({sum(asked.values()):,} rows): say what each means below, then "
                        "Apply. Until then they count as neither won nor lost.",
                        icon=":material/help:")
                st.caption(f"What each {field} label in {md_escape(repr(picked[field]))} means "
                           "(kept in the mapping file's values)")
                edited = editors.values_editor(field, t, picked[field], mapping,
                                              key=f"val:{t.name}:{field}")
                choices.values[field] = {**choices.values.get(field, {}), **edited}
    c = st.columns(3)
    if c[0].button("Apply mapping", type="primary"):
        _keep_mapping(choices, tables)
        st.rerun()
    c[1].download_button("Save mapping", choices.to_json(), "export.mapping.json",
                         "application/json")
    loaded = c[2].file_uploader("Load a mapping (*.mapping.json)", type=["json"],
                                key="mapping_file")
    if loaded is not None and st.session_state.get("mapping_file_id") != loaded.file_id:
        st.session_state["mapping_file_id"] = loaded.file_id
        try:
            _keep_mapping(Mapping.from_json(loaded.getvalue()), tables)
        except InputError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
        else:
            st.rerun()


CAPABILITY_MARKS = {"available": "✓", "partial": "partial", "unavailable": "✗"}
"""How the Data page marks each capability status."""


def capability_table(capabilities: list) -> pl.DataFrame:
    """The "What this data can show" table: ``can show`` (✓ / partial / ✗), ``analysis``
    and ``because`` (the same reason the CLI's JSON gives, counts included)."""
    return pl.DataFrame([{"can show": CAPABILITY_MARKS[c.status], "analysis": c.analysis,
                          "because": c.reason} for c in capabilities],
                        schema={"can show": pl.String, "analysis": pl.String,
                                "because": pl.String})


def health_panel(ds: Dataset) -> None:
    """Row accounting per file, warnings, rejected rows and what the data supports."""
    h = ds.health
    c = st.columns(5)
    c[0].metric("Rows read", f"{h.rows_read:,}", help="Data rows in all files")
    c[1].metric("Rows kept", f"{h.rows_kept:,}")
    c[2].metric("Rows rejected", f"{h.rows_rejected:,}", help="Listed below with reasons")
    c[3].metric("Leads", f"{ds.leads.height:,}")
    won = int((ds.leads["outcome"] == "won").sum()) if "outcome" in ds.leads.columns else None
    c[4].metric("Won", f"{won:,}" if won is not None else "—",
                help="Leads won (any won deal, or a won outcome on the lead)")
    files = pl.DataFrame([{"file": f.name, "holds": f.role, "format": f.format,
                           "rows read": f.rows_read, "rows kept": f.rows_kept,
                           "rows rejected": f.rows_rejected, "notes": " ".join(f.notes)}
                          for f in h.files])
    grid(files, hide_index=True, column_config=column_config(files, renamed=False))
    for line in model_lines(ds):  # the CRM model recognised, and the link used
        st.caption(md_escape(line))
    for w in h.warnings:
        (st.warning if w.level == "warning" else st.info)(md_escape(w.message))
    if h.rows_rejected:
        with st.expander(f"Rejected rows ({h.rows_rejected:,}) and why", expanded=True):
            reasons = h.rejected.group_by("reason").len("rows").sort("rows", descending=True)
            grid(reasons.head(50), hide_index=True,
                 column_config=column_config(reasons, renamed=False))
            # row numbers are line numbers in the file: no thousands separators
            grid(h.rejected.head(1000), hide_index=True, column_config={
                "row": st.column_config.NumberColumn("row in file", format="%d")})
            if not is_shared_view():  # row-level: never for a viewer of a shared link
                st.download_button("Download all rejected rows (CSV)",
                                   lambda: to_csv(h.rejected),  # on click; formulas neutralised
                                   "rejected_rows.csv", "text/csv")
    st.markdown("**What this data can show**")
    grid(capability_table(h.capabilities), hide_index=True,
         column_config={"can show": st.column_config.TextColumn(width="small"),
                        "because": st.column_config.TextColumn(width="large")})
    st.caption("✓ available · partial: only for the leads that have the field, or the field "
               "is recorded mostly for one outcome (then a split by it cannot explain who "
               "wins) · ✗ unavailable")


