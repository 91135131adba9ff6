"""Find the link between deals and leads by the values of the columns, not their names.

A deals file may carry its lead in a column (``Deal - Person ID``, HubSpot's
``Associated Contact IDs`` or ``Associated Contact`` = ``Jane Doe (101)``), or the leads
may carry their deal (Salesforce's ``Converted Opportunity ID``). Every such candidate
is tried; the link is the column whose values match the other table's ids (compared as
:func:`funnel.ingest.crm.id_key`: 15- and 18-character Salesforce ids, case and spaces
folded). A header alone never decides: a ``Contact ID`` of Salesforce contacts (003…)
does not link to lead ids (00Q…), and when nothing matches the message says what the
columns hold. When the deals come from another system than the leads (marketing in
HubSpot, sales in Pipedrive), the person's e-mail is often the only key both share: a
deals column whose values are e-mail addresses is also compared with each leads column
whose values are each lead's own (case and spaces folded; not an owner's), and kept when
it matches more; so is a deals column of contact ids whose values a leads column of its
person's ids holds (Salesforce's ``Converted Contact ID``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from funnel.dataset.format import percent
from funnel.dataset.schema import is_text, normalise_header
from funnel.dataset.tables import Dataset
from funnel.ingest.crm import association_ids, id_key, id_kinds
from funnel.ingest.readers_base import FILE

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
"""An e-mail address, as a column's values are recognised by."""

ASSOCIATION_CELL = r"\([^()]+\)|[;|]"
"""A cell naming one or more records: ``Jane Doe (101)``, ``101;102``, ``101|102``."""
EMAIL_SHARE = 0.8
"""Least share of a column's first filled values that are e-mail addresses for it to be
compared as e-mails."""

_DEAL_SIDE_WORDS = ("contact", "lead", "person", "associated", "prospect", "customer", "mql")
_LEAD_SIDE_WORDS = ("opportunity", "deal")
_SHARED_WORDS = ("contact", "person")  # a lead's own person, as the deals may name it


@dataclass
class Link:
    """The link chosen: ``side`` ``"deals"`` (a deals column holds lead ids) or
    ``"leads"`` (a leads column holds deal ids), the ``column`` in the typed table and
    ``header`` in the export, the distinct values that ``matched`` of ``values``, and
    ``pairs`` (``deal_id, lead_id``, one row per link)."""

    side: str
    column: str
    header: str
    matched: int
    values: int
    pairs: pl.DataFrame

    def text(self, deals: int, linked: int) -> str:
        """The sentence the Data page shows."""
        whose = "the deals'" if self.side == "deals" else "the lead's"
        share = f" ({percent(linked / deals)})" if deals else ""
        return (f"The link between deals and leads is {whose} {self.header}: {linked:,} of "
                f"{deals:,} deals have a lead in this export{share}.")


def _candidates(frame: pl.DataFrame, own: str, words: tuple[str, ...]) -> list[str]:
    """The mapped link field ``own`` (when present) and the other columns whose header
    names a related record."""
    out = [own] if own in frame.columns else []
    for c in frame.columns:
        if c == own or c.startswith("__"):
            continue
        h = normalise_header(c)
        if any(w in h for w in words) and (is_text(frame.schema[c])
                                          or frame.schema[c] in (pl.Int64, pl.Float64)):
            out.append(c)
    return out


def _keys(frame: pl.DataFrame, id_col: str, col: str, *, cells: bool,
          email: bool = False) -> pl.DataFrame:
    """``id_col`` and each key its row's ``col`` holds (an association cell may hold
    several): an id as :func:`~funnel.ingest.crm.id_key`, an e-mail (``email``) trimmed
    and in lower case."""
    values = frame[col].cast(pl.String)
    out = pl.DataFrame({"_id": frame[id_col], "_v": association_ids(values) if cells
                        else values})
    out = (out.explode("_v") if cells else out).drop_nulls()
    return out.with_columns(_email_key(pl.col("_v")) if email
                            else id_key(out["_v"]).alias("_k"))


def has_cells(values: pl.Series) -> bool:
    """Whether a column's first filled values are association cells
    (:data:`ASSOCIATION_CELL`; HubSpot's *Associated Deal IDs* = ``9001;9002``).

    Examples
    --------
    >>> has_cells(pl.Series(["9001;9002", None])), has_cells(pl.Series(["9001"]))
    (True, False)
    """
    head = values.drop_nulls().head(2_000).cast(pl.String)
    return bool(head.str.contains(ASSOCIATION_CELL).any())


