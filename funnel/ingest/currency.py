"""Amounts in several currencies: read the converted amount, or say the sum mixes them.

A CRM with several currencies exports each deal's amount in the deal's own currency,
with a per-row currency column (Salesforce ``Amount Currency``, HubSpot ``Currency``,
Pipedrive ``Deal - Currency``). Summed as they are, 1,000 EUR and 100,000 JPY make
101,000 of nothing. Salesforce and HubSpot can also export the amount converted to the
company's currency (``Amount (converted)``, ``Amount in company currency``): that column
is then read as the amount. Without it, a warning says the revenue adds several
currencies as they are.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.schema import normalise_header
from funnel.dataset.tables import Warning_

CONVERTED_WORDS = ("converted", "company currency", "home currency", "default currency",
                   "corporate currency")
"""Words of a header naming an amount converted to the company's one currency."""

_SYMBOLS = frozenset("$€£¥₹₩₽₺₪฿₫₱")
_OTHER_AMOUNTS = {"weighted", "closed", "forecast", "expected", "projected", "recurring",
                  "annual", "total", "discount", "probability"}
_SHARE = 0.8  # least share of a column's first values that are currency codes


def is_code_column(values: pl.Series, *, rows: int = 200) -> bool:
    """Whether most of a column's first filled values are currency codes or symbols.

    Examples
    --------
    >>> is_code_column(pl.Series(["EUR", "usd", None])), is_code_column(pl.Series(["1100"]))
    (True, False)
    """
    v = values.cast(pl.String).drop_nulls().head(rows).str.strip_chars()
    v = v.filter(v != "")
    if v.len() == 0:
        return False
    code = v.str.contains(r"^[A-Za-z]{3}$") | v.is_in(sorted(_SYMBOLS))
    return float(code.mean()) >= _SHARE


def converted_amount(frame: pl.DataFrame) -> str | None:
    """The column holding the deal amount converted to the company's currency, if any:
    an *amount* or *value* header with converted wording (not a weighted, closed,
    forecast or expected amount), holding values; the plainest such header first.

    Examples
    --------
    >>> f = pl.DataFrame({"Amount": ["10"], "Weighted amount in company currency": ["2"],
    ...                   "Amount (converted) Currency": ["USD"], "Amount (converted)": ["11"]})
    >>> converted_amount(f)
    'Amount (converted)'
    """
    found = []
    for c in frame.columns:
        words = normalise_header(c).split()
        h = " ".join(words)
        if (("amount" in words or "value" in words) and any(w in h for w in CONVERTED_WORDS)
                and not _OTHER_AMOUNTS & set(words) and not is_code_column(frame[c])
                and frame[c].null_count() < frame.height):
            found.append((len(words), c))
    return min(found)[1] if found else None


def row_currencies(frame: pl.DataFrame) -> list[str]:
    """The currencies a file's per-row currency columns name (not the converted one's),
    upper-cased, sorted.

    Examples
    --------
    >>> row_currencies(pl.DataFrame({"Deal - Currency": ["EUR", "usd", "EUR"]}))
    ['EUR', 'USD']
    """
    seen: set[str] = set()
    for c in frame.columns:
        h = normalise_header(c)
        if ("currency" in h.split() and not any(w in h for w in CONVERTED_WORDS)
                and is_code_column(frame[c])):
            v = frame[c].cast(pl.String).drop_nulls().str.strip_chars().unique()
            seen.update(x.upper() for x in v.to_list() if x)
    return sorted(seen)


def mixed_currencies(name: str, column: str, currencies: list[str], rows: int) -> Warning_:
    """The warning for amounts in several currencies without a converted amount.

    Examples
    --------
    >>> mixed_currencies("deals.csv", "Deal - Value", ["EUR", "USD"], 12).count
    12
    """
    shown = ", ".join(currencies[:6]) + (", …" if len(currencies) > 6 else "")
    return Warning_(
        "mixed_currencies",
        f"{name}: {column!r} holds amounts in {len(currencies)} currencies ({shown}), with "
        "no amount converted to one currency: revenue, deal sizes and return on spend add "
        "them as they are. Export the converted amount (Salesforce 'Amount (converted)', "
        "HubSpot 'Amount in company currency') or one currency at a time.", rows)
