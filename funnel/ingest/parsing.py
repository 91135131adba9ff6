"""Turn text columns into dates, numbers and booleans, one decision per column.

A column's date format (ISO, US month-first, European day-first, Excel serial) or
decimal mark is decided once from all of its values, never cell by cell, so
``03/04/2024`` means the same day in every row of a column. Values that do not fit
the column's decision become missing and are counted, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from funnel.ingest.placeholders import FIRST_YEAR, LAST_YEAR, placeholder_dates

PLACEHOLDERS = frozenset(
    {
        "", "-", "--", "—", "n/a", "na", "#n/a", "n.a.", "none", "null", "nil", "nan",
        "select", "(blank)", "(none)", "(not set)", "not set", "undefined", "?", "#null!",
        "#value!", "#ref!", "please select", "- select -", "--select--", "-- select --",
    }
)
"""Values that mean "not answered" (compared after trimming and lower-casing)."""
_PLACEHOLDER_VARIANTS = pl.Series(
    sorted({f(p) for p in PLACEHOLDERS for f in (str.lower, str.upper, str.title,
                                                 str.capitalize)}),
    dtype=pl.String,
).implode()

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "ja", "si", "sí", "oui", "x", "checked"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "nein", "non", "unchecked"})

SAMPLE_SIZE = 20_000
"""How many non-missing values decide a column's type, format or decimal mark."""


def _sample(values: pl.Series, n: int = SAMPLE_SIZE) -> pl.Series:
    """The first ``n`` non-missing values, without copying the whole column."""
    head = values.head(n * 4).drop_nulls()
    if head.len() < n and values.len() > n * 4:
        head = values.drop_nulls()
    return head.head(n)


# exact forms first: on a tie (no fractional seconds or zones in the column) the plain
# format wins, and chrono parses it two to three times faster
_TIME_ISO = ["%H:%M:%S", "%H:%M:%S%.f", "%H:%M:%S%#z", "%H:%M:%S%.f%#z", "%H:%M", "%H:%M%#z",
             "%H:%M:%S UTC", "%H:%M:%S%.f UTC"]  # a zone written as a word: UTC is UTC
# ICU (Salesforce since Winter '20, CLDR 42+) writes a narrow no-break space before AM/PM
_TIME_12H = ["%I:%M:%S %p", "%I:%M %p", "%I:%M:%S\u202f%p", "%I:%M\u202f%p"]
_TIME_24H = ["%H:%M:%S", "%H:%M"]


def _with_times(date: str, seps: tuple[str, ...], times: list[str]) -> list[str]:
    return [f"{date}{sep}{t}" for sep in seps for t in times] + [date]


@dataclass(frozen=True)
class DateStyle:
    """A column's date decision: a chrono format, Excel serial days, or (``"mixed"``)
    several formats, each value read by the first of ``parts`` that reads it."""

    kind: str  # "iso", "us", "eu", "text", "excel", "mixed"
    format: str | None
    parts: tuple[DateStyle, ...] = ()

    @property
    def label(self) -> str:
        """A short human description, e.g. ``day/month/year``."""
        if self.kind == "mixed":
            kinds = list(dict.fromkeys(p.label for p in self.parts))
            return "several formats: " + ", ".join(kinds)
        return {
            "iso": "year-month-day",
            "us": "month/day/year",
            "eu": "day/month/year",
            "text": "month name",
            "excel": "Excel serial days",
        }[self.kind]


_PLACEHOLDER_DAY = dt.datetime(1900, 1, 1)


