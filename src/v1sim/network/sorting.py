"""Linear-time grouping of tens of millions of edges (counting sort), compiled with numba."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _counting_order(keys: np.ndarray, n_keys: int, start: np.ndarray) -> np.ndarray:
    order = np.empty(len(keys), dtype=np.int64)
    cursor = start[:-1].copy()
    for i in range(len(keys)):
        k = keys[i]
        order[cursor[k]] = i
        cursor[k] += 1
    return order


@numba.njit(cache=True)
def _counting_order_of(perm: np.ndarray, keys: np.ndarray, n_keys: int, start: np.ndarray) -> np.ndarray:
    """Stable counting sort of ``perm`` by ``keys[perm]``."""
    order = np.empty(len(perm), dtype=np.int64)
    cursor = start[:-1].copy()
    for i in range(len(perm)):
        k = keys[perm[i]]
        order[cursor[k]] = perm[i]
        cursor[k] += 1
    return order


def group_pointers(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """CSR row pointers (length ``n_keys + 1``) of integer ``keys`` in 0..n_keys-1."""
    pointers = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=pointers[1:])
    return pointers


def lexsort_two_keys(
    primary: np.ndarray, n_primary: int, secondary: np.ndarray, n_secondary: int
) -> np.ndarray:
    """Permutation ordering by ``(primary, secondary)``, both small non-negative integers; stable, O(n).

    Two counting-sort passes (secondary first, then a stable pass on primary), as a radix sort does.
    """
    if len(primary) and np.all(secondary[1:] >= secondary[:-1]):
        first = np.arange(
            len(secondary), dtype=np.int64
        )  # already ordered by the secondary key (common in SONATA)
    else:
        first = _counting_order(secondary, n_secondary, group_pointers(secondary, n_secondary))
    return _counting_order_of(first, primary, n_primary, group_pointers(primary, n_primary))
