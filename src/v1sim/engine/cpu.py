"""The CPU driver: every step of a block of steps in one compiled call, on all cores.

One parallel region per step; each thread owns a contiguous range of neurons. In the region of step ``k`` a
thread first delivers the spikes of step ``k − 1`` to *its own* neurons — from every row that fired, only the
synapses whose targets fall in its range (rows are sorted by target, so two binary searches find them) —
then advances its neurons through step ``k`` and lists the ones that spiked. No two threads write the same
ring entry, and every entry receives its weights in the same order whatever the number of threads (neuron
spikes by index, then spike-train events, then Poisson sources), so the same seed gives the same spikes,
bit for bit, on any thread count. Spikes of step ``k − 1`` reach slot ``k`` at the earliest (delays are at
least one step), which the same thread reads after delivering them.
"""

from __future__ import annotations

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
def _deliver_to_range(
    source, step, multiplicity, first, last, ring, ring_size, indptr, target, weight, delay, port
):
    """Deliver one spike of ``source`` to its targets in ``first..last-1`` only."""
    a = _first_at_least(target, indptr[source], indptr[source + 1], first)
    b = _first_at_least(target, a, indptr[source + 1], last)
    base = step % ring_size
    for s in range(a, b):
        slot = base + delay[s]  # delays are shorter than the ring: one subtraction instead of a division
        if slot >= ring_size:
            slot -= ring_size
        ring[slot, port[s], target[s]] += weight[s] * multiplicity


@numba.njit(cache=True, inline="always")
def _advance_run(a, b, t, slot, ring, state, refractory, param, int_param, spiked_flag):
    """Advance neurons ``a..b-1``, all of parameter set ``t``, by one step: loops without jumps, which vectorise."""
    rs = int_param[update.REFRACTORY_STEPS, t]
    u, r_arr = state[0], refractory
    if int_param[update.MODEL, t] == update.GLIF_PSC:
        p = _glif_params(param, t)
        y1a, y1b, y1c, y1d = state[1], state[2], state[3], state[4]
        y2a, y2b, y2c, y2d = state[5], state[6], state[7], state[8]
        asc0, asc1 = state[9], state[10]
        for i in range(a, b):
            u[i], asc0[i], asc1[i], r_arr[i], spiked_flag[i] = _glif_membrane(
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
        y1_ex, y1_in, y2_ex, y2_in = state[1], state[2], state[5], state[6]
        for i in range(a, b):
            u[i], r_arr[i], spiked_flag[i] = _iaf_membrane(
                u[i], r_arr[i], y1_ex[i], y1_in[i], y2_ex[i], y2_in[i], p, rs
            )
        n_ports = 2
    in_use = int_param[update.PORTS_IN_USE, t]
    for port in range(n_ports):
        if not (in_use >> port) & 1:
            continue  # no synapse reaches this port: its alpha state and ring entries stay zero
        p11, p21, psc_init = param[P11 + port, t], param[P21 + port, t], param[PSC_INIT + port, t]
        y1, y2, w = state[1 + port], state[5 + port], ring[slot, port]
        for i in range(a, b):
            y1[i], y2[i] = _alpha_step(y1[i], y2[i], w[i], p11, p21, psc_init)
            w[i] = 0.0


def _run_steps(
    k0,
    k1,
    ring,
    ring_size,
    state,
    refractory,
    param,
    int_param,
    cell_type,
    indptr,
    target,
    weight,
    delay,
    port,
    step_pointer,
    event_source,
    poisson_source,
    poisson_mean,
    seed,
    spike_step,
    spike_id,
    n_spikes,
    record_ids,
    record_every,
    record_out,
    spiked,
    chunk_count,
    spiked_flag,
    run_start,
    chunk_runs,
):
    n = len(cell_type)
    n_chunks = chunk_count.shape[1]
    chunk = chunk_length(n, n_chunks)
    for k in range(k0, k1):
        if n_spikes[0] + n > len(spike_step):
            return k  # the caller grows the spike buffer and resumes here
        slot = k % ring_size
        now, before = k % 2, (k + 1) % 2  # spike lists of this step and of the one before
        for c in numba.prange(n_chunks):
            first = c * chunk
            last = min(n, first + chunk)
            if k > 0:
                kp = k - 1
                for cc in range(n_chunks):
                    for j in range(cc * chunk, cc * chunk + chunk_count[before, cc]):
                        _deliver_to_range(
                            spiked[before, j],
                            kp,
                            1.0,
                            first,
                            last,
                            ring,
                            ring_size,
                            indptr,
                            target,
                            weight,
                            delay,
                            port,
                        )
                for e in range(step_pointer[kp], step_pointer[kp + 1]):
                    _deliver_to_range(
                        event_source[e],
                        kp,
                        1.0,
                        first,
                        last,
                        ring,
                        ring_size,
                        indptr,
                        target,
                        weight,
                        delay,
                        port,
                    )
                for j in range(len(poisson_source)):
                    count = _poisson_count(seed, kp, poisson_source[j], poisson_mean[j])
                    if count > 0:
                        _deliver_to_range(
                            poisson_source[j],
                            kp,
                            count,
                            first,
                            last,
                            ring,
                            ring_size,
                            indptr,
                            target,
                            weight,
                            delay,
                            port,
                        )
            for run in range(chunk_runs[c], chunk_runs[c + 1]):
                a, b = run_start[run], run_start[run + 1]
                _advance_run(a, b, cell_type[a], slot, ring, state, refractory, param, int_param, spiked_flag)
            count = 0
            for i in range(first, last):
                if spiked_flag[i]:
                    spiked[now, first + count] = i
                    count += 1
            chunk_count[now, c] = count
        for c in range(n_chunks):
            for j in range(c * chunk, c * chunk + chunk_count[now, c]):
                spike_step[n_spikes[0]] = k
                spike_id[n_spikes[0]] = spiked[now, j]
                n_spikes[0] += 1
        if record_every > 0 and (k + 1) % record_every == 0:
            row = (k + 1) // record_every - 1
            for r in range(len(record_ids)):
                cell = record_ids[r]
                record_out[row, r, 0] = state[0, cell]
                record_out[row, r, 1] = state[5, cell] + state[6, cell] + state[7, cell] + state[8, cell]
    return k1


_steps = numba.njit(cache=True, inline="always")(_run_steps)


# Two compiled entry points over the same loop; being separate functions, they get separate numba cache entries.
@numba.njit(cache=True)
def run_steps_serial(
    k0,
    k1,
    ring,
    ring_size,
    state,
    refractory,
    param,
    int_param,
    cell_type,
    indptr,
    target,
    weight,
    delay,
    port,
    step_pointer,
    event_source,
    poisson_source,
    poisson_mean,
    seed,
    spike_step,
    spike_id,
    n_spikes,
    record_ids,
    record_every,
    record_out,
    spiked,
    chunk_count,
    spiked_flag,
    run_start,
    chunk_runs,
):
    return _steps(
        k0,
        k1,
        ring,
        ring_size,
        state,
        refractory,
        param,
        int_param,
        cell_type,
        indptr,
        target,
        weight,
        delay,
        port,
        step_pointer,
        event_source,
        poisson_source,
        poisson_mean,
        seed,
        spike_step,
        spike_id,
        n_spikes,
        record_ids,
        record_every,
        record_out,
        spiked,
        chunk_count,
        spiked_flag,
        run_start,
        chunk_runs,
    )


@numba.njit(cache=True, parallel=True)
def run_steps_parallel(
    k0,
    k1,
    ring,
    ring_size,
    state,
    refractory,
    param,
    int_param,
    cell_type,
    indptr,
    target,
    weight,
    delay,
    port,
    step_pointer,
    event_source,
    poisson_source,
    poisson_mean,
    seed,
    spike_step,
    spike_id,
    n_spikes,
    record_ids,
    record_every,
    record_out,
    spiked,
    chunk_count,
    spiked_flag,
    run_start,
    chunk_runs,
):
    return _steps(
        k0,
        k1,
        ring,
        ring_size,
        state,
        refractory,
        param,
        int_param,
        cell_type,
        indptr,
        target,
        weight,
        delay,
        port,
        step_pointer,
        event_source,
        poisson_source,
        poisson_mean,
        seed,
        spike_step,
        spike_id,
        n_spikes,
        record_ids,
        record_every,
        record_out,
        spiked,
        chunk_count,
        spiked_flag,
        run_start,
        chunk_runs,
    )


#: Below this many neurons a step is too short for threads to pay for themselves.
PARALLEL_MIN_NEURONS = 8_000


def run_steps(parallel: bool, *args):
    """Run steps ``k0..k1-1``; returns the first step not run (``k1``, or earlier when the spike buffer is full)."""
    return (run_steps_parallel if parallel else run_steps_serial)(*args)


@numba.njit(cache=True)
def chunk_length(n: int, n_chunks: int) -> int:
    """Neurons per thread: an equal share, rounded up to a multiple of 64 (whole cache lines of flags)."""
    return max(64, (n + 64 * n_chunks - 1) // (64 * n_chunks) * 64)


def runs_by_chunk(cell_type: np.ndarray, n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive neurons with one parameter set, cut at the threads' chunk boundaries.

    Returns ``run_start`` (run ``j`` is ``run_start[j]..run_start[j+1]-1``) and ``chunk_runs`` (chunk ``c`` holds
    runs ``chunk_runs[c]..chunk_runs[c+1]-1``).
    """
    n = len(cell_type)
    chunk = chunk_length(n, n_chunks)
    cuts = np.arange(0, n_chunks + 1) * chunk
    change = np.flatnonzero(np.diff(cell_type)) + 1
    run_start = np.unique(np.concatenate([[0, n], change, np.minimum(cuts, n)])).astype(np.int64)
    chunk_runs = np.searchsorted(run_start[:-1], np.minimum(cuts, n)).astype(np.int64)
    return run_start, chunk_runs


def empty_record(n_rows: int, n_ids: int, dtype: type) -> np.ndarray:
    """Samples × recorded cells × (U relative to E_L, total synaptic current Σ y2)."""
    return np.zeros((max(n_rows, 0), n_ids, 2), dtype=dtype)
