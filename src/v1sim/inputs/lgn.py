"""LGN responses to a visual stimulus: rates of every unit, vectorised over units and time, and seeded spikes.

The unit model is :mod:`v1sim.inputs.lgn_filters`; stimuli are :mod:`v1sim.inputs.stimulus`. Rates are computed
at 1 ms frames: ``L[n] = a·Σ_{k=0..n} K[k]·s[n−k]`` (the screen before the first frame counts as gray) and
``rate[n] = Σ_subunits max(0, L[n] + offset)``.

For a drifting grating the spatial sum has a closed form: a subunit with separable kernel ``kx ⊗ ky`` sees
``s[n] = c·Im(G·e^{iφ}·e^{−2πi·tf·τ_n})`` while the grating shows (0 before), with
``G = (Σ kx·e^{2πi·sf·x cos θ})·(Σ ky·e^{2πi·sf·y sin θ})``, so one complex convolution per kernel serves
every unit: exactly the frame-by-frame sum, in O(units × frames).
Any other stimulus goes through its frames (a sparse units × pixels matrix times the movie, then an FFT
convolution per kernel).

Spikes: for frame interval [n, n+1) ms a unit fires Poisson(rate[n]·1 ms) spikes at uniform times in it, from a
generator seeded by (seed, trial), so the same seed gives the same spikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.signal import fftconvolve

from v1sim.errors import V1SimInputError
from v1sim.inputs.lgn_filters import Channel, spatial_kernels, unit_channels
from v1sim.inputs.stimulus import FRAME_MS, DriftingGrating, Screen

#: Subfield separation (degrees) of two-subfield units whose node table has no ``sf_sep``.
DEFAULT_SF_SEP_DEG = 6.0


@dataclass
class LGNUnits:
    """The LGN units: node ids, type names, position and size (degrees), tuning angle (degrees), subfield
    separation (degrees; used by the two-subfield types)."""

    node_id: np.ndarray
    unit_type: np.ndarray
    x_deg: np.ndarray
    y_deg: np.ndarray
    spatial_size_deg: np.ndarray
    tuning_angle_deg: np.ndarray
    sf_sep_deg: np.ndarray

    def __len__(self) -> int:
        return len(self.node_id)

    @classmethod
    def from_nodes(
        cls, nodes: pd.DataFrame, population: str = "lgn", source: str = "nodes.parquet"
    ) -> LGNUnits:
        """The units of ``population`` in a nodes table of the convert stage (type from ``model_template``
        ``lgnmodel:<type>``, else ``pop_name``)."""
        units = nodes[nodes["population"] == population]
        if units.empty:
            raise V1SimInputError(source, "population", f"no nodes of population {population!r}")
        for column in ("x", "y", "spatial_size"):
            if column not in units or units[column].isna().any():
                raise V1SimInputError(
                    source, column, f"population {population!r} needs {column} for every unit"
                )
        template = units.get("model_template", pd.Series("", index=units.index)).fillna("").astype(str)
        kind = np.where(
            template.str.contains(":"), template.str.split(":").str[-1], units.get("pop_name", "")
        )
        angle = units["tuning_angle"] if "tuning_angle" in units else pd.Series(0.0, index=units.index)
        sep = units["sf_sep"] if "sf_sep" in units else pd.Series(DEFAULT_SF_SEP_DEG, index=units.index)
        return cls(
            units["node_id"].to_numpy(np.int64),
            np.asarray(kind, dtype=object),
            units["x"].to_numpy(float),
            units["y"].to_numpy(float),
            units["spatial_size"].to_numpy(float),
            angle.fillna(0.0).to_numpy(float),
            sep.fillna(DEFAULT_SF_SEP_DEG).to_numpy(float),
        )


@dataclass
class _Channels:
    """Every subunit of every unit, grouped by kernel."""

    unit: np.ndarray  #: owning unit of each channel
    amplitude: np.ndarray
    offset_hz: np.ndarray
    x_deg: np.ndarray
    y_deg: np.ndarray
    sigma_deg: np.ndarray
    kernel_id: np.ndarray
    kernels: list[np.ndarray]


def _channels(units: LGNUnits) -> _Channels:
    rows, kernels, kernel_index = [], [], {}
    for u in range(len(units)):
        for channel in unit_channels(str(units.unit_type[u])):
            key = id(channel.kernel)
            if key not in kernel_index:
                kernel_index[key] = len(kernels)
                kernels.append(channel.kernel)
            rows.append((u, channel, kernel_index[key]))
    unit = np.array([r[0] for r in rows])
    chans: list[Channel] = [r[1] for r in rows]
    angle = np.deg2rad(units.tuning_angle_deg[unit])
    displaced = np.array([c.displaced for c in chans])
    sep = np.where(displaced, units.sf_sep_deg[unit], 0.0)
    return _Channels(
        unit=unit,
        amplitude=np.array([c.amplitude for c in chans]),
        offset_hz=np.array([c.offset_hz for c in chans]),
        x_deg=units.x_deg[unit] + sep * np.cos(angle),
        y_deg=units.y_deg[unit] + sep * np.sin(angle),
        sigma_deg=units.spatial_size_deg[unit] / 3.0,
        kernel_id=np.array([r[2] for r in rows]),
        kernels=kernels,
    )


def _causal_convolve(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``out[n] = Σ_{k<=n} kernel[k]·signal[n−k]`` along the last axis (length kept)."""
    n = signal.shape[-1]
    if signal.ndim == 1:
        return np.convolve(signal, kernel)[:n]
    return fftconvolve(signal, kernel[None, :], axes=-1)[..., :n]


