"""funnel.dataset.format: numbers, headers and tables for people, one definition each."""

from __future__ import annotations

import polars as pl
import pytest

from funnel.dataset.format import (
    MISSING_TEXT,
    amount_text,
    cell_text,
    ci_text,
    column_kind,
    column_kinds,
    currency_of,
    currency_prefix,
    duration_text,
    header,
    interval_pairs,
    percent,
    percent_decimals,
    plain_headers,
    readable_table,
    rounded_to_shown,
    share_text,
    whole_counts,
)


@pytest.mark.parametrize(("x", "digits", "text"), [
    (0.1315, 1, "13.2%"),
    (1.0, 1, "100.0%"),
    (0.0, 1, "0.0%"),
    (0.000845, 1, "0.1%"),
    (0.0004, 1, "0.04%"),
    (0.000004, 1, "<0.001%"),  # at most three decimals, never a false 0
    (-0.0004, 1, "-0.04%"),
    (0.12345, 2, "12.35%"),
    (None, 1, MISSING_TEXT),
    (float("nan"), 1, MISSING_TEXT),
])
def test_percent_has_sensible_decimals(x, digits, text):
    assert percent(x, digits=digits) == text


@pytest.mark.parametrize(("low", "high", "text"), [
    (0.1, 0.125, "95% CI 10.0%–12.5%"),
    (0.0, 0.000845, "95% CI 0.0%–0.1%"),
    (None, 0.2, ""),
    (0.1, float("nan"), ""),
])
def test_ci_text_reads_as_an_interval(low, high, text):
    assert ci_text(low, high) == text


@pytest.mark.parametrize(("x", "ci", "text"), [
    (0.123, (0.101, 0.146), "12.3% (10.1%–14.6%)"),
    (0.123, None, "12.3%"),
    (0.123, (None, None), "12.3%"),
    (None, (0.1, 0.2), MISSING_TEXT),
])
def test_share_text_puts_the_interval_with_the_share(x, ci, text):
    assert share_text(x, ci) == text


@pytest.mark.parametrize(("x", "kw", "text"), [
    (4266.7709, {}, "4,267"),
    (9353.2, {"ci": (9114.8, 9591.7)}, "9,353 (95% CI 9,115–9,592)"),
    (22454604.3156, {"money": True}, "22,454,604"),
    (22454604.3156, {"money": True, "currency": "USD"}, "$22,454,604"),
    (1200, {"money": True, "currency": "EUR"}, "€1,200"),
    (1200, {"money": True, "currency": "BRL"}, "R$1,200"),
    (1200, {"money": True, "currency": "CHF"}, "CHF 1,200"),
    (1200, {"currency": "USD"}, "1,200"),  # a count is never money
    (-465.5, {"money": True, "currency": "USD", "signed": True}, "−$466"),
    (5111.2, {"signed": True}, "+5,111"),
    (0.0, {"signed": True}, "0"),
    (None, {}, MISSING_TEXT),
])
def test_amount_text_rounds_counts_and_names_the_data_currency(x, kw, text):
    ci = kw.pop("ci", None)
    assert amount_text(x, ci, **kw) == text


@pytest.mark.parametrize(("frames", "code"), [
    ([pl.DataFrame({"Deal - Currency": ["USD", "usd ", None]})], "USD"),
    ([pl.DataFrame({"currency_code": ["€"]})], "EUR"),
    ([pl.DataFrame({"currency": ["USD", "EUR"]})], None),  # mixed: no single symbol
    ([pl.DataFrame({"currency": ["USD"]}), pl.DataFrame({"Currency": ["BRL"]})], None),
    ([pl.DataFrame({"amount": [1.0]})], None),  # no currency named: no made-up "$"
    ([pl.DataFrame({"currency": ["dollars"]})], None),
    ([None, pl.DataFrame({"Currency": ["GBP"]})], "GBP"),
    ([], None),
])
def test_currency_of_reads_one_named_currency(frames, code):
    assert currency_of(*frames) == code


