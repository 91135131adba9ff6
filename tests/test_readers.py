"""Tests of funnel.readers: formats, encodings, delimiters, row bookkeeping and bad input."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import zipfile

import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

from funnel.dataset.errors import InputError
from funnel.ingest.footer import FOOTER
from funnel.ingest.readers import ROW, detect_delimiter, detect_encoding, read_file, sniff_format

SAMPLE = "lead_id,name,amount\nL1,Zoë Müller,1200\nL2,José Peña,35\n"
EXPECTED = pl.DataFrame(
    {"lead_id": ["L1", "L2"], "name": ["Zoë Müller", "José Peña"], "amount": ["1200", "35"],
     ROW: [2, 3]}
)


def _xlsx(*sheets: tuple[str, list[list]]) -> bytes:
    """A workbook written by xlsxwriter: ``(sheet name, rows)`` per sheet."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, stamp)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()
    return buf.getvalue()


LEADS_SHEET = ("Leads", [["lead_id", "amount"], ["L1", 1200], ["L2", 12.5]])
DEALS_SHEET = ("Deals", [["deal_id", "lead_id"], ["D1", "L1"]])


# --- encodings ------------------------------------------------------------------------

ENCODINGS = [
    pytest.param(SAMPLE.encode("utf-8"), "utf-8", id="utf-8"),
    pytest.param(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig", id="utf-8-bom"),
    pytest.param(codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16", id="utf-16-le-bom"),
    pytest.param(codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16", id="utf-16-be-bom"),
    pytest.param(SAMPLE.encode("utf-16-le"), "utf-16-le", id="utf-16-le-no-bom"),
    pytest.param(SAMPLE.encode("cp1252"), "cp1252", id="cp1252"),
    pytest.param(SAMPLE.encode("latin-1"), "cp1252", id="latin-1"),
]


@pytest.mark.parametrize(("content", "encoding"), ENCODINGS)
def test_read_file_decodes_accented_names(write_file, content, encoding):
    table = read_file(write_file("leads.csv", content))
    assert_frame_equal(table.frame, EXPECTED)


@pytest.mark.parametrize(("content", "encoding"), ENCODINGS)
def test_read_file_reports_encoding(write_file, content, encoding):
    assert read_file(write_file("leads.csv", content)).encoding == encoding


def test_read_file_finds_cp1252_after_the_sniffed_head(write_file):
    plain = "".join(f"L{i},Plain Name,{i}\n" for i in range(20_000))
    content = ("lead_id,name,amount\n" + plain + "L-last,Zoë Müller,1\n").encode("cp1252")
    assert content.index("ë".encode("cp1252")) > 300 * 1024
    table = read_file(write_file("late.csv", content))
    assert (table.encoding, table.rejected, table.frame["name"][-1]) == ("cp1252", [], "Zoë Müller")


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (codecs.BOM_UTF8 + b"a,b", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "a,b".encode("utf-16-le"), "utf-16"),
        ("a,b".encode("utf-16-be"), "utf-16-be"),
        ("Müller".encode(), "utf-8"),
        ("Müller €".encode("cp1252"), "cp1252"),
        # a multi-byte character cut off at the end of the sniffed head is still UTF-8
        ("Müller".encode()[:2], "utf-8"),
    ],
)
def test_detect_encoding_names_encoding(head, encoding):
    assert detect_encoding(head) == encoding


# --- delimiters and CSV shape ---------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_file_splits_on_delimiter(write_file, delimiter):
    table = read_file(write_file("leads.csv", SAMPLE.replace(",", delimiter)))
    assert_frame_equal(table.frame, EXPECTED)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_file_reports_delimiter(write_file, delimiter):
    assert read_file(write_file("leads.csv", SAMPLE.replace(",", delimiter))).delimiter == delimiter


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n4;5;6\n", ";"),
        ("a,b\n1,2\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('a,b\n"x;y",2\n', ","),
    ],
)
def test_detect_delimiter_picks_most_consistent(sample, delimiter):
    assert detect_delimiter(sample) == delimiter


