"""Low-dimensional views of population activity: PCA of the time bins (the population's trajectory), UMAP of
the time bins and UMAP of the cells (each cell's binned-rate profile)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import PCA

log = logging.getLogger(__name__)

#: UMAP needs a neighbourhood; with fewer points there is nothing to embed.
MIN_POINTS_FOR_UMAP = 10


def pca_of_bins(counts: sp.csr_matrix, n_components: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the bins × active cells count matrix, on the sparse matrix (ARPACK, implicit centring).

    Returns the bins' scores (bins × components) and the explained-variance ratios. Silent cells carry no
    variance and are left out first. ``n_components`` is capped below the smaller dimension.
    """
    active = np.flatnonzero(counts.getnnz(axis=1) > 0)
    data = counts[active].T.tocsr().astype(np.float64)
    k = min(n_components, min(data.shape) - 1)
    if k < 1:
        return np.zeros((data.shape[0], 0)), np.zeros(0)
    pca = PCA(n_components=k, svd_solver="arpack", random_state=seed)
    scores = pca.fit_transform(data)
    return scores, pca.explained_variance_ratio_


def umap_embedding(features: np.ndarray, seed: int, n_neighbors: int = 15) -> np.ndarray:
    """A seeded 2-D UMAP of the rows of ``features`` (the same seed gives the same embedding); NaN rows when
    there are fewer than ``MIN_POINTS_FOR_UMAP`` points, or no features (no cell spiked)."""
    n = len(features)
    if n < MIN_POINTS_FOR_UMAP:
        log.warning("%d points: too few for UMAP, the embedding is left empty", n)
        return np.full((n, 2), np.nan)
    if features.ndim < 2 or features.shape[1] == 0:
        log.warning("no features (no cell spiked): the UMAP embedding is left empty")
        return np.full((n, 2), np.nan)
    import umap  # imported here: loading umap compiles numba code, seconds the other analyses do not need

    reducer = umap.UMAP(
        n_components=2, n_neighbors=min(n_neighbors, n - 1), min_dist=0.1, random_state=seed, n_jobs=1
    )
    return reducer.fit_transform(features)


def cell_profiles(counts: sp.csr_matrix, rows: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    """The binned-rate profiles of ``rows`` (each z-scored over time: its shape, not its rate), reduced by PCA
    to at most ``n_components`` dimensions: the features of the cell UMAP."""
    dense = counts[rows].toarray().astype(np.float64)
    dense -= dense.mean(axis=1, keepdims=True)
    spread = dense.std(axis=1, keepdims=True)
    dense /= np.where(spread > 0, spread, 1.0)
    k = min(n_components, dense.shape[0] - 1, dense.shape[1] - 1)
    if k < 2:
        return dense
    return PCA(n_components=k, svd_solver="randomized", random_state=seed).fit_transform(dense)


def sample_cells(
    cells: pd.DataFrame, n_spikes: np.ndarray, n_max: int, seed: int, min_spikes: int = 2
) -> np.ndarray:
    """Up to ``n_max`` rows of ``cells`` with at least ``min_spikes`` spikes, drawn with ``seed`` and spread over
    the classes in proportion to their active cells; sorted."""
    eligible = np.flatnonzero(n_spikes >= min_spikes)
    if len(eligible) <= n_max:
        return eligible
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(eligible, size=n_max, replace=False))
