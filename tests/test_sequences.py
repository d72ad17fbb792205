"""PPSeq: planted sequences are recovered, pure Poisson data are not called sequences, runs are reproducible."""

from __future__ import annotations

import json
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from v1sim.analysis.sequences import (
    NO_SEQUENCE_GAIN_NATS_PER_SPIKE,
    fit_ppseq,
    heldout_log_likelihood,
    likelihood_gain,
    sample_ppseq_data,
)
from v1sim.errors import V1SimInputError

#: The time bin within which a detected event must fall of its planted one.
BIN_S = 0.025
FIT = {"sweeps": 300, "anneal_sweeps": 150, "max_event_window_s": 0.5}


def matched_event_errors(result, planted):
    """Per planted event: |fitted time − planted time| of the fitted event holding most of its spikes, after
    removing each type's median shift (event times and offsets are identifiable only up to a shift per type)."""
    errors = np.full(len(planted["event_time_s"]), np.inf)
    for k in range(len(errors)):
        owners = result.assignment[planted["spike_event"] == k]
        owners = owners[owners >= 0]
        if len(owners):
            errors[k] = result.events["time_s"][np.bincount(owners).argmax()] - planted["event_time_s"][k]
    for r in np.unique(planted["event_type"]):
        mine = (planted["event_type"] == r) & np.isfinite(errors)
        errors[mine] -= np.median(errors[mine])
    return np.abs(errors)


@pytest.mark.parametrize("data_seed", [1, 2])
def test_planted_sequences_are_recovered(data_seed):
    neuron, time, planted = sample_ppseq_data(n_neurons=100, n_types=2, event_rate_hz=0.5, seed=data_seed)
    result = fit_ppseq(neuron, time, 100, 2, 60.0, seed=0, **FIT)
    errors = matched_event_errors(result, planted)
    assert np.mean(errors <= BIN_S) >= 0.9, np.sort(errors)[-10:]
    fitted = result.neuron_types()
    accuracy = max(np.mean(np.array(p)[fitted] == planted["neuron_type"]) for p in permutations(range(2)))
    assert accuracy >= 0.9
    for r in range(2):
        members = planted["neuron_type"] == r
        fitted_type = np.bincount(fitted[members]).argmax()
        rho = spearmanr(result.offsets_s[members, fitted_type], planted["offsets_s"][members]).statistic
        assert rho >= 0.9, (r, rho)
    assert likelihood_gain(result, neuron, 100, 60.0) > 5 * NO_SEQUENCE_GAIN_NATS_PER_SPIKE


@pytest.mark.parametrize("data_seed", [0, 1])
def test_pure_poisson_is_not_called_sequences(data_seed):
    neuron, time, planted = sample_ppseq_data(event_rate_hz=0.0, background_hz=2.0, seed=data_seed)
    assert (planted["spike_event"] == -1).all()
    result = fit_ppseq(neuron, time, 100, 2, 60.0, seed=0, **FIT)
    assert likelihood_gain(result, neuron, 100, 60.0) < NO_SEQUENCE_GAIN_NATS_PER_SPIKE


def test_same_seed_same_result():
    neuron, time, _ = sample_ppseq_data(duration_s=20.0, seed=3)
    one = fit_ppseq(neuron, time, 100, 2, 20.0, sweeps=40, anneal_sweeps=20, seed=5)
    two = fit_ppseq(neuron, time, 100, 2, 20.0, sweeps=40, anneal_sweeps=20, seed=5)
    assert np.array_equal(one.assignment, two.assignment)
    assert np.array_equal(one.log_likelihood, two.log_likelihood)
    assert np.array_equal(one.offsets_s, two.offsets_s)
    other = fit_ppseq(neuron, time, 100, 2, 20.0, sweeps=40, anneal_sweeps=20, seed=6)
    assert not np.array_equal(one.assignment, other.assignment)


def test_heldout_likelihood_prefers_the_planted_number_of_types():
    neuron, time, _ = sample_ppseq_data(n_types=2, event_rate_hz=0.5, duration_s=80.0, seed=4)
    scores = heldout_log_likelihood(neuron, time, 100, 80.0, (1, 2), sweeps=200, anneal_sweeps=100)
    assert scores[2] > scores[1]


