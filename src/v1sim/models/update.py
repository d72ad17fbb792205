"""One time step of one neuron: the model math of every supported NEST model, written once.

The functions below are plain Python on scalars. The engine compiles them with ``numba.njit`` for the CPU
(where loops over the neurons of one parameter set vectorise) and with ``numba.cuda.jit(device=True)`` for the
GPU (a thread per neuron), so both drivers run the same arithmetic. A step is split in three parts so that a
neuron may have any number of receptor ports: a *base* term of the membrane update, one *port* term per receptor
port added to it in NEST's order, and a *finish* that applies threshold, reset and refractoriness. The order of
operations, and so every rounding, is NEST 3.10's ``update`` of ``models/glif_psc.cpp``,
``glif_psc_double_alpha.cpp``, ``iaf_psc_alpha.cpp``, ``iaf_psc_delta.cpp`` and ``iaf_psc_exp.cpp``:

* glif_psc (GLIF1/3), not refractory: the after-spike currents contribute their exact mean over the step and
  decay; ``U ← U·P33 + (I + ΣASC)·P30``, then per port ``U ← U + (P31·y1 + P32·y2)``; a spike if ``U > θ``,
  then ``U ← V_reset``, ``ASC_j ← amp_j + ASC_j·r_j·e^{−k_j t_ref}`` and the refractory count starts. While
  refractory ``U`` is held. glif_psc_double_alpha: the same with the fast ports' terms, then the slow ports'.
* iaf_psc_alpha: ``V ← P30·(I + I_e) + Σ_ports (P31·y1 + P32·y2 as two additions) + expm1(−h/τm)·V + V``,
  bounded below by ``V_min``; a spike if ``V ≥ θ``, then ``V ← V_reset``.
* iaf_psc_delta: ``V ← P30·(I + I_e) + P33·V + Σ weights arriving now``, bounded below by ``V_min``; input
  arriving while refractory is lost (``refractory_input`` false).
* iaf_psc_exp: ``V ← V·P22 + Σ_ports i·P21 + (I_e + I)·P20``; the currents decay (``i ← i·P11``) and the weights
  arriving now are added, acting from the next step.

Alpha currents move as ``y2 ← P21·y1 + P22·y2``, ``y1 ← P11·y1 + (e/τ)·w`` (w, pA, arriving this step). ``I`` is the
injected current (step-current generators), which NEST reads at the end of a step for use in the next.
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
    P33,
    RESET,
    THRESHOLD,
)

GLIF_PSC = 0
IAF_PSC_ALPHA = 1
GLIF_PSC_DOUBLE_ALPHA = 2
IAF_PSC_DELTA = 3
IAF_PSC_EXP = 4
#: Values of synaptic state per receptor port, by model code: alpha (y1, y2), double alpha (fast y1, y2, slow
#: y1, y2), exponential (i), delta (none: the weight goes straight into the membrane).
STATE_PER_PORT = (2, 2, 4, 0, 1)

# Rows of the integer part of the parameter table.
MODEL = 0
PORTS = 1
HAS_ASC = 2
REFRACTORY_STEPS = 3
PORTS_IN_USE = 4  # bit p set: some synapse reaches port p < 62 (an unused port's state stays zero); higher: all
PORT_PARAM_START = 5  # column of the set's first port in the port-parameter table
N_INT_ROWS = 6
#: Ports below this have a bit in ``PORTS_IN_USE``; the ones above are always treated as used.
IN_USE_BITS = 62


def port_in_use(mask, port):
    """Whether ``port`` needs updating, from a ``PORTS_IN_USE`` mask."""
    return port >= IN_USE_BITS or (mask >> port) & 1 == 1


def glif_params(param, t):
    """The constants of parameter set ``t`` that the glif functions read, as one tuple of scalars."""
    return (
        param[P33, t],
        param[P30, t],
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


def glif_base(u0, a0, a1, current, p):
    """``U·P33 + (I + ΣASC)·P30`` with the after-spike currents' exact mean over the step (their values at its
    start), before the synaptic terms. Computed whether or not the neuron is refractory (finish selects)."""
    zero = u0 - u0  # 0 in the state's precision: float32 runs stay in float32 (float64 runs add 0.0, as NEST)
    asc_sum = zero + p[4] * a0
    asc_sum += p[5] * a1
    return u0 * p[0] + (current + asc_sum) * p[1]


def glif_port(acc, y1, y2, p31, p32):
    """One receptor port's term of a glif membrane update (NEST adds the pair as one sum)."""
    return acc + (p31 * y1 + p32 * y2)


