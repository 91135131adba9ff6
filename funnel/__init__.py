"""Funnel Diagnostic core: load CRM exports, map them onto one lead table, analyse.

Works without Streamlit (Jupyter, the ``funnel`` CLI, tests).

Examples
--------
>>> import funnel
>>> ds = funnel.load_sample()
>>> funnel.stage_funnel(ds.leads)["stage"].to_list()[:2]
['lead', 'mql']
"""

from funnel.analyses.closed_loop import closed_loop
from funnel.analyses.funnel import funnel_table, stage_funnel
from funnel.analyses.profile.criteria import (
    SAMPLE_SALES_PROFILE,
    Criterion,
    Profile,
    load_profile,
    save_profile,
)
from funnel.analyses.profile.fields import resolve_field
from funnel.analyses.profile.fit import ProfileFit, profile_summary, profile_verdict
from funnel.analyses.profile.learned import LearnedProfile, compare_stated, marketing_sends
from funnel.analyses.profile.prepared import PreparedLeads, prepare_profile
from funnel.analyses.speed.clock import (
    BusinessClock,
    business_hours_between,
    holidays_from,
    hours_between,
)
from funnel.analyses.speed.curve import ResponseCurve
from funnel.analyses.speed.routing import (
    assignment_times,
    owner_scorecard,
    persistence,
    reassignments,
    unassigned_summary,
)
from funnel.analyses.speed.sla import benchmark_comparison, sla_compliance, sla_loss_estimate
from funnel.analyses.speed.summary import response_summary
from funnel.analyses.speed.times import (
    BUCKETS,
    ResponseTimes,
    has_stage_info,
    has_touch_times,
    prepare_response,
    response_times,
)
from funnel.analyses.speed.views import (
    arrival_heatmap,
    bucket_table,
    rate_by_hours,
    response_histogram,
    response_percentiles,
    still_waiting,
)
from funnel.dataset.errors import Cancelled, InputError
from funnel.dataset.privacy import mask_personal, personal_columns, pseudonym, pseudonymise
from funnel.dataset.schema import FIELDS, ROLES, STAGES, Mapping, as_text, normalise_header
from funnel.dataset.stages import reached_exprs, stages_present
from funnel.dataset.tables import Capability, Dataset, FileReport, Health, Warning_, export_end
from funnel.findings.base import Finding, Settings
from funnel.findings.registry import diagnose_places  # not `findings`: the module
from funnel.findings.summary import VerdictSummary, verdict_summary
from funnel.ingest.build import build_dataset, guess_roles, load
from funnel.ingest.mapping import auto_map, guess_role, map_values
from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    infer_attribute,
    null_placeholders,
    parse_booleans,
    parse_dates,
    parse_numbers,
)
from funnel.ingest.readers import ROW, RawTable, Rejection, read_file
from funnel.outputs.contract import diagnose, source_table
from funnel.outputs.export import chart_png, chart_svg, neutralise, safe_frame, to_csv, to_xlsx
from funnel.outputs.workspace import WorkspaceStore, read_workspace, write_workspace
from funnel.sample.export import (
    SAMPLE_DIR,
    SAMPLE_FILES,
    load_sample,
    sample_dataset,
    write_sample,
)
from funnel.sample.life import generate_sample
from funnel.sample.world import PROBLEMS
from funnel.stats.intervals import prior_strength, rate_ratio, shrink_exprs, wilson, wilson_exprs
from funnel.stats.survival import KaplanMeier, km_medians, km_table

__all__ = [
    "closed_loop",
    "funnel_table",
    "BUCKETS",
    "FIELDS",
    "PROBLEMS",
    "ROLES",
    "ROW",
    "SAMPLE_DIR",
    "SAMPLE_FILES",
    "SAMPLE_SALES_PROFILE",
    "STAGES",
    "BusinessClock",
    "Cancelled",
    "Capability",
    "Criterion",
    "Dataset",
    "FileReport",
    "Finding",
    "Health",
    "InputError",
    "KaplanMeier",
    "LearnedProfile",
    "Mapping",
    "PreparedLeads",
    "Profile",
    "ProfileFit",
    "RawTable",
    "Rejection",
    "ResponseCurve",
    "ResponseTimes",
    "Settings",
    "VerdictSummary",
    "Warning_",
    "WorkspaceStore",
    "arrival_heatmap",
    "as_text",
    "assignment_times",
    "auto_map",
    "benchmark_comparison",
    "bucket_table",
    "build_dataset",
    "business_hours_between",
    "chart_png",
    "chart_svg",
    "compare_stated",
    "detect_date_style",
    "detect_decimal_comma",
    "diagnose",
    "diagnose_places",
    "export_end",
    "generate_sample",
    "guess_role",
    "guess_roles",
    "has_stage_info",
    "has_touch_times",
    "holidays_from",
    "hours_between",
    "infer_attribute",
    "km_medians",
    "km_table",
    "load",
    "load_profile",
    "load_sample",
    "map_values",
    "marketing_sends",
    "mask_personal",
    "neutralise",
    "normalise_header",
    "null_placeholders",
    "owner_scorecard",
    "parse_booleans",
    "parse_dates",
    "parse_numbers",
    "persistence",
    "personal_columns",
    "prepare_profile",
    "prepare_response",
    "prior_strength",
    "profile_summary",
    "profile_verdict",
    "pseudonym",
    "pseudonymise",
    "rate_by_hours",
    "rate_ratio",
    "reached_exprs",
    "read_file",
    "read_workspace",
    "reassignments",
    "resolve_field",
    "response_histogram",
    "response_percentiles",
    "response_summary",
    "response_times",
    "safe_frame",
    "sample_dataset",
    "save_profile",
    "shrink_exprs",
    "sla_compliance",
    "sla_loss_estimate",
    "source_table",
    "stage_funnel",
    "stages_present",
    "still_waiting",
    "to_csv",
    "to_xlsx",
    "unassigned_summary",
    "verdict_summary",
    "wilson",
    "wilson_exprs",
    "write_sample",
    "write_workspace",
]
