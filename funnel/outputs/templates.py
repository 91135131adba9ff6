"""Chart specs for new data without rebuilding the chart: a layout's spec reused.

Building an Altair chart and turning it into its Vega-Lite spec takes 5–35 ms (Altair
copies every layer each time a layered chart is touched); a page that redraws its charts
on every filter change pays that for each chart. A chart given as
:class:`funnel.charts.ChartParts` (its rows, its layout and the layout's options) has the
same spec for every frame of the same columns and options, but for its rows: the layout is
built once on no rows, with a marker in place of each list option (orders, colours), and
each new frame fills in its rows and lists (:func:`parts_spec`). The result is the spec
:func:`funnel.outputs.export.chart_spec` gives for the built chart (tests check it). A
layout draws its ``data`` as given, in every layer (frames derived from it belong in the
parts function); one that does not (another dataset, rows it changed) or that rewrites a
list marker is built in full every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from typing import Any

import polars as pl

from funnel.charts import ChartParts
from funnel.outputs.export import chart_spec

_MARK = "\x00list:"
_FULL: dict = {}
"""Kept in place of a template for a layout that cannot have one (built in full)."""


def _is_marked(name: str, value: Any) -> bool:
    """Whether option ``name`` goes into the template as a marker: a non-empty list of text."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


def parts_key(parts: ChartParts) -> tuple:
    """What a chart's template depends on: its layout, its columns and their types, and
    its options (the list options only by name: their items are filled in per frame).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_table
    >>> from funnel.charts.leakage import funnel_parts
    >>> leads = load_sample().leads
    >>> a = funnel_parts(funnel_table(leads))
    >>> b = funnel_parts(funnel_table(leads.head(100)))
    >>> parts_key(a) == parts_key(b)
    True
    """
    options = tuple(sorted((k, _MARK if _is_marked(k, v) else _frozen(v))
                           for k, v in parts.shape.items()))
    layout = f"{parts.layout.__module__}.{parts.layout.__qualname__}"
    return layout, tuple((c, str(t)) for c, t in parts.data.schema.items()), options


def parts_template(parts: ChartParts) -> dict | None:
    """The spec of ``parts``' layout, each list option a one-item marker, its rows left
    out (see :func:`parts_spec`); ``None`` when the layout draws other rows than
    ``parts.data`` (a second dataset, or rows it changed): such a chart is built in full.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_table
    >>> from funnel.charts.leakage import funnel_parts
    >>> t = parts_template(funnel_parts(funnel_table(load_sample().leads)))
    >>> t["layer"][0]["encoding"]["y"]["sort"][0].endswith("list:order")
    True
    >>> list(t["datasets"].values())  # the rows are filled in per frame
    [[]]
    """
    shape = {k: [_MARK + k] if _is_marked(k, v) else v for k, v in parts.shape.items()}
    spec = chart_spec(parts.layout(parts.data, **shape), validate=False)
    datasets = spec.pop("datasets", None) or {}
    if list(datasets) != [_rows(parts.data)[0]]:
        return None
    return {**spec, "datasets": dict.fromkeys(datasets, [])}


def _rows(data: pl.DataFrame) -> tuple[str, list]:
    """``data``'s dataset as Altair writes it into a spec: its rows through Altair's data
    transformer (dates as text, at most its row limit), named by a hash of them as Altair
    names a dataset (a template checks the name, :func:`parts_template`)."""
    import altair as alt  # noqa: PLC0415  (lazy: heavy)

    values = alt.data_transformers.get()(data)["values"]
    if values == [{}]:
        return "empty", values
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32], values


def _filled(node: Any, lists: dict[str, list], names: dict[str, str]) -> Any:
    """A fresh copy of the template ``node`` with its markers and dataset name replaced."""
    if isinstance(node, dict):
        return {k: (names.get(v, v) if k == "name" and isinstance(v, str)
                    else _filled(v, lists, names)) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0].startswith(_MARK):
            return list(lists[node[0]])
        return [_filled(v, lists, names) for v in node]
    if isinstance(node, str) and _MARK in node:
        raise LookupError(f"a list marker was rewritten by the layout: {node!r}")
    return node


def parts_spec(parts: ChartParts, *, templates: MutableMapping | None = None) -> dict:
    """The Vega-Lite spec of ``parts``' chart (as :func:`~funnel.outputs.export.chart_spec`
    gives it, not validated), from its layout's template in ``templates`` (made and stored
    there when missing; the caller bounds it) with this frame's rows and lists filled in.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_table
    >>> from funnel.charts.leakage import funnel_parts
    >>> p = funnel_parts(funnel_table(load_sample().leads))
    >>> parts_spec(p, templates={}) == chart_spec(p.build(), validate=False)
    True
    """
    templates = {} if templates is None else templates
    key = parts_key(parts)
    template = templates.get(key)
    if template is None:
        template = templates[key] = parts_template(parts) or _FULL
    if template is _FULL:
        return chart_spec(parts.build(), validate=False)
    (old,) = template["datasets"]
    name, values = _rows(parts.data)
    lists = {_MARK + k: v for k, v in parts.shape.items() if _is_marked(k, v)}
    try:
        spec = _filled({k: v for k, v in template.items() if k != "datasets"}, lists,
                       {old: name})
    except LookupError:
        return chart_spec(parts.build(), validate=False)
    spec["datasets"] = {name: values}
    return spec
