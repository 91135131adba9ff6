"""Which activities are sales touches: not one done yet (a planned call, an open task),
nor a marketing or system step (Marketo's *Send Email*, *Visit Webpage*…). Each is
rejected with its reason before the activities are linked to the leads."""

from __future__ import annotations

import polars as pl

from funnel.dataset.schema import normalise_header
from funnel.ingest.columns import reject

DONE_HEADERS = frozenset({
    "done", "is done", "status", "task status", "activity status", "is closed", "closed",
    "completed", "is completed", "hs task status", "statut", "estado", "erledigt",
    "call status", "outgoing call status", "meeting status", "event status",
    "meeting outcome"})
"""Headers (normalised, a CRM prefix such as ``Activity -`` dropped) of an activity's
done flag or status: Pipedrive's *Done*, Salesforce's Task *Status* and *IsClosed*,
HubSpot's *Task status*."""
NOT_DONE_WORDS = frozenset({
    "not started", "deferred", "to do", "todo", "not done", "false", "0", "no", "planned",
    "scheduled", "overdue", "cancelled", "canceled", "rescheduled", "a faire", "pendiente"})
"""Values of such a column saying the activity has not happened (yet): Zoho's call
status *Scheduled*, *Overdue*, *Cancelled* among them."""
NOT_DONE_BY_HEADER = {"activity status": frozenset({"open"})}
"""Words that say not done only under one header: Dynamics 365's *Activity Status* Open
(beside Completed); a *Status* of Open may be the lead's or the ticket's state."""
DONE_WORDS = frozenset({
    "done", "completed", "complete", "true", "1", "yes", "closed", "finished", "held",
    "in progress", "waiting on someone else", "waiting", "erledigt", "termine",
    "completado", "concluido", "no show"})
"""Values saying it has (or is under way: a task in progress has been started; a meeting
the lead did not show up to was still the rep's touch)."""
DONE_SHARE = 0.9
"""Least share of a column's filled values that must be done or not-done words for it
to be read as the activities' done flag."""


MARKETING_KINDS = frozenset({
    "visit webpage", "visit web page", "fill out form", "click link", "send email",
    "email delivered", "email bounced", "email bounced soft", "unsubscribe email",
    "open email", "click email", "new lead", "change data value", "change score",
    "add to list", "remove from list", "change status in progression", "interesting moment",
    "sync lead to sfdc", "sync lead to salesforce", "change segment", "change owner",
    "convert lead", "merge leads", "request campaign", "add to nurture",
    "change nurture track", "change nurture cadence", "change revenue stage", "send alert",
    "change program status", "change lead partition", "add to opportunity",
    "marketing email", "form submission", "page view"})
"""Activity types (folded as :func:`_word_counts` does) that are the lead's own behaviour or
a marketing system's step, not a sales touch: Marketo's default activity types (its
activity log export), HubSpot's marketing e-mails and form submissions."""
_SALES_NAMES_TOO = frozenset({"send email", "new lead", "change owner", "convert lead",
                              "add to list", "remove from list", "send alert"})
"""Of :data:`MARKETING_KINDS`, names a sales team may give its own activities: read as
marketing steps only in a file that also holds a type no sales team uses."""


def drop_marketing(activities: pl.DataFrame, *, rejects: list[pl.DataFrame]) -> pl.DataFrame:
    """The activities without those whose kind is a marketing or system step
    (:data:`MARKETING_KINDS`): an e-mail the nurture program sent or a page the lead
    visited would otherwise count as the lead answered by sales (rejected with that
    reason; ``activities`` holds the file and row columns the rejects name)."""
    if "kind" not in activities.columns:
        return activities
    words = _word_counts(activities, "kind")
    if not words["w"].is_in(list(MARKETING_KINDS - _SALES_NAMES_TOO)).any():
        return activities  # a sales team's own "Send Email" is a touch
    return _reject_values(activities, "kind", words.filter(
        pl.col("w").is_in(list(MARKETING_KINDS)))["v"], rejects=rejects,
        reason=(pl.lit("a marketing or system activity (") + pl.col("kind").cast(pl.String)
                + pl.lit("), not a sales touch")))


def _word_counts(activities: pl.DataFrame, col: str) -> pl.DataFrame:
    """Per distinct value ``v`` of ``col`` (nulls left out): its rows ``n`` and the word
    it folds to ``w``, as a header is (:func:`~funnel.dataset.schema.normalise_header`:
    ``NOT_STARTED`` → ``not started``, ``À faire`` → ``a faire``), once per value."""
    counts = (activities.select(pl.col(col).cast(pl.String).alias("v")).drop_nulls()
              .group_by("v").agg(pl.len().alias("n")))
    return counts.with_columns(pl.Series("w", [normalise_header(v) for v in counts["v"]],
                                         dtype=pl.String))


def _reject_values(activities: pl.DataFrame, col: str, values: pl.Series, *,
                   rejects: list[pl.DataFrame], reason: pl.Expr) -> pl.DataFrame:
    """``activities`` without the rows whose ``col`` is one of ``values``, rejected with
    ``reason``."""
    if not values.len():
        return activities
    bad = activities[col].is_in(values.implode()).fill_null(False)
    rejects.append(reject(activities, bad, reason))
    return activities.filter(~bad)


def drop_not_done(activities: pl.DataFrame, *, rejects: list[pl.DataFrame]) -> pl.DataFrame:
    """The activities without those not done yet: a planned call or an open task is not a
    touch, and counting it would hide a lead nobody answered. Read from the first column
    named like a done flag or status (:data:`DONE_HEADERS`) whose values are mostly done
    or not-done words, both present; its not-done rows are rejected with the value
    (``activities`` holds the file and row columns the rejects name).

    Examples
    --------
    >>> f = pl.DataFrame({"Activity - Done": ["Done", "To do"], "__file": ["a.csv"] * 2,
    ...                   "__row": [2, 3]})
    >>> rejects = []
    >>> drop_not_done(f, rejects=rejects).height, rejects[0]["row"].to_list()
    (1, [3])
    """
    for col in activities.columns:
        if col.startswith("__") or _plain(col) not in DONE_HEADERS:
            continue
        words = _word_counts(activities, col)
        not_words = NOT_DONE_WORDS | NOT_DONE_BY_HEADER.get(normalise_header(col), frozenset())
        done, not_done = pl.col("w").is_in(list(DONE_WORDS)), pl.col("w").is_in(
            list(not_words))
        filled, n_done, n_not = words.select(
            pl.col("n").sum().alias("filled"), pl.col("n").filter(done).sum().alias("done"),
            pl.col("n").filter(not_done).sum().alias("not_done")).row(0)
        if not filled or n_done + n_not < DONE_SHARE * filled or not (n_done and n_not):
            continue  # not a done flag (a flag says both)
        return _reject_values(activities, col, words.filter(not_done)["v"], rejects=rejects,
                              reason=(pl.lit(f"not done yet ({col}: ")
                                      + pl.col(col).cast(pl.String)
                                      + pl.lit("): a planned activity is not a touch")))
    return activities


def _plain(header: str) -> str:
    """A header normalised without its CRM prefix (``Activity - Done`` → ``done``)."""
    h = normalise_header(header)
    for prefix in ("activity ", "task ", "event "):
        if h.startswith(prefix) and h[len(prefix):] in DONE_HEADERS:
            return h[len(prefix):]
    return h
