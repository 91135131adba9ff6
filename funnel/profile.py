"""Old import path ``funnel.profile``, kept for notebooks exported before 0.2; removed in 0.3.

New code: ``import funnel`` (the flat API) or ``funnel.analyses.profile`` (``criteria``,
``fit``). Note ``ProfileFit`` now takes the profile first: ``ProfileFit(profile).fit(ds)``.
"""

from funnel.analyses.profile.criteria import (  # noqa: F401
    SAMPLE_SALES_PROFILE,
    Criterion,
    Profile,
    load_profile,
    save_profile,
)
from funnel.analyses.profile.fit import (  # noqa: F401
    ProfileFit,
    profile_summary,
    profile_verdict,
)
