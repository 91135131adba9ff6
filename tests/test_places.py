"""One suite over every registered place (like scikit-learn's ``check_estimator``): each
place in ``funnel.findings.REGISTRY`` runs on the bundled sample, says *can't tell*
naming each field it needs when that field is missing, and is registered consistently.
A new place file gets these checks by being registered."""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys

import pytest

import funnel
import funnel.findings
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.dataset.errors import InputError
from funnel.findings.base import FIELD_WORDS, Context, Finding, Place, Settings
from funnel.findings.registry import (
    PAGES,
    PLACES,
    PROFILE_PLACES,
    REGISTRY,
    TITLES,
    diagnose_places,
)
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file

STATUSES = {"problem", "no_evidence", "cant_tell"}
ALL = list(REGISTRY.values())
NEEDS = [(p, need) for p in ALL for need in p.needs]

# every field any place needs, on a few leads (values only need to parse)
HAND_MADE = (
    "lead_id,created_at,first_response_at,owner,assigned_at,sql_at,opportunity_at,outcome,"
    "amount,lost_reason,campaign,score\n"
    "L1,2025-01-06 09:00,2025-01-06 09:30,Ann,2025-01-06 09:05,2025-01-08 10:00,"
    "2025-01-10 10:00,won,1000,,spring,80\n"
    "L2,2025-01-06 10:00,2025-01-07 12:00,Bob,2025-01-06 11:30,2025-01-09 10:00,,lost,,"
    "Price,spring,40\n"
    "L3,2025-01-07 09:00,,Ann,2025-01-07 09:01,,,lost,,No budget,autumn,20\n"
    "L4,2025-01-08 15:00,2025-01-08 15:10,Bob,2025-01-08 15:02,2025-01-10 10:00,"
    "2025-01-12 10:00,won,2000,,autumn,90\n"
    "L5,2025-01-09 20:00,2025-01-12 08:00,,,,,,,,spring,10\n"
)


def kwargs(place: Place, *, without: str | None = None) -> dict:
    """What a place's test is given: the sample's stated profile when it needs one."""
    return ({"profile": funnel.SAMPLE_SALES_PROFILE}
            if "profile" in place.needs and without != "profile" else {})


@pytest.fixture(scope="module")
def sample():
    return funnel.load_sample()


@pytest.fixture(scope="module")
def sample_ctx(sample):
    return Context.prepare(sample)


@pytest.fixture(scope="module")
def hand_made():
    return build_dataset([("leads", read_file(HAND_MADE.encode(), name="leads.csv"))])


def lacking(ds, place: Place, need: str):
    """``ds`` with only the fields ``place`` needs (and the lead id), less ``need``."""
    keep = ["lead_id"] + [f for f in ("created_at", *place.needs) if f != need]
    leads = ds.leads.select([c for c in dict.fromkeys(keep) if c in ds.leads.columns])
    return dataclasses.replace(ds, leads=leads, attributes=[])


# --- (a) on the bundled sample ------------------------------------------------------------


@pytest.mark.parametrize("place", ALL, ids=lambda p: p.key)
def test_place_on_the_sample_returns_its_finding(sample_ctx, place):
    f = place.test(sample_ctx, Settings(), **kwargs(place))
    assert isinstance(f, Finding)
    assert f.place == place.key
    assert f.status in STATUSES
    assert f.page == place.page
    assert f.headline
    assert not set(f.missing) & set(place.needs), f.missing  # the sample has every field
    json.dumps(f.to_dict(), allow_nan=False)


# --- (b) without a field it needs ---------------------------------------------------------


@pytest.mark.parametrize(("place", "need"), NEEDS, ids=lambda x: getattr(x, "key", x))
def test_place_without_a_field_it_needs_cannot_tell_and_names_it(hand_made, place, need):
    ds = lacking(hand_made, place, need)
    assert need == "profile" or need not in ds.leads.columns
    f = place.test(Context.prepare(ds), Settings(), **kwargs(place, without=need))
    assert (f.place, f.status) == (place.key, "cant_tell")
    assert need in f.missing, f.missing
    assert f.headline.startswith("Can't tell: no ")


