"""The CPU driver: every step of a block of steps in one compiled call, on all cores.

Time runs in blocks of at most ``min_delay`` steps (NEST's scheme): a spike of step ``k`` reaches slot
``k + min_delay`` at the earliest, so all input a block needs is in the ring before the block starts. One
parallel region per block; each thread owns a contiguous range of whole runs (``prepare.RUN_LENGTH`` neurons of
one parameter set at most), and so a contiguous range of ring entries. A thread first delivers the spikes of the
previous block to *its own* ring entries — from every row that fired, only the synapses whose entries fall in its
range (rows are sorted by target, so two binary searches find them) — then takes its neurons a run at a time
through every step of the block while their state stays in the core's cache, listing per step the ones that
spiked. No two threads write the same ring entry, and every entry receives its weights in the same order
whatever the number of threads or the block length (step by step: neuron spikes by index, then spike-train
events, then Poisson sources), so the same seed gives the same spikes, bit for bit, on any thread count.
"""

from __future__ import annotations

import numba
import numpy as np

from v1sim.engine import kernels
from v1sim.engine.prepare import ASC, CURRENT, U
from v1sim.models import update
from v1sim.models.propagators import (
    PORT_P11,
    PORT_P21,
    PORT_P31,
    PORT_P32,
    PORT_PSC_INIT,
    PORT_SLOW,
)

_jit = numba.njit(cache=True, inline="always")
_glif_params, _iaf_params = _jit(update.glif_params), _jit(update.iaf_params)
_glif_base, _glif_port, _glif_finish = _jit(update.glif_base), _jit(update.glif_port), _jit(update.glif_finish)
_alpha_iaf_base, _alpha_iaf_port = _jit(update.alpha_iaf_base), _jit(update.alpha_iaf_port)
_alpha_iaf_finish, _delta_iaf_step = _jit(update.alpha_iaf_finish), _jit(update.delta_iaf_step)
_exp_iaf_base, _exp_iaf_port = _jit(update.exp_iaf_base), _jit(update.exp_iaf_port)
_exp_iaf_finish = _jit(update.exp_iaf_finish)
_alpha_step, _exp_step, _in_use = _jit(update.alpha_step), _jit(update.exp_step), _jit(update.port_in_use)
_poisson_count = numba.njit(cache=True)(kernels.poisson_count)
_synaptic_current = numba.njit(cache=True)(kernels.synaptic_current)


@numba.njit(cache=True, inline="always")
def _u(value):
    """``value`` as an unsigned index (numba selects no negative-index wrap-around for unsigned indices)."""
    return numba.uint64(value)


@numba.njit(cache=True, inline="always")
def _first_at_least(values, lo, hi, key):
    """Index of the first element of the partitioned ``values[lo:hi]`` that is >= ``key`` (``hi`` if none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, inline="always")
def _deliver_to_range(source, step, multiplicity, first, last, ring, ring_size, synapses):
    """Deliver one spike of ``source`` to its synapses whose ring entries lie in ``first..last-1`` only."""
    indptr, entry, weight, delay = synapses
    a = _first_at_least(entry, indptr[source], indptr[source + 1], first)
    b = _first_at_least(entry, a, indptr[source + 1], last)
    size = numba.uint64(ring_size)
    base = numba.uint64(step % ring_size)
    for s in range(numba.uint64(a), numba.uint64(b)):  # unsigned indices: no negative-index selects
        # delays are shorter than the ring: a subtraction, not a division
        slot = base + numba.uint64(delay[s])
        if slot >= size:
            slot -= size
        ring[slot, numba.uint64(entry[s])] += weight[s] * multiplicity


@numba.njit(cache=True, inline="always")
def _alpha_ports(slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, row, value, clear):
    """Move the alpha state of every used port (fast, or slow with ``row`` = PORT_SLOW) by one step; the
    weights of the ring slot enter y1, and with ``clear`` the slot's entries are zeroed once read (a double
    alpha's fast currents leave them for its slow ones)."""
    for port in range(n_ports):
        if not _in_use(mask, port):
            continue
        p11, p21 = port_param[row + PORT_P11, pc + port], port_param[row + PORT_P21, pc + port]
        psc_init = port_param[row + PORT_PSC_INIT, pc + port]
        o1 = sb + _u(value * n_ports + port) * m
        o2 = sb + _u((value + 1) * n_ports + port) * m
        w = pb + _u(port) * m
        for j in range(m):
            syn[o1 + j], syn[o2 + j] = _alpha_step(syn[o1 + j], syn[o2 + j], ring[slot, w + j], p11, p21, psc_init)
        if clear:
            for j in range(m):
                ring[slot, w + j] = 0.0


