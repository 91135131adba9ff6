"""Formula safety of every CSV and Excel file the app can write: an export whose every text
field (and a header, the file name, a rejected row) starts a formula gives 0 live formula
cells in every download of every page (tables, findings, rejected rows), and the shared
writers (funnel.outputs.export.to_csv / to_xlsx) neutralise every cell and header."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.export import FORMULA_START, to_csv, to_xlsx

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["pages/diagnosis.py", "pages/data.py", "pages/profile.py", "pages/funnel.py",
         "pages/sources.py", "pages/speed.py", "pages/trace.py"]
NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")
FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", " =2+2", "\r=3"]


def live_cells(content: bytes, name: str) -> list[str]:
    """The cells of a CSV or Excel file that a spreadsheet would evaluate."""
    if name.endswith(".csv"):
        text = content.decode("utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        return [c for c in cells if c.lstrip(" \n").startswith(FORMULA_START)
                and not NUMBER.fullmatch(c)]  # -1 is a number, not a formula
    book = zipfile.ZipFile(io.BytesIO(content))
    xml = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/")
                  and n.endswith(".xml"))
    formulas = re.findall(r"<f[ >].*?</f>", xml)
    strings = re.findall(r"<t[^>]*>(.*?)</t>", xml, flags=re.S)
    return formulas + [s for s in strings if s.lstrip(" \n").startswith(FORMULA_START)]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def formula_dataset():
    """Leads and deals whose every text field starts a formula; a header and the file name
    too; one row rejected (its date is a formula)."""
    f = FORMULAS[:6]  # a carriage return inside a quoted cell splits the row when read
    leads = [["lead_id", "created_at", "source", "campaign", "owner", "lost_reason", "Industry",
              "outcome", "=cmd|' /C calc'!A0"]]
    for i in range(60):
        leads.append([str(i), f"2024-01-{i % 28 + 1:02d}", f[i % 6], f[(i + 1) % 6],
                      f[(i + 2) % 6], f[(i + 3) % 6], f[i % 3], "won" if i % 3 == 0 else "lost",
                      f[(i + 4) % 6]])
    leads.append(["99", "=1+1", f[0], f[1], f[2], f[3], f[0], "lost", f[4]])
    deals = [["deal_id", "lead_id", "created_at", "amount", "outcome", "lost_reason"]]
    deals += [[f"D{i}", str(i), f"2024-02-{i % 28 + 1:02d}", str(100 * i),
               "won" if i % 3 == 0 else "lost", f[i % 6]] for i in range(30)]
    files = [("leads", read_file(_csv(leads), name="=HYPERLINK(1) leads.csv")),
             ("deals", read_file(_csv(deals), name="@deals.csv"))]
    return build_dataset(files, label=", ".join(t.name for _, t in files))


@pytest.mark.parametrize("writer, name", [(to_csv, "t.csv"), (to_xlsx, "t.xlsx")])
@pytest.mark.parametrize("cell", FORMULAS)
def test_export_writers_neutralise_every_cell_and_header(writer, name, cell):
    frame = pl.DataFrame({cell: [cell, "ok"], "n": [-1, 2]})
    assert live_cells(writer(frame), name) == []


def test_export_live_cells_sees_a_raw_formula():
    assert live_cells(pl.DataFrame({"a": ["=1+1"]}).write_csv().encode(), "t.csv") == ["=1+1"]


@pytest.fixture(scope="module")
def planted():
    return formula_dataset()


def test_app_formulas_every_download_has_no_live_formula(planted, downloads):
    assert planted.health.rows_rejected == 1
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset"] = planted
    at.query_params["lead"] = "1"
    at.run()
    assert not at.exception, at.exception
    for page in PAGES[1:]:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    files = {name: data() if callable(data) else data for _, data, name in downloads
             if name.endswith((".csv", ".xlsx"))}
    assert "rejected_rows.csv" in files and "findings.csv" in files and len(files) >= 10
    live = {name: live_cells(content if isinstance(content, bytes) else content.encode(), name)
            for name, content in files.items()}
    assert {name: cells for name, cells in live.items() if cells} == {}
