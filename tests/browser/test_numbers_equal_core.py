"""Every page's numbers in Chromium equal the core's: the same dataset (the bundled sample,
opened with its sales profile) through ``funnel.outputs.contract.diagnose`` (the CLI JSON),
``ProfileFit`` and ``lead_trace``, formatted by the one formatting module.

One test per page; the expected values are computed here from the core, never typed in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.trace import lead_trace
from funnel.dataset.format import duration_text, percent, share_text
from funnel.findings.base import Finding
from funnel.findings.summary import plain_headline
from funnel.outputs.contract import diagnose
from funnel.sample import load_sample
from tests.browser.settle import settle


@pytest.fixture(scope="module")
def core() -> dict:
    """The CLI JSON for the sample with the profile the app opens with and its default SLA."""
    return diagnose(load_sample(), profile=SAMPLE_SALES_PROFILE, sla_hours=1.0)


def _open(page: Page, url: str, heading: str) -> None:
    page.set_default_timeout(120_000)
    page.goto(url)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    settle(page)


def _metric(page: Page, label: str, nth: int = 0) -> str:
    cards = page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return cards.nth(nth).get_by_test_id("stMetricValue").inner_text().strip()


TABLE_ROWS = """(first) => {
  for (const t of document.querySelectorAll('[data-testid="stDataFrame"] table')) {
    const rows = [...t.querySelectorAll('tr')].map(
      r => [...r.querySelectorAll('th,td')].map(c => c.innerText.trim()));
    if (rows.length > 1 && rows[0][0] === first) return rows;
  }
  return null;
}"""


def _table(page: Page, first_header: str) -> list[dict[str, str]]:
    """The rows of the shown table whose first column is ``first_header``, read from the
    grid's accessible table (the cells' values, as the grid holds them). The grid draws
    only when on screen: each table is scrolled into view until the wanted one has rows."""
    for frame in page.get_by_test_id("stDataFrame").all():
        frame.scroll_into_view_if_needed()
        if page.evaluate(TABLE_ROWS, first_header):
            break
    rows = page.wait_for_function(TABLE_ROWS, arg=first_header).json_value()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(r)]


def test_data_page_counts_equal_core(page, app_url, core):
    _open(page, f"{app_url}/data", "Data")
    health = load_sample().health
    assert _metric(page, "Rows read") == f"{health.rows_read:,}"
    assert _metric(page, "Rows rejected") == f"{core['rows']['rejected']:,}"
    assert _metric(page, "Leads") == f"{core['rows']['leads']:,}"
    assert _metric(page, "Won") == f"{core['won']:,}"


def test_funnel_page_stage_counts_equal_core(page, app_url, core):
    _open(page, f"{app_url}/funnel", "Funnel & leakage")
    for row in core["funnel"]:
        assert _metric(page, row["stage"]) == f"{row['count']:,}", row["stage"]
    never = round((1 - core["response"]["contacted_share"]) * core["rows"]["leads"])
    _open(page, f"{app_url}/funnel?view=Leads+left+behind", "Funnel & leakage")  # its tab
    assert _metric(page, "Never followed up") == f"{never:,}"  # the Speed page's share


def test_speed_page_numbers_equal_core(page, app_url, core):
    _open(page, f"{app_url}/speed", "Speed to lead")
    r = core["response"]
    assert _metric(page, "Leads") == f"{core['rows']['leads']:,}"
    assert _metric(page, "Never touched") == share_text(1 - r["contacted_share"])
    assert _metric(page, "Median first touch") == duration_text(r["median_hours_km"])
    assert _metric(page, "Within SLA") == share_text(r["within_sla_share"])


def test_profile_page_numbers_equal_core(page, app_url, core):
    _open(page, f"{app_url}/profile", "Profile fit")
    fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    p = core["profile"]
    assert (fit.in_n_, fit.n_) == (p["in_profile"], p["leads"])  # the CLI and the estimator
    assert _metric(page, "Leads in profile") == f"{p['in_profile']:,}"
    assert _metric(page, "Share in profile") == percent(p["in_profile_share"])
    assert _metric(page, "Win rate in") == percent(p["in_profile_rate"])
    assert _metric(page, "Win rate out") == percent(p["out_of_profile_rate"])


def test_sources_page_table_equals_core(page, app_url, core):
    _open(page, f"{app_url}/sources", "Sources & cost")
    shown = {r["source"]: r for r in _table(page, "source")}
    assert set(shown) == {r["source"] for r in core["sources"]}
    for row in core["sources"]:
        cells = shown[row["source"]]
        assert int(cells["leads"]) == row["leads"], row["source"]
        assert int(cells["won"]) == row["won"], row["source"]
        assert float(cells["win rate"]) == pytest.approx(row["rate"], abs=5e-4)


def test_diagnosis_page_cards_equal_core(page, app_url, core):
    _open(page, f"{app_url}/diagnosis", "Diagnosis")
    main = page.get_by_test_id("stMain")
    problems = [f for f in core["findings"] if f["status"] == "problem"]
    assert problems  # the sample plants problems
    for f in problems:
        shown = plain_headline(Finding(f["place"], f["status"], f["headline"]))
        expect(main).to_contain_text(shown)  # the cards draw once the places are computed


def test_trace_page_equals_core(page, app_url):
    ds = load_sample()
    won = ds.leads.filter(ds.leads["outcome"] == "won")["lead_id"][0]
    _open(page, f"{app_url}/trace?lead={won}", "Lead trace")
    events = lead_trace(ds, str(won))
    assert _metric(page, "Lead") == str(won)
    assert _metric(page, "Outcome") == "won"
    assert _metric(page, "Events") == f"{events.height:,}"
