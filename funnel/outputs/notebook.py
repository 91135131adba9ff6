"""Take the analysis into a notebook: a zip with the (pseudonymised) data and a notebook
that reproduces the workshop's analysis with the ``funnel`` API.

The bundle holds ``data/`` (the workspace layout: Parquet tables and ``meta.json`` with
the mapping, profiles and settings; see :mod:`funnel.workspace`), ``analysis.ipynb``,
the source of the ``funnel`` package that wrote it (``funnel/``: the notebook imports it
from its own folder, so nothing has to be installed from a package registry, which does
not have it), ``requirements.txt`` (the libraries ``funnel`` needs) and a short
``README.txt`` saying so. Unzip, open the notebook, run all.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from funnel.dataset.tables import Dataset
from funnel.outputs.workspace import write_workspace

PACKAGE_DIR = Path(__file__).resolve().parents[1]
"""The ``funnel`` package's folder, shipped in the bundle."""

REQUIREMENTS = ("polars>=1.30", "numpy>=1.26", "altair>=5.4", "duckdb>=1.2", "pyarrow>=16",
                "fastexcel>=0.14", "charset-normalizer>=3.3", "xlsxwriter>=3.1",
                "vl-convert-python>=1.6", "fpdf2>=2.7", "nbformat>=5.9")
"""What the shipped ``funnel`` imports (the app's dependencies without Streamlit)."""


def _version() -> str:
    try:
        return metadata.version("funnel-diagnostic")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "from a source checkout"


def _readme(name: str) -> str:
    return (
        f"{name}\n\n"
        "How to run the analysis (no network needed once the libraries are there):\n"
        "  1. Unzip this file and open a terminal in the unzipped folder.\n"
        "  2. Use a Python 3.11+ environment with Jupyter and the libraries in "
        "requirements.txt:\n"
        "       pip install -r requirements.txt jupyter\n"
        "     (offline: the environment that runs the Funnel Diagnostic app already has "
        "them).\n"
        f"  3. jupyter lab analysis.ipynb   (then Run > Run All Cells)\n\n"
        f"The funnel package itself is in funnel/ (version {_version()}, the one that wrote "
        "this bundle): the notebook imports it from this folder, so it is not installed "
        "with pip and nothing is fetched from a package index for it.\n\n"
        "data/ holds the mapped tables as Parquet with personal fields pseudonymised, and "
        "meta.json with the mapping, profiles and settings.\n")


def _cells(title: str, sla_hours: float) -> list[tuple[str, str]]:
    return [
        ("markdown", f"# {title}\n\nThe workshop's analysis, reproduced with the `funnel` "
                     "API on the exported data (names, e-mails and phone numbers are "
                     "pseudonymised). Charts are Altair objects: they render here."),
        ("code", "import polars as pl\nimport funnel\n\n"
                 "ws = funnel.read_workspace(\"data\")\nds = ws.dataset\n"
                 "profile = funnel.Profile.from_dict(ws.profiles[0]) if ws.profiles else None\n"
                 "print(ds.label, ds.leads.height, 'leads;', profile.name if profile "
                 "else 'no profile')"),
        ("markdown", "## The verdict: where the handoff leaks"),
        ("code", "cards = funnel.diagnose_places(ds, profile=profile)\n"
                 "pl.DataFrame([{\"place\": f.place, \"status\": f.status, "
                 "\"headline\": f.headline} for f in cards])"),
        ("markdown", "## The funnel"),
        ("code", "from funnel.charts.leakage import funnel_chart\n\n"
                 "table = funnel.funnel_table(ds.leads)\nfunnel_chart(table)"),
        ("markdown", "## Speed to lead"),
        ("code", "from funnel.charts.response import bucket_chart\n\n"
                 "known = ds.leads['outcome'].null_count() < ds.leads.height "
                 "if 'outcome' in ds.leads.columns else False\n"
                 "staged = funnel.has_stage_info(ds.leads)\n"
                 "if funnel.has_touch_times(ds.leads) and (staged or known):\n"
                 "    target = 'qualified' if staged else 'won'\n"
                 "    strata = [c for c in ('source',) if c in ds.leads.columns]\n"
                 "    curve = funnel.ResponseCurve(target=target, strata=strata).fit(ds.leads)\n"
                 "    print(curve.story_)\n"
                 "    display(bucket_chart(curve.table_, target=target))\n"
                 "else:\n"
                 "    print('No first-touch times in this export.')"),
        ("code", f"funnel.response_summary(ds, sla_hours={sla_hours!r})[\"within_sla_share\"]"),
        ("markdown", "## Profile fit"),
        ("code", "if profile is not None:\n"
                 "    fit = funnel.ProfileFit(profile).fit(ds)\n"
                 "    display(fit.outcomes_)\n"
                 "    display(fit.criteria_)"),
        ("markdown", "## Sources and cost"),
        ("code", "funnel.closed_loop(ds, by='source')"),
    ]


def analysis_notebook(*, title: str = "Funnel diagnostic", sla_hours: float = 1.0) -> dict:
    """The notebook (nbformat 4, as a dict) that reproduces the analysis from ``data/``.

    Examples
    --------
    >>> nb = analysis_notebook()
    >>> nb["nbformat"], nb["cells"][1]["cell_type"]
    (4, 'code')
    """
    import nbformat  # noqa: PLC0415  (lazy: heavy)

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for kind, src in _cells(title, sla_hours):
        nb.cells.append(nbformat.v4.new_markdown_cell(src) if kind == "markdown"
                        else nbformat.v4.new_code_cell(src))
    return json.loads(nbformat.writes(nb))


def export_bundle(
    ds: Dataset,
    *,
    name: str = "Funnel diagnostic",
    profiles: list[dict] | None = None,
    settings: dict[str, Any] | None = None,
    key: bytes | str | None = None,
    sla_hours: float = 1.0,
) -> bytes:
    """A zip with ``data/`` (pseudonymised), ``analysis.ipynb``, the ``funnel`` source
    it imports (``funnel/``), ``requirements.txt`` and ``README.txt`` (how to run it).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> names = zipfile.ZipFile(io.BytesIO(export_bundle(load_sample()))).namelist()
    >>> sorted(n for n in names if "/" not in n)
    ['README.txt', 'analysis.ipynb', 'requirements.txt']
    >>> "funnel/__init__.py" in names
    True
    """
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_workspace(Path(tmp) / "data", ds, name=name, profiles=profiles,
                                 settings=settings, key=key)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.iterdir()):
                z.write(path, f"data/{path.name}")
            z.writestr("analysis.ipynb", json.dumps(
                analysis_notebook(title=name, sla_hours=sla_hours), indent=1))
            for path in sorted(PACKAGE_DIR.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    z.write(path, f"funnel/{path.relative_to(PACKAGE_DIR).as_posix()}")
            z.writestr("requirements.txt", "\n".join(REQUIREMENTS) + "\n")
            z.writestr("README.txt", _readme(name))
    return buffer.getvalue()
