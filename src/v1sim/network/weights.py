"""Built-in weight functions: the factor ``f`` in ``weight_pa = syn_weight × nsyns × f``.

bmtk 1.2 PointNet gives an edge type without a ``weight_function`` the weight ``syn_weight × nsyns`` (nsyns 1 when
absent); with one, NEST gets what the named function returns and nothing else. bmtk registers three names itself
(``bmtk/simulator/pointnet/default_setters/synaptic_weights.py``): ``default_weight_fnc``, ``set_syn_weight`` and
``wmax``, one function returning ``syn_weight × nsyns`` (it reads the ``nsyns`` column, so bmtk fails where neither
the edges file nor the types table has one). Users register their own (:mod:`v1sim.network.user_weights`).

Formulas as used by the Billeh et al. (2020) GLIF network release (its ``weight_function`` column):

* ``DirectionRule_others``: f = exp(−(Δ/σ)²), Δ the difference of source and target ``tuning_angle`` folded to
  0–180°, σ the edge type's ``weight_sigma`` (90 for E→I and I→E, 50 for I→I).
* ``DirectionRule_EE``: the same tuning factor (σ = 30), times a spatial-phase factor
  exp(−(dx·cos θ + dz·sin θ)²/2) with dx = 0.07·(x_t − x_s), dz = 0.04·(z_t − z_s), θ the target's tuning angle,
  times (5.5/4 − 11/1680·φ) with φ the target's tuning angle folded to 0–90°.

Both return ``syn_weight × nsyns × f`` when registered for bmtk (:mod:`v1sim.reference.pointnet_run`). Any other
name is an input error: a silent factor of 1 is how earlier ports got the weights wrong.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Code 0 means "no weight function" (f = 1).
WEIGHT_FUNCTION_CODES = {"DirectionRule_EE": 1, "DirectionRule_others": 2}
_EE, _OTHERS = WEIGHT_FUNCTION_CODES["DirectionRule_EE"], WEIGHT_FUNCTION_CODES["DirectionRule_others"]
#: bmtk PointNet's own names, one function ``syn_weight × nsyns`` (f = 1, but nsyns must be given).
BMTK_DEFAULT_WEIGHT_FUNCTIONS = ("default_weight_fnc", "set_syn_weight", "wmax")
BMTK_DEFAULT = 3
#: A user's function: the weight is what it returns (f is unused).
USER = 4


@numba.njit(cache=True, inline="always")
def _fold_180(delta_deg: float) -> float:
    """Angular difference folded onto 0–180°: the distance between two directions around the circle."""
    return abs(abs((abs(delta_deg) % 360.0) - 180.0) - 180.0)


@numba.njit(cache=True, inline="always")
def _tuning(source_deg: float, target_deg: float, sigma_deg: float) -> float:
    delta = _fold_180(target_deg - source_deg)
    return math.exp(-((delta / sigma_deg) ** 2))


@numba.njit(cache=True, inline="always")
def _direction_rule_ee(
    source_deg: float, target_deg: float, sigma_deg: float, sx: float, sz: float, tx: float, tz: float
) -> float:
    dx = 0.07 * (tx - sx)
    dz = 0.04 * (tz - sz)
    theta = math.radians(target_deg)
    along = dx * math.cos(theta) + dz * math.sin(theta)
    # Folded to 0–90°: 0 for a horizontal preferred direction (scale 5.5/4), 90 for a vertical one (scale 5.5/7).
    phi = abs(abs(abs(180.0 - (abs(target_deg) % 360.0)) - 90.0) - 90.0)
    scale = 5.5 / 4.0 - 11.0 / 1680.0 * phi
    return _tuning(source_deg, target_deg, sigma_deg) * math.exp(-0.5 * along * along) * scale


@numba.vectorize(["f8(f8)"], cache=True)
def fold_180(delta_deg: float) -> float:
    """Angular difference folded onto 0–180° (array version)."""
    return _fold_180(delta_deg)


@numba.vectorize(["f8(f8, f8, f8)"], cache=True)
def tuning_factor(source_deg: float, target_deg: float, sigma_deg: float) -> float:
    """exp(−(Δ/σ)²) with Δ the folded difference of preferred directions (``DirectionRule_others``)."""
    return _tuning(source_deg, target_deg, sigma_deg)


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def direction_rule_ee(
    source_deg: float, target_deg: float, sigma_deg: float, sx: float, sz: float, tx: float, tz: float
) -> float:
    """Tuning factor × spatial-phase factor × orientation scaling of ``DirectionRule_EE``."""
    return _direction_rule_ee(source_deg, target_deg, sigma_deg, sx, sz, tx, tz)


@numba.njit(parallel=True, cache=True)
def edge_factors(
    edge_type: np.ndarray,
    code_by_type: np.ndarray,
    sigma_by_type: np.ndarray,
    src: np.ndarray,
    trg: np.ndarray,
    source_angle: np.ndarray,
    target_angle: np.ndarray,
    source_x: np.ndarray,
    source_z: np.ndarray,
    target_x: np.ndarray,
    target_z: np.ndarray,
) -> np.ndarray:
    """The factor ``f`` of every edge of a chunk (1 where the edge type has no DirectionRule function).

    ``edge_type`` indexes the per-type arrays; ``src``/``trg`` index the per-node arrays of the source and
    target populations (unused node arrays may be empty when no edge type needs them).
    """
    out = np.empty(len(edge_type))
    for i in numba.prange(len(edge_type)):
        t = edge_type[i]
        code = code_by_type[t]
        if code == _OTHERS:
            out[i] = _tuning(source_angle[src[i]], target_angle[trg[i]], sigma_by_type[t])
        elif code == _EE:
            s, g = src[i], trg[i]
            out[i] = _direction_rule_ee(
                source_angle[s],
                target_angle[g],
                sigma_by_type[t],
                source_x[s],
                source_z[s],
                target_x[g],
                target_z[g],
            )
        else:
            out[i] = 1.0
    return out
