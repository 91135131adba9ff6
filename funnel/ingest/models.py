"""Apply a recognised CRM model's semantics to one file (see :mod:`funnel.ingest.crm`).

* A Salesforce lead's *Converted* flag, and a *Closed - Converted* status, say the lead
  became an account, contact and opportunity, not that it was won: won lives on the
  opportunity. The lead's own outcome is read from its *Lead Status* (lost when closed
  without converting), and a converted lead takes its outcome from its opportunity.
* An export with one row per opportunity is read with its opportunity id as the id,
  every row at least at the opportunity stage; a row without a creation date yet (a
  *Prospecting* opportunity not engaged) is kept, counted, and left out of time views.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.schema import as_text, is_text, normalise_header
from funnel.dataset.tables import Dataset, Warning_
from funnel.ingest.crm import DEAL_OBJECTS, FileModel
from funnel.ingest.linking import closed_flag
from funnel.ingest.parsing import (
    SAMPLE_SIZE,
    bool_expr,
    detect_date_style,
    null_placeholders,
    parse_dates,
)

_STATUS = ("lead status", "status")
_OPP_IDS = ("opportunity id", "opportunityid", "opp id", "deal id", "dealid")
_CONVERTED_FLAG = ("converted", "is converted", "isconverted")
_CONVERTED_OPP = ("converted opportunity id", "convertedopportunityid")

WINS_ELSEWHERE = ("not from a leads export alone whose converted leads win on their "
                  "opportunity (load the opportunities or deals export)")
"""Why the win rate is unavailable for a Salesforce, Zoho or Marketo leads export without
its opportunities or deals."""


def _folded(col: str) -> pl.Expr:
    """A column's text trimmed and in lower case, to compare with a label."""
    return pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()


def _truthy(col: str) -> pl.Expr:
    """True where a yes/no column says yes (:func:`~funnel.ingest.parsing.bool_expr`)."""
    return bool_expr(pl.col(col).cast(pl.String)).fill_null(False)


def _column(frame: pl.DataFrame, names: tuple[str, ...]) -> str | None:
    for want in names:
        for c in frame.columns:
            if normalise_header(c) == want:
                return c
    return None


_ACTIVITY_TIMES = ("completed date time", "activity date time", "start date time",
                   "activity date")


