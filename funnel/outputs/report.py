"""The workshop report: the diagnosis, its findings, the key charts and the numbers.

One list of sections (:func:`report_sections`) is rendered two ways:

* :func:`report_html` — one self-contained HTML file (charts as inline SVG, no scripts,
  no network), which opens offline in any browser;
* :func:`report_pdf` — a PDF (charts as PNG), via ``fpdf2``.

Every table in the report is aggregated; personal fields never appear: the report is
computed on the pseudonymised dataset (:func:`funnel.dataset.privacy.pseudonymise`), and
the findings' words are scrubbed the same way, so a campaign or loss reason holding an
e-mail address, a phone number or a lead's name does not carry it into the report. Tables hold
numbers and are written as text only when rendered (:func:`funnel.dataset.format.
readable_table`): plain-language headers, percents with their 95% interval in one cell,
counts and amounts with thousands separators, amounts in the data's currency (none when
the data names none).
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass, field

import altair as alt
import polars as pl

from funnel.analyses.closed_loop import closed_loop
from funnel.analyses.funnel import funnel_table
from funnel.analyses.profile.fit import ProfileFit, profile_verdict
from funnel.analyses.speed.curve import ResponseCurve
from funnel.analyses.speed.times import has_stage_info, has_touch_times
from funnel.charts.leakage import funnel_chart, rates_chart
from funnel.charts.profile import win_rates_chart
from funnel.charts.response import bucket_chart
from funnel.dataset.format import currency_of, percent, readable_table
from funnel.dataset.privacy import dataset_scrubber, pseudonymise
from funnel.dataset.tables import Dataset
from funnel.findings.base import Finding
from funnel.findings.registry import TITLES, diagnose_places
from funnel.findings.summary import (
    STATUS_LEGEND,
    STATUS_WORDS,
    effect_text,
    plain_headline,
    ranked,
    verdict_summary,
)
from funnel.outputs.export import chart_png, chart_svg


@dataclass
class Section:
    """A heading with paragraphs, an optional chart and an optional table of numbers
    (``labels``: plain-language headers for some of its columns; ``currency``: of its
    amounts)."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    chart: alt.TopLevelMixin | None = None
    table: pl.DataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)
    currency: str | None = None

    def table_text(self) -> pl.DataFrame | None:
        """The table as it is printed: text cells, each rate with its interval.

        Examples
        --------
        >>> s = Section("Sources", table=pl.DataFrame({"rate": [0.000845], "ci_low": [0.0],
        ...             "ci_high": [0.0047], "revenue": [4442000.0]}), labels={"rate": "win rate"})
        >>> s.table_text().rows()
        [('0.1% (0.0%–0.5%)', '4,442,000')]
        """
        if self.table is None:
            return None
        return readable_table(self.table, currency=self.currency, labels=self.labels)


def findings_table(cards: list[Finding], *, headlines: bool = False) -> pl.DataFrame:
    """One row per place: verdict, culprit, effect with its interval, n and severity
    (and each place's own headline with ``headlines=True``).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = findings_table(diagnose_places(load_sample()), headlines=True)
    >>> t["headline"].n_unique() == t.height
    True
    """
    rows = []
    for f in cards:
        ev = f.evidence
        rows.append({"place": TITLES[f.place], "verdict": STATUS_WORDS[f.status],
                     **({"headline": f.headline} if headlines else {}),
                     "culprit": ", ".join(f"{k}: {v}" for k, v in f.culprit.items()) or "–",
                     "effect": ev.get("effect"), "ci_low": ev.get("ci_low"),
                     "ci_high": ev.get("ci_high"), "n": ev.get("n"),
                     "severity": round(f.severity, 3)})
    return pl.DataFrame(rows)


