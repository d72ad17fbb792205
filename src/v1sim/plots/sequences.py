"""``v1sim sequence-figures``: the raw raster against the raster re-ordered by fitted sequence offsets with the
detected events marked (the PPSeq paper's signature figure), and the log-likelihood trace."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from v1sim.analysis.sequences_stage import TABLES as SEQUENCE_TABLES
from v1sim.plots.analysis import save_figure
from v1sim.provenance import atomic_directory, provenance, stage_record, write_json
from v1sim.storage import read_parquet

FIGURES = ("sequence_raster.png", "sequence_trace.png")
#: Every file :func:`draw_sequence_figures` writes into its folder.
OUTPUTS = (*FIGURES, "provenance.json")


def sequence_raster(
    spikes: pd.DataFrame,
    neurons: pd.DataFrame,
    events: pd.DataFrame,
    path: Path,
    window_ms: tuple[float, float] | None = None,
) -> None:
    """Left: spikes in the cells' original order; right: cells by sequence type and offset, spikes coloured by
    the type of the event they were assigned to (grey: background), event times as ticks on top. Without
    cells (none spiked) both panels say so over the analysed ``window_ms``."""
    order = neurons["order"].to_numpy()
    colours = np.array(["C0", "C3", "C2", "C1", "C4", "C5", "C6", "C7"])
    colour = np.where(spikes["sequence_type"] >= 0, colours[spikes["sequence_type"].clip(0) % 8], "0.7")
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharex=True)
    axes[0].scatter(spikes["time_ms"], spikes["neuron"], s=2, c="k", marker="|", linewidths=0.6)
    axes[0].set_title("spikes, cells in their original order")
    axes[1].scatter(spikes["time_ms"], order[spikes["neuron"]], s=2, c=colour, marker="|", linewidths=0.6)
    top = len(neurons) + 2
    for row in events.itertuples():
        axes[1].plot(
            [row.time_ms, row.time_ms],
            [top, top + 0.03 * len(neurons)],
            color=colours[row.sequence_type % 8],
            lw=1,
        )
    axes[1].set_title("cells re-ordered by fitted type and offset; events on top")
    if neurons.empty:
        for ax in axes:
            ax.text(
                0.5, 0.5, "no cell of the selection spiked", ha="center", va="center", transform=ax.transAxes
            )
            ax.set_yticks([])
            if window_ms is not None:
                ax.set_xlim(*window_ms)
    for ax in axes:
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("cell")
    fig.tight_layout()
    save_figure(fig, path)


def sequence_trace(trace: pd.DataFrame, path: Path) -> None:
    """Log-likelihood of the data under the sampled model, per Gibbs sweep."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(trace["sweep"], trace["log_likelihood"], color="k")
    ax.set_xlabel("Gibbs sweep")
    ax.set_ylabel("log-likelihood")
    ax.set_title("PPSeq sampler" if len(trace) else "PPSeq sampler (not run: no spikes)")
    fig.tight_layout()
    save_figure(fig, path)


def draw_sequence_figures(sequences_dir: str | Path, outdir: str | Path) -> dict[str, Any]:
    """Draw the figures of a ``v1sim sequences`` folder into ``outdir``."""
    started = time.perf_counter()
    tables = Path(sequences_dir)
    record = stage_record(tables, "sequences", SEQUENCE_TABLES)
    with atomic_directory(Path(outdir)) as tmp:
        sequence_raster(
            read_parquet(tables / "spikes.parquet"),
            pd.read_csv(tables / "neurons.csv"),
            pd.read_csv(tables / "events.csv"),
            tmp / "sequence_raster.png",
            (record.get("settings", {}).get("t_start_ms", 0.0), record.get("t_stop_ms", 0.0)),
        )
        sequence_trace(pd.read_csv(tables / "trace.csv"), tmp / "sequence_trace.png")
        summary = {"figures": list(FIGURES), "n_events": record.get("n_events")}
        write_json(tmp / "provenance.json", provenance(started, stage="sequence-figures", **summary))
    return summary
