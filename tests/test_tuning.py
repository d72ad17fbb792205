"""Orientation and direction tuning: closed forms, preferred directions, the tuning stage on planted cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from v1sim.analysis.tuning import aligned_ceiling, angle_offset_deg, circular_correlation, selectivity
from v1sim.analysis.tuning_stage import analyse_tuning
from v1sim.errors import V1SimInputError
from v1sim.sonata.spikes import write_spikes

DIRECTIONS = np.arange(8) * 45.0


def test_osi_dsi_closed_form():
    """r(θ) = a + b·cos(θ − θ0) + c·cos(2(θ − θ0)) on 8 directions: DSI = b/(2a), OSI = c/(2a)."""
    rng = np.random.default_rng(0)
    a = rng.uniform(5, 10, 50)
    b = rng.uniform(0, 1, 50) * a
    c = rng.uniform(0, 1, 50) * a
    theta0 = rng.choice(DIRECTIONS, 50)
    th = np.deg2rad(DIRECTIONS)[None, :]
    t0 = np.deg2rad(theta0)[:, None]
    rates = a[:, None] + b[:, None] * np.cos(th - t0) + c[:, None] * np.cos(2 * (th - t0))
    osi, dsi, preferred = selectivity(rates, DIRECTIONS)
    assert np.allclose(dsi, b / (2 * a))
    assert np.allclose(osi, c / (2 * a))
    assert np.array_equal(preferred, theta0)  # a cell tuned to θ0 prefers θ0


def test_pure_orientation_and_direction_cells():
    only_one = np.zeros((1, 8))
    only_one[0, 3] = 4.0
    osi, dsi, preferred = selectivity(only_one, DIRECTIONS)
    assert osi[0] == pytest.approx(1.0) and dsi[0] == pytest.approx(1.0) and preferred[0] == 135.0
    flat = np.full((1, 8), 3.0)
    osi, dsi, _ = selectivity(flat, DIRECTIONS)
    assert osi[0] == pytest.approx(0.0, abs=1e-12) and dsi[0] == pytest.approx(0.0, abs=1e-12)
    silent = selectivity(np.zeros((1, 8)), DIRECTIONS)
    assert all(np.isnan(v[0]) for v in silent)


def test_circular_correlation():
    """Fisher–Lee: equals its O(n²) definition, 1 for a rotation, −1 for a reflection, ≈ (E cos ε)² for a
    noisy rotation of uniform angles (where the mean-direction coefficient is ill-defined), ≈ 0 unrelated."""
    rng = np.random.default_rng(1)
    alpha = rng.uniform(0, 360, 500)
    noisy = alpha + np.rad2deg(rng.vonmises(0.0, 2.0, 500))
    a, b = np.deg2rad(alpha), np.deg2rad(noisy)
    da, db = np.sin(a[:, None] - a[None, :]), np.sin(b[:, None] - b[None, :])
    upper = np.triu_indices(len(a), 1)
    brute = (da[upper] * db[upper]).sum() / np.sqrt((da[upper] ** 2).sum() * (db[upper] ** 2).sum())
    assert circular_correlation(alpha, noisy) == pytest.approx(brute, rel=1e-10)
    assert circular_correlation(alpha, noisy) == pytest.approx(np.mean(np.cos(b - a)) ** 2, abs=0.05)
    assert circular_correlation(alpha, alpha) == pytest.approx(1.0)
    assert circular_correlation(alpha, alpha + 57.0) == pytest.approx(1.0)  # a rotation keeps it
    assert circular_correlation(alpha, -alpha) == pytest.approx(-1.0)
    assert abs(circular_correlation(alpha, rng.uniform(0, 360, 500))) < 0.1
    assert angle_offset_deg(np.array([10.0, 350.0, 100.0]), np.array([0.0, 10.0, 280.0])) == pytest.approx(
        20.0
    )


def planted_experiment(tmp_path, nodes_path, tuned_hz=20.0, trials=2):
    """Cells of a converted circuit fire Poisson at 2 Hz + ``tuned_hz`` tuned to their tuning_angle (rounded to
    45°), ``trials`` 1-s trials per direction."""
    nodes = pd.read_parquet(nodes_path)
    cells = nodes[nodes["model_type"] != "virtual"]
    rng = np.random.default_rng(4)
    preferred = np.round(cells["tuning_angle"].fillna(0).to_numpy() / 45.0) % 8 * 45.0
    rows = []
    for direction in DIRECTIONS:
        for trial in range(trials):
            rate = 2.0 + tuned_hz * np.cos(np.deg2rad(direction - preferred)).clip(0) ** 4
            counts = rng.poisson(rate * 1.0)  # 1 s window
            ids = np.repeat(cells["node_id"].to_numpy(), counts)
            times = rng.uniform(200.0, 1200.0, counts.sum())
            spikes = {
                p: (
                    ids[np.repeat(cells["population"].to_numpy(), counts) == p],
                    times[np.repeat(cells["population"].to_numpy(), counts) == p],
                )
                for p in cells["population"].unique()
            }
            path = tmp_path / f"d{direction:g}_t{trial}.h5"
            write_spikes(path, spikes)
            rows.append({"direction_deg": direction, "trial": trial, "spikes": str(path)})
    return pd.DataFrame(rows), preferred


def test_tuning_stage_recovers_planted_preferences(built_v1_network, tmp_path):
    from v1sim.plots.tuning import FIGURES, draw_tuning_figures

    nodes = built_v1_network / "nodes.parquet"
    trials, preferred = planted_experiment(tmp_path, nodes)
    trials.to_csv(tmp_path / "trials.csv", index=False)
    summary = analyse_tuning(tmp_path / "trials.csv", nodes, tmp_path / "tuning", (200.0, 1200.0))
    neurons = pd.read_parquet(tmp_path / "tuning" / "neurons.parquet")
    agree = (neurons["preferred_direction_deg"].to_numpy() == preferred).mean()
    assert agree > 0.8
    assert summary["preferred_vs_tuning_angle_circular_correlation"]["L4 E"] > 0.8
    assert summary["preferred_orientation_vs_tuning_angle_circular_correlation"]["L4 E"] > 0.8
    assert summary["preferred_vs_tuning_angle_median_offset_deg"]["L4 E"] < 15.0  # rounding to 45° steps
    assert summary["n_responsive"] == len(neurons)  # every cell fires >= 2 Hz
    # one trial per half, both strongly tuned: the halves agree
    assert summary["preferred_direction_split_half_circular_correlation"]["L4 E"] > 0.8
    assert summary["preferred_vs_tuning_angle_aligned_ceiling"]["L4 E"] > 0.9
    classes = pd.read_csv(tmp_path / "tuning" / "classes.csv")
    assert {"median_osi", "median_dsi", "billeh_osi", "billeh_dsi"} <= set(classes.columns)
    drawn = draw_tuning_figures(tmp_path / "tuning", tmp_path / "figures")
    assert all((tmp_path / "figures" / name).stat().st_size > 5000 for name in FIGURES)
    assert drawn["figures"] == list(FIGURES)


def test_tuning_with_neuropixels_and_bad_input(built_v1_network, tmp_path):
    from tests.conftest import require_shared

    neuropixels = require_shared("reference", "allen-biorealistic-v1", "OSI_DSI_neuropixels_v4.csv")
    nodes = built_v1_network / "nodes.parquet"
    trials, _ = planted_experiment(tmp_path, nodes)
    analyse_tuning(trials, nodes, tmp_path / "tuning", (200.0, 1200.0), neuropixels)
    classes = pd.read_csv(tmp_path / "tuning" / "classes.csv").set_index("target_group")
    assert classes.loc["L2/3 E", "np_units"] == 503 and 0 < classes.loc["L2/3 E", "np_osi"] < 1
    with pytest.raises(V1SimInputError, match="at least 3 directions"):
        analyse_tuning(trials[trials["direction_deg"] < 90], nodes, tmp_path / "t2", (200.0, 1200.0))
    with pytest.raises(V1SimInputError, match="positive length"):
        analyse_tuning(trials, nodes, tmp_path / "t3", (500.0, 500.0))
    assert not (tmp_path / "t2").exists() and not (tmp_path / "t3").exists()


def test_split_half_agreement_shows_trial_noise(built_v1_network, tmp_path):
    """Untuned cells: the two halves' preferred directions are unrelated; one trial per direction: no halves."""
    nodes = built_v1_network / "nodes.parquet"
    untuned, _ = planted_experiment(tmp_path, nodes, tuned_hz=0.0, trials=4)
    summary = analyse_tuning(untuned, nodes, tmp_path / "untuned", (200.0, 1200.0))
    for group in ("L2/3 E", "L4 E"):
        assert abs(summary["preferred_direction_split_half_circular_correlation"][group]) < 0.3
    single = untuned[untuned["trial"] == 0]
    summary = analyse_tuning(single, nodes, tmp_path / "single", (200.0, 1200.0))
    assert summary["preferred_direction_split_half_circular_correlation"] == {}