def report_sections(
    ds: Dataset,
    *,
    profile=None,
    cards: list[Finding] | None = None,
    sla_hours: float = 1.0,
    key: bytes | str | None = None,
) -> list[Section]:
    """The report's content: verdict, findings, funnel, speed, profile and sources.

    Sections whose data is missing say so instead of showing an empty chart. Charts and
    tables are computed on ``pseudonymise(ds, key=key)`` (same numbers, no personal
    data), and every word from the findings is scrubbed alike.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> [s.heading for s in report_sections(load_sample())][:2]
    ['Verdict', 'Findings, place by place']
    """

    cards = cards if cards is not None else diagnose_places(ds, profile=profile)
    scrub = dataset_scrubber(ds, key=key)
    ds = pseudonymise(ds, key=key)
    return [_scrubbed(s, scrub) for s in _sections(ds, profile, cards)]


def _scrubbed(section: Section, scrub) -> Section:
    """A section's words and table text without personal data."""
    table = section.table
    return Section(scrub.text(section.heading), [scrub.text(p) for p in section.paragraphs],
                   chart=section.chart, table=None if table is None else scrub.frame(table, {}),
                   labels=section.labels, currency=section.currency)


def _sections(ds: Dataset, profile, cards: list[Finding]) -> list[Section]:
    currency = currency_of(ds.deals, ds.leads, ds.spend)
    order = ranked(cards)
    problems = [f for f in order if f.status == "problem"]
    out = [Section("Verdict", [
        f"{ds.leads.height:,} leads from {ds.label or 'the export'}.",
        f"{verdict_summary(cards).text}.",
        *[f"{i}. {TITLES[f.place]}: {f.headline}" for i, f in enumerate(problems, 1)],
        STATUS_LEGEND,
    ])]
    shown = findings_table(order).drop("ci_low", "ci_high").with_columns(  # as headlines
        pl.Series("effect", [effect_text(f) or "–" for f in order]))
    out.append(Section("Findings, place by place",
                       [f"{TITLES[f.place]} — {STATUS_WORDS[f.status]}: {plain_headline(f)}"
                        for f in order], table=shown.rename({"effect": "effect (95% CI)"})))
    ft = funnel_table(ds.leads)
    out.append(Section("Where leads leak: the funnel", [
        "Leads reaching each stage; step and cumulative conversion with 95% intervals."],
        chart=funnel_chart(ft), table=ft.select(
            "stage", "count", "rate_from_previous", "ci_low", "ci_high", "rate_from_first")))
    has_outcome = "outcome" in ds.leads.columns and ds.leads["outcome"].null_count() < (
        ds.leads.height)
    if has_touch_times(ds.leads) and (has_stage_info(ds.leads) or has_outcome):
        target = "qualified" if has_stage_info(ds.leads) else "won"
        strata = [c for c in ("source",) if c in ds.leads.columns]
        curve = ResponseCurve(target=target, strata=strata).fit(ds.leads)
        out.append(Section("Speed to lead", [
            f"{target.capitalize()} rate by hours from arrival to first sales touch, raw and "
            "adjusted for the source mix (95% intervals).", curve.story_],
            chart=bucket_chart(curve.table_, target=target),
            table=curve.table_.select("bucket", "leads", "successes", "rate", "ci_low",
                                      "ci_high", "adjusted_rate"),
            labels={"successes": target, "rate": f"{target} rate",
                    "adjusted_rate": f"{target} rate, adjusted for source"}))
    elif has_touch_times(ds.leads):
        out.append(Section("Speed to lead", [
            "This export has first-touch times but no stages or outcomes, so conversion by "
            "response time cannot be shown: add the deals export or a lifecycle stage."]))
    else:
        out.append(Section("Speed to lead", [
            "This export has no first-touch times: load the activities export (calls, "
            "e-mails, meetings with their times) to see how conversion falls with response "
            "time."]))
    if profile is not None and getattr(profile, "criteria", None):

        fit = ProfileFit(profile).fit(ds)
        out.append(Section(f"Profile fit: {profile.name}", [
            f"{percent(fit.share_)} of {fit.n_:,} leads meet the profile "
            f"({'; '.join(c.describe() for c in profile.criteria)}).", profile_verdict(fit)],
            chart=win_rates_chart(fit.outcomes_), table=fit.outcomes_))
    else:
        out.append(Section("Profile fit", [
            "No stated profile was tested: the lead-profile finding uses a profile learned "
            "on half the leads and checked on the other half, and the profile-definition "
            "finding can't tell. Describe the closable lead on the Profile fit page (or give "
            "the command line --profile FILE) to test it."]))
    if "source" in ds.leads.columns:
        cl = closed_loop(ds, by="source")
        cols = [c for c in ("source", "leads", "won", "rate", "ci_low", "ci_high", "revenue",
                            "cost", "cac") if c in cl.columns]
        out.append(Section("Sources: what produces revenue, at what cost", [
            "Win rate per source with 95% intervals; ranked on rates shrunk toward the "
            "average so small sources cannot top the list."],
            chart=rates_chart(cl, by="source"), table=cl.select(cols),
            labels={"rate": "win rate"}, currency=currency))
    return out


