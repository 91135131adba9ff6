"""What closes, learned on one half of the leads and judged on the other.

:class:`HeldOutProfile` is the one way the app learns a profile: the Profile page's
*Start from what closes* and its "What actually closes" ranking, and the Diagnosis'
stand-in profile when no profile is stated (:mod:`funnel.findings.profile`). The split
and why it is a random half: :mod:`funnel.analyses.profile.split`.
"""

from __future__ import annotations

import polars as pl

from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.learned import LearnedProfile
from funnel.analyses.profile.prepared import PreparedLeads
from funnel.analyses.profile.split import SPLIT_SEED, learning_half, mark_learned
from funnel.dataset.tables import Dataset


class HeldOutProfile:
    """Learn what closes on a random half of the leads; judge it on the other half.

    Parameters
    ----------
    min_support
        Fewest leads (of the learning half) a value needs (default 30).
    max_criteria
        Most criteria the learned profile gets (default 4).
    channels
        Whether the learned *profile* may use channel fields (``source``, ``campaign``
        and fields named like them, :func:`~funnel.analyses.profile.traits.is_channel_field`).
        ``False`` by default: the profile is used to judge sources and campaigns, and
        one built from them would judge them by construction. The ranking
        (``learned_``, ``values_``) keeps them either way.
    seed
        Seed of the split (:func:`~funnel.analyses.profile.split.learning_half`).
    name
        The learned profile's name.

    Attributes
    ----------
    learned_ : LearnedProfile
        Fitted on the learning half (which values win there; what was left out, why).
    values_ : polars.DataFrame
        ``learned_.values_`` (no missing rows) with each value measured on the judging
        half: ``judged_leads, judged_won, judged_rate, judged_lift, judged_low,
        judged_high`` (:meth:`LearnedProfile.judge`).
    profile_ : Profile
        The learned profile (no criteria when nothing separates winners), marked with
        its split (:func:`~funnel.analyses.profile.split.mark_learned`) so any
        :class:`ProfileFit` of it judges it on the judging half only.
    check_ : ProfileFit or None
        ``profile_`` fitted on the leads (``None`` without criteria): its share in
        profile is over all leads, its ``outcomes_`` and ``rate_ratio_`` over the
        judging half.
    n_learn_, n_judge_ : int
        Leads in the learning and in the judging half.
    rate_ratio_ : tuple
        ``(ratio, low, high)``: the win rate in vs out of profile on the judging half.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> h = HeldOutProfile().fit(load_sample())
    >>> sorted(c.field for c in h.profile_.criteria)
    ['Budget Confirmed', 'Industry', 'Job Title', 'Number of Employees']
    >>> h.n_learn_ + h.n_judge_, h.check_.judged_on_ == h.n_judge_
    (30000, True)
    """

    def __init__(self, *, min_support: int = 30, max_criteria: int = 4, channels: bool = False,
                 seed: int = SPLIT_SEED, name: str = "Learned: what closes"):
        self.min_support = min_support
        self.max_criteria = max_criteria
        self.channels = channels
        self.seed = seed
        self.name = name

    def fit(self, data: Dataset | pl.DataFrame, *,
            prepared: PreparedLeads | None = None) -> HeldOutProfile:
        """Learn on one half of ``data``'s leads and judge on the other; returns ``self``.
        ``prepared``: ``data``'s leads already prepared for profile fits
        (:func:`~funnel.analyses.profile.prepared.prepare_profile`), whose split and coded
        fields are then reused (ignored when prepared from other leads)."""
        leads = data.leads if isinstance(data, Dataset) else data
        mapping = data.mapping if isinstance(data, Dataset) else None
        if prepared is not None and (prepared.leads is not leads or prepared.mapping != mapping):
            prepared = None
        learn = (prepared.learning_half(self.seed) if prepared is not None
                 else learning_half(leads, seed=self.seed))
        self.n_learn_ = int(learn.sum())
        self.n_judge_ = leads.height - self.n_learn_
        self.learned_ = LearnedProfile(min_support=self.min_support).fit(data, rows=learn)
        self.values_ = self.learned_.judge(data, rows=~learn)
        prof = self.learned_.profile(max_criteria=self.max_criteria, name=self.name,
                                     channels=self.channels)
        self.profile_ = (mark_learned(prof, learned_on=self.n_learn_,
                                      judged_on=self.n_judge_, seed=self.seed)
                         if prof.criteria else prof)
        self.check_ = (ProfileFit(self.profile_, mapping=mapping).fit(
            data if prepared is None else prepared)
                       if prof.criteria else None)
        self.rate_ratio_ = (self.check_.rate_ratio_ if self.check_ is not None
                            else (None, None, None))
        return self

    def top(self, n: int = 15) -> pl.DataFrame:
        """The ``n`` best values of the learning half (as :meth:`LearnedProfile.top`) with
        their ratio measured on the judging half."""
        best = self.learned_.top(n)
        return self.values_.join(best.select("attribute", "value"), on=["attribute", "value"],
                                 how="semi", maintain_order="left")
