"""The CPU driver: every step of a block of steps in one compiled call, neurons updated on all cores.

Per step: all neurons advance (in parallel when the network is large enough to pay for it); the neurons
that spiked are recorded and delivered in ascending index, then the virtual sources' spikes of the step, then
the Poisson sources' — a fixed order, so the same seed gives the same spikes whatever the thread count.
"""

from __future__ import annotations

import numba
import numpy as np

from v1sim.engine import kernels
from v1sim.models import update

_update_neuron = numba.njit(cache=True, inline="always")(update.update_neuron)
_deliver_row = numba.njit(cache=True, inline="always")(kernels.deliver_row)
_poisson_count = numba.njit(cache=True)(kernels.poisson_count)


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
    n_chunks,
):
    n = len(cell_type)
    chunk = (n + n_chunks - 1) // n_chunks
    chunk_count = np.zeros(n_chunks, dtype=np.int64)
    for k in range(k0, k1):
        if n_spikes[0] + n > len(spike_step):
            return k  # the caller grows the spike buffer and resumes here
        slot = k % ring_size
        # One parallel region per step. Each chunk of neurons lists its spikes in its own part of ``spiked``, so
        # collecting them reads a few counts, not a flag per neuron.
        for c in numba.prange(n_chunks):
            lo = c * chunk
            count = 0
            for i in range(lo, min(n, lo + chunk)):
                if _update_neuron(i, cell_type[i], slot, ring, state, refractory, param, int_param):
                    spiked[lo + count] = i
                    count += 1
                for lane in range(4):
                    ring[slot, lane, i] = 0.0
            chunk_count[c] = count
        for c in range(n_chunks):
            for j in range(c * chunk, c * chunk + chunk_count[c]):
                i = spiked[j]
                spike_step[n_spikes[0]] = k
                spike_id[n_spikes[0]] = i
                n_spikes[0] += 1
                _deliver_row(i, k, 1.0, ring, ring_size, indptr, target, weight, delay, port)
        for e in range(step_pointer[k], step_pointer[k + 1]):
            _deliver_row(event_source[e], k, 1.0, ring, ring_size, indptr, target, weight, delay, port)
        for j in range(len(poisson_source)):
            count = _poisson_count(seed, k, poisson_source[j], poisson_mean[j])
            if count > 0:
                _deliver_row(
                    poisson_source[j], k, count, ring, ring_size, indptr, target, weight, delay, port
                )
        if record_every > 0 and (k + 1) % record_every == 0:
            row = (k + 1) // record_every - 1
            for r in range(len(record_ids)):
                record_out[row, r] = state[0, record_ids[r]]
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
    n_chunks,
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
        n_chunks,
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
    n_chunks,
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
        n_chunks,
    )


#: Below this many neurons a step is too short for threads to pay for themselves.
PARALLEL_MIN_NEURONS = 8_000


def run_steps(parallel: bool, *args):
    """Run steps ``k0..k1-1``; returns the first step not run (``k1``, or earlier when the spike buffer is full)."""
    return (run_steps_parallel if parallel else run_steps_serial)(*args)


def empty_record(n_rows: int, n_ids: int, dtype: type) -> np.ndarray:
    return np.zeros((max(n_rows, 0), n_ids), dtype=dtype)
