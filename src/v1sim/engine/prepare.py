"""A compiled network made ready for one time step and precision: the arrays both drivers run on.

Neurons that share every parameter (a node type, usually) share one *parameter set*: a column of the parameter
table, and a column per receptor port in the port-parameter table. Consecutive neurons of one set form *runs* of
at most ``RUN_LENGTH`` neurons, the unit both drivers work in. Within a run the per-port arrays are laid out port
by port — the input ring's entry of port ``p`` of the run's ``j``-th neuron is ``port_base + p·m + j`` for a run
of ``m`` neurons, and the synaptic state value ``v`` of that port is at ``state_base + (v·P + p)·m + j`` (``P``
ports) — so a loop over a run's neurons reads contiguous memory for every port, and a neuron costs memory only
for the ports its model has. A synapse is stored with the ring entry it writes to (``ring_index``).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.models import update
from v1sim.models.propagators import N_PORT_ROWS, delay_steps, port_columns, scalar_row, steps_of
from v1sim.network.compiled import CompiledNetwork

log = logging.getLogger(__name__)

DTYPES = {"float32": np.float32, "float64": np.float64}
#: Neurons of one parameter set advanced together: their state (~150 bytes each) stays in the core's L2 cache.
RUN_LENGTH = 512

# Rows of the per-neuron state table.
U = 0  # membrane potential relative to E_L, mV
ASC = 1  # 2 rows: after-spike currents, pA
CURRENT = 3  # injected current (step-current generators) acting in the next step, pA
N_STATE_ROWS = 4


@dataclass
class EngineNetwork:
    """Neuron tables and synapses in engine units (steps), in the simulation's precision."""

    dt_ms: float
    dtype: type
    n_neurons: int
    n_sources: int
    #: per parameter set: float rows (models.propagators) and integer rows (models.update)
    param: np.ndarray
    int_param: np.ndarray
    #: per receptor port of each parameter set (``int_param[PORT_PARAM_START]`` is a set's first column)
    port_param: np.ndarray
    #: per neuron: which parameter set, and where its ports' ring entries and synaptic state start
    cell_type: np.ndarray
    port_base: np.ndarray
    state_base: np.ndarray
    #: per neuron: the length of its run (the stride between one port's entries and the next's)
    stride: np.ndarray
    #: runs: neurons run_start[r]..run_start[r+1]-1 (one parameter set each)
    run_start: np.ndarray
    n_ring_entries: int
    #: synaptic state values; ``syn_state`` holds a longest run's worth of zeros after them (read as absent ports)
    n_syn_state: int
    state: np.ndarray
    syn_state: np.ndarray
    indptr: np.ndarray
    ring_index: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    min_delay: int
    max_delay: int
    #: E_L per neuron (float64), to report V_m = U + E_L
    e_l: np.ndarray

    @property
    def ring_size(self) -> int:
        """Slots of the input ring: every delay, plus one block of ``min_delay`` steps in flight."""
        return self.max_delay + self.min_delay + 1


def _ports_in_use(net: CompiledNetwork) -> np.ndarray:
    """Per neuron, a bit mask of the receptor ports below ``IN_USE_BITS`` that some synapse reaches."""
    mask = np.zeros(net.n_neurons, dtype=np.int64)
    used = net.port < update.IN_USE_BITS
    bits = np.left_shift(np.int64(1), net.port[used].astype(np.int64))
    np.bitwise_or.at(mask, net.target[used].astype(np.int64), bits)
    return mask


