"""``v1sim figures``: every figure of the analysis stage from its tables (and the spike file, for the raster)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.analysis.activity import load_activity
from v1sim.analysis.classes import AUTO
from v1sim.analysis.run import TABLES as ANALYSIS_TABLES
from v1sim.plots import analysis as plots
from v1sim.provenance import atomic_directory, provenance, stage_record, write_json
from v1sim.storage import read_parquet

log = logging.getLogger(__name__)

#: Class names read back as text, never as numbers.
CLASS_NAMES = {"cell_class": str}

#: Figure files (PNG; the small ones also as SVG beside them).
FIGURES = (
    "raster.png",
    "population_rate.png",
    "class_rates.png",
    "pca.png",
    "umap_bins.png",
    "umap_cells.png",
    "isi_cv.png",
    "correlations.png",
)
#: The figures also written as SVG (their plot functions save with ``svg=True``).
SVG_FIGURES = ("population_rate.svg", "class_rates.svg", "isi_cv.svg", "correlations.svg")
#: The raster's spike counts per pixel.
RASTER_COUNTS = "raster_counts.npy"
#: Every file :func:`draw_figures` writes into its folder.
OUTPUTS = (*FIGURES, *SVG_FIGURES, RASTER_COUNTS, "provenance.json")


def draw_figures(
    analysis_dir: str | Path,
    spikes: str | Path,
    nodes: str | Path,
    outdir: str | Path,
    max_raster_points: int = 100_000,
    reference_label: str = "NEST 3.10",
) -> dict[str, Any]:
    """Draw every figure into ``outdir`` from the tables of ``v1sim analyse`` in ``analysis_dir``.

    The raster's spike counts per pixel are kept in ``raster_counts.npy`` for checking. Cells are
    classed as the analysis classed them (its recorded ``class_column``).
    """
    started = time.perf_counter()
    tables = Path(analysis_dir)
    record = stage_record(tables, "analyse", ANALYSIS_TABLES)
    t_start, t_stop = record["window_ms"]
    class_column = record.get("settings", {}).get("class_column", AUTO)
    with atomic_directory(Path(outdir)) as tmp:
        activity = load_activity(spikes, nodes, t_stop, t_start, class_column)
        classes = pd.read_csv(tables / "classes.csv", dtype=CLASS_NAMES)
        palette = plots.class_colours(classes["cell_class"])  # one colour per class in every figure
        drawn = plots.raster(activity, tmp / "raster.png", max_points=max_raster_points, palette=palette)
        np.save(tmp / RASTER_COUNTS, drawn.counts)
        plots.population_rate(pd.read_csv(tables / "population_rate.csv"), tmp / "population_rate.png")
        plots.class_rates(classes, tmp / "class_rates.png", reference_label, palette)
        plots.pca(
            pd.read_csv(tables / "pca_scores.csv"), pd.read_csv(tables / "pca_variance.csv"), tmp / "pca.png"
        )
        plots.umap_bins(pd.read_csv(tables / "umap_bins.csv"), tmp / "umap_bins.png")
        plots.umap_cells(
            pd.read_csv(tables / "umap_cells.csv", dtype=CLASS_NAMES), tmp / "umap_cells.png", palette
        )
        plots.isi_cv(read_parquet(tables / "neurons.parquet"), tmp / "isi_cv.png")
        plots.correlations(read_parquet(tables / "correlation_pairs.parquet"), tmp / "correlations.png")
        summary = {"raster_mode": drawn.mode, "raster_spikes": drawn.n_spikes, "figures": list(FIGURES)}
        write_json(
            tmp / "provenance.json",
            provenance(
                started, stage="figures", analysis=str(tables.resolve()), spikes=str(spikes), **summary
            ),
        )
    log.info(
        "%d figures -> %s (raster: %s, %s spikes)", len(FIGURES), outdir, drawn.mode, f"{drawn.n_spikes:,}"
    )
    return summary
