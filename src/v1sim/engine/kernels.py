"""Scalar pieces both drivers share: spike delivery into the input ring and Poisson spike counts.

Plain Python functions, compiled with ``numba.njit`` for the CPU driver and ``numba.cuda.jit(device=True)`` for
the GPU driver (see :mod:`v1sim.engine.cpu` and :mod:`v1sim.engine.cuda`).
"""

from __future__ import annotations

import math

import numpy as np

from v1sim.models import update
from v1sim.rng import stream, uniform


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


def deliver_row(source, step, multiplicity, ring, ring_size, indptr, entry, weight, delay):
    """Add one spike (times ``multiplicity``) of ``source`` sent in ``step`` to the ring entries of its synapses."""
    base = step % ring_size
    for s in range(indptr[source], indptr[source + 1]):
        slot = base + delay[s]  # delays are shorter than the ring: one subtraction instead of a division
        if slot >= ring_size:
            slot -= ring_size
        ring[slot, entry[s]] += weight[s] * multiplicity


def synaptic_current(syn, state_base, stride, int_param, t, like):
    """A neuron's total synaptic current (pA) from its state (``like``: a value of the state's precision).

    Alpha ports: the sum of their currents y2 (a double alpha's fast ones, then its slow ones, then the two
    sums added, as NEST's glif_psc_double_alpha sums I_syn); exponential ports: the sum of their currents;
    iaf_psc_delta has none (0).
    """
    model, n_ports = int_param[update.MODEL, t], int_param[update.PORTS, t]
    total = like - like
    if model == update.IAF_PSC_DELTA:
        return total
    if model == update.IAF_PSC_EXP:
        for port in range(n_ports):
            total += syn[state_base + port * stride]
        return total
    for port in range(n_ports):
        total += syn[state_base + (n_ports + port) * stride]
    if model == update.GLIF_PSC_DOUBLE_ALPHA:
        slow = like - like
        for port in range(n_ports):
            slow += syn[state_base + (3 * n_ports + port) * stride]
        total = total + slow
    return total