def _candidates() -> list[DateStyle]:
    out: list[DateStyle] = []
    for d in ("%Y-%m-%d", "%Y/%m/%d"):
        out += [DateStyle("iso", f) for f in _with_times(d, ("T", " "), _TIME_ISO)]
    # ICU locale formats put a comma between the date and the time ("1/6/2025, 9:12 AM")
    for d in ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y"):
        out += [DateStyle("us", f) for f in _with_times(d, (" ", ", "), _TIME_12H + _TIME_24H)]
    for d in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"):
        out += [DateStyle("eu", f) for f in _with_times(d, (" ", ", "), _TIME_24H + _TIME_12H)]
    for d in ("%b %d, %Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y", "%d %B %Y"):
        out += [DateStyle("text", f) for f in _with_times(d, (" ", ", "), _TIME_12H + _TIME_24H)]
    return out


DATE_CANDIDATES = _candidates()
_CANDIDATE_SET = frozenset(DATE_CANDIDATES)
_EXCEL = DateStyle("excel", None)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


def date_expr(col: pl.Expr, style: DateStyle) -> pl.Expr:
    """An expression reading text ``col`` with ``style`` into naive UTC datetimes.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"d": ["25/12/2024"]})
    >>> df.select(date_expr(pl.col("d"), detect_date_style(df["d"]))).item()
    datetime.datetime(2024, 12, 25, 0, 0)
    """
    if style.kind == "mixed":
        return pl.coalesce([lenient_date_expr(col, p) for p in style.parts])
    if style.kind == "excel":
        days = col.cast(pl.Float64, strict=False)
        days = pl.when(days.is_between(20_000, 80_000)).then(days)
        # serial 25569 is 1970-01-01 in Excel's 1900 date system
        seconds = ((days - 25_569) * 86_400).round(0)
        return (seconds * 1_000_000).cast(pl.Int64).cast(pl.Datetime("us"))
    parsed = col.str.to_datetime(style.format, strict=False, time_unit="us")
    if "%#z" in style.format or "%z" in style.format:
        parsed = parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    # two-digit years read by %Y ("1/2/24") land in year 24, and exports write 0001-01-01
    # or 1900-01-01 for "no date": refuse implausible years (counted as unreadable)
    return pl.when(parsed.dt.year().is_between(FIRST_YEAR, LAST_YEAR)
                   & (parsed != _PLACEHOLDER_DAY)).then(parsed)


def date_only(style: DateStyle) -> DateStyle | None:
    """The same date order without its time part, or ``None`` if it has no time.

    Examples
    --------
    >>> date_only(DateStyle("eu", "%d.%m.%Y %H:%M"))
    DateStyle(kind='eu', format='%d.%m.%Y', parts=())
    """
    if style.format is None:
        return None
    hours = [i for i in (style.format.find("%H"), style.format.find("%I")) if i > 0]
    if not hours:
        return None
    return DateStyle(style.kind, style.format[: min(hours)].rstrip(" T"))


def other_order(style: DateStyle) -> DateStyle | None:
    """The same format with day and month swapped (US ↔ European), else ``None``.

    Examples
    --------
    >>> other_order(DateStyle("us", "%m/%d/%Y"))
    DateStyle(kind='eu', format='%d/%m/%Y', parts=())
    """
    if style.kind not in ("us", "eu") or style.format is None:
        return None
    swapped = style.format.replace("%m", "%@").replace("%d", "%m").replace("%@", "%d")
    return DateStyle("eu" if style.kind == "us" else "us", swapped)


def lenient_date_expr(col: pl.Expr, style: DateStyle) -> pl.Expr:
    """Like :func:`date_expr`, with the time optional: a date without a time (in the
    column's date order) reads as midnight instead of failing."""
    plain = date_only(style)
    full = date_expr(col, style)
    return full if plain is None else pl.coalesce(full, date_expr(col, plain))


def _parse(values: pl.Series, style: DateStyle) -> pl.Series:
    return pl.DataFrame({"v": values}).select(date_expr(pl.col("v"), style)).to_series()


def _hits(values: pl.Series, styles: list[DateStyle]) -> list[int]:
    """How many values each style reads, all styles in one query."""
    exprs = [date_expr(pl.col("v"), st).is_not_null().sum().alias(str(i))
             for i, st in enumerate(styles)]
    return list(pl.DataFrame({"v": values}).select(exprs).row(0))


