"""Constants of the exact integration of every supported model, as NEST 3.10 computes them.

Everything here runs once before a simulation, in float64, for each distinct parameter set (neurons of one
node type share one). The formulas and their evaluation order follow NEST's ``pre_run_hook`` of the model files
and ``libnestutil/iaf_propagator.cpp``, evaluated with the C library's ``exp``/``expm1`` (Python's ``math``, as
NEST's ``std::exp``) so that float64 runs reproduce NEST to the last bit. Times in ms, currents in pA,
capacitance in pF, conductance in nS.

The results form two tables read by :mod:`v1sim.models.update`: ``param[row, set]`` (rows below) and
``port_param[port row, column]``, a column per receptor port of each set.
"""

from __future__ import annotations

import math

import numpy as np

# Rows of the parameter table (per parameter set) ---------------------------------------------------------
P33 = 0  # glif, iaf_psc_delta: exp(-h/τm); iaf_psc_exp: P22 = exp(-h/τm)
EXPM1_TAU_M = 1  # iaf_psc_alpha: expm1(-h/τm)
P30 = 2  # membrane response to a constant current over one step (mV/pA); iaf_psc_exp: P20
THRESHOLD = 3  # threshold relative to E_L, mV
RESET = 4  # reset relative to E_L, mV
LOWER = 5  # lower bound of the membrane potential relative to E_L (V_min), mV; -inf without one
I_E = 6  # constant current, pA
ASC_RATE = 7  # 2 rows: exp(-k h)
ASC_COEFF = 9  # 2 rows: (1 - exp(-k h)) / (k h), mean of the after-spike current over a step
ASC_REFRACTORY = 11  # 2 rows: r·exp(-k t_ref)
ASC_AMP = 13  # 2 rows: pA added at a spike
N_PARAM_ROWS = 15

# Rows of the port-parameter table (per receptor port of a parameter set) ----------------------------------
PORT_P31 = 0  # alpha (fast): y1 → membrane; iaf_psc_exp: the current's P21 into the membrane
PORT_P32 = 1  # alpha (fast): y2 → membrane
PORT_P11 = 2  # exp(-h/τsyn) (= P22 of the alpha state); iaf_psc_exp: the current's decay
PORT_P21 = 3  # h·exp(-h/τsyn)
PORT_PSC_INIT = 4  # e/τsyn: the jump of y1 per pA of weight
PORT_SLOW = 5  # the same five rows for the slow alpha of glif_psc_double_alpha (jump × amp_slow)
N_PORT_ROWS = 10

N_ASC = 2
#: NEST's default time base: 1000 tics per ms.
TICS_PER_MS = 1000.0
#: IAFPropagator's switch to the singular formula for P31 (``NUMERICAL_STABILITY_FACTOR_``).
_STABILITY = 1e-7


def steps_of(ms: float | np.ndarray, dt_ms: float) -> np.ndarray:
    """A duration in whole steps the way ``nest::Time(Time::ms(t)).get_steps()`` counts it (rounded up)."""
    tics = np.floor(np.asarray(ms, dtype=float) * TICS_PER_MS + 0.5)
    tics_per_step = math.floor(dt_ms * TICS_PER_MS + 0.5)
    return ((tics + tics_per_step - 1) // tics_per_step).astype(np.int64)


def delay_steps(delay_ms: np.ndarray, dt_ms: float) -> np.ndarray:
    """Connection delays in steps, rounded to the nearest step as NEST's ``delay_ms_to_steps`` does."""
    return np.floor(np.asarray(delay_ms, dtype=float) * (1.0 / dt_ms) + 0.5).astype(np.int64)


def _p32(tau_syn: float, tau_m: float, c_m: float, h: float) -> tuple[float, float]:
    """(P32, exp(-h/τm) or NaN): ``IAFPropagator::evaluate_P32_``, with its singular fallback."""
    beta = tau_syn * tau_m / (tau_m - tau_syn) if tau_m != tau_syn else math.inf
    gamma = beta / c_m
    inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m)
    p32 = gamma * math.exp(-h * (1 / tau_syn)) * math.expm1(h * inv_beta)
    if math.isfinite(p32) and p32 != 0.0 and abs(p32) >= 2.2250738585072014e-308 and p32 > 0:
        return p32, math.nan
    exp_h_tau = math.exp(-h * (1 / tau_m))
    return h * (1 / c_m) * exp_h_tau, exp_h_tau


