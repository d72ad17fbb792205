"""``simulate``: one API for the CPU and GPU drivers, same inputs, same outputs."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import numba
import numpy as np
from tqdm import tqdm

from v1sim.engine import cpu
from v1sim.engine.prepare import EngineNetwork, prepare
from v1sim.errors import V1SimInputError
from v1sim.inputs.currents import CurrentSchedule, StepCurrent, current_schedule
from v1sim.inputs.events import InputEvents, input_events
from v1sim.models.propagators import steps_of
from v1sim.network.compiled import CompiledNetwork
from v1sim.provenance import cpu_model

log = logging.getLogger(__name__)

#: Steps per compiled call on the CPU (a progress-bar tick); the GPU runs blocks of the minimum delay.
CPU_BLOCK_STEPS = 2_000


@dataclass
class SimulationResult:
    """Spikes of the simulated neurons (engine indices, steps) and optional V_m traces, with run facts."""

    dt_ms: float
    n_steps: int
    spike_step: np.ndarray
    spike_neuron: np.ndarray
    device: str
    dtype: str
    seed: int
    setup_s: float
    wall_s: float
    record_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    record_every: int = 0
    #: V_m (mV) of ``record_ids`` at the end of every ``record_every``-th step, shape (rows, ids)
    v_m: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    #: total synaptic current (pA): the sum of the currents of all ports at the end of the step (NEST's
    #: iaf_psc_alpha/iaf_psc_exp I_syn_ex + I_syn_in; NEST's glif_psc I_syn is the same sum one step earlier;
    #: 0 for iaf_psc_delta), like ``v_m``
    i_syn: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def tstop_ms(self) -> float:
        return self.n_steps * self.dt_ms

    @property
    def spike_times_ms(self) -> np.ndarray:
        """NEST's spike time stamps: the end of the step in which the neuron crossed threshold."""
        return (self.spike_step + 1) * self.dt_ms

    @property
    def record_times_ms(self) -> np.ndarray:
        return (np.arange(len(self.v_m)) + 1) * self.record_every * self.dt_ms

    @property
    def steps_per_second(self) -> float:
        return self.n_steps / self.wall_s if self.wall_s > 0 else float("inf")

    @property
    def real_time_factor(self) -> float:
        return self.wall_s / (self.tstop_ms / 1000.0)


def resolve_device(device: str) -> str:
    """``auto`` picks the GPU when numba sees one (or its simulator is enabled), else the CPU."""
    if device not in ("auto", "cpu", "cuda"):
        raise V1SimInputError(None, "device", f"unknown device '{device}' (auto, cpu or cuda)")
    if device == "cpu":
        return device
    from numba import cuda

    if device == "auto":
        return "cuda" if cuda.is_available() else "cpu"
    if not cuda.is_available():
        raise V1SimInputError(
            None, "device", "cuda: numba sees no CUDA GPU here (no driver or no device); use cpu or auto"
        )
    return device


def device_name(device: str) -> str:
    if device == "cuda":
        from numba import cuda

        if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
            return "numba CUDA simulator"
        return (
            cuda.get_current_device().name.decode()
            if hasattr(cuda.get_current_device().name, "decode")
            else str(cuda.get_current_device().name)
        )
    return f"{cpu_model()} ({numba.get_num_threads()} threads)"


def simulate(
    net: CompiledNetwork,
    tstop_ms: float,
    dt_ms: float,
    *,
    spike_trains: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    poisson_rates_hz: dict[str, float] | None = None,
    device: str = "auto",
    seed: int = 0,
    dtype: str = "float32",
    record_ids: np.ndarray | None = None,
    record_interval_ms: float | None = None,
    threads: int | None = None,
    progress: bool = False,
    step_currents: list[StepCurrent] | None = None,
) -> SimulationResult:
    """Simulate ``net`` for ``tstop_ms`` at step ``dt_ms``.

    Inputs: ``spike_trains`` ``{virtual population: (node_ids, times_ms)}`` and ``poisson_rates_hz``
    ``{virtual population: rate}`` (every node of the population fires Poisson at that rate, drawn from
    ``seed``). ``record_ids`` (engine indices of neurons) are sampled every ``record_interval_ms``
    (default: every step). ``dtype`` float32 (default) or float64 (validation: NEST's arithmetic).
    ``step_currents``: NEST step-current generators (current clamps) connected to neurons.
    """
    started = time.perf_counter()
    if not tstop_ms > 0:
        raise V1SimInputError(None, "tstop", f"the run must be longer than zero, got {tstop_ms} ms")
    device = resolve_device(device)
    n_steps = int(steps_of(tstop_ms, dt_ms))
    engine_net = prepare(net, dt_ms, dtype)
    events = input_events(net, n_steps, dt_ms, spike_trains, poisson_rates_hz)
    schedule = current_schedule(step_currents or [], net.n_neurons, n_steps, dt_ms)
    record = np.zeros(0, np.int64) if record_ids is None else np.asarray(record_ids, dtype=np.int64)
    if len(record) and (record.min() < 0 or record.max() >= net.n_neurons):
        raise V1SimInputError(None, "record", "recorded ids must be simulated neurons (engine indices)")
    record_every = 0
    if len(record):
        record_every = 1 if record_interval_ms is None else int(steps_of(record_interval_ms, dt_ms))
        record_every = max(record_every, 1)
    if threads is not None:
        numba.set_num_threads(threads)
    run = _run_cuda if device == "cuda" else _run_cpu
    spike_step, spike_neuron, traces, wall = run(
        engine_net, events, schedule, n_steps, seed, record, record_every, progress
    )
    setup_s = time.perf_counter() - started - wall
    return SimulationResult(
        dt_ms=float(dt_ms),
        n_steps=n_steps,
        spike_step=spike_step,
        spike_neuron=spike_neuron,
        device=device_name(device),
        dtype=dtype,
        seed=seed,
        setup_s=setup_s,
        wall_s=wall,
        record_ids=record,
        record_every=record_every,
        v_m=traces[:, :, 0].astype(np.float64) + engine_net.e_l[record][None, :],
        i_syn=traces[:, :, 1].astype(np.float64),
    )