def _family(value: str) -> set[str]:
    """Which style families a value's shape allows (a cheap filter before parsing)."""
    v = value.strip()
    if re.match(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}", v):
        return {"iso"}
    if _SERIAL.match(v):
        return {"excel"}
    if re.search(r"[A-Za-z]{3}", v) and not re.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d", v):
        return {"text"}
    return {"us", "eu"}


def detect_date_style(values: pl.Series, *, day_first: bool = False) -> DateStyle | None:
    """Decide the date format of a text column from its values.

    Tries every known format on the distinct values and keeps the one that reads the
    most; a tie between month-first and day-first (every day ≤ 12) goes to
    ``day_first``. Returns ``None`` when no format reads at least half the values.

    Examples
    --------
    >>> import polars as pl
    >>> detect_date_style(pl.Series(["03/04/2024", "25/12/2024"])).kind
    'eu'
    >>> detect_date_style(pl.Series(["2024-03-04 10:00", "2024-12-25 09:30"])).format
    '%Y-%m-%d %H:%M'
    """
    distinct = _sample(values).str.strip_chars().unique(maintain_order=True)
    # placeholder dates (0001-01-01, 1900-01-01) do not decide the format: few distinct
    # stand-ins would otherwise outvote the real dates
    distinct = distinct.filter((distinct != "") & ~placeholder_dates(distinct))
    if distinct.len() == 0:
        return None
    sample = tuple(distinct.head(1000).to_list())
    style, tied = _detect_sample(sample, day_first)
    if style is None or _reads(sample, style) < len(sample):
        mixed = _mixed_style(sample, day_first)
        if mixed is not None and _reads(sample, mixed) > (_reads(sample, style) if style else 0):
            return mixed
    if tied:
        # Every sampled day is <= 12: let the whole column decide, then the locale hint.
        us, eu = tied
        everything = values.drop_nulls().str.strip_chars().unique()
        n_us, n_eu = _hits(everything, [us, eu])
        if n_us != n_eu:
            return us if n_us > n_eu else eu
    return style


def _detect_sample(
    sample: tuple[str, ...], day_first: bool
) -> tuple[DateStyle | None, tuple[DateStyle, DateStyle] | None]:
    families: set[str] = set()
    for v in sample[:200]:
        families |= _family(v)
    styles = _written_like(sample, [st for st in DATE_CANDIDATES if st.kind in families])
    if "excel" in families:
        styles.append(_EXCEL)
    if not styles:
        return None, None
    scores = list(zip(_hits(pl.Series(sample, dtype=pl.String), styles), styles, strict=True))
    best = max(s for s, _ in scores)
    if best < max(1, len(sample) / 2):
        return None, None
    tied = [st for s, st in scores if s == best]
    kinds = [st.kind for st in tied]
    if "us" in kinds and "eu" in kinds:
        us = tied[kinds.index("us")]
        eu = tied[kinds.index("eu")]
        return (eu if day_first else us), (us, eu)
    return tied[0], None


def _written_like(sample: tuple[str, ...], styles: list[DateStyle]) -> list[DateStyle]:
    """``styles`` without the ICU forms (a comma before the time, a narrow no-break space
    before AM/PM) when no sampled value is written so: fewer formats to try."""
    if not any(re.search(r"\d, \d", v) for v in sample):
        styles = [st for st in styles if not re.search(r"[Yy], ", st.format or "")]
    if not any("\u202f" in v for v in sample):
        styles = [st for st in styles if "\u202f" not in (st.format or "")]
    return styles


def _reads(sample: tuple[str, ...], style: DateStyle) -> int:
    """How many sampled values a style reads (the time optional)."""
    v = pl.Series("v", sample, dtype=pl.String)
    return int(_apply(v, lenient_date_expr(pl.col("v"), style)).is_not_null().sum())


