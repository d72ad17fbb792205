"""Engine behaviour: determinism across runs and thread counts, Poisson inputs, and clear errors on bad input."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.single_neuron import Drive, compiled_single
from v1sim.cli import main
from v1sim.engine import cpu
from v1sim.engine import prepare as prepare_module
from v1sim.engine import simulate as simulate_module
from v1sim.engine.prepare import prepare
from v1sim.engine.simulate import simulate
from v1sim.errors import V1SimInputError
from v1sim.inputs.events import emission_steps
from v1sim.models.propagators import delay_steps, steps_of
from v1sim.network.compiled import read_compiled
from v1sim.network.convert import convert_circuit
from v1sim.simulation import RunSettings, run_simulation


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engine")
    config = make_circuit(
        root / "circuit", CircuitSpec(n_glif=60, n_iaf=20, n_edges=1500, per_edge_delay=True)
    )
    convert_circuit(config, root / "network", progress=False)
    return root / "network"


def _run(network: Path, **kwargs: object):
    net = read_compiled(network / "compiled_network.h5")
    return simulate(net, 300.0, 0.25, device="cpu", poisson_rates_hz={"lgn": 400.0}, **kwargs)


def test_same_seed_same_spikes_across_runs_and_threads(
    network: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _run(network, seed=11, threads=1)
    again = _run(network, seed=11, threads=1)
    monkeypatch.setattr(cpu, "PARALLEL_MIN_NEURONS", 0)  # the parallel driver even for this small network
    threaded = _run(network, seed=11, threads=2)
    other = _run(network, seed=12, threads=1)
    assert len(first.spike_step) > 100
    for run in (again, threaded):
        assert np.array_equal(first.spike_step, run.spike_step)
        assert np.array_equal(first.spike_neuron, run.spike_neuron)
    assert not (
        len(other.spike_step) == len(first.spike_step) and np.array_equal(other.spike_step, first.spike_step)
    )


def test_blocks_runs_and_call_boundaries_do_not_change_a_bit(
    network: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of min_delay steps, short runs of neurons, calls that end mid-block, two threads and a spike buffer
    that must grow: the same spikes and traces, bit for bit, as one step per block on one thread."""
    net = read_compiled(network / "compiled_network.h5")
    assert prepare(net, 0.25, "float32").min_delay > 1  # else every block is one step and this proves nothing
    record = np.array([70, 5, 33, 5, 0])

    def run(threads: int) -> object:
        return simulate(
            net,
            600.25,
            0.25,
            device="cpu",
            poisson_rates_hz={"lgn": 1000.0},
            seed=3,
            record_ids=record,
            threads=threads,
        )

    monkeypatch.setattr(cpu, "MAX_BLOCK_STEPS", 1)
    monkeypatch.setattr(prepare_module, "RUN_LENGTH", 100_000)
    reference = run(1)
    monkeypatch.undo()
    monkeypatch.setattr(prepare_module, "RUN_LENGTH", 8)
    monkeypatch.setattr(cpu, "PARALLEL_MIN_NEURONS", 0)
    monkeypatch.setattr(simulate_module, "CPU_BLOCK_STEPS", 7)
    blocked = run(2)
    assert len(reference.spike_step) > 1024  # more than the first spike buffer holds
    for name in ("spike_step", "spike_neuron", "v_m", "i_syn"):
        assert np.array_equal(getattr(reference, name), getattr(blocked, name)), name
    assert np.array_equal(reference.v_m[:, 1], reference.v_m[:, 3])  # neuron 5, recorded twice


def test_device_poisson_rate_is_the_configured_rate() -> None:
    """A Poisson source at 500 Hz drives one synapse; its deliveries, counted through V_m jumps, match the rate."""
    net = compiled_single("iaf_psc_alpha", {"tau_m": 10.0, "V_th": 1000.0}, [Drive([], 1.0, 1.0, 0)])
    result = simulate(
        net,
        20_000.0,
        0.1,
        device="cpu",
        dtype="float64",
        poisson_rates_hz={"drive": 500.0},
        seed=3,
        record_ids=np.array([0]),
    )
    counts = [cpu._poisson_count(np.uint64(3), k, 1, 0.05) for k in range(0, 200_000, 7)]
    assert abs(np.mean(counts) / 0.1e-3 - 500.0) < 500.0 * 0.03  # mean count per 0.1 ms step
    # mean depolarisation = rate × weight × e·τ_syn (charge of one alpha PSC) × τ_m / C_m
    expected = 500.0 / 1000.0 * 1.0 * np.e * 2.0 * 10.0 / 250.0
    assert np.mean(result.v_m[100_000:, 0]) + 70.0 == pytest.approx(expected, rel=0.1)


def test_delays_round_to_the_nearest_step_as_nest_does_and_warn(caplog: pytest.LogCaptureFixture) -> None:
    assert delay_steps(np.array([1.37, 1.41, 0.7, 2.0]), 0.25).tolist() == [5, 6, 3, 8]
    net = compiled_single("iaf_psc_alpha", {}, [Drive([5.0], 100.0, 1.37, 0)])
    with caplog.at_level(logging.WARNING):
        simulate(net, 20.0, 0.25, device="cpu", spike_trains={"drive": (np.array([0]), np.array([5.0]))})
    assert "rounded to the nearest step as NEST does" in caplog.text


