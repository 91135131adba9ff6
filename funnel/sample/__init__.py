"""The bundled sample: a seeded generator of a B2B company's CRM export with planted problems.

``python -m funnel.sample --out DIR`` writes it; :func:`load_sample` reads the bundled copy.
"""

from funnel.sample.generator import (
    PROBLEMS,
    REPS,
    SAMPLE_DIR,
    SAMPLE_FILES,
    generate_sample,
    load_sample,
    sample_dataset,
    write_sample,
)

__all__ = ["PROBLEMS", "REPS", "SAMPLE_DIR", "SAMPLE_FILES", "generate_sample", "load_sample",
           "sample_dataset", "write_sample"]