@numba.njit(cache=True, inline="always")
def _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, row, value, port):
    """(P31, P32, offset of y1, offset of y2) of one alpha port of a run; a port the cell lacks, or that no
    synapse reaches, has zero coefficients and reads the zeros after the state (it adds exact zeros)."""
    zero = port_param[0, 0] - port_param[0, 0]  # 0 in the table's precision
    if port < n_ports and _in_use(mask, port):
        return (
            port_param[row + PORT_P31, pc + port],
            port_param[row + PORT_P32, pc + port],
            sb + _u(value * n_ports + port) * m,
            sb + _u((value + 1) * n_ports + port) * m,
        )
    return zero, zero, zeros, zeros


@numba.njit(cache=True, inline="always")
def _advance_run(
    a, b, slot, ring, state, refractory, param, int_param, port_param, t, syn, acc, pb, sb, spiked_flag, zeros
):
    """Advance neurons ``a..b-1`` (one run: one parameter set) by one step: loops without jumps, which vectorise.

    Every array is indexed from an unsigned base plus an unsigned loop counter: no negative-index wrap-around
    select (which keeps LLVM from vectorising), and no array views, whose reference counting would cost more
    than the arithmetic in the short runs of small networks.
    """
    model, n_ports = int_param[update.MODEL, t], int_param[update.PORTS, t]
    rs, mask = int_param[update.REFRACTORY_STEPS, t], int_param[update.PORTS_IN_USE, t]
    pc = int_param[update.PORT_PARAM_START, t]
    a, m, pb, sb, slot, zeros = _u(a), _u(b - a), _u(pb), _u(sb), _u(slot), _u(zeros)
    if model == update.GLIF_PSC or model == update.GLIF_PSC_DOUBLE_ALPHA:
        p = _glif_params(param, t)
        double = model == update.GLIF_PSC_DOUBLE_ALPHA
        # The first four ports in the pass that starts the membrane update (absent ones read zeros, which add
        # exact zeros), the further ports and a double alpha's slow currents each in a pass, then the finish.
        c0, d0, y0, z0 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 0)
        c1, d1, y1, z1 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 1)
        c2, d2, y2, z2 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 2)
        c3, d3, y3, z3 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 3)
        for j in range(m):
            i = a + j
            x = _glif_base(state[U, i], state[ASC, i], state[ASC + 1, i], state[CURRENT, i], p)
            x = _glif_port(x, syn[y0 + j], syn[z0 + j], c0, d0)
            x = _glif_port(x, syn[y1 + j], syn[z1 + j], c1, d1)
            x = _glif_port(x, syn[y2 + j], syn[z2 + j], c2, d2)
            acc[i] = _glif_port(x, syn[y3 + j], syn[z3 + j], c3, d3)
        for value in range(0, 4 if double else 2, 2):  # the fast (or only) alpha currents, then the slow ones
            row = PORT_SLOW if value == 2 else 0
            for port in range(4 if value == 0 else 0, n_ports):
                if not _in_use(mask, port):
                    continue
                p31, p32 = port_param[row + PORT_P31, pc + port], port_param[row + PORT_P32, pc + port]
                o1 = sb + _u(value * n_ports + port) * m
                o2 = sb + _u((value + 1) * n_ports + port) * m
                for j in range(m):
                    acc[a + j] = _glif_port(acc[a + j], syn[o1 + j], syn[o2 + j], p31, p32)
        for j in range(m):
            i = a + j
            state[U, i], state[ASC, i], state[ASC + 1, i], refractory[i], spiked_flag[i] = _glif_finish(
                acc[i], state[U, i], refractory[i], state[ASC, i], state[ASC + 1, i], p, rs
            )
        _alpha_ports(slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, 0, 0, not double)
        if double:
            _alpha_ports(slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, PORT_SLOW, 2, True)
    elif model == update.IAF_PSC_ALPHA:
        p = _iaf_params(param, t)
        c0, d0, y0, z0 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 0)
        c1, d1, y1, z1 = _port_terms(port_param, pc, n_ports, mask, sb, m, zeros, 0, 0, 1)
        for j in range(m):  # its two ports (excitatory, inhibitory) in one pass, then the finish
            i = a + j
            x = _alpha_iaf_base(state[CURRENT, i], p)
            x = _alpha_iaf_port(x, syn[y0 + j], syn[z0 + j], c0, d0)
            acc[i] = _alpha_iaf_port(x, syn[y1 + j], syn[z1 + j], c1, d1)
        for j in range(m):
            i = a + j
            state[U, i], refractory[i], spiked_flag[i] = _alpha_iaf_finish(acc[i], state[U, i], refractory[i], p, rs)
        _alpha_ports(slot, ring, syn, port_param, pb, sb, m, n_ports, mask, pc, 0, 0, True)
    elif model == update.IAF_PSC_DELTA:
        p = _iaf_params(param, t)
        for j in range(m):
            i = a + j
            state[U, i], refractory[i], spiked_flag[i] = _delta_iaf_step(
                state[U, i], refractory[i], state[CURRENT, i], ring[slot, pb + j], p, rs
            )
            ring[slot, pb + j] = 0.0
    else:
        p = _iaf_params(param, t)
        for j in range(m):
            acc[a + j] = _exp_iaf_base(state[U, a + j], p)
        for port in range(n_ports):
            if not _in_use(mask, port):
                continue
            p21, o = port_param[PORT_P31, pc + port], sb + _u(port) * m
            for j in range(m):
                acc[a + j] = _exp_iaf_port(acc[a + j], syn[o + j], p21)
        for j in range(m):
            i = a + j
            state[U, i], refractory[i], spiked_flag[i] = _exp_iaf_finish(
                acc[i], state[U, i], refractory[i], state[CURRENT, i], p, rs
            )
        for port in range(n_ports):
            if not _in_use(mask, port):
                continue
            p11, o, w = port_param[PORT_P11, pc + port], sb + _u(port) * m, pb + _u(port) * m
            for j in range(m):
                syn[o + j] = _exp_step(syn[o + j], ring[slot, w + j], p11)
                ring[slot, w + j] = 0.0


