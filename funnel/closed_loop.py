"""Old import path ``funnel.closed_loop``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or ``funnel.analyses.closed_loop``.
"""

from funnel.analyses.closed_loop import (  # noqa: F401
    closed_loop,
    sources_summary,
)
