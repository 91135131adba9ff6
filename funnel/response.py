"""Old import path ``funnel.response``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or the modules of ``funnel.analyses.speed``
(``times``, ``views``, ``curve``, ``sla``, ``summary``).
"""

from funnel.analyses.speed.curve import ResponseCurve  # noqa: F401
from funnel.analyses.speed.summary import response_summary  # noqa: F401
from funnel.analyses.speed.times import (  # noqa: F401
    has_stage_info,
    has_touch_times,
    response_times,
)
