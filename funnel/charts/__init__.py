"""Chart builders: aggregated frames in, ``altair.Chart`` out (no Streamlit calls).

One module per analysis area; builders never receive row-level personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import altair as alt
import polars as pl


def data(frame: pl.DataFrame) -> alt.Data:
    """An aggregated frame as inline chart data (categorical columns as text).

    Examples
    --------
    >>> data(pl.DataFrame({"x": [1]})).to_dict()
    {'values': [{'x': 1}]}
    """
    return alt.Data(values=rows(frame))


def rows(frame: pl.DataFrame) -> list[dict]:
    """The rows :func:`data` holds: one dict per row, categorical columns as text.

    Examples
    --------
    >>> rows(pl.DataFrame({"x": ["a"]}, schema={"x": pl.Categorical}))
    [{'x': 'a'}]
    """
    out = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                             if isinstance(t, pl.Enum | pl.Categorical))
    return out.to_dicts()


class ChartParts(NamedTuple):
    """A chart in two parts: the frame it draws and its layout (Altair), so a page can
    reuse the layout's spec for new data of the same shape
    (:func:`funnel.outputs.export.parts_spec`) instead of rebuilding the chart.

    ``layout(data, **shape)`` builds the chart (:meth:`build`); ``shape`` holds what the
    layout needs besides the rows (orders, labels), each a string, a number, ``None`` or
    a list. The layout draws ``data`` as given, in every layer (as ``alt.Chart(data)`` or
    inline, :func:`data`): rows it needs changed or derived are prepared before (a layout
    that does not is built in full on each run).

    Examples
    --------
    >>> def dots(d, *, title):
    ...     return alt.Chart(d).mark_point().encode(x=alt.X("x:Q")).properties(title=title)
    >>> ChartParts(dots, pl.DataFrame({"x": [1]}), {"title": "T"}).build().to_dict()["title"]
    'T'
    """

    layout: Callable[..., alt.TopLevelMixin]
    data: pl.DataFrame
    shape: dict
    text: tuple[str, ...] = ()
    """The ``shape`` options that are only shown as text (a title), never a field name."""

    def build(self) -> alt.TopLevelMixin:
        """The chart itself: ``layout(data, **shape)``."""
        return self.layout(self.data, **self.shape)
