"""Spikes of the virtual populations, in engine units: source index and the step that emits them.

NEST's ``spike_generator`` with ``precise_times`` (as bmtk creates it) stamps a spike at time ``t`` (ms) on the
grid as the first step ``S`` with ``S·dt ≥ t`` (``Time::ms_stamp``: tics truncated, then one step up if the grid
time is still before ``t``) and sends it during update step ``S − 1``; with a delay of ``d`` steps it enters the
target's synaptic state at the end of step ``S − 1 + d``, i.e. it arrives at ``ceil(t/dt)·dt + delay``. Spikes
at ``t ≤ 0`` or beyond the run are dropped.

Poisson sources (the release's 1 kHz background node, a "spontaneous" LGN) are not stored as spikes: each
step's spike count of each source is drawn where it is used, from a counter-based stream
(:mod:`v1sim.rng`), so CPU and GPU draw the same numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.models.propagators import TICS_PER_MS
from v1sim.network.compiled import CompiledNetwork

log = logging.getLogger(__name__)


@dataclass
class InputEvents:
    """Spike-train events binned by emission step (CSR) and the Poisson sources with their rates."""

    step_pointer: np.ndarray
    source: np.ndarray
    poisson_source: np.ndarray
    poisson_rate_hz: np.ndarray

    @property
    def n_events(self) -> int:
        return len(self.source)


def emission_steps(times_ms: np.ndarray, dt_ms: float) -> np.ndarray:
    """The update step that sends a spike at ``times_ms``: ``S − 1`` for NEST's stamp ``S = ceil(t/dt)``."""
    times = np.asarray(times_ms, dtype=float)
    tics_per_step = int(np.floor(dt_ms * TICS_PER_MS + 0.5))
    ms_per_step = tics_per_step / TICS_PER_MS
    step = np.trunc(times * TICS_PER_MS).astype(np.int64) // tics_per_step
    step += step * ms_per_step < times
    return step - 1


def input_events(
    net: CompiledNetwork,
    n_steps: int,
    dt_ms: float,
    spike_trains: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    poisson_rates_hz: dict[str, float] | None = None,
    source: str = "inputs",
) -> InputEvents:
    """Bin spike trains ``{population: (node_ids, times_ms)}`` and list Poisson populations ``{population: Hz}``."""
    virtual = {name for name, v in zip(net.population_names, net.population_virtual, strict=True) if v}
    sources, steps = [], []
    for population, (node_ids, times) in (spike_trains or {}).items():
        if population not in virtual:
            known = ", ".join(sorted(virtual)) or "none"
            raise V1SimInputError(
                source,
                population,
                f"spikes for a population that is not a virtual population of "
                f"the network (virtual populations: {known})",
            )
        node_ids = np.asarray(node_ids, dtype=np.int64)
        try:
            index = net.engine_index(population, node_ids)
        except KeyError:
            raise V1SimInputError(
                source, population, "spikes of node ids absent from the population"
            ) from None
        step = emission_steps(times, dt_ms)
        keep = (step >= 0) & (step < n_steps)
        if (~keep).any():
            log.info(
                "%s: %d spikes of %s fall outside the run and are dropped",
                source,
                int((~keep).sum()),
                population,
            )
        sources.append(index[keep])
        steps.append(step[keep])
    source_index = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
    step = np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64)
    order = np.lexsort((source_index, step))
    pointer = np.zeros(n_steps + 1, dtype=np.int64)
    np.cumsum(np.bincount(step, minlength=n_steps), out=pointer[1:])

    poisson_source, poisson_rate = [], []
    for population, rate in (poisson_rates_hz or {}).items():
        if population not in virtual:
            raise V1SimInputError(source, population, "Poisson rate for a population that is not virtual")
        if not rate >= 0:
            raise V1SimInputError(source, population, f"Poisson rate must be non-negative, got {rate}")
        p = net.population_names.index(population)
        lo, size = int(net.population_offset[p]), int(net.population_size[p])
        poisson_source.append(np.arange(lo, lo + size))
        poisson_rate.append(np.full(size, float(rate)))
    return InputEvents(
        step_pointer=pointer,
        source=source_index[order].astype(np.int32),
        poisson_source=(np.concatenate(poisson_source) if poisson_source else np.zeros(0, np.int64)).astype(
            np.int32
        ),
        poisson_rate_hz=np.concatenate(poisson_rate) if poisson_rate else np.zeros(0),
    )
