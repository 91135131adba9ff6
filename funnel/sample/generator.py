"""Old import path of the sample generator, kept so ``from funnel.sample import
load_sample`` (in notebooks, docs and doctests) keeps working; new code imports from
:mod:`funnel.sample`. The generator now lives in the modules of :mod:`funnel.sample`.
"""

from funnel.sample.export import (
    SAMPLE_DIR,
    SAMPLE_FILES,
    load_sample,
    main,
    sample_dataset,
    write_sample,
)
from funnel.sample.life import generate_sample
from funnel.sample.world import PROBLEMS, REPS

__all__ = ["PROBLEMS", "REPS", "SAMPLE_DIR", "SAMPLE_FILES", "generate_sample", "load_sample",
           "main", "sample_dataset", "write_sample"]