def find_link(
    deals: pl.DataFrame, leads: pl.DataFrame, *, headers: dict[str, str],
) -> tuple[Link | None, list[str]]:
    """The column linking deals and leads by its values, and what each candidate holds.

    ``headers`` maps a typed column name to its export header (for messages). Returns
    the best link (``None`` when no candidate matches any id) and, per candidate, a
    phrase describing its values (for the message when nothing matches; empty when
    there is no candidate at all).

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["101", "102"]})
    >>> deals = pl.DataFrame({"deal_id": ["9", "8"], "Associated Contact": ["Jane (101)", "x"]})
    >>> link, _ = find_link(deals, leads, headers={})
    >>> link.header, link.pairs.rows()
    ('Associated Contact', [('9', '101')])
    """
    lead_keys = _keys(leads, "lead_id", "lead_id", cells=False).rename({"_id": "lead_id"})
    deal_keys = _keys(deals, "deal_id", "deal_id", cells=False).rename({"_id": "deal_id"})
    best: Link | None = None
    seen: list[str] = []
    for side, frame, own, words in (("deals", deals, "lead_id", _DEAL_SIDE_WORDS),
                                    ("leads", leads, "deal_id", _LEAD_SIDE_WORDS)):
        for col in _candidates(frame, own, words):
            if side == "deals":
                k = _keys(deals, "deal_id", col, cells=True).rename({"_id": "deal_id"})
                pairs = k.join(lead_keys.drop("_v"), on="_k", how="inner")
            else:
                k = _keys(leads, "lead_id", col, cells=has_cells(leads[col])
                          ).rename({"_id": "lead_id"})
                pairs = k.join(deal_keys.drop("_v"), on="_k", how="inner")
            matched = pairs["_k"].n_unique()
            header = headers.get(col, col)
            seen.append(f"{'the deals' if side == 'deals' else 'the leads'}' {header} "
                        f"values {_holds(k)}")
            if matched and (best is None or matched > best.matched):
                best = Link(side, col, header, matched, k["_k"].n_unique(),
                            pairs.select("deal_id", "lead_id").unique(maintain_order=True))
    # through the lead's own person (a shared id, an e-mail): only when it links more
    for col, other, pairs, k in [*_shared_key_pairs(deals, leads, headers),
                                 *_email_links(deals, leads, headers)]:
        matched = pairs["_k"].n_unique()
        if matched and (best is None or matched > best.matched):
            best = Link("deals", col, f"{headers.get(col, col)} (the leads' {other})", matched,
                        k["_k"].n_unique(),
                        pairs.select("deal_id", "lead_id").unique(maintain_order=True))
    return best, seen


def email_columns(frame: pl.DataFrame, *, rows: int = 500) -> list[str]:
    """The text columns of ``frame`` whose first ``rows`` filled values are mostly
    (:data:`EMAIL_SHARE`) e-mail addresses.

    Examples
    --------
    >>> email_columns(pl.DataFrame({"Person - Email": ["a@x.example", None, "B@y.example"],
    ...                             "name": ["Ann", "Bo", "Cy"]}))
    ['Person - Email']
    """
    out = []
    for c, t in frame.schema.items():
        if c.startswith("__") or not is_text(t):
            continue
        v = frame[c].drop_nulls().head(rows).cast(pl.String).str.strip_chars()
        if v.len() and v.str.contains(EMAIL_PATTERN).mean() >= EMAIL_SHARE:
            out.append(c)
    return out


def email_lead_ids(frame: pl.DataFrame, leads: pl.DataFrame,
                   ) -> tuple[pl.Series, str, str] | None:
    """Per row of ``frame`` (activities that name their person by e-mail), the id of the
    lead with that e-mail (null when none has it), with the two columns compared: the
    pair that finds the most rows' lead, among the leads' columns of their own e-mails
    (:func:`person_keys`) and the activities' e-mail columns that do not name an owner or
    user; ``None`` when no pair finds any.

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["1", "2"], "Email": ["a@x.example", "b@x.example"]})
    >>> acts = pl.DataFrame({"Person - Email": ["B@x.example", "c@x.example"]})
    >>> ids, col, other = email_lead_ids(acts, leads)
    >>> ids.to_list(), col, other
    (['2', None], 'Person - Email', 'Email')
    """
    best: tuple[int, pl.Series, str, str] | None = None
    mine = [c for c in email_columns(frame) if not names_someone_else(c)]
    for other in email_columns(leads.drop("lead_id")):
        keys = person_keys(leads, other, email=True)
        if keys is None:
            continue
        keys = keys.unique("_k", keep="first", maintain_order=True)  # one lead a row
        for col in mine:
            ids = frame.select(_email_key(col)).join(
                keys, on="_k", how="left", maintain_order="left")["lead_id"]
            n = int(ids.is_not_null().sum())
            if n and (best is None or n > best[0]):
                best = (n, ids, col, other)
    return None if best is None else best[1:]


