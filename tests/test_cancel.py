"""Long core work stops when its caller's ``should_stop`` says so, between named steps,
with ``Cancelled`` and nothing half-made (issue 15, item 6: work for a session that has
gone is cancelled)."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

import funnel
from funnel.dataset.errors import Cancelled, stop_if
from funnel.findings.registry import PLACES, diagnose_places
from funnel.ingest.readers import read_file
from funnel.sample import SAMPLE_DIR, SAMPLE_FILES, load_sample

BUILD_STEPS = [*(f"typing {f}" for f in SAMPLE_FILES.values()), "stacking the leads",
               "linking deals and activities to the leads", "checking the leads"]
CSV = b"lead_id,created_at,source\nL1,2024-01-02,Web\nL2,2024-01-03,Ads\n"
CSV_STEPS = ["checking the rows of leads.csv", "reading the rows of leads.csv",
             "looking for binary data in leads.csv"]


class StopAt:
    """A ``should_stop`` that says stop on its call number ``k`` (from 0), and counts."""

    def __init__(self, k: int | None) -> None:
        self.k, self.calls = k, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls - 1 == self.k


def _sample_tables():
    return [(r, read_file(SAMPLE_DIR / f)) for r, f in SAMPLE_FILES.items()]


def _workbook(*sheets: str) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    for name in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate([["lead_id", "created_at"], ["L1", "2024-01-02"]]):
            ws.write_row(r, 0, row)
    wb.close()
    return out.getvalue()


def test_stop_if_names_the_step_it_stopped_before():
    with pytest.raises(Cancelled) as info:
        stop_if(lambda: True, "typing leads.csv")
    assert (info.value.step, str(info.value)) == ("typing leads.csv",
                                                  "stopped before typing leads.csv")


def test_cancelled_is_not_an_input_error():
    assert not issubclass(Cancelled, funnel.InputError)


@pytest.mark.parametrize("k", range(len(BUILD_STEPS)), ids=BUILD_STEPS)
def test_build_dataset_stops_before_step_k(k):
    with pytest.raises(Cancelled) as info:
        funnel.build_dataset(_sample_tables(), should_stop=StopAt(k))
    assert info.value.step == BUILD_STEPS[k]


@pytest.mark.parametrize("k", [0, 2, len(BUILD_STEPS) - 1], ids=lambda k: BUILD_STEPS[k])
def test_build_dataset_cancelled_leaves_the_tables_as_given(k):
    tables = _sample_tables()
    before = [t.frame.clone() for _, t in tables]
    with pytest.raises(Cancelled):
        funnel.build_dataset(tables, should_stop=StopAt(k))
    for (_, t), frame in zip(tables, before, strict=True):
        assert_frame_equal(t.frame, frame)


def test_build_dataset_asks_once_per_step_when_never_stopped():
    ask = StopAt(None)
    ds = funnel.build_dataset(_sample_tables(), should_stop=ask)
    assert (ask.calls, ds.leads.height > 0) == (len(BUILD_STEPS), True)


@pytest.mark.parametrize("k", range(len(CSV_STEPS)), ids=CSV_STEPS)
def test_read_file_stops_before_step_k(tmp_path, k):
    path = tmp_path / "leads.csv"
    path.write_bytes(CSV)
    with pytest.raises(Cancelled) as info:
        read_file(path, should_stop=StopAt(k))
    assert info.value.step == CSV_STEPS[k]


def test_read_file_of_an_upload_stops_before_copying_it():
    with pytest.raises(Cancelled) as info:
        read_file(CSV, name="leads.csv", should_stop=StopAt(0))
    assert info.value.step == "copying leads.csv as UTF-8 text"


def test_read_file_asks_before_each_step_when_never_stopped():
    ask = StopAt(None)
    t = read_file(CSV, name="leads.csv", should_stop=ask)
    assert (ask.calls, t.rows_read) == (1 + len(CSV_STEPS), 2)


def test_read_file_stops_before_reading_a_sheet():
    with pytest.raises(Cancelled) as info:
        read_file(_workbook("Leads"), name="book.xlsx", should_stop=StopAt(0))
    assert info.value.step == "reading sheet 'Leads' of book.xlsx"


@pytest.mark.parametrize("k", [0, 3, len(PLACES) - 1])
def test_diagnose_places_stops_before_place_k(k):
    with pytest.raises(Cancelled) as info:
        diagnose_places(load_sample(), should_stop=StopAt(k))
    assert info.value.step == f"the {PLACES[k]} place"
