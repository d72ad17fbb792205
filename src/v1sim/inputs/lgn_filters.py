"""The LGN unit model of the Allen V1 model (Billeh et al. 2020, after Durand et al. 2016): linear–nonlinear
filters, one spatial Gaussian times one temporal biphasic kernel per subunit, rectified.

*Temporal kernel* (a raised-cosine basis in log time, Pillow et al. 2008, as fitted for the model): for lag τ in
ms, ``bump_j(τ) = ½(1 + cos(clip((ln(τ + 0.3) − ln κ_j)·π / (2Δ), −π, π)))`` with ``Δ = ln(200.3/100.3)`` and
peaks ``κ_j``, τ = 1…600; each bump is L2-normalised, delayed by ``d_j`` whole ms (lags before ``d_0`` are
zero; the second bump is cut to the first's length, 600 + ``d_0``), L2-normalised again, and weighted:
``K(lag) = w_0·c_0(lag) + w_1·c_1(lag)``, lag = 0, 1, … ms. The fitted ``w``, ``κ``, ``d`` per unit type, and each
type's spontaneous rate (the mean ``Spont`` of the recorded cells whose strongest F0 response is at the type's
temporal frequency), are the model's published figures; they are read from the copies bmtk 1.2 installs
(``bmtk/utils/scripts/filternet/filter_models/*.json``, ``…/lgnmodel/cell_metrics/*_cell_data.csv``), not
copied here.

*Spatial kernel*: a Gaussian of σ = ``spatial_size``/3 degrees at the unit's (x, y), discretised on the
screen's grid as the model's LGN stage does: a unit mass split over the central grid point(s), blurred by a
sampled Gaussian of σ/pitch grid points (truncated at 4σ), moved to (x, y) by linear interpolation (zero
outside the screen), normalised to sum 1. It is separable, so it is kept as one vector per axis.

*Units*: an ON (OFF) unit's rate is ``max(0, ±K∗s + spont)``, s the screen luminance seen through the spatial
kernel. The two-subfield types ``sONsOFF_001`` and ``sONtOFF_001`` add two rectified subunits,
``max(0, a_off·K_off∗s_off + spont/2) + max(0, K_on∗s_on + spont/2)``: the dominant OFF subunit at (x, y), the
ON one ``sf_sep`` degrees away along the unit's ``tuning_angle``; each subunit's kernel is delayed so that its
first zero crossing falls at the published time to peak, and ``a_off`` follows from the published peak rates
(the constants in :data:`TWO_SUBFIELD`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError

KERNEL_SAMPLES = 600
_B = 0.3
_DB = np.log(200.0 + _B) - np.log(100.0 + _B)


@dataclass(frozen=True)
class TemporalParams:
    """Weights, peaks (ms) and delays (ms) of the two raised-cosine bumps of a temporal kernel."""

    weights: tuple[float, float]
    kpeaks: tuple[float, float]
    delays: tuple[float, float]


@dataclass(frozen=True)
class TwoSubfield:
    """How a two-subfield type is made: base kernels, times to peak (ms), spontaneous and peak rates (Hz)."""

    off_kernel: str
    on_kernel: str
    off_ttp_ms: float
    on_ttp_ms: float
    spont_hz: float
    max_off_hz: float
    max_on_hz: float
    off_gain: float  #: 1 for sONsOFF, 0.7 for sONtOFF


#: The two-subfield types. Times to peak, rates and gains are the model's (Billeh et al. 2020 LGN stage); which
#: fitted single-unit kernels make the subunits is our choice (the release's node files carry their own).
TWO_SUBFIELD = {
    "sONsOFF_001": TwoSubfield("sOFF_TF4", "sON_TF4", 115.0, 121.0, 4.0, 35.0, 21.0, 1.0),
    "sONtOFF_001": TwoSubfield("tOFF_TF8", "sON_TF4", 64.8, 93.5, 5.5, 46.0, 31.0, 0.7),
}
#: The 12 single-subunit types of the release.
SINGLE_TYPES = (
    "sON_TF1",
    "sON_TF2",
    "sON_TF4",
    "sON_TF8",
    "sOFF_TF1",
    "sOFF_TF2",
    "sOFF_TF4",
    "sOFF_TF8",
    "sOFF_TF15",
    "tOFF_TF4",
    "tOFF_TF8",
    "tOFF_TF15",
)
UNIT_TYPES = SINGLE_TYPES + tuple(TWO_SUBFIELD)


def _bmtk_filternet_dir() -> Path:
    try:
        import bmtk
    except ImportError:
        raise V1SimInputError(
            None, "lgn", "the LGN filter figures are read from bmtk's FilterNet data: pip install bmtk==1.2.0"
        ) from None
    return Path(bmtk.__file__).parent


@lru_cache
def temporal_params(unit_type: str) -> TemporalParams:
    """The fitted temporal kernel of a single-subunit type (``sON_TF8``, …)."""
    path = _bmtk_filternet_dir() / "utils" / "scripts" / "filternet" / "filter_models" / f"{unit_type}.json"
    if not path.is_file():
        raise V1SimInputError(path, "lgn model", f"no fitted temporal kernel for LGN type {unit_type!r}")
    fit = json.loads(path.read_text())
    return TemporalParams(tuple(fit["opt_wts"]), tuple(fit["opt_kpeaks"]), tuple(fit["opt_delays"]))


@lru_cache
def spont_hz(unit_type: str) -> float:
    """Spontaneous rate of a single-subunit type: the mean ``Spont`` of the recorded cells of its class (sON,
    sOFF, tOFF) whose largest F0 is at its temporal frequency."""
    cell_class, _, tf = unit_type.partition("_")
    path = (
        _bmtk_filternet_dir()
        / "simulator"
        / "filternet"
        / "lgnmodel"
        / "cell_metrics"
        / f"{cell_class}_cell_data.csv"
    )
    if not path.is_file():
        raise V1SimInputError(path, "lgn model", f"no recorded cells for LGN class {cell_class!r}")
    cells = pd.read_csv(path)
    f0 = cells.filter(regex=r"^F0_TF\d+$")
    best = f0.idxmax(axis=1).str.slice(3)
    mine = cells.loc[best == tf, "Spont"]
    if mine.empty:
        raise V1SimInputError(path, "lgn model", f"no recorded {cell_class} cell peaks at {tf}")
    return float(mine.mean())


def cosine_bump_kernel(params: TemporalParams) -> np.ndarray:
    """The temporal kernel at lags 0, 1, 2, … ms (module docstring); length 600 + d_0."""
    (w0, w1), (k0, k1), (d0, d1) = (
        params.weights,
        params.kpeaks,
        (int(params.delays[0]), int(params.delays[1])),
    )
    if not (k0 < k1 and d0 <= d1 and d0 >= 0):
        raise V1SimInputError(
            None, "lgn kernel", f"need kpeaks increasing and 0 <= delays increasing: {params}"
        )
    tau = np.arange(1, KERNEL_SAMPLES + 1, dtype=np.float64)
    n = KERNEL_SAMPLES + d0
    columns = []
    for peak, delay in ((k0, d0), (k1, d1)):
        bump = 0.5 * (
            1 + np.cos(np.clip((np.log(tau + _B) - np.log(peak)) * np.pi / (2 * _DB), -np.pi, np.pi))
        )
        bump /= np.linalg.norm(bump)
        column = np.zeros(n)
        column[delay:] = bump[: n - delay]
        columns.append(column / np.linalg.norm(column))
    return w0 * columns[0] + w1 * columns[1]


def first_zero_crossing(kernel: np.ndarray) -> int:
    """Index of the kernel's first sample below 0 after its peak (and before its trough)."""
    peak, trough = int(np.argmax(kernel)), int(np.argmin(kernel))
    segment = kernel[peak:trough]
    down = np.flatnonzero((segment[:-1] >= 0) & (segment[1:] < 0))
    if len(down) == 0:
        raise V1SimInputError(
            None, "lgn kernel", "the kernel does not cross zero between its peak and trough"
        )
    return peak + int(down[0]) + 1