@numba.njit(cache=True, inline="always")
def _inject(k, a, b, state, currents):
    """Injected currents that change at the end of step ``k`` (NEST reads them then, for the next step)."""
    pointer = currents[0]
    if pointer[a] == pointer[b]:
        return
    step, value, cursor = currents[1], currents[2], currents[3]
    for i in range(a, b):
        c = cursor[i]
        if c < pointer[i + 1] and step[c] == k:
            state[CURRENT, i] = value[c]
            cursor[i] = c + 1


@numba.njit(cache=True, inline="always")
def _deliver_block(first, last, start, length, buffer, ring, ring_size, synapses, inputs, spikes, seed):
    """Deliver the spikes of steps ``start..start+length-1`` (lists ``buffer``) to ring entries ``first..last-1``."""
    step_pointer, event_source, poisson_source, poisson_mean = inputs
    spiked, chunk_count, chunk_first = spikes
    for q in range(length):
        kp = start + q
        for cc in range(chunk_count.shape[2]):
            for j in range(chunk_first[cc], chunk_first[cc] + chunk_count[buffer, q, cc]):
                _deliver_to_range(spiked[buffer, q, j], kp, 1.0, first, last, ring, ring_size, synapses)
        for e in range(step_pointer[kp], step_pointer[kp + 1]):
            _deliver_to_range(event_source[e], kp, 1.0, first, last, ring, ring_size, synapses)
        for j in range(len(poisson_source)):
            count = _poisson_count(seed, kp, poisson_source[j], poisson_mean[j])
            if count > 0:
                _deliver_to_range(poisson_source[j], kp, count, first, last, ring, ring_size, synapses)


@numba.njit(cache=True, inline="always")
def _record(k, run, neurons, layout, record):
    """Sample U and the total synaptic current of the recorded neurons of ``run`` after step ``k``."""
    cells, column, run_record, every, out = record
    if every > 0 and (k + 1) % every == 0:
        state, _, _, int_param, _, cell_type, syn, _ = neurons
        state_base, stride = layout
        row = (k + 1) // every - 1
        for r in range(run_record[run], run_record[run + 1]):
            cell = cells[r]
            out[row, column[r], 0] = state[U, cell]
            out[row, column[r], 1] = _synaptic_current(
                syn, state_base[cell], stride[cell], int_param, cell_type[cell], state[U, cell]
            )


