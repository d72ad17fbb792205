"""The counting sort that groups synapses equals numpy's stable lexsort."""

from __future__ import annotations

import numpy as np
import pytest

from v1sim.network.sorting import gather, group_pointers, lexsort_two_keys


@pytest.mark.parametrize("presorted", [False, True])
def test_lexsort_two_keys_equals_numpy(presorted: bool) -> None:
    rng = np.random.default_rng(3)
    primary = rng.integers(0, 50, 10_000)
    secondary = rng.integers(0, 70, 10_000)
    if presorted:
        secondary = np.sort(secondary)
    order = lexsort_two_keys(primary, 50, secondary)
    assert np.array_equal(order, np.lexsort((secondary, primary)))  # both stable, so ties agree too


def test_group_pointers_and_gather() -> None:
    keys = np.array([2, 0, 2, 3])
    assert group_pointers(keys, 5).tolist() == [0, 1, 1, 3, 4, 4]
    values = np.array([10.0, 20.0, 30.0])
    assert gather(values, np.array([2, 0, 0]), np.float32).tolist() == [30.0, 10.0, 10.0]