def test_bad_input():
    with pytest.raises(V1SimInputError, match="neuron indices"):
        fit_ppseq(np.array([0, 5]), np.array([0.1, 0.2]), 3, 2, 1.0)
    with pytest.raises(V1SimInputError, match="spike times"):
        fit_ppseq(np.array([0, 1]), np.array([0.1, 2.0]), 3, 2, 1.0)
    with pytest.raises(V1SimInputError, match="at least one spike"):
        fit_ppseq(np.array([], int), np.array([]), 3, 2, 1.0)


def test_sequence_stage_writes_tables_and_figures(built_v1_network, tmp_path):
    from v1sim.analysis.sequences_stage import TABLES, SequenceSettings, detect_sequences
    from v1sim.plots.sequences import FIGURES, draw_sequence_figures
    from v1sim.sonata.spikes import write_spikes

    nodes = pd.read_parquet(built_v1_network / "nodes.parquet")
    cells = nodes[nodes["population"] == "v1"]["node_id"].to_numpy()
    neuron, time, _ = sample_ppseq_data(n_neurons=60, event_rate_hz=0.5, duration_s=20.0, seed=7)
    write_spikes(tmp_path / "spikes.h5", {"v1": (cells[neuron], 1000.0 * time)})
    settings = SequenceSettings(n_neurons=60, sweeps=100, anneal_sweeps=50)
    summary = detect_sequences(
        tmp_path / "spikes.h5", built_v1_network / "nodes.parquet", 20_000.0, tmp_path / "seq", settings
    )
    assert all((tmp_path / "seq" / name).is_file() for name in TABLES)
    assert summary["sequences_detected"] and summary["n_neurons"] == 60
    table = pd.read_csv(tmp_path / "seq" / "neurons.csv")
    assert sorted(table["order"]) == list(range(60))
    draw_sequence_figures(tmp_path / "seq", tmp_path / "fig")
    assert all((tmp_path / "fig" / name).stat().st_size > 10_000 for name in FIGURES)
    with pytest.raises(V1SimInputError, match=r"sequences\.anneal_sweeps"):
        SequenceSettings(sweeps=10, anneal_sweeps=20)
    with pytest.raises(V1SimInputError, match="no cell of population 'v1' has a class starting 'zz'"):
        detect_sequences(
            tmp_path / "spikes.h5",
            built_v1_network / "nodes.parquet",
            20_000.0,
            tmp_path / "x",
            SequenceSettings(cell_class_prefix="zz"),
        )
    assert not (tmp_path / "x").exists()
    with pytest.raises(V1SimInputError, match="no cell of population 'lgn'"):
        detect_sequences(
            tmp_path / "spikes.h5",
            built_v1_network / "nodes.parquet",
            20_000.0,
            tmp_path / "x",
            SequenceSettings(population="lgn"),
        )


def test_a_selection_without_spikes_gives_empty_tables_and_figures(built_v1_network, tmp_path):
    """Silent cells are a result, not an error: PPSeq has nothing to fit, the tables are empty (a circuit
    driven only by sub-threshold current clamps, like bmtk's point_iclamp, does this)."""
    from v1sim.analysis.sequences_stage import TABLES, SequenceSettings, detect_sequences
    from v1sim.plots.sequences import FIGURES, draw_sequence_figures
    from v1sim.sonata.spikes import write_spikes

    write_spikes(tmp_path / "spikes.h5", {"v1": (np.zeros(0, np.int64), np.zeros(0))})
    summary = detect_sequences(
        tmp_path / "spikes.h5", built_v1_network / "nodes.parquet", 500.0, tmp_path / "seq", SequenceSettings()
    )
    assert summary["n_neurons"] == summary["n_events"] == 0 and not summary["sequences_detected"]
    assert all((tmp_path / "seq" / name).is_file() for name in TABLES)
    record = json.loads((tmp_path / "seq" / "provenance.json").read_text())
    assert record["no_spiking_cells"] and record["population"] == "v1"  # null: the first simulated one
    table = pd.read_csv(tmp_path / "seq" / "neurons.csv")
    assert table.empty and {"sequence_type", "offset_ms_1"} <= set(table.columns)
    draw_sequence_figures(tmp_path / "seq", tmp_path / "fig")
    assert all((tmp_path / "fig" / name).stat().st_size > 5_000 for name in FIGURES)
