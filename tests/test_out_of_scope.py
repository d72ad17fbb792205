"""What v1sim does not simulate is refused at convert time (issue 16, Must-show 5, the converter's cases).

Biophysical cells, DiPDE population models and plastic (or any non-static) synapses each give one line naming
the file and the field, saying the model is out of scope and what v1sim runs; exit status 2; no output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import assert_convert_refused
from v1sim.network.convert import convert_circuit
from v1sim.sonata.writer import write_types_csv

NET = Path("network")
SYNAPSES = Path("components") / "synaptic_models"


def _node_type(column_values: dict[str, str], type_id: int = 102) -> Callable[[Path], None]:
    """Change one V1 node type (102 is an iaf_psc_alpha type that nodes use)."""

    def change(root: Path) -> None:
        path = root / NET / "v1_node_types.csv"
        types = pd.read_csv(path, sep=" ")
        for column, value in column_values.items():
            types.loc[types["node_type_id"] == type_id, column] = value
        write_types_csv(path, types)

    return change


def _edge_template(template: str, type_id: int = 100) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / NET / "v1_v1_edge_types.csv"
        types = pd.read_csv(path, sep=" ")
        types.loc[types["edge_type_id"] == type_id, "model_template"] = template
        write_types_csv(path, types)

    return change


def _synapse_json(params: dict) -> Callable[[Path], None]:
    """e2e.json (edge type 100) names its NEST synapse model, as bmtk passes the JSON's keys to nest.Connect."""

    def change(root: Path) -> None:
        (root / SYNAPSES / "e2e.json").write_text(json.dumps(params))

    return change


STDP = {"synapse_model": "stdp_synapse", "tau_plus": 20.0, "lambda": 0.01, "Wmax": 100.0, "receptor_type": 1}
# (id, change, what the line names: file, field, problem)
CASES = [
    (
        "biophysical-cell",
        _node_type({"model_type": "biophysical", "model_template": "ctdb:Biophys1.hoc"}),
        (
            "v1_node_types.csv",
            "model_type (node type 102)",
            "model_type (node type 102): 'biophysical' (model_template 'ctdb:Biophys1.hoc'): biophysical "
            "cells (bmtk BioNet, "
            "NEURON) are out of scope; v1sim runs NEST point neurons",
        ),
    ),
    (
        "dipde-population",
        _node_type({"model_type": "population", "model_template": "dipde:Internal"}),
        (
            "v1_node_types.csv",
            "model_type (node type 102)",
            "population models (bmtk PopNet, DiPDE) are out of scope",
        ),
    ),
    (
        "stdp-template",
        _edge_template("stdp_synapse"),
        (
            "v1_v1_edge_types.csv",
            "model_template",
            "edge type 100: plastic synapses (stdp_synapse) are out of scope: v1sim runs static synapses "
            "(static_synapse)",
        ),
    ),
    (
        "nest-prefixed-tsodyks-template",
        _edge_template("nest:tsodyks2_synapse", type_id=104),
        ("v1_v1_edge_types.csv", "model_template", "edge type 104: plastic synapses (tsodyks2_synapse)"),
    ),
    (
        "bmtk-weight-recorder-copy",
        _edge_template("stdp_synapse_recorder"),
        (
            "v1_v1_edge_types.csv",
            "model_template",
            "plastic synapses (stdp_synapse_recorder) are out of scope",
        ),
    ),
    (
        "other-non-static-template",
        _edge_template("bernoulli_synapse"),
        ("v1_v1_edge_types.csv", "model_template", "synapse model 'bernoulli_synapse' is out of scope"),
    ),
    (
        "stdp-in-synaptic-json",
        _synapse_json(STDP),
        ("e2e.json", "synapse_model", "edge type 100: plastic synapses (stdp_synapse) are out of scope"),
    ),
    (
        "nest2-model-key-in-synaptic-json",
        _synapse_json({"model": "tsodyks_synapse", "U": 0.5}),
        ("e2e.json", "model", "plastic synapses (tsodyks_synapse) are out of scope"),
    ),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_out_of_scope_is_one_line_at_convert(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None],
    expected: tuple[str, str, str],
) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec())
    change(tmp_path / "c")
    assert_convert_refused(capsys, config, tmp_path / "out", expected)


def test_a_nest_template_is_a_point_neuron_whatever_its_model_type(tmp_path: Path) -> None:
    """bmtk PointNet creates any ``nest:`` template in NEST, so such a node is not refused for its model_type."""
    config = make_circuit(tmp_path / "c", CircuitSpec())
    _node_type({"model_type": "biophysical"})(tmp_path / "c")  # keeps nest:iaf_psc_alpha
    convert_circuit(config, tmp_path / "out", progress=False)
    nodes = pd.read_parquet(tmp_path / "out" / "nodes.parquet")
    assert set(nodes.loc[nodes["node_type_id"] == 102, "nest_model"]) == {"iaf_psc_alpha"}
    assert (nodes["model_type"] == "biophysical").sum() >= 1


def test_an_unused_edge_type_is_not_refused(tmp_path: Path) -> None:
    """bmtk reads only the edge types its edges use; so does v1sim (an stdp type no edge uses is harmless)."""
    config = make_circuit(tmp_path / "c", CircuitSpec())
    path = tmp_path / "c" / NET / "v1_v1_edge_types.csv"
    types = pd.read_csv(path, sep=" ")
    extra = types.iloc[[0]].assign(edge_type_id=999, model_template="stdp_synapse")
    write_types_csv(path, pd.concat([types, extra], ignore_index=True))
    convert_circuit(config, tmp_path / "out", progress=False)
