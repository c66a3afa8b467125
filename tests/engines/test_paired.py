"""Paired change: the mean of each teacher's own change, its 95% interval (Student's t) and Cohen's d_z.

Checked against scipy's own paired t-test and the standard library, computed independently here.
"""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from diagnostic.engines.paired import paired_change

levels = st.integers(min_value=1, max_value=5)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(levels, levels), min_size=2, max_size=60))
def test_the_interval_and_effect_size_agree_with_an_independent_paired_t_test(pairs):
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    found = paired_change(before, after)
    diffs = [a - b for b, a in pairs]
    assert found["n"] == len(pairs)
    assert found["change"] == pytest.approx(statistics.fmean(diffs), abs=1e-3)
    assert found["before"] == pytest.approx(statistics.fmean(before), abs=1e-3)
    spread = statistics.stdev(diffs)
    if spread == 0:
        assert found["effect_size"] is None
        assert found["ci"] == [pytest.approx(found["change"], abs=1e-3)] * 2
        return
    low, high = stats.ttest_rel(after, before).confidence_interval(0.95)
    assert found["ci"] == [pytest.approx(low, abs=1e-3), pytest.approx(high, abs=1e-3)]
    assert found["effect_size"] == pytest.approx(statistics.fmean(diffs) / spread, abs=1e-3)


def test_only_complete_pairs_count():
    found = paired_change([1, None, 3, 2], [2, 4, None, 4])
    assert found["n"] == 2 and found["change"] == 1.5 and found["before"] == 1.5


@pytest.mark.parametrize(("before", "after"), [([], []), ([3], [4]), ([None, 2], [5, None])])
def test_with_fewer_than_two_teachers_there_is_no_range_and_no_effect_size(before, after):
    found = paired_change(before, after)
    assert found["ci"] is None and found["effect_size"] is None and found["sd"] is None
    assert found["n"] == sum(b is not None and a is not None for b, a in zip(before, after, strict=True))
