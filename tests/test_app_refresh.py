"""AppTest of a browser reload: the session's upload and profiles come back from ``?session=``.

A reload is a new Streamlit session; here that is a new ``AppTest`` given the same URL
parameter the first one put in the address bar.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.profile.criteria import Profile
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
ROWS = "".join(f"{i},2024-01-{i % 28 + 1:02d},{'Ads' if i % 2 else 'Web'},u{i}@x.example,"
               f"Person{i},{'Software' if i % 3 else 'Retail'},{'won' if i % 4 == 0 else 'lost'}\n"
               for i in range(1, 46))
CSV = ("lead_id,created_at,source,Email,First Name,Industry,outcome\n" + ROWS).encode()
SALES = Profile.from_dict({"name": "Sales: software",
                           "criteria": [{"field": "Industry", "in": ["Software"]}]})
MARKETING = Profile("Marketing: stated ICP")
LINE = "Profile in use: Sales: software, 1 criterion · 30 of 45 leads in profile"


@pytest.fixture(autouse=True)
def store_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_WORKSPACES", str(tmp_path / "ws"))
    monkeypatch.setenv("FUNNEL_MASK_KEY", "test-key")
    monkeypatch.delenv("FUNNEL_SESSION_TTL_HOURS", raising=False)
    return tmp_path / "ws"


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _data_page(session: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if session is not None:
        at.query_params["session"] = session
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str = "leads.csv", data: bytes = CSV) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "text/csv")]).run()
    assert not at.exception, at.exception
    return at


def _describe_sales(at: AppTest) -> AppTest:
    """Load the sales profile file into the first slot on the Profile fit page."""
    at.switch_page("pages/profile.py").run()
    loader = next(u for u in at.file_uploader if "profile" in u.label.lower())
    loader.set_value(("sales.profile.json", SALES.to_json().encode(), "application/json")).run()
    assert not at.exception, at.exception
    return at


def _uploaded() -> AppTest:
    """A session that uploaded the CSV and described its sales profile."""
    return _describe_sales(_upload(_data_page()))


def _session_store(store_dir: Path, *, ttl=dt.timedelta(hours=24)) -> WorkspaceStore:
    return WorkspaceStore(store_dir, ttl=ttl)


def test_refresh_restores_the_upload_and_its_profile(store_dir):
    first = _uploaded()
    reloaded = _data_page(first.session_state["session_id"])
    assert _metric(reloaded, "Leads") == "45"
    assert not any("sample data" in i.value.lower() for i in reloaded.info)
    assert list(reloaded.session_state["profiles"].values()) == [SALES, MARKETING]
    assert [t.value for t in reloaded.sidebar.text] == [LINE]


def test_refresh_upload_puts_its_session_in_the_url(store_dir):
    at = _upload(_data_page())
    ws_id = at.session_state["session_id"]
    assert at.query_params["session"] == ws_id
    assert _session_store(store_dir).info(ws_id, kind="session").leads == 45


def test_refresh_restored_upload_stays_editable(store_dir):
    reloaded = _data_page(_uploaded().session_state["session_id"])
    assert len(reloaded.get("file_uploader")) == 1
    assert any("back to the sample" in b.label for b in reloaded.button)
    reloaded.switch_page("pages/profile.py").run()
    assert not reloaded.exception, reloaded.exception
    assert reloaded.multiselect or reloaded.text_input  # the criterion editor is there


def test_refresh_restored_upload_cannot_reveal_personal_fields(store_dir):
    reloaded = _data_page(_upload(_data_page()).session_state["session_id"])
    assert not any(t.key == "data:reveal" for t in reloaded.toggle)
    assert any("cannot be revealed" in c.value for c in reloaded.caption)
    leads = reloaded.session_state["dataset"].leads
    assert leads["First Name"].str.starts_with("person-").all()
    assert leads["Email"].str.starts_with("email-").all()


def test_refresh_profile_change_rewrites_only_the_meta(store_dir):
    at = _upload(_data_page())
    ws_id = at.session_state["session_id"]
    leads = store_dir / ws_id / "leads.parquet"
    before = leads.stat().st_mtime_ns
    _describe_sales(at)
    saved = _session_store(store_dir).load(ws_id, kind="session").profiles
    assert saved[0] == SALES.to_dict() and leads.stat().st_mtime_ns == before


def test_refresh_expired_session_says_so_and_shows_the_sample(store_dir):
    ds = build_dataset([("leads", read_file(CSV, name="leads.csv"))])
    ws_id = _session_store(store_dir, ttl=dt.timedelta(seconds=-1)).save(
        ds, name="old", kind="session")
    at = _data_page(ws_id)
    assert [w.value for w in at.warning] == [
        "Your earlier upload could not be restored (expired): showing the sample."]
    assert int(_metric(at, "Leads").replace(",", "")) > 10_000
    assert "session_id" not in at.session_state


@pytest.mark.parametrize(("bad", "reason"), [
    ("nope", "damaged"), ("../../etc/passwd", "damaged"), ("A" * 22, "deleted or unknown")])
def test_refresh_garbled_session_says_so_and_shows_the_sample(bad, reason):
    at = _data_page(bad)
    assert [w.value for w in at.warning] == [
        f"Your earlier upload could not be restored ({reason}): showing the sample."]
    assert int(_metric(at, "Leads").replace(",", "")) > 10_000


def test_refresh_share_id_as_session_gives_no_edit_rights(store_dir):
    ds = build_dataset([("leads", read_file(CSV, name="leads.csv"))])
    store = _session_store(store_dir)
    share_id = store.save(ds, name="Acme", key="test-key", profiles=[SALES.to_dict()])
    at = _data_page(share_id)
    assert [w.value for w in at.warning] == [
        "Your earlier upload could not be restored (deleted or unknown): showing the sample."]
    assert "session_id" not in at.session_state and "dataset" not in at.session_state
    at.session_state["profiles"] = {MARKETING.name: MARKETING, SALES.name: SALES}
    at.run()
    assert store.load(share_id).profiles == [SALES.to_dict()]  # the shared copy untouched


def test_refresh_session_id_never_opens_as_a_shared_view(store_dir):
    session_id = _upload(_data_page()).session_state["session_id"]
    viewer = AppTest.from_file(APP, default_timeout=120)
    viewer.query_params["ws"] = session_id
    viewer.run()
    assert not viewer.exception, viewer.exception
    assert [e.value for e in viewer.error] == [
        "This shared analysis was not found. It may have expired or been deleted; "
        "ask for a new link."]
    assert "share_mode" not in viewer.session_state


def test_refresh_clear_deletes_the_kept_copy(store_dir):
    at = _upload(_data_page())
    ws_id = at.session_state["session_id"]
    next(b for b in at.button if "back to the sample" in b.label).click().run()
    assert not at.exception, at.exception
    assert int(_metric(at, "Leads").replace(",", "")) > 10_000
    assert "session_id" not in at.session_state and not (store_dir / ws_id).exists()
    with pytest.raises(WorkspaceNotFound):
        _session_store(store_dir).load(ws_id, kind="session")


def test_refresh_new_upload_replaces_the_kept_copy(store_dir):
    at = _upload(_data_page())
    old = at.session_state["session_id"]
    smaller = b"lead_id,created_at,outcome\n1,2024-01-02,won\n2,2024-01-03,lost\n"
    _upload(at, "other.csv", smaller)
    new = at.session_state["session_id"]
    assert new != old and not (store_dir / old).exists()
    assert _metric(_data_page(new), "Leads") == "2"


def test_refresh_switched_off_tells_the_user(monkeypatch, store_dir):
    monkeypatch.setenv("FUNNEL_SESSION_TTL_HOURS", "0")
    at = _upload(_data_page())
    assert "session_id" not in at.session_state and not store_dir.exists()
    assert [w.value for w in at.main.warning] == [
        "A browser reload goes back to the sample: uploads are not kept on this server."]
