"""The GPU driver (numba-cuda): the same model math as the CPU driver, in blocks of ``min_delay`` steps.

Within a block no spike can reach its target before the block ends, so one launch advances every neuron
(a thread each) through all the block's steps, appending spikes to a device list; a second launch delivers the
block's spikes — neuron spikes, spike-train events and Poisson counts drawn on the device — into the input ring.
Spikes and V_m samples stay on the device and are copied back once, at the end. Neurons of one run sit side by
side in every per-port array (``prepare``'s layout), so neighbouring threads read neighbouring memory.

Delivery has two modes. ``deterministic`` (float64, validation) delivers in the CPU driver's order — per step,
neuron spikes by index, then spike-train events, then Poisson sources — from a single thread, so the GPU gives
exactly the CPU's spikes. The fast mode gives each spike a thread block that strides over its synapses with
atomic adds (summation order, and so the last bits of float sums, may vary between runs).
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import cuda
from tqdm import tqdm

from v1sim.engine import kernels
from v1sim.engine.prepare import ASC, CURRENT, EngineNetwork, U
from v1sim.inputs.currents import CurrentSchedule
from v1sim.inputs.events import InputEvents
from v1sim.models import update
from v1sim.models.propagators import PORT_P11, PORT_P21, PORT_P31, PORT_P32, PORT_PSC_INIT, PORT_SLOW

THREADS = 128
#: At most this many steps per launch, even when the minimum delay is longer (keeps progress responsive).
MAX_BLOCK_STEPS = 32

_device = cuda.jit(device=True)
_glif_params, _iaf_params = _device(update.glif_params), _device(update.iaf_params)
_glif_base, _glif_port, _glif_finish = _device(update.glif_base), _device(update.glif_port), _device(
    update.glif_finish
)
_alpha_iaf_base, _alpha_iaf_port = _device(update.alpha_iaf_base), _device(update.alpha_iaf_port)
_alpha_iaf_finish, _delta_iaf_step = _device(update.alpha_iaf_finish), _device(update.delta_iaf_step)
_exp_iaf_base, _exp_iaf_port = _device(update.exp_iaf_base), _device(update.exp_iaf_port)
_exp_iaf_finish = _device(update.exp_iaf_finish)
_alpha_step, _exp_step, _in_use = _device(update.alpha_step), _device(update.exp_step), _device(update.port_in_use)
_synaptic_current = _device(kernels.synaptic_current)


@cuda.jit(device=True)
def _alpha_ports(i, slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, row, value):
    """Move one neuron's alpha states (fast, or slow with ``row`` = PORT_SLOW) by one step."""
    for port in range(n_ports):
        if _in_use(mask, port):
            y1 = sb + (value * n_ports + port) * m
            y2 = sb + ((value + 1) * n_ports + port) * m
            syn[y1], syn[y2] = _alpha_step(
                syn[y1],
                syn[y2],
                ring[slot, pb + port * m],
                port_param[row + PORT_P11, pc + port],
                port_param[row + PORT_P21, pc + port],
                port_param[row + PORT_PSC_INIT, pc + port],
            )


