"""Reading an upload with bounded memory: compact text columns (read, and kept in the
typed leads' text attributes), the row check before the read, the conversion to UTF-8
a piece at a time, each giving the same result as the plain reading, and the text columns
typing leaves as they are shared with the read table, not copied (issue 15, item 6)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import funnel
from funnel.cli import main
from funnel.dataset.schema import as_text
from funnel.ingest import readers, readers_base, readers_csv
from funnel.ingest.columns import by_codes, relabelled
from funnel.ingest.parsing import placeholder_expr
from funnel.ingest.readers import RawTable, read_file
from funnel.ingest.readers_base import FILE, ROW, compact_schema
from funnel.sample import SAMPLE_DIR
from tests.badfiles import CASES

CSV_CASES = [c for c in CASES if not c.says and c.name.endswith((".csv", ".tsv", ".txt"))]


def _rows(n: int) -> bytes:
    """``n`` leads: unique ids, a time to the minute, three sources, two countries, a
    free-text note."""
    lines = ["lead_id,created_at,source,country,note"] + [
        f"L{i},2024-01-01 {i // 60 % 24:02d}:{i % 60:02d},{('Web', 'Ads', 'Fair')[i % 3]},"
        f"{('Chile', 'Peru')[i % 2]},note {i}"
        for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def _compact(monkeypatch, on: bool) -> None:
    """Keep columns compactly whatever the file's size (the corpus files are small), or
    never."""
    monkeypatch.setattr(readers_base, "COMPACT_MIN_ROWS", 1 if on else 10**12)
    monkeypatch.setattr(readers_base, "COMPACT_SHARE", 1.0)


def _utf8(tmp: str) -> str:
    """The text of a temporary UTF-8 copy, which is then deleted."""
    path = Path(tmp)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text


def test_read_file_keeps_few_distinct_values_compactly():
    t = read_file(_rows(3_000), name="leads.csv")
    kinds = {c: isinstance(t.frame.schema[c], pl.Categorical) for c in t.columns}
    assert kinds == {"lead_id": False, "created_at": False, "source": True, "country": True,
                     "note": False}


def test_raw_table_column_and_text_give_strings():
    t = read_file(_rows(3_000), name="leads.csv")
    assert (t.column("source").dtype, t.column("source").head(3).to_list(),
            set(t.text(5).schema.values())) == (pl.String, ["Web", "Ads", "Fair"],
                                                {pl.String, pl.Int64})


def test_compact_schema_refuses_a_mostly_distinct_column():
    sample = pl.DataFrame({"id": [str(i) for i in range(2_000)]})
    assert compact_schema(sample) == {}


def test_compact_schema_gives_each_read_its_own_categories():
    sample = pl.DataFrame({"s": ["a", "b"] * 1_000})
    assert compact_schema(sample)["s"] != compact_schema(sample)["s"]


def test_as_text_turns_a_lazy_frame_into_strings():
    lazy = pl.LazyFrame({"s": pl.Series(["a"], dtype=pl.Categorical)})
    assert as_text(lazy).collect_schema() == pl.Schema({"s": pl.String})


@pytest.mark.parametrize("case", CSV_CASES, ids=lambda c: c.id)
def test_read_file_compact_text_equals_plain_text(tmp_path, monkeypatch, case):
    path = case.write(tmp_path)
    _compact(monkeypatch, False)
    plain = read_file(path)
    _compact(monkeypatch, True)
    compact = read_file(path.read_bytes(), name=path.name)
    assert_frame_equal(compact.text(), plain.text())
    assert (compact.rows_read, compact.rejected) == (plain.rows_read, plain.rejected)


@pytest.mark.parametrize("case", CSV_CASES, ids=lambda c: c.id)
def test_load_compact_gives_the_same_dataset(tmp_path, monkeypatch, case):
    path = case.write(tmp_path)
    _compact(monkeypatch, False)
    plain = funnel.load(path)
    _compact(monkeypatch, True)
    compact = funnel.load(path)
    assert_frame_equal(as_text(compact.leads), as_text(plain.leads))
    assert ([w.message for w in compact.health.warnings]
            == [w.message for w in plain.health.warnings])


def test_load_of_the_sample_is_the_same_compact_or_plain(monkeypatch):
    compact = funnel.load(SAMPLE_DIR / "contacts.csv", deals=SAMPLE_DIR / "deals.csv")
    _compact(monkeypatch, False)
    plain = funnel.load(SAMPLE_DIR / "contacts.csv", deals=SAMPLE_DIR / "deals.csv")
    assert_frame_equal(as_text(compact.leads), as_text(plain.leads))
    assert_frame_equal(as_text(compact.deals), as_text(plain.deals))
    assert compact.attributes == plain.attributes


def test_diagnosis_of_the_sample_is_the_same_compact_or_plain(monkeypatch, capsys):
    files = [str(p) for p in sorted(SAMPLE_DIR.glob("*.csv"))]
    assert main(["diagnose", *files, "--json"]) == 0
    compact = json.loads(capsys.readouterr().out)
    _compact(monkeypatch, False)
    assert main(["diagnose", *files, "--json"]) == 0
    assert compact == json.loads(capsys.readouterr().out)


def test_typed_leads_keep_compact_attributes_and_canonical_text_compact():
    ds = funnel.build_dataset([("leads", read_file(_rows(3_000), name="leads.csv"))])
    kinds = {c: "compact" if isinstance(t, pl.Categorical) else str(t)
             for c, t in ds.leads.schema.items() if c in ("source", "country", "note", FILE)}
    assert kinds == {"source": "compact", "country": "compact", "note": "String",
                     FILE: "compact"}


@pytest.mark.parametrize("n", [10, 3_000])  # below and above the size kept compactly
def test_typed_leads_canonical_text_is_compact_whatever_the_files_size(n):
    raw = read_file(_rows(n), name="leads.csv")
    ds = funnel.build_dataset([("leads", raw)])
    assert (isinstance(ds.leads.schema["source"], pl.Categorical),
            ds.leads["source"].cast(pl.String).to_list()) == (
        True, raw.column("source").to_list())


def test_two_compact_lead_files_stack_into_one_table():
    ds = funnel.build_dataset([("leads", read_file(_rows(3_000), name="a.csv")),
                               ("leads", read_file(_rows(2_000), name="b.csv"))])
    counts = {c: ds.leads[c].cast(pl.String).value_counts().sort(c).rows()
              for c in ("country", FILE)}
    assert (ds.leads.height, counts["country"], counts[FILE]) == (
        5_000, [("Chile", 2_500), ("Peru", 2_500)], [("a.csv", 3_000), ("b.csv", 2_000)])


@pytest.mark.parametrize(("encoding", "city"), [("shift_jis", "東京"), ("utf-16", "東京 Москва"),
                                               ("cp1251", "Москва")])
def test_utf8_copy_converts_piece_by_piece_as_a_whole(monkeypatch, encoding, city):
    text = "id,city\n" + "".join(f"{i},{city} {i}\n" for i in range(200))
    monkeypatch.setattr(readers_csv, "_PIECE", 7)  # pieces cut through characters
    tmp, replaced = readers_csv.utf8_copy(text.encode(encoding), encoding)
    assert (_utf8(tmp), replaced) == (text, 0)


def test_utf8_copy_counts_undecodable_bytes_across_pieces(monkeypatch):
    data = b"id,name\n1,ok\n2,\x81\x81bad\n"  # 0x81 is undefined in cp1252
    monkeypatch.setattr(readers_csv, "_PIECE", 3)
    tmp, replaced = readers_csv.utf8_copy(data, "cp1252")
    whole = data.decode("cp1252", errors="replace")
    assert (_utf8(tmp), replaced) == (whole, whole.count("\ufffd"))


def test_read_csv_rows_rejects_a_ragged_row_after_the_check():
    t = read_file(_rows(3_000).replace(b"\nL7,", b"\nL7,x,", 1), name="leads.csv")
    assert ([r.row for r in t.rejected], t.rows_read, t.frame.height) == ([9], 3_000, 2_999)


def test_read_file_from_bytes_equals_read_file_from_disk(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(codecs.BOM_UTF8 + _rows(3_000))
    assert_frame_equal(read_file(path.read_bytes(), name="leads.csv").text(),
                       read_file(path).text())


def _buffers(column: pl.Series) -> list[int]:
    """The addresses of the memory behind a column (Arrow's view of it, not a copy)."""
    exported = column.to_arrow(compat_level=pl.CompatLevel.newest())
    return [b.address for b in exported.buffers() if b is not None]


def _leads(n: int, *, note: str = "note") -> bytes:
    """``n`` leads with an e-mail per lead and a free-text note, so that no text column
    is kept compactly."""
    lines = ["lead_id,created_at,email,note"] + [
        f"L{i},2024-01-01,person{i}@example.com,{note} {i}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_build_dataset_puts_the_read_table_in_one_piece():
    raw = read_file(_leads(300_000), name="leads.csv")
    pieces = max(raw.frame.n_chunks("all"))
    funnel.build_dataset([("leads", raw)])
    assert (pieces > 1, set(raw.frame.n_chunks("all"))) == (True, {1})


def test_typed_leads_share_unchanged_text_with_the_read_table():
    raw = read_file(_leads(300_000), name="leads.csv")
    ds = funnel.build_dataset([("leads", raw)])
    pairs = {"lead_id": "lead_id", "email": "email", "note": "note"}
    assert {f: _buffers(ds.leads[f]) == _buffers(raw.frame[c]) for f, c in pairs.items()} == (
        dict.fromkeys(pairs, True))


def test_typed_leads_copy_text_that_reading_changes():
    raw = read_file(_leads(3_000), name="leads.csv")
    first = pl.col(ROW) == 2
    raw.frame = raw.frame.with_columns(
        pl.when(first).then(pl.lit(" L0 ")).otherwise(pl.col("lead_id")).alias("lead_id"),
        pl.when(first).then(pl.lit("N/A")).otherwise(pl.col("email")).alias("email"))
    ds = funnel.build_dataset([("leads", raw)])
    shared = {f: _buffers(ds.leads[f]) == _buffers(raw.frame[f])
              for f in ("lead_id", "email", "note")}
    assert (shared, ds.leads.row(0, named=True)["lead_id"], ds.leads["email"][0]) == (
        {"lead_id": False, "email": False, "note": True}, "L0", None)


def test_relabelled_reads_a_compact_column_by_its_codes_as_its_text():
    compact = readers_base.compact_dtype()  # one categories object for both columns
    frame = pl.DataFrame({"other": ["Q", "R", "S", "T"],
                          "stage": ["Closed Won", "Lost", None, "Other"]})
    lookup = {"Closed Won": "won", "Lost": "lost", "Other": None}
    plain = RawTable("l.csv", "csv", frame, 4)
    kept = RawTable("l.csv", "csv", frame.cast(compact), 4)
    got = [t.frame.select(relabelled(t, "stage", lookup)).to_series().to_list()
           for t in (kept, plain)]
    assert got == [["won", "lost", None, None]] * 2


@pytest.mark.parametrize("name", ["note", "__row", "__file"])
def test_build_dataset_refuses_two_columns_of_one_name_in_a_sentence(name):
    raw = read_file(_leads(3_000), name="leads.csv")
    with pytest.raises(funnel.InputError, match=f"more than one column would be called '{name}'"):
        funnel.build_dataset([("leads", raw)], mapping=funnel.Mapping(leads={name: "email"}))


def test_by_codes_finds_each_row_among_its_own_labels_when_codes_are_shared():
    compact = readers_base.compact_dtype()  # "other" takes the first codes of the file
    frame = pl.DataFrame({"other": [f"v{i}" for i in range(50)],
                          "s": [None, " Web", "n/a", "Ads", "Web "] * 10}).cast(compact)
    raw = RawTable("l.csv", "csv", frame, 50)
    got = raw.frame.select(by_codes(raw, "s", placeholder_expr)).to_series().to_list()
    assert got == [None, "Web", None, "Ads", "Web"] * 10


def test_in_one_piece_keeps_every_column_when_a_copy_fails(monkeypatch):
    t = read_file(_leads(300_000), name="leads.csv")
    before = t.frame.columns

    def failing(columns):
        columns[0] = columns[0].rechunk()
        raise MemoryError

    monkeypatch.setattr(readers, "one_chunk", failing)
    with pytest.raises(MemoryError):
        t.in_one_piece()
    assert (t.frame.columns, t.frame.height) == (before, 300_000)


def test_typed_leads_keep_mostly_distinct_canonical_text_as_the_read_column():
    # a UTM campaign per lead: compact, it would hold each string twice
    lines = ["lead_id,created_at,source,campaign"] + [
        f"L{i},2024-01-01,{('Web', 'Ads')[i % 2]},utm-{i}" for i in range(3_000)]
    raw = read_file(("\n".join(lines) + "\n").encode(), name="leads.csv")
    ds = funnel.build_dataset([("leads", raw)])
    assert (isinstance(ds.leads.schema["source"], pl.Categorical), ds.leads.schema["campaign"],
            _buffers(ds.leads["campaign"]) == _buffers(raw.frame["campaign"])) == (
        True, pl.String, True)


def test_quiet_connection_draws_no_progress_bar_on_stdout(capfd):
    con = readers_csv.quiet_connection()
    con.execute("SET progress_bar_time = 0")  # DuckDB's bar, at once rather than after 2 s
    con.execute("SELECT count(*) FROM range(30000000) t(i) WHERE i % 7 = 3").fetchall()
    con.close()
    assert capfd.readouterr().out == ""


def test_quiet_connection_opens_under_jupyter(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cell = ("from funnel.ingest.readers_csv import quiet_connection\n"
            "print(quiet_connection().execute('SELECT 41 + 1').fetchone()[0])")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert [o.get("text", o.get("ename")) for o in nb.cells[0].outputs] == ["42\n"]