MAX_PARTS = 8
"""Most date formats one column is read with."""


def _mixed_style(sample: tuple[str, ...], day_first: bool) -> DateStyle | None:
    """Several formats for a column written in several (an export merged from tools):
    the format with the most values only it reads first, then the one with the most of
    the rest, and so on. A value both day/month orders read (``03/04/2024``) is read by
    an order the column has shown evidence for, else left unread (and counted); a
    day-first order goes first on a tie when ``day_first``."""
    families: set[str] = set()
    for v in sample:
        families |= _family(v)
    styles = _written_like(sample, [st for st in DATE_CANDIDATES if st.kind in families])
    if day_first:
        styles.sort(key=lambda st: st.kind != "eu")
    if "excel" in families:
        styles.append(_EXCEL)
    if len(families) < 2 and not families & {"us", "eu"}:
        return None
    values = pl.DataFrame({"v": pl.Series(sample, dtype=pl.String)})
    hits = values.select([date_expr(pl.col("v"), st).is_not_null().alias(str(i))
                          for i, st in enumerate(styles)])
    # what a format reads that the other day/month order does not: only such values are
    # evidence for it (03/04/2024 alone says nothing)
    sure = values.select([
        (date_expr(pl.col("v"), st).is_not_null()
         & (date_expr(pl.col("v"), swap).is_null()
            if (swap := other_order(st)) in _CANDIDATE_SET else True)
         ).alias(str(i)) for i, st in enumerate(styles)])
    left = pl.Series([True] * len(sample))
    parts: list[DateStyle] = []
    while styles and len(parts) < MAX_PARTS:
        gains = [int((sure[str(i)] & left).sum()) for i in range(len(styles))]
        best = max(range(len(styles)), key=lambda i: gains[i])
        if gains[best] == 0:
            break
        parts.append(styles[best])
        left = left & ~hits[str(best)]
    if len(parts) < 2:
        return None
    return DateStyle("mixed", None, tuple(parts))


def parse_dates(values: pl.Series, style: DateStyle) -> pl.Series:
    """Parse a text column with its decided style into naive UTC datetimes (a date
    without its time, in the same order, reads as midnight).

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(["2024-01-02T10:00:00+02:00", "bad"])
    >>> parse_dates(s, detect_date_style(s)).to_list()
    [datetime.datetime(2024, 1, 2, 8, 0), None]
    """
    values = _strip(values)
    out = _parse(values, style)
    if date_only(style) is not None and out.null_count() > values.null_count():
        out = _apply(values, lenient_date_expr(pl.col("v"), style))
    return out.alias(values.name)


_CURRENCY = r"[\$€£¥₹₽₩]|R\$|CHF|USD|EUR|GBP|BRL|JPY|INR|CAD|AUD|kr|zł"
_NUMBER_SHAPE = (
    r"^[-+(]?\s*(?:[\$€£¥₹]|R\$|USD|EUR|GBP)?\s*-?(?:\d{1,3}(?:[,.'\u00a0 ]\d{3})+|\d+)"
    r"(?:[.,]\d+)?\s*(?:[\$€£%]|USD|EUR|GBP)?\)?$"
)

_CODE_SHAPE = r"^0\d|^\+\s*\d[\d\s]{6,}$|^\s*\d{16,}\s*$"
"""Digits that are a code, not a quantity: a leading zero (``00123``, ``0049…``), a
plus sign before a long run of digits (``+4915112345678``), or 16 digits and more (a
Zoho record id, Meta's ``ad_id``: beyond what a float holds exactly, two ids would read
as one number); such columns stay text."""