def test_ties_go_to_the_direction_the_response_leans_to():
    """Equal top rates at 0° and 180°: the neighbours decide (135° and 225° high → 180°), whatever the order."""
    directions = np.arange(0, 360, 45.0)
    rates = np.array([[5.0, 1.0, 0.0, 3.0, 5.0, 3.0, 0.0, 1.0], [5.0, 3.0, 0.0, 1.0, 5.0, 1.0, 0.0, 3.0]])
    _, _, preferred = selectivity(rates, directions)
    assert preferred.tolist() == [180.0, 0.0]
    # a single maximum is kept even when the resultant points elsewhere
    _, _, preferred = selectivity(np.array([[6.0, 0.0, 0.0, 5.0, 5.0, 5.0, 0.0, 0.0]]), directions)
    assert preferred.tolist() == [0.0]


def _curves(n_cells: int, dsi_amplitude: float, seed: int = 0):
    """Tuning curves 2 Hz · (1 + a·cos(θ − θ₀)) with θ₀ one of the directions, and tuning angles unrelated to
    θ₀."""
    rng = np.random.default_rng(seed)
    own = rng.choice(DIRECTIONS, n_cells)
    rates = 2.0 * (1.0 + dsi_amplitude * np.cos(np.deg2rad(DIRECTIONS[None, :] - own[:, None])))
    return rates, rng.uniform(0, 360, n_cells)