def test_nest_time_conversions() -> None:
    assert steps_of(2.6, 0.25) == 11  # t_ref rounded up to whole steps, as measured in NEST
    assert steps_of(1000.0, 0.25) == 4000
    assert emission_steps(np.array([0.25, 0.26, 2.86034881, 445.539]), 0.25).tolist() == [0, 1, 11, 1782]


def test_unsupported_glif_mechanisms_name_the_supported_models() -> None:
    net = compiled_single(
        "glif_psc",
        {
            "spike_dependent_threshold": True,
            "after_spike_currents": True,
            "asc_decay": [0.003, 0.1],
            "asc_amps": [-1.0, -2.0],
        },
        [],
    )
    with pytest.raises(V1SimInputError, match="supported: glif_psc and glif_psc_double_alpha GLIF1/3, iaf_psc_alpha"):
        simulate(net, 10.0, 0.1, device="cpu")


def test_zero_length_run_and_empty_network_are_errors(network: Path) -> None:
    net = read_compiled(network / "compiled_network.h5")
    with pytest.raises(V1SimInputError, match="longer than zero"):
        simulate(net, 0.0, 0.25, device="cpu")
    empty = compiled_single("iaf_psc_alpha", {}, [])
    empty.model_code = empty.model_code[:0]
    with pytest.raises(V1SimInputError, match="no simulated neurons"):
        simulate(empty, 10.0, 0.25, device="cpu")


def test_spike_file_for_an_unknown_population_is_a_clear_error(
    network: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from v1sim.sonata.spikes import write_spikes

    write_spikes(tmp_path / "thalamus.h5", {"thalamus": (np.array([0]), np.array([5.0]))})
    status = main(
        [
            "simulate",
            str(network),
            str(tmp_path / "out"),
            "--tstop",
            "10",
            "--dt",
            "0.25",
            "--input",
            f"thalamus={tmp_path / 'thalamus.h5'}",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "thalamus" in err and "not a virtual population" in err
    assert not (tmp_path / "out").exists()


def test_spikes_for_a_simulated_population_are_refused(network: Path) -> None:
    net = read_compiled(network / "compiled_network.h5")
    with pytest.raises(V1SimInputError, match="not a virtual population"):
        simulate(net, 10.0, 0.25, device="cpu", spike_trains={"v1": (np.array([0]), np.array([1.0]))})


def test_cli_writes_sonata_spikes_v_m_and_provenance(network: Path, tmp_path: Path) -> None:
    import h5py

    status = main(
        [
            "simulate",
            str(network),
            str(tmp_path / "out"),
            "--tstop",
            "200",
            "--dt",
            "0.25",
            "--poisson",
            "lgn=80",
            "--record",
            "v1:0,3",
            "--record-interval",
            "1",
            "--no-progress",
        ]
    )
    assert status == 0
    with h5py.File(tmp_path / "out" / "spikes.h5") as h5:
        group = h5["spikes/v1"]
        assert group.attrs["sorting"] == 2  # the SONATA enum: none 0, by_id 1, by_time 2
        assert h5py.check_enum_dtype(group.attrs.get_id("sorting").dtype) == {"none": 0, "by_id": 1, "by_time": 2}
        assert group["node_ids"].dtype == np.uint64 and group["timestamps"].dtype == np.float64
        assert group["timestamps"].attrs["units"] == "ms"
        assert len(group["timestamps"]) > 0 and np.all(np.diff(group["timestamps"][:]) >= 0)
    with h5py.File(tmp_path / "out" / "v_m.h5") as h5:
        assert h5["v_m"].shape == (200, 2)

    record = json.loads((tmp_path / "out" / "provenance.json").read_text())
    for key in ("device", "seed", "versions", "wall_time_s", "steps_per_second", "settings"):
        assert key in record


def test_bkg_without_a_spike_file_fires_poisson_at_1_khz(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The release's background node (population ``bkg``) given no spike file runs as Poisson 1 kHz, exactly as
    an explicit ``--poisson bkg=1000``; any other virtual population without input stays silent, with a warning."""
    spec = CircuitSpec(virtual_population="bkg", n_lgn=1, n_lgn_edges=40)
    convert_circuit(make_circuit(tmp_path / "bkg", spec), tmp_path / "bkg_net", progress=False)
    run = RunSettings(tstop_ms=200.0, dt_ms=0.25, device="cpu", seed=5)
    default = run_simulation(tmp_path / "bkg_net", tmp_path / "default", settings=run)
    explicit = run_simulation(
        tmp_path / "bkg_net",
        tmp_path / "explicit",
        settings=dataclasses.replace(run, poisson_hz={"bkg": 1000.0}),
    )
    assert len(default.spike_step) > 0
    assert np.array_equal(default.spike_step, explicit.spike_step)
    assert np.array_equal(default.spike_neuron, explicit.spike_neuron)
    assert json.loads((tmp_path / "default" / "provenance.json").read_text())["poisson_hz"] == {"bkg": 1000.0}

    convert_circuit(make_circuit(tmp_path / "lgn", CircuitSpec()), tmp_path / "lgn_net", progress=False)
    with caplog.at_level(logging.WARNING):
        silent = run_simulation(tmp_path / "lgn_net", tmp_path / "silent", settings=run)
    assert "lgn has no input" in caplog.text
    assert len(silent.spike_step) == 0
