"""Each rule's settings (v1sim.pipeline_settings): only what changes a rule's outputs, null fallbacks resolved
once, grating direction labels that cannot collide."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from snakemake.utils import validate

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import EXAMPLES, REPO, require_shared
from v1sim.analysis.run import AnalysisSettings
from v1sim.analysis.sequences_stage import SequenceSettings
from v1sim.errors import V1SimInputError
from v1sim.graph.run import GraphSettings
from v1sim.pipeline_plan import builtin_facts, circuit_facts, plan_pipeline
from v1sim.pipeline_settings import direction_label, direction_labels, params, resolve_run, resolve_settings

#: The wildcard constraint of a direction label in a file name (digits, an optional decimal part).
LABEL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _config(**changes: dict) -> dict:
    """config.yaml with ``changes`` merged into its sections, validated with the schema's defaults filled in."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for section, values in changes.items():
        config[section] = {**config[section], **values}
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    return config


def _settings(config: dict):
    facts = (
        circuit_facts(config["circuit"]["config"])
        if config["circuit"]["config"]
        else builtin_facts(config["circuit"]["scale"])
    )
    return resolve_settings(config, plan_pipeline(config, facts))


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_direction_labels_read_back_as_the_same_direction_and_never_collide() -> None:
    assert [direction_label(d) for d in (0, 45, 22.5, 90.0, 1e-7, 90.00001, -0.0)] == [
        "0",
        "45",
        "22.5",
        "90",
        "0.0000001",
        "90.00001",
        "0",
    ]
    rng = np.random.default_rng(0)
    directions = [*rng.uniform(0, 360, 2000), *rng.uniform(0, 1e-6, 200), *np.nextafter(90.0, [0, 360])]
    labels = [direction_label(d) for d in directions]
    assert all(LABEL.fullmatch(label) for label in labels)
    assert all(float(label) == d for label, d in zip(labels, directions, strict=True))
    assert len(set(labels)) == len(set(directions))
    assert direction_labels([90, 90.00001, 1e-7]) == {"90": 90.0, "90.00001": 90.00001, "0.0000001": 1e-7}


@pytest.mark.parametrize("same", [[0, 90, 90.0], [-0.0, 45, 0]])
def test_two_directions_with_one_label_are_refused_in_one_line(same: list[float]) -> None:
    with pytest.raises(V1SimInputError) as info:
        direction_labels(same)
    assert info.value.message.startswith("config.yaml: grating.directions_deg: ")
    assert "\n" not in info.value.message and "are the same direction" in info.value.message


def test_each_rule_sees_only_what_changes_its_outputs() -> None:
    settings = _settings(_config())
    assert params(settings.simulate) == {
        "tstop_ms": 1000.0,
        "dt_ms": 0.25,
        "device": "auto",
        "dtype": "float32",
        "seed": 0,
    }
    assert params(settings.nest) == {"tstop_ms": 1000.0, "dt_ms": 0.25}  # no dtype, device, threads
    assert params(settings.poisson["lgn"]) == {"rate_hz": 5.0, "tstop_ms": 1000.0, "seed": 0}
    # the stages' own settings classes take exactly these (threads come from the rule's threads)
    assert set(settings.analysis) == _fields(AnalysisSettings)
    assert set(settings.sequences) == _fields(SequenceSettings)
    assert set(settings.graph) == _fields(GraphSettings) - {"threads"}
    assert settings.sequences["population"] == "v1" and settings.graph["edge_populations"] == ["v1_to_v1"]
    # a trial's jobs see the stimulus, never the list of directions or the number of trials
    assert params(settings.grating_stimulus) == {
        "duration_ms": 1000.0,
        "gray_ms": 200.0,
        "sf_cpd": 0.04,
        "tf_hz": 2.0,
        "contrast": 0.8,
        "seed": 0,
    }
    assert set(params(settings.grating_run)) == {"tstop_ms", "dt_ms", "device", "dtype", "seed"}
    assert settings.tuning.trials == [[float(d), 0] for d in range(0, 360, 45)]
    assert [label for label, _ in settings.grating_trials()] == [str(d) for d in range(0, 360, 45)]
    for value in (params(settings.simulate), settings.analysis, params(settings.tuning)):
        assert repr(value) == repr(json.loads(json.dumps(value)))  # plain values Snakemake can compare


def test_null_run_length_and_step_take_the_circuits_and_reach_every_rule(tmp_path: Path) -> None:
    builtin = _settings(_config(simulate={"tstop_ms": None, "dt_ms": None}))
    assert (builtin.run.tstop_ms, builtin.run.dt_ms) == (1000.0, 0.25)  # the built-in column's V1Spec
    assert builtin.poisson["lgn"].tstop_ms == 1000.0 and builtin.grating_run.dt_ms == 0.25
    assert (builtin.nest.tstop_ms, builtin.nest.dt_ms) == (1000.0, 0.25)

    simulation = make_circuit(tmp_path / "s", CircuitSpec(config_kind="simulation"))  # run: 100 ms, 0.25 ms
    config = _config(circuit={"config": str(simulation)}, simulate={"tstop_ms": None, "dt_ms": None})
    assert resolve_run(config).tstop_ms == 100.0 and _settings(config).simulate.dt_ms == 0.25
    config["simulate"]["dt_ms"] = 0.1  # a value given wins
    assert (resolve_run(config).tstop_ms, resolve_run(config).dt_ms) == (100.0, 0.1)

    bare = make_circuit(tmp_path / "c", CircuitSpec(config_kind="circuit"))  # no run section
    config = _config(circuit={"config": str(bare)}, simulate={"tstop_ms": None})
    with pytest.raises(V1SimInputError) as info:
        resolve_run(config)
    assert info.value.message == f"config.yaml: simulate.tstop_ms: null, and {bare} has no run.tstop to take it from"
    config["simulate"]["tstop_ms"] = 300.0
    assert resolve_run(config).tstop_ms == 300.0


def test_the_reports_a_simulation_config_asks_for_are_known_before_any_job() -> None:
    config = _config(circuit={"config": str(require_shared("sonata", *EXAMPLES["point_120cells"]))})
    assert resolve_run(config).report_files == ("membrane_potential.h5",)
    assert resolve_run(_config()).report_files == ()


def test_impossible_combinations_are_refused_before_any_job() -> None:
    with pytest.raises(V1SimInputError, match=r"^config\.yaml: grating\.gray_ms: 1000\.0 ms leaves nothing"):
        _settings(_config(grating={"gray_ms": 1000.0}))
    with pytest.raises(V1SimInputError, match=r"^config\.yaml: graph\.balance: "):
        _settings(_config(graph={"balance": "load", "use_rates": False}))
