"""Scalar pieces both drivers share: spike delivery into the input ring and Poisson spike counts.

Plain Python functions, compiled with ``numba.njit`` for the CPU driver and ``numba.cuda.jit(device=True)`` for
the GPU driver (see :mod:`v1sim.engine.cpu` and :mod:`v1sim.engine.cuda`).
"""

from __future__ import annotations

import math

import numpy as np

from v1sim.build.rng import stream, uniform


def poisson_count(seed, step, source, mean):
    """Spikes a Poisson source emits in one step (inverse transform on its own counter-based stream)."""
    if mean <= 0.0:
        return 0
    # Explicit int64/uint64: under the CUDA simulator this runs as Python on NumPy scalars, where an int32 step
    # times 2**32 overflows and a state of 2**63 or more would reach ``uniform`` as a Python int typed int64.
    state = np.uint64(stream(seed, np.int64(step) * 4294967296 + source))
    state, u = uniform(state)
    p = math.exp(-mean)
    cumulative = p
    k = 0
    while u > cumulative and k < 1000:
        k += 1
        p *= mean / k
        cumulative += p
    return k


def deliver_row(source, step, multiplicity, ring, ring_size, indptr, target, weight, delay, port):
    """Add one spike (times ``multiplicity``) of ``source`` sent in ``step`` to the ring slots of its targets."""
    base = step % ring_size
    for s in range(indptr[source], indptr[source + 1]):
        slot = base + delay[s]  # delays are shorter than the ring: one subtraction instead of a division
        if slot >= ring_size:
            slot -= ring_size
        ring[slot, port[s], target[s]] += weight[s] * multiplicity