# --- (c) the registration -----------------------------------------------------------------


@pytest.mark.parametrize("place", ALL, ids=lambda p: p.key)
def test_place_registration_is_complete(place):
    assert place.title.strip() and place.page.strip()
    assert place.description.strip()  # its test's docstring: listed in the package's
    assert f"``{place.key}``" in funnel.findings.__doc__
    assert all(need in FIELD_WORDS for need in place.needs)  # named in plain words
    module = sys.modules[place.test.__module__]
    assert module.__name__ == f"funnel.findings.{place.key}"  # its file follows the place
    assert module.PLACE is place


def test_registry_order_is_the_contract_order(sample):
    assert PLACES == tuple(REGISTRY) == tuple(p.key for p in ALL)
    assert PLACES == ("speed", "routing", "follow_up", "profile", "definition", "readiness",
                      "message", "scoring", "pipeline")
    assert {p.key: p.page for p in ALL} == PAGES
    assert {p.key: p.title for p in ALL} == TITLES
    cards = diagnose_places(sample, profile=funnel.SAMPLE_SALES_PROFILE)
    assert [f.place for f in cards] == list(PLACES)


def test_place_run_turns_a_failure_into_cant_tell(sample_ctx):
    def broken(ctx, settings, **kw):
        raise KeyError("no such column")

    place = Place("broken", title="Broken", page="diagnosis", test=broken)
    f = place.run(sample_ctx, Settings())
    assert (f.place, f.status) == ("broken", "cant_tell")
    assert "KeyError" in f.headline and "no such column" in f.evidence["error"]


def test_profile_places_are_the_places_whose_test_takes_the_profile():
    assert set(PROFILE_PLACES) == {k for k, p in REGISTRY.items()
                                   if "profile" in inspect.signature(p.test).parameters}
    assert {"profile", "definition"} <= set(PROFILE_PLACES)


def _rounded(f: Finding) -> tuple:
    def r(v):
        if isinstance(v, float):
            return float(f"{v:.10g}")
        if isinstance(v, dict):
            return {k: r(x) for k, x in v.items()}
        return [r(x) for x in v] if isinstance(v, list | tuple) else v
    return f.place, f.status, f.headline, r(f.culprit), r(f.evidence), r(f.severity)


def test_diagnose_places_some_places_on_a_shared_context_equal_the_full_run(sample_ds):
    full = diagnose_places(sample_ds, profile=SAMPLE_SALES_PROFILE)
    ctx = Context.prepare(sample_ds)
    others = [k for k in PLACES if k not in PROFILE_PLACES]
    parts = (diagnose_places(sample_ds, places=others, context=ctx)
             + diagnose_places(sample_ds, profile=SAMPLE_SALES_PROFILE, places=PROFILE_PLACES,
                               context=ctx))
    # the same findings, up to the last bits of sums taken in another order
    assert [_rounded(f) for f in sorted(parts, key=lambda f: PLACES.index(f.place))] == [
        _rounded(f) for f in full]


def test_diagnose_places_unknown_place_is_an_input_error(sample_ds):
    with pytest.raises(InputError, match="No such place: nowhere"):
        diagnose_places(sample_ds, places=["nowhere"])


def test_diagnosis_learns_the_stand_in_profile_once(sample_ds, monkeypatch):
    """The places that stratify on fit (speed, readiness) and the profile place share one
    learned stand-in profile and one set of prepared leads per diagnosis."""
    calls = []
    fit = HeldOutProfile.fit
    monkeypatch.setattr(HeldOutProfile, "fit", lambda self, data, **kw: calls.append(1) or fit(
        self, data, **kw))
    diagnose_places(sample_ds)
    assert len(calls) == 1
