"""Cell-model files become the parameters NEST 3 creates, in each of the three file forms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.circuits import ALLEN_GLIF, CircuitSpec, make_circuit
from v1sim.errors import V1SimInputError
from v1sim.models.nest_defaults import (
    GLIF_PSC_DEFAULTS,
    GLIF_PSC_DOUBLE_ALPHA_DEFAULTS,
    IAF_PSC_ALPHA_DEFAULTS,
    IAF_PSC_DELTA_DEFAULTS,
    IAF_PSC_EXP_DEFAULTS,
)
from v1sim.models.params import nest_neuron_params
from v1sim.network.convert import convert_circuit

PARAMS = [
    "V_m",
    "E_L",
    "V_th",
    "V_reset",
    "g",
    "C_m",
    "t_ref",
    "asc_decay_0",
    "asc_decay_1",
    "asc_amps_0",
    "asc_amps_1",
    "tau_syn_1",
    "tau_syn_4",
    "after_spike_currents",
]


def _glif_rows(tmp_path: Path, form: str) -> pd.DataFrame:
    config = make_circuit(tmp_path / form, CircuitSpec(glif_form=form))
    convert_circuit(config, tmp_path / f"{form}-out", progress=False)
    nodes = pd.read_parquet(tmp_path / f"{form}-out" / "nodes.parquet")
    return nodes[nodes["nest_model"] == "glif_psc"]


def test_nest_214_form_is_nest_3_glif_psc(tmp_path: Path) -> None:
    """``glif_lif_asc_psc`` files of NEST 2.14 (``k`` for ``asc_decay``) give the same neurons as glif_psc files."""
    nest3, nest214 = _glif_rows(tmp_path, "nest3"), _glif_rows(tmp_path, "nest214")
    assert len(nest3) > 0 and nest214["after_spike_currents"].all()
    pd.testing.assert_frame_equal(
        nest3[PARAMS].reset_index(drop=True), nest214[PARAMS].reset_index(drop=True)
    )


def test_allen_form_converts_as_bmtk_does() -> None:
    """Our Allen GLIF conversion equals bmtk 1.2's own converter for NEST ≥ 3 (``converter_builtin``)."""
    glif_utils = pytest.importorskip("bmtk.simulator.pointnet.glif_utils")
    template, theirs = glif_utils.converter_builtin(
        "nest:glif_lif_asc_psc", json.loads(json.dumps(ALLEN_GLIF))
    )
    model, ours = nest_neuron_params("glif_lif_asc_psc", ALLEN_GLIF, Path("allen.json"))
    assert (template, model) == ("nest:glif_psc", "glif_psc")
    for key, value in theirs.items():
        assert np.allclose(ours[key], value, rtol=1e-15, atol=0), key
    assert ours["asc_r"] == [1.0, 1.0]  # NEST default, not in the Allen file


def test_missing_parameters_take_nest_defaults() -> None:
    _, iaf = nest_neuron_params("iaf_psc_alpha", {"E_L": -75.0}, Path("x.json"))
    assert iaf["V_m"] == -70.0 and iaf["tau_syn_ex"] == 2.0 and iaf["E_L"] == -75.0
    _, glif = nest_neuron_params("glif_psc", {"E_L": -60.0}, Path("x.json"))
    assert glif["V_m"] == -78.85 and glif["tau_syn"] == [2.0] and glif["asc_r"] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"C_m": -1.0}, "C_m"),
        ({"tau_syn": [1, 2, -3]}, "tau_syn"),
        ({"tau_syn": []}, "tau_syn"),
        ({"after_spike_currents": True, "asc_amps": [1.0, 2.0, 3.0]}, "asc_amps"),
        ({"g": "fast"}, "g"),
        ({"spike_dependent_threshold": 1}, "spike_dependent_threshold"),
    ],
)
def test_impossible_glif_parameters_are_named(params: dict, field: str) -> None:
    with pytest.raises(V1SimInputError) as info:
        nest_neuron_params("glif_psc", params, Path("cell.json"))
    assert info.value.field == field and info.value.path == "cell.json"


NEST_PROBE = """
import json, sys, nest
out = {}
for model in json.loads(sys.argv[1]):
    d = nest.GetDefaults(model)
    out[model] = {k: (list(map(float, v)) if hasattr(v, "__len__") and not isinstance(v, str) else v)
                  for k, v in d.items() if k in json.loads(sys.argv[1])[model]}
print("RESULT" + json.dumps(out))
"""


def test_default_table_matches_installed_nest() -> None:
    """Our table of NEST defaults is what NEST 3.10 itself reports (NEST runs in its own process)."""
    pytest.importorskip(
        "nest", reason="nest-simulator is part of the test environment (pip install -e .[dev])"
    )
    tables = {
        "glif_psc": GLIF_PSC_DEFAULTS,
        "glif_psc_double_alpha": GLIF_PSC_DOUBLE_ALPHA_DEFAULTS,
        "iaf_psc_alpha": IAF_PSC_ALPHA_DEFAULTS,
        "iaf_psc_delta": IAF_PSC_DELTA_DEFAULTS,
        "iaf_psc_exp": IAF_PSC_EXP_DEFAULTS,
    }
    keys = {model: list(table) for model, table in tables.items()}
    result = subprocess.run(
        [sys.executable, "-c", NEST_PROBE, json.dumps(keys)],
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_WAIT_POLICY": "PASSIVE", "PATH": ""},
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    nest_defaults = json.loads(line[len("RESULT") :])
    for model, table in tables.items():
        assert nest_defaults[model] == table, model
