"""K-way partitions of the network onto K chips: METIS and the baselines it is judged against.

METIS (Karypis & Kumar 1998, through pymetis) needs an undirected graph without self-loops and positive integer
edge and vertex weights. :func:`quantise` maps real weights to integers ``1..levels`` (``round(w / w_max ·
levels)``, at least 1) and reports the scale, the fraction of weights raised to 1 (those below half a level) and
the relative change of the total weight, which go into the provenance.

Baselines: a random balanced partition (a seeded permutation cut into K equal runs), slabs of cortical depth
(equal-count cuts along ``y``) and columns (equal-count sectors of the angle around the column's axis in x–z).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from v1sim.errors import V1SimInputError

#: Integer levels of the quantised METIS weights. pymetis's METIS uses 64-bit integers, so sums of a hundred
#: million weights of up to 2^20 cannot overflow, and weights a million times below the largest keep their size.
DEFAULT_LEVELS = 2**20
#: Weights quantised per chunk (bounds the temporary float arrays at full scale).
_CHUNK = 8_000_000
BALANCES = ("nodes", "load")


@dataclass
class Quantised:
    """Integer weights and how they were made: ``integer ≈ value / scale``."""

    values: np.ndarray
    scale: float
    raised_fraction: float  #: weights below half a level, raised to 1
    total_relative_error: float  #: (Σ integer·scale − Σ value) / Σ value


def quantise(values: np.ndarray, levels: int = DEFAULT_LEVELS) -> Quantised:
    """Positive integers ``1..levels`` proportional to ``values`` (> 0), see the module docstring."""
    values = np.asarray(values)
    if len(values) == 0:
        return Quantised(np.zeros(0, np.int64), 1.0, 0.0, 0.0)
    if not (np.isfinite(values).all() and (values > 0).all()):
        raise V1SimInputError(None, "graph weights", "METIS needs finite positive weights")
    scale = float(values.max()) / levels
    integers = np.empty(len(values), np.int64)
    raised, total, total_integer = 0, 0.0, 0
    for start in range(0, len(values), _CHUNK):
        chunk = np.asarray(values[start : start + _CHUNK], dtype=np.float64)
        rounded = np.rint(chunk / scale)
        raised += int(np.count_nonzero(rounded < 1))
        out = integers[start : start + len(chunk)]
        np.maximum(rounded, 1, out=rounded)
        out[:] = rounded
        total += float(chunk.sum())
        total_integer += int(out.sum())
    return Quantised(integers, scale, raised / len(values), (total_integer * scale - total) / total)


def check_k(k: int, n_nodes: int) -> None:
    """Refuse a number of parts METIS cannot make."""
    if int(k) != k or k < 2:
        raise V1SimInputError(None, "graph.k", f"K must be an integer >= 2, got {k}")
    if k > n_nodes:
        raise V1SimInputError(None, "graph.k", f"K = {k} exceeds the {n_nodes} nodes of the graph")


def metis_partition(
    undirected: sp.csr_matrix,
    k: int,
    seed: int = 0,
    vertex_weights: np.ndarray | None = None,
    imbalance: float = 0.02,
    levels: int = DEFAULT_LEVELS,
) -> tuple[np.ndarray, dict[str, float]]:
    """METIS K-way partition of a symmetric adjacency; the part of each node and the quantisation record.

    ``vertex_weights`` (e.g. expected spikes per second) balances that load instead of the node count; they are
    quantised like the edge weights. ``imbalance``: allowed excess of the heaviest part over the mean (0.02 = 2 %).
    """
    import pymetis

    n = undirected.shape[0]
    check_k(k, n)
    graph = sp.csr_matrix(undirected)
    if graph.diagonal().any() or (graph.data == 0).any():  # METIS takes no self-loops or zero weights
        graph = graph.copy()
        graph.setdiag(0)
        graph.eliminate_zeros()
    edges = quantise(graph.data, levels)
    record = {
        "edge_weight_scale": edges.scale,
        "edge_weights_raised_to_1": edges.raised_fraction,
        "edge_weight_total_relative_error": edges.total_relative_error,
    }
    vweights = None
    if vertex_weights is not None:
        load = np.asarray(vertex_weights, dtype=np.float64)
        # A node that carries no load still occupies a slot: give it the smallest positive weight.
        floor = load[load > 0].min() if (load > 0).any() else 1.0
        vertex = quantise(np.maximum(load, floor), levels)
        vweights = vertex.values
        record.update(
            vertex_weight_scale=vertex.scale,
            vertex_weights_raised_to_1=vertex.raised_fraction,
            vertex_weight_total_relative_error=vertex.total_relative_error,
        )
    options = pymetis.Options(seed=seed, ufactor=max(1, round(imbalance * 1000)))
    result = pymetis.part_graph(
        k,
        # int64: METIS's integer type in pymetis, so the arrays are handed over without another copy
        pymetis.CSRAdjacency(graph.indptr.astype(np.int64), graph.indices.astype(np.int64)),
        eweights=edges.values,
        vweights=vweights,
        options=options,
    )
    return np.asarray(result.vertex_part, dtype=np.int64), record


def random_partition(n: int, k: int, seed: int = 0) -> np.ndarray:
    """A balanced random partition: a seeded permutation of the nodes cut into K runs of equal size (±1)."""
    check_k(k, n)
    parts = np.empty(n, np.int64)
    parts[np.random.default_rng(seed).permutation(n)] = np.arange(n) * k // n
    return parts


def _equal_count_cuts(key: np.ndarray, k: int) -> np.ndarray:
    check_k(k, len(key))
    parts = np.empty(len(key), np.int64)
    parts[np.argsort(key, kind="stable")] = np.arange(len(key)) * k // len(key)
    return parts


def slab_partition(depth_um: np.ndarray, k: int) -> np.ndarray:
    """K slabs of cortical depth with equal cell counts (±1)."""
    return _equal_count_cuts(np.asarray(depth_um, dtype=np.float64), k)


def column_partition(x_um: np.ndarray, z_um: np.ndarray, k: int) -> np.ndarray:
    """K columns: sectors of the angle around the column's centre in the x–z plane, equal cell counts (±1)."""
    x, z = np.asarray(x_um, dtype=np.float64), np.asarray(z_um, dtype=np.float64)
    return _equal_count_cuts(np.arctan2(z - z.mean(), x - x.mean()), k)
