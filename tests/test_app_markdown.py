"""AppTest: Markdown and HTML planted in every field of a client's export (ids, sources,
campaigns, owners, stage labels, loss reasons, an attribute and its header, the file name) is never
rendered live: every element whose text Streamlit renders as Markdown (markdown, captions,
alerts, labels, tooltips, metric labels, radio options…) holds it escaped.

In a browser this means 0 requests to example.invalid and no link to it (the lead's
Chromium check); here: no unescaped ``![``, ``](``, ``<img``, ``<a `` or ``javascript:``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceStore

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["pages/diagnosis.py", "pages/data.py", "pages/profile.py", "pages/funnel.py",
         "pages/sources.py", "pages/speed.py", "pages/trace.py"]
PAYLOADS = ["![x](http://example.invalid/x.png)", "<img src=http://example.invalid/y.png>",
            "[link](http://example.invalid/z)", "javascript:alert(1)"]
# a live image, link or HTML; or a bare address Streamlit would link (escapes do not stop
# it: ui.format.md_escape breaks them with a word joiner)
LIVE = re.compile(r"!\[|\]\(|<img|<a\s|\b(?:https?|ftp|file|mailto|javascript|vbscript|data):"
                  r"|\bwww\.|\w@\w", re.IGNORECASE)
# element kinds that show text as it is (never Markdown), and fields that are not text
_PLAIN_KINDS = {"text", "code", "dataframe", "arrow_data_frame", "arrow_vega_lite_chart",
                "json", "empty", "exception"}
_SKIP_FIELDS = {"options", "default", "value", "raw_value", "spec", "data", "id", "form_id",
                "url", "placeholder", "default_value", "arrow_data", "styler", "columns",
                "set_value", "style", "vega_lite_chart", "icon", "query_string"}
_PLAIN_OPTIONS = {"selectbox", "multiselect"}  # their options are plain text in the browser
_PLAIN_FIELDS = {("metric", "body")}  # a metric's value is plain text


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def planted_files() -> list[tuple[str, str, bytes]]:
    """(role, file name, CSV bytes): leads, deals and activities with a payload in every
    text field and in each file's name."""
    p = PAYLOADS
    leads = [["lead_id", "created_at", "source", "campaign", "owner", "stage", "lost_reason",
              "Industry", "outcome", "Email", "[h](http://example.invalid/h)"]]
    for i in range(80):
        leads.append([f"{p[i % 4]}{i}", f"2024-01-{i % 28 + 1:02d}", p[i % 4], p[(i + 1) % 4],
                      p[(i + 2) % 4], f"{p[i % 4]} stage", p[(i + 3) % 4], p[i % 2],
                      "won" if i % 3 == 0 else "lost", f"u{i}@x.example", p[i % 3]])
    leads.append([f"{p[0]}1", "2024-02-01", p[0], p[1], p[2], p[3], p[0], p[1], "lost", "", p[2]])
    deals = [["deal_id", "lead_id", "created_at", "stage", "amount", "outcome", "lost_reason"]]
    deals += [[f"{p[i % 4]}D{i}", f"{p[i % 4]}{i}", f"2024-02-{i % 28 + 1:02d}", p[i % 4],
               str(100 * i), "won" if i % 3 == 0 else "lost", p[(i + 1) % 4]] for i in range(40)]
    acts = [["lead_id", "at", "kind", "owner", "Subject"]]
    acts += [[f"{p[i % 4]}{i}", f"2024-01-{i % 28 + 1:02d} 1{i % 10}:00", p[i % 4],
              p[(i + 2) % 4], p[(i + 1) % 4]] for i in range(60)]
    return [("leads", f"{p[0]} leads.csv", _csv(leads)), ("deals", f"{p[1]}.csv", _csv(deals)),
            ("activities", f"{p[2]}.csv", _csv(acts))]


def planted_dataset():
    """The planted files (:func:`planted_files`) loaded."""
    files = [(role, read_file(data, name=name)) for role, name, data in planted_files()]
    return build_dataset(files, label=", ".join(t.name for _, t in files))


def _strings(msg, kind: str):
    """Every string field of a message (recursively), but for fields shown as plain text."""
    for field, value in msg.ListFields():
        if field.name in _SKIP_FIELDS and not (field.name == "options"
                                               and kind not in _PLAIN_OPTIONS):
            continue
        values = value if isinstance(value, Sequence) and not isinstance(value, str) \
            else [value]
        for v in values:
            if isinstance(v, str):
                yield f"{kind}.{field.name}", v
            elif hasattr(v, "ListFields"):
                yield from _strings(v, kind)


def _unescaped(text: str) -> str:
    """``text`` with Markdown escapes read: an escaped bracket is no link, but an escaped
    colon, dot or ``@`` still leaves a bare address Streamlit links."""
    return re.sub(r"\\.", "", re.sub(r"\\([:.@])", r"\1", text))


def live_markdown(at: AppTest) -> list[tuple[str, str]]:
    """(element.field, text) of every rendered Markdown text with a live image, link or
    HTML in it; Markdown escapes (``\\[``) are removed before looking."""
    hits = []

    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and kind not in _PLAIN_KINDS:
            for where, text in _strings(proto, kind):
                if tuple(where.split(".")) in _PLAIN_FIELDS:
                    continue
                if LIVE.search(_unescaped(text)):
                    hits.append((where, text))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # noqa: SLF001
    return hits


def test_app_markdown_planted_set_reaches_the_pages():
    ds = planted_dataset()
    assert ds.leads.height >= 80 and ds.health.warnings  # duplicate id, unknown stages…


@pytest.fixture(scope="module")
def planted():
    return planted_dataset()


@pytest.mark.parametrize("page", PAGES)
def test_app_markdown_never_live_in_a_page(planted, page):
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset"] = planted
    at.query_params["lead"] = f"{PAYLOADS[1]}1"
    at.run()
    assert not at.exception, at.exception
    if page != PAGES[0]:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    assert live_markdown(at) == []


def test_app_markdown_detector_sees_a_live_link():
    at = AppTest.from_string("import streamlit as st\nst.caption('[link](http://x.invalid)')")
    at.run()
    assert [text for _, text in live_markdown(at)] == ["[link](http://x.invalid)"]


def test_app_markdown_never_live_for_a_viewer(planted, tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_WORKSPACES", str(tmp_path))
    ws_id = WorkspaceStore(tmp_path).save(planted, name=PAYLOADS[2], key="k")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = ws_id
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["share_mode"]
    assert live_markdown(at) == []
