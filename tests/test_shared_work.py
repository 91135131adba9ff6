"""Work the Diagnosis shares across places and passes (issue 14): the same numbers as the
column-by-column way, computed once."""

import dataclasses

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Profile
from funnel.analyses.profile.fields import Codes
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.analyses.profile.learned import LearnedProfile
from funnel.analyses.profile.prepared import prepare_profile
from funnel.analyses.profile.split import learning_half
from funnel.analyses.profile.tally import TextCodes
from funnel.analyses.profile.traits import clean_values, filled_reason, id_reason
from funnel.findings.base import Context, Settings
from funnel.findings.registry import REGISTRY
from funnel.findings.strata import source_codes, stratum_attributes, stratum_codes
from funnel.sample import load_sample
from funnel.stats.codes import first_seen_codes, integer_codes

TEXTS = {
    "placeholders": ["Retail", " retail", "unknown", None, "N/A", "Software"] * 10,
    "ids": [f"{i:032x}" for i in range(60)],
    "named by case": ["a", "A", "b", "B ", "b"] * 12,
    "one value": ["x"] * 30 + [None] * 30,
}


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("every", [1, 2, 3])
def test_tally_answers_as_the_cleaned_column(name, every):
    s = pl.Series(name, TEXTS[name])
    rows = np.arange(s.len()) % every == 0
    won = (np.arange(rows.sum()) % 4 == 0)
    cleaned = clean_values(s.filter(pl.Series(rows)))
    t = TextCodes.of(s).tally(won, rows)
    assert (t.len(), t.null_count(), t.n_unique(), t.id_reason(), t.filled_reason()) == (
        cleaned.len(), cleaned.null_count(), cleaned.n_unique(), id_reason(cleaned),
        filled_reason(cleaned, pl.Series(won)))


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_text_and_compact_text_are_coded_alike(name):
    text = pl.Series(name, TEXTS[name] + [None, "late"], dtype=pl.String)
    compact = text.cast(pl.Categorical)
    a, b = TextCodes.of(text), TextCodes.of(compact)
    assert (a.codes.tolist(), a.cleaned.to_list()) == (b.codes.tolist(), b.cleaned.to_list())
    c, d = Codes(text), Codes(compact)
    assert (c.keys, c.labels, c.codes.tolist(), c.counts.tolist()) == (
        d.keys, d.labels, d.codes.tolist(), d.counts.tolist())


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical])
@pytest.mark.parametrize("values", [[], [None, None], ["b", None, "a", "b"]])
def test_first_seen_codes_index_the_texts_in_order_of_appearance(values, dtype):
    texts, codes = first_seen_codes(pl.Series("v", values, dtype=dtype))
    back = [texts[int(i)] if i < texts.len() else None for i in codes]
    assert (back, texts.to_list()) == (values, list(dict.fromkeys(v for v in values if v)))


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(pl.all())


def test_learned_profile_on_some_rows_counts_as_on_those_rows_alone():
    rng = np.random.default_rng(3)
    n = 3000
    frame = pl.DataFrame({
        "lead_id": [str(i) for i in range(n)],
        "Industry": [["Retail", "retail ", "Software", "unknown", None][i]
                     for i in rng.integers(0, 5, n)],
        "Size": rng.integers(1, 500, n).astype(float),
        "outcome": rng.choice(["won", "lost", "lost"], n)})
    rows = rng.random(n) < 0.5
    on_rows = LearnedProfile().fit(frame, rows=rows)
    alone = LearnedProfile().fit(frame.filter(pl.Series(rows)))
    assert _sorted(on_rows.values_).equals(_sorted(alone.values_))
    assert _sorted(on_rows.judge(frame, rows=~rows)).equals(
        _sorted(alone.judge(frame.filter(pl.Series(~rows)))))


def test_codes_with_two_equally_common_spellings_keep_every_lead():
    c = Codes(pl.Series(["a", "A", "b", None]))
    assert (c.keys, c.codes.tolist(), c.counts.tolist()) == (["a", "b"], [0, 0, 1, 2], [2, 1, 1])


def test_codes_show_the_first_seen_of_equally_common_spellings():
    words = [f"w{i}" for i in range(8)]
    values = [w.upper() for w in words] + [f" {w}" for w in words]  # each spelt twice, once each
    assert Codes(pl.Series(values * 3)).labels == sorted(w.upper() for w in words)


def test_prepared_leads_hash_the_split_once(sample_ds):
    p = prepare_profile(sample_ds)
    half = p.learning_half(11)
    assert p.learning_half(11) is half and (half == learning_half(sample_ds.leads, seed=11)).all()


def test_held_out_profile_on_prepared_leads_learns_the_same_profile(sample_ds):
    alone = HeldOutProfile().fit(sample_ds)
    shared = HeldOutProfile().fit(sample_ds, prepared=prepare_profile(sample_ds))
    assert (shared.profile_, shared.rate_ratio_) == (alone.profile_, alone.rate_ratio_)


def test_stratum_codes_are_computed_once_per_context(sample_ds):
    ctx = Context.prepare(sample_ds)
    codes = stratum_codes(ctx)
    assert stratum_codes(ctx) is codes and codes.width == len(stratum_attributes(ctx))


def test_stratum_and_source_codes_of_compact_text_are_those_of_its_text(sample_ds):
    compact = [c for c, t in sample_ds.leads.schema.items() if isinstance(t, pl.Categorical)]
    text = dataclasses.replace(sample_ds, leads=sample_ds.leads.cast(
        {c: pl.String for c in compact}))
    assert {"source", "Industry"} <= set(compact)
    a, b = Context.prepare(sample_ds), Context.prepare(text)
    assert_frame_equal(stratum_codes(a), stratum_codes(b))
    assert source_codes(a).to_list() == source_codes(b).to_list()


def test_speed_place_keeps_its_culprit_across_profile_edits():
    ctx = Context.prepare(load_sample())
    REGISTRY["speed"].run(ctx, Settings(), profile=SAMPLE_SALES_PROFILE)
    kept = {k: v for k, v in ctx.cache.items() if isinstance(k, tuple) and k[0] == "speed_culprit"}
    edited = Profile(SAMPLE_SALES_PROFILE.name, SAMPLE_SALES_PROFILE.criteria[:-1])
    again = REGISTRY["speed"].run(ctx, Settings(), profile=edited)
    assert kept and all(ctx.cache[k] is v for k, v in kept.items())
    fresh = REGISTRY["speed"].run(Context.prepare(load_sample()), Settings(), profile=edited)
    assert again.evidence == fresh.evidence


@pytest.mark.parametrize("values", [["b", "a", "b", None], ["z", "(missing)", "a"], [None, None]])
def test_integer_codes_of_compact_text_are_those_of_its_text(values):
    text = pl.DataFrame({"v": values}, schema={"v": pl.String})
    compact = text.cast({"v": pl.Categorical})
    assert integer_codes(compact)["v"].to_list() == integer_codes(text)["v"].to_list()


@pytest.mark.parametrize("values", [["b", "a", "b", None], [3.0, 1.0, 3.0, 2.0],
                                    [True, False, None, True]])
def test_integer_codes_keep_the_groups_of_the_values(values):
    frame = pl.DataFrame({"v": values})
    coded = integer_codes(frame).with_columns(frame["v"].alias("orig"))
    assert coded["v"].dtype == pl.UInt32
    assert coded.group_by("v").agg(pl.col("orig").n_unique())["orig"].max() == 1
    assert coded["v"].n_unique() == frame["v"].n_unique()