def _html_table(t: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
                   for row in t.iter_rows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;
margin:2em auto;color:#222;line-height:1.45}h1{font-size:1.8em}h2{margin-top:1.8em;
border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:.85em;margin:.8em 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f5f5f5}
td:first-child,th:first-child{text-align:left}.chart{margin:1em 0}.note{color:#666;
font-size:.85em}"""


def report_html(sections: list[Section], *, title: str = "Funnel diagnostic",
                generated: dt.datetime | None = None) -> str:
    """One self-contained HTML page: inline SVG charts, no scripts, no external links.

    Examples
    --------
    >>> page = report_html([Section("Verdict", ["All fine."])])
    >>> "<script" in page, "All fine." in page
    (False, True)
    """

    when = (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p class='note'>Generated {when}. Rates come "
             "with 95% intervals and counts; amounts at stake are estimates.</p>"]
    for s in sections:
        parts.append(f"<h2>{html.escape(s.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        if s.chart is not None:
            parts.append(f"<div class='chart'>{chart_svg(s.chart)}</div>")
        if s.table is not None and s.table.height:
            parts.append(_html_table(s.table_text()))
    parts.append("</body></html>")
    return "\n".join(parts)


def _latin(text: str) -> str:
    """fpdf's core fonts are Latin-1: replace what they cannot print."""
    table = {"–": "-", "—": "-", "×": "x", "≥": ">=", "≤": "<=", "≈": "~", "’": "'",
             "“": '"', "”": '"', "…": "...", "→": "->", "·": "-", "−": "-"}
    for a, b in table.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def report_pdf(sections: list[Section], *, title: str = "Funnel diagnostic",
               generated: dt.datetime | None = None) -> bytes:
    """The same report as a PDF (charts as PNG images).

    Examples
    --------
    >>> report_pdf([Section("Verdict", ["All fine."])])[:5]
    b'%PDF-'
    """

    from fpdf import FPDF  # noqa: PLC0415  (lazy: heavy)


    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    when = (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    pdf.multi_cell(0, 5, _latin(f"Generated {when}. Rates come with 95% intervals and counts; "
                                "amounts at stake are estimates."),
                   new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for s in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(0, 8, _latin(s.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for p in s.paragraphs:
            pdf.multi_cell(0, 5, _latin(p), new_x="LMARGIN", new_y="NEXT")
        if s.chart is not None:
            png = chart_png(s.chart, scale=2)
            pdf.image(io.BytesIO(png), w=min(width, 170))
        if s.table is not None and s.table.height:
            text = s.table_text()
            pdf.set_font("Helvetica", "", 7)
            with pdf.table(text_align="RIGHT", first_row_as_headings=True,
                           line_height=4) as table:
                table.row([_latin(c) for c in text.columns])
                for row in text.head(40).iter_rows():
                    table.row([_latin(v) for v in row])
    return bytes(pdf.output())