def _email_key(col: str | pl.Expr) -> pl.Expr:
    """An e-mail as a key: trimmed, lower case."""
    expr = pl.col(col) if isinstance(col, str) else col
    return expr.cast(pl.String).str.strip_chars().str.to_lowercase().alias("_k")


_SOMEONE_ELSE = {"owner", "user", "rep", "assigned", "assignee", "manager", "creator",
                 "created", "modified", "sales", "agent", "sender", "from"}
"""Words of a header naming someone other than the lead (its owner, a user)."""

PERSON_KEY_SHARE = 0.9
"""Least share of distinct values among a leads column's filled e-mails for it to name
each lead's own person (an owner's e-mail repeats)."""
PERSON_ID_SHARE = 0.5
"""The same for a column of person ids (two duplicate leads converted into one contact
share its id; a count or a flag repeats far more)."""


def names_someone_else(header: str) -> bool:
    """Whether a header names someone other than the lead (owner, user, rep…).

    Examples
    --------
    >>> names_someone_else("Lead Owner Email"), names_someone_else("Person - Email")
    (True, False)
    """
    return bool(_SOMEONE_ELSE & set(normalise_header(header).split()))


def person_keys(leads: pl.DataFrame, col: str, *, email: bool) -> pl.DataFrame | None:
    """``lead_id`` and ``_k``, each lead's own person as ``col`` names it (an e-mail, or an
    id compared as :func:`~funnel.ingest.crm.id_key`); ``None`` when the header names
    someone else or the keys repeat (:data:`PERSON_KEY_SHARE`, :data:`PERSON_ID_SHARE`).

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["1", "2", "3"],
    ...                       "Owner Email": ["r@x.example"] * 3, "Email": ["a@x.example",
    ...                       "b@x.example", None]})
    >>> person_keys(leads, "Owner Email", email=True) is None
    True
    >>> person_keys(leads, "Email", email=True)["lead_id"].to_list()
    ['1', '2']
    """
    if names_someone_else(col):
        return None
    keys = (_keys(leads, "lead_id", col, cells=False, email=email).rename({"_id": "lead_id"})
            .select("lead_id", "_k").filter(pl.col("_k") != ""))
    share = PERSON_KEY_SHARE if email else PERSON_ID_SHARE
    if keys.height == 0 or _distinct(leads, keys) < share * keys.height:
        return None
    return keys


def _distinct(leads: pl.DataFrame, keys: pl.DataFrame) -> int:
    """How many distinct keys, counted within each leads file (a person who is a lead in
    two stacked files repeats across them, not within one)."""
    if FILE not in leads.columns or leads[FILE].n_unique() < 2:
        return keys["_k"].n_unique()
    files = leads.select("lead_id", FILE).unique("lead_id", keep="first")
    return keys.join(files, on="lead_id", how="left").select(FILE, "_k").unique().height


