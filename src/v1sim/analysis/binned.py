"""Spike counts in time bins, as a sparse cells × bins matrix."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from v1sim.analysis.activity import Activity


def bin_edges_ms(activity: Activity, bin_ms: float) -> np.ndarray:
    """Edges of the bins ``[t_start + k·bin, t_start + (k+1)·bin)`` that lie wholly inside the window."""
    if not bin_ms > 0:
        raise ValueError(f"bin width must be positive, got {bin_ms} ms")
    n_bins = int(np.floor((activity.t_stop_ms - activity.t_start_ms) / bin_ms + 1e-9))
    return activity.t_start_ms + bin_ms * np.arange(n_bins + 1)


def binned_counts(activity: Activity, bin_ms: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """Spike counts of every cell in every whole bin (a trailing partial bin is left out), and the bin edges."""
    edges = bin_edges_ms(activity, bin_ms)
    n_bins = len(edges) - 1
    bin_index = np.floor((activity.time_ms - activity.t_start_ms) / bin_ms).astype(np.int64)
    keep = (bin_index >= 0) & (bin_index < n_bins)
    counts = sp.coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int32), (activity.cell[keep], bin_index[keep])),
        shape=(activity.n_cells, n_bins),
    ).tocsr()
    counts.sum_duplicates()
    return counts, edges
