"""``v1sim analyse``: every table of the analysis stage from one spike file, written atomically."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from v1sim.analysis import correlations, embedding, rates
from v1sim.analysis.activity import Activity, load_activity
from v1sim.analysis.binned import binned_counts
from v1sim.analysis.classes import AUTO
from v1sim.errors import V1SimInputError
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.storage import write_parquet

log = logging.getLogger(__name__)


@dataclass
class AnalysisSettings:
    """The knobs of the analysis stage (config.yaml ``analysis``)."""

    bin_ms: float = 10.0  #: time bins of the population activity (PCA, UMAP, population rate)
    correlation_bin_ms: float = 50.0  #: count windows of the pairwise correlations
    correlation_cells_per_class: int = 50  #: cells sampled per class for the correlations
    umap_cells: int = 5000  #: cells sampled for the cell UMAP
    pca_components: int = 10
    seed: int = 0
    t_start_ms: float = 0.0  #: analyse spikes from here (e.g. skip an onset transient)
    #: the node column naming cell classes, or auto (pop_name, else model_name, else the node type)
    class_column: str = AUTO

    def __post_init__(self) -> None:
        if not self.class_column:
            raise V1SimInputError(None, "analysis.class_column", "must be auto or a column name")
        for name in ("bin_ms", "correlation_bin_ms"):
            if not getattr(self, name) > 0:
                raise V1SimInputError(
                    None, f"analysis.{name}", f"must be positive, got {getattr(self, name)}"
                )


#: The files the analysis writes into its folder.
TABLES = (
    "neurons.parquet",
    "classes.csv",
    "population_rate.csv",
    "binned_counts.npz",
    "pca_scores.csv",
    "pca_variance.csv",
    "umap_bins.csv",
    "umap_cells.csv",
    "correlation_pairs.parquet",
    "correlation_classes.csv",
)
#: Every file :func:`analyse` writes into its folder: the tables and its provenance record.
OUTPUTS = (*TABLES, "provenance.json")


class _Stages:
    """Logs each stage with its number and duration: the progress of a long analysis."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.seconds = total, 0, {}

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        self.done += 1
        started = time.perf_counter()
        log.info("[%d/%d] %s ...", self.done, self.total, name)
        result = work()
        self.seconds[name] = round(time.perf_counter() - started, 3)
        log.info("[%d/%d] %s: %.1f s", self.done, self.total, name, self.seconds[name])
        return result


def _reference_rates(path: Path, nodes: Path, activity: Activity, class_column: str) -> pd.Series:
    reference = load_activity(path, nodes, activity.t_stop_ms, activity.t_start_ms, class_column)
    return pd.Series(rates.rates_hz(reference))


def analyse(
    spikes: str | Path,
    nodes: str | Path,
    t_stop_ms: float,
    outdir: str | Path,
    settings: AnalysisSettings | None = None,
    reference_spikes: str | Path | None = None,
) -> dict[str, Any]:
    """Write every analysis table of ``spikes`` (cells from ``nodes``) into ``outdir``; returns the summary.

    ``reference_spikes`` (e.g. NEST's run of the same circuit) adds its mean rate per class to classes.csv.
    """
    started = time.perf_counter()
    s = settings or AnalysisSettings()
    stages = _Stages(7)
    activity = stages.run(
        "read spikes", lambda: load_activity(spikes, nodes, t_stop_ms, s.t_start_ms, s.class_column)
    )
    log.info(
        "%s spikes of %s cells over %.0f ms", f"{len(activity.time_ms):,}", f"{activity.n_cells:,}", t_stop_ms
    )
    with atomic_directory(Path(outdir)) as tmp:
        neurons = stages.run("rates and ISI CV", lambda: rates.neuron_table(activity))
        reference = (
            _reference_rates(Path(reference_spikes), Path(nodes), activity, s.class_column)
            if reference_spikes
            else None
        )
        classes = rates.class_table(neurons, reference)
        write_parquet(neurons, tmp / "neurons.parquet")
        classes.to_csv(tmp / "classes.csv", index=False)
        centres, population = rates.population_rate(activity, s.bin_ms)
        pd.DataFrame({"time_ms": centres, "rate_hz": population}).to_csv(
            tmp / "population_rate.csv", index=False
        )

        counts, edges = stages.run("bin spikes", lambda: binned_counts(activity, s.bin_ms))
        sp.save_npz(tmp / "binned_counts.npz", counts)
        centres = 0.5 * (edges[:-1] + edges[1:])
        scores, variance = stages.run(
            "PCA of the time bins", lambda: embedding.pca_of_bins(counts, s.pca_components, s.seed)
        )
        pcs = {f"PC{k + 1}": scores[:, k] for k in range(scores.shape[1])}
        pd.DataFrame({"time_ms": centres, **pcs}).to_csv(tmp / "pca_scores.csv", index=False)
        pd.DataFrame(
            {"component": np.arange(1, len(variance) + 1), "explained_variance_ratio": variance}
        ).to_csv(tmp / "pca_variance.csv", index=False)

        umap_bins = stages.run("UMAP of the time bins", lambda: embedding.umap_embedding(scores, s.seed))
        pd.DataFrame({"time_ms": centres, "umap_1": umap_bins[:, 0], "umap_2": umap_bins[:, 1]}).to_csv(
            tmp / "umap_bins.csv", index=False
        )

        n_spikes = neurons["n_spikes"].to_numpy()
        sample = embedding.sample_cells(activity.cells, n_spikes, s.umap_cells, s.seed)
        umap_cells = stages.run(
            "UMAP of the cells",
            lambda: embedding.umap_embedding(embedding.cell_profiles(counts, sample, 20, s.seed), s.seed),
        )
        picked = activity.cells.iloc[sample]
        pd.DataFrame(
            {
                "population": picked["population"].to_numpy(),
                "node_id": picked["node_id"].to_numpy(),
                "cell_class": picked["cell_class"].to_numpy(),
                "y": picked["y"].to_numpy(),
                "rate_hz": neurons["rate_hz"].to_numpy()[sample],
                "umap_1": umap_cells[:, 0],
                "umap_2": umap_cells[:, 1],
            }
        ).to_csv(tmp / "umap_cells.csv", index=False)

        def pairwise() -> pd.DataFrame:
            rows = correlations.sample_per_class(
                activity.cells["cell_class"], n_spikes, s.correlation_cells_per_class, s.seed
            )
            window, _ = binned_counts(activity, s.correlation_bin_ms)
            return correlations.pair_table(
                correlations.count_correlations(window, rows), rows, activity.cells
            )

        pairs = stages.run("spike-count correlations", pairwise)
        write_parquet(pairs, tmp / "correlation_pairs.parquet")
        correlations.class_pair_means(pairs).to_csv(tmp / "correlation_classes.csv", index=False)

        summary = {
            "n_cells": activity.n_cells,
            "n_spikes": len(activity.time_ms),
            "window_ms": [activity.t_start_ms, activity.t_stop_ms],
            "mean_rate_hz": float(neurons["rate_hz"].mean()),
            "n_bins": int(counts.shape[1]),
            "pca_explained_variance_2": float(variance[:2].sum()) if len(variance) else None,
            "n_umap_cells": len(sample),
            "n_correlation_pairs": len(pairs),
            "stage_seconds": stages.seconds,
        }
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="analyse",
                spikes=str(Path(spikes).resolve()),
                nodes=str(Path(nodes).resolve()),
                reference_spikes=str(Path(reference_spikes).resolve()) if reference_spikes else None,
                settings=dataclasses.asdict(s),
                t_stop_ms=t_stop_ms,
                **summary,
            ),
        )
    return summary
