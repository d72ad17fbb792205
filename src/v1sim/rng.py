"""A counter-based random stream for numba kernels: the same numbers whatever thread runs which item.

Each item (a target cell, say) seeds its own SplitMix64 stream from (seed, item), so results do not depend on
how a parallel loop is scheduled, and two passes over the same item draw the same numbers.
SplitMix64: Steele, Lea & Flood (2014), "Fast splittable pseudorandom number generators", OOPSLA.
"""

from __future__ import annotations

import numba
import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TWO_POW_53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def stream(seed: int, item: int) -> np.uint64:
    """The starting state of item ``item``'s stream under ``seed``."""
    return _mix(_mix(np.uint64(seed) + _GAMMA) ^ (np.uint64(item) * _GAMMA + np.uint64(1)))


@numba.njit(cache=True, inline="always")
def uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """Advance the stream; return the new state and a uniform number in (0, 1]."""
    state = state + _GAMMA
    return state, (float(_mix(state) >> np.uint64(11)) + 1.0) * _TWO_POW_53