def detect_decimal_comma(values: pl.Series, *, default: bool = False) -> bool:
    """Whether a number column writes decimals with a comma (``1.234,56``).

    Decided once for the column (from its first values): a comma followed by other than
    three digits, or a dot followed by exactly three digits before a comma, means a
    decimal comma.

    Examples
    --------
    >>> import polars as pl
    >>> detect_decimal_comma(pl.Series(["1.234,56", "12,5"]))
    True
    >>> detect_decimal_comma(pl.Series(["1,234.56", "1,200"]))
    False
    """
    s = _sample(values).str.replace_all(_CURRENCY, "").str.replace_all(r"[\s\u00a0']", "")
    comma_dec = s.str.contains(
        r"^-?[\d.]*,\d{1,2}$|^-?[\d.]*,\d{4,}$|^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d{1,3}(\.\d{3}){2,}$"
    )
    dot_dec = s.str.contains(r"^-?[\d,]*\.\d{1,2}$|^-?[\d,]*\.\d{4,}$|^-?\d{1,3}(,\d{3})+\.\d+$")
    c, d = int(comma_dec.sum()), int(dot_dec.sum())
    if c == d:
        return default
    return c > d


def _apply(values: pl.Series, expr: pl.Expr) -> pl.Series:
    """Evaluate an expression on ``pl.col("v")`` over one Series."""
    return pl.DataFrame({"v": values}).select(expr).to_series().alias(values.name)


def is_plain_number(sample: pl.Series, *, decimal_comma: bool) -> bool:
    """Whether sampled values are bare numbers (no symbols or separators to clean)."""
    return bool(sample.str.contains(r"^-?\d+$" if decimal_comma else r"^-?\d+(\.\d+)?$").all())


# a value whose own marks say which is the decimal one: both marks (the last is the
# decimal), one mark repeated (thousands), or one mark not followed by exactly three digits
_COMMA_DECIMAL = r"\.\d*,\d*$|^[^.,]*,(\d{1,2}|\d{4,})$|^[^,]*\.[^,]*\.[^,]*$"
_DOT_DECIMAL = r",\d*\.\d*$|^[^.,]*\.(\d{1,2}|\d{4,})$|^[^.]*,[^.]*,[^.]*$"


