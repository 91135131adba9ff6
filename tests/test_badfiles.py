"""The bad-input corpus (tests/badfiles) through the core loader and through the CLI.

Each file loads with read = kept + rejected and its lost values counted in warnings, or
is refused with one plain sentence; never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

import funnel
from funnel.cli import main
from funnel.dataset.errors import InputError
from tests.badfiles import CASES, Case

IDS = [c.id for c in CASES]


def _lost(warnings) -> int:
    return sum(w.count or 0 for w in warnings if w.code == "unreadable_values")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_badfiles_core_loader_keeps_or_refuses_as_expected(tmp_path, case: Case):
    path = case.write(tmp_path)
    if case.says:
        with pytest.raises(InputError) as info:
            funnel.load(path)
        message = str(info.value)
        assert (case.says in message, "\n" in message, "Error" in message) == (
            True, False, False)
        return
    ds = funnel.load(path)
    (report,) = ds.health.files
    messages = " | ".join(w.message for w in ds.health.warnings)
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (
        case.kept + case.rejected, case.kept, case.rejected)
    assert [f for f in case.warns if f not in messages] == []
    assert _lost(ds.health.warnings) == case.lost


@pytest.mark.parametrize("case", [c for c in CASES if c.value], ids=lambda c: c.id)
def test_badfiles_core_loader_decodes_text(tmp_path, case: Case):
    ds = funnel.load(case.write(tmp_path))
    assert case.value in ds.leads["source"].to_list()


@pytest.mark.parametrize("case", [c for c in CASES if not c.says and not c.warns
                                  and not c.rejected and c.id != "2000-columns"],
                         ids=lambda c: c.id)
def test_badfiles_clean_case_has_no_no_creation_date_warning(tmp_path, case: Case):
    ds = funnel.load(case.write(tmp_path))
    assert "no_created_at" not in [w.code for w in ds.health.warnings]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_badfiles_cli_gives_json_or_one_sentence(tmp_path, case: Case):
    path = case.write(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diagnose", "--leads", str(path), "--json"])
    if case.says:
        lines = err.getvalue().strip().splitlines()
        assert (code, len(lines), lines[0].startswith("funnel: "), case.says in lines[0]) == (
            2, 1, True, True)
        return
    assert (code, "Traceback" in err.getvalue()) == (0, False)
    result = json.loads(out.getvalue())
    assert (result["rows"]["leads"], result["rows"]["rejected"]) == (case.kept, case.rejected)