def activity_time(frame: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """A Salesforce task or event export with its time of each activity in one column:
    the task's ``CompletedDateTime``, else the event's ``ActivityDateTime`` or
    ``StartDateTime``, else ``ActivityDate`` (a date without a time: an older task, an
    all-day event, a task not done yet), so that no activity is lost for an empty
    first choice. Each column is read with its own date format and the result written
    as ``YYYY-MM-DD HH:MM:SS``. ``frame`` and ``None`` when fewer than two of these
    columns are there (or read as dates).

    Examples
    --------
    >>> f = pl.DataFrame({"CompletedDateTime": ["2025-01-02T09:30:00.000Z", ""],
    ...                   "ActivityDate": ["2025-01-02", "2025-01-05"]})
    >>> out, name = activity_time(f)
    >>> name
    'Activity time (CompletedDateTime, else ActivityDate)'
    >>> out[name].to_list()
    ['2025-01-02 09:30:00', '2025-01-05 00:00:00']
    """
    named = [c for want in _ACTIVITY_TIMES for c in frame.columns
             if normalise_header(c) == want]
    if len(named) < 2:  # one time column (HubSpot's, Pipedrive's): read it as it is
        return frame, None
    cols, read = [], []
    for c in named:
        text = null_placeholders(as_text(frame[c]))
        style = detect_date_style(text.drop_nulls().head(SAMPLE_SIZE))
        if style is not None:
            cols.append(c)
            read.append(parse_dates(text, style))
    if len(cols) < 2:
        return frame, None
    name = f"Activity time ({', else '.join(cols)})"
    when = pl.DataFrame(read).select(pl.coalesce(pl.all()).dt.strftime("%Y-%m-%d %H:%M:%S"))
    return frame.with_columns(when.to_series().alias(name)), name


CONVERTING = {("salesforce", "lead"), ("zoho", "lead"), ("marketo", "lead")}
"""The ``(crm, object)`` of a leads export whose *Converted* flag says the lead became a
contact and a deal, not that it was won (its outcome is read from its status)."""

_DYNAMICS_HINTS = {
    # a lead is named by its Name (the opportunity's Originating Lead and the activity's
    # Regarding show it); an opportunity and an activity by their hidden ids
    ("lead", "leads"): {"lead_id": ("name", "full name")},
    ("opportunity", "deals"): {"lead_id": ("originating lead",),
                               "deal_id": ("do not modify opportunity",)},
    ("activity", "activities"): {"lead_id": ("regarding",), "at": ("actual end",),
                                 "kind": ("activity type",)},
}


_OWN_IDS = ("lead id", "leadid", "id", "lead number")


def converts(model: FileModel | None) -> bool:
    """Whether ``model`` is a leads export whose conversion is not a win (:data:`CONVERTING`).

    Examples
    --------
    >>> converts(FileModel("zoho", "lead", "Zoho CRM leads export"))
    True
    """
    return model is not None and (model.crm, model.object) in CONVERTING


def model_hints(
    model: FileModel | None, frame: pl.DataFrame, role: str, fixed: dict[str, str],
) -> dict[str, str]:
    """The mapping choices a model implies, added to ``fixed`` (the user's choices win).

    Examples
    --------
    >>> from funnel.ingest.crm import FileModel
    >>> m = FileModel("salesforce", "lead", "Salesforce leads report")
    >>> f = pl.DataFrame({"Lead ID": ["x"], "Converted": ["TRUE"], "Lead Status": ["Open"]})
    >>> model_hints(m, f, "leads", {})
    {'outcome': 'Lead Status'}
    """
    out = dict(fixed)
    if model is None:
        return out
    if model.crm == "dynamics":  # records named by their lookups' display names
        for field, names in _DYNAMICS_HINTS.get((model.object, role), {}).items():
            if field == "lead_id" and role == "leads" and _column(frame, _OWN_IDS):
                continue  # a view with its own id column keeps it
            if field not in out and (col := _column(frame, names)):
                out[field] = col
    if role != "leads":
        return out
    if model.crm == "meta" and "source" not in out and (col := _column(frame, ("platform",))):
        out["source"] = col  # the ad's platform: Facebook, Instagram, Messenger
    if converts(model) and "outcome" not in out:
        out["outcome"] = _column(frame, _STATUS) or ""  # never "Converted"
    if model.crm == "opportunities":  # a Salesforce export's Id, HubSpot's Record ID
        col = _column(frame, _OPP_IDS) or _column(frame, ("id", "record id"))
        if col and "lead_id" not in out:
            out["lead_id"] = col
            out.setdefault("deal_id", "")
    return out


def per_deal_records(model: FileModel | None, role: str) -> FileModel | None:
    """``model``, or, for a deals export read as the leads (no leads file: each deal is a
    record of the funnel), the opportunities model its rows then follow.

    Examples
    --------
    >>> m = FileModel("salesforce", "opportunity", "Salesforce opportunities report")
    >>> per_deal_records(m, "leads").crm, per_deal_records(m, "deals").crm
    ('opportunities', 'salesforce')
    """
    if (model is None or role != "leads" or model.object not in DEAL_OBJECTS
            or model.crm == "opportunities"):
        return model
    return FileModel("opportunities", "opportunity",
                     f"opportunities export ({model.text}): one row per opportunity, the "
                     "funnel starts at opportunity")


def apply_model(
    model: FileModel | None, frame: pl.DataFrame, role: str, *, warnings: list[Warning_],
) -> pl.DataFrame:
    """A typed file with its model's semantics applied (see the module); warnings about
    it are appended to ``warnings``.

    Examples
    --------
    >>> from funnel.ingest.crm import FileModel
    >>> m = FileModel("salesforce", "lead", "Salesforce leads report")
    >>> f = pl.DataFrame({"lead_id": ["a", "b"], "outcome": ["won", "lost"]})
    >>> apply_model(m, f, "leads", warnings=[])["outcome"].to_list()
    ['open', 'lost']
    """
    if model is None or role != "leads":
        return frame
    if converts(model) and "outcome" in frame.columns:
        return frame.with_columns(
            pl.when(pl.col("outcome") == "won").then(pl.lit("open")).otherwise(pl.col("outcome"))
            .alias("outcome"))
    if model.crm != "opportunities":
        return frame
    stage = pl.col("stage") if "stage" in frame.columns else pl.lit(None, dtype=pl.String)
    won = (stage == "won") | (pl.col("outcome") == "won" if "outcome" in frame.columns
                              else pl.lit(False))
    outcome = pl.col("outcome") if "outcome" in frame.columns else pl.lit(None, pl.String)
    outcome = pl.coalesce(outcome, pl.lit("open"))  # in progress: open
    if (flag := closed_flag(frame)) is not None:  # a won flag read with its closed flag
        outcome = (pl.when(won.fill_null(False)).then(pl.lit("won"))
                   .when(flag).then(pl.lit("lost")).when(~flag).then(pl.lit("open"))
                   .otherwise(outcome))
    frame = frame.with_columns(
        pl.when(won.fill_null(False)).then(pl.lit("won")).otherwise(pl.lit("opportunity"))
        .alias("stage"),
        outcome.alias("outcome"))
    if "created_at" in frame.columns:
        n = frame["created_at"].null_count()
        if n:
            warnings.append(Warning_(
                "opportunities_without_date",
                f"{n:,} opportunit{'ies have' if n > 1 else 'y has'} no creation date yet "
                "(not engaged): kept and counted, left out of the time-based views.", n,
                "info"))
        frame = frame.with_columns(pl.coalesce(
            [c for c in ("opportunity_at", "created_at") if c in frame.columns])
            .alias("opportunity_at"))
    return frame


def converted_leads(model: FileModel | None, frame: pl.DataFrame) -> int:
    """How many leads of a Salesforce leads report were converted (its *Converted* flag,
    a *Converted Opportunity ID*, or a *Closed - Converted* status); 0 for other files.

    Examples
    --------
    >>> from funnel.ingest.crm import FileModel
    >>> m = FileModel("salesforce", "lead", "Salesforce leads report")
    >>> f = pl.DataFrame({"Lead Status": ["Closed - Converted", "Closed - Not Converted",
    ...                                   "Qualified"], "Converted": ["false", "false", "TRUE"]})
    >>> converted_leads(m, f)
    2
    """
    if not converts(model):
        return 0
    said = []
    if flag := _column(frame, _CONVERTED_FLAG):
        said.append(_truthy(flag))
    if opp := _column(frame, _CONVERTED_OPP):
        said.append(_folded(opp).is_not_null() & (_folded(opp) != ""))
    if status := _column(frame, _STATUS):
        said.append(_folded(status).str.contains("converted")
                    & ~_folded(status).str.contains("not converted|unconverted"))
    if not said:
        return 0
    return int(frame.select(pl.any_horizontal(said).fill_null(False).sum()).item())


TEST_LEAD = "a test lead (Meta's Lead Ads Testing Tool), not a person"
"""The reason given for a test submission in a Meta Lead Ads download."""


def meta_test_rows(model: FileModel | None, frame: pl.DataFrame) -> pl.Series | None:
    """The row numbers (``__row``) of a Meta Lead Ads download's test submissions (their
    answers read ``<test lead: dummy data for …>``); ``None`` when there are none.

    Examples
    --------
    >>> m = FileModel("meta", "lead", "Meta Lead Ads export")
    >>> f = pl.DataFrame({"email": ["<test lead: dummy data for email>", "a@x.example"],
    ...                   "__row": [2, 3]})
    >>> meta_test_rows(m, f).to_list()
    [2]
    """
    if model is None or model.crm != "meta":
        return None
    text = [c for c, t in frame.schema.items() if not c.startswith("__")
            and is_text(t)]
    said = [pl.col(c).cast(pl.String).str.starts_with("<test lead") for c in text]
    rows = frame.filter(pl.any_horizontal(said).fill_null(False))["__row"] if said else None
    return rows if rows is not None and rows.len() else None


_DELETED_FLAG = ("is deleted", "isdeleted", "deleted")
DELETED = "a deleted record (the CRM's recycle bin), not a live one"
"""The reason given for a row the CRM marks deleted."""


def deleted_rows(frame: pl.DataFrame, colmap: dict[str, str]) -> pl.Series | None:
    """The row numbers (``__row``) of the records a file marks deleted: a Salesforce
    ``IsDeleted`` flag (an *Export All* includes the recycle bin), or a Pipedrive deal
    whose status is *deleted*; ``None`` when there are none.

    Examples
    --------
    >>> f = pl.DataFrame({"Deal - Status": ["won", "Deleted"], "__row": [2, 3]})
    >>> deleted_rows(f, {"outcome": "Deal - Status"}).to_list()
    [3]
    """
    said = []
    if flag := _column(frame, _DELETED_FLAG):
        said.append(_truthy(flag))
    for field in ("outcome", "stage"):
        col = colmap.get(field)
        if col not in frame.columns:
            continue
        labels = frame[col].unique().to_frame()  # the distinct labels first: cheap
        if labels.select(_folded(col) == "deleted").to_series().any():
            said.append(_folded(col) == "deleted")
    if not said:
        return None
    rows = frame.filter(pl.any_horizontal(said).fill_null(False))["__row"]
    return rows if rows.len() else None


def wins_elsewhere(name: str, converted: int, *,
                   what: str = "Salesforce leads report") -> Warning_:
    """The warning for a leads export whose conversion is not a win (:func:`converts`,
    ``what`` it is) loaded without its opportunities: no lead can show as won, since a
    converted lead's win or loss is on its opportunity.

    Examples
    --------
    >>> wins_elsewhere("leads.csv", 80).count
    80
    """
    return Warning_(
        "wins_on_opportunities",
        f"{name} is a {what}: a converted lead's win or loss is recorded on its "
        f"opportunity, not on the lead, so no lead shows as won here and the "
        f"{converted:,} converted lead{'s count' if converted != 1 else ' counts'} as open. "
        "Load the opportunities report with it to see which were won.", converted)


def model_lines(ds: Dataset) -> list[str]:
    """What the Data page says about the CRM models recognised and the link used: one
    line per file recognised, then the link sentence.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> model_lines(load_sample())[0]
    'contacts.csv: HubSpot contacts export.'
    """
    lines = [f"{f.name}: {f.model}." for f in ds.health.files if f.model]
    lines += [f.link for f in ds.health.files if f.role in ("deals", "lookup") and f.link]
    return lines


def starts_at_opportunity(ds: Dataset) -> bool:
    """Whether the records are opportunities (an opportunity-only export), so the funnel
    starts at the opportunity stage.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> starts_at_opportunity(load_sample())
    False
    """
    return any(f.role == "leads" and f.model.startswith("opportunities export")
               for f in ds.health.files)