class LGNResponder:
    """The LGN units' filters laid out on one screen, ready to respond to any number of stimuli."""

    def __init__(self, units: LGNUnits, screen: Screen) -> None:
        self.units, self.screen = units, screen
        self.channels = _channels(units)
        c = self.channels
        self.kx, self.ky = spatial_kernels(c.x_deg, c.y_deg, c.sigma_deg, screen.x_deg, screen.y_deg)
        # channels are ordered by unit: each unit's subunits are summed by reduceat from its first channel
        self._first = np.flatnonzero(np.r_[True, c.unit[1:] != c.unit[:-1]])

    def _grating_drive(self, stimulus: DriftingGrating) -> np.ndarray:
        c, screen = self.channels, self.screen
        theta = np.deg2rad(stimulus.direction_deg)
        gx = self.kx @ np.exp(2j * np.pi * stimulus.sf_cpd * np.cos(theta) * screen.x_deg)
        gy = self.ky @ np.exp(2j * np.pi * stimulus.sf_cpd * np.sin(theta) * screen.y_deg)
        gain = stimulus.contrast * gx * gy * np.exp(1j * np.deg2rad(stimulus.phase_deg))
        tau = stimulus.time_since_onset_s()
        carrier = np.where(stimulus.showing(), np.exp(-2j * np.pi * stimulus.tf_hz * tau), 0.0)
        drive = np.empty((len(gain), len(tau)))
        for k, kernel in enumerate(c.kernels):
            mine = c.kernel_id == k
            filtered = _causal_convolve(carrier, kernel)
            drive[mine] = (gain[mine, None] * filtered[None, :]).imag
        return drive

    def _pixel_weights(self) -> sp.csr_matrix:
        """The channels' spatial kernels as a sparse channels × pixels matrix (pixels row-major)."""
        kx, ky = self.kx.copy(), self.ky.copy()
        kx[np.abs(kx) < 1e-12] = 0.0
        ky[np.abs(ky) < 1e-12] = 0.0
        sx, sy = sp.csr_matrix(kx), sp.csr_matrix(ky)
        n_cols = kx.shape[1]
        pixels, values = [], []
        for c in range(kx.shape[0]):
            xs, xv = sx.indices[sx.indptr[c] : sx.indptr[c + 1]], sx.data[sx.indptr[c] : sx.indptr[c + 1]]
            ys, yv = sy.indices[sy.indptr[c] : sy.indptr[c + 1]], sy.data[sy.indptr[c] : sy.indptr[c + 1]]
            pixels.append((ys[:, None] * n_cols + xs[None, :]).ravel())
            values.append(np.outer(yv, xv).ravel())
        indptr = np.concatenate([[0], np.cumsum([len(p) for p in pixels])])
        shape = (kx.shape[0], ky.shape[1] * n_cols)
        return sp.csr_matrix((np.concatenate(values), np.concatenate(pixels), indptr), shape=shape)

    def _movie_drive(self, frames: np.ndarray) -> np.ndarray:
        c = self.channels
        seen = np.asarray(self._pixel_weights() @ frames.reshape(frames.shape[0], -1).T)  # channels × frames
        drive = np.empty_like(seen)
        for k, kernel in enumerate(c.kernels):
            mine = c.kernel_id == k
            drive[mine] = _causal_convolve(seen[mine], kernel)
        return drive

    def rates(self, stimulus) -> np.ndarray:
        """Firing rate (Hz) of every unit at every 1 ms frame of ``stimulus``: units × frames."""
        if isinstance(stimulus, DriftingGrating):
            drive = self._grating_drive(stimulus)
        else:
            drive = self._movie_drive(np.asarray(stimulus.frames(self.screen), dtype=np.float64))
        c = self.channels
        drive *= c.amplitude[:, None]
        drive += c.offset_hz[:, None]
        np.maximum(drive, 0.0, out=drive)
        if len(self._first) == len(c.unit):  # one subunit per unit
            return drive
        return np.add.reduceat(drive, self._first, axis=0)


def default_screen(stimulus) -> Screen:
    """The screen a stimulus is shown on: a movie's own, FilterNet's grid for a grating, else the default."""
    if getattr(stimulus, "screen", None) is not None:
        return stimulus.screen
    if isinstance(stimulus, DriftingGrating):
        return Screen.for_grating(stimulus.sf_cpd)
    return Screen()


def lgn_rates(units: LGNUnits, stimulus, screen: Screen | None = None) -> np.ndarray:
    """Firing rate (Hz) of every unit at every 1 ms frame of ``stimulus``: units × frames."""
    return LGNResponder(units, screen or default_screen(stimulus)).rates(stimulus)


def lgn_spikes(
    rates_hz: np.ndarray, node_id: np.ndarray, seed: int, trial: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson spikes (node ids, times in ms sorted) from rates per 1 ms frame (the last frame ends the run)."""
    rng = np.random.default_rng([seed, trial])
    mean = rates_hz[:, :-1] * (FRAME_MS / 1000.0)
    counts = rng.poisson(mean)
    unit, frame = np.nonzero(counts)
    n = counts[unit, frame]
    unit, frame = np.repeat(unit, n), np.repeat(frame, n)
    times = (frame + rng.uniform(size=len(frame))) * FRAME_MS
    order = np.argsort(times, kind="stable")
    return node_id[unit[order]], times[order]