def test_currency_of_the_sample_is_its_deals_currency(sample_ds):
    assert currency_of(sample_ds.deals, sample_ds.leads, sample_ds.spend) == "USD"


def test_currency_of_olist_is_none(olist_dataset):
    ds = olist_dataset
    assert currency_of(ds.deals, ds.leads, ds.spend) is None


@pytest.mark.parametrize(("code", "prefix"), [
    ("USD", "$"), ("JPY", "¥"), ("SEK", "SEK "), (None, ""), ("", "")])
def test_currency_prefix_is_a_symbol_or_the_code(code, prefix):
    assert currency_prefix(code) == prefix


@pytest.mark.parametrize(("hours", "text"), [
    (0.5, "30 min"), (30, "30.0 h"), (60, "2.5 days"), (None, MISSING_TEXT)])
def test_duration_text_picks_a_unit(hours, text):
    assert duration_text(hours) == text


@pytest.mark.parametrize(("name", "text"), [
    ("stop_rate", "stop rate"),
    ("q_ci_low", "qualified 95% CI low"),
    ("ci_high", "95% CI high"),
    ("p50_low", "p50 hours 95% CI low"),
    ("cac", "CAC (cost per win)"),
    ("roas", "return on spend"),
    ("within_sla_share", "share within SLA"),
    ("created_at", "created"),
    ("__row", "row in file"),
    ("sla_misses", "SLA misses"),
    ("some_new_thing", "some new thing"),
    ("First Name", "First Name"),  # a client's header is kept
    ("source", "source"),
])
def test_header_is_plain_language(name, text):
    assert header(name) == text


@pytest.mark.parametrize(("name", "dtype", "kind"), [
    ("stop_rate", pl.Float64, "percent"),
    ("rate_from_first", pl.Float64, "percent"),
    ("within_sla_share", pl.Float64, "percent"),
    ("qualified_adj", pl.Float64, "percent"),
    ("q_adj_low", pl.Float64, "percent"),
    ("ab1_high", pl.Float64, "percent"),
    ("coverage", pl.Float64, "percent"),
    ("revenue", pl.Float64, "money"),
    ("cost_per_qualified", pl.Float64, "money"),
    ("revenue_at_stake", pl.Float64, "money"),
    ("open_value", pl.Float64, "money"),
    ("median_hours", pl.Float64, "hours"),
    ("median_low", pl.Float64, "hours"),
    ("p90", pl.Float64, "hours"),
    ("median_days", pl.Float64, "days"),
    ("roas", pl.Float64, "ratio"),
    ("effect", pl.Float64, "ratio"),
    ("expected", pl.Float64, "count"),
    ("qualified_at_stake", pl.Float64, "count"),
    ("leads", pl.Int64, "count"),
    ("rank", pl.Int64, "plain"),
    ("year", pl.Int64, "plain"),
    ("deal_id", pl.Int64, "plain"),
    ("leads_per_week", pl.Float64, "number"),
    ("touches_to_contact", pl.Float64, "number"),
    ("source", pl.String, "text"),
    ("won", pl.Boolean, "text"),
])
def test_column_kind_reads_the_analyses_names(name, dtype, kind):
    assert column_kind(name, dtype) == kind


def test_column_kinds_give_an_interval_its_values_kind():
    schema = {"step": pl.String, "entered": pl.Int64, "median_days": pl.Float64,
              "ci_low": pl.Float64, "ci_high": pl.Float64}
    kinds = column_kinds(schema)
    assert (kinds["ci_low"], kinds["ci_high"]) == ("days", "days")


