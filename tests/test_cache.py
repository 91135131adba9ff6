"""The typed cache of an export (funnel.ingest.cache) and its use by load and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import funnel.ingest.build as build
from funnel.cli import main
from funnel.dataset.schema import Mapping
from funnel.dataset.store import dataset_meta
from funnel.ingest.build import load
from funnel.ingest.cache import TypedCache, export_key

LEADS = b"lead_id,created_at,source,outcome\nL1,2024-01-01,Ads,won\nL2,2024-01-02,SEO,lost\n"
DEALS = b"deal_id,lead_id,amount,stage\nD1,L1,100,Closed Won\n"


@pytest.fixture
def export(tmp_path):
    (tmp_path / "leads.csv").write_bytes(LEADS)
    (tmp_path / "deals.csv").write_bytes(DEALS)
    return tmp_path / "leads.csv", tmp_path / "deals.csv"


def _no_reading(monkeypatch):
    def refuse(*_, **__):
        raise AssertionError("the export was parsed again")
    monkeypatch.setattr(build, "read_file", refuse)


def test_load_cache_reopens_the_same_export_without_parsing(export, tmp_path, monkeypatch):
    leads, deals = export
    first = load(leads, deals=deals, cache=tmp_path / "cache")
    _no_reading(monkeypatch)
    again = load(leads, deals=deals, cache=tmp_path / "cache")
    assert again.leads.equals(first.leads) and again.deals.equals(first.deals)
    assert dataset_meta(again) == dataset_meta(first)


def test_load_cache_reads_again_when_a_file_changes(export, tmp_path):
    leads, deals = export
    load(leads, deals=deals, cache=tmp_path / "cache")
    leads.write_bytes(LEADS + b"L3,2024-01-03,Ads,open\n")
    assert load(leads, deals=deals, cache=tmp_path / "cache").leads.height == 3


@pytest.mark.parametrize("change", ["role", "mapping", "sheet", "day"])
def test_export_key_changes_with_what_the_dataset_depends_on(export, change):
    leads, deals = export
    base = {"files": [("leads", leads), ("deals", deals)], "mapping": None, "sheet": None,
            "day": dt.date(2026, 1, 1)}
    other = dict(base)
    other.update({"role": {"files": [("leads", leads), ("activities", deals)]},
                  "mapping": {"mapping": Mapping(leads={"lead_id": "lead_id"})},
                  "sheet": {"sheet": 1}, "day": {"day": dt.date(2026, 1, 2)}}[change])
    key = export_key(base.pop("files"), **base)
    assert export_key(other.pop("files"), **other) != key


def test_typed_cache_keeps_the_most_recently_used(export, tmp_path):
    leads, deals = export
    ds = load(leads, deals=deals)
    cache = TypedCache(tmp_path / "cache", max_entries=2)
    for key in ("a1", "b2", "c3"):
        cache.put(key, ds)
    assert cache.get("a1") is None and cache.get("c3") is not None
    assert len([p for p in (tmp_path / "cache").iterdir()]) == 2


def test_typed_cache_damaged_entry_is_a_miss_and_is_removed(export, tmp_path):
    leads, deals = export
    cache = TypedCache(tmp_path / "cache")
    cache.put("k1", load(leads, deals=deals))
    (tmp_path / "cache" / "k1" / "leads.parquet").write_bytes(b"not parquet")
    assert cache.get("k1") is None
    assert not (tmp_path / "cache" / "k1").exists()


def test_cli_cache_gives_the_same_json_the_second_time(export, tmp_path, capsys):
    leads, deals = export
    args = ["diagnose", "--leads", str(leads), "--deals", str(deals), "--json",
            "--cache", str(tmp_path / "cache")]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == first


def test_cli_cache_with_guessed_roles_is_refused_in_one_sentence(export, tmp_path, capsys):
    leads, _ = export
    assert main(["diagnose", str(leads), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert "--cache needs the files named by role" in err and "Traceback" not in err
