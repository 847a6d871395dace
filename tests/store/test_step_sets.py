"""Distinct steps and unions of series' steps: the same answers as `np.unique`, without its cost."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from runyard.store.codec import distinct_steps, sorted_union

steps_lists = st.lists(st.integers(min_value=0, max_value=2**62), max_size=60)


@given(steps_lists)
def test_distinct_steps_equals_numpys_unique(values: list[int]) -> None:
    steps = np.asarray(values, dtype=np.int64)
    assert np.array_equal(distinct_steps(steps), np.unique(steps))


@given(st.lists(steps_lists, min_size=1, max_size=5))
def test_sorted_union_equals_the_unique_of_all_steps(arrays: list[list[int]]) -> None:
    step_arrays = [np.unique(np.asarray(a, dtype=np.int64)) for a in arrays]
    assert np.array_equal(sorted_union(step_arrays), np.unique(np.concatenate(step_arrays)))


def test_keys_logged_together_share_their_steps() -> None:
    shared = np.arange(5, dtype=np.int64)
    assert np.array_equal(sorted_union([shared, shared.copy()]), shared)
    assert np.array_equal(sorted_union([np.array([0, 2]), np.array([1, 2, 3])]), [0, 1, 2, 3])
