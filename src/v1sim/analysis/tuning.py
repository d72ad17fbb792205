"""Orientation and direction tuning from a drifting-grating experiment (directions × trials of spike files).

Per cell: the mean rate at each direction θ_k over trials (spikes in the grating window / its length), then
``OSI = |Σ r_k e^{2iθ_k}| / Σ r_k``, ``DSI = |Σ r_k e^{iθ_k}| / Σ r_k`` and the preferred direction, the direction
of largest mean rate. As in the published analyses (Billeh et al. 2020), OSI and DSI are reported for cells
firing at least 0.5 Hz at their preferred direction (the others get NaN). The trials of each direction are also
split alternately into two halves, whose preferred directions show how far trial noise limits the estimate, and
the measured curves, each turned onto its cell's ``tuning_angle`` and resampled, show what the correlation with
``tuning_angle`` could be at best with this trial count (:func:`aligned_ceiling`).
Per class: medians next to the Billeh targets and the Neuropixels units of the Allen Brain Observatory
(``shared/reference/allen-biorealistic-v1/OSI_DSI_neuropixels_v4.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.analysis.activity import load_activity
from v1sim.analysis.classes import AUTO
from v1sim.analysis.targets import BILLEH_OSI_DSI, BILLEH_RATE_HZ
from v1sim.errors import V1SimInputError
from v1sim.storage import parquet_columns, read_parquet
from v1sim.taxonomy import target_group

#: Cells below this rate at their preferred direction get no OSI/DSI.
MIN_PREFERRED_HZ = 0.5


def selectivity(
    rates_hz: np.ndarray, directions_deg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OSI, DSI and preferred direction (degrees) of each row of ``rates_hz`` (cells × directions).

    Rows with no spikes get NaN; the preferred direction is the direction of the largest rate. Ties (equal spike
    counts are common at low rates) go to the tied direction nearest the angle of ``Σ r e^{iθ}``, not to the first
    in the list, which would bias preferred directions towards 0°."""
    rates = np.asarray(rates_hz, dtype=np.float64)
    theta = np.deg2rad(np.asarray(directions_deg, dtype=np.float64))
    total = rates.sum(axis=1)
    resultant = rates @ np.exp(1j * theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        osi = np.abs(rates @ np.exp(2j * theta)) / total
        dsi = np.abs(resultant) / total
    is_max = rates == rates.max(axis=1, keepdims=True)
    closeness = np.cos(theta[None, :] - np.angle(resultant)[:, None])  # in [-1, 1]
    preferred = np.asarray(directions_deg, dtype=np.float64)[
        np.argmax(np.where(is_max, 2.0 + closeness, 0.0), axis=1)
    ]
    preferred = np.where(total > 0, preferred, np.nan)
    return osi, dsi, preferred


def circular_correlation(alpha_deg: np.ndarray, beta_deg: np.ndarray) -> float:
    """Fisher–Lee circular correlation of two angles (Fisher & Lee 1983; Fisher 1993, eq. 6.36).

    ``Σ_{i<j} sin(α_i−α_j)·sin(β_i−β_j) / √(Σ_{i<j} sin²(α_i−α_j) · Σ_{i<j} sin²(β_i−β_j))``, computed from
    sums in O(n): 1 when β is α rotated, −1 when reflected; for β = α + noise ε it is ≈ (E cos ε)². Unlike
    the Jammalamadaka–SenGupta coefficient it needs no mean direction, so it is defined for the uniformly
    spread tuning angles of a V1 column (there the mean direction is noise and that coefficient is too).
    """
    a, b = np.deg2rad(np.asarray(alpha_deg, float)), np.deg2rad(np.asarray(beta_deg, float))
    n = len(a)
    ca, sa, cb, sb = np.cos(a), np.sin(a), np.cos(b), np.sin(b)
    cross = np.sum(ca * cb) * np.sum(sa * sb) - np.sum(ca * sb) * np.sum(sa * cb)
    spread_a = n**2 - np.sum(np.cos(2 * a)) ** 2 - np.sum(np.sin(2 * a)) ** 2
    spread_b = n**2 - np.sum(np.cos(2 * b)) ** 2 - np.sum(np.sin(2 * b)) ** 2
    if spread_a <= 0 or spread_b <= 0:
        return float("nan")
    return float(4 * cross / np.sqrt(spread_a * spread_b))


def aligned_ceiling(
    rates_hz: np.ndarray,
    seconds: np.ndarray,
    directions_deg: np.ndarray,
    tuning_angle_deg: np.ndarray,
    rng: np.random.Generator,
) -> float:
    """Correlation with ``tuning_angle`` that these tuning curves would give if every cell were aligned.

    Each cell's mean tuning curve (row of ``rates_hz``) is turned by whole direction steps so that its
    preferred direction lies on the direction nearest its ``tuning_angle``; spike counts are drawn
    Poisson(rate × ``seconds`` of that direction), and the preferred directions of those counts are correlated
    with ``tuning_angle`` (:func:`circular_correlation`). Trial noise and the strength of direction tuning are
    kept, misalignment is removed: the most this experiment could show. The measured curves carry trial noise
    of their own, which adds to their direction selectivity, so this is an upper estimate. Cells whose resampled
    counts are all zero, or without a tuning angle, are left out. NaN unless the directions are evenly
    spaced over the circle and at least 3 cells are left.
    """
    directions = np.asarray(directions_deg, float)
    n = len(directions)
    steps = np.diff(np.r_[directions, directions[0] + 360.0])
    if n < 3 or not np.allclose(steps, 360.0 / n):
        return float("nan")
    rates = np.asarray(rates_hz, float)
    angle = np.asarray(tuning_angle_deg, float)
    preferred_index = np.searchsorted(directions, selectivity(rates, directions)[2])
    target_index = np.round(np.nan_to_num(angle - directions[0]) / (360.0 / n)).astype(int) % n
    shift = (target_index - preferred_index) % n
    turned = rates[np.arange(len(rates))[:, None], (np.arange(n)[None, :] - shift[:, None]) % n]
    counts = rng.poisson(turned * np.asarray(seconds, float)[None, :])
    preferred = selectivity(counts, directions)[2]
    # a cell whose resampled counts are all zero has no preferred direction; one without an angle no target
    drawn = np.isfinite(preferred) & np.isfinite(angle)
    if drawn.sum() < 3:
        return float("nan")
    return circular_correlation(preferred[drawn], angle[drawn])


def angle_offset_deg(alpha_deg: np.ndarray, beta_deg: np.ndarray) -> float:
    """Median absolute angular difference |α − β| in [0°, 180°]."""
    d = (np.asarray(alpha_deg, float) - np.asarray(beta_deg, float) + 180.0) % 360.0 - 180.0
    return float(np.median(np.abs(d)))


@dataclass
class DirectionRates:
    """Mean rate of every cell at every direction, over all trials and over each half of them."""

    cells: pd.DataFrame
    directions_deg: np.ndarray
    #: cells × directions, Hz
    rates_hz: np.ndarray
    #: 2 × cells × directions: the trials of each direction split alternately into two halves (None when a
    #: direction has fewer than 2 trials)
    half_rates_hz: np.ndarray | None
    #: seconds counted at each direction, all trials together
    seconds: np.ndarray


def direction_rates(
    trials: pd.DataFrame, nodes: str | Path, window_ms: tuple[float, float], class_column: str = AUTO
) -> DirectionRates:
    """Mean rate of every cell at every direction over its trials (``trials``: columns direction_deg, trial,
    spikes = path of the trial's SONATA spike file), and the same for two halves of the trials; cells classed
    by ``class_column`` (:mod:`v1sim.analysis.classes`)."""
    directions = np.sort(trials["direction_deg"].unique())
    ordered = trials.sort_values(["direction_deg", "trial"], kind="stable")
    half = ordered.groupby("direction_deg").cumcount().to_numpy() % 2
    # spike counts and seconds are summed separately, so equal counts give exactly equal rates (argmax ties)
    spikes, seconds, cells = None, np.zeros((2, len(directions))), None
    for row, h in zip(ordered.itertuples(), half, strict=True):
        activity = load_activity(row.spikes, nodes, window_ms[1], window_ms[0], class_column)
        if spikes is None:
            cells = activity.cells
            spikes = np.zeros((2, activity.n_cells, len(directions)))
        k = int(np.searchsorted(directions, row.direction_deg))
        spikes[h, :, k] += activity.spike_counts()
        seconds[h, k] += activity.duration_s
    if spikes is None:
        raise V1SimInputError(None, "tuning", "no trials to analyse")

    if "tuning_angle" in parquet_columns(nodes):
        angles = read_parquet(nodes, columns=["population", "node_id", "tuning_angle"])
        cells = cells.merge(angles, on=["population", "node_id"], how="left")
    rates = spikes.sum(axis=0) / seconds.sum(axis=0)[None, :]
    halves = spikes / seconds[:, None, :] if (seconds > 0).all() else None
    return DirectionRates(cells, directions, rates, halves, seconds.sum(axis=0))


def neuron_tuning(cells: pd.DataFrame, directions: np.ndarray, rates: np.ndarray) -> pd.DataFrame:
    """Per cell: rates per direction, mean rate, OSI, DSI, preferred direction (NaN below 0.5 Hz preferred)."""
    osi, dsi, preferred = selectivity(rates, directions)
    responsive = rates.max(axis=1) >= MIN_PREFERRED_HZ
    table = cells[["population", "node_id", "cell_class"]].copy()
    for column in ("ei", "tuning_angle", "y"):
        if column in cells:
            table[column] = cells[column].to_numpy()
    for k, direction in enumerate(directions):
        table[f"rate_{direction:g}"] = rates[:, k]
    table["mean_rate_hz"] = rates.mean(axis=1)
    table["preferred_direction_deg"] = preferred
    table["osi"] = np.where(responsive, osi, np.nan)
    table["dsi"] = np.where(responsive, dsi, np.nan)
    return table


def neuropixels_medians(path: str | Path) -> pd.DataFrame:
    """Median OSI, DSI and mean rate per target group of the Neuropixels units (NaN OSI/DSI are left out)."""
    units = pd.read_csv(path, sep=" ")
    units["group"] = units["cell_type"].str.replace(" Exc", " E", regex=False)
    return units.groupby("group").agg(
        np_units=("OSI", "size"),
        np_osi=("OSI", "median"),
        np_dsi=("DSI", "median"),
        np_rate_hz=("Ave_Rate(Hz)", "median"),
    )


def class_tuning(neurons: pd.DataFrame, neuropixels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per class: cells, responsive cells, mean rate, median OSI/DSI, beside the Billeh targets (and Neuropixels)."""
    rows = []
    for cell_class, group in neurons.groupby("cell_class", sort=True):
        target = target_group(cell_class)
        osi_dsi = BILLEH_OSI_DSI.get(target, (np.nan, np.nan)) if target else (np.nan, np.nan)
        rows.append(
            {
                "cell_class": cell_class,
                "target_group": target,
                "n_cells": len(group),
                "n_responsive": int(group["osi"].notna().sum()),
                "mean_rate_hz": group["mean_rate_hz"].mean(),
                "median_osi": group["osi"].median(),
                "median_dsi": group["dsi"].median(),
                "billeh_rate_hz": BILLEH_RATE_HZ.get(target, np.nan) if target else np.nan,
                "billeh_osi": osi_dsi[0],
                "billeh_dsi": osi_dsi[1],
            }
        )
    table = pd.DataFrame(rows)
    if neuropixels is not None:
        table = table.join(neuropixels, on="target_group")
    return table
