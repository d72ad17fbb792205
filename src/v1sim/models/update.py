"""One time step of one neuron, ``glif_psc`` or ``iaf_psc_alpha``: the model math, written once.

``update_neuron`` is a plain Python function on scalars and array elements. The engine compiles it with
``numba.njit`` for the CPU and with ``numba.cuda.jit(device=True)`` for the GPU, so both drivers run the same
arithmetic. The order of operations is NEST 3.10's ``update`` of ``models/glif_psc.cpp`` (GLIF1/3: no threshold
adaptation) and ``models/iaf_psc_alpha.cpp``:

glif_psc, not refractory: the after-spike currents contribute their exact mean over the step and decay; then
``U ← U·P33 + (I + ΣASC)·P30 + Σ_r (P31_r·y1_r + P32_r·y2_r)``; a spike if ``U > θ``, then ``U ← V_reset``,
``ASC_j ← amp_j + ASC_j·r_j·e^{−k_j t_ref}`` and the refractory count starts. While refractory ``U`` is held.
iaf_psc_alpha, not refractory: ``V ← P30·I_e + Σ (P31·dI + P32·I) + expm1(−h/τm)·V + V``, bounded below by
``V_min``; a spike if ``V ≥ θ`` (checked after the currents' update), then ``V ← V_reset``.
Both: the alpha states move (``y2 ← P21·y1 + P22·y2``, ``y1 ← P11·y1``) and the weights arriving this step
enter ``y1`` (×e/τ), acting from the next step.
"""

from __future__ import annotations

from v1sim.models.propagators import (
    ASC,
    ASC_AMP,
    ASC_COEFF,
    ASC_RATE,
    ASC_REFRACTORY,
    EXPM1_TAU_M,
    I_E,
    LOWER,
    N_PORTS,
    P11,
    P21,
    P30,
    P31,
    P32,
    P33,
    PSC_INIT,
    RESET,
    THRESHOLD,
    Y1,
    Y2,
    U,
)

GLIF_PSC = 0
IAF_PSC_ALPHA = 1
# Rows of the integer part of the parameter table.
MODEL = 0
PORTS = 1
HAS_ASC = 2
REFRACTORY_STEPS = 3
N_INT_ROWS = 4


def update_neuron(i, t, slot, inputs, state, refractory, param, int_param):
    """Advance neuron ``i`` (parameter set ``t``) one step; ``inputs[slot, port, i]``: the weight (pA) arriving now.

    Returns True when the neuron spikes in this step; the caller clears the consumed ring slot. Arrays:
    ``state[row, i]`` and ``refractory[i]`` (steps left) per neuron; ``param[row, t]`` and
    ``int_param[row, t]`` per distinct parameter set (rows in :mod:`v1sim.models.propagators` and above): a few
    sets serve every neuron, so they stay in cache.

    Both branches of refractoriness are computed and one is selected (no data-dependent jumps, so compilers
    vectorise the loop); the selected values are exactly NEST's. Unused ports and, without after-spike currents,
    the ASC rows hold zeros and rates of one: they add exact zeros.
    """
    active = refractory[i] == 0
    u0 = state[U, i]
    if int_param[MODEL, t] == GLIF_PSC:
        a0, a1 = state[ASC, i], state[ASC + 1, i]
        asc_sum = 0.0 + param[ASC_COEFF, t] * a0
        asc_sum += param[ASC_COEFF + 1, t] * a1
        d0, d1 = a0 * param[ASC_RATE, t], a1 * param[ASC_RATE + 1, t]
        u = u0 * param[P33, t] + (0.0 + asc_sum) * param[P30, t]
        u += param[P31, t] * state[Y1, i] + param[P32, t] * state[Y2, i]
        u += param[P31 + 1, t] * state[Y1 + 1, i] + param[P32 + 1, t] * state[Y2 + 1, i]
        u += param[P31 + 2, t] * state[Y1 + 2, i] + param[P32 + 2, t] * state[Y2 + 2, i]
        u += param[P31 + 3, t] * state[Y1 + 3, i] + param[P32 + 3, t] * state[Y2 + 3, i]
        spiked = active & (u > param[THRESHOLD, t])
        state[U, i] = param[RESET, t] if spiked else (u if active else u0)
        reset0 = param[ASC_AMP, t] + d0 * param[ASC_REFRACTORY, t]
        reset1 = param[ASC_AMP + 1, t] + d1 * param[ASC_REFRACTORY + 1, t]
        state[ASC, i] = reset0 if spiked else (d0 if active else a0)
        state[ASC + 1, i] = reset1 if spiked else (d1 if active else a1)
        n_ports = N_PORTS
    else:
        v = (
            param[P30, t] * (0.0 + param[I_E, t])
            + param[P31, t] * state[Y1, i]
            + param[P32, t] * state[Y2, i]
            + param[P31 + 1, t] * state[Y1 + 1, i]
            + param[P32 + 1, t] * state[Y2 + 1, i]
            + param[EXPM1_TAU_M, t] * u0
            + u0
        )
        v = param[LOWER, t] if v < param[LOWER, t] else v
        v = v if active else u0
        spiked = v >= param[THRESHOLD, t]
        state[U, i] = param[RESET, t] if spiked else v
        n_ports = 2  # port 0 excitatory, port 1 inhibitory
    for r in range(n_ports):  # alpha currents move; the weight arriving now enters y1
        y1 = state[Y1 + r, i]
        state[Y2 + r, i] = param[P21 + r, t] * y1 + param[P11 + r, t] * state[Y2 + r, i]
        state[Y1 + r, i] = y1 * param[P11 + r, t] + param[PSC_INIT + r, t] * inputs[slot, r, i]
    refractory[i] = int_param[REFRACTORY_STEPS, t] if spiked else (0 if active else refractory[i] - 1)
    return spiked
