"""Old import path ``funnel.response``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or ``funnel.analyses.speed.response``.
"""

from funnel.analyses.speed.response import (  # noqa: F401
    ResponseCurve,
    has_stage_info,
    has_touch_times,
    response_summary,
    response_times,
)
