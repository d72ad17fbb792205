"""The connectome as a sparse matrix: adjacency from the convert stage's outputs, and its symmetrisation.

The graph's nodes are the nodes of every population an edge population of the selection touches (for the default
selection, the circuit's recurrent edge populations — those whose sources are simulated cells, ``v1_to_v1`` in
the built-in column — that is the simulated cells), in engine-index order. ``A[i, j]`` is the weight of the directed
connections from node ``i`` to node ``j``: the sum over the edges joining them of ``|weight_pa|``, of their
synapse counts (``nsyns``), or of 1. Community detection and METIS need an undirected graph: :func:`symmetrise`
makes one (``A + Aᵀ``, ``max(A, Aᵀ)`` or ``(A + Aᵀ) / 2``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

from v1sim.analysis.classes import AUTO, read_cells
from v1sim.errors import V1SimInputError
from v1sim.network.compiled import FORMAT as COMPILED_FORMAT
from v1sim.storage import checked_h5, read_parquet

WEIGHTS = ("abs_weight", "synapses", "binary")
SYMMETRISATIONS = ("sum", "max", "mean")
ISOLATED = ("keep", "drop")
#: Columns of nodes.parquet the graph stage needs, and those it uses where the circuit has them (NaN otherwise).
NODE_COLUMNS = ["population", "node_id", "engine_index", "model_type"]
OPTIONAL_NODE_COLUMNS = ["x", "y", "z"]


@dataclass
class Adjacency:
    """A directed weighted graph over a set of network nodes.

    ``matrix`` is CSR, rows = sources, columns = targets, float64; ``nodes`` has one row per graph node (columns
    of :data:`NODE_COLUMNS` and :data:`OPTIONAL_NODE_COLUMNS`, and ``cell_class``) in the same order.
    """

    matrix: sp.csr_matrix
    nodes: pd.DataFrame
    weight: str
    edge_populations: list[str]
    n_edges: int  #: SONATA edges selected (before pairs joined by several edges were summed)

    @property
    def n_nodes(self) -> int:
        return self.matrix.shape[0]


def _read_nodes(path: Path, class_column: str) -> pd.DataFrame:
    nodes = read_cells(path, NODE_COLUMNS, class_column, OPTIONAL_NODE_COLUMNS)
    nodes = nodes.sort_values("engine_index").reset_index(drop=True)
    if not np.array_equal(nodes["engine_index"].to_numpy(), np.arange(len(nodes))):
        raise V1SimInputError(path, "engine_index", "not the engine indices 0..n-1 of every node")
    return nodes


@contextlib.contextmanager
def _open_compiled(path: Path) -> Iterator[h5py.File]:
    """compiled_network.h5 opened for reading: a missing, foreign or corrupt file is one input error."""
    if not path.is_file():
        raise V1SimInputError(path, None, "compiled network not found (run v1sim convert)")
    with checked_h5(path, "compiled network") as h5:
        if h5.attrs.get("format") != COMPILED_FORMAT:
            raise V1SimInputError(path, "format", f"not a {COMPILED_FORMAT} file (run v1sim convert)")
        yield h5


def _edge_population_codes(h5: h5py.File, path: Path, wanted: list[str]) -> np.ndarray:
    names = [s.decode() if isinstance(s, bytes) else s for s in h5["edge_populations/name"][:]]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise V1SimInputError(
            path,
            "edge_populations",
            f"no edge population {unknown[0]!r} (the network has {', '.join(names)})",
        )
    return np.array([names.index(name) for name in wanted], dtype=np.int64)


def _compiled_edges(path: Path, wanted: list[str], weight: str) -> tuple[np.ndarray, ...]:
    """The selected edges of compiled_network.h5 as CSR pieces over engine indices: kept edges per source,
    their targets (engine indices, in file order: by source, then target) and weights."""
    with _open_compiled(path) as h5:
        codes = _edge_population_codes(h5, path, wanted)
        syn = h5["synapses"]
        indptr = syn["indptr"][:]
        keep = np.isin(syn["edge_population"][:], codes)
        kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        per_source = kept_before[indptr[1:]] - kept_before[indptr[:-1]]
        del kept_before
        target = syn["target"][:][keep]
        values = np.abs(syn["weight_pa"][:][keep]) if weight == "abs_weight" else np.ones(len(target))
    return per_source, target, values


def _parquet_synapse_counts(network: Path, wanted: list[str], nodes: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Sources, targets (engine indices) and nsyns of the selected edge populations' Parquet tables."""
    keys = pd.MultiIndex.from_arrays([nodes["population"], nodes["node_id"]])
    parts = []
    for name in wanted:
        path = network / "edges" / f"{name}.parquet"
        if not path.is_file():
            raise V1SimInputError(path, None, "edge table not found (run v1sim convert)")
        columns = ["source_population", "source_node_id", "target_population", "target_node_id", "nsyns"]
        table = read_parquet(path, columns=columns)
        ends = []
        for end in ("source", "target"):
            where = keys.get_indexer(
                pd.MultiIndex.from_arrays([table[f"{end}_population"], table[f"{end}_node_id"]])
            )
            if (where < 0).any():
                raise V1SimInputError(
                    path,
                    f"{end}_node_id",
                    f"node {table[f'{end}_node_id'].iloc[np.argmax(where < 0)]} absent",
                )
            ends.append(nodes["engine_index"].to_numpy()[where])
        parts.append((ends[0], ends[1], table["nsyns"].to_numpy(np.float64)))
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(3))


