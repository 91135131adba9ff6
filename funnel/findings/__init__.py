"""The verdict, place by place: one test per place where the handoff can leak."""

from funnel.findings.places import (
    PAGES,
    PLACES,
    TITLES,
    Finding,
    Settings,
    diagnose_places,
    findings,
)

__all__ = ["PAGES", "PLACES", "TITLES", "Finding", "Settings", "diagnose_places", "findings"]
