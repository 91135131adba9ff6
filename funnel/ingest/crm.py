"""CRM object models: Salesforce ids, association cells, and which CRM a file comes from.

Salesforce record ids start with a 3-character key prefix naming the object
(:data:`SALESFORCE_PREFIXES`: ``00Q`` lead, ``003`` contact, ``001`` account, ``006``
opportunity, ``005`` user, ``701`` campaign). Reports show the 15-character id, which
is case-sensitive; the API and many exports the 18-character one, which adds a
3-character checksum of the case so that the id can be compared case-insensitively
(:func:`salesforce_id18`). :func:`id_key` turns either form (and HubSpot or Pipedrive
ids written as numbers, with spaces) into one comparable key, and
:func:`association_ids` reads association cells such as HubSpot's ``Jane Doe (101)``
or ``104;105``.

:func:`file_model` says which CRM object a file holds, from its headers and values:
a Salesforce lead or opportunity report, HubSpot contacts, deals or companies, Pipedrive
persons, deals or activities, or one row per opportunity (an opportunity-only export).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from funnel.dataset.schema import as_text, normalise_header

SALESFORCE_PREFIXES = {
    "00Q": "lead", "003": "contact", "001": "account", "006": "opportunity", "005": "user",
    "701": "campaign", "00G": "queue", "012": "record type", "00T": "task", "00U": "event",
    "00v": "campaign member",
}
"""The key prefixes of the standard Salesforce objects a funnel export carries."""

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
_SF_PATTERN = (r"^(?:" + "|".join(SALESFORCE_PREFIXES)
               + r")[a-zA-Z0-9]{12}(?:[a-zA-Z0-5]{3})?$")


def salesforce_id18(value: str) -> str:
    """The 18-character, case-insensitive form of a 15-character Salesforce id.

    The three added characters encode which of the 15 are upper-case: each group of
    five gives a 5-bit number (bit *i* set when the group's *i*-th character is an
    upper-case letter), read as a letter of ``A``-``Z0``-``5``. An 18-character id is
    returned as it is.

    Examples
    --------
    >>> salesforce_id18("a0D30000001n7Pi")
    'a0D30000001n7PiEAI'
    >>> salesforce_id18("0019000000B98de")
    '0019000000B98deAAB'
    """
    if len(value) == 18:
        return value
    if len(value) != 15:
        raise ValueError(f"a Salesforce id has 15 or 18 characters, not {len(value)}")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(value[start:start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return value + suffix


def salesforce_id15(value: str) -> str:
    """The 15-character form of an 18-character Salesforce id, its case restored from the
    checksum (so an id lower-cased by a spreadsheet comes back as Salesforce wrote it).

    Examples
    --------
    >>> salesforce_id15("A0D30000001N7PIEAI")
    'a0D30000001n7Pi'
    """
    if len(value) == 15:
        return value
    if len(value) != 18:
        raise ValueError(f"a Salesforce id has 15 or 18 characters, not {len(value)}")
    out = []
    for g, start in enumerate((0, 5, 10)):
        bits = _SUFFIX.index(value[15 + g].upper())
        for i, ch in enumerate(value[start:start + 5]):
            out.append(ch.upper() if bits >> i & 1 else ch.lower())
    return "".join(out)


def salesforce_kind(value: str | None) -> str | None:
    """The Salesforce object an id names (``"lead"``, ``"contact"`` …), from its prefix;
    ``None`` when it does not look like a standard object's id.

    Examples
    --------
    >>> salesforce_kind("00Q5g00000AbC1x"), salesforce_kind("101")
    ('lead', None)
    """
    if value is None:
        return None
    v = value.strip()
    if not re.match(_SF_PATTERN, v):
        return None
    return SALESFORCE_PREFIXES.get(v[:3])


def id_key_expr(col: pl.Expr) -> pl.Expr:
    """An expression turning ids into comparable keys (see :func:`id_key`), vectorised:
    a 15-character Salesforce id gets its checksum computed column-wise."""
    v = col.cast(pl.String).str.strip_chars().str.strip_prefix("zcrm_")  # Zoho's record ids
    sf = v.str.contains(_SF_PATTERN)
    suffix = []
    for group in range(3):
        bits = pl.sum_horizontal([
            v.str.slice(group * 5 + i, 1).str.contains(r"^[A-Z]$").cast(pl.Int32) * (1 << i)
            for i in range(5)])
        suffix.append(bits.replace_strict(dict(enumerate(_SUFFIX)), return_dtype=pl.String))
    long = pl.concat_str([v, *suffix])
    return (pl.when(sf & (v.str.len_chars() == 15)).then(long.str.to_lowercase())
            .when(sf).then(v.str.to_lowercase())
            .when(v.str.contains(r"^-?\d+\.0+$")).then(v.str.replace(r"\.0+$", ""))
            .otherwise(v))


def id_key(values: pl.Series) -> pl.Series:
    """Ids as comparable keys: trimmed; a Salesforce id in its 18-character form,
    lower-cased (that form is case-insensitive); ``101.0`` as ``101``.

    Examples
    --------
    >>> id_key(pl.Series([" 0065g00000Kk1Ab", "0065g00000KK1ABAAJ", "101.0"])).to_list()
    ['0065g00000kk1abaaj', '0065g00000kk1abaaj', '101']
    """
    return (pl.DataFrame({"v": values}).select(id_key_expr(pl.col("v"))).to_series()
            .alias(values.name))


def association_ids(values: pl.Series) -> pl.Series:
    """The ids in association cells, one list per cell: ``Jane Doe (101)`` → ``["101"]``,
    ``104;105`` → ``["104", "105"]``, ``Luis (104); Ada (105)`` → both.

    Examples
    --------
    >>> association_ids(pl.Series(["Jane Doe (101)", "104;105", None, "7"])).to_list()
    [['101'], ['104', '105'], None, ['7']]
    """
    text = pl.col("v").cast(pl.String)
    inside = text.str.extract_all(r"\(([^()]+)\)").list.eval(
        pl.element().str.strip_chars("() "))
    parts = text.str.replace_all(r"[;|]", ",").str.split(",").list.eval(
        pl.element().str.strip_chars())
    ids = (pl.when(text.str.contains(r"\([^()]+\)").fill_null(False)).then(inside)
           .otherwise(parts).list.eval(pl.element().filter(pl.element() != "")))
    out = pl.DataFrame({"v": values}).select(ids.alias("x")).select(
        pl.when(pl.col("x").list.len() > 0).then(pl.col("x")))
    return out.to_series().alias(values.name)


def id_kinds(values: pl.Series) -> dict[str, int]:
    """How many distinct values of a column are ids of each Salesforce object (the
    others under ``"other"``), for saying what a column holds.

    Examples
    --------
    >>> id_kinds(pl.Series(["0035g00000Cc1Dd", "0035g00000cC2dD", "x"]))
    {'contact': 2, 'other': 1}
    """
    out: dict[str, int] = {}
    for v in values.cast(pl.String).drop_nulls().unique().head(10_000).to_list():
        k = salesforce_kind(v) or "other"
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == "other", -kv[1])))


# --- which model a file follows ------------------------------------------------------


@dataclass(frozen=True)
class FileModel:
    """What a file holds: ``crm`` (``salesforce``, ``hubspot``, ``pipedrive``,
    ``opportunities`` or ``""``), ``object`` (``lead``, ``contact``, ``opportunity``,
    ``deal``, ``company``, ``person``, ``activity``, ``user``) and how to say it."""

    crm: str
    object: str
    text: str


CAMPAIGN_MEMBERS = ("Salesforce campaign members export: one row per lead and campaign, "
                    "not leads; each lead's own source and campaign are used")
"""What a Salesforce campaign members export is said to be, and why it is left out."""
_CAMPAIGN_MEMBER_HEADERS = {"has responded", "hasresponded", "first responded date",
                            "firstrespondeddate", "member status", "responded"}

PARDOT_LINKS = {"crm lead fid", "crm contact fid"}
"""The headers of an Account Engagement (Pardot) prospects export naming the Salesforce
lead or contact each prospect is synced with."""
PARDOT_TEXT = "Account Engagement (Pardot) prospects export"

def _campaign_member_report(frame: pl.DataFrame, headers: set[str]) -> bool:
    """A campaign members report: a campaign, a response column and Salesforce lead ids
    that repeat (a lead in several campaigns); a leads file with a *Responded* column
    has one row per lead."""
    if not (headers & _CAMPAIGN_MEMBER_HEADERS
            and headers & {"campaign", "campaign name", "campaign id"}):
        return False
    for c in frame.columns:
        if normalise_header(c) in ("lead id", "leadid") and _ids_of(frame, c) == "lead":
            ids = frame[c].drop_nulls()
            return ids.n_unique() < ids.len()
    return False


_META_HEADERS = {"ad id", "adset id", "adset name", "form id", "form name", "is organic"}
"""Headers of a Meta (Facebook, Instagram) Lead Ads download."""
_MARKETO_HEADERS = {"sfdc type", "acquisition program", "person status", "behavior score",
                    "demographic score", "acquisition program success"}
"""Headers of a Marketo people (lead database) export."""


def _zoho(headers: set[str]) -> FileModel | None:
    """A Zoho CRM module export: *Record Id* with *Created Time* (HubSpot writes *Record
    ID* with *Create Date*), the module told by its own fields."""
    if "record id" not in headers or not headers & {"created time", "modified time"}:
        return None
    if headers & {"call start time", "call type", "call status"}:
        return FileModel("zoho", "activity", "Zoho CRM calls export")
    if headers & {"deal name", "closing date", "deal owner"}:
        return FileModel("zoho", "deal", "Zoho CRM deals export")
    if headers & {"lead status", "lead owner"}:
        return FileModel("zoho", "lead", "Zoho CRM leads export")
    if "contact owner" in headers:
        return FileModel("zoho", "contact", "Zoho CRM contacts export")
    return None


def _dynamics(headers: set[str]) -> FileModel | None:
    """A Dynamics 365 Sales view exported to Excel or CSV: its *(Do Not Modify)* columns,
    or *Created On* with *Status Reason*, *Regarding* or *Originating Lead*, the entity
    told by its own fields."""
    hidden = {h.removeprefix("do not modify ") for h in headers
              if h.startswith("do not modify ")}
    if not hidden and not ("created on" in headers and headers & {
            "status reason", "regarding", "originating lead"}):
        return None
    if hidden & {"phone call", "activity", "task", "appointment", "email"} or (
            headers & {"regarding", "actual end", "activity type"}):
        return FileModel("dynamics", "activity", "Dynamics 365 activities export")
    if "opportunity" in hidden or headers & {"originating lead", "est revenue",
                                            "actual revenue", "est close date"}:
        return FileModel("dynamics", "opportunity", "Dynamics 365 opportunities export")
    if "lead" in hidden or headers & {"topic", "purchase timeframe", "lead source"}:
        return FileModel("dynamics", "lead", "Dynamics 365 leads export")
    return None


DEAL_OBJECTS = ("opportunity", "deal")
"""The :attr:`FileModel.object` of a file with one row per deal or opportunity
(Salesforce opportunities, HubSpot and Pipedrive deals)."""

_SF_LEAD_HEADERS = {"converted opportunity id", "convertedopportunityid", "is converted",
                    "isconverted", "converted contact id", "converted account id"}
_SF_OPP_HEADERS = {"is won", "iswon", "is closed", "isclosed", "forecast category", "won", "closed",
                   "stage name", "stagename", "probability"}
_HS_HEADERS = {"record id", "lifecycle stage", "deal stage", "pipeline", "associated contact",
               "associated contact ids", "associated company", "associated company ids",
               "contact owner", "deal owner"}


def _ids_of(frame: pl.DataFrame, column: str) -> str | None:
    """The Salesforce object most values of ``column`` are ids of (≥ 80% of the sample)."""
    sample = as_text(frame[column].head(500)).drop_nulls()
    if sample.len() == 0:
        return None
    kinds = sample.map_elements(salesforce_kind, return_dtype=pl.String)
    top = kinds.drop_nulls().value_counts(sort=True)
    if top.height and top["count"][0] >= 0.8 * sample.len():
        return top[0, 0]
    return None


def file_model(frame: pl.DataFrame, name: str = "") -> FileModel | None:
    """Which CRM object model a file follows, from its headers and values, or ``None``.

    Examples
    --------
    >>> f = pl.DataFrame({"Lead ID": ["00Q5g00000AbC1x"], "Converted": ["TRUE"]})
    >>> file_model(f).text
    'Salesforce leads report'
    >>> file_model(pl.DataFrame({"opportunity_id": ["A1"], "deal_stage": ["Won"]})).object
    'opportunity'
    """
    headers = {normalise_header(c) for c in frame.columns if not c.startswith("__")}
    first_ids = {}
    for c in frame.columns:
        if c.startswith("__"):
            continue
        h = normalise_header(c)
        if h.endswith("id") or h.endswith("ids"):
            kind = _ids_of(frame, c)
            if kind:
                first_ids.setdefault(h, kind)
    if first_ids.get("id") == "campaign member" or _campaign_member_report(frame, headers):
        return FileModel("salesforce", "campaign member", CAMPAIGN_MEMBERS)
    if headers & PARDOT_LINKS:  # Account Engagement: a prospect names its Salesforce record
        return FileModel("pardot", "prospect", PARDOT_TEXT)
    if (zoho := _zoho(headers)) is not None:
        return zoho
    if (dynamics := _dynamics(headers)) is not None:
        return dynamics
    own = (first_ids.get("lead id") or first_ids.get("id") or first_ids.get("opportunity id")
           or first_ids.get("account id") or first_ids.get("user id"))
    if own in ("account", "user"):
        return FileModel("salesforce", own, f"Salesforce {own}s report")
    if own in ("task", "event"):
        return FileModel("salesforce", "activity", f"Salesforce {own}s export")
    if own == "lead" or headers & _SF_LEAD_HEADERS and "lead" in " ".join(headers):
        return FileModel("salesforce", "lead", "Salesforce leads report")
    if own == "opportunity" or (headers & _SF_OPP_HEADERS and "opportunity id" in headers):
        return FileModel("salesforce", "opportunity", "Salesforce opportunities report")
    if own == "contact":
        return FileModel("salesforce", "contact", "Salesforce contacts report")
    # marketing-ops lead exports, after Salesforce's (whose reports may carry Marketo's
    # synced scores)
    if len(headers & _META_HEADERS) >= 3 and headers & {"form id", "is organic"}:
        return FileModel("meta", "lead", "Meta Lead Ads export")
    if len(headers & _MARKETO_HEADERS) >= 2 and "activity type" not in headers:
        return FileModel("marketo", "lead", "Marketo people export")
    prefixes = [normalise_header(c).split(" ")[0] for c in frame.columns if " - " in c]
    if prefixes and len(prefixes) >= 0.6 * len(headers):
        top = max(set(prefixes), key=prefixes.count)
        obj = {"deal": "deal", "person": "person", "activity": "activity",
               "organization": "company", "lead": "lead"}.get(top)
        if obj:
            return FileModel("pipedrive", obj, _PIPEDRIVE_TEXT[obj])
    if "record id" in headers and "activity date" in headers:  # calls, e-mails, meetings
        return FileModel("hubspot", "activity", "HubSpot activities export")
    if "record id" in headers and len(headers & _HS_HEADERS) >= 2:
        if "deal stage" in headers or "deal name" in headers:
            return FileModel("hubspot", "deal", "HubSpot deals export")
        if headers & {"email", "first name", "last name", "lifecycle stage"}:
            return FileModel("hubspot", "contact", "HubSpot contacts export")
        if "company name" in headers or "company domain name" in headers:
            return FileModel("hubspot", "company", "HubSpot companies export")
        return FileModel("hubspot", "contact", "HubSpot contacts export")
    if "record id" in headers and ("company name" in headers or "company domain name" in headers):
        return FileModel("hubspot", "company", "HubSpot companies export")
    if _opportunity_rows(frame, headers):
        return FileModel("opportunities", "opportunity",
                         "opportunities export: one row per opportunity, the funnel starts at "
                         "opportunity")
    return None


_PIPEDRIVE_TEXT = {
    "deal": "Pipedrive deals export", "person": "Pipedrive persons export",
    "activity": "Pipedrive activities export", "company": "Pipedrive organizations export",
    "lead": "Pipedrive leads export",
}
_OPP_ID = {"opportunity id", "opportunityid", "opp id", "deal id", "dealid"}
_LEAD_ID = {"lead id", "contact id", "person id", "prospect id", "record id", "id", "lead number"}


def _opportunity_rows(frame: pl.DataFrame, headers: set[str]) -> bool:
    """One row per opportunity: a unique opportunity id column, a stage column, and no
    lead or contact id."""
    if headers & _LEAD_ID or not headers & {"deal stage", "stage", "opportunity stage",
                                            "stage name", "stagename", "dealstage"}:
        return False
    for c in frame.columns:
        if normalise_header(c) in _OPP_ID:
            ids = frame[c].drop_nulls()
            return ids.len() > 0 and ids.n_unique() == ids.len()
    return False