def alpha_propagators(tau_syn: float, tau_m: float, c_m: float, h: float) -> tuple[float, float]:
    """(P31, P32): how an alpha current's state (y1, y2) moves the membrane over one step (``IAFPropagatorAlpha``)."""
    p32, exp_h_tau = _p32(tau_syn, tau_m, c_m, h)
    h_min_regular = _STABILITY * tau_m * tau_m / abs(tau_m - tau_syn) if tau_m != tau_syn else math.inf
    if h > h_min_regular:
        beta = tau_syn * tau_m / (tau_m - tau_syn)
        gamma = beta / c_m
        inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m)
        p31 = gamma * math.exp(-h * (1 / tau_syn)) * (beta * math.expm1(h * inv_beta) - h)
        return p31, p32
    if math.isnan(exp_h_tau):
        exp_h_tau = math.exp(-h * (1 / tau_m))
    return 0.5 * h * h * (1 / c_m) * exp_h_tau, p32


def exp_propagator(tau_syn: float, tau_m: float, c_m: float, h: float) -> float:
    """P21 of an exponential current into the membrane over one step (``IAFPropagatorExp``)."""
    return _p32(tau_syn, tau_m, c_m, h)[0]


def scalar_row(
    model: int, s: dict[str, float], asc: dict[str, list[float]], has_asc: bool, h: float
) -> np.ndarray:
    """The parameter-table column of one parameter set (``model`` a code of :mod:`v1sim.models.update`)."""
    from v1sim.models import update

    row = np.zeros(N_PARAM_ROWS)
    c_m, tau_m = s["C_m"], s["tau_m"]
    if model in (update.GLIF_PSC, update.GLIF_PSC_DOUBLE_ALPHA):
        tau = c_m / s["g"]
        row[P33] = math.exp(-h / tau)
        row[P30] = 1 / c_m * (1 - row[P33]) * tau
    elif model == update.IAF_PSC_ALPHA:
        row[EXPM1_TAU_M] = math.expm1(-h / tau_m)
        row[P30] = -tau_m / c_m * row[EXPM1_TAU_M]
    elif model == update.IAF_PSC_DELTA:
        row[P33] = math.exp(-h / tau_m)
        row[P30] = 1 / c_m * (1 - row[P33]) * tau_m
    else:  # iaf_psc_exp: P22 and P20
        row[P33] = math.exp(-h / tau_m)
        row[P30] = tau_m / c_m * (1.0 - row[P33])
    row[THRESHOLD] = s["V_th"] - s["E_L"]
    row[RESET] = s["V_reset"] - s["E_L"]
    row[LOWER] = s["V_min"] - s["E_L"] if model in (update.IAF_PSC_ALPHA, update.IAF_PSC_DELTA) else -math.inf
    row[I_E] = s["I_e"]
    for a in range(N_ASC):
        if has_asc:
            k = asc["asc_decay"][a]
            rate = math.exp(-k * h)
            row[ASC_RATE + a] = rate
            row[ASC_COEFF + a] = ((1.0 / k) / h) * (1.0 - rate)
            row[ASC_REFRACTORY + a] = asc["asc_r"][a] * math.exp(-k * s["t_ref"])
            row[ASC_AMP + a] = asc["asc_amps"][a]
        else:
            row[ASC_RATE + a] = 1.0
    return row


def port_columns(
    model: int, tau_syn: np.ndarray, tau_slow: np.ndarray, amp_slow: np.ndarray, s: dict[str, float], h: float
) -> np.ndarray:
    """Port-parameter columns (N_PORT_ROWS × ports) of one parameter set."""
    from v1sim.models import update

    n = len(tau_syn)
    out = np.zeros((N_PORT_ROWS, n))
    glif = model in (update.GLIF_PSC, update.GLIF_PSC_DOUBLE_ALPHA)
    tau_m = s["C_m"] / s["g"] if glif else s["tau_m"]
    c_m = s["C_m"]
    for p in range(n):
        if model == update.IAF_PSC_DELTA:
            continue
        tau = float(tau_syn[p])
        if model == update.IAF_PSC_EXP:
            out[PORT_P31, p] = exp_propagator(tau, tau_m, c_m, h)
            out[PORT_P11, p] = math.exp(-h / tau)
            continue
        out[PORT_P31, p], out[PORT_P32, p] = alpha_propagators(tau, tau_m, c_m, h)
        out[PORT_P11, p] = math.exp(-h / tau)
        out[PORT_P21, p] = h * out[PORT_P11, p]
        out[PORT_PSC_INIT, p] = 1.0 * math.e / tau
        if model == update.GLIF_PSC_DOUBLE_ALPHA:
            slow = float(tau_slow[p])
            p31, p32 = alpha_propagators(slow, tau_m, c_m, h)
            out[PORT_SLOW + PORT_P31, p], out[PORT_SLOW + PORT_P32, p] = p31, p32
            out[PORT_SLOW + PORT_P11, p] = math.exp(-h / slow)
            out[PORT_SLOW + PORT_P21, p] = h * out[PORT_SLOW + PORT_P11, p]
            out[PORT_SLOW + PORT_PSC_INIT, p] = 1.0 * math.e / slow * float(amp_slow[p])
    return out
