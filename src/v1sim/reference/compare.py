"""Our spikes against NEST's: rates per class, where the two first differ, and spike-train distances."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.analysis.activity import read_simulated_cells
from v1sim.analysis.classes import AUTO
from v1sim.sonata.spikes import read_spikes


@dataclass
class Spikes:
    """Spikes of the simulated populations as one table: population, node_id, time (ms)."""

    table: pd.DataFrame

    @classmethod
    def read(cls, path: Path, populations: list[str]) -> Spikes:
        trains = read_spikes(path)
        frames = [
            pd.DataFrame({"population": pop, "node_id": ids, "time_ms": times})
            for pop, (ids, times) in trains.items()
            if pop in populations
        ]
        table = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame({"population": [], "node_id": np.zeros(0, np.int64), "time_ms": np.zeros(0)})
        )
        return cls(
            table.sort_values(["time_ms", "population", "node_id"], kind="mergesort").reset_index(drop=True)
        )


def first_divergence(
    ours: pd.DataFrame, theirs: pd.DataFrame, tolerance_ms: float = 1e-6
) -> tuple[float | None, int]:
    """Time of the first spike that is not in both lists (None if identical) and the spikes identical before it."""
    n = min(len(ours), len(theirs))
    same = (
        (ours["population"].to_numpy()[:n] == theirs["population"].to_numpy()[:n])
        & (ours["node_id"].to_numpy()[:n] == theirs["node_id"].to_numpy()[:n])
        & (np.abs(ours["time_ms"].to_numpy()[:n] - theirs["time_ms"].to_numpy()[:n]) <= tolerance_ms)
    )
    differ = np.flatnonzero(~same)
    if len(differ) == 0:
        if len(ours) == len(theirs):
            return None, n
        longer = ours if len(ours) > n else theirs
        return float(longer["time_ms"].iloc[n]), n
    i = int(differ[0])
    return float(min(ours["time_ms"].iloc[i], theirs["time_ms"].iloc[i])), i


def van_rossum(
    ours: pd.DataFrame,
    theirs: pd.DataFrame,
    keys: pd.DataFrame,
    tstop_ms: float,
    tau_ms: float = 10.0,
    bin_ms: float = 0.5,
) -> np.ndarray:
    """Van Rossum distance per neuron (rows of ``keys``: population, node_id), on a ``bin_ms`` grid.

    D² = (1/τ) ∫ (f − g)² dt with f, g the trains filtered by e^{−t/τ}; D² is 1/2 per unmatched spike, 0 when
    the trains are equal.
    """
    n_bins = int(np.ceil(tstop_ms / bin_ms)) + 1
    index = pd.MultiIndex.from_arrays([keys["population"].astype(str), keys["node_id"].astype(np.int64)])

    def binned(frame: pd.DataFrame) -> np.ndarray:
        rows = index.get_indexer(
            pd.MultiIndex.from_arrays([frame["population"].astype(str), frame["node_id"].astype(np.int64)])
        )
        keep = rows >= 0
        counts = np.zeros((len(keys), n_bins))
        np.add.at(counts, (rows[keep], (frame["time_ms"].to_numpy()[keep] / bin_ms).astype(int)), 1.0)
        return counts

    diff = binned(ours) - binned(theirs)
    decay = np.exp(-bin_ms / tau_ms)
    filtered = np.zeros(len(keys))
    total = np.zeros(len(keys))
    for b in range(n_bins):  # exponential filter over time bins, vectorised over neurons
        filtered = filtered * decay + diff[:, b]
        total += filtered**2
    return np.sqrt(total * bin_ms / tau_ms)


def compare(
    ours_path: Path,
    nest_path: Path,
    nodes_path: Path,
    tstop_ms: float,
    class_column: str = AUTO,
    sample: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Rates per class (ours, NEST), first divergence, identical spikes, van Rossum distances on a neuron sample.

    Cells are classed by ``class_column`` (:mod:`v1sim.analysis.classes`); ``per_class`` rows are keyed
    ``cell_class``."""
    simulated = read_simulated_cells(nodes_path, class_column)
    populations = sorted(simulated["population"].astype(str).unique())
    ours = Spikes.read(ours_path, populations).table
    theirs = Spikes.read(nest_path, populations).table
    cls = simulated.set_index(["population", "node_id"])["cell_class"]
    size = cls.value_counts()
    rates = {}
    for name, frame in (("v1sim", ours), ("nest", theirs)):
        labels = cls.reindex(pd.MultiIndex.from_arrays([frame["population"], frame["node_id"]])).to_numpy()
        rates[name] = (
            pd.Series(labels).value_counts().reindex(size.index, fill_value=0) / size / (tstop_ms / 1000.0)
        )
    per_class = pd.DataFrame(
        {"n_cells": size, "rate_v1sim_hz": rates["v1sim"], "rate_nest_hz": rates["nest"]}
    )
    per_class["relative_difference"] = (per_class["rate_v1sim_hz"] - per_class["rate_nest_hz"]) / per_class[
        "rate_nest_hz"
    ].where(per_class["rate_nest_hz"] > 0)
    diverge_ms, identical = first_divergence(ours, theirs)
    rng = np.random.default_rng(seed)
    keys = simulated[["population", "node_id"]].iloc[np.sort(rng.permutation(len(simulated))[:sample])]
    distance = van_rossum(ours, theirs, keys.reset_index(drop=True), tstop_ms)
    return {
        "tstop_ms": tstop_ms,
        "class_column": class_column,
        "populations": populations,
        "n_spikes_v1sim": len(ours),
        "n_spikes_nest": len(theirs),
        "identical_spikes_before_divergence": identical,
        "first_divergence_ms": diverge_ms,
        "van_rossum_tau_ms": 10.0,
        "van_rossum_median": float(np.median(distance)) if len(distance) else 0.0,
        "van_rossum_mean": float(np.mean(distance)) if len(distance) else 0.0,
        "per_class": per_class.reset_index(names="cell_class").to_dict(orient="records"),
    }
