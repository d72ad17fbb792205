"""``v1sim graph``: communities and K-way partitions of a converted network, with their tables, written atomically."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from v1sim.analysis.classes import AUTO, UNKNOWN
from v1sim.errors import V1SimInputError
from v1sim.graph import measures, partition
from v1sim.graph.adjacency import Adjacency, load_adjacency, symmetrise
from v1sim.graph.communities import DEFAULT_MAX_EDGES_DIRECTED, METHODS, detect_communities
from v1sim.graph.layout import community_graph, force_layout
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.storage import read_parquet, write_parquet
from v1sim.taxonomy import layer_of

log = logging.getLogger(__name__)

#: The files ``v1sim graph`` writes into its folder.
TABLES = (
    "nodes.parquet",
    "communities.csv",
    "class_community.csv",
    "community_layout.csv",
    "community_edges.csv",
    "partitions.csv",
    "provenance.json",
)
#: Every file :func:`analyse_graph` writes into its folder.
OUTPUTS = TABLES
SCHEMES = ("metis", "random", "slabs", "columns")


@dataclass
class GraphSettings:
    """The knobs of the graph stage (config.yaml ``graph``)."""

    #: None: the network's recurrent edge populations (sources simulated), v1_to_v1 in the built-in column
    edge_populations: list[str] | None = None
    weight: str = "abs_weight"  #: abs_weight (|weight_pa|), synapses (nsyns) or binary
    symmetrise: str = "sum"  #: sum (A + Aᵀ), max or mean
    isolated: str = "keep"  #: keep or drop nodes without a selected edge
    methods: list[str] = field(default_factory=lambda: ["louvain", "leiden"])
    resolution: float = 1.0
    seed: int = 0
    threads: int = 1
    max_edges_directed: int = DEFAULT_MAX_EDGES_DIRECTED
    k: list[int] = field(default_factory=lambda: [2, 4, 8, 16, 32, 64])
    balance: str = "nodes"  #: nodes, or load (expected spikes/s; needs rates)
    imbalance: float = 0.02  #: METIS's allowed excess of the heaviest part over the mean
    layout_communities: int = 40  #: largest communities drawn in the community-graph embedding
    class_column: str = AUTO  #: the node column naming classes (:mod:`v1sim.analysis.classes`)

    def __post_init__(self) -> None:
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise V1SimInputError(
                None, "graph.methods", f"unknown method {unknown[0]!r}; choose from {METHODS}"
            )
        if self.balance not in partition.BALANCES:
            raise V1SimInputError(
                None, "graph.balance", f"unknown {self.balance!r}; choose from {partition.BALANCES}"
            )
        for k in self.k:
            if int(k) != k or k < 2:
                raise V1SimInputError(None, "graph.k", f"K must be an integer >= 2, got {k}")
        if not 0 < self.imbalance < 1:
            raise V1SimInputError(None, "graph.imbalance", f"must be in (0, 1), got {self.imbalance}")


def agreement_with(labels: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """NMI and ARI of ``labels`` against ``reference``; NaN where the reference does not tell the nodes apart
    (one value for every node: a circuit without layers or classes), since there is nothing to agree with."""
    if len(pd.unique(reference)) < 2:
        return {"nmi": float("nan"), "ari": float("nan")}
    return measures.agreement(labels, reference)


def read_rates(path: Path, nodes: pd.DataFrame) -> np.ndarray:
    """Per-node rates (Hz) from the analysis stage's neurons.parquet, in the graph's node order (0 if absent)."""
    table = read_parquet(path, columns=["population", "node_id", "rate_hz"])
    if not np.isfinite(table["rate_hz"]).all() or (table["rate_hz"] < 0).any():
        raise V1SimInputError(path, "rate_hz", "rates must be finite and >= 0")
    index = pd.MultiIndex.from_arrays([table["population"], table["node_id"]])
    where = index.get_indexer(pd.MultiIndex.from_arrays([nodes["population"], nodes["node_id"]]))
    rates = np.zeros(len(nodes))
    rates[where >= 0] = table["rate_hz"].to_numpy()[where[where >= 0]]
    return rates


def _return_freed_memory() -> None:
    """Hand freed heap pages back to the OS (glibc keeps them otherwise, and the next stage's peak adds to them)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Stages:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, work):
        started = time.perf_counter()
        log.info("%s ...", name)
        result = work()
        _return_freed_memory()
        self.seconds[name] = round(time.perf_counter() - started, 3)
        log.info("%s: %.1f s", name, self.seconds[name])
        return result


def _community_rows(adj: Adjacency, undirected, labels, method, s, seconds, layers) -> dict[str, Any]:
    sizes = np.bincount(labels)
    return {
        "method": method,
        "resolution": s.resolution,
        "modularity": measures.modularity(undirected, labels, s.resolution),
        "directed_modularity": measures.directed_modularity(adj.matrix, labels, s.resolution),
        "n_communities": len(sizes),
        "largest": int(sizes.max()),
        "median_size": float(np.median(sizes)),
        "singletons": int((sizes == 1).sum()),
        **{f"{key}_layer": value for key, value in agreement_with(labels, layers).items()},
        **{
            f"{key}_class": value
            for key, value in agreement_with(labels, adj.nodes["cell_class"].to_numpy()).items()
        },
        "seconds": seconds,
    }


def _class_community(nodes: pd.DataFrame, labels: np.ndarray, method: str) -> pd.DataFrame:
    counts = pd.crosstab(nodes["cell_class"].to_numpy(), labels).stack()
    counts = counts[counts > 0].rename("cells").reset_index()
    counts.columns = ["cell_class", "community", "cells"]
    counts.insert(0, "method", method)
    return counts


def _positioned(nodes: pd.DataFrame, *columns: str) -> bool:
    """Whether every node has these coordinates (the geometric baselines need them)."""
    return all(np.isfinite(nodes[c].to_numpy(dtype=float)).all() for c in columns)


def _partitions(adj: Adjacency, undirected, rates, s: GraphSettings, stages: _Stages):
    nodes = adj.nodes
    load = rates if s.balance == "load" else None
    columns, rows, records = {}, [], {}
    for k in s.k:
        partition.check_k(k, adj.n_nodes)
        schemes = {}
        schemes["metis"], records[k] = stages.run(
            f"METIS K={k}",
            lambda k=k: partition.metis_partition(undirected, k, s.seed, load, s.imbalance),
        )
        schemes["random"] = partition.random_partition(adj.n_nodes, k, s.seed)
        if _positioned(nodes, "y"):
            schemes["slabs"] = partition.slab_partition(nodes["y"].to_numpy(), k)
        if _positioned(nodes, "x", "z"):
            schemes["columns"] = partition.column_partition(nodes["x"].to_numpy(), nodes["z"].to_numpy(), k)
        for scheme, parts in schemes.items():
            columns[f"{scheme}_k{k}"] = parts.astype(np.int16)
            cost = measures.partition_cost(adj.matrix, parts, k, rates)
            rows.append({"scheme": scheme, **cost.as_row()})
        metis, random = rows[-len(schemes)], rows[-len(schemes) + 1]
        log.info(
            "K=%d: METIS cuts %.1f %% of edges (random %.1f %%), balance %.3f",
            k,
            100 * metis["edge_cut_fraction"],
            100 * random["edge_cut_fraction"],
            metis["balance_nodes"],
        )
    return pd.DataFrame(columns), pd.DataFrame(rows), records


def analyse_graph(
    network: str | Path,
    outdir: str | Path,
    settings: GraphSettings | None = None,
    rates: str | Path | None = None,
) -> dict[str, Any]:
    """Communities and partitions of the converted network in ``network``, tables into ``outdir``.

    ``rates``: the analysis stage's neurons.parquet; with it the partitions report the spike traffic that
    crosses chips (and ``balance: load`` balances expected spikes instead of cells).
    """
    started = time.perf_counter()
    s = settings or GraphSettings()
    if s.balance == "load" and rates is None:
        raise V1SimInputError(None, "graph.balance", "balance 'load' needs per-neuron rates (--rates)")
    stages = _Stages()
    adj = stages.run(
        "adjacency",
        lambda: load_adjacency(network, s.edge_populations, s.weight, s.isolated, s.class_column),
    )
    log.info(
        "graph: %s nodes, %s edges (%s joined pairs), weight %s",
        f"{adj.n_nodes:,}",
        f"{adj.n_edges:,}",
        f"{adj.matrix.nnz:,}",
        s.weight,
    )
    for k in s.k:
        partition.check_k(k, adj.n_nodes)
    undirected = stages.run("symmetrise", lambda: symmetrise(adj.matrix, s.symmetrise))
    node_rates = read_rates(Path(rates), adj.nodes) if rates is not None else None
    layers = adj.nodes["cell_class"].map(lambda c: layer_of(c) or UNKNOWN).to_numpy()
    nodes = adj.nodes[["population", "node_id", "engine_index", "cell_class", "x", "y", "z"]].copy()
    nodes["layer"] = layers
    if node_rates is not None:
        nodes["rate_hz"] = node_rates
    with atomic_directory(Path(outdir)) as tmp:
        summary_rows, class_tables, layouts, edges = [], [], [], []
        for method in s.methods:
            t0 = time.perf_counter()
            labels = stages.run(
                f"communities ({method})",
                lambda method=method: detect_communities(
                    adj.matrix, undirected, method, s.resolution, s.seed, s.threads, s.max_edges_directed
                ),
            )
            seconds = round(time.perf_counter() - t0, 3)
            nodes[f"community_{method}"] = labels.astype(np.int32)
            summary_rows.append(_community_rows(adj, undirected, labels, method, s, seconds, layers))
            log.info(
                "%s: %d communities, modularity %.3f",
                method,
                summary_rows[-1]["n_communities"],
                summary_rows[-1]["modularity"],
            )
            class_tables.append(_class_community(nodes, labels, method))
            weights, sizes = community_graph(undirected, labels, s.layout_communities)
            xy = force_layout(weights, s.seed)
            layouts.append(
                pd.DataFrame(
                    {
                        "method": method,
                        "community": np.arange(len(sizes)),
                        "cells": sizes,
                        "mean_depth_um": np.bincount(
                            labels, weights=nodes["y"].to_numpy(dtype=float), minlength=len(sizes)
                        )[: len(sizes)]
                        / sizes,
                        "x": xy[:, 0],
                        "y": xy[:, 1],
                    }
                )
            )
            pairs = sp.triu(weights, k=1, format="coo")
            edges.append(
                pd.DataFrame(
                    {"method": method, "source": pairs.row, "target": pairs.col, "weight": pairs.data}
                )
            )
        parts, costs, records = _partitions(adj, undirected, node_rates, s, stages)
        write_parquet(pd.concat([nodes, parts], axis=1), tmp / "nodes.parquet")
        pd.DataFrame(summary_rows).to_csv(tmp / "communities.csv", index=False)
        pd.concat(class_tables).to_csv(tmp / "class_community.csv", index=False)
        pd.concat(layouts).to_csv(tmp / "community_layout.csv", index=False)
        pd.concat(edges).to_csv(tmp / "community_edges.csv", index=False)
        costs.to_csv(tmp / "partitions.csv", index=False)
        summary = {
            "edge_populations": adj.edge_populations,
            "n_nodes": adj.n_nodes,
            "n_edges": adj.n_edges,
            "n_pairs": int(adj.matrix.nnz),
            "n_undirected_pairs": int(undirected.nnz // 2),
            "has_rates": node_rates is not None,
            "communities": summary_rows,
            "metis_quantisation": {str(k): v for k, v in records.items()},
            "stage_seconds": stages.seconds,
        }
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="graph",
                network=str(Path(network).resolve()),
                rates=str(Path(rates).resolve()) if rates else None,
                settings=dataclasses.asdict(s),
                **summary,
            ),
        )
    return summary
