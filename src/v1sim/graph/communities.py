"""Community detection: Louvain and Leiden (networkit) on the undirected graph, directed Leiden (leidenalg).

networkit's parallel Louvain (PLM) and Leiden (ParallelLeiden) handle the full 70 M-edge connectome on a laptop;
they need an undirected graph, so they take :func:`v1sim.graph.adjacency.symmetrise`'s output. leidenalg on
igraph optimises the *directed* modularity (Leicht & Newman 2008) of the graph as it is, but holds the graph in
igraph's memory; it is refused above ``max_edges``.

Every method returns labels renumbered canonically: community 0 is the largest, ties broken by the smallest
node index in the community, so the same partition always gets the same numbers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from v1sim.errors import V1SimInputError

METHODS = ("louvain", "leiden", "leiden_directed")
#: Largest graph (directed edges) given to leidenalg/igraph by default.
DEFAULT_MAX_EDGES_DIRECTED = 20_000_000


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber communities by decreasing size (ties: by the smallest member index)."""
    labels = np.asarray(labels)
    _, first, inverse, sizes = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()]


def _networkit_graph(undirected: sp.csr_matrix):
    import networkit as nk

    upper = sp.triu(undirected, format="coo")  # networkit inserts both directions of each pair
    return nk.GraphFromCoo(
        (upper.data, (upper.row.astype(np.uint64), upper.col.astype(np.uint64))),
        n=undirected.shape[0],
        weighted=True,
        directed=False,
    )


def _networkit_communities(
    undirected: sp.csr_matrix, method: str, resolution: float, seed: int, threads: int
):
    import networkit as nk

    nk.setNumberOfThreads(threads)
    nk.engineering.setSeed(seed, False)
    graph = _networkit_graph(undirected)
    if method == "louvain":
        algorithm = nk.community.PLM(
            graph, refine=True, gamma=resolution, par="none" if threads == 1 else "balanced"
        )
    else:
        algorithm = nk.community.ParallelLeiden(graph, randomize=True, iterations=3, gamma=resolution)
    algorithm.run()
    return np.asarray(algorithm.getPartition().getVector(), dtype=np.int64)


def _leidenalg_communities(
    directed: sp.csr_matrix, resolution: float, seed: int, max_edges: int
) -> np.ndarray:
    import igraph
    import leidenalg

    coo = directed.tocoo()
    if coo.nnz > max_edges:
        raise V1SimInputError(
            None,
            "graph.method",
            f"leiden_directed holds the graph in igraph: {coo.nnz:,} edges exceed graph.max_edges_directed "
            f"({max_edges:,}); use louvain or leiden (undirected) at this size",
        )
    graph = igraph.Graph(n=directed.shape[0], edges=np.column_stack([coo.row, coo.col]), directed=True)
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=coo.data,
        resolution_parameter=resolution,
        n_iterations=2,
        seed=seed,
    )
    return np.asarray(partition.membership, dtype=np.int64)


def detect_communities(
    directed: sp.csr_matrix,
    undirected: sp.csr_matrix,
    method: str = "louvain",
    resolution: float = 1.0,
    seed: int = 0,
    threads: int = 1,
    max_edges_directed: int = DEFAULT_MAX_EDGES_DIRECTED,
) -> np.ndarray:
    """Community label of every node (canonical numbering, see the module docstring).

    ``louvain`` and ``leiden`` run on ``undirected``; ``leiden_directed`` on ``directed``. ``resolution`` is
    the γ of the generalised modularity (1 standard, larger → smaller communities). With ``threads`` > 1
    networkit's schedule can change the result; ``threads = 1`` is reproducible for a given seed.
    """
    if method not in METHODS:
        raise V1SimInputError(None, "graph.method", f"unknown method {method!r}; choose one of {METHODS}")
    if not resolution >= 0:
        raise V1SimInputError(None, "graph.resolution", f"must be >= 0, got {resolution}")
    if directed.shape[0] == 0:
        raise V1SimInputError(None, "graph", "the graph has no nodes")
    if method == "leiden_directed":
        labels = _leidenalg_communities(directed, resolution, seed, max_edges_directed)
    else:
        labels = _networkit_communities(undirected, method, resolution, seed, threads)
    return canonical_labels(labels)
