"""A dataset on disk: each table as Parquet, the rest (label, attributes, mapping, health)
as a JSON object, read back as it was written.

One layout for every place that keeps a dataset: a workspace (pseudonymised first, see
:mod:`funnel.outputs.workspace`) and the typed cache of an export
(:mod:`funnel.ingest.cache`). ``<folder>/<table>.parquet`` for each table present and
``rejected.parquet`` for the rejected rows; the JSON object is the caller's to keep (a
workspace adds its own keys to it in ``meta.json``).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import polars as pl

from funnel.dataset.schema import Mapping
from funnel.dataset.tables import (
    REJECTED_SCHEMA,
    Capability,
    Dataset,
    FileReport,
    Health,
    Warning_,
)

TABLES = ("leads", "deals", "activities", "spend")
"""The tables of a :class:`~funnel.dataset.tables.Dataset`, each one Parquet file."""
REJECTED = "rejected"
"""The file stem of the rejected rows."""


def dataset_meta(ds: Dataset) -> dict:
    """What a dataset holds besides its tables, as plain JSON values.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> sorted(dataset_meta(load_sample()))
    ['attributes', 'health', 'label', 'leads', 'mapping']
    """
    h = ds.health
    return {"label": ds.label, "leads": ds.leads.height, "attributes": list(ds.attributes),
            "mapping": ds.mapping.to_dict(),
            "health": {"files": [asdict(f) for f in h.files],
                       "warnings": [asdict(w) for w in h.warnings],
                       "capabilities": [asdict(c) for c in h.capabilities]}}


def write_tables(folder: str | Path, ds: Dataset, *, compression: str = "zstd") -> None:
    """Write ``ds``'s tables and rejected rows as Parquet into ``folder`` (which exists);
    ``compression`` as :meth:`polars.DataFrame.write_parquet` takes it (``lz4`` reads
    back faster, ``zstd`` is smaller)."""
    folder = Path(folder)
    for table in TABLES:
        frame = getattr(ds, table)
        if frame is not None:
            frame.write_parquet(folder / f"{table}.parquet", compression=compression)
    ds.health.rejected.write_parquet(folder / f"{REJECTED}.parquet", compression=compression)


def read_dataset(folder: str | Path, meta: dict) -> Dataset:
    """The dataset written by :func:`write_tables` into ``folder`` with ``meta`` from
    :func:`dataset_meta`.

    Examples
    --------
    >>> import tempfile
    >>> from funnel.sample import load_sample
    >>> ds, where = load_sample(), tempfile.mkdtemp()
    >>> write_tables(where, ds)
    >>> back = read_dataset(where, dataset_meta(ds))
    >>> back.leads.equals(ds.leads), back.health.files == ds.health.files
    (True, True)
    """
    folder = Path(folder)

    def table(name: str) -> pl.DataFrame | None:
        path = folder / f"{name}.parquet"
        return pl.read_parquet(path) if path.exists() else None

    h = meta["health"]
    rejected = table(REJECTED)
    health = Health(
        files=[FileReport(**f) for f in h["files"]],
        rejected=rejected if rejected is not None else pl.DataFrame(schema=REJECTED_SCHEMA),
        warnings=[Warning_(**w) for w in h["warnings"]],
        capabilities=[Capability(**c) for c in h["capabilities"]],
    )
    leads = table("leads")
    if leads is None:
        raise FileNotFoundError(folder / "leads.parquet")
    return Dataset(leads=leads, deals=table("deals"), activities=table("activities"),
                   spend=table("spend"), attributes=list(meta.get("attributes", [])),
                   mapping=Mapping.from_dict(meta.get("mapping", {})), health=health,
                   label=meta.get("label", ""))
