"""Weight functions of the Allen V1 release: the factor ``f`` in ``weight_pa = syn_weight × nsyns × f``.

Formulas as used by the Billeh et al. (2020) GLIF network release (its ``weight_function`` column):

* ``DirectionRule_others``: f = exp(−(Δ/σ)²), Δ the difference of source and target ``tuning_angle`` folded to
  0–180°, σ the edge type's ``weight_sigma`` (90 for E→I and I→E, 50 for I→I).
* ``DirectionRule_EE``: the same tuning factor (σ = 30), times a spatial-phase factor
  exp(−(dx·cos θ + dz·sin θ)²/2) with dx = 0.07·(x_t − x_s), dz = 0.04·(z_t − z_s), θ the target's tuning angle,
  times (5.5/4 − 11/1680·φ) with φ the target's tuning angle folded to 0–90°.

Any other name is an input error: a silent factor of 1 is how earlier ports got the weights wrong.
"""

from __future__ import annotations

import numpy as np

#: Code 0 means "no weight function" (f = 1).
WEIGHT_FUNCTION_CODES = {"DirectionRule_EE": 1, "DirectionRule_others": 2}
#: What each function reads from the nodes.
NODE_ATTRIBUTES = {"DirectionRule_EE": ("tuning_angle", "x", "z"), "DirectionRule_others": ("tuning_angle",)}


def fold_180(delta_deg: np.ndarray) -> np.ndarray:
    """Angular difference folded onto 0–180°: the distance between two directions around the circle."""
    return np.abs(np.abs(np.mod(np.abs(delta_deg), 360.0) - 180.0) - 180.0)


def tuning_factor(
    source_angle_deg: np.ndarray, target_angle_deg: np.ndarray, sigma_deg: np.ndarray
) -> np.ndarray:
    """exp(−(Δ/σ)²) with Δ the folded difference of preferred directions (``DirectionRule_others``)."""
    delta = fold_180(target_angle_deg - source_angle_deg)
    return np.exp(-np.square(delta / sigma_deg))


def direction_rule_ee(
    source_angle_deg: np.ndarray,
    target_angle_deg: np.ndarray,
    sigma_deg: np.ndarray,
    source_x: np.ndarray,
    source_z: np.ndarray,
    target_x: np.ndarray,
    target_z: np.ndarray,
) -> np.ndarray:
    """Tuning factor × spatial-phase factor × orientation scaling of ``DirectionRule_EE``."""
    dx = 0.07 * (target_x - source_x)
    dz = 0.04 * (target_z - source_z)
    theta = np.deg2rad(target_angle_deg)
    phase = np.exp(-0.5 * np.square(dx * np.cos(theta) + dz * np.sin(theta)))
    # Folded to 0–90°: 0 for a horizontal preferred direction (scale 5.5/4), 90 for a vertical one (scale 5.5/7).
    phi = np.abs(np.abs(np.abs(180.0 - np.mod(np.abs(target_angle_deg), 360.0)) - 90.0) - 90.0)
    scale = 5.5 / 4.0 - 11.0 / 1680.0 * phi
    return tuning_factor(source_angle_deg, target_angle_deg, sigma_deg) * phase * scale
