"""bmtk PointNet's IClamp inputs as NEST ``step_current_generator`` schedules.

bmtk reads a clamp's steps in one of three forms (``bmtk/simulator/core/modules/iclamp.py``):

* ``input_type: current_clamp`` — ``amp``, ``delay``, ``duration``: numbers or equally long lists;
* ``input_type: csv`` (or ``file``) — a table with a timestamps column and an amplitudes column (space-separated by
  default; ``separator``, ``timestamps_column``, ``amplitudes_column`` rename them), at least two rows;
* ``input_type: nwb`` (or ``allen``) — the stimulus of one sweep of an Allen Cell Types NWB file
  (``epochs/Sweep_<id>/stimulus/timeseries``: ``data`` in A times 1e9, sampled at ``starting_time.rate`` Hz),
  optionally every n-th sample (``downsample``, ms), cut to ``sweep_window`` and shifted by ``delay``.

PointNet then builds one generator per input (``bmtk/simulator/pointnet/modules/iclamp.py``): a step at each onset
``delay_j`` to ``amp_j``, skipping any onset at or before dt; with durations, a step back to 0 at
``delay_j + duration_j`` unless the next onset comes first. It passes ``amp`` unchanged, so PointNet's amplitudes
are pA (BioNet reads the same field as nA), and connects the generator to every cell of the node set with weight
1 and delay dt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError

log = logging.getLogger(__name__)

#: IClamp input types and the reader bmtk uses for each.
CLAMP_INPUT_TYPES = {"current_clamp": "amps", "csv": "csv", "file": "csv", "nwb": "nwb", "allen": "nwb"}

#: NEST's default time resolution: 1000 tics per ms (bmtk never changes it).
TICS_PER_MS = 1000


@dataclass
class ClampSteps:
    """The steps a clamp input describes: onset times (ms), amplitudes (pA as NEST takes them), and durations
    (ms) when the form has them (``current_clamp``), else None: each amplitude holds until the next onset."""

    onsets_ms: np.ndarray
    amps: np.ndarray
    durations_ms: np.ndarray | None


def _numbers(value: Any, config: Path | str | None, field: str) -> np.ndarray:
    values = value if isinstance(value, list | tuple) else [value]
    if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise V1SimInputError(config, field, f"expected a number or a list of numbers, got {value!r}")
    out = np.asarray(values, dtype=np.float64)
    if not np.isfinite(out).all():
        raise V1SimInputError(config, field, "holds a value that is not a finite number")
    return out


def read_clamp_steps(spec: dict[str, Any], config: Path | str | None, where: str) -> ClampSteps:
    """The steps of one IClamp input ``spec`` (a config's ``inputs.<name>``, paths already absolute).

    Errors name ``config`` and ``where`` (``inputs.<name>``) with the field, or the file that is missing.
    """
    input_type = spec.get("input_type")
    kind = CLAMP_INPUT_TYPES.get(input_type)
    if kind is None:
        raise V1SimInputError(
            config,
            f"{where}.input_type",
            f"unknown IClamp input_type '{input_type}' ({', '.join(CLAMP_INPUT_TYPES)})",
        )
    if kind == "amps":
        for key in ("amp", "delay", "duration"):
            if key not in spec:
                raise V1SimInputError(
                    config, f"{where}.{key}", "missing: a current clamp needs amp, delay, duration"
                )
        amps = _numbers(spec["amp"], config, f"{where}.amp")
        onsets = _numbers(spec["delay"], config, f"{where}.delay")
        durations = _numbers(spec["duration"], config, f"{where}.duration")
        if not len(amps) == len(onsets) == len(durations):
            raise V1SimInputError(config, where, "amp, delay and duration must be lists of the same length")
        if (durations < 0).any():
            raise V1SimInputError(config, f"{where}.duration", "durations must not be negative")
        return ClampSteps(onsets, amps, durations)
    if "file" not in spec:
        raise V1SimInputError(
            config, f"{where}.file", f"missing: an IClamp of input_type {input_type} reads a file"
        )
    path = Path(spec["file"])
    if not path.is_file():
        raise V1SimInputError(config, f"{where}.file", f"file not found: {path}")
    if kind == "csv":
        return _read_csv_steps(path, spec, config, where)
    return _read_nwb_steps(path, spec, config, where)


def _read_csv_steps(path: Path, spec: dict[str, Any], config: Path | str | None, where: str) -> ClampSteps:
    sep = spec.get("separator", " ")
    times_column = spec.get("timestamps_column", "timestamps")
    amps_column = spec.get("amplitudes_column", "amps")
    try:
        table = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise V1SimInputError(path, None, f"not a clamp CSV ({exc})") from None
    if len(table) < 2:
        raise V1SimInputError(path, None, "a clamp CSV needs at least two rows")
    for option, column in (("timestamps_column", times_column), ("amplitudes_column", amps_column)):
        if column not in table.columns:
            raise V1SimInputError(
                path,
                column,
                f"column is missing (found: {', '.join(map(str, table.columns))}); "
                f"name it with {where}.{option} in {config}",
            )
    onsets = pd.to_numeric(table[times_column], errors="coerce").to_numpy(dtype=np.float64)
    amps = pd.to_numeric(table[amps_column], errors="coerce").to_numpy(dtype=np.float64)
    for column, values in ((times_column, onsets), (amps_column, amps)):
        if not np.isfinite(values).all():
            raise V1SimInputError(path, column, "holds values that are not finite numbers")
    return ClampSteps(onsets, amps, None)


def _read_nwb_steps(path: Path, spec: dict[str, Any], config: Path | str | None, where: str) -> ClampSteps:
    from v1sim.sonata.tables import open_h5

    if "sweep_id" not in spec:
        raise V1SimInputError(config, f"{where}.sweep_id", "missing: an NWB clamp names its sweep")
    sweep = spec["sweep_id"]
    try:
        sweep = f"Sweep_{int(sweep)}"
    except (TypeError, ValueError):
        sweep = str(sweep)
    with open_h5(path, "NWB file") as h5:
        if "epochs" not in h5 or sweep not in h5["epochs"]:
            raise V1SimInputError(path, f"/epochs/{sweep}", "missing sweep")
        series_path = f"epochs/{sweep}/stimulus/timeseries"
        if f"{series_path}/data" not in h5 or f"{series_path}/starting_time" not in h5:
            raise V1SimInputError(path, series_path, "expected data and starting_time")
        series = h5[series_path]
        interval_ms = 1000.0 / float(series["starting_time"].attrs["rate"])
        amps = series["data"][()].astype(np.float64) * 1.0e9
    onsets = np.arange(len(amps)) * interval_ms
    downsample = spec.get("downsample")
    if downsample is not None and downsample > interval_ms:
        stride = int(np.round(downsample / interval_ms))
        amps, onsets = amps[::stride], onsets[::stride]
    window = spec.get("sweep_window")
    if window is not None:
        if len(window) != 2 or window[0] >= window[1] or window[0] < 0:
            raise V1SimInputError(
                config, f"{where}.sweep_window", "must be [start, stop] with 0 <= start < stop"
            )
        first = np.flatnonzero(onsets >= window[0])[0]
        last = np.flatnonzero(onsets <= window[1])[-1] + 1
        amps, onsets = amps[first:last], onsets[first:last]
    onsets = onsets + float(spec.get("delay", 0.0))
    return ClampSteps(onsets, amps, None)


def step_schedule(
    steps: ClampSteps, dt_ms: float, config: Path | str | None = None, where: str = "IClamp"
) -> tuple[np.ndarray, np.ndarray]:
    """``(amplitude_times_ms, amplitude_values)`` of the step_current_generator PointNet builds from ``steps``.

    Refuses (naming ``config`` and ``where``) what NEST would refuse: times that are not strictly increasing, or
    that are not on the time grid of ``dt_ms``.
    """
    times: list[float] = []
    values: list[float] = []
    n = len(steps.onsets_ms)
    skipped = False
    for j in range(n):
        onset = float(steps.onsets_ms[j])
        if onset <= dt_ms:
            skipped = True
            continue
        times.append(onset)
        values.append(float(steps.amps[j]))
        if steps.durations_ms is not None:
            stop = onset + float(steps.durations_ms[j])
            if j + 1 == n or stop <= float(steps.onsets_ms[j + 1]):
                times.append(stop)
                values.append(0.0)
    if skipped:
        log.warning(
            "%s: IClamp steps with an onset at or before dt (%g ms) are skipped, as PointNet does",
            where,
            dt_ms,
        )
    out_times = np.asarray(times, dtype=np.float64)
    if len(out_times) > 1 and (np.diff(out_times) <= 0).any():
        bad = int(np.flatnonzero(np.diff(out_times) <= 0)[0]) + 1
        raise V1SimInputError(
            config,
            where,
            f"step times must increase (NEST's step_current_generator): {out_times[bad]:g} ms follows "
            f"{out_times[bad - 1]:g} ms",
        )
    step_tics = round(dt_ms * TICS_PER_MS)
    if step_tics >= 1 and len(out_times):
        tics = np.round(out_times * TICS_PER_MS)
        off = tics % step_tics != 0
        if off.any():
            raise V1SimInputError(
                config, where, f"step time {out_times[off][0]:g} ms is not a multiple of dt ({dt_ms:g} ms)"
            )
    return out_times, np.asarray(values, dtype=np.float64)
