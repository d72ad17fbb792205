"""Child of graph_full_scale.py: read the compiled network's V1→V1 edges (|weight_pa|), symmetrise them
(A + Aᵀ) and run one step: ``louvain`` or ``leiden`` (networkit, 1 thread), ``metis_k<K>``, or the peer
``igraph_louvain`` (python-igraph's community_multilevel).

Arguments: the network folder, the step, the seed. Result: the seconds of each part and what the step found.
"""

from __future__ import annotations

import time


def main(argv: list[str]) -> dict:
    from v1sim.graph.adjacency import load_adjacency, symmetrise

    network, step, seed = argv[0], argv[1], int(argv[2])
    t = {}
    started = time.perf_counter()
    adj = load_adjacency(network, ["v1_to_v1"], "abs_weight")
    t["adjacency"] = time.perf_counter() - started
    mark = time.perf_counter()
    undirected = symmetrise(adj.matrix, "sum")
    t["symmetrise"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result = {"nodes": adj.n_nodes, "edges": adj.n_edges, "undirected_pairs": undirected.nnz // 2}
    if step in ("louvain", "leiden"):
        from v1sim.graph.communities import detect_communities
        from v1sim.graph.measures import modularity

        labels = detect_communities(adj.matrix, undirected, step, 1.0, seed, 1)
        t[step] = time.perf_counter() - mark
        result.update(communities=int(labels.max() + 1), modularity=modularity(undirected, labels))
    elif step.startswith("metis_k"):
        from v1sim.graph.measures import partition_cost
        from v1sim.graph.partition import metis_partition

        k = int(step[len("metis_k") :])
        parts, record = metis_partition(undirected, k, seed)
        t[step] = time.perf_counter() - mark
        cost = partition_cost(adj.matrix, parts, k, None)
        result.update(edge_cut_fraction=cost.edge_cut_fraction, balance=cost.balance_nodes, **record)
    elif step == "igraph_louvain":
        import igraph
        import numpy as np
        import scipy.sparse as sp

        upper = sp.triu(undirected, format="coo")
        graph = igraph.Graph(n=adj.n_nodes, edges=np.column_stack([upper.row, upper.col]), directed=False)
        graph.es["weight"] = upper.data
        t["igraph_build"] = time.perf_counter() - mark
        mark = time.perf_counter()
        clusters = graph.community_multilevel(weights="weight")
        t[step] = time.perf_counter() - mark
        result.update(communities=len(clusters), modularity=clusters.modularity)
    else:
        raise ValueError(f"unknown step {step!r}")
    return {"seconds": {k: round(v, 2) for k, v in t.items()}, **result}
