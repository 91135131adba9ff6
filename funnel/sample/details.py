"""Stage 9 of a lead's life: the person and company behind it, as the form recorded them.

Each lead gets a name and one of a set of made-up companies of its industry and size
block, with that company's head count and annual revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.profile import Profile
from funnel.sample.world import FIRST_NAMES, LAST_NAMES, WORD_A, WORD_B


@dataclass(frozen=True)
class Details:
    """Each lead's name and company (as indices into the vocabulary) and its size."""

    first: np.ndarray  # index into FIRST_NAMES
    last: np.ndarray  # index into LAST_NAMES
    word: np.ndarray  # company name: index into WORD_A x WORD_B
    suffix: np.ndarray  # company name: suffix 0-4 of the industry
    employees: np.ndarray  # number of employees
    revenue: np.ndarray  # annual revenue in dollars (whole 100,000s)


def contact_details(rng: np.random.Generator, profile: Profile) -> Details:
    """Draw each lead's name, company, head count and revenue.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    profile : funnel.sample.profile.Profile
        The leads' industry and company size block.

    Returns
    -------
    Details
    """
    ind, size_b = profile.ind, profile.size_b
    n = ind.size
    first = rng.integers(0, len(FIRST_NAMES), size=n)
    last = rng.integers(0, len(LAST_NAMES), size=n)
    k_comp = int(np.clip(n // 60, 40, 1500))
    comp_k = rng.integers(0, k_comp, size=n)
    combos = len(WORD_A) * len(WORD_B) * 5
    perm = rng.permutation(combos)[: 3 * k_comp]
    slot = perm[size_b * k_comp + comp_k]
    n_ids = 8 * 3 * k_comp
    comp_id = (ind * 3 + size_b) * k_comp + comp_k
    blk = np.repeat(np.arange(3), k_comp)
    lo = np.array([1.0, 50.0, 1001.0])[blk]
    hi = np.array([49.0, 1000.0, 25_000.0])[blk]
    emp_tab = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).astype(np.int64)
    emp_tab = np.tile(emp_tab, 8)
    rpe_tab = rng.lognormal(np.log(180_000.0), 0.5, n_ids)
    rev_tab = np.maximum(1, np.rint(emp_tab * rpe_tab / 100_000.0)).astype(np.int64) * 100_000
    return Details(
        first=first, last=last, word=slot // 5, suffix=slot % 5,
        employees=emp_tab[comp_id], revenue=rev_tab[comp_id],
    )
