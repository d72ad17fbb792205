"""Circuit configs: the three layouts, manifest variables (nested, ${configdir}), relative paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.circuits import CircuitSpec, make_circuit
from v1sim.errors import V1SimInputError
from v1sim.sonata.config import load_circuit_config, load_json_config


@pytest.mark.parametrize("kind", ["circuit", "simulation", "combined"])
def test_every_layout_names_the_same_files(tmp_path: Path, kind: str) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec(config_kind=kind))
    circuit = load_circuit_config(config)
    assert [f.nodes_file.name for f in circuit.nodes] == ["v1_nodes.h5", "lgn_nodes.h5"]
    assert [f.edges_file.name for f in circuit.edges] == ["v1_v1_edges.h5", "lgn_v1_edges.h5"]
    assert all(f.nodes_file.is_absolute() and f.nodes_file.is_file() for f in circuit.nodes)
    assert circuit.point_neuron_models_dirs == [(tmp_path / "c" / "components" / "cell_models").resolve()]
    if kind != "circuit":
        assert circuit.simulation["run"]["dt"] == 0.25


def test_nested_manifest_variables_and_configdir(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    config = tmp_path / "sub" / "c.json"
    config.write_text(
        json.dumps(
            {
                "manifest": {"$A": "${configdir}/x", "$B": "$A/y", "${C}": "${B}/z"},
                "networks": {"nodes": [{"nodes_file": "$C/n.h5", "node_types_file": "rel/t.csv"}]},
            }
        )
    )
    data = load_json_config(config)
    entry = data["networks"]["nodes"][0]
    assert entry["nodes_file"] == str(tmp_path / "sub" / "x" / "y" / "z" / "n.h5")
    assert entry["node_types_file"] == str((tmp_path / "sub" / "rel" / "t.csv").resolve())


def test_manifest_cycle_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"manifest": {"$A": "$B/x", "$B": "$A/y"}, "networks": {}}))
    with pytest.raises(V1SimInputError, match="refer to each other"):
        load_json_config(config)


def test_disabled_edge_files_are_skipped(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec())
    data = json.loads(config.read_text())
    data["networks"]["edges"][1]["enabled"] = False
    config.write_text(json.dumps(data))
    assert [f.edges_file.name for f in load_circuit_config(config).edges] == ["v1_v1_edges.h5"]


def test_a_config_without_networks_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"run": {"dt": 0.1}}))
    with pytest.raises(V1SimInputError, match="networks") as info:
        load_circuit_config(config)
    assert info.value.path == str(config)
