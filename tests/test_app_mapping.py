"""AppTest of the mapping screen (issue 12): labels not recognised asked about once with
their counts, the answers kept in the mapping file's ``values``, and the screen, with
each automatic pick explained, still there after leaving the Data page."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LABELS = (["Prospecting"] * 5 + ["Engaging"] * 4 + ["Closed - Not Converted"] * 3
          + ["Qualified"] * 2 + ["Negotiation/Review"] * 2 + ["Won"] * 2 + ["Maybe"])
CSV = ("Lead ID,Created Date,Lead Source,Status\n" + "".join(
    f"L{i},2025-01-{i + 1:02d},Web,{label}\n" for i, label in enumerate(LABELS))).encode()
ANSWERS = {"outcome": {"Prospecting": "open", "Engaging": "open",
                       "Negotiation/Review": "open", "Maybe": "none"}}
QUESTION = "4 outcome labels in 'Status' not recognised (12 rows)"


def _uploaded() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value([("leads.csv", CSV, "text/csv")]).run()
    assert not at.exception, at.exception
    return at


def _asked(at: AppTest) -> bool:
    return any(QUESTION in w.value for w in at.warning)


def _whys(at: AppTest) -> list[str]:
    return [w for d in at.dataframe if "why" in d.value.columns for w in d.value["why"]]


def test_mapping_screen_asks_about_unrecognised_labels_with_counts():
    at = _uploaded()
    assert _asked(at)


def test_mapping_screen_opens_when_labels_are_asked():
    at = _uploaded()
    box = next(e for e in at.expander if e.label == "How the columns were read")
    assert box.proto.expanded


def test_mapping_screen_loaded_answers_stop_the_question(downloads):
    at = _uploaded()
    loaded = json.dumps({"values": ANSWERS}).encode()
    at.file_uploader(key="mapping_file").set_value(
        [("export.mapping.json", loaded, "application/json")]).run()
    assert not at.exception, at.exception
    assert not _asked(at)


def test_mapping_screen_saved_mapping_keeps_the_answers(downloads):
    at = _uploaded()
    loaded = json.dumps({"values": ANSWERS}).encode()
    at.file_uploader(key="mapping_file").set_value(
        [("export.mapping.json", loaded, "application/json")]).run()
    saved = json.loads(next(d for label, d, _ in downloads if label == "Save mapping"
                            and "Maybe" in d))
    assert {k: saved["values"]["outcome"][k] for k in ANSWERS["outcome"]} == ANSWERS["outcome"]


def test_mapping_screen_explains_each_pick_in_one_line():
    at = _uploaded()
    assert ("created_at ← 'Created Date': the header names a creation date and 100% of "
            "values are dates") in _whys(at)


def test_mapping_screen_stays_reachable_after_leaving_the_data_page():
    at = _uploaded()
    at.switch_page("pages/funnel.py").run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    assert ("How the columns were read" in [e.label for e in at.expander]
            and "lead_id ← 'Lead ID': the header names an id and every value is distinct"
            in _whys(at))


def test_mapping_screen_after_leaving_still_applies_a_loaded_mapping():
    at = _uploaded()
    at.switch_page("pages/funnel.py").run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="mapping_file").set_value(
        [("m.mapping.json", json.dumps({"values": ANSWERS}).encode(), "application/json")]).run()
    assert not at.exception, at.exception
    assert not _asked(at) and "Leads" in [m.label for m in at.metric]


def test_mapping_screen_gone_after_going_back_to_the_sample():
    at = _uploaded()
    at.file_uploader[0].set_value(None).run()
    next(b for b in at.button if "back to the sample" in b.label).click().run()
    assert "How the columns were read" not in [e.label for e in at.expander]



def test_mapping_screen_loaded_mapping_naming_two_columns_alike_gets_a_sentence():
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    rows = "".join(f"L{i},2025-01-{i + 1:02d},Web,Won,note {i},North\n" for i in range(20))
    at.file_uploader[0].set_value([("leads.csv", (
        "Lead ID,Created Date,Lead Source,Status,Notes,Region\n" + rows).encode(),
        "text/csv")]).run()
    loaded = json.dumps({"leads": {"Region": "Notes"}}).encode()  # Notes renamed Region
    at.file_uploader(key="mapping_file").set_value(
        [("export.mapping.json", loaded, "application/json")]).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "leads.csv: more than one column would be called 'Region'; give each its "
        "own name in the mapping."]
