"""``v1sim run CONFIG``: a bmtk PointNet simulation config in one command, against bmtk 1.2 PointNet + NEST 3.10.

On a fixture circuit (GLIF3 and iaf_psc_alpha cells, a SONATA spike input, two V_m reports with bmtk's ``tstart``,
``tstop``, ``interval`` and ``file_name``) the same config runs through bmtk + NEST in a subprocess and through
``v1sim run --dtype float64``: same spikes, V_m within 1e-9 mV at every sample NEST stored, outputs where the config
puts them. Then the network cache, ``overwrite_output_dir``, ``--input`` stand-ins and ``--output-dir``, and every
refusal: one line naming the file and field, exit status 2, no output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import libsonata
import numpy as np
import pytest

from tests.circuits import CircuitSpec, make_circuit
from v1sim.cli import main
from v1sim.network_cache import default_cache_dir
from v1sim.run import RunOptions, run_config
from v1sim.sonata.reports import read_report
from v1sim.sonata.spikes import read_spikes, read_spikes_csv, spike_sorting, write_spikes

RUNNER = Path(__file__).with_name("bmtk_run_config.py")
DT = 0.25
TSTOP = 200.0
REPORT_CELLS = [0, 5, 33, 38]  # glif and iaf_psc_alpha cells
WINDOW_CELLS = [3, 7, 31, 32]


@pytest.fixture(scope="module")
def circuit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture circuit with an LGN spike file; returns its folder."""
    root = tmp_path_factory.mktemp("run_config") / "circuit"
    make_circuit(root, CircuitSpec())
    rng = np.random.default_rng(3)
    counts = rng.poisson(300.0 * TSTOP / 1000.0, 8)
    times = rng.uniform(0.3, TSTOP, counts.sum())  # bmtk refuses times <= 0
    write_spikes(root / "lgn_spikes.h5", {"lgn": (np.repeat(np.arange(8), counts), times)})
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("network_cache")


def _config(root: Path, path: Path, output_dir: Path, **changes: Any) -> Path:
    """A simulation config over ``root``'s circuit; ``changes`` replace top-level sections (None removes one)."""
    config: dict[str, Any] = {
        "manifest": {"$BASE_DIR": str(root), "$OUTPUT_DIR": str(output_dir)},
        "network": "$BASE_DIR/circuit_config.json",
        "target_simulator": "NEST",
        "run": {"tstop": TSTOP, "dt": DT, "spike_threshold": -15.0, "nsteps_block": 5000},
        "inputs": {
            "lgn_spikes": {
                "input_type": "spikes",
                "module": "sonata",
                "input_file": "$BASE_DIR/lgn_spikes.h5",
                "node_set": "lgn",
            }
        },
        "reports": {
            "v_all": {
                "cells": {"population": "v1", "node_id": REPORT_CELLS},
                "variable_name": "V_m",
                "module": "multimeter_report",
                "sections": "soma",
            },
            "window": {
                "cells": {"population": "v1", "node_id": WINDOW_CELLS},
                "variable_name": "V_m",
                "module": "multimeter_report",
                "tstart": 50.0,
                "tstop": 120.0,
                "interval": 1.0,
                "file_name": "win.h5",
            },
        },
        "output": {
            "output_dir": "$OUTPUT_DIR",
            "log_file": "log.txt",
            "spikes_file": "spikes.h5",
            "spikes_file_csv": "spikes.csv",
            "spikes_sort_order": "time",
            "overwrite_output_dir": True,
        },
    }
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=1))
    return path


