"""Data: the sample by default, or the user's uploaded exports; mapping and health."""

import streamlit as st

from funnel import FIELDS
from funnel.dataset.format import header
from funnel.dataset.privacy import mask_personal, personal_columns
from funnel.ingest.readers import ROW
from funnel.ingest.stagelists import STAGE_LIST_LINE
from ui import state
from ui.format import grid, md_escape
from ui.frame import require_frame
from ui.sections import data as upload

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Data")
banner = st.empty()  # filled once the uploads below are processed

shared = state.is_shared_view()
files = None if shared else st.file_uploader(
    "CRM exports: leads/contacts, and optionally deals, activities and spend "
    "(CSV, Excel or Parquet; several files at once)",
    accept_multiple_files=True, key=f"uploader:{st.session_state.get('uploader_key', 0)}",
)
kept = None if files else upload.kept_upload()  # the upload, after leaving this page
if files or kept:
    tables = upload.read_uploads(files) if files else kept[0]
    if tables:
        mapping = upload.mapping_for(tables)
        if files:
            roles = upload.choose_roles(tables)
        else:
            st.caption(f"Showing earlier upload: {md_escape(state.current_dataset().label)}")
            roles = kept[1]
            upload.show_roles(tables, roles)
        ds = upload.build(tables, roles, mapping)
        if ds is not None:
            state.set_dataset(ds)
            upload.keep_upload_tables(tables, roles, ds)
            if files:
                st.success(f"Loaded {ds.leads.height:,} leads from {md_escape(ds.label)}.")
            if upload.stage_lists_of(ds) is not None:
                st.info(f"{STAGE_LIST_LINE} The period funnel per channel and month is on "
                        "the Sources & cost page.", icon=":material/view_list:")
        else:
            shows = "the sample" if state.is_sample() else state.current_dataset().label
            st.warning(f"Nothing below comes from these files: it still shows {md_escape(shows)}.")
        with st.expander("How the columns were read",
                         expanded=ds is None or upload.label_questions_open(ds)):
            if ds is not None:
                upload.explain_panel(tables, ds, mapping)
            upload.review_mapping(tables, roles, ds, mapping)
elif not state.is_sample() and not shared:
    st.caption(f"Showing earlier upload: {md_escape(state.current_dataset().label)}")

ds = state.current_dataset()
if state.is_sample():
    banner.info("You are looking at the **bundled sample data** (generated, not a client's). "
                "Drop your own CRM exports below to analyse them.", icon=":material/science:")
if not state.is_sample() and not shared and st.button("Clear my data and go back to the sample"):
    state.reset_to_sample()
    st.rerun()

st.header("Data health")
upload.health_panel(ds)
st.header("Lead table")
shown = [c for c in ds.leads.columns if not c.startswith("__")]
canon = [c for c in shown if c in FIELDS["leads"] or c in ("outcome", "touches", "deals")]
st.caption(f"{ds.leads.height:,} leads · {len(canon)} canonical fields · "
           f"{len(ds.attributes)} profile attributes · first 500 rows, row = row in its file")
table = ds.leads.select([*canon, *[c for c in shown if c not in canon], ROW]).head(500)
personal = personal_columns(table)
if personal and state.is_restored():
    st.caption("Restored after a browser reload: names, e-mails and phone numbers are "
               "pseudonymised in this copy and cannot be revealed.")
if not personal or not state.can_reveal_personal() or not st.toggle(
        "Show personal fields", key="data:reveal",
        help="Names, e-mails and phone numbers are masked by default."):
    table = mask_personal(table, columns=personal)
# the canonical fields under plain-language names; the client's own columns as they are
grid(table.rename({c: header(c) for c in [*canon, ROW] if header(c) not in table.columns}),
     hide_index=True)
