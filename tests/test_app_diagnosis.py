"""AppTest of the Diagnosis page: cards per place, quality vs handling, what-if."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from funnel.findings.registry import PLACES
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()  # the diagnosis is the default page
    assert not app.exception, app.exception
    return app


def test_diagnosis_is_the_default_page(at):
    assert at.title[0].value == "Diagnosis"


def test_diagnosis_shows_one_card_per_place(at):
    badges = [m.value for m in at.markdown if "-badge[" in m.value]  # st.badge is markdown
    assert len(badges) == len(PLACES)
    assert all(any(s in b for s in ("Problem", "No evidence", "Can't tell")) for b in badges)


def test_diagnosis_on_sample_finds_the_planted_culprits(at):
    text = " ".join(m.value for m in at.markdown)
    for culprit in ("Marcus Reed", "Priya Shah", "Tom Becker", "Lena Park", "facebook-free-tool"):
        assert culprit in text


def _what_if_table(at):
    return next(df.value for df in at.dataframe if "scenario (95% CI)" in df.value.columns)


def test_diagnosis_what_if_untouched_changes_nothing(at):
    table = _what_if_table(at)
    assert list(table["change"].str.lstrip("$")) == ["0"] * 5
    assert list(table["scenario (95% CI)"].str.split(" ").str[0]) == list(table["observed"])
    assert at.slider(key="whatif:fast").value == pytest.approx(
        float(at.session_state["diagnosis_memo"]["flags"]["speed"].eq("fast").mean()))


def test_diagnosis_speed_card_says_its_amount_is_an_upper_bound(at):
    captions = " ".join(c.value for c in at.caption)
    assert "at stake ≈ $" in captions and "an upper-bound scenario" in captions


def test_diagnosis_what_if_slider_moves_the_scenario(at):
    at.slider(key="whatif:fast").set_value(1.0).run()
    table = _what_if_table(at)
    won = table.loc[table["measure"] == "won"].iloc[0]
    assert won["change"].startswith("+") and "95% CI" in won["scenario (95% CI)"]


def test_diagnosis_without_touch_times_says_what_is_missing():
    rows = [f"{i},2024-01-{i % 28 + 1:02d},Ads,Rep {i % 3},{'won' if i % 4 == 0 else 'lost'}"
            for i in range(1, 200)]
    csv = ("lead_id,created_at,source,owner,outcome\n" + "\n".join(rows) + "\n").encode()

    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["dataset"] = build_dataset([("leads", read_file(csv, name="l.csv"))])
    app.run()
    assert not app.exception, app.exception
    captions = " ".join(c.value for c in app.caption)
    assert "`first_response_at`" in captions


def test_diagnosis_lists_opportunities_lacking_qualification_fields(at):
    text = " ".join(m.value for m in at.markdown)
    assert "Opportunities lacking qualification fields" in text
    fields = [df.value for df in at.dataframe if "missing_share" in df.value.columns]
    assert fields and "Budget Confirmed" in list(fields[0]["field"])
