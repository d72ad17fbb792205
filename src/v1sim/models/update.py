"""One time step of one neuron, ``glif_psc`` or ``iaf_psc_alpha``: the model math, written once.

The functions below are plain Python on scalars. The engine compiles them with ``numba.njit`` for the CPU
(where loops over the neurons of one parameter set vectorise) and with ``numba.cuda.jit(device=True)`` for the
GPU (a thread per neuron), so both drivers run the same arithmetic. The order of operations is NEST 3.10's
``update`` of ``models/glif_psc.cpp`` (GLIF1/3: no threshold adaptation) and ``models/iaf_psc_alpha.cpp``:

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
    ASC_AMP,
    ASC_COEFF,
    ASC_RATE,
    ASC_REFRACTORY,
    EXPM1_TAU_M,
    I_E,
    LOWER,
    P30,
    P31,
    P32,
    P33,
    RESET,
    THRESHOLD,
)

GLIF_PSC = 0
IAF_PSC_ALPHA = 1
# Rows of the integer part of the parameter table.
MODEL = 0
PORTS = 1
HAS_ASC = 2
REFRACTORY_STEPS = 3
PORTS_IN_USE = 4  # bit p set: some synapse reaches port p (the alpha state of an unused port stays zero)
N_INT_ROWS = 5


def glif_params(param, t):
    """The constants of parameter set ``t`` that ``glif_membrane`` reads, as one tuple of scalars."""
    return (
        param[P33, t],
        param[P30, t],
        param[P31, t],
        param[P31 + 1, t],
        param[P31 + 2, t],
        param[P31 + 3, t],
        param[P32, t],
        param[P32 + 1, t],
        param[P32 + 2, t],
        param[P32 + 3, t],
        param[THRESHOLD, t],
        param[RESET, t],
        param[ASC_COEFF, t],
        param[ASC_COEFF + 1, t],
        param[ASC_RATE, t],
        param[ASC_RATE + 1, t],
        param[ASC_REFRACTORY, t],
        param[ASC_REFRACTORY + 1, t],
        param[ASC_AMP, t],
        param[ASC_AMP + 1, t],
    )


def glif_membrane(u0, r, a0, a1, y1a, y1b, y1c, y1d, y2a, y2b, y2c, y2d, p, refractory_steps):
    """One step of a glif_psc membrane: ``(U, ASC0, ASC1, refractory steps left, spiked)``.

    ``u0`` is U at the start of the step, ``r`` the refractory steps left, ``y1*``/``y2*`` the alpha states of the
    four ports at the start of the step, ``p`` from ``glif_params``. Both sides of refractoriness are computed
    and one is selected — no data-dependent jumps, so loops over neurons vectorise — and the selected values
    are exactly NEST's. Unused ports and, without after-spike currents, the ASC terms hold zeros (rates of
    one): they add exact zeros.
    """
    active = r == 0
    zero = u0 - u0  # 0 in the state's precision: float32 runs stay in float32 (float64 runs add 0.0, as NEST)
    asc_sum = zero + p[12] * a0
    asc_sum += p[13] * a1
    d0 = a0 * p[14]
    d1 = a1 * p[15]
    u = u0 * p[0] + (zero + asc_sum) * p[1]
    u += p[2] * y1a + p[6] * y2a
    u += p[3] * y1b + p[7] * y2b
    u += p[4] * y1c + p[8] * y2c
    u += p[5] * y1d + p[9] * y2d
    spiked = active & (u > p[10])
    u_out = p[11] if spiked else (u if active else u0)
    a0_out = (p[18] + d0 * p[16]) if spiked else (d0 if active else a0)
    a1_out = (p[19] + d1 * p[17]) if spiked else (d1 if active else a1)
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return u_out, a0_out, a1_out, r_out, spiked


def iaf_params(param, t):
    """The constants of parameter set ``t`` that ``iaf_membrane`` reads, as one tuple of scalars."""
    return (
        param[P30, t],
        param[I_E, t],
        param[P31, t],
        param[P32, t],
        param[P31 + 1, t],
        param[P32 + 1, t],
        param[EXPM1_TAU_M, t],
        param[LOWER, t],
        param[THRESHOLD, t],
        param[RESET, t],
    )


def iaf_membrane(v0, r, y1_ex, y1_in, y2_ex, y2_in, p, refractory_steps):
    """One step of an iaf_psc_alpha membrane: ``(V relative to E_L, refractory steps left, spiked)``."""
    active = r == 0
    zero = v0 - v0
    v = p[0] * (zero + p[1]) + p[2] * y1_ex + p[3] * y2_ex + p[4] * y1_in + p[5] * y2_in + p[6] * v0 + v0
    v = p[7] if v < p[7] else v
    v = v if active else v0
    spiked = v >= p[8]
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return (p[9] if spiked else v), r_out, spiked


def alpha_step(y1, y2, weight, p11, p21, psc_init):
    """One step of an alpha current, ``(y1, y2)``; the weight (pA) arriving now enters y1, acting from the next step."""
    return y1 * p11 + psc_init * weight, p21 * y1 + p11 * y2
