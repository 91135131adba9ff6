"""Old import path ``funnel.profile``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or ``funnel.analyses.profile.fit``.
"""

from funnel.analyses.profile.fit import (  # noqa: F401
    SAMPLE_SALES_PROFILE,
    Criterion,
    Profile,
    ProfileFit,
    load_profile,
    profile_summary,
    profile_verdict,
    save_profile,
)