def _run_bmtk(config: Path, run_dir: Path) -> None:
    """bmtk PointNet + NEST 3.10 on ``config`` in a process of its own, from ``run_dir``."""
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(config)],
        cwd=run_dir,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def nest_output(circuit: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bmtk PointNet + NEST 3.10 on the config (its own process), as run_pointnet.py runs it: its output folder."""
    run_dir = tmp_path_factory.mktemp("bmtk")
    config = _config(circuit, run_dir / "config.json", run_dir / "output")
    _run_bmtk(config, run_dir)
    return run_dir / "output"


@pytest.fixture(scope="module")
def ours(circuit: Path, cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``v1sim run --dtype float64`` on the same config, its outputs redirected with --output-dir."""
    run_dir = tmp_path_factory.mktemp("ours")
    config = _config(circuit, run_dir / "config.json", run_dir / "configured_output")
    status = main(
        [
            "run",
            str(config),
            "--dtype",
            "float64",
            "--device",
            "cpu",
            "--output-dir",
            str(run_dir / "output"),
            "--network-cache",
            str(cache),
            "--no-progress",
        ]
    )
    assert status == 0
    assert not (run_dir / "configured_output").exists()
    return run_dir / "output"


def _clamp_config(circuit: Path, run_dir: Path, output_dir: Path) -> Path:
    """The config plus three clamps in PointNet's three forms, on node sets named inline and in a node sets file
    (amplitudes of tens of pA: they change the spikes). Each node set's NEST ids ascend (bmtk connects a clamp to
    its cells in node-id order, which NEST refuses otherwise: bmtk creates a population's cells type by type)."""
    steps = run_dir / "steps.csv"
    steps.write_text("timestamps amps\n20.0 80.0\n60.5 -40.0\n90.0 0.0\n140.0 120.0\n")
    (run_dir / "node_sets.json").write_text(
        json.dumps({"some_v1": {"population": "v1", "node_ids": [1, 2, 4, 33, 38]}})
    )
    inputs = {
        "lgn_spikes": {
            "input_type": "spikes",
            "module": "sonata",
            "input_file": "$BASE_DIR/lgn_spikes.h5",
            "node_set": "lgn",
        },
        "scalar": _clamp(
            amp=150.0, delay=30.0, duration=50.0, node_set={"population": "v1", "node_id": [0, 5, 6]}
        ),
        "lists": _clamp(amp=[60.0, -90.0], delay=[10.25, 100.0], duration=[40.0, 30.0], node_set="some_v1"),
        "table": {
            "input_type": "csv",
            "module": "IClamp",
            "node_set": {"population": "v1", "node_id": [8, 9, 10, 34, 35]},
            "file": str(steps),
        },
    }
    config = _config(circuit, run_dir / "clamps.json", output_dir, inputs=inputs)
    data = json.loads(config.read_text())
    data["node_sets_file"] = str(run_dir / "node_sets.json")
    config.write_text(json.dumps(data, indent=1))
    return config


@pytest.fixture(scope="module")
def clamp_outputs(circuit: Path, cache: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """NEST's and v1sim's outputs of the clamp config."""
    run_dir = tmp_path_factory.mktemp("clamps")
    config = _clamp_config(circuit, run_dir, run_dir / "nest")
    _run_bmtk(config, run_dir)
    args = [
        "run",
        str(config),
        "--dtype",
        "float64",
        "--device",
        "cpu",
        "--output-dir",
        str(run_dir / "ours"),
    ]
    assert main([*args, "--network-cache", str(cache), "--no-progress"]) == 0
    return run_dir / "nest", run_dir / "ours"


def test_clamps_equal_nest_through_bmtk(clamp_outputs: tuple[Path, Path], ours: Path) -> None:
    """Scalar, list and CSV clamps."""
    theirs, mine_dir = clamp_outputs
    spikes = _spike_steps(mine_dir / "spikes.h5", DT)
    assert spikes == _spike_steps(theirs / "spikes.h5", DT)
    assert spikes != _spike_steps(ours / "spikes.h5", DT)  # the clamps matter
    for report in ("v_all.h5", "win.h5"):
        (nest_report,) = read_report(theirs / report).values()
        (mine,) = read_report(mine_dir / report).values()
        n = len(nest_report.data)
        assert np.abs(mine.data[:n] - nest_report.data).max() <= 1e-9, report


def _spike_steps(path: Path, dt: float) -> list[tuple[str, int, int]]:
    out = []
    for population, (ids, times) in read_spikes(path).items():
        out += list(
            zip([population] * len(ids), ids.tolist(), np.round(times / dt).astype(int).tolist(), strict=True)
        )
    return sorted(out)


def test_spikes_equal_nest_through_bmtk(ours: Path, nest_output: Path) -> None:
    theirs = _spike_steps(nest_output / "spikes.h5", DT)
    assert len(theirs) > 100
    assert _spike_steps(ours / "spikes.h5", DT) == theirs
    times = read_spikes(ours / "spikes.h5")["v1"][1]
    assert np.all(np.diff(times) >= 0) and spike_sorting(ours / "spikes.h5") == {"v1": "by_time"}


@pytest.mark.parametrize("report", ["v_all.h5", "win.h5"])
def test_reports_equal_nest_at_every_stored_sample(ours: Path, nest_output: Path, report: str) -> None:
    """Sample times, cells and values as NEST's multimeter recorded them (start < t <= stop, every interval); NEST
    hands its samples over one min_delay late, so bmtk's file lacks the run's last min_delay, ours has it."""
    (theirs,) = read_report(nest_output / report).values()
    (mine,) = read_report(ours / report).values()
    assert mine.node_ids.tolist() == theirs.node_ids.tolist()
    assert mine.step_ms == theirs.step_ms and mine.start_ms == theirs.start_ms
    n = len(theirs.data)
    assert len(mine.data) >= n and n > 50
    assert np.abs(mine.data[:n] - theirs.data).max() <= 1e-9
    assert mine.data.dtype == np.float64
    if report == "win.h5":  # tstart 50, tstop 120, interval 1: t = 51 ... 120
        assert mine.times_ms[0] == 51.0 and mine.times_ms[-1] == 120.0 and len(mine.data) == 70


def test_outputs_where_the_config_puts_them(ours: Path, nest_output: Path) -> None:
    assert {p.name for p in ours.iterdir()} >= {p.name for p in nest_output.iterdir()}
    assert (ours / "provenance.json").is_file()
    log = (ours / "log.txt").read_text()
    assert "simulated 200 ms" in log and "wrote report" in log
    csv = read_spikes_csv(ours / "spikes.csv")
    h5 = read_spikes(ours / "spikes.h5")
    assert np.array_equal(csv["v1"][0], h5["v1"][0]) and np.array_equal(csv["v1"][1], h5["v1"][1])
    assert (ours / "spikes.csv").read_text().splitlines()[0] == (
        nest_output / "spikes.csv"
    ).read_text().splitlines()[0]
    theirs_rows = sorted((nest_output / "spikes.csv").read_text().splitlines()[1:])
    ours_rows = sorted((ours / "spikes.csv").read_text().splitlines()[1:])
    assert ours_rows == theirs_rows  # bmtk's CSV layout, row for row
    copy = json.loads((ours / "config.json").read_text())
    assert copy["run"]["dt"] == DT and copy["config_path"].endswith("config.json")


def test_reports_of_a_float32_run_open_in_libsonata(circuit: Path, cache: Path, tmp_path: Path) -> None:
    config = _config(circuit, tmp_path / "config.json", tmp_path / "out")
    summary = run_config(config, RunOptions(device="cpu", network_cache=cache, progress=False))
    assert summary.network_reused
    pop = libsonata.ElementReportReader(str(tmp_path / "out" / "v_all.h5"))["v1"]
    frame = pop.get()
    assert list(pop.get_node_ids()) == REPORT_CELLS
    assert np.asarray(frame.data).shape == (round(TSTOP / DT), len(REPORT_CELLS))
    assert np.allclose(frame.times, DT * np.arange(1, round(TSTOP / DT) + 1))
    assert libsonata.SpikeReader(str(tmp_path / "out" / "spikes.h5"))["v1"].sorting == "by_time"


def test_network_cache_is_keyed_by_content(
    circuit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    root = tmp_path / "circuit"
    shutil.copytree(circuit, root)
    config = _config(root, tmp_path / "config.json", tmp_path / "out", reports=None)
    options = RunOptions(device="cpu", network_cache=tmp_path / "cache", progress=False)
    first = run_config(config, options)
    assert not first.network_reused
    os.utime(root / "network" / "v1_v1_edge_types.csv")  # touched, not changed
    again = run_config(config, options)
    assert again.network_reused and again.network_dir == first.network_dir
    types = root / "network" / "v1_node_types.csv"
    types.write_text(types.read_text().replace("VisL4", "VisL5"))  # a new attribute value: a new conversion
    changed = run_config(config, options)
    assert not changed.network_reused and changed.network_dir != first.network_dir
    # a file named in components (a user's weight functions, say) is part of the key by its contents
    (root / "weights.py").write_text("# weight functions\n")
    data = json.loads((root / "circuit_config.json").read_text())
    data["components"]["weight_functions"] = "weights.py"  # relative to the config naming it
    (root / "circuit_config.json").write_text(json.dumps(data))
    from v1sim.network_cache import cache_key, circuit_contents
    from v1sim.sonata.config import load_circuit_config

    before = cache_key(circuit_contents(load_circuit_config(config)))
    (root / "weights.py").write_text("# weight functions, edited\n")
    assert cache_key(circuit_contents(load_circuit_config(config))) != before
    monkeypatch.setenv("V1SIM_CACHE", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("V1SIM_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "v1sim"


@pytest.mark.parametrize("overwrite", [True, False])
def test_overwrite_output_dir_as_bmtk(circuit: Path, cache: Path, tmp_path: Path, overwrite: bool) -> None:
    """true: the folder is replaced; false (bmtk's default): other files stay, the run's files are replaced."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "spikes.h5").write_text("old")
    output = {"output_dir": str(out), "spikes_file": "spikes.h5", "overwrite_output_dir": overwrite}
    config = _config(circuit, tmp_path / "config.json", out, output=output, reports=None)
    run_config(config, RunOptions(device="cpu", network_cache=cache, progress=False))
    assert (out / "notes.txt").exists() != overwrite
    assert "v1" in read_spikes(out / "spikes.h5")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_overwrite_never_deletes_the_config_or_its_inputs(circuit: Path, cache: Path, tmp_path: Path) -> None:
    (tmp_path / "lgn.h5").write_bytes((circuit / "lgn_spikes.h5").read_bytes())
    inputs = {
        "lgn": {
            "input_type": "spikes",
            "module": "h5",
            "input_file": str(tmp_path / "lgn.h5"),
            "node_set": "lgn",
        }
    }
    output = {"output_dir": str(tmp_path), "spikes_file": "spikes.h5", "overwrite_output_dir": True}
    config = _config(circuit, tmp_path / "config.json", tmp_path, output=output, inputs=inputs, reports=None)
    status = main(["run", str(config), "--network-cache", str(cache), "--no-progress"])
    assert status == 2 and (tmp_path / "config.json").exists() and (tmp_path / "lgn.h5").exists()


def test_output_into_the_config_folder_keeps_the_config(circuit: Path, cache: Path, tmp_path: Path) -> None:
    """bmtk's default output_dir is the working directory and it copies the config there: never over itself."""
    config = _config(
        circuit, tmp_path / "config.json", tmp_path, output={"spikes_file": "spikes.h5"}, reports=None
    )
    original = config.read_text()
    run_config(config, RunOptions(device="cpu", network_cache=cache, progress=False))
    assert config.read_text() == original
    assert "v1" in read_spikes(tmp_path / "spikes.h5") and (tmp_path / "provenance.json").exists()


def test_input_stands_in_for_a_missing_file_before_it_is_checked(
    circuit: Path, cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = {
        "lgn_spikes": {
            "input_type": "spikes",
            "module": "sonata",
            "input_file": "/gone/lgn.h5",
            "node_set": "lgn",
        }
    }
    config = _config(circuit, tmp_path / "config.json", tmp_path / "out", inputs=inputs, reports=None)
    args = ["run", str(config), "--network-cache", str(cache), "--no-progress", "--dtype", "float64"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"v1sim run: error: {config}: inputs.lgn_spikes.input_file: file not found: /gone/lgn.h5"
    # the same spikes as bmtk's CSV, given on the command line
    ids, times = read_spikes(circuit / "lgn_spikes.h5")["lgn"]
    csv = tmp_path / "lgn.csv"
    csv.write_text(
        "timestamps population node_ids\n"
        + "".join(f"{float(t)!r} lgn {i}\n" for i, t in zip(ids, times, strict=True))
    )
    assert main([*args, "--input", f"lgn={csv}"]) == 0
    reference = tmp_path / "reference"
    config_ok = _config(circuit, tmp_path / "ok.json", reference, reports=None)
    assert (
        main(["run", str(config_ok), "--network-cache", str(cache), "--no-progress", "--dtype", "float64"])
        == 0
    )
    assert _spike_steps(tmp_path / "out" / "spikes.h5", DT) == _spike_steps(reference / "spikes.h5", DT)


def _write_input(module: str, ids: np.ndarray, times: np.ndarray, path: Path) -> Path:
    """The LGN trains in bmtk's CSV or NWB layout."""
    if module == "csv":
        rows = "".join(f"{float(t)!r} lgn {i}\n" for i, t in zip(ids, times, strict=True))
        path.write_text("timestamps population node_ids\n" + rows)
    else:
        with h5py.File(path, "w") as h5:
            for node in np.unique(ids):
                h5[f"processing/trial_0/spike_train/{node}/data"] = np.sort(times[ids == node])
    return path


@pytest.mark.parametrize("module", ["csv", "nwb"])
def test_csv_and_nwb_spike_inputs_and_sort_by_id(
    circuit: Path, cache: Path, tmp_path: Path, module: str
) -> None:
    """bmtk's CSV and NWB spike layouts (read as bmtk reads them) give the spikes the same trains give in
    SONATA; ``spikes_sort_order: by_id`` sorts the output by node."""
    from bmtk.utils.reports.spike_trains import SpikeTrains

    from v1sim.sonata.spikes import read_spikes_nwb

    ids, times = read_spikes(circuit / "lgn_spikes.h5")["lgn"]
    path = _write_input(module, ids, times, tmp_path / f"lgn.{module}")
    theirs = SpikeTrains.load(str(path), file_type=module)
    ours = read_spikes_csv(path) if module == "csv" else read_spikes_nwb(path, "lgn")
    for node in range(8):
        mine = np.sort(ours["lgn"][1][ours["lgn"][0] == node])
        assert np.array_equal(mine, np.sort(np.asarray(theirs.get_times(node_id=node), dtype=float)))
    inputs = {"lgn": {"input_type": "spikes", "module": module, "input_file": str(path), "node_set": "lgn"}}
    output = {"output_dir": str(tmp_path / "out"), "spikes_file": "spikes.h5", "spikes_sort_order": "by_id"}
    config = _config(
        circuit, tmp_path / "c.json", tmp_path / "out", inputs=inputs, output=output, reports=None
    )
    run_config(config, RunOptions(device="cpu", dtype="float64", network_cache=cache, progress=False))
    reference = _config(circuit, tmp_path / "h5.json", tmp_path / "h5", reports=None)
    run_config(reference, RunOptions(device="cpu", dtype="float64", network_cache=cache, progress=False))
    assert _spike_steps(tmp_path / "out" / "spikes.h5", DT) == _spike_steps(tmp_path / "h5" / "spikes.h5", DT)
    node_ids = read_spikes(tmp_path / "out" / "spikes.h5")["v1"][0]
    assert np.all(np.diff(node_ids) >= 0) and spike_sorting(tmp_path / "out" / "spikes.h5") == {"v1": "by_id"}


def test_run_keys(circuit: Path, tmp_path: Path) -> None:
    from v1sim.errors import V1SimInputError
    from v1sim.sonata.simulation_config import load_simulation_config

    run = {"duration": 120.0, "tstop": 999.0, "dt": 0.1, "n_thread": 3, "block_run": True, "block_size": 100}
    config = load_simulation_config(_config(circuit, tmp_path / "a.json", tmp_path / "out", run=run))
    assert (config.tstop_ms, config.dt_ms, config.threads) == (120.0, 0.1, 3)
    assert config.reports[0].interval_ms == 0.1  # a report without interval samples every dt
    overridden = load_simulation_config(
        tmp_path / "a.json", tstop_ms=50.0, dt_ms=0.5, output_dir=tmp_path / "x"
    )
    assert (overridden.tstop_ms, overridden.dt_ms) == (50.0, 0.5)
    assert overridden.output.spikes_file == (tmp_path / "x" / "spikes.h5").resolve()
    assert overridden.reports[1].path == (tmp_path / "x" / "win.h5").resolve()
    for bad, field in [
        ({"tstop": 10.0, "dt": 0.1, "n_runs": 2}, "run.n_runs"),
        ({"tstop": 10.0, "dt": 0.1, "block_run": True}, "run.block_size"),
        ({"tstop": 10.0}, "run.dt"),
        ({"tstop": -1.0, "dt": 0.1}, "run.tstop"),
    ]:
        with pytest.raises(V1SimInputError) as error:
            load_simulation_config(_config(circuit, tmp_path / "b.json", tmp_path / "out", run=bad))
        assert error.value.field == field


def _clamp(**params: Any) -> dict[str, Any]:
    return {"input_type": "current_clamp", "module": "IClamp", "node_set": {"population": "v1"}, **params}


# (id, config changes, what the one line must say: field, problem)
BAD = [
    (
        "unknown-input-type",
        {"inputs": {"x": {"input_type": "sike", "module": "sonata", "node_set": "lgn"}}},
        "inputs.x.input_type",
        "unknown input_type 'sike'",
    ),
    ("clamp-without-amp", {"inputs": {"c": _clamp(delay=5.0, duration=10.0)}}, "inputs.c.amp", "missing"),
    (
        "movie-input",
        {"inputs": {"m": {"input_type": "movie", "module": "graiting", "row_size": 120}}},
        "inputs.m.input_type",
        "`v1sim lgn`",
    ),
    (
        "spikes-function",
        {
            "inputs": {
                "f": {"input_type": "spikes", "module": "function", "spikes_function": "f", "node_set": "lgn"}
            }
        },
        "inputs.f.module",
        "Python function",
    ),
    (
        "unknown-spikes-module",
        {
            "inputs": {
                "f": {"input_type": "spikes", "module": "parquet", "input_file": "x", "node_set": "lgn"}
            }
        },
        "inputs.f.module",
        "unknown spikes module 'parquet'",
    ),
    (
        "ecephys",
        {"inputs": {"e": {"input_type": "spikes_file", "module": "ecephys_probe"}}},
        "inputs.e.module",
        "ecephys_probe",
    ),
    (
        "seclamp",
        {"inputs": {"s": {"input_type": "voltage_clamp", "module": "SEClamp"}}},
        "inputs.s.input_type",
        "unknown input_type 'voltage_clamp'",
    ),
    (
        "nwb-clamp-missing",
        {
            "inputs": {
                "n": _clamp(input_type="nwb", file="/local1/Downloads/483111427_ephys.nwb", sweep_id=55)
            }
        },
        "inputs.n.file",
        "file not found: /local1/Downloads/483111427_ephys.nwb",
    ),
    (
        "report-variable",
        {"reports": {"r": {"cells": "v1", "variable_name": "I_syn", "module": "multimeter_report"}}},
        "reports.r.variable_name",
        "'I_syn' is not reported",
    ),
    (
        "report-module",
        {"reports": {"r": {"cells": "v1", "variable_name": "V_m", "module": "netcon_report"}}},
        "reports.r.module",
        "'netcon_report' reports are not supported",
    ),
    (
        "report-interval",
        {"reports": {"r": {"cells": "v1", "variable_name": "V_m", "module": "multimeter", "interval": 0.3}}},
        "reports.r.interval",
        "not a multiple of dt",
    ),
    ("target-simulator", {"target_simulator": "NEURON"}, "target_simulator", "'NEURON'"),
    (
        "nwb-spikes-output",
        {"output": {"output_dir": "$OUTPUT_DIR", "spikes_file_nwb": "s.nwb"}},
        "output.spikes_file_nwb",
        "not written",
    ),
    (
        "sort-order",
        {"output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "s.h5", "spikes_sort_order": "random"}},
        "output.spikes_sort_order",
        "unknown sort order 'random'",
    ),
    # these need the converted network: refused after conversion, before the simulation
    (
        "node-set-missing-property",
        {
            "reports": {
                "r": {
                    "cells": {"population": "v1", "colour": "red"},
                    "variable_name": "V_m",
                    "module": "multimeter_report",
                }
            }
        },
        "reports.r.cells",
        "population 'v1' has no node property 'colour'",
    ),
    (
        "report-unknown-population",
        {
            "reports": {
                "r": {"cells": {"population": "v2"}, "variable_name": "V_m", "module": "multimeter_report"}
            }
        },
        "reports.r.cells",
        "unknown population 'v2'",
    ),
    (
        "report-virtual-cells",
        {"reports": {"r": {"cells": "lgn", "variable_name": "V_m", "module": "multimeter_report"}}},
        "reports.r.cells",
        "virtual population 'lgn'",
    ),
    (
        "clamp-on-unknown-population",
        {"inputs": {"c": {**_clamp(amp=1.0, delay=5.0, duration=1.0), "node_set": {"population": "v3"}}}},
        "inputs.c.node_set",
        "unknown population 'v3'",
    ),
    (
        "spikes-on-simulated-cells",
        {
            "inputs": {
                "s": {
                    "input_type": "spikes",
                    "module": "sonata",
                    "input_file": "$BASE_DIR/lgn_spikes.h5",
                    "node_set": "v1",
                }
            }
        },
        "inputs.s.node_set",
        "population 'v1' is simulated",
    ),
    (
        "two-inputs-one-population",
        {
            "inputs": {
                k: {
                    "input_type": "spikes",
                    "module": "sonata",
                    "input_file": "$BASE_DIR/lgn_spikes.h5",
                    "node_set": "lgn",
                }
                for k in ("a", "b")
            }
        },
        "inputs.b",
        "driven by two spike inputs",
    ),
]


@pytest.mark.parametrize(("changes", "field", "problem"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_refusals_are_one_line_with_no_output(
    circuit: Path,
    cache: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict,
    field: str,
    problem: str,
) -> None:
    config = _config(circuit, tmp_path / "config.json", tmp_path / "out", **changes)
    status = main(["run", str(config), "--network-cache", str(cache), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("v1sim run: error: ") and str(config) in err, err
    assert f": {field}: " in err and problem in err, err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_movie_config_is_refused_at_convert(
    circuit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = {"movie": {"input_type": "movie", "module": "movie", "data_file": "frames.npy"}}
    config = _config(circuit, tmp_path / "config.json", tmp_path / "out", inputs=inputs)
    assert main(["convert", str(config), str(tmp_path / "net"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "inputs.movie.input_type" in err and "v1sim lgn" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "net").exists()
