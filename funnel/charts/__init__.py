"""Chart builders: aggregated frames in, ``altair.Chart`` out (no Streamlit calls).

One module per analysis area; builders never receive row-level personal data.
"""

from __future__ import annotations

import altair as alt
import polars as pl


def data(frame: pl.DataFrame) -> alt.Data:
    """An aggregated frame as inline chart data (categorical columns as text).

    Examples
    --------
    >>> data(pl.DataFrame({"x": [1]})).to_dict()
    {'values': [{'x': 1}]}
    """
    out = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                             if isinstance(t, pl.Enum | pl.Categorical))
    return alt.Data(values=out.to_dicts())
