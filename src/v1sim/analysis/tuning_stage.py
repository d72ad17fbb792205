"""``v1sim tuning``: the tables of a drifting-grating experiment, written atomically with provenance."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.analysis.classes import AUTO
from v1sim.analysis.tuning import (
    aligned_ceiling,
    angle_offset_deg,
    circular_correlation,
    class_tuning,
    direction_rates,
    neuron_tuning,
    neuropixels_medians,
    selectivity,
)
from v1sim.errors import V1SimInputError
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.storage import write_parquet
from v1sim.taxonomy import target_group

log = logging.getLogger(__name__)

TABLES = ("neurons.parquet", "classes.csv", "provenance.json")
#: Every file :func:`analyse_tuning` writes into its folder.
OUTPUTS = TABLES
#: Target groups whose preferred directions are compared with the cells' tuning_angle.
TUNED_GROUPS = ("L2/3 E", "L4 E")
#: seed of the Poisson counts of the aligned ceiling (a fixed seed: the summary is reproducible)
CEILING_SEED = 0


def _read_trials(source: Path | pd.DataFrame) -> pd.DataFrame:
    """The trials table (direction_deg, trial, spikes), checked: finite directions, whole trial numbers,
    spike files that exist (relative paths are relative to the table's folder)."""
    if isinstance(source, pd.DataFrame):
        trials, path = source.copy(), Path("trials")
    else:
        path = Path(source)
        if not path.is_file():
            raise V1SimInputError(path, None, "file not found")
        try:
            trials = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            raise V1SimInputError(path, None, "empty: expected a CSV with direction_deg, trial, spikes") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            reason = " ".join(str(exc).split())
            raise V1SimInputError(path, None, f"not a CSV table of trials ({reason})") from None
    missing = {"direction_deg", "trial", "spikes"} - set(trials.columns)
    if missing:
        raise V1SimInputError(path, sorted(missing)[0], "the trials table needs direction_deg, trial, spikes")
    if trials.empty:
        raise V1SimInputError(path, None, "the trials table has no rows")
    direction = pd.to_numeric(trials["direction_deg"], errors="coerce").to_numpy(dtype=float)
    trial = pd.to_numeric(trials["trial"], errors="coerce").to_numpy(dtype=float)
    for column, bad, what in (
        ("direction_deg", ~np.isfinite(direction), "a finite angle"),
        ("trial", ~np.isfinite(trial) | (trial % 1 != 0) | (trial < 0), "a trial number"),
    ):
        if bad.any():
            row = int(np.argmax(bad))
            raise V1SimInputError(path, column, f"row {row + 1}: {trials[column].iloc[row]!r} is not {what}")
    trials["direction_deg"], trials["trial"] = direction, trial.astype(np.int64)
    if trials["direction_deg"].nunique() < 3:
        raise V1SimInputError(path, "direction_deg", "OSI and DSI need at least 3 directions")
    trials["spikes"] = [
        str((path.parent / str(p)) if not Path(str(p)).is_absolute() else p) for p in trials["spikes"]
    ]
    for row, spikes in enumerate(trials["spikes"]):
        if not Path(spikes).is_file():
            raise V1SimInputError(path, "spikes", f"row {row + 1}: {spikes}: file not found")
    return trials


def analyse_tuning(
    trials: str | Path | pd.DataFrame,
    nodes: str | Path,
    outdir: str | Path,
    window_ms: tuple[float, float],
    neuropixels: str | Path | None = None,
    class_column: str = AUTO,
) -> dict[str, Any]:
    """Tuning of every cell and class from the trials' spike files (``trials``: a CSV path or a table with
    direction_deg, trial, spikes), rates counted in ``window_ms`` (the grating, without the gray screen), cells
    classed by ``class_column`` (:mod:`v1sim.analysis.classes`)."""
    started = time.perf_counter()
    table = _read_trials(trials if isinstance(trials, pd.DataFrame) else Path(trials))
    if not window_ms[1] > window_ms[0]:
        raise V1SimInputError(None, "window_ms", f"the window must have positive length, got {window_ms}")
    measured = direction_rates(table, nodes, window_ms, class_column)
    directions = measured.directions_deg
    neurons = neuron_tuning(measured.cells, directions, measured.rates_hz)
    half_preferred = (
        [selectivity(r, directions)[2] for r in measured.half_rates_hz]
        if measured.half_rates_hz is not None
        else None
    )
    reference = neuropixels_medians(neuropixels) if neuropixels else None
    classes = class_tuning(neurons, reference)
    groups = neurons["cell_class"].map(lambda c: target_group(c) or "")
    correlation, orientation_correlation, offset, split_half, ceiling = {}, {}, {}, {}, {}
    if "tuning_angle" in neurons:
        for group in TUNED_GROUPS:
            counted = ((groups == group) & neurons["osi"].notna()).to_numpy()
            mine = neurons[counted]
            if len(mine) >= 3:
                preferred, angle = mine["preferred_direction_deg"], mine["tuning_angle"]
                correlation[group] = circular_correlation(preferred, angle)
                # orientations: angles mod 180° doubled onto the circle
                orientation_correlation[group] = circular_correlation(2 * preferred, 2 * angle)
                offset[group] = angle_offset_deg(preferred, angle)
                best = aligned_ceiling(
                    measured.rates_hz[counted],
                    measured.seconds,
                    directions,
                    angle.to_numpy(),
                    np.random.default_rng(CEILING_SEED),
                )
                if np.isfinite(best):  # absent, like the split-half, where it cannot be computed
                    ceiling[group] = best
    for group in TUNED_GROUPS:
        if half_preferred is None:
            break
        both = np.isfinite(half_preferred[0]) & np.isfinite(half_preferred[1])
        mine = ((groups == group) & neurons["osi"].notna()).to_numpy() & both
        if mine.sum() >= 3:
            # agreement of two independent estimates: the ceiling trial noise puts on any correlation
            split_half[group] = circular_correlation(half_preferred[0][mine], half_preferred[1][mine])
    with atomic_directory(Path(outdir)) as tmp:
        write_parquet(neurons, tmp / "neurons.parquet")
        classes.to_csv(tmp / "classes.csv", index=False)
        summary = {
            "n_cells": len(neurons),
            "n_responsive": int(neurons["osi"].notna().sum()),
            "directions_deg": [float(d) for d in directions],
            "trials": len(table),
            "window_ms": list(window_ms),
            "median_osi": {g: float(neurons.loc[groups == g, "osi"].median()) for g in TUNED_GROUPS},
            "preferred_vs_tuning_angle_circular_correlation": correlation,
            "preferred_orientation_vs_tuning_angle_circular_correlation": orientation_correlation,
            "preferred_vs_tuning_angle_median_offset_deg": offset,
            "preferred_direction_split_half_circular_correlation": split_half,
            "preferred_vs_tuning_angle_aligned_ceiling": ceiling,
            "mean_rate_hz": float(np.nanmean(neurons["mean_rate_hz"])),
        }
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="tuning",
                nodes=str(Path(nodes).resolve()),
                neuropixels=str(neuropixels) if neuropixels else None,
                class_column=class_column,
                trial_files=table["spikes"].tolist(),
                **summary,
            ),
        )
    log.info(
        "tuning: %d cells, %d responsive, correlation %s",
        summary["n_cells"],
        summary["n_responsive"],
        correlation,
    )
    return summary
