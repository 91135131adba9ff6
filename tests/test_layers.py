"""The house keeps its shape: arrows point down, no circles, no private names across modules,
imports at the top, small modules and functions, and a core that never imports Streamlit."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "funnel"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 120


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter's contracts (pyproject.toml) on the ``funnel`` package under ``root``."""
    code = ("from importlinter.cli import lint_imports; "
            "raise SystemExit(lint_imports(no_cache=True, no_logo=True))")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def _copy_of_core(tmp_path: Path) -> Path:
    shutil.copytree(CORE, tmp_path / "funnel", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _core_modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def _app_modules() -> list[Path]:
    return _core_modules() + sorted((ROOT / "ui").rglob("*.py")) + sorted(
        (ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]


def test_layers_contract_is_kept():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("module", "upward"), [
    ("dataset/labels.py", "from funnel.findings import Finding"),
    ("ingest/readers.py", "from funnel.analyses.funnel import funnel_table"),
    ("analyses/leakage.py", "from funnel.outputs.contract import diagnose"),
])
def test_layers_contract_breaks_on_an_upward_import(tmp_path, module, upward):
    root = _copy_of_core(tmp_path)
    target = root / "funnel" / module
    target.write_text(target.read_text() + f"\n{upward}  # noqa\n")
    run = _lint_imports(root)
    assert run.returncode != 0
    assert "BROKEN" in run.stdout.upper()


def test_layers_contract_breaks_on_a_circle_between_siblings(tmp_path):
    root = _copy_of_core(tmp_path)
    target = root / "funnel" / "analyses" / "funnel.py"  # closed_loop imports funnel
    target.write_text(target.read_text() + "\nfrom funnel.analyses import closed_loop  # noqa\n")
    run = _lint_imports(root)
    assert run.returncode != 0


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_never_imports_streamlit(path):
    tree = ast.parse(path.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] == "streamlit"]


@pytest.mark.parametrize("path", _app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_no_private_name_of_another_module(path):
    tree = ast.parse(path.read_text())
    private = [f"{n.module}.{a.name}" for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom) and n.level == 0
               and (n.module or "").split(".")[0] in {"funnel", "ui"}
               for a in n.names if a.name.startswith("_")]
    assert private == []


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_is_small(path):
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_functions_are_small(path):
    tree = ast.parse(path.read_text())
    long = {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES}
    assert long == {}


def test_repository_is_ruff_clean():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]


def test_importing_the_core_loads_no_heavy_optional_library():
    """``import funnel`` (the CLI, a notebook) loads Altair, vl-convert, fpdf2 and
    xlsxwriter only when a chart, a report or a workbook is made."""
    heavy = ("altair", "vl_convert", "fpdf", "xlsxwriter", "streamlit")
    out = subprocess.run(
        [sys.executable, "-c", "import sys, funnel; print(' '.join(m for m in "
         f"{heavy!r} if m in sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == []
