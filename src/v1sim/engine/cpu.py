"""The CPU driver: every step of a block of steps in one compiled call, on all cores.

Time runs in blocks of at most ``min_delay`` steps (NEST's scheme): a spike of step ``k`` reaches slot
``k + min_delay`` at the earliest, so all input a block needs is in the ring before the block starts. One
parallel region per block; each thread owns a contiguous range of neurons. A thread first delivers the spikes
of the previous block to *its own* neurons — from every row that fired, only the synapses whose targets fall
in its range (rows are sorted by target, so two binary searches find them) — then takes its neurons a short
run at a time (one parameter set, a few hundred neurons) through every step of the block while their state
stays in the core's cache, listing per step the ones that spiked. No two threads write the same ring entry,
and every entry receives its weights in the same order whatever the number of threads or the block length
(step by step: neuron spikes by index, then spike-train events, then Poisson sources), so the same seed gives
the same spikes, bit for bit, on any thread count.
"""

from __future__ import annotations

import itertools

import numba
import numpy as np

from v1sim.engine import kernels
from v1sim.models import update
from v1sim.models.propagators import P11, P21, PSC_INIT

_jit = numba.njit(cache=True, inline="always")
_glif_params, _glif_membrane = _jit(update.glif_params), _jit(update.glif_membrane)
_iaf_params, _iaf_membrane = _jit(update.iaf_params), _jit(update.iaf_membrane)
_alpha_step = _jit(update.alpha_step)
_poisson_count = numba.njit(cache=True)(kernels.poisson_count)


@numba.njit(cache=True, inline="always")
def _first_at_least(values, lo, hi, key):
    """Index of the first element of the sorted ``values[lo:hi]`` that is >= ``key`` (``hi`` if none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, inline="always")
def _deliver_to_range(source, step, multiplicity, first, last, ring, ring_size, synapses):
    """Deliver one spike of ``source`` to its targets in ``first..last-1`` only."""
    indptr, target, weight, delay, port = synapses
    a = _first_at_least(target, indptr[source], indptr[source + 1], first)
    b = _first_at_least(target, a, indptr[source + 1], last)
    size = numba.uint64(ring_size)
    base = numba.uint64(step % ring_size)
    for s in range(numba.uint64(a), numba.uint64(b)):  # unsigned indices: no negative-index selects
        # delays are shorter than the ring: a subtraction, not a division
        slot = base + numba.uint64(delay[s])
        if slot >= size:
            slot -= size
        ring[slot, numba.uint64(port[s]), numba.uint64(target[s])] += weight[s] * multiplicity


@numba.njit(cache=True, inline="always")
def _advance_run(a, b, t, slot, ring, state, refractory, param, int_param, spiked_flag):
    """Advance neurons ``a..b-1``, all of parameter set ``t``, by one step: loops without jumps, which vectorise.

    The loops run over views that start at ``a``, from index 0: an index that cannot be negative needs no
    wrap-around select, and only then does LLVM vectorise them (five times faster).
    """
    rs = int_param[update.REFRACTORY_STEPS, t]
    m = b - a
    u, r_arr, flag = state[0, a:b], refractory[a:b], spiked_flag[a:b]
    if int_param[update.MODEL, t] == update.GLIF_PSC:
        p = _glif_params(param, t)
        y1a, y1b, y1c, y1d = state[1, a:b], state[2, a:b], state[3, a:b], state[4, a:b]
        y2a, y2b, y2c, y2d = state[5, a:b], state[6, a:b], state[7, a:b], state[8, a:b]
        asc0, asc1 = state[9, a:b], state[10, a:b]
        for i in range(m):
            u[i], asc0[i], asc1[i], r_arr[i], flag[i] = _glif_membrane(
                u[i],
                r_arr[i],
                asc0[i],
                asc1[i],
                y1a[i],
                y1b[i],
                y1c[i],
                y1d[i],
                y2a[i],
                y2b[i],
                y2c[i],
                y2d[i],
                p,
                rs,
            )
        n_ports = 4
    else:
        p = _iaf_params(param, t)
        y1_ex, y1_in, y2_ex, y2_in = state[1, a:b], state[2, a:b], state[5, a:b], state[6, a:b]
        for i in range(m):
            u[i], r_arr[i], flag[i] = _iaf_membrane(
                u[i], r_arr[i], y1_ex[i], y1_in[i], y2_ex[i], y2_in[i], p, rs
            )
        n_ports = 2
    in_use = int_param[update.PORTS_IN_USE, t]
    for port in range(n_ports):
        if not (in_use >> port) & 1:
            continue  # no synapse reaches this port: its alpha state and ring entries stay zero
        p11, p21, psc_init = param[P11 + port, t], param[P21 + port, t], param[PSC_INIT + port, t]
        y1, y2, w = state[1 + port, a:b], state[5 + port, a:b], ring[slot, port, a:b]
        for i in range(m):
            y1[i], y2[i] = _alpha_step(y1[i], y2[i], w[i], p11, p21, psc_init)
            w[i] = 0.0


@numba.njit(cache=True, inline="always")
def _deliver_block(first, last, start, length, buffer, ring, ring_size, synapses, inputs, spikes, seed):
    """Deliver the spikes of steps ``start..start+length-1`` (lists ``buffer``) to neurons ``first..last-1``."""
    step_pointer, event_source, poisson_source, poisson_mean = inputs
    spiked, chunk_count = spikes
    n_chunks = chunk_count.shape[2]
    chunk = chunk_length(spiked.shape[2], n_chunks)
    for q in range(length):
        kp = start + q
        for cc in range(n_chunks):
            for j in range(cc * chunk, cc * chunk + chunk_count[buffer, q, cc]):
                _deliver_to_range(spiked[buffer, q, j], kp, 1.0, first, last, ring, ring_size, synapses)
        for e in range(step_pointer[kp], step_pointer[kp + 1]):
            _deliver_to_range(event_source[e], kp, 1.0, first, last, ring, ring_size, synapses)
        for j in range(len(poisson_source)):
            count = _poisson_count(seed, kp, poisson_source[j], poisson_mean[j])
            if count > 0:
                _deliver_to_range(poisson_source[j], kp, count, first, last, ring, ring_size, synapses)


@numba.njit(cache=True, inline="always")
def _record(k, run, state, record):
    """Sample U and the total synaptic current of the recorded neurons of ``run`` after step ``k``."""
    cells, column, run_record, every, out = record
    if every > 0 and (k + 1) % every == 0:
        row = (k + 1) // every - 1
        for r in range(run_record[run], run_record[run + 1]):
            cell = cells[r]
            out[row, column[r], 0] = state[0, cell]
            out[row, column[r], 1] = state[5, cell] + state[6, cell] + state[7, cell] + state[8, cell]


def _run_steps(k0, k1, block_steps, ring, ring_size, neurons, synapses, inputs, seed, output, record, work):
    """Run steps ``k0..k1-1`` in blocks of ``block_steps``; the first step not run (``k1``, or earlier when full)."""
    state, refractory, param, int_param, cell_type = neurons
    spike_step, spike_id, n_spikes = output
    spiked, chunk_count, spiked_flag, run_start, chunk_runs, block_state = work
    n = len(cell_type)
    n_chunks = chunk_count.shape[2]
    chunk = chunk_length(n, n_chunks)
    k = k0
    while k < k1:
        length = min(block_steps, k1 - k)
        if n_spikes[0] + n * length > len(spike_step):
            return k  # the caller grows the spike buffer and resumes here
        before_start, before_length, before = block_state[0], block_state[1], block_state[2]
        now = 1 - before
        for c in numba.prange(n_chunks):
            first = c * chunk
            last = min(n, first + chunk)
            _deliver_block(
                first,
                last,
                before_start,
                before_length,
                before,
                ring,
                ring_size,
                synapses,
                inputs,
                (spiked, chunk_count),
                seed,
            )
            for q in range(length):
                chunk_count[now, q, c] = 0
            for run in range(chunk_runs[c], chunk_runs[c + 1]):
                a, b = run_start[run], run_start[run + 1]
                t = cell_type[a]
                for q in range(length):
                    _advance_run(
                        a, b, t, (k + q) % ring_size, ring, state, refractory, param, int_param, spiked_flag
                    )
                    count = chunk_count[now, q, c]
                    for i in range(numba.uint64(a), numba.uint64(b)):
                        if spiked_flag[i]:
                            spiked[now, q, first + count] = i
                            count += 1
                    chunk_count[now, q, c] = count
                    _record(k + q, run, state, record)
        for q in range(length):
            for c in range(n_chunks):
                for j in range(c * chunk, c * chunk + chunk_count[now, q, c]):
                    spike_step[n_spikes[0]] = k + q
                    spike_id[n_spikes[0]] = spiked[now, q, j]
                    n_spikes[0] += 1
        block_state[0], block_state[1], block_state[2] = k, length, now
        k += length
    return k1


_steps = numba.njit(cache=True, inline="always")(_run_steps)


# Two compiled entry points over the same loop; being separate functions, they get separate numba cache entries.
@numba.njit(cache=True)
def run_steps_serial(
    k0, k1, block_steps, ring, ring_size, neurons, synapses, inputs, seed, output, record, work
):
    return _steps(k0, k1, block_steps, ring, ring_size, neurons, synapses, inputs, seed, output, record, work)


@numba.njit(cache=True, parallel=True)
def run_steps_parallel(
    k0, k1, block_steps, ring, ring_size, neurons, synapses, inputs, seed, output, record, work
):
    return _steps(k0, k1, block_steps, ring, ring_size, neurons, synapses, inputs, seed, output, record, work)


#: Below this many neurons a step is too short for threads to pay for themselves.
PARALLEL_MIN_NEURONS = 8_000
#: Neurons advanced together through a block: their state (~150 bytes each) stays in the core's L2 cache.
RUN_LENGTH = 512
#: Longest block of steps (the minimum delay sets it; this bounds the per-step spike lists).
MAX_BLOCK_STEPS = 32


def run_steps(parallel: bool, *args):
    """Run steps ``k0..k1-1``; returns the first step not run (``k1``, or earlier when the spike buffer is full)."""
    return (run_steps_parallel if parallel else run_steps_serial)(*args)


@numba.njit(cache=True)
def chunk_length(n: int, n_chunks: int) -> int:
    """Neurons per thread: an equal share, rounded up to a multiple of 64 (whole cache lines of flags)."""
    return max(64, (n + 64 * n_chunks - 1) // (64 * n_chunks) * 64)


def runs_by_chunk(
    cell_type: np.ndarray, n_chunks: int, max_run: int = RUN_LENGTH
) -> tuple[np.ndarray, np.ndarray]:
    """Runs of at most ``max_run`` consecutive neurons with one parameter set, cut at the threads' chunk boundaries.

    Returns ``run_start`` (run ``j`` is ``run_start[j]..run_start[j+1]-1``) and ``chunk_runs`` (chunk ``c`` holds
    runs ``chunk_runs[c]..chunk_runs[c+1]-1``).
    """
    n = len(cell_type)
    chunk = chunk_length(n, n_chunks)
    cuts = np.minimum(np.arange(0, n_chunks + 1) * chunk, n)
    change = np.flatnonzero(np.diff(cell_type)) + 1
    bounds = np.unique(np.concatenate([[0, n], change, cuts]))
    pieces = [np.arange(a, b, max_run) for a, b in itertools.pairwise(bounds)]
    run_start = np.concatenate([*pieces, [n]]).astype(np.int64)
    chunk_runs = np.searchsorted(run_start[:-1], cuts).astype(np.int64)
    return run_start, chunk_runs


def record_by_run(record_ids: np.ndarray, run_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recorded neurons sorted, their columns in the output, and each run's range in the sorted list."""
    order = np.argsort(record_ids, kind="stable")
    cells = record_ids[order].astype(np.int64)
    return cells, order.astype(np.int64), np.searchsorted(cells, run_start).astype(np.int64)


def empty_record(n_rows: int, n_ids: int, dtype: type) -> np.ndarray:
    """Samples × recorded cells × (U relative to E_L, total synaptic current Σ y2)."""
    return np.zeros((max(n_rows, 0), n_ids, 2), dtype=dtype)