@cuda.jit(device=True)
def _update_neuron(i, t, slot, ring, neurons, pb, sb, m):
    """One neuron, one step (the same model functions as the CPU driver); clears the ring entries it reads."""
    state, refractory, param, int_param, port_param, syn = neurons
    model, n_ports = int_param[update.MODEL, t], int_param[update.PORTS, t]
    rs, mask = int_param[update.REFRACTORY_STEPS, t], int_param[update.PORTS_IN_USE, t]
    pc = int_param[update.PORT_PARAM_START, t]
    spiked = False
    if model == update.GLIF_PSC or model == update.GLIF_PSC_DOUBLE_ALPHA:
        p = _glif_params(param, t)
        acc = _glif_base(state[U, i], state[ASC, i], state[ASC + 1, i], state[CURRENT, i], p)
        double = model == update.GLIF_PSC_DOUBLE_ALPHA
        for value in range(0, 4 if double else 2, 2):
            row = PORT_SLOW if value == 2 else 0
            for port in range(n_ports):
                if _in_use(mask, port):
                    acc = _glif_port(
                        acc,
                        syn[sb + (value * n_ports + port) * m],
                        syn[sb + ((value + 1) * n_ports + port) * m],
                        port_param[row + PORT_P31, pc + port],
                        port_param[row + PORT_P32, pc + port],
                    )
        state[U, i], state[ASC, i], state[ASC + 1, i], refractory[i], spiked = _glif_finish(
            acc, state[U, i], refractory[i], state[ASC, i], state[ASC + 1, i], p, rs
        )
        _alpha_ports(i, slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, 0, 0)
        if double:
            _alpha_ports(i, slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, PORT_SLOW, 2)
    elif model == update.IAF_PSC_ALPHA:
        p = _iaf_params(param, t)
        acc = _alpha_iaf_base(state[CURRENT, i], p)
        for port in range(n_ports):
            if _in_use(mask, port):
                acc = _alpha_iaf_port(
                    acc,
                    syn[sb + port * m],
                    syn[sb + (n_ports + port) * m],
                    port_param[PORT_P31, pc + port],
                    port_param[PORT_P32, pc + port],
                )
        state[U, i], refractory[i], spiked = _alpha_iaf_finish(acc, state[U, i], refractory[i], p, rs)
        _alpha_ports(i, slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, 0, 0)
    elif model == update.IAF_PSC_DELTA:
        p = _iaf_params(param, t)
        state[U, i], refractory[i], spiked = _delta_iaf_step(
            state[U, i], refractory[i], state[CURRENT, i], ring[slot, pb], p, rs
        )
    else:
        p = _iaf_params(param, t)
        acc = _exp_iaf_base(state[U, i], p)
        for port in range(n_ports):
            if _in_use(mask, port):
                acc = _exp_iaf_port(acc, syn[sb + port * m], port_param[PORT_P31, pc + port])
        state[U, i], refractory[i], spiked = _exp_iaf_finish(
            acc, state[U, i], refractory[i], state[CURRENT, i], p, rs
        )
        for port in range(n_ports):
            if _in_use(mask, port):
                syn[sb + port * m] = _exp_step(
                    syn[sb + port * m], ring[slot, pb + port * m], port_param[PORT_P11, pc + port]
                )
    for port in range(n_ports):
        ring[slot, pb + port * m] = 0.0
    return spiked


_deliver_row = cuda.jit(device=True)(kernels.deliver_row)
_poisson_count = cuda.jit(device=True)(kernels.poisson_count)


@cuda.jit
def _advance(k0, n_steps, ring, ring_size, neurons, layout, currents, spikes, record):
    i = cuda.grid(1)
    state, int_param, syn = neurons[0], neurons[3], neurons[5]
    cell_type, port_base, state_base, stride = layout
    if i >= cell_type.shape[0]:
        return
    spike_step, spike_id, spike_count = spikes
    record_column, record_every, record_out = record
    pointer, change_step, change_value, cursor = currents
    t, pb, sb, m = cell_type[i], port_base[i], state_base[i], stride[i]
    for j in range(n_steps):
        k = k0 + j
        if _update_neuron(i, t, k % ring_size, ring, neurons, pb, sb, m):
            index = cuda.atomic.add(spike_count, 0, 1)
            if index < spike_step.shape[0]:
                spike_step[index] = k
                spike_id[index] = i
        c = cursor[i]
        if c < pointer[i + 1] and change_step[c] == k:  # injected current read at the end of the step
            state[CURRENT, i] = change_value[c]
            cursor[i] = c + 1
        if record_every > 0 and record_column[i] >= 0 and (k + 1) % record_every == 0:
            row = (k + 1) // record_every - 1
            record_out[row, record_column[i], 0] = state[U, i]
            record_out[row, record_column[i], 1] = _synaptic_current(syn, sb, m, int_param, t, state[U, i])


