"""The LGN → V1 source rule of the built-in column (v1sim.builder.lgn_wiring) on synthetic unit layouts."""

from __future__ import annotations

import numpy as np
import pytest

from v1sim.builder.lgn_wiring import LGNRule, choose_lgn_sources, tf_preference

SINGLE = ["sON_TF1", "sON_TF2", "sON_TF4", "sON_TF8", "sOFF_TF1", "sOFF_TF2", "sOFF_TF4", "sOFF_TF8",
          "sOFF_TF15", "tOFF_TF4", "tOFF_TF8", "tOFF_TF15"]  # fmt: skip


def test_tf_preference_closed_form() -> None:
    p = tf_preference(np.array([2.0, 15.0]), (1, 2, 4, 8))
    # TF 2: distances 1, 0, 2, 6 (sum 9) → (1 − d/9)/3
    assert p[0] == pytest.approx(np.array([8, 9, 7, 3]) / 27)
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert np.argmax(p[1]) == 3  # the highest frequency is nearest to 15 Hz


def grid_units(kinds: list[str], spacing: float = 0.5, half: float = 12.0, seed: int = 0):
    """Every kind on its own jittered square grid around (20, 20) degrees."""
    rng = np.random.default_rng(seed)
    axis = np.arange(-half, half + 1e-9, spacing) + 20.0
    gx, gy = np.meshgrid(axis, axis)
    xy = np.stack([gx.ravel(), gy.ravel()], axis=1)
    kind = np.repeat(np.array(kinds), len(xy))
    pos = np.tile(xy, (len(kinds), 1)) + rng.uniform(-0.1, 0.1, (len(kind), 2))
    return kind, pos


def choose(kind, pos, angle_deg: float, on_prob: float, n: int = 40, unit_angle=None, seed: int = 1):
    return choose_lgn_sources(
        kind,
        pos,
        np.zeros(len(kind)) if unit_angle is None else unit_angle,
        np.array([[20.0, 20.0]]),
        np.array([angle_deg]),
        np.array([on_prob]),
        np.array([2.0]),
        np.array([n]),
        np.random.default_rng(seed),
        LGNRule(offset_deg=3.0, aspect=4.0, sigma_deg=2.0),
    )


@pytest.mark.parametrize("angle_deg", [0.0, 60.0, 215.0])
@pytest.mark.parametrize("on_prob", [1.0, 0.0])
def test_subfields_lie_on_the_tuning_axis(angle_deg: float, on_prob: float) -> None:
    kind, pos = grid_units(SINGLE, spacing=1.0)
    target, source = choose(kind, pos, angle_deg, on_prob)
    assert len(source) == 40 and (target == 0).all() and len(np.unique(source)) == 40
    family = np.array([k.split("_")[0] for k in kind[source]])
    own, other = ("sON", "sOFF") if on_prob == 1.0 else ("sOFF", "sON")
    assert other not in family and own in family and "tOFF" in family
    theta = np.deg2rad(angle_deg) + (0.0 if on_prob == 1.0 else np.pi)
    u = np.array([np.cos(theta), np.sin(theta)])
    rel = pos[source] - 20.0
    along, across = rel @ u, rel @ np.array([-u[1], u[0]])
    assert along[family == own].mean() > 1.5 and along[family == "tOFF"].mean() < -1.5
    assert across[family == own].std() > 1.5 * along[family == own].std()  # elongated across u


def test_two_subfield_units_need_a_matching_orientation() -> None:
    kind, pos = grid_units(["sON_TF2", "tOFF_TF4", "sONsOFF_001"])
    angles = np.resize([10.0, 200.0, 50.0, 140.0], len(kind))
    unit_angle = np.where(kind == "sONsOFF_001", angles, 0.0)
    _, source = choose(kind, pos, 0.0, 1.0, n=60, unit_angle=unit_angle)
    two = source[kind[source] == "sONsOFF_001"]
    assert len(two) > 0
    # within 15° of the cell's orientation (0° ≡ 180°): 10° and 200° qualify, 50° and 140° do not
    assert set(np.unique(unit_angle[two])) <= {10.0, 200.0}


def test_same_seed_same_sources_and_counts_capped_by_eligible_units() -> None:
    kind, pos = grid_units(SINGLE, spacing=1.0)
    a = choose(kind, pos, 30.0, 1.0, seed=5)
    b = choose(kind, pos, 30.0, 1.0, seed=5)
    c = choose(kind, pos, 30.0, 1.0, seed=6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) and not np.array_equal(a[1], c[1])
    few = np.array(["sON_TF2", "sON_TF2", "tOFF_TF4", "sOFF_TF2"])
    _, source = choose(few, np.array([[20, 20], [21, 20], [19, 20], [20, 21]], float), 0.0, 1.0, n=10)
    assert sorted(source) == [0, 1, 2]  # the sOFF unit is never eligible for a sustained-ON cell