def test_read_file_handles_crlf(write_file):
    table = read_file(write_file("leads.csv", SAMPLE.replace("\n", "\r\n")))
    assert_frame_equal(table.frame, EXPECTED)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_read_file_keeps_quoted_newlines_in_one_row(write_file, newline):
    text = f'lead_id,note{newline}L1,"first line{newline}second line"{newline}L2,plain{newline}'
    table = read_file(write_file("notes.csv", text))
    expected = pl.DataFrame(
        {"lead_id": ["L1", "L2"], "note": [f"first line{newline}second line", "plain"], ROW: [2, 3]}
    )
    assert_frame_equal(table.frame, expected)


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("id;amount\nL1;1.234,56\nL2;12,5\n", ["1.234,56", "12,5"]),
        ('id,amount\nL1,"1,5"\nL2,"2.000,75"\n', ["1,5", "2.000,75"]),
    ],
)
def test_read_file_keeps_decimal_commas_as_text(write_file, text, amounts):
    assert read_file(write_file("amounts.csv", text)).frame["amount"].to_list() == amounts


def test_read_file_reads_every_column_as_text(write_file):
    table = read_file(write_file("leads.csv", "id,n,when\n007,1.50,2024-01-02\n"))
    assert table.frame.select(pl.exclude(ROW)).row(0) == ("007", "1.50", "2024-01-02")


def test_read_file_names_bytes_upload(write_file):
    table = read_file(SAMPLE.encode(), name="upload.csv")
    assert (table.name, table.format) == ("upload.csv", "csv")


# --- ragged rows ----------------------------------------------------------------------

RAGGED = [
    pytest.param(
        "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n",
        [2, 5],
        [(3, "the row has 2 fields but the header has 3"),
         (4, "the row has 4 fields but the header has 3")],
        id="comma",
    ),
    pytest.param(
        "a;b;c\r\n1;2;3\r\n4;5\r\n6;7;8\r\n",
        [2, 4],
        [(3, "the row has 2 fields but the header has 3")],
        id="semicolon-crlf",
    ),
    pytest.param(
        'a,b,c\n1,"two\nlines",3\n4,5\n6,"x\ny\nz",8\n7,8,9,10\n11,12,13\n',
        [2, 4, 6],
        [(3, "the row has 2 fields but the header has 3"),
         (5, "the row has 4 fields but the header has 3")],
        id="after-quoted-newlines",
    ),
]


@pytest.mark.parametrize(("text", "kept", "rejected"), RAGGED)
def test_read_file_rejects_ragged_rows_with_row_and_reason(write_file, text, kept, rejected):
    table = read_file(write_file("ragged.csv", text))
    assert [(r.row, r.reason) for r in table.rejected] == rejected


@pytest.mark.parametrize(("text", "kept", "rejected"), RAGGED)
def test_read_file_numbers_kept_rows_as_a_person_sees_them(write_file, text, kept, rejected):
    assert read_file(write_file("ragged.csv", text)).frame[ROW].to_list() == kept


@pytest.mark.parametrize(("text", "kept", "rejected"), RAGGED)
def test_read_file_accounts_for_every_row(write_file, text, kept, rejected):
    table = read_file(write_file("ragged.csv", text))
    assert table.rows_read == table.frame.height + len(table.rejected) == len(kept) + len(rejected)


def test_read_file_rejections_name_the_file(write_file):
    table = read_file(write_file("ragged.csv", "a,b\n1,2\n3\n"))
    assert {r.file for r in table.rejected} == {"ragged.csv"}


# --- Excel ----------------------------------------------------------------------------


def test_read_file_reads_xlsx_values_as_text(write_file):
    content = _xlsx(("Leads", [
        ["lead_id", "created_at", "amount", "vip", "zip"],
        ["L1", dt.datetime(2024, 1, 2, 10, 30), 1200, True, "00123"],
        ["L2", dt.datetime(2024, 1, 3), 12.5, None, "04567"],
    ]))
    table = read_file(write_file("leads.xlsx", content))
    expected = pl.DataFrame({
        "lead_id": ["L1", "L2"], "created_at": ["2024-01-02 10:30:00", "2024-01-03 00:00:00"],
        "amount": ["1200", "12.5"], "vip": ["true", None], "zip": ["00123", "04567"], ROW: [2, 3],
    })
    assert_frame_equal(table.frame, expected)


TITLED_SHEET = ("Leads", [["Leads report"], ["Exported 2024-05-01"], [],
                          ["lead_id", "created_at", "amount"],
                          ["L1", dt.datetime(2024, 1, 2), 1200],
                          ["L2", dt.datetime(2024, 1, 3), 35]])


def test_read_file_finds_xlsx_header_below_title_rows(write_file):
    table = read_file(write_file("leads.xlsx", _xlsx(TITLED_SHEET)))
    expected = pl.DataFrame({
        "lead_id": ["L1", "L2"], "created_at": ["2024-01-02 00:00:00", "2024-01-03 00:00:00"],
        "amount": ["1200", "35"], ROW: [5, 6]})
    assert_frame_equal(table.frame, expected)


