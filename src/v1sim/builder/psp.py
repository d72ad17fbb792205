"""From unitary PSP amplitudes (mV) to the peak synaptic current (pA) that produces them in a given cell."""

from __future__ import annotations

import numpy as np


def psp_peak_mv_per_pa(c_m_pf: np.ndarray, g_ns: np.ndarray, tau_syn_ms: np.ndarray) -> np.ndarray:
    """Peak depolarisation (mV) of a passive membrane for an alpha current of 1 pA peak.

    The membrane is the GLIF3 cell's leak (``C_m``, ``g``; after-spike currents play no part below threshold);
    the current is ``I(t) = (t/τ) e^{1 − t/τ}`` pA. The response ``V(t) = e/(C τ) ∫₀ᵗ s e^{−s/τ} e^{−(t−s)/τm} ds``
    is ``e/(C τ) · (e^{−t/τm} − (1 + k t) e^{−t/τ}) / k²`` with ``k = 1/τ − 1/τm`` (``e/(C τ) · t² e^{−t/τ} / 2`` when
    τ = τm), maximised on a fine time grid. Arrays broadcast.
    """
    c, g, tau = np.broadcast_arrays(
        np.asarray(c_m_pf, float), np.asarray(g_ns, float), np.asarray(tau_syn_ms, float)
    )
    tau_m = c / g  # ms (pF / nS)
    t = np.linspace(0.0, 10.0, 4001) * np.maximum(tau, tau_m)[..., None]  # ms
    tm, ts = tau_m[..., None], tau[..., None]
    k = 1.0 / ts - 1.0 / tm
    with np.errstate(divide="ignore", invalid="ignore"):
        integral = (np.exp(-t / tm) - (1.0 + k * t) * np.exp(-t / ts)) / (k * k)
    integral = np.where(np.abs(k * tm) < 1e-9, t * t * np.exp(-t / ts) / 2.0, integral)
    v = np.e / (c[..., None] * ts) * integral  # pA·ms/pF = mV
    return v.max(axis=-1)
