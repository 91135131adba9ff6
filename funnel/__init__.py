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
from funnel.export import chart_png, chart_svg, neutralise, safe_frame, to_csv, to_xlsx
from funnel.findings import Finding, diagnose_places  # (not `findings`: the submodule)
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
from funnel.privacy import mask_personal, personal_columns, pseudonym
from funnel.readers import ROW, RawTable, Rejection, read_file
from funnel.stats import prior_strength, rate_ratio, shrink_exprs, wilson, wilson_exprs
from funnel.summary import diagnose, reached_exprs, source_table, stage_funnel, stages_present
from funnel.survival import KaplanMeier, km_medians, km_table
from funnel.workspace import WorkspaceStore, read_workspace, write_workspace

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
    "Finding",
    "Health",
    "InputError",
    "KaplanMeier",
    "Mapping",
    "RawTable",
    "Rejection",
    "Warning_",
    "WorkspaceStore",
    "auto_map",
    "build_dataset",
    "chart_png",
    "chart_svg",
    "detect_date_style",
    "detect_decimal_comma",
    "diagnose",
    "diagnose_places",
    "generate_sample",
    "guess_role",
    "guess_roles",
    "infer_attribute",
    "km_medians",
    "km_table",
    "load",
    "load_sample",
    "map_values",
    "mask_personal",
    "neutralise",
    "normalise_header",
    "null_placeholders",
    "parse_booleans",
    "parse_dates",
    "parse_numbers",
    "personal_columns",
    "prior_strength",
    "pseudonym",
    "rate_ratio",
    "reached_exprs",
    "read_file",
    "read_workspace",
    "safe_frame",
    "shrink_exprs",
    "source_table",
    "stage_funnel",
    "stages_present",
    "to_csv",
    "to_xlsx",
    "wilson",
    "wilson_exprs",
    "write_sample",
    "write_workspace",
]
