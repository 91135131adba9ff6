"""Workspace store: save/open round trip, masking, ids that are never paths, expiry."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.funnel import stage_funnel
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore

CSV = (b"lead_id,created_at,source,Email,First Name,outcome,amount\n"
       b"1,2024-01-02,Ads,ann@x.example,Ann,won,100\n"
       b"2,2024-01-03,Web,bo@y.example,Bo,lost,\n"
       b"3,2024-01-04,Ads,cy@z.example,Cy,open,\n")


@pytest.fixture
def ds():
    return build_dataset([("leads", read_file(CSV, name="leads.csv"))])


@pytest.fixture
def store(tmp_path):
    return WorkspaceStore(tmp_path / "ws")


def test_workspace_round_trip_keeps_aggregates(store, ds):
    loaded = store.load(store.save(ds, name="Acme workshop")).dataset
    assert_frame_equal(stage_funnel(loaded.leads), stage_funnel(ds.leads))
    assert loaded.health.rows_read == ds.health.rows_read


def _stored(folder, ws_id: str) -> bytes:
    """Every byte a workspace stored, without its own random id (which may hold any two
    letters, "Cy" among them, by chance)."""
    return b"".join(p.read_bytes() for p in folder.iterdir()).replace(ws_id.encode(), b"")


def test_workspace_holds_no_personal_values(store, ds, tmp_path):
    ws_id = store.save(ds, name="x", key="secret")
    raw = _stored(tmp_path / "ws" / ws_id, ws_id)
    for value in (b"ann@x.example", b"bo@y.example", b"Ann", b"Cy"):
        assert value not in raw


def test_workspace_keeps_profiles_and_settings(store, ds):
    prof = {"name": "Sales", "criteria": [{"field": "source", "in": ["Ads"]}]}
    ws = store.load(store.save(ds, name="x", profiles=[prof], settings={"sla_hours": 4}))
    assert (ws.profiles, ws.settings) == ([prof], {"sla_hours": 4})


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "..", "a" * 21, "a" * 23,
                                 "abc/def" + "a" * 15, None, 42, "A" * 22])
def test_workspace_bad_or_unknown_id_is_not_found(store, ds, bad):
    store.save(ds, name="x")
    with pytest.raises(WorkspaceNotFound, match="not found"):
        store.load(bad)


def test_workspace_expired_is_not_found(store, ds):
    ws_id = store.save(ds, name="x")
    with pytest.raises(WorkspaceNotFound):
        store.load(ws_id, now=dt.datetime.now() + dt.timedelta(days=31))


def test_workspace_list_rename_delete(store, ds):
    a = store.save(ds, name="first")
    b = store.save(ds, name="second")
    store.rename(a, "renamed")
    assert {i.id: i.name for i in store.list()} == {a: "renamed", b: "second"}
    store.delete(b)
    assert [i.id for i in store.list()] == [a]


def test_workspace_purge_removes_only_expired(store, ds):
    store.save(ds, name="x")
    later = dt.datetime.now() + dt.timedelta(days=31)
    assert store.purge_expired(now=later) == 1
    assert store.list() == []


def test_workspace_ids_are_unguessable(store, ds):
    ids = {store.save(ds, name="x") for _ in range(5)}
    assert len(ids) == 5 and all(len(i) == 22 for i in ids)


def test_workspace_pseudonyms_stable_with_one_key(store, ds):
    one = store.load(store.save(ds, name="x", key="k")).dataset.leads["Email"]
    two = store.load(store.save(ds, name="y", key="k")).dataset.leads["Email"]
    assert one.to_list() == two.to_list() and one.str.starts_with("email-").all()


def test_workspace_unknown_table_columns_survive(store, ds):
    loaded = store.load(store.save(ds, name="x")).dataset.leads
    assert loaded.select("lead_id", "source").equals(ds.leads.select("lead_id", "source"))
    # compact text is scrubbed label by label, so it is stored and comes back compact
    assert loaded.schema == ds.leads.schema


def test_workspace_masks_columns_the_user_marks_personal(store, ds):
    loaded = store.load(store.save(ds, name="x", key="k", extra_personal=["source"])).dataset
    assert loaded.leads["source"].cast(pl.String).str.starts_with("other-").all()


@pytest.mark.parametrize("meta", ["[]", '{"id": "ID"}', "{not json"])
def test_workspace_damaged_meta_is_not_found_and_spares_the_rest(store, ds, meta):
    good = store.save(ds, name="good")
    bad = store.save(ds, name="bad")
    (store.root / bad / "meta.json").write_text(meta.replace("ID", bad))
    with pytest.raises(WorkspaceNotFound):
        store.load(bad)
    assert [i.id for i in store.list()] == [good]


# --- kinds: a session kept across a reload is not a shared link, and the other way round ----

PROFILE = {"name": "Sales", "criteria": [{"field": "source", "in": ["Ads"]}]}


def test_workspace_session_opens_only_as_a_session(store, ds):
    ws_id = store.save(ds, name="mine", kind="session")
    assert store.load(ws_id, kind="session").info.kind == "session"
    with pytest.raises(WorkspaceNotFound) as exc:
        store.load(ws_id)
    assert exc.value.reason == "deleted or unknown"


def test_workspace_shared_never_opens_as_a_session(store, ds):
    ws_id = store.save(ds, name="link")
    with pytest.raises(WorkspaceNotFound):
        store.load(ws_id, kind="session")
    with pytest.raises(WorkspaceNotFound):
        store.save_profiles(ws_id, [PROFILE], kind="session")
    assert store.load(ws_id).profiles == []


def test_workspace_session_holds_no_personal_values(store, ds, tmp_path):
    ws_id = store.save(ds, name="mine", key="secret", kind="session")
    raw = _stored(tmp_path / "ws" / ws_id, ws_id)
    for value in (b"ann@x.example", b"bo@y.example", b"Ann", b"Cy"):
        assert value not in raw


def test_workspace_not_found_says_why(store, ds):
    ws_id = store.save(ds, name="x", kind="session")
    reasons = {}
    for case, call in {
        "expired": lambda: store.load(ws_id, kind="session",
                                      now=dt.datetime.now() + dt.timedelta(days=31)),
        "garbled": lambda: store.load("../" + ws_id, kind="session"),
        "unknown": lambda: store.load("A" * 22, kind="session"),
    }.items():
        with pytest.raises(WorkspaceNotFound) as exc:
            call()
        reasons[case] = exc.value.reason
    assert reasons == {"expired": "expired", "garbled": "damaged",
                       "unknown": "deleted or unknown"}


def test_workspace_damaged_table_is_not_found(store, ds):
    ws_id = store.save(ds, name="x", kind="session")
    (store.root / ws_id / "leads.parquet").write_bytes(b"not parquet")
    with pytest.raises(WorkspaceNotFound) as exc:
        store.load(ws_id, kind="session")
    assert exc.value.reason == "damaged"


def test_workspace_save_profiles_rewrites_only_the_meta(store, ds):
    ws_id = store.save(ds, name="x", kind="session")
    tables = {p.name: p.stat().st_mtime_ns for p in (store.root / ws_id).glob("*.parquet")}
    store.save_profiles(ws_id, [PROFILE], kind="session")
    assert store.load(ws_id, kind="session").profiles == [PROFILE]
    assert {p.name: p.stat().st_mtime_ns
            for p in (store.root / ws_id).glob("*.parquet")} == tables
    assert sorted(p.name for p in (store.root / ws_id).iterdir() if "tmp" in p.name) == []


def test_workspace_delete_of_a_kind_spares_the_other(store, ds):
    link = store.save(ds, name="link")
    with pytest.raises(WorkspaceNotFound):
        store.delete(link, kind="session")
    assert [i.id for i in store.list()] == [link]


def test_workspace_list_by_kind(store, ds):
    link = store.save(ds, name="link")
    mine = store.save(ds, name="mine", kind="session")
    assert ([i.id for i in store.list(kind="shared")], [i.id for i in store.list(kind="session")]
            ) == ([link], [mine])