def _set_keys(net: CompiledNetwork) -> tuple[np.ndarray, np.ndarray]:
    """(first neuron of each distinct parameter set, set of every neuron): neurons whose parameters and ports
    are all equal share a set. Floats are compared by their bits (NaN equals NaN)."""
    start = net.port_start
    width = int(net.n_ports.max()) if net.n_neurons else 0
    ports = np.zeros((net.n_neurons, 3 * width))
    for j, name in enumerate(("port_tau_ms", "port_tau_slow_ms", "port_amp_slow")):
        values = getattr(net, name)
        for p in range(width):
            has = net.n_ports > p
            ports[has, j * width + p] = values[start[:-1][has] + p]
    columns = [
        net.model_code.astype(np.float64)[:, None],
        np.stack([net.scalars[k] for k in sorted(net.scalars)], axis=1),
        *(net.vectors[k] for k in sorted(net.vectors)),
        np.stack([net.flags[k] for k in sorted(net.flags)], axis=1).astype(np.float64),
        net.n_ports.astype(np.float64)[:, None],
        ports,
    ]
    keys = np.ascontiguousarray(np.concatenate(columns, axis=1)).view(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _check_models(net: CompiledNetwork) -> None:
    glif = net.model_code == update.GLIF_PSC
    unsupported = glif & (net.flags["spike_dependent_threshold"] | net.flags["adapting_threshold"])
    if unsupported.any():
        raise V1SimInputError(
            None,
            "model",
            "glif_psc with spike_dependent_threshold or adapting_threshold (GLIF2/4/5) is not supported by the "
            "engine; supported: glif_psc and glif_psc_double_alpha GLIF1/3, iaf_psc_alpha, iaf_psc_delta, "
            "iaf_psc_exp",
        )


def _delays(net: CompiledNetwork, dt_ms: float) -> np.ndarray:
    steps = delay_steps(net.delay_ms, dt_ms)
    if not len(steps):
        return steps
    exact = np.abs(steps * dt_ms - net.delay_ms) <= 1e-9 * np.maximum(net.delay_ms, 1.0)
    if not exact.all():
        log.warning(
            "%d synapse delays are not multiples of dt = %s ms (e.g. %s ms); rounded to the nearest step as "
            "NEST does",
            int((~exact).sum()),
            dt_ms,
            net.delay_ms[~exact][0],
        )
    if steps.min() < 1:
        raise V1SimInputError(
            None, "delay_ms", f"a delay of {net.delay_ms[np.argmin(steps)]} ms is shorter than dt = {dt_ms} ms"
        )
    return steps


def runs_of(cell_type: np.ndarray, max_run: int | None = None) -> np.ndarray:
    """Starts of runs of at most ``max_run`` (default ``RUN_LENGTH``) consecutive neurons with one parameter set,
    and the end."""
    max_run = RUN_LENGTH if max_run is None else max_run
    n = len(cell_type)
    change = np.flatnonzero(np.diff(cell_type)) + 1
    bounds = np.concatenate([[0], change, [n]]) if n else np.zeros(1, np.int64)
    pieces = [np.arange(a, b, max_run) for a, b in itertools.pairwise(bounds)]
    return np.concatenate([*pieces, [n]]).astype(np.int64)


def prepare(net: CompiledNetwork, dt_ms: float, dtype: str = "float32") -> EngineNetwork:
    """Propagators for ``dt_ms``, delays in steps (rounded as NEST rounds them, with a warning), typed arrays."""
    if dtype not in DTYPES:
        raise V1SimInputError(None, "dtype", f"unknown precision '{dtype}' (float32 or float64)")
    if not dt_ms > 0:
        raise V1SimInputError(None, "dt", f"time step must be positive, got {dt_ms}")
    if net.n_neurons == 0:
        raise V1SimInputError(None, "network", "the network has no simulated neurons")
    _check_models(net)
    steps = _delays(net, dt_ms)
    first, cell_type = _set_keys(net)
    # A port is updated for a whole set when a synapse reaches it in any of the set's neurons (the others hold
    # zeros there, which stay exact zeros): sets stay node types however sparse the wiring.
    in_use = np.zeros(len(first), dtype=np.int64)
    np.bitwise_or.at(in_use, cell_type, _ports_in_use(net))
    h = float(dt_ms)
    start = net.port_start
    refractory = steps_of(net.scalars["t_ref"][first], h)
    params, int_rows, port_cols = [], [], []
    column = 0
    for t, i in enumerate(first):
        model = int(net.model_code[i])
        s = {k: float(v[i]) for k, v in net.scalars.items()}
        asc = {k: list(v[i]) for k, v in net.vectors.items()}
        has_asc = model in (update.GLIF_PSC, update.GLIF_PSC_DOUBLE_ALPHA) and bool(
            net.flags["after_spike_currents"][i]
        )
        params.append(scalar_row(model, s, asc, has_asc, h))
        ports = slice(start[i], start[i + 1])
        cols = port_columns(
            model, net.port_tau_ms[ports], net.port_tau_slow_ms[ports], net.port_amp_slow[ports], s, h
        )
        port_cols.append(cols)
        n_ports = int(net.n_ports[i])
        int_rows.append([model, n_ports, int(has_asc), int(refractory[t]), int(in_use[t]), column])
        column += n_ports
    int_param = np.array(int_rows, dtype=np.int64).T
    assert int_param.shape[0] == update.N_INT_ROWS
    layout = _layout(cell_type, int_param)
    real = DTYPES[dtype]
    state = np.zeros((N_STATE_ROWS, net.n_neurons))
    state[U] = net.scalars["V_m"] - net.scalars["E_L"]
    has_asc_neuron = int_param[update.HAS_ASC, cell_type] == 1
    for a in range(2):
        state[ASC + a] = np.where(has_asc_neuron, net.vectors["asc_init"][:, a], 0.0)
    port_base, state_base, stride, run_start, n_ring, n_syn = layout
    ring_index = port_base[net.target] + net.port.astype(np.int64) * stride[net.target]
    return EngineNetwork(
        dt_ms=h,
        dtype=real,
        n_neurons=net.n_neurons,
        n_sources=net.n_neurons + net.n_virtual,
        param=np.ascontiguousarray(np.array(params).T.astype(real)),
        int_param=np.ascontiguousarray(int_param.astype(np.int32)),
        port_param=np.ascontiguousarray(
            np.concatenate(port_cols, axis=1).astype(real) if column else np.zeros((N_PORT_ROWS, 1), real)
        ),
        cell_type=cell_type.astype(np.int32),
        port_base=port_base,
        state_base=state_base,
        stride=stride,
        run_start=run_start,
        n_ring_entries=n_ring,
        n_syn_state=n_syn,
        state=np.ascontiguousarray(state.astype(real)),
        syn_state=np.zeros(n_syn + int(np.diff(run_start).max()), dtype=real),  # a run of zeros after the state
        indptr=net.indptr.astype(np.int64),
        ring_index=ring_index.astype(np.int32 if n_ring < 2**31 else np.int64),
        weight=net.weight_pa.astype(real),
        delay=steps.astype(np.int32),
        min_delay=int(steps.min()) if len(steps) else 1,
        max_delay=int(steps.max()) if len(steps) else 1,
        e_l=net.scalars["E_L"].astype(np.float64),
    )


def _layout(
    cell_type: np.ndarray, int_param: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Per neuron: first ring entry, first synaptic-state value and stride; the runs; the totals."""
    run_start = runs_of(cell_type)
    length = np.diff(run_start)
    set_of_run = cell_type[run_start[:-1]]
    ports = int_param[update.PORTS, set_of_run].astype(np.int64)
    values = np.asarray(update.STATE_PER_PORT, dtype=np.int64)[int_param[update.MODEL, set_of_run]]
    ring_start = np.concatenate([[0], np.cumsum(ports * length)])
    syn_start = np.concatenate([[0], np.cumsum(values * ports * length)])
    run_of = np.repeat(np.arange(len(length)), length)
    offset = np.arange(len(cell_type)) - run_start[run_of]
    return (
        (ring_start[run_of] + offset).astype(np.int64),
        (syn_start[run_of] + offset).astype(np.int64),
        length[run_of].astype(np.int64),
        run_start,
        int(ring_start[-1]),
        int(syn_start[-1]),
    )
