"""The bundled sample: a seeded generator of a B2B company's CRM export with planted problems.

``python -m funnel.sample --out DIR`` writes it; :func:`load_sample` reads the bundled copy.

The modules follow a lead's life (:mod:`funnel.sample.life` runs them in this order):

============================== ==============================================================
``world``                      the fixed story: reps and their habits, campaigns, the CRM's
                               words, the planted problems (:data:`PROBLEMS`)
``calendar``                   business hours, holidays, months, moments as text
``arrival``                    1. the lead arrives through a campaign
``profile``                    2. who it is, how likely to buy, its HubSpot score
``routing``                    3. routed to a rep (or nobody), maybe reassigned
``response``                   4. the first touch, or none
``qualification``              5. SAL, SQL, opportunity, and MQL
``deals``                      6. the deal: won, lost or open; its value and stage
``status``                     7. touches counted; Lead Status and disqualification reason
``activities``                 8. every touch as a Pipedrive activity
``details``                    9. the person and company behind the lead
``hubspot``, ``pipedrive``,    the exports as each tool writes them
``spend``
``life``                       :func:`generate_sample`: the stages in order
``export``                     the CSV files: :func:`write_sample`, :func:`load_sample`,
                               :func:`sample_dataset`, ``python -m funnel.sample``
``text``, ``draws``            shared helpers (text columns; a categorical draw)
``generator``                  the old import path (re-exports)
============================== ==============================================================
"""

from funnel.sample.export import (
    SAMPLE_DIR,
    SAMPLE_FILES,
    load_sample,
    sample_dataset,
    write_sample,
)
from funnel.sample.life import generate_sample
from funnel.sample.world import PROBLEMS, REPS

__all__ = ["PROBLEMS", "REPS", "SAMPLE_DIR", "SAMPLE_FILES", "generate_sample", "load_sample",
           "sample_dataset", "write_sample"]
