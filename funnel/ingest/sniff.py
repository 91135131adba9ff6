"""Tell what a file is from its first bytes: its format, its text encoding, its delimiter.

Decided from the bytes, never from the file name. A few stray control bytes (a NUL in one
cell) do not make a text file binary: they cost their rows, not the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

import charset_normalizer

DELIMITERS = (",", ";", "\t", "|")
"""The delimiters a CSV is tried with."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when every other byte is a zero (UTF-16 without a
    BOM), else ``None`` (a stray NUL in UTF-8 text is not UTF-16)."""
    if b"\x00" not in head:
        return None
    zeros_odd = head[1::2].count(0)
    zeros_even = head[0::2].count(0)
    half = max(len(head) // 2, 1)
    if max(zeros_odd, zeros_even) / half > 0.4 and min(zeros_odd, zeros_even) / half < 0.05:
        return "utf-16-le" if zeros_odd > zeros_even else "utf-16-be"
    return None


def sniff_format(head: bytes) -> str:
    """Name the format of a file from its first bytes.

    Returns one of ``"parquet"``, ``"xlsx"``, ``"zip"``, ``"xls"``, ``"encrypted"``,
    ``"gzip"``, ``"text"`` or ``"binary"``.

    Examples
    --------
    >>> sniff_format(b"PAR1...")
    'parquet'
    >>> sniff_format(b"lead_id,created_at\\n1,2024-01-01\\n")
    'text'
    """
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if b"xl/" in head or b"[Content_Types].xml" in head else "zip"
    if head.startswith(_OLE2):
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in head else "xls"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return "text"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if _utf16_without_bom(head):
        return "text"
    # a few stray control bytes (a NUL in one cell) cost their rows, not the file
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if head and control > max(4, len(head) / 100):
        return "binary"
    return "text"


def detect_encoding(head: bytes) -> str:
    """Pick the text encoding: a BOM wins, then UTF-8 if it decodes, then a CJK, Cyrillic,
    Greek, Hebrew, Arabic or Thai code page when the bytes clearly are one, else
    cp1252/latin-1.

    Examples
    --------
    >>> detect_encoding("Müller".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("Müller".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(("id,city\\n" + "1,東京都渋谷区\\n" * 20).encode("shift_jis"))
    'cp932'
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    other = _non_western(head)
    if other:
        return other
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


# encodings a detector may name for text that is not UTF-8 and not Western European;
# for anything else the Windows Western code page stays the reading (detectors confuse
# the Latin code pages with each other on short samples)
_OTHER_SCRIPTS = frozenset({
    "cp932", "shift_jis", "euc_jp", "euc_jis_2004", "iso2022_jp", "cp949", "euc_kr",
    "gb18030", "gb2312", "gbk", "big5", "big5hkscs", "cp1251", "koi8_r", "koi8_u",
    "cp1253", "cp1255", "cp1256", "cp874", "tis_620",
})
_SCRIPT_LANGUAGES = frozenset({
    "Japanese", "Korean", "Chinese", "Russian", "Ukrainian", "Bulgarian", "Serbian",
    "Greek", "Hebrew", "Arabic", "Thai", "Farsi", "Kazakh", "Macedonian", "Belarusian",
})


def _non_western(head: bytes) -> str | None:
    """A CJK, Cyrillic, Greek, Hebrew, Arabic or Thai encoding when a detector is sure
    of one for these bytes (and they decode with it), else ``None``."""
    best = charset_normalizer.from_bytes(head[:65_536]).best()
    if best is None or best.encoding not in _OTHER_SCRIPTS:
        return None
    if best.language not in _SCRIPT_LANGUAGES:
        return None
    try:
        codecs.getincrementaldecoder(best.encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return best.encoding


def detect_delimiter(sample: str) -> str:
    """Choose the delimiter whose field count is most consistent over the sample's rows.

    Examples
    --------
    >>> detect_delimiter("a;b;c\\n1;2,5;3\\n4;5;6\\n")
    ';'
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut off
    text = "".join(lines[:200])
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delim) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best