def _run_steps(k0, k1, block_steps, ring, ring_size, neurons, layout, synapses, inputs, currents, seed, output,
               record, work):  # fmt: skip
    """Run steps ``k0..k1-1`` in blocks of ``block_steps``; the first step not run (``k1``, or earlier when full)."""
    spike_step, spike_id, n_spikes = output
    spiked, chunk_count, spiked_flag, chunk_first, chunk_runs, chunk_ring, run_start, block_state = work
    state, refractory, param, int_param, port_param, cell_type, syn, acc = neurons
    port_base, state_base, zeros = layout[0], layout[1], layout[3]
    n = len(spiked_flag)
    n_chunks = chunk_count.shape[2]
    k = k0
    while k < k1:
        length = min(block_steps, k1 - k)
        if n_spikes[0] + n * length > len(spike_step):
            return k  # the caller grows the spike buffer and resumes here
        before_start, before_length, before = block_state[0], block_state[1], block_state[2]
        now = 1 - before
        for c in numba.prange(n_chunks):
            _deliver_block(
                chunk_ring[c],
                chunk_ring[c + 1],
                before_start,
                before_length,
                before,
                ring,
                ring_size,
                synapses,
                inputs,
                (spiked, chunk_count, chunk_first),
                seed,
            )
            first = chunk_first[c]
            for q in range(length):
                chunk_count[now, q, c] = 0
            for run in range(chunk_runs[c], chunk_runs[c + 1]):
                a, b = run_start[run], run_start[run + 1]
                pb, sb = port_base[a], state_base[a]
                for q in range(length):
                    _advance_run(
                        a, b, (k + q) % ring_size, ring, state, refractory, param, int_param, port_param,
                        cell_type[a], syn, acc, pb, sb, spiked_flag, zeros,
                    )  # fmt: skip
                    _inject(k + q, a, b, state, currents)
                    count = chunk_count[now, q, c]
                    for i in range(numba.uint64(a), numba.uint64(b)):
                        if spiked_flag[i]:
                            spiked[now, q, first + count] = i
                            count += 1
                    chunk_count[now, q, c] = count
                    if record[3] > 0:  # (unpacking the record's arrays costs reference counting: only if used)
                        _record(k + q, run, neurons, (state_base, layout[2]), record)
        for q in range(length):
            for c in range(n_chunks):
                for j in range(chunk_first[c], chunk_first[c] + chunk_count[now, q, c]):
                    spike_step[n_spikes[0]] = k + q
                    spike_id[n_spikes[0]] = spiked[now, q, j]
                    n_spikes[0] += 1
        block_state[0], block_state[1], block_state[2] = k, length, now
        k += length
    return k1


_steps = numba.njit(cache=True, inline="always")(_run_steps)


# Two compiled entry points over the same loop; being separate functions, they get separate numba cache entries.
@numba.njit(cache=True)
def run_steps_serial(k0, k1, block_steps, ring, ring_size, neurons, layout, synapses, inputs, currents, seed,
                     output, record, work):  # fmt: skip
    return _steps(
        k0, k1, block_steps, ring, ring_size, neurons, layout, synapses, inputs, currents, seed, output, record, work
    )


@numba.njit(cache=True, parallel=True)
def run_steps_parallel(k0, k1, block_steps, ring, ring_size, neurons, layout, synapses, inputs, currents, seed,
                       output, record, work):  # fmt: skip
    return _steps(
        k0, k1, block_steps, ring, ring_size, neurons, layout, synapses, inputs, currents, seed, output, record, work
    )


#: Below this many neurons a step is too short for threads to pay for themselves.
PARALLEL_MIN_NEURONS = 8_000
#: Longest block of steps (the minimum delay sets it; this bounds the per-step spike lists).
MAX_BLOCK_STEPS = 32


def run_steps(parallel: bool, *args):
    """Run steps ``k0..k1-1``; returns the first step not run (``k1``, or earlier when the spike buffer is full)."""
    return (run_steps_parallel if parallel else run_steps_serial)(*args)


def chunks_of(run_start: np.ndarray, port_base: np.ndarray, n_ring: int, n_chunks: int):
    """Split the runs into ``n_chunks`` contiguous ranges of about equal numbers of neurons.

    Returns per chunk (length n_chunks + 1): the first run, the first neuron and the first ring entry.
    """
    n = int(run_start[-1])
    targets = np.arange(n_chunks + 1) * n / n_chunks
    chunk_runs = np.searchsorted(run_start, targets).astype(np.int64)
    chunk_runs[0], chunk_runs[-1] = 0, len(run_start) - 1
    chunk_runs = np.maximum.accumulate(chunk_runs)
    chunk_first = run_start[chunk_runs].astype(np.int64)
    chunk_ring = np.append(port_base, n_ring)[chunk_first].astype(np.int64)
    return chunk_runs, chunk_first, chunk_ring


def record_by_run(record_ids: np.ndarray, run_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recorded neurons sorted, their columns in the output, and each run's range in the sorted list."""
    order = np.argsort(record_ids, kind="stable")
    cells = record_ids[order].astype(np.int64)
    return cells, order.astype(np.int64), np.searchsorted(cells, run_start).astype(np.int64)


def empty_record(n_rows: int, n_ids: int, dtype: type) -> np.ndarray:
    """Samples × recorded cells × (U relative to E_L, total synaptic current)."""
    return np.zeros((max(n_rows, 0), n_ids, 2), dtype=dtype)
