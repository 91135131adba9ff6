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
