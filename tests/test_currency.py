"""Amounts in several currencies (funnel.ingest.currency): the converted amount is read,
else a warning says the sum mixes currencies."""

from __future__ import annotations

import datetime as dt

import pytest

from funnel.dataset.format import currency_of
from funnel.ingest.build import load

NOW = dt.datetime(2025, 6, 1)
LEADS = ("Lead ID,Created Date,Lead Status\n00Q5g00000AbC1x,2025-01-02,Open\n"
         "00Q5g00000AbC2Y,2025-01-03,Open\n00Q5g00000aBc3Z,2025-01-04,Open\n")
OPPS = ("Opportunity ID,Lead ID,Stage,Amount Currency,Amount,Amount (converted) Currency,"
        "Amount (converted)\n"
        "0065g00000Kk1Ab,00Q5g00000AbC1x,Closed Won,EUR,1000,USD,1100\n"
        "0065g00000Kk2Ab,00Q5g00000AbC2Y,Closed Won,USD,1000,USD,1000\n"
        "0065g00000Kk3Ab,00Q5g00000aBc3Z,Closed Won,JPY,100000,USD,680\n")


def _load(write_file, opps: str):
    return load(write_file("leads.csv", LEADS), deals=write_file("opps.csv", opps), now=NOW)


def _without_converted(text: str) -> str:
    return "\n".join(",".join(line.split(",")[:5]) for line in text.splitlines()) + "\n"


def test_load_reads_the_amount_converted_to_one_currency(write_file):
    ds = _load(write_file, OPPS)
    assert (ds.deals["amount"].to_list(), ds.mapping.deals["amount"]) == (
        [1100.0, 1000.0, 680.0], "Amount (converted)")


def test_currency_of_names_the_converted_amounts_currency(write_file):
    ds = _load(write_file, OPPS)
    assert currency_of(ds.leads, ds.deals) == "USD"


def test_load_warns_when_amounts_in_several_currencies_are_summed(write_file):
    ds = _load(write_file, _without_converted(OPPS))
    w = next(w for w in ds.health.warnings if w.code == "mixed_currencies")
    assert (w.count, "3 currencies (EUR, JPY, USD)" in w.message) == (3, True)


@pytest.mark.parametrize("currency", ["USD", "usd"])
def test_load_gives_no_currency_warning_for_one_currency(write_file, currency):
    opps = _without_converted(OPPS).replace("EUR", currency).replace("JPY", currency)
    ds = _load(write_file, opps)
    assert "mixed_currencies" not in {w.code for w in ds.health.warnings}


def test_load_reads_the_converted_amount_not_a_weighted_one_before_it(write_file):
    opps = OPPS.replace("Amount (converted)\n", "Amount (converted),Weighted amount in company "
                        "currency\n").replace("1100\n", "1100,5\n").replace(
        "1000\n", "1000,5\n").replace("680\n", "680,5\n")
    opps = opps.replace("Amount Currency,Amount,", "Weighted amount in company currency,"
                        "Amount Currency,Amount,", 0)
    ds = _load(write_file, opps)
    assert ds.mapping.deals["amount"] == "Amount (converted)"
