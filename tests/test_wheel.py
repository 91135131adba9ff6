"""A wheel built from the checkout holds every subpackage and runs without the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built without the network from a copy of the files git tracks (as a clean
    clone would: no stale ``build/``), and unpacked into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"
    tracked = subprocess.run(["git", "ls-files", "-z", "funnel", "pyproject.toml", "README.md"],
                             cwd=ROOT, check=True, capture_output=True).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True,
                   timeout=600)
    wheel = next(out.glob("funnel_diagnostic-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(out / "site")
    return out / "site"


def _run(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=site.parent, env=env,
                          capture_output=True, text=True, timeout=600)


def test_wheel_holds_every_subpackage(installed):
    source = {p.parent.relative_to(ROOT) for p in (ROOT / "funnel").rglob("__init__.py")}
    built = {p.parent.relative_to(installed) for p in (installed / "funnel").rglob("__init__.py")}
    assert built == source


def test_wheel_imports_charts_from_itself(installed):
    run = _run(installed, "-c", "import funnel.charts, funnel; print(funnel.__file__)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith(str(installed))


def test_wheel_runs_the_cli_on_the_sample(installed):
    run = _run(installed, "-m", "funnel", "diagnose", "--json",
               "--leads", str(SAMPLE / "contacts.csv"), "--deals", str(SAMPLE / "deals.csv"),
               "--activities", str(SAMPLE / "activities.csv"),
               "--spend", str(SAMPLE / "marketing_spend.csv"))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["rows"]["leads"] == 30_000
