"""Robust reading: damaged workspaces are "not found", nested Parquet columns are kept as
text, a store given as a file is one sentence (issue 15, item 5)."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from funnel.cli import main
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore

CSV = b"lead_id,created_at,source\n1,2024-01-02,Ads\n2,2024-01-03,Web\n"


@pytest.fixture
def saved(tmp_path):
    store = WorkspaceStore(tmp_path)
    ds = build_dataset([("leads", read_file(CSV, name="leads.csv"))])
    return store, store.save(ds, name="Acme", key="k")


def _edit_meta(store, ws_id, change):
    path = store.root / ws_id / "meta.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize("change", [
    lambda m: m.pop("health"),
    lambda m: m.update(health="x"),
    lambda m: m.update(name=7),
    lambda m: m.update(leads="many"),
    lambda m: m.update(kind="other"),
    lambda m: m.update(created_at="2024-01-01T00:00:00+02:00",
                       expires_at="2999-01-01T00:00:00+02:00"),
    lambda m: m.update(expires_at=12),
    lambda m: m["health"].update(files="x"),
], ids=["no-health", "health-text", "name-number", "leads-text", "kind", "tz-aware",
        "expiry-number", "files-text"])
def test_workspace_damaged_meta_is_not_found(saved, change):
    store, ws_id = saved
    _edit_meta(store, ws_id, change)
    with pytest.raises(WorkspaceNotFound):
        store.load(ws_id)


def test_workspace_list_skips_a_damaged_meta(saved):
    store, ws_id = saved
    _edit_meta(store, ws_id, lambda m: m.update(created_at="2024-01-01T00:00:00+02:00"))
    assert store.list() == []


@pytest.mark.parametrize("damage", ["corrupt", "no-lead-id", "ids-as-numbers"])
def test_workspace_damaged_leads_are_not_found(saved, damage):
    store, ws_id = saved
    path = store.root / ws_id / "leads.parquet"
    if damage == "corrupt":
        path.write_bytes(b"PAR1 not really")
    else:
        table = pa.table({"lead_id": [1, 2]} if damage == "ids-as-numbers"
                         else {"source": ["Ads", "Web"]})
        pq.write_table(table, path)
    with pytest.raises(WorkspaceNotFound):
        store.load(ws_id)


def test_cli_workspaces_list_of_a_file_is_one_sentence(tmp_path, capsys):
    not_a_folder = tmp_path / "store.txt"
    not_a_folder.write_text("x")
    assert main(["workspaces", "list", "--root", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("funnel: ") and "Traceback" not in err and err.count("\n") == 1


def test_readers_nested_parquet_columns_are_kept_as_text():
    table = pa.table({
        "lead_id": ["1", "2"], "created_at": ["2024-01-01", "2024-01-02"],
        "tags": pa.array([[("a", 1)], None], type=pa.map_(pa.string(), pa.int64())),
        "info": pa.array([{"x": 1}, {"x": 2}]),
        "hist": pa.array([[{"s": "mql"}], []]),
    })
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    t = read_file(buffer.getvalue(), name="x.parquet")
    assert t.frame["tags"].to_list() == ['{"a": 1}', None]
    assert t.frame["info"].to_list() == ['{"x": 1}', '{"x": 2}']
    assert t.frame["hist"].to_list() == ['[{"s": "mql"}]', "[]"]


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity"])
def test_readers_nan_and_inf_are_not_amounts(text):
    rows = "".join(f"{i},2024-01-{i:02d},{100 * i}\n" for i in range(2, 21))
    csv = f"lead_id,created_at,amount\n1,2024-01-01,{text}\n{rows}".encode()
    ds = build_dataset([("leads", read_file(csv, name="leads.csv"))])
    assert ds.leads["amount"][0] is None and ds.leads["amount"].sum() == 100 * sum(range(2, 21))