@cuda.jit
def _deliver_serial(k0, k1, s0, s1, spike_step, spike_id, ring, ring_size, synapses, inputs, seed):
    if cuda.grid(1) != 0:
        return
    indptr, entry, weight, delay = synapses
    step_pointer, event_source, poisson_source, poisson_mean = inputs
    # the block's spikes in (step, neuron) order, as the CPU driver delivers them
    for a in range(s0 + 1, s1):
        key_step, key_id = spike_step[a], spike_id[a]
        b = a - 1
        while b >= s0 and (spike_step[b] > key_step or (spike_step[b] == key_step and spike_id[b] > key_id)):
            spike_step[b + 1] = spike_step[b]
            spike_id[b + 1] = spike_id[b]
            b -= 1
        spike_step[b + 1] = key_step
        spike_id[b + 1] = key_id
    s = s0
    for k in range(k0, k1):
        while s < s1 and spike_step[s] == k:
            _deliver_row(spike_id[s], k, 1.0, ring, ring_size, indptr, entry, weight, delay)
            s += 1
        for e in range(step_pointer[k], step_pointer[k + 1]):
            _deliver_row(event_source[e], k, 1.0, ring, ring_size, indptr, entry, weight, delay)
        for j in range(poisson_source.shape[0]):
            count = _poisson_count(seed, k, poisson_source[j], poisson_mean[j])
            if count > 0:
                _deliver_row(poisson_source[j], k, count, ring, ring_size, indptr, entry, weight, delay)


@cuda.jit
def _deliver_atomic(s0, n_spikes, spike_step, spike_id, e0, event_step, event_source, ring, ring_size, synapses):
    indptr, entry, weight, delay = synapses
    b = cuda.blockIdx.x
    if b < n_spikes:
        source, k = spike_id[s0 + b], spike_step[s0 + b]
    else:
        source, k = event_source[e0 + b - n_spikes], event_step[e0 + b - n_spikes]
    for s in range(indptr[source] + cuda.threadIdx.x, indptr[source + 1], cuda.blockDim.x):
        cuda.atomic.add(ring, ((k + delay[s]) % ring_size, entry[s]), weight[s])


@cuda.jit
def _deliver_poisson(k0, n_steps, poisson_source, poisson_mean, seed, ring, ring_size, synapses):
    indptr, entry, weight, delay = synapses
    b = cuda.blockIdx.x
    j, k = b // n_steps, k0 + b % n_steps
    count = _poisson_count(seed, k, poisson_source[j], poisson_mean[j])
    if count == 0:
        return
    source = poisson_source[j]
    for s in range(indptr[source] + cuda.threadIdx.x, indptr[source + 1], cuda.blockDim.x):
        cuda.atomic.add(ring, ((k + delay[s]) % ring_size, entry[s]), weight[s] * count)


