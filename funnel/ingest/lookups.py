"""Lookup tables: companies and accounts whose fields describe the leads, users and
owners whose names replace their ids.

A lookup file (a HubSpot companies export, a Salesforce accounts or users report, a
Pipedrive organizations export) plays the role :data:`LOOKUP`. Its id column is matched
by value (:func:`funnel.ingest.crm.id_key`) against every column of the leads; the lead
column with the most matches is the link. A company's or account's other fields
(industry, size, country …) become profile attributes of its leads; a user's name
replaces the id in the lead column it matched (an owner id of 005… becomes a name).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from funnel.dataset.privacy import personal_columns
from funnel.dataset.schema import FIELDS, is_text, normalise_header
from funnel.ingest.crm import PARDOT_LINKS, id_key
from funnel.ingest.parsing import infer_attribute
from funnel.ingest.readers import RawTable

LOOKUP = "lookup"
"""The role of a lookup file (next to ``funnel.dataset.schema.ROLES``)."""

LOOKUP_OBJECTS = ("company", "account", "user")
"""The CRM objects (:class:`funnel.ingest.crm.FileModel` ``object``) read as lookups."""

_ID_HEADERS = ("record id", "id", "account id", "company id", "organization id", "user id",
               "owner id", "organisation id")
_NAME_HEADERS = ("full name", "name", "user", "owner name", "user name")


@dataclass
class Joined:
    """What one lookup did: the lead ``column`` it matched, how many leads ``matched``,
    the ``attributes`` it added, and the sentence the Data page shows."""

    column: str | None
    matched: int
    attributes: list[str]
    text: str


def _id_column(raw: RawTable) -> str | None:
    by_header = {normalise_header(c): c for c in raw.columns}
    for h in _ID_HEADERS:
        if h in by_header:
            return by_header[h]
    return next((c for c in raw.columns if normalise_header(c).endswith(" id")), None)


def _best_column(leads: pl.DataFrame, keys: pl.Series, *,
                 with_id: bool = False) -> tuple[str | None, int]:
    """The lead column whose values match most of the lookup's ids (``lead_id`` too
    when ``with_id``)."""
    wanted = keys.drop_nulls().unique().implode()
    best, hits = None, 0
    for c, dtype in leads.schema.items():
        if c.startswith("__") or (c == "lead_id" and not with_id) or not (
                is_text(dtype) or dtype in (pl.Float64, pl.Int64)):
            continue
        n = int(id_key(leads[c]).is_in(wanted).sum())
        if n > hits:
            best, hits = c, n
    return best, hits


def _prospect_fields(raw: RawTable, links: list[str], taken: set[str],
                     present: set[str]) -> dict[str, str]:
    """A prospects export's columns to join, with their names among the leads: not its
    ids, links, dates or personal fields; its *Score* is the leads' ``score`` when they
    have none (the marketing score the diagnosis compares with the outcome)."""
    personal = personal_columns(raw.frame.select([c for c in raw.columns
                                                  if not c.startswith("__")]))
    out = {}
    for c in raw.columns:
        h = normalise_header(c)
        if (c.startswith("__") or c in links or c in personal
                or h in ("id", "prospect id", "assigned user", "assigned to", "owner")
                or any(w in h for w in ("date", "time", " id", " fid"))):
            continue
        out[c] = "score" if h == "score" and "score" not in present else (
            c if c not in taken else f"{c} (prospect)")
    return out


def _join_prospects(leads: pl.DataFrame, raw: RawTable, *, text: str,
                    ) -> tuple[pl.DataFrame, Joined]:
    """An Account Engagement (Pardot) prospects export joined to the Salesforce leads it
    is synced with: each prospect's *CRM Lead FID* matched against the leads' ids, its
    *CRM Contact FID* against the lead column holding contacts (a converted lead's
    ``ConvertedContactId``). Prospects without a Salesforce lead here are Pardot's only
    (never handed to sales) and are counted, not added."""
    links = [c for c in raw.columns if normalise_header(c) in PARDOT_LINKS]
    taken = set(leads.columns) | set(FIELDS["leads"])
    names = _prospect_fields(raw, links, taken, set(leads.columns))
    table = raw.text()
    matched = pl.Series([False] * table.height)
    out = leads.with_columns(pl.lit(None, pl.UInt32).alias("__p"))
    used = []
    for link in links:
        keys = id_key(table[link])
        column, hits = _best_column(leads, keys, with_id=True)
        if column is None:
            continue
        found = keys.is_in(id_key(leads[column]).implode()).fill_null(False)
        matched = matched | found
        rows = (pl.DataFrame({"__k": keys, "__r": pl.int_range(0, table.height, eager=True,
                                                                 dtype=pl.UInt32)})
                .drop_nulls("__k").unique("__k", keep="first", maintain_order=True))
        out = (out.with_columns(id_key(leads[column]).alias("__k"))
               .join(rows, on="__k", how="left", maintain_order="left")
               .with_columns(pl.coalesce("__p", "__r").alias("__p")).drop("__k", "__r"))
        used.append(f"{column} ({link})")
    joined = int(out["__p"].is_not_null().sum())
    if not joined:
        return leads, Joined(None, 0, [], f"{raw.name}: {text}; none of its prospects is "
                             "among the leads, so it is not joined.")
    fields = table.select([pl.col(c).alias(n) for c, n in names.items()]).with_row_index("__p")
    typed = fields.with_columns([infer_attribute(fields[n]).alias(n) for n in names.values()])
    out = out.join(typed.cast({"__p": pl.UInt32}), on="__p", how="left",
                   maintain_order="left").drop("__p")
    synced = table.select(pl.any_horizontal(
        pl.col(c).cast(pl.String).str.strip_chars().ne("").fill_null(False) for c in links)
    ).to_series()
    added = list(names.values())
    said = (f"{raw.name}: {text}, joined to {joined:,} of {leads.height:,} leads by "
            f"{' and '.join(used)}: adds {', '.join(added)}")
    if n := int((~synced).sum()):  # never synced: marketing's own, not sales leads
        said += (f"; {n:,} prospect{'s are' if n > 1 else ' is'} in no Salesforce lead or "
                 "contact (marketing's only): not added as leads")
    if n := int((synced & ~matched).sum()):
        said += (f"; {n:,} name{'' if n > 1 else 's'} a Salesforce record not among these "
                 "leads")
    return out, Joined(used[0].split(" (")[0], joined, [a for a in added if a != "score"],
                       said + ".")


def join_lookup(
    leads: pl.DataFrame, raw: RawTable, *, obj: str, text: str,
) -> tuple[pl.DataFrame, Joined]:
    """``leads`` with one lookup file joined (see the module), and what it did.

    Examples
    --------
    >>> from funnel.ingest.readers import ROW
    >>> leads = pl.DataFrame({"lead_id": ["1", "2"], "Company IDs": ["7", "8"]})
    >>> raw = RawTable("c.csv", "csv", pl.DataFrame({"Record ID": ["7"], "Industry": ["Retail"],
    ...                ROW: [2]}), 1)
    >>> out, j = join_lookup(leads, raw, obj="company", text="HubSpot companies export")
    >>> out["Industry"].to_list(), j.attributes
    (['Retail', None], ['Industry'])
    """
    if obj == "prospect":
        return _join_prospects(leads, raw, text=text)
    id_col = _id_column(raw)
    if id_col is None:
        return leads, Joined(None, 0, [], f"{raw.name}: {text}, but no id column to join.")
    keys = id_key(raw.column(id_col))
    column, hits = _best_column(leads, keys)
    if column is None:
        return leads, Joined(None, 0, [], f"{raw.name}: {text}; none of its ids "
                             f"({id_col}) is found among the leads, so it is not joined.")
    table = raw.text().with_columns(keys.alias("__k")).unique("__k", keep="first")
    link = id_key(leads[column]).alias("__k")
    said = f"{raw.name}: {text}, joined to {hits:,} of {leads.height:,} leads by {column}"
    if obj == "user":
        by_header = {normalise_header(c): c for c in raw.columns}
        name = next((by_header[h] for h in _NAME_HEADERS if h in by_header), None)
        if name is None:
            return leads, Joined(column, 0, [], f"{said}; it has no name column.")
        names = table.select("__k", pl.col(name).alias("__name"))
        out = leads.with_columns(link).join(names, on="__k", how="left", maintain_order="left")
        out = out.with_columns(pl.coalesce("__name", column).alias(column)).drop(
            "__k", "__name")
        return out, Joined(column, hits, [], f"{said}: ids replaced by names.")
    skip = {id_col}
    fields = [c for c in raw.columns if c not in skip
              and not any(w in normalise_header(c) for w in ("date", "time", " id"))]
    taken = set(leads.columns) | set(FIELDS["leads"])
    names = {c: c if c not in taken else f"{c} ({obj})" for c in fields}
    typed = table.select("__k", *[pl.col(c).alias(names[c]) for c in fields])
    typed = typed.with_columns([infer_attribute(typed[n]).alias(n) for n in names.values()])
    out = leads.with_columns(link).join(typed, on="__k", how="left",
                                        maintain_order="left").drop("__k")
    added = list(names.values())
    return out, Joined(column, hits, added, f"{said}: adds {', '.join(added)}.")
