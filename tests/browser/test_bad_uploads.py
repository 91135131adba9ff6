"""Bad or odd files of the corpus (tests/badfiles) uploaded in Chromium: each loads with
its rows counted, or the Data page says its one plain sentence; never an error box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.badfiles import CASES
from tests.browser.settle import settle

BY_ID = {c.id: c for c in CASES}
SHOWN = ["unclosed-quote", "nul-byte", "title-rows", "shift-jis", "duplicate-header",
         "six-date-formats", "2001-columns", "png-named-csv", "excel-merged-title"]


@pytest.mark.parametrize("case_id", SHOWN)
def test_bad_upload_loads_or_says_one_sentence_in_chromium(app_page, case_id, tmp_path):
    case = BY_ID[case_id]
    page = app_page
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        str(case.write(tmp_path)))
    if case.kept is None:
        expect(page.get_by_test_id("stMain")).to_contain_text(case.says)
    else:
        expect(page.get_by_text(f"Loaded {case.kept:,} leads").first).to_be_visible()
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in page.content()