def test_aligned_ceiling_is_what_perfect_alignment_would_show():
    """Misaligned curves still give a high ceiling when tuned and sampled long; flat curves give none; more
    seconds raise it; uneven directions give NaN."""
    tuned, angle = _curves(3000, 0.8)
    seconds = np.full(8, 100.0)
    assert circular_correlation(selectivity(tuned, DIRECTIONS)[2], angle) == pytest.approx(0.0, abs=0.08)
    # ≈ (E cos ε)² = (sin 22.5° / 22.5°)² ≈ 0.95 for tuning angles rounded to 45° steps
    assert aligned_ceiling(tuned, seconds, DIRECTIONS, angle, np.random.default_rng(0)) > 0.9
    flat, angle = _curves(3000, 0.0)
    assert abs(aligned_ceiling(flat, seconds, DIRECTIONS, angle, np.random.default_rng(0))) < 0.08
    weak, angle = _curves(3000, 0.15)
    short = aligned_ceiling(weak, np.full(8, 5.0), DIRECTIONS, angle, np.random.default_rng(0))
    long = aligned_ceiling(weak, np.full(8, 100.0), DIRECTIONS, angle, np.random.default_rng(0))
    assert 0.05 < short < long - 0.2
    # cells drawn silent are left out; with too few left there is none
    quiet = aligned_ceiling(weak * 0.05, np.full(8, 1.0), DIRECTIONS, angle, np.random.default_rng(0))
    assert np.isfinite(quiet)
    unknown = angle.copy()
    unknown[::2] = np.nan  # cells without a tuning angle are left out, not propagated as NaN
    assert aligned_ceiling(tuned, seconds, DIRECTIONS, unknown, np.random.default_rng(0)) > 0.9
    assert np.isnan(
        aligned_ceiling(weak[:5] * 1e-6, seconds, DIRECTIONS, angle[:5], np.random.default_rng(0))
    )
    uneven = np.array([0.0, 30.0, 90.0, 180.0])
    assert np.isnan(aligned_ceiling(tuned[:, :4], seconds[:4], uneven, angle, np.random.default_rng(0)))


def test_alignment_lines_read_the_summary():
    from v1sim.plots.tuning import alignment_lines

    record = {
        "preferred_vs_tuning_angle_circular_correlation": {"L2/3 E": 0.381, "L4 E": 0.477},
        "preferred_direction_split_half_circular_correlation": {"L2/3 E": 0.348},
        "preferred_vs_tuning_angle_aligned_ceiling": {"L2/3 E": 0.58, "L4 E": 0.605},
    }
    assert alignment_lines(record) == [
        "L2/3 E: r 0.38 (split-half 0.35, ceiling 0.58)",
        "L4 E: r 0.48 (ceiling 0.60)",
    ]
    assert alignment_lines({}) == []
