"""Two CRM fixture exports uploaded in Chromium: the Data page shows the hand-counted
leads and wins (tests/fixtures/crm/expected.csv), names the CRM model it recognised in
each file and the link it used between deals and leads."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.settle import settle

CRM = Path(__file__).resolve().parents[1] / "fixtures" / "crm"
EXPECTED = {r["case"]: r for r in csv.DictReader((CRM / "expected.csv").open())}


def _metric(page, label: str):
    card = page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return card.first.get_by_test_id("stMetricValue")


@pytest.mark.parametrize("case", ["salesforce_xlsx", "hubspot_companies", "salesforce_api"])
def test_crm_upload_counts_model_and_link_in_chromium(app_page, case):
    want = EXPECTED[case]
    page = app_page
    files = sorted(str(p) for p in (CRM / case).iterdir())
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(files)
    expect(page.get_by_text(f"Loaded {int(want['leads']):,} leads").first).to_be_visible()
    settle(page)
    expect(_metric(page, "Leads")).to_have_text(f"{int(want['leads']):,}")
    expect(_metric(page, "Won")).to_have_text(f"{int(want['won']):,}")
    main = page.get_by_test_id("stMain")
    for model in want["recognised"].split("|"):
        expect(main).to_contain_text(f": {model}")
    expect(main).to_contain_text(f"The link between deals and leads is the {want['link']}")
    without = int(want["without_lead"])
    expect(main).to_contain_text(f"{without} deal{'s' if without != 1 else ''} "
                                 f"ha{'ve' if without != 1 else 's'} no lead in this export")
