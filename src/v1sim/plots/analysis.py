"""Figures of the analysis stage: raster, population rate, rates per class against the Billeh targets (and a
reference run), PCA and UMAP views of the population activity, ISI CV and correlation distributions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors

from v1sim.analysis.activity import Activity
from v1sim.analysis.classes import UNKNOWN
from v1sim.taxonomy import layer_of, parse_class

#: colour map per interneuron type (:mod:`v1sim.taxonomy`); excitatory classes are red, others grey
_TYPE_MAPS = {"PV": "Blues", "SST": "Greens", "VIP": "Purples"}
_LAYER_SHADE = {"L1": 0.55, "L2/3": 0.6, "L4": 0.7, "L5": 0.8, "L6": 0.9}
#: Left edge of the class-rate axis (log scale): classes below it show no bar.
RATE_FLOOR_HZ = 0.01


def billeh_colour(cell_class: str) -> tuple[float, float, float] | None:
    """Colour of a Billeh-style class (excitatory red, PV blue, SST green, Htr3a/VIP purple, darker with
    depth); None for another name."""
    parsed = parse_class(cell_class)
    if parsed is None:
        return None
    name = "Reds" if parsed.ei == "e" else _TYPE_MAPS.get(parsed.interneuron_type, "Greys")
    return mcolors.to_rgb(plt.get_cmap(name)(_LAYER_SHADE[parsed.layer]))


def class_colours(names: Iterable[str]) -> dict[str, tuple[float, float, float]]:
    """A colour for every class of ``names``: Billeh-style classes their :func:`billeh_colour`, ``unknown``
    grey, any other (bmtk's ``Scnn1a``, ``type_100``, …) a categorical colour in sorted order."""
    names = sorted({str(n) for n in names})
    others = [n for n in names if billeh_colour(n) is None and n != UNKNOWN]
    categorical = [plt.get_cmap("tab10")(i) for i in range(10)]
    if len(others) > 10:  # tab20 without its two greys
        categorical = [plt.get_cmap("tab20")(i) for i in range(20) if i not in (14, 15)]
    palette = {n: mcolors.to_rgb(categorical[i % len(categorical)]) for i, n in enumerate(others)}
    for n in names:
        if n not in palette:
            palette[n] = billeh_colour(n) or mcolors.to_rgb("0.5")
    return palette


def class_colour(
    cell_class: str, palette: dict[str, tuple[float, float, float]] | None = None
) -> tuple[float, float, float]:
    """The colour of one class: from ``palette`` (:func:`class_colours` of every class the figure shows),
    else its Billeh colour, else grey."""
    if palette is not None and cell_class in palette:
        return palette[cell_class]
    return billeh_colour(cell_class) or mcolors.to_rgb("0.5")


def save_figure(fig: plt.Figure, path: Path, svg: bool = False) -> None:
    """Write ``fig`` as PNG (120 dpi) at ``path``, and as SVG beside it when ``svg``; close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    if svg:
        fig.savefig(path.with_suffix(".svg"))
    plt.close(fig)


@dataclass
class RasterDrawn:
    """What the raster shows: ``mode`` "points" or "image", the spikes drawn, and the spike counts per pixel
    of the image (rows: cells by depth, pia at the top; columns: time), the one drawn or, for points, the one
    that would have been."""

    mode: str
    n_spikes: int
    counts: np.ndarray


def has_depth(cells: pd.DataFrame) -> bool:
    """Whether the cells have a cortical depth (``y``) to order and colour by."""
    return "y" in cells and bool(np.isfinite(cells["y"].to_numpy(dtype=float)).any())


def by_depth(cells: pd.DataFrame) -> bool:
    """Whether the raster orders cells by depth: they have positions and Billeh-style (layered) classes. Other
    circuits (bmtk's examples place cells at random in a box) are ordered by class."""
    layered = any(layer_of(c) is not None for c in pd.unique(cells["cell_class"]))
    return layered and has_depth(cells)


def depth_order(activity: Activity) -> np.ndarray:
    """Rank of every raster row: from the pia down (descending ``y``), ties by class then node id, when
    :func:`by_depth`; else by class, then depth, then node id."""
    cells = activity.cells
    depth = np.nan_to_num(-cells["y"].to_numpy(dtype=float), nan=np.inf)
    classes, node_id = cells["cell_class"].to_numpy(), cells["node_id"].to_numpy()
    keys = (node_id, classes, depth) if by_depth(cells) else (node_id, depth, classes)
    order = np.lexsort(keys)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def raster(
    activity: Activity,
    path: Path,
    max_points: int = 100_000,
    pixels: tuple[int, int] = (800, 1200),
    palette: dict[str, tuple[float, float, float]] | None = None,
) -> RasterDrawn:
    """Spike raster, cells ordered by depth and coloured by class. Up to ``max_points`` spikes are drawn one
    by one; above that the raster is an image of spike counts per pixel (``pixels``: rows × columns) in
    which every spike darkens its pixel towards its class's colour (``palette``: :func:`class_colours`)."""
    rank = depth_order(activity)
    classes = activity.cells["cell_class"].to_numpy()
    palette = palette or class_colours(classes)
    n_cells, t0, t1 = activity.n_cells, activity.t_start_ms, activity.t_stop_ms
    rows, columns = max(1, min(pixels[0], n_cells)), pixels[1]
    row_of_rank = np.arange(n_cells) * rows // max(n_cells, 1)
    pixel_row = row_of_rank[rank[activity.cell]]
    grid = {"bins": (rows, columns), "range": ((0, rows), (t0, t1))}
    counts, _, _ = np.histogram2d(pixel_row, activity.time_ms, **grid)
    fig, ax = plt.subplots(figsize=(11, 6.5))
    if len(activity.time_ms) <= max_points:
        colour = np.array([class_colour(c, palette) for c in classes])
        ax.scatter(activity.time_ms, rank[activity.cell], s=1.0, c=colour[activity.cell], marker="|", lw=0.4)
        ax.set_ylim(n_cells, -1)
        drawn = RasterDrawn("points", len(activity.time_ms), counts)
    else:
        # Each spike darkens its pixel towards its own class's colour: ink = Σ (1 − colour) over the spikes.
        ink_of_class = 1.0 - np.array([class_colour(c, palette) for c in np.unique(classes)])
        ink = ink_of_class[np.unique(classes, return_inverse=True)[1][activity.cell]]
        pigment = np.stack(
            [np.histogram2d(pixel_row, activity.time_ms, weights=ink[:, k], **grid)[0] for k in range(3)], -1
        )
        scale = max(np.percentile(counts[counts > 0], 99), 1.0) if (counts > 0).any() else 1.0
        image = 1.0 - np.clip(pigment / scale, 0.0, 1.0)
        ax.imshow(image, aspect="auto", extent=(t0, t1, n_cells, 0), interpolation="nearest")
        drawn = RasterDrawn("image", int(counts.sum()), counts)
    _row_ticks(ax, rank, classes, by_depth(activity.cells))
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time (ms)")
    ax.set_title(f"{len(activity.time_ms):,} spikes of {n_cells:,} cells ({drawn.mode})")
    save_figure(fig, path)
    return drawn


def _row_ticks(ax: plt.Axes, rank: np.ndarray, classes: np.ndarray, depth: bool) -> None:
    """Tick the raster's rows by layer when ordered by depth, else by class."""
    groups = pd.Series([layer_of(c) or UNKNOWN for c in classes] if depth else classes)
    middle = pd.Series(rank).groupby(groups).median().sort_values()
    ax.set_yticks(middle.to_numpy(), middle.index.tolist(), fontsize=8 if len(middle) > 10 else None)
    ax.set_ylabel("cells by depth (pia at the top)" if depth else "cells by class")


def population_rate(table: pd.DataFrame, path: Path) -> None:
    """Mean rate per cell over time."""
    fig, ax = plt.subplots(figsize=(9, 3))
    ax.plot(table["time_ms"], table["rate_hz"], lw=0.8, color="k")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate per cell (Hz)")
    save_figure(fig, path, svg=True)


def class_rates(
    classes: pd.DataFrame,
    path: Path,
    reference_label: str = "NEST 3.10",
    palette: dict[str, tuple[float, float, float]] | None = None,
) -> None:
    """Mean rate per class (bars; the reference run beside it when present) with the Billeh evoked-rate
    targets (diamonds) of the classes that have one."""
    table = classes.sort_values("cell_class")
    y = np.arange(len(table))
    has_reference = "reference_mean_rate_hz" in table
    height = 0.4 if has_reference else 0.7
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(table) + 1.5))
    palette = palette or class_colours(table["cell_class"])
    colour = [class_colour(c, palette) for c in table["cell_class"]]
    ax.barh(y - (0.2 if has_reference else 0), table["mean_rate_hz"], height, color=colour, label="v1sim")
    if has_reference:
        ax.barh(y + 0.2, table["reference_mean_rate_hz"], height, color="0.7", label=reference_label)
    if "billeh_rate_hz" in table and table["billeh_rate_hz"].notna().any():  # Billeh-style classes only
        ax.scatter(
            table["billeh_rate_hz"],
            y,
            marker="D",
            color="k",
            s=18,
            label="Billeh et al. 2020 (gratings)",
            zorder=3,
        )
    ax.set_yticks(y, table["cell_class"])
    ax.invert_yaxis()
    shown = table.filter(["mean_rate_hz", "reference_mean_rate_hz", "billeh_rate_hz"]).to_numpy(float)
    if not (shown > 0).any():  # no cell spiked: a log axis needs a range of its own
        ax.set_xlim(RATE_FLOOR_HZ, 1.0)
    ax.set_xscale("log")
    ax.set_xlim(left=RATE_FLOOR_HZ)
    ax.set_xlabel(f"mean rate (Hz; log scale, from {RATE_FLOOR_HZ:g})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def pca(scores: pd.DataFrame, variance: pd.DataFrame, path: Path) -> None:
    """Explained variance per component and the population's trajectory in the first two components."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    ratio = variance["explained_variance_ratio"].to_numpy()
    left.bar(variance["component"], ratio, color="0.5")
    left.plot(variance["component"], np.cumsum(ratio), "k.-", label="cumulative")
    left.set_xlabel("component")
    left.set_ylabel("explained variance ratio")
    left.legend(fontsize=8)
    if {"PC1", "PC2"} <= set(scores):
        points = right.scatter(scores["PC1"], scores["PC2"], c=scores["time_ms"], s=6, cmap="viridis")
        right.plot(scores["PC1"], scores["PC2"], lw=0.3, color="0.6")
        fig.colorbar(points, ax=right, label="time (ms)")
    right.set_xlabel("PC1")
    right.set_ylabel("PC2")
    fig.tight_layout()
    save_figure(fig, path)


def umap_bins(table: pd.DataFrame, path: Path) -> None:
    """UMAP of the time bins, coloured by time."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    points = ax.scatter(table["umap_1"], table["umap_2"], c=table["time_ms"], s=6, cmap="viridis")
    fig.colorbar(points, ax=ax, label="time (ms)")
    ax.set_xlabel("UMAP 1")
    ax.set_ylabel("UMAP 2")
    fig.tight_layout()
    save_figure(fig, path)


def umap_cells(
    table: pd.DataFrame, path: Path, palette: dict[str, tuple[float, float, float]] | None = None
) -> None:
    """UMAP of the sampled cells' activity profiles, coloured by class (left) and by depth (right; by rate
    when the circuit has no positions)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    palette = palette or class_colours(table["cell_class"])
    colour = [class_colour(c, palette) for c in table["cell_class"]]
    left.scatter(table["umap_1"], table["umap_2"], c=colour, s=4)
    for name in sorted(table["cell_class"].unique()):
        left.scatter([], [], color=class_colour(name, palette), s=10, label=name)
    if len(table):
        left.legend(fontsize=6, ncol=2, markerscale=1.5, loc="best")
    else:
        left.text(0.5, 0.5, "no cell with spikes", ha="center", va="center", transform=left.transAxes)
    left.set_title("by class")
    by_depth = has_depth(table)
    value, label = ("y", "y (µm; pia at 0)") if by_depth else ("rate_hz", "rate (Hz)")
    points = right.scatter(table["umap_1"], table["umap_2"], c=table[value], s=4, cmap="cividis")
    fig.colorbar(points, ax=right, label=label)
    right.set_title("by depth" if by_depth else "by rate")
    for ax in (left, right):
        ax.set_xlabel("UMAP 1")
        ax.set_ylabel("UMAP 2")
    fig.tight_layout()
    save_figure(fig, path)


def isi_cv(neurons: pd.DataFrame, path: Path) -> None:
    """Distribution of the ISI CV, excitatory against inhibitory cells (the nodes' ``ei``; all cells together
    when the circuit does not say); CV = 1 marks a Poisson process."""
    fig, ax = plt.subplots(figsize=(6, 4))
    kind = neurons["ei"].astype("string") if "ei" in neurons else pd.Series(pd.NA, index=neurons.index)
    groups = (("excitatory", kind == "e", "tab:red"), ("inhibitory", kind == "i", "tab:blue"))
    if not kind.isin(["e", "i"]).any():
        groups = (("all cells", pd.Series(True, index=neurons.index), "k"),)
    for label, mask, colour in groups:
        values = neurons.loc[mask.fillna(False).to_numpy(bool), "isi_cv"].dropna()
        if len(values):
            ax.hist(
                values,
                bins=40,
                range=(0, 3),
                histtype="step",
                color=colour,
                label=f"{label} ({len(values):,})",
            )
    ax.axvline(1.0, color="k", lw=0.8, ls="--", label="Poisson")
    ax.set_xlabel("ISI coefficient of variation")
    ax.set_ylabel("cells")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def correlations(pairs: pd.DataFrame, path: Path) -> None:
    """Distribution of pairwise spike-count correlations, within a class against across classes."""
    fig, ax = plt.subplots(figsize=(6, 4))
    same = pairs["class_a"] == pairs["class_b"]
    for label, mask, colour in (("same class", same, "tab:purple"), ("different classes", ~same, "0.4")):
        values = pairs.loc[mask, "r"].dropna()
        if len(values):
            ax.hist(
                values,
                bins=60,
                range=(-0.5, 1.0),
                histtype="step",
                density=True,
                color=colour,
                label=f"{label} ({len(values):,} pairs)",
            )
    ax.set_xlabel("spike-count correlation r")
    ax.set_ylabel("density")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no pair of cells with spikes", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    save_figure(fig, path, svg=True)