def glif_finish(acc, u0, r, a0, a1, p, refractory_steps):
    """Threshold, reset and refractoriness of a glif neuron: ``(U, ASC0, ASC1, refractory steps left, spiked)``.

    Both sides of refractoriness are computed and one is selected — no data-dependent jumps, so loops over
    neurons vectorise — and the selected values are exactly NEST's.
    """
    active = r == 0
    d0 = a0 * p[6]
    d1 = a1 * p[7]
    spiked = active & (acc > p[2])
    u_out = p[3] if spiked else (acc if active else u0)
    a0_out = (p[10] + d0 * p[8]) if spiked else (d0 if active else a0)
    a1_out = (p[11] + d1 * p[9]) if spiked else (d1 if active else a1)
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return u_out, a0_out, a1_out, r_out, spiked


def iaf_params(param, t):
    """The constants of parameter set ``t`` that the iaf functions read, as one tuple of scalars."""
    return (
        param[P30, t],
        param[I_E, t],
        param[EXPM1_TAU_M, t],
        param[LOWER, t],
        param[THRESHOLD, t],
        param[RESET, t],
        param[P33, t],
    )


def alpha_iaf_base(current, p):
    """``P30·(I + I_e)``: the first term of an iaf_psc_alpha membrane update."""
    return p[0] * (current + p[1])


def alpha_iaf_port(acc, y1, y2, p31, p32):
    """One receptor port's terms of an iaf_psc_alpha membrane update (NEST adds them one at a time)."""
    acc = acc + p31 * y1
    return acc + p32 * y2


def alpha_iaf_finish(acc, v0, r, p, refractory_steps):
    """``(V, refractory steps left, spiked)`` of an iaf_psc_alpha neuron from the summed terms."""
    active = r == 0
    v = acc + p[2] * v0 + v0
    v = p[3] if v < p[3] else v
    v = v if active else v0
    spiked = v >= p[4]
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return (p[5] if spiked else v), r_out, spiked


def delta_iaf_step(v0, r, current, weight, p, refractory_steps):
    """``(V, refractory steps left, spiked)`` of an iaf_psc_delta neuron; ``weight`` (mV) arrives this step."""
    active = r == 0
    v = p[0] * (current + p[1]) + p[6] * v0 + weight
    v = p[3] if v < p[3] else v
    v = v if active else v0
    spiked = v >= p[4]
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return (p[5] if spiked else v), r_out, spiked


def exp_iaf_base(v0, p):
    """``V·P22``: the first term of an iaf_psc_exp membrane update (P22 is stored in the P33 row)."""
    return v0 * p[6]


def exp_iaf_port(acc, i_syn, p21):
    """One receptor port's term of an iaf_psc_exp membrane update."""
    return acc + i_syn * p21


def exp_iaf_finish(acc, v0, r, current, p, refractory_steps):
    """``(V, refractory steps left, spiked)`` of an iaf_psc_exp neuron (P20 is stored in the P30 row)."""
    active = r == 0
    v = acc + (p[1] + current) * p[0]
    v = v if active else v0
    spiked = v >= p[4]
    r_out = refractory_steps if spiked else (0 if active else r - 1)
    return (p[5] if spiked else v), r_out, spiked


def alpha_step(y1, y2, weight, p11, p21, psc_init):
    """One step of an alpha current, ``(y1, y2)``; the weight (pA) arriving now enters y1, acting from the next step."""
    return y1 * p11 + psc_init * weight, p21 * y1 + p11 * y2


def exp_step(i_syn, weight, p11):
    """One step of an exponential current: it decays, then the weight (pA) arriving now is added."""
    return i_syn * p11 + weight
