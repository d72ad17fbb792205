"""A compiled network made ready for one time step and precision: the arrays both drivers run on."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.models.propagators import delay_steps, initial_state, parameter_table
from v1sim.models.update import GLIF_PSC, N_INT_ROWS
from v1sim.network.compiled import CompiledNetwork

log = logging.getLogger(__name__)

DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass
class EngineNetwork:
    """Neuron tables and synapses in engine units (steps), in the simulation's precision."""

    dt_ms: float
    dtype: type
    n_neurons: int
    n_sources: int
    #: per distinct parameter set: float rows (models.propagators) and integer rows (models.update)
    param: np.ndarray
    int_param: np.ndarray
    #: per neuron: which parameter set
    cell_type: np.ndarray
    state: np.ndarray
    indptr: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    port: np.ndarray
    min_delay: int
    max_delay: int
    #: E_L per neuron (float64), to report V_m = U + E_L
    e_l: np.ndarray

    @property
    def ring_size(self) -> int:
        """Slots of the input ring: every delay, plus one block of ``min_delay`` steps in flight."""
        return self.max_delay + self.min_delay + 1


def _ports_in_use(net: CompiledNetwork) -> np.ndarray:
    """Per neuron, a bit mask of the receptor ports that some synapse reaches."""
    mask = np.zeros(net.n_neurons, dtype=np.int64)
    for p in range(4):
        reached = np.bincount(net.target[net.port == p], minlength=net.n_neurons) > 0
        mask |= reached.astype(np.int64) << p
    return mask


def prepare(net: CompiledNetwork, dt_ms: float, dtype: str = "float32") -> EngineNetwork:
    """Propagators for ``dt_ms``, delays in steps (rounded as NEST rounds them, with a warning), typed arrays."""
    if dtype not in DTYPES:
        raise V1SimInputError(None, "dtype", f"unknown precision '{dtype}' (float32 or float64)")
    if not dt_ms > 0:
        raise V1SimInputError(None, "dt", f"time step must be positive, got {dt_ms}")
    if net.n_neurons == 0:
        raise V1SimInputError(None, "network", "the network has no simulated neurons")
    glif = net.model_code == GLIF_PSC
    unsupported = glif & (net.flags["spike_dependent_threshold"] | net.flags["adapting_threshold"])
    if unsupported.any():
        raise V1SimInputError(
            None,
            "model",
            "glif_psc with spike_dependent_threshold or adapting_threshold (GLIF2/4/5) is not "
            "supported by the engine; supported: glif_psc GLIF1 and GLIF3, iaf_psc_alpha",
        )
    steps = delay_steps(net.delay_ms, dt_ms)
    if len(steps):
        exact = np.abs(steps * dt_ms - net.delay_ms) <= 1e-9 * np.maximum(net.delay_ms, 1.0)
        if not exact.all():
            bad = net.delay_ms[~exact]
            log.warning(
                "%d synapse delays are not multiples of dt = %s ms (e.g. %s ms); rounded to the nearest step as "
                "NEST does",
                int((~exact).sum()),
                dt_ms,
                bad[0],
            )
        if steps.min() < 1:
            raise V1SimInputError(
                None,
                "delay_ms",
                f"a delay of {net.delay_ms[np.argmin(steps)]} ms is shorter than dt = {dt_ms} ms",
            )
    param, refractory_steps, n_ports = parameter_table(net, dt_ms)
    int_param = np.stack(
        [
            net.model_code.astype(np.int64),
            n_ports,
            (glif & net.flags["after_spike_currents"]),
            refractory_steps,
            _ports_in_use(net),
        ]
    ).astype(np.int64)
    assert int_param.shape[0] == N_INT_ROWS
    # Neurons of one node type share every parameter: keep each distinct set once.
    sets, cell_type = np.unique(
        np.concatenate([param, int_param.astype(np.float64)]), axis=1, return_inverse=True
    )
    real = DTYPES[dtype]
    return EngineNetwork(
        dt_ms=float(dt_ms),
        dtype=real,
        n_neurons=net.n_neurons,
        n_sources=net.n_neurons + net.n_virtual,
        param=np.ascontiguousarray(sets[: len(param)].astype(real)),
        int_param=np.ascontiguousarray(sets[len(param) :].astype(np.int32)),
        cell_type=cell_type.reshape(-1).astype(np.int32),
        state=np.ascontiguousarray(initial_state(net).astype(real)),
        indptr=net.indptr.astype(np.int64),
        target=net.target.astype(np.int32),
        weight=net.weight_pa.astype(real),
        delay=steps.astype(np.int32),
        port=net.port.astype(np.int8),
        min_delay=int(steps.min()) if len(steps) else 1,
        max_delay=int(steps.max()) if len(steps) else 1,
        e_l=net.scalars["E_L"].astype(np.float64),
    )
