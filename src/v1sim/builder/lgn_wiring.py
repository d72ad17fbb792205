"""Which LGN units feed each V1 cell of the built-in column: the rule of the Billeh successor model, with our
tighter geometry.

The rule (the successor model's LGN → V1 connection procedure, whose class figures :mod:`figures` reads; its
published parameters are quoted, the code is ours):

* each cell is a *sustained-ON* cell with probability ``sON_ratio`` of its class, else a *sustained-OFF* cell;
  it draws from sustained units of its own sign and from transient-OFF units, never from the other sustained
  sign;
* its receptive field has two subfields on the axis of its ``tuning_angle`` θ: the sustained units around the
  cell's retinotopic centre + ``offset``·u and the transient-OFF units around centre − ``offset``·u, with u the
  unit vector at θ for sustained-ON cells and at θ + 180° for sustained-OFF ones;
* distances are measured in a frame stretched along u by √aspect and shrunk across it by √aspect, and a
  unit's chance is a Gaussian (σ) of that distance times a preference for temporal frequency: the cell prefers
  TF ~ Poisson(``poisson_parameter``) redrawn while 0, and a unit type of frequency f in a family of
  frequencies F gets (1 − |TF − f| / Σ_F |TF − f'|) / (|F| − 1);
* the two-subfield units (sONsOFF_001, sONtOFF_001) whose own ``tuning_angle`` is within 15° of the cell's
  orientation are eligible with preference 1, at the centre;
* the cell takes its class's number of units without replacement, each with probability ∝ its chance.

The successor uses offset 2.5°, aspect 1.5 and σ 5° (:class:`LGNRule`'s defaults). With the 30 units of an L4
cell drawn from a 5° Gaussian the two subfields overlap and the drive's tuning is mostly sampling noise (its
preferred direction correlated 0.24–0.35 with θ), so the built-in column uses offset 3.5°, aspect 4 and
σ 2° (``V1Spec``; measurements in docs/builtin-v1.md).

Why it is direction selective: sustained and transient units answer a 2 Hz grating with different temporal
phases, so two subfields displaced along θ sum in phase for motion one way and partly cancel for the other;
with this placement the favoured direction is θ for both kinds of cell (measured: docs/builtin-v1.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

#: temporal frequencies (Hz) of the single-subfield families
TF_FAMILIES = {"sON": (1, 2, 4, 8), "sOFF": (1, 2, 4, 8, 15), "tOFF": (4, 8, 15)}
TWO_SUBFIELD_TYPES = ("sONsOFF_001", "sONtOFF_001")
#: two-subfield units are eligible when their orientation is within this of the cell's (degrees)
TWO_SUBFIELD_MAX_DORI_DEG = 15.0
#: units farther than this many σ (in the stretched frame) from a subfield centre are not considered
MAX_SIGMAS = 4.0
CHUNK_CELLS = 8192


@dataclass(frozen=True)
class LGNRule:
    """Geometry of the rule (degrees)."""

    offset_deg: float = 2.5
    aspect: float = 1.5
    sigma_deg: float = 5.0


def tf_preference(cell_tf: np.ndarray, freqs: tuple[int, ...]) -> np.ndarray:
    """Preference of a cell preferring ``cell_tf`` (cells) for each frequency of a family (cells × len(freqs))."""
    distance = np.abs(cell_tf[:, None] - np.asarray(freqs, float)[None, :])
    return (1.0 - distance / distance.sum(axis=1, keepdims=True)) / (len(freqs) - 1)


def _zero_truncated_poisson(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    value = rng.poisson(mean)
    while (zero := np.flatnonzero(value == 0)).size:
        value[zero] = rng.poisson(mean[zero])
    return value


def choose_lgn_sources(
    unit_kind: np.ndarray,
    unit_xy_deg: np.ndarray,
    unit_angle_deg: np.ndarray,
    cell_xy_deg: np.ndarray,
    cell_angle_deg: np.ndarray,
    sustained_on_prob: np.ndarray,
    tf_mean: np.ndarray,
    n_units: np.ndarray,
    rng: np.random.Generator,
    rule: LGNRule = LGNRule(),
) -> tuple[np.ndarray, np.ndarray]:
    """(target cell, source unit) pairs, sorted by cell then unit (see the module docstring).

    ``unit_kind``: type name of each unit; positions in degrees of the visual field; per cell its retinotopic
    centre, tuning angle, probability of being sustained-ON, mean preferred TF and number of units to take.
    """
    n_cells = len(cell_xy_deg)
    family = np.array([str(k).split("_")[0] for k in unit_kind])
    sustained = np.isin(family, ("sON", "sOFF"))
    two_subfield = np.isin(unit_kind, TWO_SUBFIELD_TYPES)
    is_on_cell = rng.random(n_cells) < sustained_on_prob
    cell_tf = _zero_truncated_poisson(np.asarray(tf_mean, float), rng).astype(float)
    theta = np.deg2rad(cell_angle_deg) + np.where(is_on_cell, 0.0, np.pi)
    u = np.stack([np.cos(theta), np.sin(theta)], axis=1)

    # preference of every cell for every unit type: column index = type code below
    codes, type_code = np.unique(unit_kind.astype(str), return_inverse=True)
    pref = np.zeros((n_cells, len(codes)))
    for fam, freqs in TF_FAMILIES.items():
        p = tf_preference(cell_tf, freqs)
        for i, f in enumerate(freqs):
            match = np.flatnonzero(codes == f"{fam}_TF{f}")
            if match.size:
                pref[:, match[0]] = p[:, i]
    own_sustained = np.where(is_on_cell, "sON", "sOFF")
    for c, name in enumerate(codes):
        fam = name.split("_")[0]
        if fam in ("sON", "sOFF"):
            pref[own_sustained != fam, c] = 0.0
    # displacement of each unit's subfield centre, in units of offset·u: sustained +1, transient-OFF −1
    side = np.where(sustained, 1.0, np.where(family == "tOFF", -1.0, 0.0))
    stretch, tree = np.sqrt(rule.aspect), cKDTree(unit_xy_deg)
    # beyond this distance from the cell's centre every unit's chance is below exp(−8)
    reach = rule.offset_deg + MAX_SIGMAS * rule.sigma_deg * stretch
    targets, sources = [], []
    for start in range(0, n_cells, CHUNK_CELLS):
        cells = np.arange(start, min(start + CHUNK_CELLS, n_cells))
        k = int(tree.query_ball_point(cell_xy_deg[cells], reach, return_length=True).max(initial=0))
        if k == 0:
            continue
        _, cand = tree.query(cell_xy_deg[cells], k=k, distance_upper_bound=reach)
        cand = cand.reshape(len(cells), k)
        real = cand < len(unit_kind)
        cand = np.where(real, cand, 0)
        # slots without a unit (fewer within reach than k) are put far away: their chance is 0
        rel = np.where(real[..., None], unit_xy_deg[cand] - cell_xy_deg[cells, None, :], 1e6)
        rel -= side[cand][..., None] * rule.offset_deg * u[cells, None, :]
        along = rel[..., 0] * u[cells, None, 0] + rel[..., 1] * u[cells, None, 1]
        across = -rel[..., 0] * u[cells, None, 1] + rel[..., 1] * u[cells, None, 0]
        dist2 = (along * stretch) ** 2 + (across / stretch) ** 2
        chance = np.exp(-dist2 / (2 * rule.sigma_deg**2)) * pref[cells[:, None], type_code[cand]]
        dori = np.abs((unit_angle_deg[cand] - cell_angle_deg[cells, None] + 90.0) % 180.0 - 90.0)
        eligible = two_subfield[cand] & (dori < TWO_SUBFIELD_MAX_DORI_DEG)
        chance = np.where(eligible, np.exp(-dist2 / (2 * rule.sigma_deg**2)), chance)
        chance[~real] = 0.0
        # weighted sampling without replacement: the k largest log(chance) + Gumbel noise
        with np.errstate(divide="ignore"):
            key = np.log(chance) + rng.gumbel(size=chance.shape)
        order = np.argsort(-key, axis=1, kind="stable")
        take = np.minimum(n_units[cells], (chance > 0).sum(axis=1))
        keep = np.arange(k)[None, :] < take[:, None]
        rows = np.nonzero(keep)[0]
        targets.append(cells[rows])
        sources.append(np.take_along_axis(cand, order, axis=1)[keep])
    if not targets:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    target, source = np.concatenate(targets), np.concatenate(sources)
    order = np.lexsort((source, target))
    return target[order], source[order]