def _separators(x: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """Thousands separators out and the decimal mark as a dot. Each value whose own marks
    say which is its decimal mark (``1.234,5``, ``12,5``, ``1,234.50``, ``3.5``) is read
    that way, so a column mixing the two conventions loses nothing; a value that could
    be either (``1,234``) follows the column's ``decimal_comma``."""
    comma = ~x.str.contains(_DOT_DECIMAL) if decimal_comma else x.str.contains(_COMMA_DECIMAL)
    as_comma = x.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return pl.when(comma).then(as_comma).otherwise(x.str.replace_all(",", "", literal=True))


def number_expr(
    col: pl.Expr, *, decimal_comma: bool, plain: bool = False, fit: pl.Series | None = None
) -> pl.Expr:
    """An expression reading text numbers with currency symbols, spaces, thousands
    separators, parentheses or signs.

    ``plain`` skips the cleaning (bare numbers); ``fit`` (sampled values) narrows the
    cleaning to the steps those values need. A narrowed expression reads values of
    another shape as missing, so callers check the whole column and fall back to the
    full expression (``fit=None``) when it lost any.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"n": ["$12,500.00", "(300)"]})
    >>> df.select(number_expr(pl.col("n"), decimal_comma=False)).to_series().to_list()
    [12500.0, -300.0]
    """
    if plain:
        return _finite_expr(col.cast(pl.Float64, strict=False))
    if fit is not None and not fit.str.contains(r"[()\-+%]").any():
        x = col
        if fit.str.contains(_CURRENCY).any():
            x = x.str.replace_all(_CURRENCY, "")
        if fit.str.contains(r"[\s\u00a0']").any():
            x = x.str.replace_all(r"[\s\u00a0']", "")
        return _finite_expr(_separators(x, decimal_comma).cast(pl.Float64, strict=False))
    # the sign may sit inside or outside the currency: "-$5", "$-5", "£(1,234.50)"
    bare = col.str.replace_all(_CURRENCY, "").str.strip_chars()
    negative = (bare.str.contains(r"^\(.*\)$") | bare.str.contains(r"^-")).fill_null(False)
    digits = bare.str.replace_all(r"[\s\u00a0'()+\-%]", "")
    nums = _separators(digits, decimal_comma).cast(pl.Float64, strict=False)
    return _finite_expr(pl.when(negative).then(-nums).otherwise(nums))


def _finite_expr(nums: pl.Expr) -> pl.Expr:
    """NaN and infinities ("NaN", "inf" in a cell) are not numbers: missing."""
    return pl.when(nums.is_finite()).then(nums)


def parse_numbers(values: pl.Series, *, decimal_comma: bool) -> pl.Series:
    """Parse text numbers with currency symbols, spaces and thousands separators.

    Examples
    --------
    >>> import polars as pl
    >>> parse_numbers(pl.Series(["$12,500.00", "(300)", "n/a"]), decimal_comma=False).to_list()
    [12500.0, -300.0, None]
    >>> parse_numbers(pl.Series(["1.234,5 €"]), decimal_comma=True).to_list()
    [1234.5]

    "NaN" and "inf" are not amounts: they are missing, like any unreadable number.

    >>> parse_numbers(pl.Series(["NaN", "inf", "-Infinity", "7"]), decimal_comma=False).to_list()
    [None, None, None, 7.0]
    """
    s = _strip(values)
    if is_plain_number(_sample(s), decimal_comma=decimal_comma):
        plain = _finite(_apply(s, number_expr(pl.col("v"), decimal_comma=decimal_comma,
                                              plain=True)))
        if plain.null_count() == s.null_count():
            return plain
    return _finite(_apply(s, number_expr(pl.col("v"), decimal_comma=decimal_comma)))


def _finite(numbers: pl.Series) -> pl.Series:
    """NaN and infinities as missing values."""
    if not numbers.dtype.is_float():
        return numbers
    return numbers.to_frame("v").select(
        pl.when(pl.col("v").is_finite()).then(pl.col("v"))).to_series().alias(numbers.name)


_BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}


def bool_expr(col: pl.Expr) -> pl.Expr:
    """An expression mapping yes/no, true/false, 1/0 (and a few languages) onto booleans."""
    return col.str.strip_chars().str.to_lowercase().replace_strict(
        _BOOL_WORDS, default=None, return_dtype=pl.Boolean)


def parse_booleans(values: pl.Series) -> pl.Series:
    """Map yes/no, true/false, 1/0 (and a few other languages) onto booleans.

    Examples
    --------
    >>> import polars as pl
    >>> parse_booleans(pl.Series(["Yes", "no", "TRUE", "maybe"])).to_list()
    [True, False, True, None]
    """
    return _apply(values, bool_expr(pl.col("v")))


def needs_strip(sample: pl.Series) -> bool:
    """Whether sampled values carry surrounding white space worth trimming."""
    edges = sample.str.starts_with(" ") | sample.str.ends_with(" ") | sample.str.starts_with("\t")
    return bool(edges.any())


def _strip(values: pl.Series) -> pl.Series:
    """Trim surrounding white space, without copying a column that has none."""
    return values.str.strip_chars() if needs_strip(values) else values


def placeholder_expr(col: pl.Expr, *, strip: bool = True) -> pl.Expr:
    """An expression turning placeholder answers into missing (optionally trimming)."""
    c = col.str.strip_chars() if strip else col
    return pl.when(c.is_in(_PLACEHOLDER_VARIANTS)).then(None).otherwise(c)


def reads_as_is(values: pl.Series, *, strip: bool) -> bool:
    """Whether :func:`placeholder_expr` leaves every value as it is (no placeholder and,
    when ``strip``, no surrounding white space): the column can be kept without a copy.

    >>> [reads_as_is(pl.Series(v), strip=True) for v in (["Web", None], [" Web"], ["N/A"])]
    [True, False, False]
    """
    if values.is_in(_PLACEHOLDER_VARIANTS).any():
        return False
    return not (strip and values.str.contains(r"^\s|\s$").any())


