"""The marker test: a leads/deals/activities set seeded with distinct personal markers
(names, e-mail addresses, phone numbers in seven formats, also inside free text, a rejected
row's reason, a warning and the file names) leaves 0 markers in what leaves the consultant:
the pseudonymised dataset, the workspace store on disk, the notebook bundle and the report.
The viewer's pages and downloads are checked in test_app_privacy.py on the same files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from funnel.dataset.privacy import pseudonymise
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.notebook import export_bundle
from funnel.outputs.report import report_html, report_sections
from funnel.outputs.workspace import WorkspaceStore

NAMES = ["Zebulon", "Quackenbush", "Philippa", "Ortolan", "Xavera", "Muldoon", "Ignatius",
         "Pemberton", "Cordelia", "Thistlewood"]
EMAILS = ["zeb.quack@mailhost.example", "p.ortolan@corpmail.example", "x.muldoon@bigco.example",
          "ignatius.p@dealco.example", "cordelia@thistle.example"]
PHONES = ["+1 (555) 010-0199", "555.010.0123", "+44 20 7946 0018", "030 1234567", "5550100177",
          "+49-30-1234-5678", "(555) 010-0145"]
MARKERS = [*NAMES, *EMAILS, *PHONES, "mailhost", "corpmail", "bigco", "dealco", "thistle."]

E, P = EMAILS, PHONES
LEADS = [
    ["lead_id", "created_at", "source", "campaign", "owner", "First Name", "Last Name", "Email",
     "Phone", "Notes", "outcome"],
    ["1", "2024-01-02", "Ads", f"Spring {E[0]}", "Tom Rep", "Zebulon", "Quackenbush", E[0], P[0],
     f"Spoke with Philippa, call back on {P[2]}", "won"],
    ["2", "2024-01-03", "Web", "Autumn", "Tom Rep", "Philippa", "Ortolan", E[1], P[1],
     f"Zebulon Quackenbush referred her; {P[4]}", "lost"],
    ["3", "2024-01-04", "Web", "Autumn", "Ann Rep", "Xavera", "Muldoon", E[2], P[3],
     f"fax {P[5]}", "open"],
    ["3", "2024-01-05", "Web", "Autumn", "Ann Rep", "Xavera", "Muldoon", E[2], P[6],
     "duplicate id", "open"],
    ["4", "Muldoon birthday", "Web", "Autumn", "Ann Rep", "Ottoline", "Vasquezova",
     "o.v@tiny.example", "", "x", "open"],
]
DEALS = [
    ["deal_id", "lead_id", "created_at", "stage", "amount", "outcome", "lost_reason",
     "Contact Name", "Deal Title"],
    ["D1", "1", "2024-01-10", "won", "1000", "won", "", "Ignatius Pemberton",
     "Deal with Zebulon Quackenbush"],
    ["D2", "2", "2024-01-11", "lost", "500", "lost", f"Philippa chose a rival (mail {E[1]})",
     "Cordelia Thistlewood", "Ortolan renewal"],
]
ACTIVITIES = [
    ["lead_id", "at", "kind", "owner", "Subject"],
    ["1", "2024-01-02 10:00", "call", "Tom Rep", f"Called Zebulon Quackenbush on {P[0]}"],
    ["2", "2024-01-03 11:00", "email", "Tom Rep", f"Mailed {E[1]} and {E[3]}"],
    ["3", "2024-01-04 12:00", "call", "Ann Rep",
     f"Left voicemail for Xavera at {P[6]}; ask Cordelia ({E[4]})"],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Rows as CSV (quoted where needed)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def marker_dataset():
    """The seeded leads, deals and activities, built as an upload is (files named after a
    lead, so file names are markers too)."""
    files = [("leads", read_file(csv_bytes(LEADS), name="Quackenbush leads.csv")),
             ("deals", read_file(csv_bytes(DEALS), name="deals.csv")),
             ("activities", read_file(csv_bytes(ACTIVITIES), name="activities.csv"))]
    return build_dataset(files, label=", ".join(t.name for _, t in files))


def found(text: str) -> list[str]:
    """The markers found in ``text`` (case-insensitive)."""
    low = text.lower()
    return [m for m in MARKERS if m.lower() in low]


def frame_text(frame: pl.DataFrame | None) -> str:
    """Every header and value of a table, as text."""
    if frame is None:
        return ""
    return " ".join(frame.columns) + "\n" + frame.cast(pl.String, strict=False).write_csv()


def folder_text(folder: Path) -> str:
    """Everything a workspace folder holds: every Parquet file's values, and the meta."""
    parts = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            parts.append(frame_text(pl.read_parquet(path)))
        else:
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def seeded():
    return marker_dataset()


def test_markers_seeded_set_holds_every_marker(seeded):
    ds = seeded
    text = "\n".join([frame_text(ds.leads), frame_text(ds.deals), frame_text(ds.activities),
                      frame_text(ds.health.rejected), ds.label,
                      *(w.message for w in ds.health.warnings)])
    assert set(found(text)) == set(MARKERS)  # the test would notice a leak


@pytest.mark.parametrize("where", ["leads", "deals", "activities", "rejected", "health"])
def test_pseudonymise_leaves_no_marker(seeded, where):
    safe = pseudonymise(seeded, key="k")
    text = {"rejected": lambda: frame_text(safe.health.rejected),
            "health": lambda: json.dumps([safe.label, [w.message for w in safe.health.warnings],
                                          [(f.name, f.notes) for f in safe.health.files],
                                          [c.reason for c in safe.health.capabilities]])
            }.get(where, lambda: frame_text(getattr(safe, where)))()
    assert found(text) == []


def test_pseudonymise_keeps_ids_amounts_and_outcomes(seeded):
    safe = pseudonymise(seeded, key="k")
    assert safe.leads["lead_id"].to_list() == seeded.leads["lead_id"].to_list()
    assert safe.leads["outcome"].to_list() == seeded.leads["outcome"].to_list()
    assert safe.deals["amount"].sum() == seeded.deals["amount"].sum()
    assert safe.leads["owner"].to_list() == seeded.leads["owner"].to_list()


def test_pseudonymise_names_same_value_same_pseudonym_across_tables(seeded):
    safe = pseudonymise(seeded, key="k")
    assert safe.leads["Email"][1] in safe.activities["Subject"][1]


@pytest.mark.parametrize("kind", ["shared", "session"])
def test_workspace_store_on_disk_holds_no_marker(seeded, tmp_path, kind):
    store = WorkspaceStore(tmp_path)
    ws_id = store.save(seeded, name="Workshop", key="k", kind=kind)
    assert found(folder_text(tmp_path / ws_id)) == []


def test_notebook_bundle_holds_no_marker(seeded):
    z = zipfile.ZipFile(io.BytesIO(export_bundle(seeded, name="Workshop", key="k")))
    data = [n for n in z.namelist() if n.startswith("data/") or "/" not in n]
    text = []
    for name in data:
        raw = z.read(name)
        text.append(frame_text(pl.read_parquet(io.BytesIO(raw))) if name.endswith(".parquet")
                    else raw.decode("utf-8"))
    assert found("\n".join(text)) == []


def test_report_holds_no_marker(seeded):
    sections = report_sections(seeded, key="k")
    assert found(report_html(sections, title="Workshop")) == []
