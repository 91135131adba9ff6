"""A corpus of bad and odd input files, generated at test time, with the outcome each must have.

Every case writes one leads file into a folder (small files; the large ones are bounded,
e.g. one 12 MB line) and says what loading it must give: either the rows kept and
rejected (``read = kept + rejected``) with fragments of the warnings that count what
was lost, or the one plain sentence that refuses it. ``tests/test_badfiles.py`` runs
every case through the core loader and through the CLI (``funnel diagnose --json``).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

N = 30
"""Data rows in every generated leads file."""

HEADER = ["lead_id", "created_at", "source", "outcome"]


def rows(n: int = N) -> list[list[str]]:
    """``n`` plain lead rows: id, ISO creation date, source, won/lost."""
    return [[f"L{i}", f"2024-{i % 12 + 1:02d}-{i % 27 + 1:02d}", ("Web", "Ads", "Fair")[i % 3],
             "won" if i % 4 == 0 else "lost"] for i in range(n)]


def csv_text(header: list[str], body: list[list[str]], *, sep: str = ",",
             end: str = "\n") -> str:
    """Rows joined as CSV text, quoting only cells that hold the separator, a quote or a
    newline (a bare carriage return stays unquoted, as some exporters write it)."""
    def cell(v: str) -> str:
        if sep in v or '"' in v or "\n" in v:
            return '"' + v.replace('"', '""') + '"'
        return v
    return "".join(sep.join(cell(v) for v in r) + end for r in [header, *body])


def plain(**kw) -> str:
    """The plain leads file as text."""
    return csv_text(HEADER, rows(), **kw)


def with_column(name: str, values: list[str]) -> str:
    """The plain leads file with one more column."""
    body = [[*r, values[i % len(values)]] for i, r in enumerate(rows())]
    return csv_text([*HEADER, name], body)


def replace_cell(row: int, col: int, value: str, header: list[str] | None = None) -> str:
    """The plain leads file with one cell (data row index, column index) replaced."""
    body = rows()
    body[row][col] = value
    return csv_text(header or HEADER, body)


def _xlsx(sheets: dict[str, list[list[str]]], *, merged_title: bool = False,
          titles: tuple[str, ...] = ()) -> bytes:
    """A workbook of ``sheets``; above each table a merged title cell, or ``titles`` one a
    row followed by a blank row."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, table in sheets.items():
        ws = wb.add_worksheet(name)
        top = 0
        if merged_title and table:
            ws.merge_range(0, 0, 0, len(table[0]) - 1, "Leads report")
            top = 1
        for r, title in enumerate(titles):
            ws.write(r, 0, title)
            top = len(titles) + 1
        for r, row in enumerate(table):
            for c, v in enumerate(row):
                ws.write(r + top, c, v)
    wb.close()
    return out.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


def _nested_parquet() -> bytes:
    frame = pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in rows()]).with_columns(
        pl.struct(a=pl.lit(1), b=pl.lit("x")).alias("props"),
        pl.lit([{"k": "v"}]).alias("tags"))
    return _parquet(frame)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("leads.csv", plain())
    return out.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00"
       b"\x00\x1f\xf3\xffa" + bytes(range(256)) * 8)


@dataclass(frozen=True)
class Case:
    """One file of the corpus and what loading it must give.

    ``kept``/``rejected``: the rows kept and rejected (``None`` when it is refused);
    ``says``: a fragment of the one sentence that refuses it; ``warns``: fragments each
    found in some warning; ``lost``: the values counted as unreadable (sum of the
    ``unreadable_values`` warnings' counts); ``value``: a text some kept source holds
    (the text was decoded right).
    """

    id: str
    name: str
    make: Callable[[], bytes]
    kept: int | None = None
    rejected: int = 0
    says: str | None = None
    warns: tuple[str, ...] = ()
    lost: int = 0
    value: str | None = None

    def write(self, folder: Path) -> Path:
        """Generate the file into ``folder``; return its path."""
        path = folder / self.name
        path.write_bytes(self.make())
        return path


def _u8(text: str | Callable[[], str]) -> Callable[[], bytes]:
    return lambda: (text() if callable(text) else text).encode("utf-8")


def _long_line() -> bytes:
    body = rows()
    body[5][2] = "x" * 12_000_000  # 12 MB: over the 10 MB line limit
    return csv_text(HEADER, body).encode()


