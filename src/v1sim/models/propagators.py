"""Per-neuron constants of the exact integration of ``glif_psc`` and ``iaf_psc_alpha``, as NEST 3.10 computes them.

Everything here runs once before a simulation, in float64, vectorised over neurons. The formulas and their
evaluation order follow NEST's ``pre_run_hook`` of ``models/glif_psc.cpp`` and ``models/iaf_psc_alpha.cpp``
and ``libnestutil/iaf_propagator.cpp`` (regular case; the singular case τ_syn ≈ τ_m uses the limit), so that
float64 runs reproduce NEST to rounding. Times in ms, currents in pA, capacitance in pF, conductance in nS.

The results form a parameter table ``param[row, neuron]`` (rows below) read by :mod:`v1sim.models.update`.
"""

from __future__ import annotations

import math

import numpy as np

from v1sim.network.compiled import CompiledNetwork

# Rows of the parameter table (float) -------------------------------------------------------------------
P33 = 0  # glif: exp(-h/τm)
EXPM1_TAU_M = 1  # iaf: expm1(-h/τm)
P30 = 2  # membrane response to a constant current over one step (mV/pA)
THRESHOLD = 3  # threshold relative to E_L, mV
RESET = 4  # reset relative to E_L, mV
LOWER = 5  # lower bound of the membrane potential relative to E_L (iaf V_min), mV
I_E = 6  # constant current, pA
P31 = 7  # 4 rows: P31 per port
P32 = 11  # 4 rows
P11 = 15  # 4 rows: exp(-h/τsyn) (= P22)
P21 = 19  # 4 rows: h·exp(-h/τsyn)
PSC_INIT = 23  # 4 rows: e/τsyn, the jump of y1 per pA of weight
ASC_RATE = 27  # 2 rows: exp(-k h)
ASC_COEFF = 29  # 2 rows: (1 - exp(-k h)) / (k h), mean of the after-spike current over a step
ASC_REFRACTORY = 31  # 2 rows: r·exp(-k t_ref)
ASC_AMP = 33  # 2 rows: pA added at a spike
N_PARAM_ROWS = 35

# Rows of the state table ---------------------------------------------------------------------------------
U = 0  # membrane potential relative to E_L, mV
Y1 = 1  # 4 rows: alpha-current derivative state per port
Y2 = 5  # 4 rows: alpha current per port, pA
ASC = 9  # 2 rows: after-spike currents, pA
N_STATE_ROWS = 11

N_PORTS = 4
N_ASC = 2
#: NEST's default time base: 1000 tics per ms.
TICS_PER_MS = 1000.0


def steps_of(ms: float | np.ndarray, dt_ms: float) -> np.ndarray:
    """A duration in whole steps the way ``nest::Time(Time::ms(t)).get_steps()`` counts it (rounded up)."""
    tics = np.floor(np.asarray(ms, dtype=float) * TICS_PER_MS + 0.5)
    tics_per_step = math.floor(dt_ms * TICS_PER_MS + 0.5)
    return ((tics + tics_per_step - 1) // tics_per_step).astype(np.int64)


def delay_steps(delay_ms: np.ndarray, dt_ms: float) -> np.ndarray:
    """Connection delays in steps, rounded to the nearest step as NEST's ``delay_ms_to_steps`` does."""
    return np.floor(np.asarray(delay_ms, dtype=float) * (1.0 / dt_ms) + 0.5).astype(np.int64)


def alpha_propagators(
    tau_syn: np.ndarray, tau_m: np.ndarray, c_m: np.ndarray, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """(P31, P32): how the alpha state (y1, y2) moves the membrane over one step (``IAFPropagatorAlpha``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        beta = tau_syn * tau_m / (tau_m - tau_syn)
        gamma = beta / c_m
        inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m)
        exp_h_tau_syn = np.exp(-h / tau_syn)
        expm1_h_tau = np.expm1(h * inv_beta)
        p32 = gamma * exp_h_tau_syn * expm1_h_tau
        p31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h)
    # Singular limit τ_syn → τ_m (NEST switches when the regular value is not a normal positive number).
    singular = ~(np.isfinite(p32) & (p32 > 0) & (np.abs(tau_m - tau_syn) > 1e-7 * tau_m))
    exp_h_tau = np.exp(-h / tau_m)
    p32 = np.where(singular, h / c_m * exp_h_tau, p32)
    p31 = np.where(singular, 0.5 * h * h / c_m * exp_h_tau, p31)
    return p31, p32


def parameter_table(net: CompiledNetwork, dt_ms: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(param[N_PARAM_ROWS, n], refractory_steps[n], n_ports[n]) for every neuron of the network, float64."""
    n = net.n_neurons
    h = float(dt_ms)
    s = net.scalars
    glif = net.model_code == 0
    param = np.zeros((N_PARAM_ROWS, n))
    c_m, tau_m = s["C_m"], s["tau_m"]
    param[P33] = np.exp(-h / tau_m)
    param[EXPM1_TAU_M] = np.expm1(-h / tau_m)
    # glif_psc: 1/C (1 - P33) τ;  iaf_psc_alpha: -τ/C expm1(-h/τ)
    param[P30] = np.where(glif, 1.0 / c_m * (1.0 - param[P33]) * tau_m, -tau_m / c_m * param[EXPM1_TAU_M])
    param[THRESHOLD] = s["V_th"] - s["E_L"]
    param[RESET] = s["V_reset"] - s["E_L"]
    param[LOWER] = np.where(glif, -np.inf, s["V_min"] - s["E_L"])
    param[I_E] = s["I_e"]
    for p in range(N_PORTS):
        tau = net.tau_syn_ms[:, p]
        used = np.isfinite(tau)
        safe = np.where(used, tau, 1.0)
        p31, p32 = alpha_propagators(safe, tau_m, c_m, h)
        param[P31 + p] = np.where(used, p31, 0.0)
        param[P32 + p] = np.where(used, p32, 0.0)
        param[P11 + p] = np.where(used, np.exp(-h / safe), 0.0)
        param[P21 + p] = h * param[P11 + p]
        param[PSC_INIT + p] = np.where(used, 1.0 * math.e / safe, 0.0)
    has_asc = glif & net.flags["after_spike_currents"]
    t_ref = s["t_ref"]
    for a in range(N_ASC):
        k = np.where(has_asc, net.vectors["asc_decay"][:, a], 1.0)
        rate = np.exp(-k * h)
        param[ASC_RATE + a] = np.where(has_asc, rate, 1.0)
        param[ASC_COEFF + a] = np.where(has_asc, ((1.0 / k) / h) * (1.0 - rate), 0.0)
        param[ASC_REFRACTORY + a] = np.where(has_asc, net.vectors["asc_r"][:, a] * np.exp(-k * t_ref), 0.0)
        param[ASC_AMP + a] = np.where(has_asc, net.vectors["asc_amps"][:, a], 0.0)
    return param, steps_of(t_ref, h), net.n_ports.astype(np.int64)


def initial_state(net: CompiledNetwork) -> np.ndarray:
    """state[N_STATE_ROWS, n]: V_m relative to E_L, zero synaptic currents, ``asc_init`` after-spike currents."""
    state = np.zeros((N_STATE_ROWS, net.n_neurons))
    state[U] = net.scalars["V_m"] - net.scalars["E_L"]
    has_asc = (net.model_code == 0) & net.flags["after_spike_currents"]
    for a in range(N_ASC):
        state[ASC + a] = np.where(has_asc, net.vectors["asc_init"][:, a], 0.0)
    return state
