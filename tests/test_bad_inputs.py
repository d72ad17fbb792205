"""Bad input: one clear line naming the file and the field, exit status 2, and no output folder at all."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import assert_convert_refused
from v1sim.cli import main

NET = Path("network")


def _edit_h5(path: Path, dataset: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    with h5py.File(path, "a") as h5:
        values = change(h5[dataset][:])
        attrs = dict(h5[dataset].attrs)
        del h5[dataset]
        h5[dataset] = values
        h5[dataset].attrs.update(attrs)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _set_edge_type(root: Path, column: str, value: str, row: int = 1) -> None:
    """Set one cell of the V1 edge types table (row 1 is edge type 100, an E→glif type)."""
    path = root / NET / "v1_v1_edge_types.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(" ")
    cells = lines[row].split(" ")
    cells[header.index(column)] = value
    lines[row] = " ".join(cells)
    path.write_text("\n".join(lines) + "\n")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _undefined_variable(root: Path) -> None:
    config = json.loads((root / "circuit_config.json").read_text())
    config["networks"]["nodes"][0]["nodes_file"] = "$MISSING_DIR/v1_nodes.h5"
    (root / "circuit_config.json").write_text(json.dumps(config))


# (id, change to the circuit, circuit spec knobs, what the message must name: file, field, problem)
CASES = [
    (
        "missing-nodes-file",
        lambda r: (r / NET / "v1_nodes.h5").unlink(),
        {},
        ("circuit_config.json", "networks.nodes[0].nodes_file", "file not found"),
    ),
    (
        "missing-types-csv",
        lambda r: (r / NET / "v1_node_types.csv").unlink(),
        {},
        ("circuit_config.json", "networks.nodes[0].node_types_file", "file not found"),
    ),
    (
        "node-type-absent-from-csv",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5",
            "nodes/v1/node_type_id",
            lambda v: np.where(np.arange(len(v)) == 5, 999, v),
        ),
        {},
        ("v1_node_types.csv", "node_type_id", "node_type_id 999"),
    ),
    (
        "edge-to-missing-node",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/target_node_id",
            lambda v: np.where(np.arange(len(v)) == 3, 12345, v),
        ),
        {},
        ("v1_v1_edges.h5", "target_node_id", "absent from population 'v1' (first: 12345)"),
    ),
    (
        "unknown-node-population",
        lambda r: (
            h5py.File(r / NET / "lgn_v1_edges.h5", "a")
            .__enter__()
            .__getitem__("edges/lgn_to_v1/source_node_id")
            .attrs.__setitem__("node_population", "thalamus")
        ),
        {},
        ("lgn_v1_edges.h5", "node_population", "unknown node population 'thalamus'"),
    ),
    (
        "nan-weight-per-edge",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/0/syn_weight",
            lambda v: np.where(np.arange(len(v)) == 7, np.nan, v),
        ),
        {"per_edge_weight": True},
        ("v1_v1_edges.h5", "syn_weight", "edge 7 has no weight (NaN"),
    ),
    (
        "nan-weight-in-types",
        lambda r: _set_edge_type(r, "syn_weight", "nan"),
        {},
        ("v1_v1_edge_types.csv", "syn_weight", "NaN"),
    ),
    (
        "infinite-weight",
        lambda r: _set_edge_type(r, "syn_weight", "inf"),
        {},
        ("v1_v1_edge_types.csv", "syn_weight", "infinite"),
    ),
    (
        "negative-delay",
        lambda r: _set_edge_type(r, "delay", "-1.0"),
        {},
        ("v1_v1_edge_types.csv", "delay", "edge type 100 gives delay -1.0 ms"),
    ),
    (
        "negative-delay-per-edge",
        lambda r: _edit_h5(r / NET / "v1_v1_edges.h5", "edges/v1_to_v1/0/delay", lambda v: -v),
        {"per_edge_delay": True},
        ("v1_v1_edges.h5", "delay", "edge 0 has delay -"),
    ),
    (
        "missing-cell-model-file",
        lambda r: (r / "components" / "cell_models" / "glif_i.json").unlink(),
        {},
        ("v1_node_types.csv", "dynamics_params", "'glif_i.json' not found"),
    ),
    (
        "missing-synapse-model-file",
        lambda r: (r / "components" / "synaptic_models" / "e2e.json").unlink(),
        {},
        ("v1_v1_edge_types.csv", "dynamics_params", "'e2e.json' not found"),
    ),
    (
        "unknown-model-template",
        lambda r: _replace(r / NET / "v1_node_types.csv", "nest:iaf_psc_alpha", "nest:hh_psc_alpha"),
        {},
        ("v1_node_types.csv", "model_template", "unknown model template 'nest:hh_psc_alpha'"),
    ),
    (
        "unknown-weight-function",
        lambda r: _set_edge_type(r, "weight_function", "DirectionRule_XY"),
        {},
        ("v1_v1_edge_types.csv", "weight_function", "unknown weight function 'DirectionRule_XY'"),
    ),
    (
        "truncated-hdf5",
        lambda r: _truncate(r / NET / "v1_v1_edges.h5"),
        {},
        ("v1_v1_edges.h5", "", "not a readable HDF5 file"),
    ),
    (
        "float-node-ids",
        lambda r: _edit_h5(r / NET / "v1_nodes.h5", "nodes/v1/node_id", lambda v: v.astype(float)),
        {},
        ("v1_nodes.h5", "/nodes/v1/node_id", "expected an integer dtype, found float64"),
    ),
    (
        "node-group-index-out-of-range",
        lambda r: _edit_h5(r / NET / "v1_nodes.h5", "nodes/v1/node_group_index", lambda v: v + 1),
        {},
        ("v1_nodes.h5", "/nodes/v1/0/", "out of range"),
    ),
    (
        "edge-group-index-out-of-range",
        lambda r: _edit_h5(r / NET / "v1_v1_edges.h5", "edges/v1_to_v1/edge_group_index", lambda v: v + 5),
        {},
        ("v1_v1_edges.h5", "edge_group_index", "out of range"),
    ),
    (
        "duplicate-node-ids",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5", "nodes/v1/node_id", lambda v: np.where(np.arange(len(v)) == 4, v[2], v)
        ),
        {},
        ("v1_nodes.h5", "/nodes/v1/node_id", "node id 2 appears more than once"),
    ),
    (
        "undefined-manifest-variable",
        _undefined_variable,
        {},
        ("circuit_config.json", "networks.nodes[0].nodes_file", "undefined manifest variable $MISSING_DIR"),
    ),
    (
        "unknown-edge-type",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/edge_type_id",
            lambda v: np.where(np.arange(len(v)) == 0, 777, v),
        ),
        {},
        ("v1_v1_edges.h5", "edge_type_id", "edge_type_id 777 is absent"),
    ),
    (
        "receptor-not-a-port",
        lambda r: (r / "components" / "synaptic_models" / "e2e.json").write_text('{"receptor_type": 7}'),
        {},
        ("v1_v1_edge_types.csv", "receptor_type", "receptor_type 7"),
    ),
    (
        "missing-tuning-angle",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5",
            "nodes/v1/0/tuning_angle",
            lambda v: np.where(np.arange(len(v)) == 2, np.nan, v),
        ),
        {},
        ("v1_nodes.h5", "tuning_angle", "no numeric value"),
    ),
    (
        "types-csv-without-id-column",
        lambda r: _replace(r / NET / "lgn_node_types.csv", "node_type_id", "type_id"),
        {},
        ("lgn_node_types.csv", "node_type_id", "column is missing"),
    ),
    (
        "bad-cell-parameter",
        lambda r: _replace(r / "components" / "cell_models" / "iaf_e.json", '"tau_m"', '"tau_membrane"'),
        {},
        ("iaf_e.json", "tau_membrane", "not a parameter of NEST's iaf_psc_alpha"),
    ),
    (
        "config-not-json",
        lambda r: (r / "circuit_config.json").write_text("{networks: "),
        {},
        ("circuit_config.json", "", "not valid JSON"),
    ),
]


@pytest.mark.parametrize(("change", "knobs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None],
    knobs: dict,
    expected: tuple,
) -> None:
    root = tmp_path / "circuit"
    config = make_circuit(root, CircuitSpec(**knobs))
    change(root)
    assert_convert_refused(capsys, config, tmp_path / "out", expected)


def test_enough_distinct_bad_inputs() -> None:
    assert len({c[0] for c in CASES}) >= 15


def test_exit_status_from_the_command_line(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    (tmp_path / "circuit" / NET / "v1_nodes.h5").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "v1sim", "convert", str(config), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("v1sim convert: error:")
    assert "networks.nodes[0].nodes_file" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_earlier_output_is_kept_when_a_new_run_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    assert main(["convert", str(config), str(tmp_path / "out"), "--no-progress"]) == 0
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*"))
    _set_edge_type(tmp_path / "circuit", "delay", "-2.0")
    assert main(["convert", str(config), str(tmp_path / "out"), "--no-progress"]) == 2
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*")) == before


def test_refuses_to_replace_a_folder_that_is_not_ours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    assert main(["convert", str(config), str(precious), "--no-progress"]) == 2
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert "not an earlier v1sim output" in capsys.readouterr().err
