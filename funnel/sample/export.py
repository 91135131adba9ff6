"""The sample as files: written as the CRMs export them, and loaded back as a Dataset.

``python -m funnel.sample --out DIR`` (:func:`main`) writes the CSV files of
:func:`~funnel.sample.life.generate_sample`; :func:`load_sample` reads the bundled copy
in :data:`SAMPLE_DIR`; :func:`sample_dataset` goes through the same readers in memory.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from funnel.dataset.tables import Dataset
from funnel.ingest.build import build_dataset, load
from funnel.ingest.readers import read_file
from funnel.sample.life import generate_sample
from funnel.sample.world import PROBLEMS, problem_set

__all__ = ["SAMPLE_DIR", "SAMPLE_FILES", "load_sample", "main", "sample_dataset", "write_sample"]

_LABEL = "Sample: B2B software (HubSpot + Pipedrive)"

#: Folder of the bundled sample (written by ``python -m funnel.sample``); the environment
#: variable ``FUNNEL_SAMPLE_DIR`` points the app at another size of the same story
#: (``bench/bench_live_edit.py`` opens the app on 1,000,000 leads this way).
SAMPLE_DIR: Path = Path(os.environ.get(
    "FUNNEL_SAMPLE_DIR", Path(__file__).resolve().parents[2] / "sample_data"))

#: Role -> file name of the bundled sample.
SAMPLE_FILES: dict[str, str] = {
    "leads": "contacts.csv",
    "deals": "deals.csv",
    "activities": "activities.csv",
    "spend": "marketing_spend.csv",
}
_FRAME_KEYS = {"leads": "contacts", "deals": "deals", "activities": "activities", "spend": "spend"}


def write_sample(
    directory: str | Path, *, n_leads: int = 30_000, seed: int = 7, **kw: object
) -> list[Path]:
    """Generate the sample and write it as four CSV files.

    Parameters
    ----------
    directory : str or pathlib.Path
        Folder to write into; created when missing.
    n_leads : int, default 30_000
        Number of contacts.
    seed : int, default 7
        Seed of the random generator.
    **kw
        Further keyword options of :func:`generate_sample` (``start``, ``months``,
        ``export_at``, ``problems``).

    Returns
    -------
    list of pathlib.Path
        The written files, in the order of :data:`SAMPLE_FILES` (contacts, deals,
        activities, marketing spend). UTF-8, comma separated, with a header row.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sample(tempfile.mkdtemp(), n_leads=500)
    >>> [p.name for p in paths]
    ['contacts.csv', 'deals.csv', 'activities.csv', 'marketing_spend.csv']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate_sample(n_leads=n_leads, seed=seed, **kw)
    paths = []
    for role, filename in SAMPLE_FILES.items():
        path = out / filename
        frames[_FRAME_KEYS[role]].write_csv(path)
        paths.append(path)
    return paths


def load_sample(directory: str | Path | None = None) -> Dataset:
    """Load the bundled sample (or a folder written by :func:`write_sample`) as a Dataset.

    Parameters
    ----------
    directory : str or pathlib.Path or None, default None
        Folder holding the files named in :data:`SAMPLE_FILES`; defaults to
        :data:`SAMPLE_DIR`. Missing optional files (deals, activities, spend) are skipped.

    Returns
    -------
    funnel.dataset.tables.Dataset
        The sample mapped onto the canonical tables by :func:`funnel.ingest.build.load`.

    Examples
    --------
    >>> ds = load_sample()
    >>> ds.leads.height
    30000
    """
    folder = Path(directory) if directory is not None else SAMPLE_DIR
    paths = {role: folder / name for role, name in SAMPLE_FILES.items()}
    optional = {
        role: (path if path.exists() else None) for role, path in paths.items() if role != "leads"
    }
    return load(paths["leads"], **optional, label=_LABEL)


def sample_dataset(
    *,
    n_leads: int = 30_000,
    seed: int = 7,
    problems: Collection[str] | None = None,
    export_at: datetime | None = None,
) -> Dataset:
    """Generate a sample and load it as a Dataset in memory, without touching the disk.

    The frames of :func:`generate_sample` are written as CSV bytes and go through the
    same readers, mapping and validation as :func:`load_sample` (so
    ``sample_dataset()`` equals ``load_sample()``); made for tests of the diagnosis on
    data with chosen problems, or none.

    Parameters
    ----------
    n_leads : int, default 30_000
        Number of contacts.
    seed : int, default 7
        Seed of the random generator.
    problems : collection of str, or None, default None
        The problems to plant (see :data:`PROBLEMS`); ``None`` plants all eight,
        ``()`` none.
    export_at : datetime.datetime or None, default None
        Moment of the export (see :func:`generate_sample`).

    Returns
    -------
    funnel.dataset.tables.Dataset
        Mapped onto the canonical tables, labelled like the bundled sample (with the
        planted problems named when not all eight are).

    Raises
    ------
    ValueError
        For the bad arguments :func:`generate_sample` refuses.

    Examples
    --------
    >>> ds = sample_dataset(n_leads=500, problems=("speed",))
    >>> ds.leads.height, ds.label
    (500, 'Sample: B2B software (HubSpot + Pipedrive), problems: speed')
    """
    plant = problem_set(problems)
    frames = generate_sample(n_leads=n_leads, seed=seed, export_at=export_at, problems=plant)
    label = _LABEL
    if plant != frozenset(PROBLEMS):
        label += ", problems: " + (", ".join(p for p in PROBLEMS if p in plant) or "none")

    def tables():  # one file's text at a time, as load() reads them
        for role, filename in SAMPLE_FILES.items():
            buffer = io.BytesIO()
            frames.pop(_FRAME_KEYS[role]).write_csv(buffer)
            yield role, read_file(buffer.getvalue(), name=filename)

    return build_dataset(tables(), release=True, label=label)


def main(argv: list[str] | None = None) -> int:
    """``python -m funnel.sample``: write the sample as CSV files and print their paths.

    Parameters
    ----------
    argv : list of str or None, default None
        The command-line arguments (``--out``, ``--leads``, ``--seed``, ``--problems``);
        ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        0 on success (bad arguments exit with status 2).
    """
    parser = argparse.ArgumentParser(
        prog="python -m funnel.sample",
        description="Write the bundled sample CRM export (HubSpot contacts, Pipedrive deals "
        "and activities, marketing spend) as CSV files.",
    )
    parser.add_argument("--out", default="sample_data", help="output folder (default: %(default)s)")
    parser.add_argument("--leads", type=int, default=30_000, help="leads (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--problems",
        default=None,
        help="comma-separated problems to plant, among " + ", ".join(PROBLEMS)
        + "; 'none' for data where nothing is wrong (default: all eight)",
    )
    args = parser.parse_args(argv)
    if args.leads < 1:
        parser.error("--leads must be at least 1")
    try:
        problems = None if args.problems is None else problem_set(args.problems)
    except ValueError as exc:
        parser.error(str(exc))
    for path in write_sample(args.out, n_leads=args.leads, seed=args.seed, problems=problems):
        print(path)
    return 0
