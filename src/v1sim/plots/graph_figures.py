"""``v1sim graph-figures``: the figures of the graph stage, from its tables only.

- ``community_depth.png``: where each of the largest communities sits in cortical depth;
- ``class_community.png``: which classes make up each community;
- ``partition_traffic.png``: edge cut, spike traffic and the busiest chip against K, METIS against the baselines;
- ``community_graph.png``: the communities as a graph (force-directed layout), sized by cells, coloured by depth.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from v1sim.graph.run import TABLES as GRAPH_TABLES
from v1sim.plots.analysis import class_colour, class_colours, save_figure
from v1sim.provenance import atomic_directory, provenance, stage_record, write_json
from v1sim.storage import read_parquet

log = logging.getLogger(__name__)

FIGURES = ("community_depth.png", "class_community.png", "partition_traffic.png", "community_graph.png")
#: Every file :func:`draw_graph_figures` writes into its folder: each figure as PNG and SVG, the provenance.
OUTPUTS = (*FIGURES, *(name.replace(".png", ".svg") for name in FIGURES), "provenance.json")
#: Communities shown in the heat maps (the largest; the rest are pooled as "other").
SHOWN_COMMUNITIES = 20
_SCHEME_STYLE = {
    "metis": ("C0", "o", "METIS"),
    "random": ("0.5", "s", "random balanced"),
    "slabs": ("C2", "^", "depth slabs"),
    "columns": ("C3", "v", "columns"),
}


def _pooled(labels: np.ndarray) -> np.ndarray:
    return np.minimum(labels, SHOWN_COMMUNITIES)


def _community_ticks(ax: plt.Axes, n: int) -> None:
    ax.set_xticks(range(n))
    ax.set_xticklabels(
        [str(c) if c < SHOWN_COMMUNITIES else "other" for c in range(n)], rotation=90, fontsize=7
    )


def community_depth(nodes: pd.DataFrame, method: str, path: Path, depth_bins: int = 40) -> None:
    """Heat map: depth bin (pia at the top) × community, each column the depth distribution of its cells (a
    note instead when the circuit has no positions)."""
    labels = _pooled(nodes[f"community_{method}"].to_numpy())
    depth = nodes["y"].to_numpy(dtype=float)
    if not np.isfinite(depth).all():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.text(0.5, 0.5, "the circuit's cells have no y position", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title("Communities against cortical depth")
        save_figure(fig, path, svg=True)
        return
    edges = np.linspace(depth.min(), depth.max() + 1e-9, depth_bins + 1)
    counts, _, _ = np.histogram2d(depth, labels, bins=[edges, np.arange(labels.max() + 2) - 0.5])
    fraction = counts / np.maximum(counts.sum(axis=0, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    image = ax.imshow(
        fraction,
        aspect="auto",
        origin="lower" if np.mean(depth) < 0 else "upper",
        extent=(-0.5, labels.max() + 0.5, edges[0], edges[-1])
        if np.mean(depth) < 0
        else (-0.5, labels.max() + 0.5, edges[-1], edges[0]),
        cmap="magma",
    )
    _community_ticks(ax, labels.max() + 1)
    ax.set_xlabel(f"community ({method}, largest first)")
    ax.set_ylabel("y (µm)")
    fig.colorbar(image, ax=ax, label="fraction of the community's cells")
    ax.set_title("Communities against cortical depth")
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def class_community(table: pd.DataFrame, method: str, path: Path) -> None:
    """Heat map: cell class × community, each row the share of the class's cells in each community."""
    mine = table[table["method"] == method].copy()
    mine["community"] = _pooled(mine["community"].to_numpy())
    counts = mine.pivot_table(
        index="cell_class", columns="community", values="cells", aggfunc="sum", fill_value=0
    )
    fraction = counts.to_numpy() / counts.to_numpy().sum(axis=1, keepdims=True)
    fig, ax = plt.subplots(figsize=(8, 0.25 * len(counts) + 1.5))
    image = ax.imshow(fraction, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    _community_ticks(ax, counts.shape[1])
    ax.set_yticks(range(len(counts)))
    ax.set_yticklabels(counts.index, fontsize=7)
    palette = class_colours(counts.index)
    for tick, name in zip(ax.get_yticklabels(), counts.index, strict=True):
        tick.set_color(class_colour(name, palette))
    ax.set_xlabel(f"community ({method})")
    fig.colorbar(image, ax=ax, label="fraction of the class's cells")
    ax.set_title("Cell classes in each community")
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def partition_traffic(costs: pd.DataFrame, path: Path) -> None:
    """Edge cut, crossing traffic (or remote chips per neuron without rates) and the busiest chip against K."""
    have_rates = costs["traffic_hz"].notna().any()
    panels = [("edge_cut_fraction", "edges cut (fraction)")]
    if have_rates:
        panels += [
            ("traffic_hz", "spikes/s crossing chips"),
            ("traffic_hz_worst_in", "busiest chip in (spikes/s)"),
        ]
    else:
        panels += [
            ("remote_chips_per_neuron", "remote chips per neuron"),
            ("balance_nodes", "balance (max/mean)"),
        ]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6))
    for ax, (column, label) in zip(axes, panels, strict=True):
        for scheme, rows in costs.groupby("scheme"):
            colour, marker, name = _SCHEME_STYLE.get(scheme, ("k", "x", scheme))
            ax.plot(rows["k"], rows[column], marker=marker, color=colour, label=name)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("K (chips)")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8)
    fig.suptitle("K-way partitions: cost against K")
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def community_graph(layout: pd.DataFrame, edges: pd.DataFrame, method: str, path: Path) -> None:
    """The largest communities at their force-directed layout positions, joined by their connection weight,
    coloured by the mean depth of their cells (by their size when the circuit has no positions)."""
    nodes = layout[layout["method"] == method]
    links = edges[edges["method"] == method]
    fig, ax = plt.subplots(figsize=(6, 5))
    if len(links):
        xy = nodes.set_index("community")[["x", "y"]]
        strongest = links["weight"].max()
        for row in links.itertuples():
            a, b = xy.loc[row.source], xy.loc[row.target]
            ax.plot(
                [a.x, b.x],
                [a.y, b.y],
                color="0.4",
                lw=0.3 + 2.5 * row.weight / strongest,
                alpha=0.15 + 0.6 * row.weight / strongest,
                zorder=1,
            )
    size = 600 * nodes["cells"] / nodes["cells"].max()
    by_depth = nodes["mean_depth_um"].notna().all()
    points = ax.scatter(
        nodes["x"],
        nodes["y"],
        s=size + 10,
        c=nodes["mean_depth_um"] if by_depth else nodes["cells"],
        cmap="viridis",
        zorder=2,
        edgecolors="k",
        linewidths=0.5,
    )
    for row in nodes.itertuples():
        ax.annotate(
            str(row.community),
            (row.x, row.y),
            fontsize=7,
            ha="center",
            va="center",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "alpha": 0.7, "lw": 0},
        )
    fig.colorbar(points, ax=ax, label="mean y of the cells (µm)" if by_depth else "cells")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Community graph ({method})\narea = cells, lines = connection weight", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def draw_graph_figures(graph_dir: str | Path, outdir: str | Path) -> dict[str, Any]:
    """Draw every graph figure (PNG and SVG) into ``outdir`` from the tables of ``v1sim graph``."""
    started = time.perf_counter()
    tables = Path(graph_dir)
    method = stage_record(tables, "graph", GRAPH_TABLES)["settings"]["methods"][0]
    with atomic_directory(Path(outdir)) as tmp:
        nodes = read_parquet(tables / "nodes.parquet")
        community_depth(nodes, method, tmp / "community_depth.png")
        class_community(
            pd.read_csv(tables / "class_community.csv", dtype={"cell_class": str}),
            method,
            tmp / "class_community.png",
        )
        partition_traffic(pd.read_csv(tables / "partitions.csv"), tmp / "partition_traffic.png")
        community_graph(
            pd.read_csv(tables / "community_layout.csv"),
            pd.read_csv(tables / "community_edges.csv"),
            method,
            tmp / "community_graph.png",
        )
        summary = {"figures": list(FIGURES), "method": method}
        write_json(
            tmp / "provenance.json",
            provenance(started, stage="graph-figures", graph=str(tables.resolve()), **summary),
        )
    log.info("%d graph figures -> %s", len(FIGURES), outdir)
    return summary
