"""Mapping files (issue 12, item 7): a leads key that is no canonical field names a
profile attribute; null and "" mean "not in this export" and never match a column."""

from __future__ import annotations

import datetime as dt

from funnel.dataset.schema import Mapping
from funnel.ingest.build import load

NOW = dt.datetime(2025, 1, 1)
LEADS = ("lead_id,created_at,Number of Employees,Budget,\n"
         "L1,2024-01-01,250,Yes,\nL2,2024-01-02,40,No,\n")


def test_mapping_reads_a_non_field_leads_key_as_an_attribute():
    m = Mapping.from_json('{"leads": {"company_size": "Number of Employees"}}')
    assert m.attributes == {"company_size": "Number of Employees"}


def test_load_renames_a_mapped_attribute(write_file):
    m = Mapping(leads={"company_size": "Number of Employees"})
    ds = load(write_file("leads.csv", LEADS), mapping=m, now=NOW)
    assert (ds.leads["company_size"].to_list(), "company_size" in ds.attributes) == (
        [250.0, 40.0], True)


def test_load_maps_an_attributes_labels_with_values(write_file):
    m = Mapping.from_json('{"leads": {"budget_confirmed": "Budget"}, '
                          '"values": {"budget_confirmed": {"Yes": true, "No": false}}}')
    ds = load(write_file("leads.csv", LEADS), mapping=m, now=NOW)
    assert ds.leads["budget_confirmed"].to_list() == [True, False]


def test_load_never_matches_an_empty_mapping_to_a_blank_named_column(write_file):
    m = Mapping.from_json('{"leads": {"source": "", "campaign": null}}')
    ds = load(write_file("leads.csv", LEADS), mapping=m, now=NOW)
    assert ("source" in ds.leads.columns, "campaign" in ds.leads.columns) == (False, False)


def test_mapping_keeps_the_attribute_in_the_mapping_as_used(write_file):
    m = Mapping(leads={"company_size": "Number of Employees"})
    ds = load(write_file("leads.csv", LEADS), mapping=m, now=NOW)
    assert ds.mapping.leads["company_size"] == "Number of Employees"