def aligned_kernel(params: TemporalParams, ttp_ms: float) -> tuple[np.ndarray, float]:
    """A subunit kernel delayed so its first zero crossing is at ``ttp_ms`` (whole ms, truncated), and the sum
    of the undelayed kernel before its crossing."""
    kernel = cosine_bump_kernel(params)
    crossing = first_zero_crossing(kernel)
    shift = ttp_ms - crossing
    if shift < 0:
        raise V1SimInputError(None, "lgn kernel", f"time to peak {ttp_ms} ms precedes the kernel's crossing")
    delays = tuple(float(int(d + shift)) for d in params.delays)
    return cosine_bump_kernel(TemporalParams(params.weights, params.kpeaks, delays)), float(
        kernel[:crossing].sum()
    )


@dataclass(frozen=True)
class Channel:
    """One rectified subunit: its kernel, sign/gain, rate offset (Hz) and displacement from the unit (degrees,
    along the unit's tuning angle)."""

    kernel: np.ndarray
    amplitude: float
    offset_hz: float
    displaced: bool


@lru_cache
def unit_channels(unit_type: str) -> tuple[Channel, ...]:
    """The subunits of an LGN unit type."""
    if unit_type in SINGLE_TYPES:
        sign = 1.0 if unit_type.startswith("sON") or unit_type.startswith("tON") else -1.0
        return (Channel(cosine_bump_kernel(temporal_params(unit_type)), sign, spont_hz(unit_type), False),)
    if unit_type in TWO_SUBFIELD:
        t = TWO_SUBFIELD[unit_type]
        on, on_sum = aligned_kernel(temporal_params(t.on_kernel), t.on_ttp_ms)
        off, off_sum = aligned_kernel(temporal_params(t.off_kernel), t.off_ttp_ms)
        off_amplitude = -t.off_gain * (t.max_off_hz / t.max_on_hz) * (on_sum / off_sum) - t.spont_hz * (
            t.max_off_hz - t.max_on_hz
        ) / (t.max_on_hz * off_sum)
        half = 0.5 * t.spont_hz
        return (Channel(off, off_amplitude, half, False), Channel(on, 1.0, half, True))
    raise V1SimInputError(
        None, "lgn model", f"unknown LGN unit type {unit_type!r}; known: {', '.join(UNIT_TYPES)}"
    )