def test_read_file_says_which_xlsx_row_is_the_header(write_file):
    table = read_file(write_file("leads.xlsx", _xlsx(TITLED_SHEET)))
    assert [(w.code, w.message) for w in table.warnings] == [(
        "title_rows", "leads.xlsx: the header is on row 4; the 2 rows above it ('Leads report', "
        "'Exported 2024-05-01') are titles, not data, and were not read.")]


def test_read_file_gives_no_title_warning_for_xlsx_header_on_the_first_row(write_file):
    assert read_file(write_file("leads.xlsx", _xlsx(LEADS_SHEET))).warnings == []


def test_read_file_says_one_title_row_in_the_singular(write_file):
    table = read_file(write_file("leads.csv", "Leads report\n" + SAMPLE))
    assert [w.message for w in table.warnings] == [
        "leads.csv: the header is on row 2; 'Leads report' above it is a title, not data, and "
        "was not read."]


def test_read_file_skips_empty_first_sheet(write_file):
    table = read_file(write_file("book.xlsx", _xlsx(("Cover", []), LEADS_SHEET)))
    assert (table.sheet, table.frame["lead_id"].to_list()) == ("Leads", ["L1", "L2"])


@pytest.mark.parametrize("sheet", ["Deals", 1])
def test_read_file_reads_chosen_sheet(write_file, sheet):
    table = read_file(write_file("book.xlsx", _xlsx(LEADS_SHEET, DEALS_SHEET)), sheet=sheet)
    expected = pl.DataFrame({"deal_id": ["D1"], "lead_id": ["L1"], ROW: [2]})
    assert_frame_equal(table.frame, expected)


def test_read_file_lists_sheets(write_file):
    table = read_file(write_file("book.xlsx", _xlsx(LEADS_SHEET, DEALS_SHEET)))
    assert (table.sheets, table.sheet) == (["Leads", "Deals"], "Leads")


def test_read_file_reads_sheet_named_like_a_number(write_file):
    content = _xlsx(("Notes", [["x"], ["y"]]), ("2024", LEADS_SHEET[1]))
    assert read_file(write_file("book.xlsx", content), sheet=2024).sheet == "2024"


@pytest.mark.parametrize(("sheet", "says"), [("Nope", "'Nope'"), (5, "number 5")])
def test_read_file_refuses_missing_sheet(write_file, sheet, says):
    path = write_file("book.xlsx", _xlsx(LEADS_SHEET, DEALS_SHEET))
    with pytest.raises(InputError, match=rf"^book\.xlsx has no sheet .*{says}.*Leads, Deals"):
        read_file(path, sheet=sheet)


def test_read_file_reads_csv_renamed_xlsx_as_csv(write_file):
    table = read_file(write_file("leads.xlsx", SAMPLE))
    assert_frame_equal(table.frame, EXPECTED)


def test_read_file_notes_csv_renamed_xlsx(write_file):
    table = read_file(write_file("leads.xlsx", SAMPLE))
    assert (table.format, table.notes[0]) == (
        "csv", "Named .xlsx but holds CSV text; read as CSV.")


# --- Parquet --------------------------------------------------------------------------


def test_read_file_reads_parquet_as_text_from_row_one(tmp_path):
    path = tmp_path / "leads.parquet"
    pl.DataFrame({
        "lead_id": ["L1", "L2"], "amount": [1200.0, 12.5], "visits": [3, None],
        "created_at": [dt.datetime(2024, 1, 2, 10, 30), None],
    }).write_parquet(path)
    expected = pl.DataFrame({
        "lead_id": ["L1", "L2"], "amount": ["1200", "12.5"], "visits": ["3", None],
        "created_at": ["2024-01-02 10:30:00", None], ROW: [1, 2],
    })
    assert_frame_equal(read_file(path).frame, expected)