def null_placeholders(values: pl.Series) -> pl.Series:
    """Replace placeholder answers (``Select``, ``N/A``, ``-``, blanks) with missing.

    Values are trimmed first (only when some have surrounding spaces); placeholders
    match in lower, upper, title or sentence case.

    Examples
    --------
    >>> import polars as pl
    >>> null_placeholders(pl.Series([" Select ", "India", "N/A"])).to_list()
    [None, 'India', None]
    """
    s = _strip(values)
    mask = s.is_in(_PLACEHOLDER_VARIANTS)
    return s.set(mask, None) if mask.any() else s


def attribute_expr(
    sample: pl.Series, col: pl.Expr, *, decimal_comma: bool = False, cleaned: bool = False
) -> tuple[pl.Expr, str]:
    """Decide from sampled (placeholder-free) values how to type an attribute column.

    Returns the expression and its kind, ``"bool"``, ``"number"`` or ``"text"``. The
    caller checks a typed result on the whole column (see :func:`infer_attribute`).
    ``cleaned``: ``col`` already has its placeholders out and is trimmed as the sample
    asks (``placeholder_expr(col, strip=needs_strip(sample))``).
    """
    clean = col if cleaned else placeholder_expr(col, strip=needs_strip(sample))
    present = sample.drop_nulls()
    if present.len() == 0:
        return clean, "text"
    lowered = present.str.strip_chars().str.to_lowercase().unique()
    bool_words = list(_BOOL_WORDS)
    if lowered.is_in(bool_words).all() and not lowered.is_in(["1", "0"]).all():
        return bool_expr(clean), "bool"
    if present.str.contains(_NUMBER_SHAPE).all() and not present.str.contains(_CODE_SHAPE).any():
        dec = detect_decimal_comma(present, default=decimal_comma)
        return number_expr(clean, decimal_comma=dec, fit=present,
                           plain=is_plain_number(present, decimal_comma=dec)), "number"
    return clean, "text"


def attribute_fallbacks(
    sample: pl.Series, col: pl.Expr, *, decimal_comma: bool = False, cleaned: bool = False
) -> list[pl.Expr]:
    """Broader expressions to try, in order, when an attribute's typed expression loses
    values on the whole column: full number cleaning, then plain text (``cleaned`` as in
    :func:`attribute_expr`)."""
    clean = col if cleaned else placeholder_expr(col, strip=needs_strip(sample))
    present = sample.drop_nulls()
    dec = detect_decimal_comma(present, default=decimal_comma) if present.len() else False
    return [number_expr(clean, decimal_comma=dec), clean]


def infer_attribute(values: pl.Series, *, decimal_comma: bool = False) -> pl.Series:
    """Type an unmapped (profile attribute) column: boolean, number, or cleaned text.

    Decided on the column's first values; the column becomes boolean or numeric only
    when every non-missing value of the whole column reads as one.

    Examples
    --------
    >>> import polars as pl
    >>> infer_attribute(pl.Series(["Yes", "No", None])).dtype
    Boolean
    >>> infer_attribute(pl.Series(["1,200", "35"])).to_list()
    [1200.0, 35.0]
    >>> infer_attribute(pl.Series(["+1 555 0123 4567"])).dtype  # a phone stays text
    String
    """
    clean = null_placeholders(values)
    sample = _sample(clean)
    expr, kind = attribute_expr(sample, pl.col("v"), decimal_comma=decimal_comma)
    typed = _apply(values, expr)
    if kind == "number" and typed.null_count() != clean.null_count():
        typed = _apply(values, attribute_fallbacks(sample, pl.col("v"),
                                                   decimal_comma=decimal_comma)[0])
    return typed if typed.null_count() == clean.null_count() else clean