@pytest.mark.parametrize(("value", "kind", "currency", "text"), [
    (0.000845, "percent", None, "0.1%"),
    (0.1315, "percent", None, "13.2%"),
    (4266.7709, "count", None, "4,267"),
    (30000, "count", None, "30,000"),
    (4442000.0, "money", None, "4,442,000"),
    (4442000.0, "money", "USD", "$4,442,000"),
    (31.842, "money", "USD", "$31.84"),
    (-31.842, "money", None, "−31.84"),
    (13.888, "hours", None, "13.89"),
    (0.0333, "hours", None, "0.03"),
    (1234.56, "days", None, "1,234.6"),
    (14.116653, "ratio", None, "14.12"),
    (87.1984, "number", None, "87.2"),
    (None, "percent", None, MISSING_TEXT),
    (float("nan"), "money", "USD", MISSING_TEXT),
    (True, "text", None, "yes"),
    (2024, "plain", None, "2024"),
    ("Paid Search", "text", None, "Paid Search"),
])
def test_cell_text_formats_by_kind(value, kind, currency, text):
    assert cell_text(value, kind=kind, currency=currency) == text


@pytest.mark.parametrize(("columns", "pairs"), [
    (["stage", "count", "rate_from_previous", "ci_low", "ci_high", "rate_from_first"],
     {"rate_from_previous": ("ci_low", "ci_high")}),
    (["p50", "p50_low", "p50_high"], {"p50": ("p50_low", "p50_high")}),
    (["qualified", "qualified_rate", "q_ci_low", "q_ci_high"],
     {"qualified_rate": ("q_ci_low", "q_ci_high")}),
    (["leads", "ci_low", "ci_high"], {}),  # a count has no interval
    (["rate", "ci_low"], {}),  # half an interval is none
])
def test_interval_pairs_finds_the_value_of_each_interval(columns, pairs):
    assert interval_pairs(columns) == pairs


def test_readable_table_puts_each_rate_with_its_interval():
    t = pl.DataFrame({"source": ["Ads", "Fair"], "leads": [9882, 12], "rate": [0.019227, None],
                      "ci_low": [0.0167, None], "ci_high": [0.022127, None],
                      "revenue": [4442000.0, None]})
    out = readable_table(t, currency="USD", labels={"rate": "win rate"})
    assert out.columns == ["source", "leads", "win rate (95% CI)", "revenue"]
    assert out.rows() == [("Ads", "9,882", "1.9% (1.7%–2.2%)", "$4,442,000"),
                          ("Fair", "12", MISSING_TEXT, MISSING_TEXT)]


def test_readable_table_without_currency_has_no_symbol():
    out = readable_table(pl.DataFrame({"cac": [1656.1253]}))
    assert out.rows() == [("1,656",)] and out.columns == ["CAC (cost per win)"]


def test_plain_headers_keep_names_unique():
    assert plain_headers(["count", "reached", "stop_rate"]) == {
        "count": "count", "reached": "reached", "stop_rate": "stop rate"}


def test_plain_headers_labels_override():
    assert plain_headers(["rate"], labels={"rate": "win rate"}) == {"rate": "win rate"}


def test_whole_counts_rounds_expected_counts_only():
    t = pl.DataFrame({"expected": [4266.7709], "median_hours": [1.26], "leads": [3]})
    out = whole_counts(t)
    assert out.rows() == [(4267, 1.26, 3)] and out.schema["expected"] == pl.Int64


@pytest.mark.parametrize(("values", "digits"), [
    ([0.25, 0.5, None], 3), ([0.0, 0.0], 3), ([0.0, 0.00048], 4), ([0.1, 0.00004], 5),
    ([0.000001], 5)])
def test_percent_decimals_never_show_a_nonzero_share_as_zero(values, digits):
    assert percent_decimals(pl.Series(values, dtype=pl.Float64)) == digits


def test_rounded_to_shown_keeps_a_tiny_interval_bound_above_zero():
    t = pl.DataFrame({"stop_rate": [0.0], "ci_high": [0.00048]})
    assert rounded_to_shown(t).row(0) == (0.0, 0.0005)
