"""Tests of funnel.parsing: dates, numbers, booleans, placeholders and attribute typing."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest
from polars.testing import assert_series_equal

from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    infer_attribute,
    null_placeholders,
    parse_booleans,
    parse_dates,
    parse_numbers,
    placeholder_expr,
    reads_as_is,
)

D = dt.datetime


def _read(values: list[str | None], *, day_first: bool = False) -> list[dt.datetime | None]:
    s = pl.Series("v", values, dtype=pl.String)
    style = detect_date_style(s, day_first=day_first)
    assert style is not None, f"no date style found for {values}"
    return parse_dates(s, style).to_list()


# --- dates ----------------------------------------------------------------------------

DATE_CASES = [
    pytest.param(["2024-03-04", "2024-12-25"], [D(2024, 3, 4), D(2024, 12, 25)], id="iso-date"),
    pytest.param(["2024/03/04", "2024/12/25"], [D(2024, 3, 4), D(2024, 12, 25)], id="iso-slash"),
    pytest.param(["2024-03-04 10:00:00", "2024-12-25 09:30:15"],
                 [D(2024, 3, 4, 10), D(2024, 12, 25, 9, 30, 15)], id="iso-seconds"),
    pytest.param(["2024-03-04 10:00", "2024-12-25 09:30"],
                 [D(2024, 3, 4, 10), D(2024, 12, 25, 9, 30)], id="iso-minutes"),
    pytest.param(["2024-03-04T10:00:00Z", "2024-12-25T09:30:15Z"],
                 [D(2024, 3, 4, 10), D(2024, 12, 25, 9, 30, 15)], id="iso-t-z"),
    pytest.param(["2024-03-04T10:00:00.250Z", "2024-12-25T09:30:15.5Z"],
                 [D(2024, 3, 4, 10, 0, 0, 250_000), D(2024, 12, 25, 9, 30, 15, 500_000)],
                 id="iso-fraction-z"),
    pytest.param(["2024-03-04T10:00:00", "2024-12-25T09:30:00"],
                 [D(2024, 3, 4, 10), D(2024, 12, 25, 9, 30)], id="iso-t-naive"),
    pytest.param(["2024-03-04T10:00:00+02:00", "2024-12-25T09:30:15-05:00"],
                 [D(2024, 3, 4, 8), D(2024, 12, 25, 14, 30, 15)], id="offset-colon-to-utc"),
    pytest.param(["2024-03-04 10:00:00+0200", "2024-12-31 22:30:00-0500"],
                 [D(2024, 3, 4, 8), D(2025, 1, 1, 3, 30)], id="offset-no-colon-to-utc"),
    pytest.param(["03/04/2024 1:05 PM", "12/25/2024 11:30 AM"],
                 [D(2024, 3, 4, 13, 5), D(2024, 12, 25, 11, 30)], id="us-am-pm"),
    pytest.param(["03/04/2024 01:05:07 PM", "12/25/2024 12:00:00 AM"],
                 [D(2024, 3, 4, 13, 5, 7), D(2024, 12, 25)], id="us-am-pm-seconds"),
    pytest.param(["3/4/24", "12/25/24"], [D(2024, 3, 4), D(2024, 12, 25)], id="us-short-year"),
    pytest.param(["03-04-2024", "12-25-2024"], [D(2024, 3, 4), D(2024, 12, 25)], id="us-dash"),
    pytest.param(["25/12/2024", "03/04/2024"], [D(2024, 12, 25), D(2024, 4, 3)], id="eu-slash"),
    pytest.param(["25.12.2024", "03.04.2024"], [D(2024, 12, 25), D(2024, 4, 3)], id="eu-dot"),
    pytest.param(["25-12-2024", "03-04-2024"], [D(2024, 12, 25), D(2024, 4, 3)], id="eu-dash"),
    pytest.param(["25.12.2024 14:30", "03.04.2024 09:00"],
                 [D(2024, 12, 25, 14, 30), D(2024, 4, 3, 9)], id="eu-dot-time"),
    pytest.param(["25/12/24", "03/04/24"], [D(2024, 12, 25), D(2024, 4, 3)], id="eu-short-year"),
    pytest.param(["Mar 4, 2024", "Dec 25, 2024"], [D(2024, 3, 4), D(2024, 12, 25)],
                 id="month-abbrev-first"),
    pytest.param(["March 4, 2024", "December 25, 2024"], [D(2024, 3, 4), D(2024, 12, 25)],
                 id="month-name-first"),
    pytest.param(["4 March 2024", "25 December 2024"], [D(2024, 3, 4), D(2024, 12, 25)],
                 id="day-month-name"),
    pytest.param(["04-Mar-2024", "25-Dec-2024"], [D(2024, 3, 4), D(2024, 12, 25)],
                 id="day-month-abbrev-dash"),
    pytest.param(["45000", "45321.5"], [D(2023, 3, 15), D(2024, 1, 30, 12)], id="excel-serial"),
    # ICU locale formats (Salesforce since Winter '20): a comma before the time, and
    # (CLDR 42+) a narrow no-break space before AM/PM
    pytest.param(["2024-03-04 10:00:00 UTC", "2024-12-25 09:30:15 UTC"],
                 [D(2024, 3, 4, 10), D(2024, 12, 25, 9, 30, 15)], id="iso-utc-word"),
    pytest.param(["1/6/2025, 9:12 AM", "12/25/2024, 2:40 PM"],
                 [D(2025, 1, 6, 9, 12), D(2024, 12, 25, 14, 40)], id="icu-us-comma"),
    pytest.param(["06.01.2025, 09:12", "25.12.2024, 14:40"],
                 [D(2025, 1, 6, 9, 12), D(2024, 12, 25, 14, 40)], id="icu-de-comma"),
    pytest.param(["Jan 6, 2025, 9:12\u202fAM", "Dec 25, 2024, 2:40\u202fPM"],
                 [D(2025, 1, 6, 9, 12), D(2024, 12, 25, 14, 40)], id="icu-medium-narrow-space"),
    pytest.param(["2024-01-05", None, "", "  "], [D(2024, 1, 5), None, None, None],
                 id="blanks-stay-missing"),
    pytest.param([" 2024-01-05 ", "2024-01-06"], [D(2024, 1, 5), D(2024, 1, 6)], id="padded"),
]


@pytest.mark.parametrize(("values", "expected"), DATE_CASES)
def test_parse_dates_reads_style(values, expected):
    assert _read(values) == expected


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["2024-03-04"], "iso"),
        (["12/25/2024"], "us"),
        (["25/12/2024"], "eu"),
        (["Dec 25, 2024"], "text"),
        (["45000"], "excel"),
    ],
)
def test_detect_date_style_names_kind(values, kind):
    assert detect_date_style(pl.Series(values)).kind == kind


@pytest.mark.parametrize(
    ("day_first", "expected"),
    [(False, [D(2024, 3, 4), D(2024, 5, 6)]), (True, [D(2024, 4, 3), D(2024, 6, 5)])],
)
def test_detect_date_style_lets_day_first_decide_ambiguous_column(day_first, expected):
    assert _read(["03/04/2024", "05/06/2024"], day_first=day_first) == expected


@pytest.mark.parametrize(
    ("values", "day_first", "expected"),
    [
        (["03/04/2024", "25/12/2024"], False, [D(2024, 4, 3), D(2024, 12, 25)]),
        (["03/04/2024", "12/25/2024"], True, [D(2024, 3, 4), D(2024, 12, 25)]),
    ],
)
def test_detect_date_style_one_unambiguous_value_decides_the_column(values, day_first, expected):
    assert _read(values, day_first=day_first) == expected


def test_detect_date_style_reads_whole_column_beyond_its_sample():
    ambiguous = [f"{d:02d}/{m:02d}/{y}" for y, m, d in
                 itertools.product(range(2015, 2025), range(1, 13), range(1, 13))]
    assert len(ambiguous) > 1000
    style = detect_date_style(pl.Series([*ambiguous, "25/12/2024"]), day_first=False)
    assert style.kind == "eu"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # month-first majority: 03/04 is still March 4; the day-first value can only be
        # day-first (25 is no month), so it is read as such (issue 15)
        (["03/04/2024", "12/25/2024", "01/30/2024", "25/12/2024"],
         [D(2024, 3, 4), D(2024, 12, 25), D(2024, 1, 30), D(2024, 12, 25)]),
        # ISO majority: a slash date either order reads is left unread, never guessed
        (["2024-03-04", "2024-03-05", "2024-03-06", "04/03/2024"],
         [D(2024, 3, 4), D(2024, 3, 5), D(2024, 3, 6), None]),
        # day-first majority: the month-first value can only be month-first
        (["25.12.2024", "31.01.2024", "03.04.2024", "12/25/2024"],
         [D(2024, 12, 25), D(2024, 1, 31), D(2024, 4, 3), D(2024, 12, 25)]),
        # six formats in one column: each value read where its format is unambiguous
        (["2024-01-05", "Jan 6, 2024", "2024/01/07", "8 Jan 2024", "09.01.2024",
          "13/01/2024", "0001-01-01"],
         [D(2024, 1, 5), D(2024, 1, 6), D(2024, 1, 7), D(2024, 1, 8), D(2024, 1, 9),
          D(2024, 1, 13), None]),
    ],
)
def test_parse_dates_reads_unambiguous_minority_formats_never_ambiguous_ones(values, expected):
    assert _read(values) == expected


@pytest.mark.parametrize(
    "values",
    [["hello", "world"], ["Ringing", "Will revert"], ["1", "2"], ["abc-12", "x/y/z"]],
)
def test_detect_date_style_finds_no_style_in_text(values):
    assert detect_date_style(pl.Series(values)) is None


def test_detect_date_style_finds_no_style_in_empty_column():
    assert detect_date_style(pl.Series([None, "", " "], dtype=pl.String)) is None


def test_parse_dates_keeps_column_name():
    s = pl.Series("Create Date", ["2024-01-02"])
    assert parse_dates(s, detect_date_style(s)).name == "Create Date"


# --- numbers --------------------------------------------------------------------------

NUMBER_CASES = [
    pytest.param(["$12,500.00", "(300)", "n/a"], False, [12500.0, -300.0, None], id="usd"),
    pytest.param(["1.234,56 €", "12,5"], True, [1234.56, 12.5], id="eur-decimal-comma"),
    pytest.param(["€1.234.567,89", "-3,5"], True, [1234567.89, -3.5], id="eur-millions"),
    pytest.param(["R$ 1.200,00", "R$ 50,00"], True, [1200.0, 50.0], id="brl"),
    pytest.param(["1 200,50", "3,25"], True, [1200.5, 3.25], id="space-thousands"),
    pytest.param(["1,200", "35"], False, [1200.0, 35.0], id="comma-thousands"),
    pytest.param(["1,234", "5,678"], False, [1234.0, 5678.0], id="three-digits-after-comma"),
    pytest.param(["-1,200.50", "+3"], False, [-1200.5, 3.0], id="signs"),
    pytest.param(["(1,234.50)", "(7)"], False, [-1234.5, -7.0], id="parentheses"),
    pytest.param(["£(1,234.50)", "-£10"], False, [-1234.5, -10.0], id="currency-outside-sign"),
    pytest.param(["$-5", "€ -2,5"], True, [-5.0, -2.5], id="sign-after-currency"),
    pytest.param(["USD 1,000", "EUR 2"], False, [1000.0, 2.0], id="currency-codes"),
    pytest.param(["12%", "3.5%"], False, [12.0, 3.5], id="percent"),
    pytest.param(["1'234.5"], False, [1234.5], id="swiss-apostrophe"),
    pytest.param(["abc", "12"], False, [None, 12.0], id="text-fails"),
]


@pytest.mark.parametrize(("values", "decimal_comma", "expected"), NUMBER_CASES)
def test_parse_numbers_reads_value(values, decimal_comma, expected):
    assert parse_numbers(pl.Series(values), decimal_comma=decimal_comma).to_list() == expected


@pytest.mark.parametrize(
    ("values", "decimal_comma"),
    [
        (["$12,500.00", "(300)"], False),
        (["1.234,56 €", "12,5"], True),
        (["€1.234.567,89", "-3,5"], True),
        (["R$ 1.200,00", "R$ 50,00"], True),
        (["1 200,50", "3,25"], True),
        (["1,234.5", "1,200"], False),
        (["1,234", "5,678", "0.5"], False),
        (["1.234", "5.678", "0,5"], True),
    ],
)
def test_detect_decimal_comma_decides_per_column(values, decimal_comma):
    assert detect_decimal_comma(pl.Series(values)) is decimal_comma


@pytest.mark.parametrize("default", [True, False])
def test_detect_decimal_comma_falls_back_to_default_when_undecided(default):
    assert detect_decimal_comma(pl.Series(["12", "1.234"]), default=default) is default


# --- booleans and placeholders --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Yes", True), ("no", False), ("TRUE", True), ("false", False), ("1", True), ("0", False),
     ("Y", True), ("n", False), (" yes ", True), ("Ja", True), ("nein", False),
     ("maybe", None), (None, None), ("", None)],
)
def test_parse_booleans_reads_word(value, expected):
    assert parse_booleans(pl.Series([value], dtype=pl.String)).to_list() == [expected]


@pytest.mark.parametrize(
    "value",
    ["Select", "select ", " N/A", "n/a", "#N/A", "-", "--", "", "   ", "none", "NULL", "nan",
     "(not set)", "Please Select", "-- Select --"],
)
def test_null_placeholders_makes_placeholder_missing(value):
    assert null_placeholders(pl.Series([value])).to_list() == [None]


@pytest.mark.parametrize(
    ("value", "kept"),
    [("India", "India"), (" Selected ", "Selected"), ("No", "No"), ("0", "0"), ("N/A-1", "N/A-1")],
)
def test_null_placeholders_keeps_real_answers_trimmed(value, kept):
    assert null_placeholders(pl.Series([value])).to_list() == [kept]


@pytest.mark.parametrize("strip", [True, False])
@pytest.mark.parametrize(
    "values",
    [["Web", "Ads", None], ["Web", "n/a"], ["Web", "Select"], ["Web", ""], [" Web"], ["Web "],
     ["\tWeb"], ["Web\n"], ["\u00a0Web"], ["We b", "N/A-1"], [None, None]],
    ids=repr,
)
def test_reads_as_is_agrees_with_placeholder_expr(values, strip):
    col = pl.Series("v", values, dtype=pl.String)
    cleaned = pl.select(placeholder_expr(pl.lit(col), strip=strip)).to_series()
    assert reads_as_is(col, strip=strip) == cleaned.equals(col, null_equal=True, check_names=False)


# --- attribute inference --------------------------------------------------------------

ATTRIBUTE_CASES = [
    pytest.param(["+1 555 0123 4567", "+44 20 7946 0958"], pl.String, None, id="phone-spaces"),
    pytest.param(["+4915112345678", "+14155550123"], pl.String, None, id="phone-plus-digits"),
    pytest.param(["0049301234567", "0049301234568"], pl.String, None, id="phone-leading-zeros"),
    pytest.param(["555-0123", "555-0199"], pl.String, None, id="phone-dash"),
    pytest.param(["(555) 123-4567"], pl.String, None, id="phone-parentheses"),
    pytest.param(["00123", "04567"], pl.String, None, id="zip-leading-zero"),
    # ids past a float's exact digits (Zoho record ids, Meta's ad ids): two would be one
    pytest.param(["4876876000001023001", "4876876000001023002"], pl.String, None,
                 id="long-digit-ids"),
    pytest.param(["Yes", "No", None, "Select"], pl.Boolean, [True, False, None, None],
                 id="yes-no"),
    pytest.param(["true", "FALSE"], pl.Boolean, [True, False], id="true-false"),
    pytest.param(["1", "0", "yes"], pl.Boolean, [True, False, True], id="one-zero-with-words"),
    pytest.param(["1", "0", "1"], pl.Float64, [1.0, 0.0, 1.0], id="one-zero-only-is-number"),
    pytest.param(["1,200", "35", "N/A"], pl.Float64, [1200.0, 35.0, None], id="thousands"),
    pytest.param(["$1,200", "€3"], pl.Float64, [1200.0, 3.0], id="money"),
    pytest.param(["10", "20.5", "0.25"], pl.Float64, [10.0, 20.5, 0.25], id="decimals"),
    pytest.param(["1.234,5", "2,5"], pl.Float64, [1234.5, 2.5], id="decimal-comma"),
    pytest.param(["India", "12"], pl.String, ["India", "12"], id="mixed-stays-text"),
    pytest.param(["2024-01-01", "2024-02-01"], pl.String, None, id="dates-stay-text"),
    pytest.param(["Select", None], pl.String, [None, None], id="all-placeholders"),
]


@pytest.mark.parametrize(("values", "dtype", "expected"), ATTRIBUTE_CASES)
def test_infer_attribute_types_column(values, dtype, expected):
    assert infer_attribute(pl.Series("a", values, dtype=pl.String)).dtype == dtype


@pytest.mark.parametrize(("values", "dtype", "expected"), ATTRIBUTE_CASES)
def test_infer_attribute_reads_values(values, dtype, expected):
    out = infer_attribute(pl.Series("a", values, dtype=pl.String))
    assert out.to_list() == (values if expected is None else expected)


@pytest.mark.parametrize(("hint", "expected"), [(True, [1234.0, 2.0]), (False, [1.234, 2.0])])
def test_infer_attribute_uses_decimal_comma_hint_when_column_is_ambiguous(hint, expected):
    assert infer_attribute(pl.Series(["1.234", "2"]), decimal_comma=hint).to_list() == expected


def test_infer_attribute_keeps_column_name():
    out = infer_attribute(pl.Series("Budget Confirmed", ["Yes", "No"]))
    assert_series_equal(out, pl.Series("Budget Confirmed", [True, False]))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["03.04.2025 09:15", "14.04.2025"],
         [dt.datetime(2025, 4, 3, 9, 15), dt.datetime(2025, 4, 14)]),
        (["2017-10-02 10:00:00", "2018-01-09"],
         [dt.datetime(2017, 10, 2, 10), dt.datetime(2018, 1, 9)]),
    ],
    ids=["eu-date-without-time", "iso-date-without-time"],
)
def test_parse_dates_reads_a_date_without_its_time_as_midnight(values, expected):
    s = pl.Series(values)
    assert parse_dates(s, detect_date_style(s.head(1))).to_list() == expected
