"""Numbers for people and for JSON: one definition each, used by the UI, the report and the CLI.

Examples
--------
>>> percent(0.1315), percent(None), ci_text(0.1, 0.125)
('13.2%', '—', '95% CI 10.0%–12.5%')
>>> json_safe({"rate": float("nan"), "n": [1, 2.5]})
{'rate': None, 'n': [1, 2.5]}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MISSING_TEXT = "—"
"""What a missing number reads as on screen."""


def percent(x: float | None, *, digits: int = 1) -> str:
    """``x`` (a share, 0–1) as a percent with ``digits`` decimals; ``—`` when missing."""
    return MISSING_TEXT if x is None else f"{x:.{digits}%}"


def ci_text(low: float | None, high: float | None) -> str:
    """A 95% interval of a share as ``95% CI a%–b%``; empty when either bound is missing."""
    return "" if low is None or high is None else f"95% CI {low:.1%}–{high:.1%}"


def share_text(x: float | None, ci: tuple | None = None) -> str:
    """``12.3%``, with its interval as ``12.3% (10.1%–14.6%)`` when given; ``—`` when missing.

    Examples
    --------
    >>> share_text(0.123, (0.101, 0.146))
    '12.3% (10.1%–14.6%)'
    """
    if x is None:
        return MISSING_TEXT
    out = f"{x:.1%}"
    if ci and ci[0] is not None:
        out += f" ({ci[0]:.1%}–{ci[1]:.1%})"
    return out


def amount_text(x: float | None, ci: tuple | list | None = None, *, money: bool = False,
                signed: bool = False) -> str:
    """A count or an amount, rounded to a unit: ``4,244`` (``$22,287,500`` with ``money``,
    ``+5,111`` with ``signed``), with its interval as ``4,244 (95% CI 4,101–4,390)`` when
    given; ``—`` when missing.

    Examples
    --------
    >>> amount_text(9353.2, (9114.8, 9591.7)), amount_text(-465.5, money=True, signed=True)
    ('9,353 (95% CI 9,115–9,592)', '−$466')
    >>> amount_text(0.0, signed=True), amount_text(None)
    ('0', '—')
    """
    if x is None:
        return MISSING_TEXT

    def one(v: float, sign: bool) -> str:
        r = round(v)
        head = ("+" if r > 0 else "−" if r < 0 else "") if sign else ("−" if r < 0 else "")
        return f"{head}{'$' if money else ''}{abs(r):,.0f}"

    out = one(x, signed)
    if ci and ci[0] is not None and ci[1] is not None:
        out += f" (95% CI {one(ci[0], False)}–{one(ci[1], False)})"
    return out


def duration_text(hours: float | None) -> str:
    """``35 min``, ``4.1 h`` or ``2.3 days``; ``—`` when missing.

    Examples
    --------
    >>> duration_text(0.5), duration_text(30), duration_text(60)
    ('30 min', '30.0 h', '2.5 days')
    """
    if hours is None:
        return MISSING_TEXT
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def json_safe(value: Any) -> Any:
    """``value`` made JSON-friendly: numpy scalars as Python numbers, NaN/inf as null,
    dates and times as ISO text, tuples as lists, keys as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
