"""The analyses on spike trains of known structure, against closed forms and against elephant."""

from __future__ import annotations

from pathlib import Path

import neo
import numpy as np
import pandas as pd
import pytest
import quantities
from elephant.conversion import BinnedSpikeTrain
from elephant.spike_train_correlation import correlation_coefficient
from elephant.statistics import cv, isi, mean_firing_rate

from tests.spike_fixtures import modulated_train, poisson_train, write_cells, write_trains
from v1sim.analysis import correlations, embedding, rates
from v1sim.analysis.activity import load_activity
from v1sim.analysis.binned import binned_counts
from v1sim.cli import main
from v1sim.errors import V1SimInputError


def _activity(tmp_path: Path, trains: list[np.ndarray], t_stop_ms: float, classes: list[str] | None = None):
    classes = classes or ["e4Rorb"] * len(trains)
    write_cells(tmp_path / "nodes.parquet", classes)
    write_trains(tmp_path / "spikes.h5", trains)
    return load_activity(tmp_path / "spikes.h5", tmp_path / "nodes.parquet", t_stop_ms)


def test_poisson_rates_and_cv_match_the_closed_form(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    trains = [poisson_train(rng, 20.0, 50_000.0) for _ in range(300)]
    activity = _activity(tmp_path, trains, 50_000.0)
    rate = rates.rates_hz(activity)
    cv = rates.isi_cv(activity)
    assert np.array_equal(rate, np.array([len(t) for t in trains]) / 50.0)
    assert abs(rate.mean() - 20.0) < 0.1  # 300 cells × 1,000 spikes: s.e. 0.04 Hz
    assert abs(np.nanmean(cv) - 1.0) < 0.01  # exponential intervals have CV 1


def test_regular_trains_have_cv_zero_and_a_flat_population_rate(tmp_path: Path) -> None:
    trains = [np.arange(1.0 + i * 0.1, 10_000.0, 25.0) for i in range(40)]  # 40 Hz, staggered
    activity = _activity(tmp_path, trains, 10_000.0)
    assert np.allclose(rates.rates_hz(activity), 40.0)
    assert np.nanmax(np.abs(rates.isi_cv(activity))) < 1e-12
    _, population = rates.population_rate(activity, 100.0)
    assert np.allclose(population, 40.0)


def test_cv_needs_three_spikes_and_window_limits_apply(tmp_path: Path) -> None:
    trains = [np.array([10.0, 20.0]), np.array([10.0, 20.0, 40.0]), np.array([5.0, 150.0])]
    activity = _activity(tmp_path, trains, 100.0)
    cv = rates.isi_cv(activity)
    assert np.isnan(cv[0]) and np.isnan(cv[2])
    assert cv[1] == pytest.approx(np.std([10.0, 20.0]) / np.mean([10.0, 20.0]))
    assert list(activity.spike_counts()) == [2, 3, 1]  # the spike at 150 ms is outside [0, 100)


def test_pca_finds_a_planted_two_dimensional_rotation(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    phases = rng.uniform(0, 2 * np.pi, 120)
    trains = [modulated_train(rng, 800.0, phase, 1000.0, 20_000.0) for phase in phases]
    activity = _activity(tmp_path, trains, 20_000.0)
    counts, _ = binned_counts(activity, 50.0)
    scores, variance = embedding.pca_of_bins(counts, 5, seed=0)
    assert variance[:2].sum() >= 0.9
    assert variance[2] < 0.02
    # the two components trace a circle: the bins' angle turns once per period
    angle = np.unwrap(np.arctan2(scores[:, 1], scores[:, 0]))
    assert abs(abs(angle[-1] - angle[0]) / (2 * np.pi) - 20.0) < 1.0


def test_umap_with_a_seed_gives_the_same_embedding_twice() -> None:
    rng = np.random.default_rng(3)
    features = np.r_[rng.normal(0, 1, (60, 5)), rng.normal(6, 1, (60, 5))]
    first = embedding.umap_embedding(features, seed=7)
    second = embedding.umap_embedding(features, seed=7)
    assert first.shape == (120, 2)
    assert np.array_equal(first, second)
    # the two planted clusters stay apart
    a, b = first[:60].mean(axis=0), first[60:].mean(axis=0)
    spread = max(first[:60].std(axis=0).max(), first[60:].std(axis=0).max())
    assert np.linalg.norm(a - b) > 3 * spread


def test_correlations_recover_planted_groups(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    t_stop, trains, classes = 60_000.0, [], []
    for name in ("e23Cux2", "i4Pvalb", "i5Sst"):
        mother = poisson_train(rng, 20.0, t_stop)
        for _ in range(20):
            shared = mother[rng.uniform(size=len(mother)) < 0.5]  # each cell keeps half the shared spikes
            own = poisson_train(rng, 5.0, t_stop)
            trains.append(np.sort(np.r_[shared, own]))
            classes.append(name)
    activity = _activity(tmp_path, trains, t_stop, classes)
    counts, _ = binned_counts(activity, 50.0)
    rows = correlations.sample_per_class(activity.cells["cell_class"], activity.spike_counts(), 20, seed=0)
    pairs = correlations.pair_table(correlations.count_correlations(counts, rows), rows, activity.cells)
    summary = correlations.class_pair_means(pairs).set_index("cell_class")["mean"]
    # shared half of a 20 Hz train plus 5 Hz own: r = 5 / (10 + 5) = 1/3 within a group, 0 across
    for name in ("e23Cux2", "i4Pvalb", "i5Sst"):
        assert abs(summary[name] - 1 / 3) < 0.05
    assert abs(summary["(across classes)"]) < 0.02


def test_vectorised_statistics_equal_elephant(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    t_stop = 5_000.0
    trains = [poisson_train(rng, rate, t_stop) for rate in rng.uniform(2.0, 40.0, 30)]
    activity = _activity(tmp_path, trains, t_stop)
    neo_trains = [neo.SpikeTrain(t * quantities.ms, t_stop=t_stop * quantities.ms) for t in trains]

    theirs_rate = [float(mean_firing_rate(t).rescale("Hz").magnitude) for t in neo_trains]
    assert np.allclose(rates.rates_hz(activity), theirs_rate, rtol=1e-12)
    theirs_cv = [cv(isi(t).magnitude) for t in neo_trains]
    assert np.allclose(rates.isi_cv(activity), theirs_cv, rtol=1e-10)

    binned = BinnedSpikeTrain(neo_trains, bin_size=50 * quantities.ms, t_start=0 * quantities.ms)
    counts, _ = binned_counts(activity, 50.0)
    assert np.array_equal(counts.toarray(), binned.to_array())
    ours = correlations.count_correlations(counts, np.arange(len(trains)))
    assert np.allclose(ours, correlation_coefficient(binned), atol=1e-12)


def test_a_spike_of_an_unknown_node_names_the_file_and_field(tmp_path: Path) -> None:
    write_cells(tmp_path / "nodes.parquet", ["e4Rorb"] * 3)
    write_trains(tmp_path / "spikes.h5", [np.array([1.0]), np.array([2.0]), np.array([3.0]), np.array([4.0])])
    with pytest.raises(V1SimInputError) as error:
        load_activity(tmp_path / "spikes.h5", tmp_path / "nodes.parquet", 100.0)
    assert "spikes.h5: /spikes/v1/node_ids: node 3 is not a cell" in error.value.message


def test_bad_inputs_exit_2_without_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cells(tmp_path / "nodes.parquet", ["e4Rorb"] * 3)
    write_trains(tmp_path / "spikes.h5", [np.array([1.0])] * 3)
    (tmp_path / "not_nodes.parquet").write_bytes(b"")
    pd.DataFrame({"node_id": [0]}).to_parquet(tmp_path / "few_columns.parquet")
    cases = [
        (["analyse", str(tmp_path / "missing.h5"), str(tmp_path / "nodes.parquet")], "missing.h5"),
        (
            ["analyse", str(tmp_path / "spikes.h5"), str(tmp_path / "nope.parquet")],
            "nope.parquet: file not found",
        ),
        (
            ["analyse", str(tmp_path / "spikes.h5"), str(tmp_path / "few_columns.parquet")],
            "few_columns.parquet: columns",
        ),
    ]
    for i, (args, message) in enumerate(cases):
        out = tmp_path / f"out{i}"
        assert main([*args, str(out), "--tstop", "100"]) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()
    assert (
        main(
            [
                "analyse",
                str(tmp_path / "spikes.h5"),
                str(tmp_path / "nodes.parquet"),
                str(tmp_path / "o"),
                "--tstop",
                "100",
                "--bin",
                "0",
            ]
        )
        == 2
    )
    assert "argument --bin: 0 is not > 0" in capsys.readouterr().err
