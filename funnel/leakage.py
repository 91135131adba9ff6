"""Old import path ``funnel.leakage``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or ``funnel.analyses.funnel``.
"""

from funnel.analyses.funnel import (  # noqa: F401
    cohort_trend,
    funnel_by,
    funnel_table,
)
