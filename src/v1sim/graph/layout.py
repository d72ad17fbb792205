"""The community graph (communities joined by their summed connection weight) and a 2-D embedding of it."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def community_graph(
    undirected: sp.csr_matrix, labels: np.ndarray, top: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Summed weights between the ``top`` largest communities (canonical labels: 0 is the largest) and their sizes.

    The diagonal holds each community's internal weight (each undirected pair counted twice, as in ``A + Aᵀ``).
    """
    n_kept = int(min(top, labels.max() + 1))
    sizes = np.bincount(labels)[:n_kept]
    coo = undirected.tocoo()
    a, b = labels[coo.row], labels[coo.col]
    keep = (a < n_kept) & (b < n_kept)
    weights = sp.csr_matrix((coo.data[keep], (a[keep], b[keep])), shape=(n_kept, n_kept))
    weights.sum_duplicates()
    return weights, sizes


def force_layout(weights: sp.csr_matrix, seed: int) -> np.ndarray:
    """2-D force-directed (Fruchterman–Reingold, igraph) layout of a community graph; seeded.

    The attraction between two communities is their connection weight normalised by their internal weights
    (``w_ab / sqrt(w_aa · w_bb)``), so strongly coupled communities sit close whatever their sizes.
    """
    import random

    import igraph

    n = weights.shape[0]
    if n < 2:
        return np.zeros((n, 2))
    dense = weights.toarray()
    internal = np.sqrt(np.maximum(np.diag(dense), 1e-300))
    affinity = dense / np.outer(internal, internal)
    rows, cols = np.triu_indices(n, k=1)
    keep = affinity[rows, cols] > 0
    graph = igraph.Graph(n=n, edges=np.column_stack([rows[keep], cols[keep]]).tolist())
    strength = affinity[rows, cols][keep]
    igraph.set_random_number_generator(random.Random(seed))
    try:
        layout = graph.layout_fruchterman_reingold(
            weights=(strength / strength.max()).tolist() if len(strength) else None, niter=1000
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(layout.coords, dtype=float)
