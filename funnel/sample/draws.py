"""Random draws the stages share."""

from __future__ import annotations

import numpy as np


def pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised).

    Consumes one ``rng.random(len(probs))``.

    Examples
    --------
    >>> pick(np.random.default_rng(0), np.array([[1.0, 0.0], [0.0, 2.0]])).tolist()
    [0, 1]
    """
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)
