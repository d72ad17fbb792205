"""``v1sim tuning-figures``: example tuning curves, OSI/DSI per class against the Billeh targets and the
Neuropixels units, preferred direction against the cells' ``tuning_angle``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from v1sim.analysis.tuning_stage import TABLES as TUNING_TABLES
from v1sim.plots.analysis import class_colour, class_colours, save_figure
from v1sim.provenance import atomic_directory, provenance, stage_record, write_json
from v1sim.storage import read_parquet
from v1sim.taxonomy import ei_of, target_group

FIGURES = ("tuning_curves.png", "osi_dsi.png", "preferred_direction.png")
#: Every file :func:`draw_tuning_figures` writes into its folder: each figure as PNG and SVG, the provenance.
OUTPUTS = (*FIGURES, *(name.replace(".png", ".svg") for name in FIGURES), "provenance.json")
EXAMPLES = 8


def tuning_curves(neurons: pd.DataFrame, path: Path) -> None:
    """Mean rate against direction for the most selective responsive cells (largest OSI × rate)."""
    columns = [c for c in neurons.columns if c.startswith("rate_")]
    directions = np.array([float(c[len("rate_") :]) for c in columns])
    responsive = neurons[neurons["osi"].notna()]
    picked = responsive.assign(score=responsive["osi"] * responsive[columns].max(axis=1)).nlargest(
        EXAMPLES, "score"
    )
    fig, axes = plt.subplots(2, EXAMPLES // 2, figsize=(12, 5), sharex=True)
    palette = class_colours(neurons["cell_class"])
    for ax, (_, cell) in zip(axes.ravel(), picked.iterrows(), strict=False):
        ax.plot(
            np.r_[directions, 360.0],
            np.r_[cell[columns].to_numpy(float), cell[columns[0]]],
            "o-",
            color=class_colour(cell["cell_class"], palette),
        )
        if "tuning_angle" in cell and np.isfinite(cell["tuning_angle"]):
            ax.axvline(cell["tuning_angle"] % 360, color="0.5", ls=":", lw=1)
        ax.set_title(
            f"{cell['cell_class']} {cell['node_id']}\nOSI {cell['osi']:.2f} DSI {cell['dsi']:.2f}", fontsize=8
        )
        ax.set_xticks([0, 90, 180, 270, 360])
    for ax in axes.ravel()[len(picked) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("direction (deg)")
    for ax in axes[:, 0]:
        ax.set_ylabel("rate (Hz)")
    if picked.empty:
        fig.text(0.5, 0.5, "no cell reached 0.5 Hz at its preferred direction", ha="center")
    fig.suptitle("Example tuning curves (dotted: the cell's tuning_angle)")
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def group_of(cell_class: str) -> str:
    """The Billeh target group of a class (``e23Cux2`` → ``L2/3 E``), or the class itself when it has none."""
    return target_group(cell_class) or cell_class


def osi_dsi(neurons: pd.DataFrame, classes: pd.DataFrame, path: Path) -> None:
    """OSI and DSI of the responsive cells per target group (per class where a class has no Billeh target):
    the model's distribution (box), its median, the Billeh target (diamond) and the Neuropixels median
    (square)."""
    groups = neurons["cell_class"].map(group_of)
    classes = classes.assign(group=classes["cell_class"].map(group_of))
    order = list(dict.fromkeys(classes["group"]))
    by_group = classes.groupby("group").first()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, metric in zip(axes, ("osi", "dsi"), strict=True):
        data = [neurons.loc[(groups == g) & neurons[metric].notna(), metric].to_numpy() for g in order]
        positions = np.arange(len(order))
        ax.boxplot(
            [d if len(d) else [np.nan] for d in data], positions=positions, widths=0.6, showfliers=False
        )
        for column, marker, color, label in (
            (f"billeh_{metric}", "D", "C3", "Billeh et al. 2020 (model)"),
            (f"np_{metric}", "s", "k", "Neuropixels (median)"),
        ):
            if column in by_group and by_group.loc[order, column].notna().any():
                ax.scatter(
                    positions, by_group.loc[order, column], marker=marker, color=color, zorder=3, label=label
                )
        ax.set_xticks(positions)
        ax.set_xticklabels(order, rotation=60, fontsize=8)
        ax.set_title(metric.upper())
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("index (cells >= 0.5 Hz at preferred)")
    if axes[1].get_legend_handles_labels()[0]:
        axes[1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def alignment_lines(record: dict[str, Any]) -> list[str]:
    """One line per group of the tuning summary: circular correlation with ``tuning_angle``, split-half
    agreement and aligned ceiling (each only where the summary has it)."""
    parts = {
        "r": record.get("preferred_vs_tuning_angle_circular_correlation") or {},
        "split-half": record.get("preferred_direction_split_half_circular_correlation") or {},
        "ceiling": record.get("preferred_vs_tuning_angle_aligned_ceiling") or {},
    }
    lines = []
    for group, r in parts["r"].items():
        extra = [
            f"{name} {values[group]:.2f}" for name, values in parts.items() if name != "r" and group in values
        ]
        lines.append(f"{group}: r {r:.2f}" + (f" ({', '.join(extra)})" if extra else ""))
    return lines


def preferred_direction(neurons: pd.DataFrame, path: Path, record: dict[str, Any] | None = None) -> None:
    """Preferred direction of the responsive excitatory cells against their ``tuning_angle``.

    Left: for each 22.5° bin of ``tuning_angle``, the fraction of its cells preferring each direction (a
    scatter of tens of thousands of cells on 8 directions shows only 8 full bands). Right: the distribution of
    preferred direction − ``tuning_angle`` per group; the summary's alignment numbers (``record``: the tuning
    provenance) in the corner."""
    fig, (heat, diff) = plt.subplots(1, 2, figsize=(10, 4.5))
    excitatory = (
        neurons["ei"].astype("string").eq("e").fillna(False)
        if "ei" in neurons and neurons["ei"].notna().any()
        else neurons["cell_class"].map(lambda c: ei_of(c) == "e")  # tables written before ei was kept
    )
    mine = neurons[neurons["osi"].notna() & excitatory.to_numpy(bool)]
    if "tuning_angle" in neurons:
        mine = mine[mine["tuning_angle"].notna()]
    if "tuning_angle" in neurons and len(mine):
        angle = mine["tuning_angle"].to_numpy() % 360.0
        preferred = mine["preferred_direction_deg"].to_numpy()
        # the experiment's directions (every rate_ column), not only those some cell prefers
        directions = np.sort([float(c[len("rate_") :]) for c in neurons.columns if c.startswith("rate_")])
        step = 360.0 / len(directions)
        angle_edges = np.arange(0.0, 360.0 + 1e-9, 22.5)
        pref_edges = np.r_[directions - step / 2, directions[-1] + step / 2]
        counts, _, _ = np.histogram2d(angle, preferred, bins=(angle_edges, pref_edges))
        fraction = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        image = heat.imshow(
            fraction.T,
            origin="lower",
            aspect="auto",
            cmap="magma",
            extent=(0.0, 360.0, pref_edges[0], pref_edges[-1]),
        )
        fig.colorbar(image, ax=heat, label="fraction of the bin's cells")
        heat.plot([0, 360], [0, 360], color="0.6", lw=0.8, ls="--")
        heat.set_ylim(pref_edges[0], pref_edges[-1])
        groups = mine["cell_class"].map(group_of)
        bins = np.arange(-180.0, 180.0 + 1e-9, 15.0)
        for group in sorted(groups.unique()):
            picked = (groups == group).to_numpy()
            delta = (preferred[picked] - angle[picked] + 180.0) % 360.0 - 180.0
            diff.hist(delta, bins=bins, histtype="step", density=True, label=f"{group} ({picked.sum()})")
        diff.legend(fontsize=7, loc="upper right")
    lines = alignment_lines(record or {})
    if lines:
        diff.text(
            0.02, 0.98, "\n".join(lines), transform=diff.transAxes, va="top", fontsize=7,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "0.7"},
        )  # fmt: skip
    heat.set_xlim(0, 360)
    heat.set_xlabel("tuning_angle (deg)")
    heat.set_ylabel("preferred direction (deg)")
    heat.set_title("Excitatory cells: preferred direction vs tuning_angle")
    diff.set_xlim(-180, 180)
    diff.set_xlabel("preferred direction − tuning_angle (deg)")
    diff.set_ylabel("density (1/deg)")
    diff.set_title("Misalignment per group")
    fig.tight_layout()
    save_figure(fig, path, svg=True)


def draw_tuning_figures(tuning_dir: str | Path, outdir: str | Path) -> dict[str, Any]:
    """Draw the tuning figures (PNG and SVG) into ``outdir`` from the tables of ``v1sim tuning``."""
    started = time.perf_counter()
    tables = Path(tuning_dir)
    record = stage_record(tables, "tuning", TUNING_TABLES)
    with atomic_directory(Path(outdir)) as tmp:
        neurons = read_parquet(tables / "neurons.parquet")
        classes = pd.read_csv(tables / "classes.csv", dtype={"cell_class": str})
        tuning_curves(neurons, tmp / "tuning_curves.png")
        osi_dsi(neurons, classes, tmp / "osi_dsi.png")
        preferred_direction(neurons, tmp / "preferred_direction.png", record)
        summary = {"figures": list(FIGURES), "responsive": record.get("n_responsive")}
        write_json(
            tmp / "provenance.json",
            provenance(started, stage="tuning-figures", tuning=str(tables.resolve()), **summary),
        )
    return summary
