"""AppTest of the Diagnosis page: cards per place, quality vs handling, what-if."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.verdict import lead_flags
from funnel.dataset.format import header
from funnel.findings.registry import CHARTS, PAGES, PLACES, TITLES, diagnose_places
from funnel.findings.summary import verdict_summary
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from ui.sections.diagnosis import PAGE_FILES
from ui.sections.funnel import VIEWS as FUNNEL_VIEWS
from ui.sections.speed import TABS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PLACE_OF = {title: place for place, title in TITLES.items()}
NO_TOUCH = ("lead_id,created_at,source,owner,outcome\n" + "\n".join(
    f"{i},2024-01-{i % 28 + 1:02d},Ads,Rep {i % 3},{'won' if i % 4 == 0 else 'lost'}"
    for i in range(1, 200)) + "\n").encode()


def cards_of(app: AppTest) -> dict[str, tuple[str, list]]:
    """Place -> (its badge, the page links on its card)."""
    out = {}
    for col in app.main.columns:
        for block in col.children.values():
            kids = list(getattr(block, "children", {}).values())
            if kids and getattr(kids[0], "type", None) == "markdown" and (
                    kids[0].value.strip("*") in PLACE_OF):
                badge = next(k.value for k in kids if "-badge[" in str(getattr(k, "value", "")))
                links = [k for k in kids if getattr(k, "type", None) == "page_link"]
                out[PLACE_OF[kids[0].value.strip("*")]] = (badge, links)
    return out


def run_on(ds) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.session_state["dataset"] = ds
    app.run()
    assert not app.exception, app.exception
    return app


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
    assert all(any(s in b for s in ("Problem", "Clear", "Can't tell")) for b in badges)


@pytest.fixture(scope="module")
def core_cards(sample_ds):
    """What the core finds on the sample with its sales profile (the profile in use)."""
    return diagnose_places(sample_ds, profile=SAMPLE_SALES_PROFILE)


def test_diagnosis_top_line_is_the_verdict_summary(at, core_cards):
    assert at.main.markdown[0].value == f"**{verdict_summary(core_cards).text}**"


def test_diagnosis_links_a_chart_only_where_its_page_has_one(at):
    links = {place: [link.proto.page for link in card[1]] for place, card in cards_of(at).items()}
    assert links == {p: [PAGES[p]] if p in CHARTS and PAGES[p] != "diagnosis" else []
                     for p in PLACES}


def test_diagnosis_speed_card_opens_the_conversion_tab(at):
    (link,) = cards_of(at)["speed"][1]
    assert link.proto.query_string == "view=Conversion+by+speed"


@pytest.mark.parametrize(("place", "query"), [
    ("follow_up", "view=Leads+left+behind"), ("message", "view=Where+and+why+leads+stop")])
def test_diagnosis_funnel_card_opens_its_view(at, place, query):
    (link,) = cards_of(at)[place][1]
    assert (link.proto.page, link.proto.query_string) == ("funnel", query)


def test_card_chart_names_a_heading_or_tab_of_its_page():
    tabs = {"speed": TABS, "funnel": FUNNEL_VIEWS}
    for place, chart in CHARTS.items():
        page = PAGES[place]
        assert chart in tabs[page] if page in tabs else chart in (
            ROOT / PAGE_FILES[page]).read_text(encoding="utf-8")


def test_diagnosis_on_olist_says_nothing_could_be_tested(olist_dataset):
    app = run_on(olist_dataset)
    text = verdict_summary(diagnose_places(olist_dataset)).text
    assert app.main.markdown[0].value == f"**{text}**"
    assert text.startswith("Nothing could be tested: 9 can't tell")


def test_diagnosis_cant_tell_cards_have_no_page_link(olist_dataset):
    cards = cards_of(run_on(olist_dataset))
    assert len(cards) == len(PLACES)
    assert all("Can't tell" in badge and not links for badge, links in cards.values())


def test_diagnosis_cant_tell_card_of_missing_data_has_no_link_among_tested_ones():
    cards = cards_of(run_on(build_dataset([("leads", read_file(NO_TOUCH, name="l.csv"))])))
    assert "Can't tell" in cards["speed"][0] and not cards["speed"][1]


def test_diagnosis_on_sample_finds_the_planted_culprits(at):
    text = " ".join(m.value for m in [*at.markdown, *at.text])
    for culprit in ("Marcus Reed", "Priya Shah", "Tom Becker", "Lena Park", "facebook-free-tool"):
        assert culprit in text


def _what_if_table(at):
    return next(df.value for df in at.dataframe if "scenario (95% CI)" in df.value.columns)


def test_diagnosis_what_if_untouched_changes_nothing(at, sample_ds):
    table = _what_if_table(at)
    assert list(table["change"].str.lstrip("$")) == ["0"] * 5
    assert list(table["scenario (95% CI)"].str.split(" ").str[0]) == list(table["observed"])
    flags = lead_flags(sample_ds, in_profile=None, fast_hours=1.0)
    assert at.slider(key="whatif:fast").value == pytest.approx(
        float(flags["speed"].eq("fast").mean()))


def test_diagnosis_speed_card_says_its_amount_is_an_upper_bound(at):
    captions = " ".join(c.value for c in at.caption)
    assert "at stake ≈ $" in captions and "an upper-bound scenario" in captions


def test_diagnosis_what_if_slider_moves_the_scenario(at):
    at.slider(key="whatif:fast").set_value(1.0).run()
    table = _what_if_table(at)
    won = table.loc[table["measure"] == "won"].iloc[0]
    assert won["change"].startswith("+") and "95% CI" in won["scenario (95% CI)"]


def test_diagnosis_without_touch_times_says_what_is_missing():
    app = run_on(build_dataset([("leads", read_file(NO_TOUCH, name="l.csv"))]))
    captions = " ".join(c.value for c in app.caption)
    assert "Needs: first sales touch" in captions  # the field in plain words


def test_diagnosis_without_attributes_does_not_promise_a_learned_profile():
    csv = b"lead_id,created_at,outcome\n" + b"".join(
        f"{i},2024-01-{i % 28 + 1:02d},{'won' if i % 3 else 'lost'}\n".encode() for i in range(200))
    app = run_on(build_dataset([("leads", read_file(csv, name="l.csv"))]))  # no profile
    captions = " ".join(c.value for c in app.caption)
    assert "no attributes" in captions and "learned on half the leads" not in captions


def test_diagnosis_lists_opportunities_lacking_qualification_fields(at):
    text = " ".join(m.value for m in at.markdown)
    assert "Opportunities lacking qualification fields" in text
    fields = [df.value for df in at.dataframe if header("missing_share") in df.value.columns]
    assert fields and "Budget Confirmed" in list(fields[0]["field"])


def _entries(app: AppTest, store: str, name: str) -> list:
    return [v[1] for k, v in app.session_state[store].items() if k[0] == name]


def test_diagnosis_profile_edit_reruns_only_the_profile_places():
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()
    fixed = _entries(app, "diagnosis_base", "diagnosis_fixed")
    app.switch_page("pages/profile.py").run()
    next(b for b in app.button if b.label == "Clear").click().run()
    app.switch_page("pages/diagnosis.py").run()
    assert not app.exception, app.exception
    assert _entries(app, "diagnosis_base", "diagnosis_fixed")[0] is fixed[0]  # not re-run
    assert len(_entries(app, "diagnosis_memo", "diagnosis")) == 2  # with and without
    shown = cards_of(app)
    assert set(shown) == set(PLACES)
    assert "Can't tell" in shown["definition"][0]  # no stated profile any more