def person_id_keys(leads: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """Each leads column of its own person's ids (a header naming a contact or person
    and saying id, whose values do not repeat much: Salesforce's ``Converted Contact
    ID``), with its :func:`person_keys`.

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["00Q1", "00Q2"], "Converted Contact ID": ["0031", None]})
    >>> [(c, k.rows()) for c, k in person_id_keys(leads)]
    [('Converted Contact ID', [('00Q1', '0031')])]
    """
    out = []
    for col in _candidates(leads, "lead_id", _SHARED_WORDS):
        if col != "lead_id" and "id" in normalise_header(col).split():
            keys = person_keys(leads, col, email=False)
            if keys is not None:
                out.append((col, keys))
    return out


def _shared_key_pairs(deals: pl.DataFrame, leads: pl.DataFrame, headers: dict[str, str]):
    """Links through a person both tables name by id: a deals column of contact or person
    ids whose values a leads column of its own person's ids holds (Salesforce: the
    opportunity's ``Contact ID`` is the lead's ``Converted Contact ID``). Only columns
    whose header says id; yields ``(deals column, leads column, pairs, deal keys)``."""
    if "deal_id" not in deals.columns:
        return
    mine = [c for c in _candidates(deals, "lead_id", _DEAL_SIDE_WORDS)
            if "id" in normalise_header(headers.get(c, c)).split()
            and not names_someone_else(headers.get(c, c))]
    for other, lk in person_id_keys(leads):
        for col in mine:
            k = _keys(deals, "deal_id", col, cells=True).rename({"_id": "deal_id"})
            pairs = k.join(lk, on="_k", how="inner")
            if pairs.height:
                yield col, other, pairs, k


def _email_links(deals: pl.DataFrame, leads: pl.DataFrame, headers: dict[str, str]):
    """Links by the person's e-mail: each deals column of e-mails (also inside association
    cells, ``Jane (jane@x.com)``) not naming an owner or user, with each leads column of
    its own person's e-mail; yields ``(deals column, leads column, pairs, deal keys)``."""
    if "deal_id" not in deals.columns:
        return
    theirs = [(c, k) for c in email_columns(leads)
              if (k := person_keys(leads, c, email=True)) is not None]
    if not theirs:
        return
    for col, t in deals.schema.items():
        if (col.startswith("__") or not is_text(t) or names_someone_else(headers.get(col, col))
                or not email_columns(pl.DataFrame({col: association_ids(
                    deals[col].drop_nulls().head(500)).explode()}))):
            continue
        k = _keys(deals, "deal_id", col, cells=True, email=True).rename({"_id": "deal_id"})
        for other, lk in theirs:
            pairs = k.join(lk, on="_k", how="inner")
            if pairs.height:
                yield col, other, pairs, k


def _holds(keys: pl.DataFrame) -> str:
    """What a column's values are, in words: ``"are Salesforce contact ids (003…)"``."""
    kinds = id_kinds(keys["_v"])
    if not kinds:
        return "are empty"
    top = next(iter(kinds))
    if top == "other" and email_columns(keys.select("_v")):  # never quote someone's e-mail
        return "are e-mail addresses"
    if top == "other":
        ex = keys["_v"].unique(maintain_order=True).head(2).to_list()
        return f"are such as {', '.join(map(repr, ex))}"
    prefix = {"lead": "00Q", "contact": "003", "account": "001", "opportunity": "006",
              "user": "005", "campaign": "701"}.get(top, "")
    return f"are Salesforce {top} ids ({prefix}…)"


def no_link_text(seen: list[str], leads: pl.DataFrame, deals: pl.DataFrame) -> str:
    """The sentence when no candidate matched: what each side holds.

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": ["00Q5g00000AbC1x"]})
    >>> no_link_text(["the deals' Contact ID values are Salesforce contact ids (003…)"], leads,
    ...              pl.DataFrame({"deal_id": ["1"]})).split(", while ")[1][:46]
    "the leads' ids are Salesforce lead ids (00Q…)."
    """
    lead_ids = _holds(_keys(leads, "lead_id", "lead_id", cells=False))
    n = deals.height
    kept = (f"The {n:,} deals are kept as deals" if n != 1
            else "The deal is kept as a deal")
    return (f"No deal could be linked to a lead: {'; '.join(seen)}, while the leads' ids "
            f"{lead_ids}. {kept} without a lead in this export; map the link in the mapping "
            "screen.")


def _outcome_counts(frame: pl.DataFrame) -> dict[str, int]:
    counts = dict.fromkeys(("won", "lost", "open"), 0)
    if "outcome" in frame.columns:
        for value, n in frame["outcome"].value_counts().iter_rows():
            if value in counts:
                counts[value] = int(n)
    return counts


def link_summary(ds: Dataset) -> dict | None:
    """The deals and their link to the leads (the ``links`` key of the CLI JSON, an
    extension): ``deals`` kept, ``linked`` to a lead of this export, ``without_lead``,
    the deals' ``won``/``lost``/``open`` counts and the ``text`` saying which column
    linked them; ``None`` without deals.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> s = link_summary(load_sample())
    >>> s["deals"] == s["linked"] + s["without_lead"]
    True
    """
    if ds.deals is None:
        return None
    deals = ds.deals
    without = int(deals["lead_id"].null_count()) if "lead_id" in deals.columns else deals.height
    text = next((f.link for f in ds.health.files if f.role == "deals" and f.link), "")
    return {"deals": deals.height, "linked": deals.height - without, "without_lead": without,
            **_outcome_counts(deals), "text": text}


def outcome_summary(ds: Dataset) -> dict[str, int]:
    """How many leads are won, lost and open (the ``outcomes`` key of the CLI JSON).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> sum(outcome_summary(load_sample()).values()) <= load_sample().leads.height
    True
    """
    return _outcome_counts(ds.leads)