def recurrent_edge_populations(compiled: str | Path) -> list[str]:
    """The edge populations of a compiled_network.h5 whose sources are simulated cells (none of their edges
    leaves a virtual population), in the file's order."""
    path = Path(compiled)
    with _open_compiled(path) as h5:
        names = [s.decode() if isinstance(s, bytes) else s for s in h5["edge_populations/name"][:]]
        pops = h5["populations"]
        indptr = h5["synapses/indptr"]
        codes = h5["synapses/edge_population"]
        from_virtual: set[int] = set()
        for offset, size, virtual in zip(pops["offset"][:], pops["size"][:], pops["virtual"][:], strict=True):
            if virtual:
                lo, hi = int(indptr[int(offset)]), int(indptr[int(offset + size)])
                from_virtual.update(np.unique(codes[lo:hi]).tolist())
    return [name for code, name in enumerate(names) if code not in from_virtual]


def load_adjacency(
    network: str | Path,
    edge_populations: list[str] | tuple[str, ...] | None = None,
    weight: str = "abs_weight",
    isolated: str = "keep",
    class_column: str = AUTO,
) -> Adjacency:
    """The directed adjacency of the selected edge populations of a convert-stage output folder ``network``.

    ``edge_populations``: None selects the recurrent ones (:func:`recurrent_edge_populations`).
    ``weight``: ``abs_weight`` (|weight_pa|, pA, from compiled_network.h5), ``synapses`` (nsyns, from
    ``edges/<population>.parquet``) or ``binary`` (1 per edge). Several edges joining one pair are summed.
    ``isolated``: ``keep`` nodes without a selected edge (as singletons) or ``drop`` them from the graph.
    ``class_column`` names the nodes' classes (:mod:`v1sim.analysis.classes`).
    """
    network = Path(network)
    if edge_populations is None:
        edge_populations = recurrent_edge_populations(network / "compiled_network.h5")
        if not edge_populations:
            raise V1SimInputError(
                network / "compiled_network.h5", "edge_populations", "the network has no recurrent edges"
            )
    wanted = list(edge_populations)
    if not wanted:
        raise V1SimInputError(None, "graph.edge_populations", "the edge selection is empty")
    if weight not in WEIGHTS:
        raise V1SimInputError(None, "graph.weight", f"unknown weight {weight!r}; choose one of {WEIGHTS}")
    if isolated not in ISOLATED:
        raise V1SimInputError(
            None, "graph.isolated", f"unknown choice {isolated!r}; choose one of {ISOLATED}"
        )
    nodes = _read_nodes(network / "nodes.parquet", class_column)
    if weight == "synapses":
        source, target, values = _parquet_synapse_counts(network, wanted, nodes)
        per_source = np.bincount(source, minlength=len(nodes))
    else:
        per_source, target, values = _compiled_edges(network / "compiled_network.h5", wanted, weight)
        source = None
    if len(target) == 0:
        raise V1SimInputError(network, "edge_populations", f"the selection {wanted} has no edges")
    touched = per_source > 0
    touched[target] = True
    population, _ = pd.factorize(nodes["population"])
    members = np.flatnonzero(np.isin(population, np.unique(population[touched])))
    if isolated == "drop":
        members = members[touched[members]]
    position = np.full(len(nodes), -1, np.int64)
    position[members] = np.arange(len(members))
    shape = (len(members), len(members))
    if source is None:  # already grouped by source, in engine order: build the CSR directly
        indptr = np.concatenate([[0], np.cumsum(per_source[members])])
        matrix = sp.csr_matrix((values, position[target].astype(np.int32), indptr), shape=shape)
    else:
        matrix = sp.csr_matrix((values, (position[source], position[target])), shape=shape)
    matrix.sum_duplicates()
    n_edges = len(target)
    graph_nodes = nodes.iloc[members].reset_index(drop=True)
    return Adjacency(matrix, graph_nodes, weight, wanted, n_edges)


def symmetrise(matrix: sp.spmatrix, how: str = "sum") -> sp.csr_matrix:
    """An undirected version of a directed adjacency: ``A + Aᵀ``, ``max(A, Aᵀ)`` or ``(A + Aᵀ) / 2``."""
    if how not in SYMMETRISATIONS:
        raise V1SimInputError(
            None, "graph.symmetrise", f"unknown choice {how!r}; choose one of {SYMMETRISATIONS}"
        )
    matrix = sp.csr_matrix(matrix)
    if how == "max":
        out = matrix.maximum(matrix.T.tocsr())
    else:
        out = matrix + matrix.T.tocsr()
        if how == "mean":
            out = out * 0.5
    out = sp.csr_matrix(out)
    out.sort_indices()
    return out
