"""IClamp inputs become the step_current_generators NEST received through bmtk 1.2 PointNet.

``nest_reference/<example>/<config>/nest_params.json`` records each generator as NEST held it (amplitude times
and values, target NEST ids, connection weight and delay); the cortex population's NEST ids are its node ids + 1
(created first, in node-id order: the multimeter's targets confirm it). The clamp forms are also read side by side
with bmtk's own readers (``AmpsReader``, ``CSVAmpReader``, ``NWBReader``).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_shared
from v1sim.errors import V1SimInputError
from v1sim.inputs.iclamp import ClampSteps, read_clamp_steps, step_schedule
from v1sim.sonata.node_sets import NodeSetResolver, Where
from v1sim.sonata.nodes import read_node_populations
from v1sim.sonata.simulation_config import load_simulation_config

CLAMP_CONFIGS = [
    ("point_120cells", "config.simulation_iclamp"),
    ("point_120cells", "config.simulation_iclamp.aslist"),
    ("point_120cells", "config.simulation_iclamp.csv"),
    ("point_120cells", "config.simulation_perturbations"),
    ("point_iclamp", "config.simulation_iclamp"),
    ("point_iclamp", "config.simulation_iclamp.aslist"),
    ("point_iclamp", "config.simulation_iclamp.csv"),
]


def _node_table(config) -> pd.DataFrame:
    frames = [
        pop.table.assign(population=pop.name)
        for f in config.circuit.nodes
        for pop in read_node_populations(f)
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(("example", "name"), CLAMP_CONFIGS, ids=[f"{e}/{n}" for e, n in CLAMP_CONFIGS])
def test_clamps_are_the_generators_nest_received(
    example: str, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = require_shared("sonata", "bmtk_point", "examples", example)
    reference = json.loads(
        (
            require_shared("sonata", "bmtk_point", "nest_reference", example, name) / "nest_params.json"
        ).read_text()
    )
    monkeypatch.chdir(folder)  # as bmtk users run it
    config = load_simulation_config(folder / f"{name}.json", output_dir=tmp_path / "out")
    generators = reference["step_current_generators"]
    assert len(config.clamps) == len(generators)
    resolver = NodeSetResolver(_node_table(config), config.node_sets, config.node_sets_file)
    (multimeter,) = reference["multimeters"]
    (report,) = config.reports
    cells = resolver.resolve(report.cells, Where(config.where, "reports"))
    assert (cells["cortex"] + 1).tolist() == multimeter["target_nest_ids"]  # cortex NEST id = node id + 1
    assert report.interval_ms == multimeter["interval"] and report.stop_ms == multimeter["stop"]
    for clamp, generator in zip(config.clamps, generators, strict=True):
        assert clamp.amplitude_times_ms.tolist() == generator["amplitude_times"]
        assert clamp.amplitude_values_pa.tolist() == generator["amplitude_values"]
        targets = resolver.resolve(clamp.node_set, Where(config.where, clamp.where))
        assert list(targets) == ["cortex"]
        assert (targets["cortex"] + 1).tolist() == generator["target_nest_ids"]
        assert generator["conn_weight"] == [1.0] and generator["conn_delay"] == [config.dt_ms]
        assert generator["conn_receptor"] == [0]


def test_clamp_forms_read_as_bmtk_reads_them(tmp_path: Path) -> None:
    from bmtk.simulator.core.modules.iclamp import AmpsReader, CSVAmpReader, NWBReader

    scalar = {"input_type": "current_clamp", "amp": 0.15, "delay": 500.0, "duration": 500.0}
    lists = {"input_type": "current_clamp", "amp": [0.1, -0.2], "delay": [5.0, 7.0], "duration": [1.0, 4.0]}
    csv = tmp_path / "steps.csv"
    csv.write_text("t,a\n1.0,2.5\n3.0,0.0\n4.5,-1.0\n")
    table = {
        "input_type": "csv",
        "file": str(csv),
        "separator": ",",
        "timestamps_column": "t",
        "amplitudes_column": "a",
    }
    nwb = tmp_path / "sweeps.nwb"
    with h5py.File(nwb, "w") as h5:
        series = h5.create_group("epochs/Sweep_55/stimulus/timeseries")
        series["data"] = np.sin(np.arange(400) / 9.0) * 1e-10  # amperes
        series.create_dataset("starting_time", data=0.0).attrs["rate"] = 200000.0  # Hz: 0.005 ms
    sweeps = [
        {"input_type": "nwb", "file": str(nwb), "sweep_id": 55},
        {"input_type": "allen", "file": str(nwb), "sweep_id": "55", "downsample": 0.02, "delay": 3.0},
        {"input_type": "nwb", "file": str(nwb), "sweep_id": 55, "sweep_window": [0.5, 1.2]},
    ]
    pairs = [(scalar, AmpsReader), (lists, AmpsReader), (table, CSVAmpReader)] + [
        (s, NWBReader) for s in sweeps
    ]
    for spec, reader in pairs:
        theirs = reader(**spec)
        ours = read_clamp_steps(spec, "config.json", "inputs.c")
        assert np.array_equal(ours.onsets_ms, np.asarray(theirs.delays, dtype=float)), spec
        assert np.array_equal(ours.amps, np.asarray(theirs.amps, dtype=float)), spec
        if theirs.has_delays:
            assert np.array_equal(ours.durations_ms, np.asarray(theirs.durations, dtype=float))
        else:
            assert ours.durations_ms is None


def test_pointnet_schedule_rules() -> None:
    """PointNet skips onsets at or before dt (with their switch-off) and switches off at delay + duration unless
    the next onset comes first."""
    steps = ClampSteps(
        np.array([0.1, 5.0, 7.0, 20.0]), np.array([9.0, 1.0, 2.0, 3.0]), np.array([3.0, 4.0, 1.0, 2.0])
    )
    times, values = step_schedule(steps, 0.1)
    assert times.tolist() == [5.0, 7.0, 8.0, 20.0, 22.0]  # 5 + 4 > 7: no switch-off before the next onset
    assert values.tolist() == [1.0, 2.0, 0.0, 3.0, 0.0]
    csv_like = ClampSteps(np.array([1.0, 3.0]), np.array([2.5, 0.0]), None)
    assert step_schedule(csv_like, 0.25)[0].tolist() == [1.0, 3.0]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (ClampSteps(np.array([5.0, 5.0]), np.array([1.0, 2.0]), None), "step times must increase"),
        (
            ClampSteps(np.array([5.0, 3.0]), np.array([1.0, 2.0]), np.array([1.0, 1.0])),
            "step times must increase",
        ),
        (ClampSteps(np.array([5.05]), np.array([1.0]), np.array([1.0])), "5.05 ms is not a multiple of dt"),
    ],
)
def test_what_nest_would_refuse_is_one_line(steps: ClampSteps, message: str) -> None:
    with pytest.raises(V1SimInputError, match=message) as error:
        step_schedule(steps, 0.1, "config.json", "inputs.c")
    assert error.value.message.startswith("config.json: inputs.c: ")


@pytest.mark.parametrize(
    ("spec", "field", "problem"),
    [
        ({"input_type": "current_clamp", "delay": 1.0, "duration": 2.0}, "inputs.c.amp", "missing"),
        (
            {"input_type": "current_clamp", "amp": [1, 2], "delay": [1.0], "duration": [1, 2]},
            "inputs.c",
            "same length",
        ),
        (
            {"input_type": "current_clamp", "amp": "big", "delay": 1.0, "duration": 2.0},
            "inputs.c.amp",
            "a number",
        ),
        ({"input_type": "vclamp", "amp": 1}, "inputs.c.input_type", "unknown IClamp input_type 'vclamp'"),
        ({"input_type": "csv"}, "inputs.c.file", "missing"),
        (
            {"input_type": "nwb", "file": "/nowhere/483111427_ephys.nwb", "sweep_id": 55},
            "inputs.c.file",
            "file not found: /nowhere/483111427_ephys.nwb",
        ),
    ],
)
def test_bad_clamps_name_the_field(spec: dict, field: str, problem: str) -> None:
    with pytest.raises(V1SimInputError) as error:
        read_clamp_steps(spec, "config.json", "inputs.c")
    assert error.value.message.startswith(f"config.json: {field}: ") and problem in error.value.message
