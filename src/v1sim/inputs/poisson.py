"""Seeded Poisson spike trains written as SONATA spike files, so that every simulator gets the same spikes."""

from __future__ import annotations

import numpy as np


def poisson_spike_trains(
    node_ids: np.ndarray, rate_hz: float, tstop_ms: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Homogeneous Poisson trains for ``node_ids`` on (0, tstop_ms]: (node ids, times in ms), sorted by time."""
    rng = np.random.default_rng(seed)
    node_ids = np.asarray(node_ids, dtype=np.int64)
    counts = rng.poisson(rate_hz * tstop_ms / 1000.0, len(node_ids))
    ids = np.repeat(node_ids, counts)
    times = tstop_ms - rng.uniform(0.0, tstop_ms, len(ids))  # in (0, tstop]: NEST drops spikes at t <= 0
    order = np.lexsort((ids, times))
    return ids[order], times[order]