def _axis_kernel(position_deg: np.ndarray, sigma_deg: np.ndarray, grid_deg: np.ndarray) -> np.ndarray:
    """Per unit, the 1-D discretised Gaussian along one screen axis (module docstring), not yet normalised."""
    from scipy.ndimage import gaussian_filter1d

    n = len(grid_deg)
    pitch = grid_deg[1] - grid_deg[0]
    centre = (n - 1) / 2.0
    seed = np.zeros(n)
    seed[int(np.floor(centre))] += 0.5
    seed[int(np.ceil(centre))] += 0.5
    index = np.arange(n, dtype=np.float64)
    out = np.empty((len(position_deg), n))
    for u, (position, sigma) in enumerate(zip(position_deg, sigma_deg, strict=True)):
        blurred = gaussian_filter1d(seed, sigma / pitch, mode="nearest", truncate=4.0)
        # move the centre to the unit: out[i] = blurred(i − shift), linear, zero beyond the edges
        shift = position / pitch - centre
        padded = np.concatenate([[0.0], blurred, [0.0]])
        out[u] = np.interp(index - shift, np.arange(-1, n + 1, dtype=np.float64), padded, left=0.0, right=0.0)
    return out


def spatial_kernels(
    x_deg: np.ndarray, y_deg: np.ndarray, sigma_deg: np.ndarray, screen_x: np.ndarray, screen_y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Separable spatial kernels (units × columns, units × rows) whose outer product sums to 1 per unit."""
    kx = _axis_kernel(np.asarray(x_deg, float), np.asarray(sigma_deg, float), screen_x)
    ky = _axis_kernel(np.asarray(y_deg, float), np.asarray(sigma_deg, float), screen_y)
    total = kx.sum(axis=1) * ky.sum(axis=1)
    if (total <= 0).any():
        bad = int(np.argmax(total <= 0))
        raise V1SimInputError(
            None, "lgn x/y", f"unit {bad} at ({x_deg[bad]}, {y_deg[bad]}) deg is off the screen"
        )
    norm = np.sqrt(total)
    return kx / norm[:, None], ky / norm[:, None]
