"""AppTest of the Data page: sample by default, uploads, bad input, clearing, isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
OLIST = ROOT.parent / "shared" / "datasets" / "olist_marketing_funnel"


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader[0].set_value([(n, b, "text/csv") for n, b in files]).run()
    assert not at.exception, at.exception
    return at


def test_data_page_opens_on_labelled_sample():
    at = _open()
    assert any("sample data" in i.value.lower() for i in at.info)
    assert int(_metric(at, "Leads").replace(",", "")) > 10_000
    assert _metric(at, "Rows rejected") == "0"


def test_data_page_sample_rows_are_accounted_for():
    at = _open()
    read, kept, rejected = (int(_metric(at, k).replace(",", ""))
                            for k in ("Rows read", "Rows kept", "Rows rejected"))
    assert read == kept + rejected


@pytest.mark.skipif(not OLIST.exists(), reason="shared datasets not present")
def test_data_page_upload_olist_gives_known_counts():
    at = _upload(_open(), [
        (p.name, p.read_bytes()) for p in sorted(OLIST.glob("*.csv"))
    ])
    assert _metric(at, "Leads") == "8,000"
    assert _metric(at, "Won") == "842"
    assert any("Loaded 8,000 leads" in s.value for s in at.success)


def test_data_page_builds_a_large_upload_once():
    rows = "".join(f"L{i},2024-01-01,person{i}@example.com\n" for i in range(300_000))
    at = _upload(_open(), [("leads.csv", ("lead_id,created_at,email\n" + rows).encode())])
    built = at.session_state["built"][1]
    at.run()  # any rerun: the page tells the parsed file by its frame, which stays the same
    assert (built.leads.height, at.session_state["built"][1] is built) == (300_000, True)


def test_data_page_binary_upload_gets_one_plain_sentence():
    at = _upload(_open(), [("leads.xlsx", bytes(range(256)) * 20)])
    messages = [e.value for e in at.error]
    assert messages == ["leads.xlsx is not a CSV, Excel or Parquet file (its content looks "
                        "like binary data)."]


def test_data_page_ragged_rows_are_listed_with_reasons():
    csv = b"lead_id,created_at,source\n1,2024-01-02,Ads\n2,2024-01-03\n3,2024-01-04,Ads,x\n"
    at = _upload(_open(), [("leads.csv", csv)])
    assert _metric(at, "Rows read") == "3"
    assert _metric(at, "Rows rejected") == "2"
    shown = at.dataframe[1].value if len(at.dataframe) > 1 else None
    assert shown is not None


def test_data_page_every_grid_shows_a_missing_value_as_a_dash():
    csv = b"lead_id,created_at,source,Industry\n1,2024-01-02,Ads,\n2,2024-01-03\n3,,Ads,Retail\n"
    at = _upload(_open(), [("leads.csv", csv)])
    assert len(at.dataframe) >= 5  # files, rejected rows and reasons, capabilities, leads
    assert {d.proto.placeholder for d in at.dataframe} == {"—"}


def test_data_page_clear_returns_to_sample():
    csv = b"lead_id,created_at,outcome\n1,2024-01-02,won\n2,2024-01-03,lost\n"
    at = _upload(_open(), [("leads.csv", csv)])
    assert _metric(at, "Leads") == "2"
    at.file_uploader[0].set_value(None).run()
    next(b for b in at.button if "back to the sample" in b.label).click().run()
    assert int(_metric(at, "Leads").replace(",", "")) > 10_000


def test_data_page_sessions_do_not_see_each_others_upload():
    csv = b"lead_id,created_at,outcome\n1,2024-01-02,won\n"
    mine = _upload(_open(), [("client.csv", csv)])
    other = _open()
    assert _metric(mine, "Leads") == "1"
    assert int(_metric(other, "Leads").replace(",", "")) > 10_000


def test_data_page_loaded_mapping_file_changes_the_columns_used():
    csv = b"Ref,Wann,Result\nA-1,2024-01-02,won\nA-2,2024-01-03,lost\n"
    at = _upload(_open(), [("export.csv", csv)])
    before = at.session_state["dataset"].leads
    assert "created_at" not in before.columns  # "Wann" is not a known header
    mapping = b'{"leads": {"lead_id": "Ref", "created_at": "Wann"}}'
    loader = next(u for u in at.file_uploader if "mapping" in u.label.lower())
    loader.set_value(("export.mapping.json", mapping, "application/json")).run()
    assert not at.exception, at.exception
    after = at.session_state["dataset"].leads
    assert after["lead_id"].to_list() == ["A-1", "A-2"]
    assert after["created_at"].dt.day().to_list() == [2, 3]


def test_data_page_malformed_mapping_file_gets_a_plain_message():
    at = _upload(_open(), [("export.csv", b"lead_id,created_at\n1,2024-01-02\n")])
    loader = next(u for u in at.file_uploader if "mapping" in u.label.lower())
    loader.set_value(("bad.mapping.json", b"{not json", "application/json")).run()
    assert any("not valid JSON" in e.value for e in at.error)


def test_data_page_two_uploads_with_one_name_are_told_apart():
    a = b"lead_id,created_at,outcome\n1,2024-01-02,won\n"
    b = b"lead_id,created_at,outcome\n2,2024-01-03,lost\n"
    at = _upload(_open(), [("export.csv", a), ("export.csv", b)])
    files = [f.name for f in at.session_state["dataset"].health.files]
    assert files == ["export.csv", "export.csv (2)"]
    assert _metric(at, "Leads") == "2"


def test_data_page_applied_mapping_does_not_follow_into_the_next_clients_files():
    at = _upload(_open(), [("a.csv", b"Ref,Wann,Result\nA-1,2024-01-02,won\n")])
    loader = next(u for u in at.file_uploader if "mapping" in u.label.lower())
    loader.set_value(("a.mapping.json", b'{"leads": {"lead_id": "Ref"}}', "application/json"))
    at.run()
    at.file_uploader[0].set_value([("b.csv", b"lead_id,created_at,outcome\n9,2024-01-02,won\n",
                                    "text/csv")]).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["dataset"].leads["lead_id"].to_list() == ["9"]


def test_data_page_lead_table_masks_personal_fields_by_default():
    at = _open()
    table = at.dataframe[-1].value
    assert table["Email"].str.startswith("email-").all()
    at.toggle(key="data:reveal").set_value(True).run()
    assert at.dataframe[-1].value["Email"].str.contains("@").all()


def test_data_page_shows_olist_owners_as_partial(olist_dataset):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = olist_dataset
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    caps = next(d.value for d in at.dataframe if "can show" in list(d.value.columns))
    owners = caps.loc[caps["analysis"] == "Owners and routing"].iloc[0]
    assert owners["can show"] == "partial"
    assert owners["because"].startswith(
        "owner known for 842 of 8,000 leads (10.5%), all of them won")


def test_data_page_marks_sample_capabilities_available():
    caps = next(d.value for d in _open().dataframe if "can show" in list(d.value.columns))
    assert set(caps["can show"]) == {"✓"}


CRM = ROOT / "tests" / "fixtures" / "crm" / "salesforce_csv"


def test_data_page_says_which_crm_model_and_link_it_used():
    at = _upload(_open(), [(p.name, p.read_bytes()) for p in sorted(CRM.glob("*.csv"))])
    captions = " ".join(c.value for c in at.caption)
    assert ("Salesforce opportunities report" in captions,
            "Converted Opportunity ID" in captions) == (True, True)


def test_data_page_says_why_a_campaign_members_file_is_left_out():
    crm = ROOT / "tests" / "fixtures" / "crm" / "salesforce_api"
    at = _upload(_open(), [(n, (crm / n).read_bytes()) for n in ("Lead.csv", "CampaignMember.csv")])
    assert [s.value for s in at.selectbox][:2] == ["leads", "ignore"]
    assert any("campaign members export" in c.value for c in at.caption)
    assert _metric(at, "Leads") == "12"