def _many_columns(n: int) -> bytes:
    header = [*HEADER, *[f"extra_{i}" for i in range(n - len(HEADER))]]
    body = [[*r, *["1"] * (n - len(HEADER))] for r in rows(5)]
    return csv_text(header, body).encode()


SIX_DATES = ["2024-01-05", "Jan 6, 2024", "2024/01/07", "8 Jan 2024", "09.01.2024", "13/01/2024"]

CASES: list[Case] = [
    # encodings and byte order marks
    Case("utf8", "leads.csv", _u8(plain()), kept=N),
    Case("utf8-bom", "leads.csv", lambda: codecs.BOM_UTF8 + plain().encode(), kept=N),
    Case("utf16-bom-tabs", "leads.txt", lambda: plain(sep="\t").encode("utf-16"), kept=N),
    Case("utf16le-no-bom", "leads.csv", lambda: plain().encode("utf-16-le"), kept=N),
    Case("cp1252", "leads.csv",
         lambda: replace_cell(0, 2, "Fête à Besançon").encode("cp1252"), kept=N,
         value="Fête à Besançon"),
    Case("shift-jis", "leads.csv",
         lambda: csv_text(HEADER, [[a, b, "東京ウェブ広告", d] for a, b, _, d in rows()]
                          ).encode("shift_jis"), kept=N, value="東京ウェブ広告"),
    Case("cp1251", "leads.csv",
         lambda: csv_text(HEADER, [[a, b, "Москва реклама", d] for a, b, _, d in rows()]
                          ).encode("cp1251"), kept=N, value="Москва реклама"),
    Case("invalid-utf8-after-head", "leads.csv",
         lambda: (plain() * 1).encode() + b"L99,2024-01-01,Caf\xe9,won\n", kept=N + 1),
    # delimiters and line ends
    Case("semicolons", "leads.csv", _u8(plain(sep=";")), kept=N),
    Case("tabs", "leads.tsv", _u8(plain(sep="\t")), kept=N),
    Case("pipes", "leads.csv", _u8(plain(sep="|")), kept=N),
    Case("crlf", "leads.csv", _u8(plain(end="\r\n")), kept=N),
    # one local flaw costs its row, not the file
    Case("unclosed-quote", "leads.csv", _u8(replace_cell(4, 2, 'X').replace("L4,", 'L4,"', 1)),
         kept=N - 1, rejected=1),
    Case("nul-byte", "leads.csv", _u8(replace_cell(3, 2, "We\x00b")), kept=N - 1, rejected=1),
    Case("line-over-10mb", "leads.csv", _long_line, kept=N - 1, rejected=1),
    Case("ragged-row", "leads.csv", _u8(plain().replace("\nL2,", "\nL2,extra,", 1)), kept=N - 1,
         rejected=1),
    Case("bare-cr-in-cell", "leads.csv", _u8(replace_cell(1, 2, "We\rb")), kept=N),
    Case("quoted-newline", "leads.csv", _u8(replace_cell(1, 2, "two\nlines")), kept=N),
    Case("huge-cell-1mb", "leads.csv", _u8(replace_cell(1, 2, "y" * 1_000_000)), kept=N),
    # headers
    Case("title-rows", "leads.csv", _u8("Leads report\nExported 2024-05-01\n\n" + plain()),
         kept=N, warns=("titles, not data",)),
    Case("duplicate-header", "leads.csv", _u8(with_column("source", ["Other"])), kept=N,
         warns=("both named 'source'",)),
    Case("blank-header", "leads.csv", _u8(with_column("", ["z"])), kept=N,
         warns=("has no name",)),
    Case("internal-names", "leads.csv", _u8(with_column("__row", ["z"])), kept=N,
         warns=("a name the app keeps for its own columns",)),
    Case("excel-internal-names", "leads.xlsx",
         lambda: _xlsx({"Leads": [[*HEADER, "__file"], *[[*r, "z"] for r in rows()]]}),
         kept=N, warns=("a name the app keeps for its own columns",)),
    Case("parquet-internal-names", "leads.parquet",
         lambda: _parquet(pl.DataFrame([dict(zip([*HEADER, "__row"], [*r, "z"], strict=True))
                                        for r in rows()])),
         kept=N, warns=("a name the app keeps for its own columns",)),
    Case("one-column", "leads.csv", _u8("lead_id\n" + "".join(f"L{i}\n" for i in range(N))),
         says="no column that can be a creation date"),
    Case("2000-columns", "leads.csv", lambda: _many_columns(2_000), kept=5),
    Case("2001-columns", "leads.csv", lambda: _many_columns(2_001), says="2,001 columns"),
    # nothing to read
    Case("empty", "leads.csv", lambda: b"", says="is empty"),
    Case("header-only", "leads.csv", _u8(",".join(HEADER) + "\n"),
         says="header row but no data rows"),
    Case("blank-lines-only", "leads.csv", lambda: b"\n\n  \r\n\n", says="is empty"),
    # values
    Case("six-date-formats", "leads.csv",
         _u8(csv_text(HEADER, [[a, SIX_DATES[i % 6], c, d]
                                for i, (a, _, c, d) in enumerate(rows())])), kept=N),
    Case("mixed-number-formats", "leads.csv",
         _u8(with_column("amount", ["1,234.50", "1.234,5", "12", "1 234,5 kr", "$300"])),
         kept=N),
    Case("unreadable-numbers", "leads.csv", _u8(with_column("amount", ["12", "abc", "7"])),
         kept=N, warns=("could not be read as numbers",), lost=10),
    Case("nan-inf-amounts", "leads.csv",
         _u8(with_column("amount", ["12", "inf", "NaN", "-Infinity", "7"])), kept=N,
         warns=("could not be read as numbers",), lost=18),  # "NaN" is no placeholder
    Case("negative-amounts", "leads.csv", _u8(with_column("amount", ["-12", "(300)", "5"])),
         kept=N),
    Case("placeholder-created", "leads.csv",
         _u8(replace_cell(0, 1, "0001-01-01").replace("L1,2024-02-02", "L1,1900-01-01")),
         kept=N - 2, rejected=2, warns=("placeholders",), lost=2),
    Case("year-2999-won-at", "leads.csv", _u8(with_column("won_at", ["2999-01-01", "", ""])),
         kept=N, warns=("placeholder",), lost=10),
    Case("formula-cells", "leads.csv",
         _u8(with_column("owner", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"])),
         kept=N),
    Case("markdown-cells", "leads.csv",
         _u8(with_column("owner", ["![x](http://e.invalid/a.png)", "<img src=x>",
                                   "[a](javascript:alert(1))"])), kept=N),
    # other formats
    Case("excel-second-sheet", "leads.xlsx",
         lambda: _xlsx({"Empty": [], "Leads": [HEADER, *rows()]}), kept=N),
    Case("excel-empty", "leads.xlsx", lambda: _xlsx({"Sheet1": []}),
         says="no sheet with data rows"),
    Case("excel-merged-title", "leads.xlsx",
         lambda: _xlsx({"Leads": [HEADER, *rows()]}, merged_title=True), kept=N,
         warns=("header is on row 2", "is a title, not data")),
    Case("excel-title-rows", "leads.xlsx",
         lambda: _xlsx({"Leads": [HEADER, *rows()]},
                       titles=("Leads report", "Exported 2024-05-01")), kept=N,
         warns=("header is on row 4", "2 rows above it", "titles, not data")),
    Case("parquet", "leads.parquet",
         lambda: _parquet(pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in rows()])),
         kept=N),
    Case("parquet-nested", "leads.parquet", _nested_parquet, kept=N),
    Case("parquet-2001-columns", "wide.parquet",
         lambda: _parquet(pl.DataFrame({f"c{i}": ["1"] for i in range(2_001)})),
         says="2,001 columns"),
    Case("csv-named-xlsx", "leads.xlsx", _u8(plain()), kept=N),
    Case("json-not-csv", "leads.csv",
         lambda: json.dumps([dict(zip(HEADER, r, strict=True)) for r in rows()]).encode(),
         says="holds JSON, not a table"),
    Case("zip", "leads.zip", _zip, says="ZIP archive"),
    Case("gzip", "leads.csv.gz", lambda: gzip.compress(plain().encode()), says="compressed"),
    Case("png-named-csv", "leads.csv", lambda: PNG, says="not a CSV, Excel or Parquet"),
]
"""The corpus: one case per kind of bad or odd file."""
