"""Current injection: NEST ``step_current_generator`` s, as bmtk PointNet's IClamp module creates them.

A :class:`StepCurrent` is one generator: a piecewise-constant current (pA) that takes ``amplitude_values_pa[j]``
from ``amplitude_times_ms[j]`` on, connected to every neuron of ``targets`` with ``weight`` and ``delay_ms``. NEST
sends the amplitude of a change at ``t_j`` during the step that ends at ``t_j``, so with a connection delay of
``d`` steps the neuron's membrane sees it from step ``t_j/dt + d`` on (one step after ``t_j`` when ``d`` = 1, the
delay of dt that PointNet uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from v1sim.errors import V1SimInputError


@dataclass
class StepCurrent:
    """One step-current generator and the neurons (engine indices) it is connected to."""

    amplitude_times_ms: np.ndarray
    amplitude_values_pa: np.ndarray
    targets: np.ndarray
    weight: float = 1.0
    #: Connection delay; None takes the simulation's dt (PointNet connects clamps with delay dt).
    delay_ms: float | None = None
    #: Where the generator came from, for error messages (a config file and input name).
    source: str = field(default="step current")


@dataclass
class CurrentSchedule:
    """Per neuron, the steps at whose end its injected current changes and the new value (pA), as CSR.

    Neuron ``i``'s changes are ``step[pointer[i]:pointer[i+1]]`` (increasing) and ``value[...]``; the value set at
    the end of step ``k`` acts in the membrane update of step ``k + 1``, as NEST's ``I_`` / ``y0_`` / ``i_0_``.
    """

    pointer: np.ndarray
    step: np.ndarray
    value: np.ndarray

    @property
    def n_changes(self) -> int:
        return len(self.step)


def empty_schedule(n_neurons: int) -> CurrentSchedule:
    """A schedule without any injected current."""
    return CurrentSchedule(np.zeros(n_neurons + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))


def _change_steps(current: StepCurrent, dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """(steps at whose end the neurons' buffers change, amplitude × weight): NEST's validation and timing."""
    from v1sim.models.propagators import TICS_PER_MS, delay_steps

    times = np.asarray(current.amplitude_times_ms, dtype=float)
    values = np.asarray(current.amplitude_values_pa, dtype=float)
    if times.shape != values.shape or times.ndim != 1:
        raise V1SimInputError(current.source, "amplitude_times", "amplitude times and values differ in length")
    if not (np.isfinite(times).all() and np.isfinite(values).all()):
        raise V1SimInputError(current.source, "amplitude_values", "holds NaN or infinite values")
    if (times <= 0).any():
        raise V1SimInputError(
            current.source, "amplitude_times", f"time {times[times <= 0][0]} ms: changes must come at t > 0"
        )
    tics = np.floor(times * TICS_PER_MS + 0.5).astype(np.int64)
    tics_per_step = int(np.floor(dt_ms * TICS_PER_MS + 0.5))
    off_grid = tics % tics_per_step != 0
    if off_grid.any():
        raise V1SimInputError(
            current.source,
            "amplitude_times",
            f"time {times[off_grid][0]} ms is not a multiple of dt = {dt_ms} ms (NEST refuses it too)",
        )
    stamp = tics // tics_per_step
    if (np.diff(stamp) <= 0).any():
        raise V1SimInputError(current.source, "amplitude_times", "times must increase strictly, step by step")
    delay = 1 if current.delay_ms is None else int(delay_steps(np.array([current.delay_ms]), dt_ms)[0])
    if delay < 1:
        raise V1SimInputError(current.source, "delay", f"{current.delay_ms} ms is shorter than dt = {dt_ms} ms")
    # The generator takes the new amplitude in step stamp - 1 and sends it then; it arrives `delay` steps later.
    return stamp - 1 + delay, current.weight * values


def current_schedule(
    currents: list[StepCurrent], n_neurons: int, n_steps: int, dt_ms: float
) -> CurrentSchedule:
    """Turn step-current generators into each neuron's schedule of total injected current.

    A neuron's current is the sum over its generators, in the order given, of weight × amplitude, summed from
    0.0 the way NEST's current buffer adds them, so float64 runs see NEST's values. Neurons with the same
    generators share one schedule.
    """
    if not currents:
        return empty_schedule(n_neurons)
    changes = [_change_steps(c, dt_ms) for c in currents]
    pairs_neuron, pairs_generator = [], []
    for g, current in enumerate(currents):
        targets = np.unique(np.asarray(current.targets, dtype=np.int64))
        if len(targets) and (targets.min() < 0 or targets.max() >= n_neurons):
            raise V1SimInputError(current.source, "targets", "targets must be simulated neurons")
        pairs_neuron.append(targets)
        pairs_generator.append(np.full(len(targets), g))
    neuron = np.concatenate(pairs_neuron)
    generator = np.concatenate(pairs_generator)
    order = np.lexsort((generator, neuron))
    neuron, generator = neuron[order], generator[order]
    cuts = np.flatnonzero(np.diff(neuron)) + 1
    groups: dict[tuple[int, ...], list[int]] = {}
    for ids, gens in zip(np.split(neuron, cuts), np.split(generator, cuts), strict=True):
        if len(ids):
            groups.setdefault(tuple(gens.tolist()), []).append(int(ids[0]))
    steps_by_neuron: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for gens, neurons in groups.items():
        steps = np.unique(np.concatenate([changes[g][0] for g in gens]))
        steps = steps[steps < n_steps]
        total = np.zeros(len(steps))
        for g in gens:
            at, value = changes[g]
            last = np.searchsorted(at, steps, side="right") - 1
            total = total + np.where(last >= 0, value[np.maximum(last, 0)], 0.0)
        keep = np.concatenate([[True], total[1:] != total[:-1]]) if len(total) else np.zeros(0, bool)
        keep &= ~((np.arange(len(total)) == 0) & (total == 0.0))  # the buffer starts at 0: no change
        for i in neurons:
            steps_by_neuron[i] = (steps[keep], total[keep])
    count = np.zeros(n_neurons, np.int64)
    for i, (steps, _) in steps_by_neuron.items():
        count[i] = len(steps)
    pointer = np.concatenate([[0], np.cumsum(count)])
    step = np.zeros(pointer[-1], np.int64)
    value = np.zeros(pointer[-1])
    for i, (steps, total) in steps_by_neuron.items():
        step[pointer[i] : pointer[i + 1]] = steps
        value[pointer[i] : pointer[i + 1]] = total
    return CurrentSchedule(pointer, step, value)
