"""Funnel Diagnostic core: load CRM exports, map them onto one lead table, analyse.

Works without Streamlit (Jupyter, the ``funnel`` CLI, tests).

Examples
--------
>>> import funnel
>>> ds = funnel.load_sample()
>>> funnel.stage_funnel(ds.leads)["stage"].to_list()[:2]
['lead', 'mql']
"""

from funnel.errors import InputError
from funnel.mapping import (
    FIELDS,
    ROLES,
    STAGES,
    Mapping,
    auto_map,
    guess_role,
    map_values,
    normalise_header,
)
from funnel.model import (
    Capability,
    Dataset,
    FileReport,
    Health,
    Warning_,
    build_dataset,
    guess_roles,
    load,
)
from funnel.parsing import (
    detect_date_style,
    detect_decimal_comma,
    infer_attribute,
    null_placeholders,
    parse_booleans,
    parse_dates,
    parse_numbers,
)
from funnel.readers import ROW, RawTable, Rejection, read_file
from funnel.stats import wilson, wilson_exprs
from funnel.summary import diagnose, reached_exprs, source_table, stage_funnel, stages_present

_SAMPLE_NAMES = ("SAMPLE_DIR", "SAMPLE_FILES", "generate_sample", "load_sample", "write_sample")


def __getattr__(name: str):
    """Import the sample generator on first use (so ``python -m funnel.sample`` runs it
    as a script without importing it twice)."""
    if name in _SAMPLE_NAMES:
        from funnel import sample

        return getattr(sample, name)
    raise AttributeError(f"module 'funnel' has no attribute {name!r}")


__all__ = [
    "FIELDS",
    "ROLES",
    "ROW",
    "SAMPLE_DIR",
    "SAMPLE_FILES",
    "STAGES",
    "Capability",
    "Dataset",
    "FileReport",
    "Health",
    "InputError",
    "Mapping",
    "RawTable",
    "Rejection",
    "Warning_",
    "auto_map",
    "build_dataset",
    "detect_date_style",
    "detect_decimal_comma",
    "diagnose",
    "generate_sample",
    "guess_role",
    "guess_roles",
    "infer_attribute",
    "load",
    "load_sample",
    "map_values",
    "normalise_header",
    "null_placeholders",
    "parse_booleans",
    "parse_dates",
    "parse_numbers",
    "read_file",
    "reached_exprs",
    "source_table",
    "stage_funnel",
    "stages_present",
    "wilson",
    "wilson_exprs",
    "write_sample",
]
