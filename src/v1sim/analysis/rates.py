"""Firing rates, interspike-interval regularity and the population rate, vectorised over all cells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from v1sim.analysis.activity import Activity
from v1sim.analysis.targets import target_rate_hz
from v1sim.taxonomy import target_group

#: Cells with fewer spikes get no ISI CV (two intervals are the fewest with a spread).
MIN_SPIKES_FOR_CV = 3


def rates_hz(activity: Activity) -> np.ndarray:
    """Mean rate of every cell over the analysed window (Hz)."""
    return activity.spike_counts() / activity.duration_s


def isi_cv(activity: Activity) -> np.ndarray:
    """Coefficient of variation (standard deviation / mean, population form) of each cell's interspike
    intervals; NaN for cells with fewer than ``MIN_SPIKES_FOR_CV`` spikes."""
    n = activity.n_cells
    counts = activity.spike_counts()
    same_cell = activity.cell[1:] == activity.cell[:-1]
    isi = np.diff(activity.time_ms)[same_cell]
    owner = activity.cell[1:][same_cell]
    n_isi = np.bincount(owner, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(owner, weights=isi, minlength=n) / n_isi
        variance = np.bincount(owner, weights=(isi - mean[owner]) ** 2, minlength=n) / n_isi
        cv = np.sqrt(variance) / mean
    cv[counts < MIN_SPIKES_FOR_CV] = np.nan
    return cv


def population_rate(activity: Activity, bin_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (ms) and the mean rate per cell in each bin (Hz)."""
    edges = np.arange(activity.t_start_ms, activity.t_stop_ms + bin_ms * 0.5, bin_ms)
    if edges[-1] < activity.t_stop_ms:
        edges = np.append(edges, activity.t_stop_ms)
    counts, _ = np.histogram(activity.time_ms, bins=edges)
    width_s = np.diff(edges) / 1000.0
    return 0.5 * (edges[:-1] + edges[1:]), counts / (max(activity.n_cells, 1) * width_s)


def neuron_table(activity: Activity) -> pd.DataFrame:
    """One row per cell: population, node_id, cell_class, ei, depth, spike count, rate (Hz), ISI CV."""
    cells = activity.cells
    return pd.DataFrame(
        {
            "population": cells["population"],
            "node_id": cells["node_id"],
            "cell_class": cells["cell_class"],
            "ei": cells["ei"],
            "y": cells["y"],
            "n_spikes": activity.spike_counts(),
            "rate_hz": rates_hz(activity),
            "isi_cv": isi_cv(activity),
        }
    )


def class_table(neurons: pd.DataFrame, reference_rates_hz: pd.Series | None = None) -> pd.DataFrame:
    """Per cell class: cells, mean and median rate, fraction silent, mean ISI CV, the Billeh target (for the
    classes named as in the Billeh model; empty for others), and a reference simulation's mean rate
    (``reference_rates_hz``, per cell as in ``neurons``) when given."""
    grouped = neurons.groupby("cell_class", sort=True)
    table = pd.DataFrame(
        {
            "n_cells": grouped.size(),
            "mean_rate_hz": grouped["rate_hz"].mean(),
            "median_rate_hz": grouped["rate_hz"].median(),
            "fraction_silent": grouped["n_spikes"].apply(lambda s: float((s == 0).mean())),
            "mean_isi_cv": grouped["isi_cv"].mean(),
            "n_with_cv": grouped["isi_cv"].count(),
        }
    )
    table["billeh_group"] = [target_group(c) for c in table.index]
    table["billeh_rate_hz"] = [target_rate_hz(c) for c in table.index]
    if reference_rates_hz is not None:
        table["reference_mean_rate_hz"] = reference_rates_hz.groupby(neurons["cell_class"]).mean()
    return table.reset_index().rename(columns={"index": "cell_class"})