def run(
    net: EngineNetwork,
    events: InputEvents,
    schedule: CurrentSchedule,
    n_steps: int,
    seed: int,
    record: np.ndarray,
    record_every: int,
    progress: bool,
    deterministic: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Simulate on the GPU: spike steps, spiking neurons, V_m samples (relative to E_L), loop seconds."""
    if deterministic is None:
        deterministic = net.dtype == np.float64
    n = net.n_neurons
    to = cuda.to_device
    ring = to(np.zeros((net.ring_size, max(net.n_ring_entries, 1)), dtype=net.dtype))
    neurons = (
        to(net.state.copy()),
        to(np.zeros(n, dtype=np.int32)),
        to(net.param),
        to(net.int_param),
        to(net.port_param),
        to(net.syn_state.copy()),
    )
    layout = tuple(to(a) for a in (net.cell_type, net.port_base, net.state_base, net.stride))
    synapses = tuple(to(a) for a in (net.indptr, net.ring_index, net.weight, net.delay))
    step_pointer, event_source = to(events.step_pointer), to(np.ascontiguousarray(events.source))
    event_step = to(np.repeat(np.arange(n_steps, dtype=np.int64), np.diff(events.step_pointer)))
    poisson_source = to(np.ascontiguousarray(events.poisson_source))
    poisson_mean = to(events.poisson_rate_hz * net.dt_ms / 1000.0)
    inputs = (step_pointer, event_source, poisson_source, poisson_mean)
    currents = (
        to(schedule.pointer),
        to(schedule.step),
        to(schedule.value.astype(net.dtype)),
        to(np.array(schedule.pointer[:-1])),
    )
    column = np.full(n, -1, dtype=np.int64)
    column[record] = np.arange(len(record))
    record_column = to(column)
    record_out = to(
        np.zeros((n_steps // record_every if record_every else 0, len(record), 2), dtype=net.dtype)
    )
    capacity = max(4096, n * 8)
    spike_step, spike_id = cuda.device_array(capacity, np.int64), cuda.device_array(capacity, np.int32)
    spike_count = to(np.zeros(1, dtype=np.int64))
    grid = math.ceil(n / THREADS)
    block = max(1, min(net.min_delay, MAX_BLOCK_STEPS))
    seed64 = np.uint64(seed)
    # The launches, as closures over the device arrays (spike_step/spike_id are rebound when they grow).

    def advance(k: int, length: int, every: int, blocks: int, threads: int) -> None:
        _advance[blocks, threads](
            k,
            length,
            ring,
            net.ring_size,
            neurons,
            layout,
            currents,
            (spike_step, spike_id, spike_count),
            (record_column, every, record_out),
        )

    def deliver_in_order(k: int, k1: int, s0: int, s1: int) -> None:
        _deliver_serial[1, 1](k, k1, s0, s1, spike_step, spike_id, ring, net.ring_size, synapses, inputs, seed64)

    def deliver_atomic(k: int, k1: int, s0: int, s1: int) -> None:
        e0, e1 = int(events.step_pointer[k]), int(events.step_pointer[k1])
        if s1 - s0 + e1 - e0 > 0:
            _deliver_atomic[s1 - s0 + e1 - e0, THREADS](
                s0, s1 - s0, spike_step, spike_id, e0, event_step, event_source, ring, net.ring_size, synapses
            )
        if len(events.poisson_source):
            _deliver_poisson[len(events.poisson_source) * (k1 - k), THREADS](
                k, k1 - k, poisson_source, poisson_mean, seed64, ring, net.ring_size, synapses
            )

    deliver = deliver_in_order if deterministic else deliver_atomic
    advance(0, 0, 0, 1, 1)  # compiles the kernels with zero work before the clock starts
    deliver(0, 0, 0, 0)
    cuda.synchronize()
    started = time.perf_counter()
    s0 = 0
    with tqdm(
        total=n_steps, unit="step", unit_scale=True, disable=not progress, desc="simulate (cuda)"
    ) as bar:
        k = 0
        while k < n_steps:
            k1 = min(k + block, n_steps)
            if s0 + n * (k1 - k) > capacity:  # room for every neuron to spike in every step of the block
                capacity = 2 * capacity + n * (k1 - k)
                spike_step, spike_id = _grow(spike_step, capacity), _grow(spike_id, capacity)
            advance(k, k1 - k, record_every, grid, THREADS)
            s1 = int(spike_count.copy_to_host()[0])
            deliver(k, k1, s0, s1)
            s0 = s1
            bar.update(k1 - k)
            k = k1
    steps, ids = spike_step.copy_to_host()[:s0], spike_id.copy_to_host()[:s0]
    samples = record_out.copy_to_host()
    elapsed = time.perf_counter() - started
    order = np.lexsort((ids, steps))  # device order is by completion; report (step, neuron) like the CPU
    return steps[order], ids[order].astype(np.int64), samples, elapsed


def _grow(array: cuda.devicearray.DeviceNDArray, size: int) -> cuda.devicearray.DeviceNDArray:
    bigger = cuda.device_array(size, array.dtype)
    bigger[: array.shape[0]].copy_to_device(array)
    return bigger
