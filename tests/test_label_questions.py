"""Outcome and stage labels not recognised are asked about, never read as won or lost;
the answer (``"none"`` included) is kept in the mapping's ``values`` and not asked again;
each automatic column pick is explained in one line (issue 12)."""

from __future__ import annotations

import polars as pl
import pytest

from funnel.dataset.schema import Mapping
from funnel.ingest.build import build_dataset
from funnel.ingest.explain import explain_columns
from funnel.ingest.mapping import NO_MEANING, map_values, stage_endings
from funnel.ingest.readers import ROW, RawTable

LABELS = ["Prospecting", "Engaging", "Closed - Not Converted", "Qualified",
          "Negotiation/Review", "Won"]


def _leads(column: str, labels: list[str]) -> RawTable:
    n = len(labels)
    frame = pl.DataFrame({"Lead ID": [f"L{i}" for i in range(n)],
                          "Created Date": [f"2025-01-{i + 1:02d}" for i in range(n)],
                          column: labels, ROW: list(range(2, n + 2))})
    return RawTable("leads.csv", "csv", frame, n)


@pytest.mark.parametrize(("label", "kind"), [
    ("Prospecting", "outcome"), ("Engaging", "outcome"), ("Negotiation/Review", "outcome"),
    ("Maybe", "outcome"), ("Maybe", "stage"),
])
def test_map_values_unrecognised_label_is_asked_and_empty(label, kind):
    mapped, unknown = map_values(pl.Series([label, label]), kind)
    assert (mapped.to_list(), unknown) == ([None, None], {label: 2})


def test_map_values_none_answer_leaves_label_empty_without_asking():
    mapped, unknown = map_values(pl.Series(["Maybe"]), "outcome",
                                 overrides={"Maybe": NO_MEANING})
    assert (mapped.to_list(), unknown) == ([None], {})


def test_map_values_json_null_answer_counts_as_none():
    values = Mapping.from_json('{"values": {"outcome": {"Maybe": null}}}').values
    _, unknown = map_values(pl.Series(["Maybe"]), "outcome", overrides=values["outcome"])
    assert unknown == {}


def test_map_values_stage_label_saying_the_end_is_not_asked():
    mapped, unknown = map_values(pl.Series(["Closed - Not Converted"]), "stage")
    assert (mapped.to_list(), unknown) == ([None], {})


@pytest.mark.parametrize(("labels", "expected"), [
    (["Closed Lost", "Prospecting"], {"Closed Lost": "lost"}),
    (["1", "2", "3"], {}),
    (["yes", "no"], {}),
])
def test_stage_endings_reads_outcomes_only_from_words(labels, expected):
    assert stage_endings(labels) == expected


@pytest.mark.parametrize("column", ["Status", "Stage"])
def test_build_unrecognised_labels_are_never_won_or_lost(column):
    ds = build_dataset([("leads", _leads(column, [*LABELS, "Maybe"]))])
    out = dict(zip(ds.leads["lead_id"], ds.leads["outcome"], strict=True))
    # recognised: Closed - Not Converted (lost), Qualified (open), Won (won)
    ended = {k: v for k, v in out.items() if v in ("won", "lost")}
    assert ended == {"L2": "lost", "L5": "won"}


def test_build_answers_in_values_are_used_and_no_longer_asked():
    answers = {"Prospecting": "open", "Engaging": "open", "Negotiation/Review": "open",
               "Maybe": NO_MEANING}
    ds = build_dataset([("leads", _leads("Status", [*LABELS, "Maybe"]))],
                       mapping=Mapping(values={"outcome": answers}))
    assert [w.code for w in ds.health.warnings if w.code.startswith("unknown_")] == []


def test_build_warning_lists_unrecognised_labels_by_count():
    ds = build_dataset([("leads", _leads("Status", ["Maybe", "Engaging", "Engaging"]))])
    text = next(w.message for w in ds.health.warnings if w.code == "unknown_outcome")
    assert text.index("'Engaging' (2)") < text.index("'Maybe' (1)")


@pytest.mark.parametrize(("field", "column", "values", "expected"), [
    ("created_at", "Create Date", ["2024-01-02", "2024-01-03"],
     "created_at ← 'Create Date': the header names a creation date and 100% of values "
     "are dates"),
    ("amount", "Deal Value", ["10", "x"],
     "amount ← 'Deal Value': the header names an amount and 50% of values are numbers"),
    ("source", "Lead Source", ["Ads", "SEO"],
     "source ← 'Lead Source': the header names a source or channel and it holds 2 "
     "distinct values"),
    ("outcome", "Status", ["Won", "Maybe"],
     "outcome ← 'Status': the header names an outcome and 1 of 2 labels are known outcome "
     "labels"),
])
def test_explain_columns_says_header_and_values(field, column, values, expected):
    rows = explain_columns(pl.DataFrame({column: values}), "leads", {field: column})
    assert [r["why"] for r in rows] == [expected]


def test_explain_columns_names_the_mapping_choice():
    rows = explain_columns(pl.DataFrame({"X": ["a", "b"]}), "leads", {"lead_id": "X"},
                           given={"lead_id": "X"})
    assert (rows[0]["how"], rows[0]["why"]) == (
        "mapping", "lead_id ← 'X': chosen in the mapping and every value is distinct")


def test_explain_columns_names_the_crm_model_for_a_pick_no_header_names():
    rows = explain_columns(pl.DataFrame({"Lead Status": ["Open"]}), "leads",
                           {"outcome": "Lead Status"}, model="Salesforce leads report")
    assert rows[0]["why"].startswith(
        "outcome ← 'Lead Status': the CRM model (Salesforce leads report) says so")
