"""Chart specs for new data without rebuilding the chart: a layout's spec reused.

Building an Altair chart and turning it into its Vega-Lite spec takes 5–35 ms (Altair
copies every layer each time a layered chart is touched); a page that redraws its charts
on every filter change pays that for each chart. A chart given as
:class:`funnel.charts.ChartParts` (its rows, its layout and the layout's options) has the
same spec for every frame of the same columns and options, but for its rows: the layout is
built once on no rows, with a marker in place of each list option (orders, colours), and
each new frame fills in its rows and lists (:func:`parts_spec`); the rows go where the
layout put them: a named dataset (a frame given to ``alt.Chart``) or inline values (a frame
given as :func:`funnel.charts.data`). Options named in ``parts.text`` (a title) are
filled in the same way. The result is the spec
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

from funnel.charts import ChartParts, rows
from funnel.charts import data as inline_data
from funnel.outputs.export import chart_spec

_MARK = "\x00list:"
_TEXT = "\x00text:"
_ROWS = "\x00rows"
_FULL: dict = {}
"""Kept in place of a template for a layout that cannot have one (built in full)."""


def _is_marked(name: str, value: Any) -> bool:
    """Whether option ``name`` goes into the template as a marker: a non-empty list of text."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


def _markers(parts: ChartParts) -> dict[str, Any]:
    """Each marked option's marker (as the layout receives it) → its value this frame."""
    out: dict[str, Any] = {}
    for k, v in parts.shape.items():
        if k in parts.text and isinstance(v, str):
            out[_TEXT + k] = v
        elif _is_marked(k, v):
            out[_MARK + k] = v
    return out


def parts_key(parts: ChartParts) -> tuple:
    """What a chart's template depends on: its layout, its columns and their types, and
    its options (list and text options only by name: they are filled in per frame).

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
    marked = {m.removeprefix(_MARK).removeprefix(_TEXT) for m in _markers(parts)}
    options = tuple(sorted((k, _MARK if k in marked else _frozen(v))
                           for k, v in parts.shape.items()))
    layout = f"{parts.layout.__module__}.{parts.layout.__qualname__}"
    return layout, tuple((c, str(t)) for c, t in parts.data.schema.items()), options


def _dumped(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _rows_marked(node: Any, rows: str) -> tuple[Any, int]:
    """``node`` with every ``{"values": <the frame's inline rows>}`` holding the rows marker
    instead, and how many there were (``rows`` is those rows as JSON)."""
    if isinstance(node, dict):
        if isinstance(node.get("values"), list) and _dumped(node["values"]) == rows:
            return {**node, "values": _ROWS}, 1
        out, n = {}, 0
        for k, v in node.items():
            out[k], m = _rows_marked(v, rows)
            n += m
        return out, n
    if isinstance(node, list):
        pairs = [_rows_marked(v, rows) for v in node]
        return [p for p, _ in pairs], sum(m for _, m in pairs)
    return node, 0


def parts_template(parts: ChartParts) -> dict | None:
    """The spec of ``parts``' layout, each list or text option a marker, its rows left out
    (see :func:`parts_spec`); ``None`` when the layout draws other rows than
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
    shape.update({k: _TEXT + k for k, v in parts.shape.items()
                  if k in parts.text and isinstance(v, str)})
    spec = chart_spec(parts.layout(parts.data, **shape), validate=False)
    datasets = spec.pop("datasets", None) or {}
    if datasets:  # the rows as a named dataset
        if list(datasets) != [_rows(parts.data)[0]]:
            return None
        return {**spec, "datasets": dict.fromkeys(datasets, [])}
    spec, found = _rows_marked(spec, _dumped(_inline(parts.data)))  # the rows inline
    return spec if found else None


def _rows(data: pl.DataFrame) -> tuple[str, list]:
    """``data``'s dataset as Altair writes it into a spec: its rows through Altair's data
    transformer (dates as text, at most its row limit), named by a hash of them as Altair
    names a dataset (a template checks the name, :func:`parts_template`)."""
    import altair as alt  # noqa: PLC0415  (lazy: heavy)

    values = alt.data_transformers.get()(data)["values"]
    if values == [{}]:
        return "empty", values
    return "data-" + hashlib.sha256(_dumped(values).encode()).hexdigest()[:32], values


def _inline(data: pl.DataFrame) -> list:
    """``data``'s rows as a spec holds them inline (:func:`funnel.charts.data`): Altair
    keeps numbers, text, booleans and nulls as they are, and rewrites dates (its own
    conversion then)."""
    if all(t.is_numeric() or t in (pl.String, pl.Boolean, pl.Null)
           or isinstance(t, pl.Enum | pl.Categorical) for t in data.schema.values()):
        return rows(data)
    return inline_data(data).to_dict(validate=False)["values"]


def _filled(node: Any, fill: dict[str, Any], names: dict[str, str]) -> Any:
    """A fresh copy of the template ``node`` with its markers and dataset name replaced."""
    if isinstance(node, dict):
        return {k: (names.get(v, v) if k == "name" and isinstance(v, str)
                    else _filled(v, fill, names)) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0].startswith(_MARK):
            return list(fill[node[0]])
        return [_filled(v, fill, names) for v in node]
    if isinstance(node, str) and node == _ROWS:
        return fill[_ROWS]()
    if isinstance(node, str) and node.startswith(_TEXT) and node in fill:
        return fill[node]
    if isinstance(node, str) and (_MARK in node or _TEXT in node):
        raise LookupError(f"a marker was rewritten by the layout: {node!r}")
    return node


def parts_spec(parts: ChartParts, *, templates: MutableMapping | None = None) -> dict:
    """The Vega-Lite spec of ``parts``' chart (as :func:`~funnel.outputs.export.chart_spec`
    gives it, not validated), from its layout's template in ``templates`` (made and stored
    there when missing; the caller bounds it) with this frame's rows, lists and texts
    filled in.

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
    fill: dict[str, Any] = {**_markers(parts), _ROWS: lambda: _inline(parts.data)}
    datasets = template.get("datasets")
    names: dict[str, str] = {}
    if datasets:
        (old,) = datasets
        name, values = _rows(parts.data)
        names[old] = name
    try:
        spec = _filled({k: v for k, v in template.items() if k != "datasets"}, fill, names)
    except LookupError:
        return chart_spec(parts.build(), validate=False)
    if datasets:
        spec["datasets"] = {name: values}
    return spec
