"""Pairwise spike-count correlations on a seeded sample of cells from every class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def sample_per_class(
    cell_class: pd.Series, n_spikes: np.ndarray, per_class: int, seed: int, min_spikes: int = 2
) -> np.ndarray:
    """Up to ``per_class`` cells of every class with at least ``min_spikes`` spikes (a silent cell has no
    correlation), drawn with ``seed``; sorted row indices."""
    rng = np.random.default_rng(seed)
    chosen = []
    classes = cell_class.to_numpy()
    for name in sorted(np.unique(classes)):
        rows = np.flatnonzero((classes == name) & (n_spikes >= min_spikes))
        if len(rows) > per_class:
            rows = rng.choice(rows, size=per_class, replace=False)
        chosen.append(rows)
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def count_correlations(counts: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the spike counts of ``rows`` (NaN for a cell without variance)."""
    dense = counts[rows].toarray().astype(np.float64)
    dense -= dense.mean(axis=1, keepdims=True)
    norm = np.sqrt((dense**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = dense / norm[:, None]
    unit[norm == 0] = np.nan
    return unit @ unit.T


def pair_table(correlation: np.ndarray, rows: np.ndarray, cells: pd.DataFrame) -> pd.DataFrame:
    """The distinct pairs (i < j) of the sample: their populations, node ids, classes and correlation."""
    i, j = np.triu_indices(len(rows), k=1)
    a, b = rows[i], rows[j]
    return pd.DataFrame(
        {
            "population_a": cells["population"].to_numpy()[a],
            "node_id_a": cells["node_id"].to_numpy()[a],
            "class_a": cells["cell_class"].to_numpy()[a],
            "population_b": cells["population"].to_numpy()[b],
            "node_id_b": cells["node_id"].to_numpy()[b],
            "class_b": cells["cell_class"].to_numpy()[b],
            "r": correlation[i, j],
        }
    )


def class_pair_means(pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean correlation of the pairs within each class and of all pairs across classes."""
    same = pairs["class_a"] == pairs["class_b"]
    within = pairs[same].groupby("class_a")["r"].agg(["mean", "count"]).rename_axis("cell_class")
    across = pd.DataFrame(
        {"mean": [pairs.loc[~same, "r"].mean()], "count": [int((~same).sum())]}, index=["(across classes)"]
    )
    return pd.concat([within, across]).reset_index(names="cell_class")