# --- sniffing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PAR1\x15\x04", "parquet"),
        (b"PK\x03\x04\x14\x00[Content_Types].xml", "xlsx"),
        (b"PK\x03\x04\x14\x00data/a.csv", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "encrypted"),
        (b"lead_id,created_at\n1,2024-01-01\n", "text"),
        ("lead_id,name\n".encode("utf-16-le"), "text"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_sniff_format_names_kind(head, kind):
    assert sniff_format(head) == kind


# --- bad input ------------------------------------------------------------------------


def _zip_of_csv() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("leads.csv", SAMPLE)
    return buf.getvalue()


def _empty_parquet() -> bytes:
    buf = io.BytesIO()
    pl.DataFrame(schema={"lead_id": pl.String}).write_parquet(buf)
    return buf.getvalue()


_NOISE = random.Random(20240101).randbytes(4096)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

BAD_INPUT = [
    pytest.param("empty.csv", b"", "is empty", id="empty"),
    pytest.param("blank.csv", b"\n  \r\n\n", "is empty", id="blank-lines"),
    pytest.param("header.csv", b"lead_id,created_at\n", "header row but no data rows",
                 id="header-only"),
    pytest.param("header.csv", b"lead_id,created_at", "header row but no data rows",
                 id="header-only-no-newline"),
    pytest.param("header.csv", "lead_id;created_at\r\n".encode("utf-16"),
                 "header row but no data rows", id="header-only-utf16"),
    pytest.param("random.csv", _NOISE, "not a CSV, Excel or Parquet file", id="random-bytes"),
    pytest.param("corrupt.xlsx", b"PK\x03\x04" + _NOISE, "damaged", id="corrupt-xlsx"),
    pytest.param("corrupt.xlsx", b"PK\x03\x04\x14\x00[Content_Types].xml" + _NOISE, "damaged",
                 id="corrupt-xlsx-with-parts"),
    pytest.param("truncated.xlsx", _xlsx(LEADS_SHEET)[:600], "damaged", id="truncated-xlsx"),
    pytest.param("locked.xlsx",
                 OLE2 + b"\x00" * 120 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 400,
                 "password-protected", id="encrypted-xlsx"),
    pytest.param("old.xls", OLE2 + _NOISE, "damaged", id="corrupt-xls"),
    pytest.param("header.xlsx", _xlsx(("Leads", [["lead_id", "created_at"]])),
                 "no sheet with data rows", id="xlsx-header-only"),
    pytest.param("empty.parquet", _empty_parquet(), "no rows", id="parquet-no-rows"),
    pytest.param("corrupt.parquet", b"PAR1" + _NOISE, "damaged", id="corrupt-parquet"),
    pytest.param("leads.zip", _zip_of_csv(), "ZIP archive", id="zip-archive"),
    pytest.param("leads.csv.gz", b"\x1f\x8b\x08\x00" + _NOISE, "compressed", id="gzip"),
]


@pytest.mark.parametrize(("name", "content", "says"), BAD_INPUT)
def test_read_file_refuses_bad_input_with_reason(write_file, name, content, says):
    with pytest.raises(InputError, match=says):
        read_file(write_file(name, content))


@pytest.mark.parametrize(("name", "content", "says"), BAD_INPUT)
def test_read_file_bad_input_message_is_one_plain_line_naming_file(
    write_file, tmp_path, name, content, says
):
    with pytest.raises(InputError) as info:
        read_file(write_file(name, content))
    message = str(info.value)
    assert (message.startswith(name), "\n" in message, str(tmp_path) in message,
            "Error" in message) == (True, False, False, False)


@pytest.mark.parametrize(("name", "content", "says"), BAD_INPUT)
def test_read_file_bad_upload_message_names_upload(name, content, says):
    with pytest.raises(InputError, match=rf"^{name.replace('.', '[.]')}\b"):
        read_file(content, name=name)


def test_read_file_rejects_only_the_line_of_an_unclosed_quote(write_file):
    # until issue 15 the whole file was refused
    t = read_file(write_file("quote.csv", b'a,b,c\n1,2,3\n4,"never closed,6\n7,8,9\n'))
    assert (t.frame["a"].to_list(), t.frame[ROW].to_list(), [(r.row, r.reason) for r in t.rejected]
            ) == (["1", "7"], [2, 4], [(3, "a quote is never closed")])


def test_read_file_refuses_file_over_max_bytes(write_file):
    path = write_file("big.csv", SAMPLE)
    with pytest.raises(InputError, match=r"^big\.csv is \d+ bytes, over the 10 bytes limit"):
        read_file(path, max_bytes=10)


def test_read_file_accepts_file_at_max_bytes(write_file):
    path = write_file("leads.csv", SAMPLE)
    assert read_file(path, max_bytes=len(SAMPLE.encode())).rows_read == 2


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "missing.csv", r"^missing\.csv: no such file\.$"),
        (lambda tmp: tmp, r"is a folder, not a file\.$"),
    ],
)
def test_read_file_refuses_missing_path(tmp_path, make, says):
    with pytest.raises(InputError, match=says):
        read_file(make(tmp_path))


