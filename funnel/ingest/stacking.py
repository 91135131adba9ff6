"""Several leads files stacked into one lead table, and leads named by a person's name.

A lead file from one tool (Meta Lead Ads) and one from another (LinkedIn Lead Gen) name
their e-mail columns differently and may hold the same person; a Dynamics 365 lead is
referred to by its name. What stacking them needs lives here (see
:func:`funnel.ingest.build.build_dataset`).
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.tables import Warning_
from funnel.ingest.keys import email_columns, names_someone_else
from funnel.ingest.readers_base import FILE, file_row_ids


def one_email_column(typed: list[pl.DataFrame],
                      ) -> tuple[list[pl.DataFrame], dict[str, str]]:
    """Leads files whose own e-mail columns (Meta's ``email``, LinkedIn's *Email
    Address*) are renamed to the first file's, unless a file already has that name; and
    the names renamed (old → new).

    Examples
    --------
    >>> meta = pl.DataFrame({"email": ["a@x.example"]})
    >>> linkedin = pl.DataFrame({"Email Address": ["b@x.example"]})
    >>> frames, renamed = one_email_column([meta, linkedin])
    >>> frames[1].columns, renamed
    (['email'], {'Email Address': 'email'})
    """
    own = [next((c for c in email_columns(f) if not names_someone_else(c)), None)
           for f in typed]
    first = next((c for c in own if c is not None), None)
    renamed = {c: first for f, c in zip(typed, own, strict=True)
               if c not in (None, first) and first not in f.columns}
    return [f.rename({c: first}) if c in renamed and first not in f.columns else f
            for f, c in zip(typed, own, strict=True)], renamed


def people_in_several_files(leads: pl.DataFrame) -> Warning_ | None:
    """A warning when one e-mail is a lead in several leads files (a person who filled in
    two forms), or ``None``.

    Examples
    --------
    >>> leads = pl.DataFrame({"email": ["a@x.example", "A@x.example ", "b@x.example"],
    ...                       "__file": ["meta.csv", "linkedin.csv", "meta.csv"]})
    >>> people_in_several_files(leads).count
    1
    """
    cols = [c for c in email_columns(leads) if not names_someone_else(c)]
    if not cols or leads[FILE].n_unique() < 2:
        return None
    key = pl.col(cols[0]).cast(pl.String).str.strip_chars().str.to_lowercase()
    n = (leads.select(key.alias("k"), FILE).filter(pl.col("k") != "").drop_nulls()
         .group_by("k").agg(pl.col(FILE).n_unique().alias("files"))
         .filter(pl.col("files") > 1).height)
    if not n:
        return None
    who = ("1 person (one e-mail) is a lead" if n == 1
           else f"{n:,} people (one e-mail each) are leads")
    return Warning_("people_in_several_files",
                    f"{who} in several of the leads files; each file's row counts as a lead.", n)


def ids_for_names(
    leads: pl.DataFrame, deals: pl.DataFrame | None, activities: pl.DataFrame | None,
    column: str,
) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    """The linked tables (leads, deals, activities) with each lead's id, a person's
    name (a Dynamics 365 lead is named by its Name where opportunities and activities
    refer to it), replaced by its file and row: a name is personal data, and an id is
    never masked. The name stays in ``column``, with the other personal fields.

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["Eva Costa"], "__file": ["l.csv"], "__row": [2]})
    >>> deals = pl.DataFrame({"deal_id": ["d1", "d2"], "lead_id": ["Eva Costa", None]})
    >>> out = ids_for_names(leads, deals, None, "Name")
    >>> out[0]["lead_id"].to_list(), out[1]["lead_id"].to_list(), out[0]["Name"].to_list()
    (['l.csv:2'], ['l.csv:2', None], ['Eva Costa'])
    """
    new = file_row_ids()
    keyed = (leads.select(pl.col("lead_id").alias("_old"), new.alias("_new"))
             .unique("_old", keep="first", maintain_order=True))

    def swap(frame: pl.DataFrame | None) -> pl.DataFrame | None:
        if frame is None or "lead_id" not in frame.columns:
            return frame
        return (frame.join(keyed, left_on="lead_id", right_on="_old", how="left",
                           maintain_order="left")
                .with_columns(pl.col("_new").alias("lead_id")).drop("_new"))

    leads = leads.with_columns(pl.col("lead_id").alias(column), new.alias("lead_id"))
    return leads, swap(deals), swap(activities)
