"""Tests of the ``funnel`` command line (funnel.cli.main and ``python -m funnel``)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from funnel.cli import main
from funnel.dataset.format import ci_text
from funnel.findings.registry import PLACES, TITLES, diagnose_places
from funnel.findings.summary import ranked, verdict_summary
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceStore
from funnel.sample.export import SAMPLE_DIR

CONTRACT_KEYS = {"rows", "rejected", "funnel", "won", "conversion", "response", "profile",
                 "sources", "findings"}
RESPONSE_KEYS = {"contacted_share", "median_hours", "sla_hours", "within_sla_share", "by_bucket"}
LEADS = "lead_id,created_at,source,outcome\nL1,2024-01-01,Ads,won\nL2,2024-01-02,SEO,lost\n"


def _json(capsys, *args: str) -> dict:
    assert main(["diagnose", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def olist_json(olist_files) -> dict:
    leads, deals = olist_files
    out = subprocess.run(
        [sys.executable, "-m", "funnel", "diagnose", "--leads", str(leads), "--deals", str(deals),
         "--json"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def xed_json(xed_file) -> dict:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["diagnose", "--leads", str(xed_file), "--json"]) == 0
    return json.loads(buf.getvalue())


# --- the real exports -----------------------------------------------------------------


def test_python_m_funnel_runs_on_olist(olist_json):
    assert olist_json["rows"] == {"leads": 8000, "deals": 842, "activities": 0, "rejected": 0}


def test_main_json_olist_won_and_conversion(olist_json):
    assert (olist_json["won"], olist_json["conversion"]) == (842, 842 / 8000)


def test_main_json_olist_funnel(olist_json):
    assert [(s["stage"], s["count"], s["rate_from_first"]) for s in olist_json["funnel"]] == [
        ("lead", 8000, 1.0), ("won", 842, 842 / 8000)]


def test_main_json_olist_sources_add_up(olist_json):
    sources = olist_json["sources"]
    assert (sum(s["leads"] for s in sources), sum(s["won"] for s in sources)) == (8000, 842)


def test_main_json_olist_source_rate_is_won_over_leads(olist_json):
    assert all(s["rate"] == pytest.approx(s["won"] / s["leads"]) for s in olist_json["sources"])


def test_main_json_olist_has_no_contacted_share_without_activities(olist_json):
    assert olist_json["response"]["contacted_share"] is None


def test_main_json_olist_warns_of_won_before_created(olist_json):
    assert "won_before_created" in {w["code"] for w in olist_json["warnings"]}


def test_main_json_x_education_rows(xed_json):
    assert xed_json["rows"] == {"leads": 9240, "deals": 0, "activities": 0, "rejected": 0}


def test_main_json_x_education_won_and_conversion(xed_json):
    assert (xed_json["won"], xed_json["conversion"]) == (3561, 3561 / 9240)


def test_main_json_x_education_funnel(xed_json):
    assert [(s["stage"], s["count"]) for s in xed_json["funnel"]] == [("lead", 9240),
                                                                     ("won", 3561)]


def test_main_json_x_education_google_source_merges_its_lower_case_spelling(xed_json):
    google = next(s for s in xed_json["sources"] if s["source"] == "Google")
    assert (google["leads"], google["won"], google["rate"]) == (
        2868 + 5, 1147, pytest.approx(1147 / 2873))
    assert not any(s["source"] == "google" for s in xed_json["sources"])
    assert {"column": "source", "label": "google", "merged_into": "Google",
            "leads": 5} in xed_json["label_merges"]


def test_main_json_x_education_has_no_contacted_share(xed_json):
    assert xed_json["response"]["contacted_share"] is None


def test_main_json_x_education_says_trends_unavailable(xed_json):
    caps = {c["analysis"]: c["available"] for c in xed_json["capabilities"]}
    assert caps["Trends by month and cohorts"] is False


# --- JSON shape -----------------------------------------------------------------------


def test_main_json_has_contract_keys(capsys, write_file):
    assert set(_json(capsys, "--leads", write_file("l.csv", LEADS))) >= CONTRACT_KEYS


def test_main_json_response_has_contract_keys(capsys, write_file):
    out = _json(capsys, "--leads", write_file("l.csv", LEADS))
    assert set(out["response"]) >= RESPONSE_KEYS


def test_main_json_funnel_rows_have_contract_keys(capsys, write_file):
    out = _json(capsys, "--leads", write_file("l.csv", LEADS))
    assert all({"stage", "count", "rate_from_previous", "rate_from_first", "ci_low",
                "ci_high"} <= set(row) for row in out["funnel"])


def test_main_json_sources_have_contract_keys(capsys, write_file):
    out = _json(capsys, "--leads", write_file("l.csv", LEADS))
    assert all(set(row) >= {"source", "leads", "won", "rate", "revenue", "cost", "cac"}
               for row in out["sources"])


def test_main_json_rejected_rows_have_file_row_reason(capsys, write_file):
    out = _json(capsys, "--leads", write_file("l.csv", LEADS + "L3,,Ads,won\n"))
    assert out["rejected"] == [{"file": "l.csv", "row": 4, "reason": "created_at is empty"}]


def test_main_json_won_is_null_without_outcomes(capsys, write_file):
    out = _json(capsys, "--leads", write_file("l.csv", "lead_id,created_at\nL1,2024-01-01\n"))
    assert (out["won"], out["conversion"]) == (None, None)


def test_main_json_stacks_repeated_leads(capsys, write_file):
    out = _json(capsys, "--leads", write_file("a.csv", LEADS), "--leads",
                write_file("b.csv", LEADS.replace("L", "M")))
    assert out["rows"]["leads"] == 4


def test_main_json_uses_mapping_file(capsys, write_file):
    mapping = write_file("m.mapping.json", '{"values": {"source": {"Ads": "Paid"}}}')
    out = _json(capsys, "--leads", write_file("l.csv", LEADS), "--mapping", mapping)
    assert {s["source"] for s in out["sources"]} == {"Paid", "SEO"}


def test_main_json_reads_chosen_sheet(capsys, tmp_path):
    import xlsxwriter  # noqa: PLC0415  (lazy: heavy)

    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Notes").write_row(0, 0, ["nothing here"])
    ws = wb.add_worksheet("Leads")
    for r, row in enumerate(line.split(",") for line in LEADS.splitlines()):
        ws.write_row(r, 0, row)
    wb.close()
    assert _json(capsys, "--leads", path, "--sheet", "1")["rows"]["leads"] == 2


def test_main_prints_text_report_without_json(capsys, write_file):
    assert main(["diagnose", "--leads", str(write_file("l.csv", LEADS))]) == 0
    assert "\nLeads 2  deals 0  activities 0  rejected rows 0\n" in capsys.readouterr().out


def _text(*args) -> list[str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["diagnose", *map(str, args)]) == 0
    return buf.getvalue().splitlines()


def test_main_text_starts_with_the_verdict_then_one_line_per_place(write_file):
    leads = write_file("l.csv", LEADS)
    lines = _text("--leads", leads)
    ds = build_dataset([("leads", read_file(leads.read_bytes(), name="l.csv"))])
    assert lines[0] == f"Verdict: {verdict_summary(diagnose_places(ds)).text}"
    assert all(line.startswith(f"  {TITLES[p]} ")  # all can't tell: the contract's order
               for line, p in zip(lines[1:], PLACES, strict=False))
    assert lines[len(PLACES) + 1] == ""


def test_main_text_lists_problems_first_most_severe_first(sample_ds):
    lines = _text("--leads", SAMPLE_DIR / "contacts.csv", "--deals", SAMPLE_DIR / "deals.csv",
                  "--activities", SAMPLE_DIR / "activities.csv")
    cards = ranked(diagnose_places(sample_ds))
    assert cards[0].status == "problem"
    assert all(line.startswith(f"  {TITLES[f.place]} ")
               for line, f in zip(lines[1:], cards, strict=False))


def test_main_text_states_each_status_once_per_place(olist_files):
    leads, deals = olist_files
    lines = _text("--leads", leads, "--deals", deals)
    assert lines[0].startswith("Verdict: Nothing could be tested: 9 can't tell — need ")
    assert all(line.count("Can't tell") == 1 for line in lines[1:len(PLACES) + 1])


# --- bad input ------------------------------------------------------------------------

BAD = [
    pytest.param({"leads": ("empty.csv", b"")}, "empty.csv is empty", id="empty"),
    pytest.param({"leads": ("h.csv", b"lead_id,created_at\n")}, "h.csv has a header row",
                 id="header-only"),
    pytest.param({"leads": ("r.csv", bytes(range(256)) * 8)}, "r.csv is not a CSV",
                 id="binary"),
    pytest.param({"leads": ("c.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8)},
                 "c.xlsx could not be opened as an Excel workbook", id="corrupt-xlsx"),
    pytest.param({"leads": ("p.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
                            + "EncryptedPackage".encode("utf-16-le"))},
                 "p.xlsx is a password-protected workbook", id="encrypted"),
    pytest.param({"leads": ("n.csv", b"email,colour\na@x.com,red\n")},
                 "n.csv has no column that can be a creation date", id="no-date-no-outcome"),
    pytest.param({"leads": ("l.csv", LEADS.encode()), "mapping": ("m.json", b"{oops")},
                 "The mapping file m.json is not valid JSON", id="broken-mapping"),
    pytest.param({"leads": ("l.csv", LEADS.encode()),
                  "mapping": ("m.json", b'{"leads": {"created_at": "Signup"}}')},
                 "l.csv: the mapping names columns the file does not have", id="mapping-column"),
    pytest.param({"leads": ("l.csv", LEADS.encode()), "deals": ("d.csv", b"Amount\n5\n")},
                 "d.csv has no column linking deals to leads", id="unlinked-deals"),
]


def _run_bad(write_file, files: dict) -> int:
    args = ["diagnose"]
    for option, (name, content) in files.items():
        args += [f"--{option}", str(write_file(name, content))]
    return main(args)


@pytest.mark.parametrize(("files", "says"), BAD)
def test_main_exits_2_on_bad_input(write_file, capsys, files, says):
    assert _run_bad(write_file, files) == 2


@pytest.mark.parametrize(("files", "says"), BAD)
def test_main_explains_bad_input_in_one_stderr_line(write_file, capsys, files, says):
    _run_bad(write_file, files)
    err = capsys.readouterr().err
    assert (err.startswith(f"funnel: {says}"), err.count("\n"), "Traceback" in err) == (
        True, 1, False)


@pytest.mark.parametrize(("files", "says"), BAD)
def test_main_prints_nothing_on_stdout_for_bad_input(write_file, capsys, files, says):
    _run_bad(write_file, files)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--leads", "{tmp}/missing.csv"], "funnel: missing.csv: no such file.\n"),
        (["--leads", "{tmp}"], "is a folder, not a file.\n"),
        (["--leads", "{tmp}/l.csv", "--mapping", "{tmp}/none.json"],
         "none.json could not be read (No such file or directory).\n"),
    ],
)
def test_main_explains_missing_files(write_file, tmp_path, capsys, args, says):
    write_file("l.csv", LEADS)
    assert main(["diagnose", *(a.format(tmp=tmp_path) for a in args)]) == 2
    assert capsys.readouterr().err.endswith(says)


def test_cli_sla_hours_fills_within_sla_share(tmp_path, capsys):
    leads = tmp_path / "l.csv"
    leads.write_text("lead_id,created_at\nL1,2024-01-01 09:00\nL2,2024-01-01 09:00\n"
                     "L3,2024-01-01 09:00\n")
    acts = tmp_path / "a.csv"
    acts.write_text("lead_id,at\nL1,2024-01-01 09:30\nL2,2024-01-01 15:00\n")
    assert main(["diagnose", "--leads", str(leads), "--activities", str(acts),
                 "--sla-hours", "1", "--json"]) == 0
    response = json.loads(capsys.readouterr().out)["response"]
    assert (response["sla_hours"], response["within_sla_share"]) == (1.0, 1 / 3)


PROFILE_LEADS = ("lead_id,created_at,source,Industry,outcome\n"
                 "1,2024-01-01,Ads,Software,won\n2,2024-01-02,Ads, software ,lost\n"
                 "3,2024-01-03,Ads,Retail,lost\n4,2024-01-04,SEO,Retail,won\n"
                 "5,2024-01-05,SEO,,lost\n6,2024-01-06,SEO,Software,won\n")


def _profile_json(tmp_path, capsys, criteria: str) -> dict:
    leads = tmp_path / "l.csv"
    leads.write_text(PROFILE_LEADS)
    profile = tmp_path / "p.profile.json"
    profile.write_text(json.dumps({"name": "Sales", "criteria": json.loads(criteria)}))
    assert main(["diagnose", "--leads", str(leads), "--profile", str(profile), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["profile"]


def test_cli_profile_key_equals_an_independent_count(tmp_path, capsys):
    out = _profile_json(tmp_path, capsys, '[{"field": "Industry", "in": ["SOFTWARE"]}]')
    # in profile: leads 1, 2 (trimmed, any case) and 6; the missing industry (5) is out
    assert (out["name"], out["in_profile_share"]) == ("Sales", 3 / 6)
    assert (out["in_profile_rate"], out["out_of_profile_rate"]) == (2 / 3, 1 / 3)
    shares = {r["source"]: (r["leads"], r["in_profile_share"]) for r in out["by_source"]}
    assert shares == {"Ads": (3, 2 / 3), "SEO": (3, 1 / 3)}


def test_cli_profile_reports_a_field_the_data_lacks(tmp_path, capsys):
    out = _profile_json(tmp_path, capsys, '[{"field": "Budget Confirmed", "in": [true]}]')
    assert out["unchecked"] and "Budget Confirmed" in str(out["unchecked"])


def _diagnose_profile(tmp_path, capsys, *extra: str) -> dict:
    leads = tmp_path / "l.csv"
    leads.write_text(PROFILE_LEADS)
    return _json(capsys, "--leads", leads, *extra)


def test_cli_without_profile_says_no_stated_profile_was_tested(tmp_path, capsys):
    out = _diagnose_profile(tmp_path, capsys)
    assert out["profile"] is None
    assert (out["profile_in_use"]["stated"], out["profile_in_use"]["name"]) == (False, None)
    assert out["profile_in_use"]["note"].startswith("No stated profile was tested")


def test_cli_text_report_says_no_stated_profile_was_tested(tmp_path, capsys):
    leads = tmp_path / "l.csv"
    leads.write_text(PROFILE_LEADS)
    assert main(["diagnose", "--leads", str(leads)]) == 0
    assert "Profile: No stated profile was tested" in capsys.readouterr().out


def test_cli_profile_in_use_names_the_stated_profile(tmp_path, capsys):
    profile = tmp_path / "p.profile.json"
    profile.write_text(json.dumps({"name": "Sales", "criteria": [
        {"field": "Industry", "in": ["Software"]}]}))
    out = _diagnose_profile(tmp_path, capsys, "--profile", profile)
    assert {k: out["profile_in_use"][k] for k in ("stated", "name", "criteria")} == {
        "stated": True, "name": "Sales", "criteria": 1}
    assert out["profile"]["name"] == "Sales"


def test_cli_profile_without_criteria_is_no_stated_profile(tmp_path, capsys):
    profile = tmp_path / "p.profile.json"
    profile.write_text(json.dumps({"name": "Empty", "criteria": []}))
    out = _diagnose_profile(tmp_path, capsys, "--profile", profile)
    assert out["profile"] is None and out["profile_in_use"]["stated"] is False


def test_cli_unreadable_profile_exits_2_with_one_line(tmp_path, capsys):
    leads = tmp_path / "l.csv"
    leads.write_text(PROFILE_LEADS)
    profile = tmp_path / "p.profile.json"
    profile.write_text("{not json")
    assert main(["diagnose", "--leads", str(leads), "--profile", str(profile)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("funnel: ") and "\n" not in err and "Traceback" not in err


def test_cli_sources_give_null_wins_when_outcomes_are_unknown(tmp_path, capsys):
    leads = tmp_path / "l.csv"
    leads.write_text("lead_id,created_at,source\nL1,2024-01-01,Ads\n")
    assert main(["diagnose", "--leads", str(leads), "--json"]) == 0
    source = json.loads(capsys.readouterr().out)["sources"][0]
    assert (source["won"], source["rate"]) == (None, None)


def test_cli_workspaces_list_rename_delete(tmp_path, capsys):
    ds = build_dataset([("leads", read_file(LEADS.encode(), name="l.csv"))])
    ws_id = WorkspaceStore(tmp_path).save(ds, name="Acme")
    root = ["--root", str(tmp_path)]
    assert main(["workspaces", "list", *root]) == 0
    assert ws_id in capsys.readouterr().out
    assert main(["workspaces", "rename", ws_id, "Acme 2", *root]) == 0
    assert WorkspaceStore(tmp_path).list()[0].name == "Acme 2"
    assert main(["workspaces", "delete", ws_id, *root]) == 0
    assert WorkspaceStore(tmp_path).list() == []


def test_cli_workspaces_unknown_id_is_not_found(tmp_path, capsys):
    assert main(["workspaces", "delete", "../../etc", "--root", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_cli_sla_hours_must_be_a_finite_positive_number(tmp_path, capsys, value):
    leads = tmp_path / "l.csv"
    leads.write_text(LEADS)
    assert main(["diagnose", "--leads", str(leads), f"--sla-hours={value}"]) == 2
    assert "--sla-hours" in capsys.readouterr().err


def test_cli_profile_file_not_utf8_exits_2(tmp_path, capsys):
    leads = tmp_path / "l.csv"
    leads.write_text(LEADS)
    profile = tmp_path / "p.profile.json"
    profile.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["diagnose", "--leads", str(leads), "--profile", str(profile)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_cli_activities_without_readable_times_exit_2(tmp_path, capsys):
    leads, acts = tmp_path / "l.csv", tmp_path / "a.csv"
    leads.write_text(LEADS)
    acts.write_text("lead_id,at\nL1,garbage\nL2,\n")
    assert main(["diagnose", "--leads", str(leads), "--activities", str(acts)]) == 2
    err = capsys.readouterr().err
    assert "when each activity happened" in err and "Traceback" not in err


def test_main_text_gives_each_source_rate_with_the_json_interval(olist_files, olist_json, capsys):
    leads, deals = olist_files
    assert main(["diagnose", "--leads", str(leads), "--deals", str(deals)]) == 0
    text = capsys.readouterr().out
    for s in olist_json["sources"][:15]:
        line = next(x for x in text.splitlines() if x.startswith(f"  {str(s['source'])[:28]} "))
        assert f"{s['rate']:.1%} ({ci_text(s['ci_low'], s['ci_high'])})" in line