def test_read_file_numbers_rows_as_lines_when_blank_lines_and_footers_follow(tmp_path):
    path = tmp_path / "sf_report.csv"
    path.write_text("lead_id,created_at,source\n1,2024-01-01,a\n\n\n\n2,2024-01-02\n"
                    "3,2024-01-03,b\n\n\"Confidential Information - Do Not Distribute\"\n")
    table = read_file(path)
    assert table.frame[ROW].to_list() == [2, 7]
    assert [(r.row, r.reason) for r in table.rejected] == [
        (6, "the row has 2 fields but the header has 3"), (9, FOOTER)]


SF_FOOTER = ["", "Grand Totals (2 records)", "",
             "Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved.",
             "Generated By:  Ana Lima  1/6/2025 9:12 AM", "Acme Corp"]


def _report(fmt: str, tail: list[list[str]]) -> tuple[str, bytes]:
    table = [["lead_id", "created_at", "source"], ["L1", "2025-01-02", "Web"],
             ["L2", "2025-01-03", "Ads"], *tail]
    if fmt == "xlsx":
        return "report.xlsx", _xlsx(("Report", table))
    return "report.csv", "".join(",".join(f'"{c}"' for c in r) + "\n"
                                 for r in table).encode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_read_file_rejects_a_report_footer_as_the_footer(write_file, fmt):
    table = read_file(write_file(*_report(fmt, [[t] for t in SF_FOOTER])))
    assert (table.frame.height, {r.reason for r in table.rejected}, len(table.rejected),
            table.rows_read) == (2, {FOOTER}, len(SF_FOOTER), 2 + len(SF_FOOTER))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_read_file_keeps_a_short_last_row_without_footer_text_as_it_was(write_file, fmt):
    table = read_file(write_file(*_report(fmt, [["L3"]])))
    assert FOOTER not in {r.reason for r in table.rejected}


def test_read_file_keeps_a_one_cell_row_above_a_footer(write_file):
    table = read_file(write_file(*_report("xlsx", [["L3"], *[[t] for t in SF_FOOTER]])))
    assert (table.frame["lead_id"].to_list(), len(table.rejected)) == (
        ["L1", "L2", "L3"], len(SF_FOOTER))


def test_read_file_keeps_excel_cells_whose_type_changes_after_a_thousand_rows(tmp_path):
    import xlsxwriter  # noqa: PLC0415  (lazy: heavy)

    path = tmp_path / "mixed.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Lead ID", "Tier"])
    for i in range(1, 1201):
        ws.write_number(i, 0, i)
        ws.write_number(i, 1, i % 3)
    ws.write_row(1201, 0, ["SF-0001", "ABC"])
    wb.close()
    assert read_file(path).frame.row(-1)[:2] == ("SF-0001", "ABC")


def test_read_file_writes_zoned_parquet_timestamps_in_utc_and_flattens_lists(tmp_path):
    path = tmp_path / "leads.parquet"
    pl.DataFrame({
        "lead_id": ["a"],
        "created_at": [dt.datetime(2024, 1, 1, 10)],
        "tags": [["x", "y"]],
    }).with_columns(
        pl.col("created_at").dt.replace_time_zone("UTC").dt.convert_time_zone("America/New_York")
    ).write_parquet(path)
    assert read_file(path).frame.drop(ROW).row(0) == ("a", "2024-01-01 10:00:00", "x, y")


def _internal_named(fmt: str) -> bytes:
    frame = pl.DataFrame({"lead_id": ["L1", "L2"], "__row": ["a", "b"], "__notes": ["x", "y"]})
    out = io.BytesIO()
    {"csv": frame.write_csv, "xlsx": frame.write_excel, "parquet": frame.write_parquet}[fmt](out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_read_file_keeps_a_column_named_like_the_apps_own_under_another_name(write_file, fmt):
    table = read_file(write_file(f"leads.{fmt}", _internal_named(fmt)))
    assert table.frame["row"].to_list() == ["a", "b"]  # the export's, not the row numbers
    assert table.frame["notes"].to_list() == ["x", "y"]  # not hidden as an internal column
    assert table.frame[ROW].to_list() == ([1, 2] if fmt == "parquet" else [2, 3])
    said = " ".join(w.message for w in table.warnings)
    assert "column 2 is named '__row', a name the app keeps for its own columns" in said