def _poisson_mean(events: InputEvents, net: EngineNetwork) -> np.ndarray:
    return events.poisson_rate_hz * net.dt_ms / 1000.0


def _run_cpu(
    net: EngineNetwork,
    events: InputEvents,
    schedule: CurrentSchedule,
    n_steps: int,
    seed: int,
    record: np.ndarray,
    record_every: int,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Spike steps, spiking neurons, V_m samples (relative to E_L), and the seconds the step loop took."""
    n = net.n_neurons
    ring = np.zeros((net.ring_size, max(net.n_ring_entries, 1)), dtype=net.dtype)
    refractory = np.zeros(n, dtype=np.int32)
    block_steps = min(net.min_delay, cpu.MAX_BLOCK_STEPS)
    capacity = max(1024, n * max(4, block_steps))  # a block's worst case fits
    spike_step = np.empty(capacity, dtype=np.int64)
    spike_id = np.empty(capacity, dtype=np.int32)
    n_spikes = np.zeros(1, dtype=np.int64)
    record_out = cpu.empty_record(n_steps // record_every if record_every else 0, len(record), net.dtype)
    parallel = n >= cpu.PARALLEL_MIN_NEURONS and numba.get_num_threads() > 1
    n_chunks = numba.get_num_threads() if parallel else 1
    chunk_runs, chunk_first, chunk_ring = cpu.chunks_of(net.run_start, net.port_base, net.n_ring_entries, n_chunks)
    # Per step of this block and of the one before (kept across calls): the neurons that spiked, chunk by chunk.
    spiked = np.zeros((2, block_steps, n), dtype=np.int32)
    chunk_count = np.zeros((2, block_steps, n_chunks), dtype=np.int64)
    block_state = np.array([0, 0, 1], dtype=np.int64)  # the block before: first step, length, which lists
    spiked_flag = np.zeros(n, dtype=np.bool_)
    record_cells, record_column, run_record = cpu.record_by_run(record, net.run_start)
    acc = np.zeros(n, dtype=net.dtype)
    state, syn = net.state.copy(), net.syn_state.copy()
    neurons = (state, refractory, net.param, net.int_param, net.port_param, net.cell_type, syn, acc)
    layout = (net.port_base, net.state_base, net.stride, np.int64(net.n_syn_state))
    synapses = (net.indptr, net.ring_index, net.weight, net.delay)
    inputs = (events.step_pointer, events.source, events.poisson_source, _poisson_mean(events, net))
    currents = (schedule.pointer, schedule.step, schedule.value.astype(net.dtype), np.array(schedule.pointer[:-1]))
    recording = (record_cells, record_column, run_record, record_every, record_out)
    work = (spiked, chunk_count, spiked_flag, chunk_first, chunk_runs, chunk_ring, net.run_start, block_state)

    def run_steps(k0: int, k1: int) -> int:
        output = (spike_step, spike_id, n_spikes)
        return cpu.run_steps(
            parallel,
            k0,
            k1,
            block_steps,
            ring,
            net.ring_size,
            neurons,
            layout,
            synapses,
            inputs,
            currents,
            np.uint64(seed),
            output,
            recording,
            work,
        )

    run_steps(0, 0)  # loads (or compiles) the machine code before the clock starts
    started = time.perf_counter()
    k = 0
    with tqdm(
        total=n_steps, unit="step", unit_scale=True, disable=not progress, desc="simulate (cpu)"
    ) as bar:
        while k < n_steps:
            stop = min(k + CPU_BLOCK_STEPS, n_steps)
            reached = run_steps(k, stop)
            if reached < stop:  # spike buffer full: grow it and go on
                spike_step = np.concatenate([spike_step, np.empty_like(spike_step)])
                spike_id = np.concatenate([spike_id, np.empty_like(spike_id)])
            bar.update(reached - k)
            k = reached
    count = int(n_spikes[0])
    return spike_step[:count].copy(), spike_id[:count].astype(np.int64), record_out, time.perf_counter() - started


def _run_cuda(
    net: EngineNetwork,
    events: InputEvents,
    schedule: CurrentSchedule,
    n_steps: int,
    seed: int,
    record: np.ndarray,
    record_every: int,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    from v1sim.engine import cuda as cuda_driver

    return cuda_driver.run(net, events, schedule, n_steps, seed, record, record_every, progress)
