"""Spike trains of known structure, written as a SONATA spike file with a matching nodes.parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.sonata.spikes import write_spikes


def write_cells(path: Path, cell_class: list[str], y: np.ndarray | None = None) -> pd.DataFrame:
    """A nodes.parquet with the columns the analyses read: population v1, node ids 0..n-1, and one virtual
    input node (which the analyses must leave out)."""
    n = len(cell_class)
    cells = pd.DataFrame(
        {
            "population": ["v1"] * n + ["lgn"],
            "node_id": np.r_[np.arange(n), 0],
            "model_type": ["point_process"] * n + ["virtual"],
            "pop_name": [*cell_class, None],
            "ei": [c[0] for c in cell_class] + [None],
            "x": np.zeros(n + 1),
            "y": np.r_[np.linspace(-50, -800, n) if y is None else y, np.nan],
            "z": np.zeros(n + 1),
        }
    )
    cells.to_parquet(path, index=False)
    return cells


def write_trains(path: Path, trains: list[np.ndarray], extra: dict | None = None) -> None:
    """Spike file of population v1 from one array of times (ms) per cell."""
    ids = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)])
    times = np.concatenate(trains)
    write_spikes(path, {"v1": (ids, times), **(extra or {})})


def poisson_train(rng: np.random.Generator, rate_hz: float, t_stop_ms: float) -> np.ndarray:
    n = rng.poisson(rate_hz * t_stop_ms / 1000.0)
    return np.sort(rng.uniform(0.0, t_stop_ms, n))


def modulated_train(
    rng: np.random.Generator, peak_hz: float, phase: float, period_ms: float, t_stop_ms: float
) -> np.ndarray:
    """Inhomogeneous Poisson at ``peak_hz·(1 + cos(2πt/period − phase))/2`` (by thinning)."""
    candidates = poisson_train(rng, peak_hz, t_stop_ms)
    keep = rng.uniform(size=len(candidates)) < 0.5 * (1 + np.cos(2 * np.pi * candidates / period_ms - phase))
    return candidates[keep]
