"""The two real Allen SONATA examples convert to exactly what NEST 3.10 received from bmtk 1.2 PointNet.

``nest_reference/nest_params.json`` holds, per (source population, target population, source model, target
model, synapse model, receptor) group, the connection count and the weight and delay ranges NEST had, and per
node type the parameters NEST's neurons had.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from v1sim.network.convert import convert_circuit

PARAMETER_COLUMNS = {  # NEST name -> nodes.parquet column(s)
    "asc_init": ["asc_init_0", "asc_init_1"],
    "asc_decay": ["asc_decay_0", "asc_decay_1"],
    "asc_amps": ["asc_amps_0", "asc_amps_1"],
    "asc_r": ["asc_r_0", "asc_r_1"],
    "tau_syn": ["tau_syn_1", "tau_syn_2", "tau_syn_3", "tau_syn_4"],
}
#: NEST status entries that are not parameters of the model (bookkeeping of NEST's own).
NOT_PARAMETERS = {
    "model",
    "ASCurrents",
    "ignore_and_spike",
    "ignore_and_spike_interval",
    "ignore_and_spike_offset",
    "threshold_spike",
    "threshold_voltage",
}


def _convert(config: Path, tmp: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    convert_circuit(config, tmp / "out", progress=False)
    nodes = pd.read_parquet(tmp / "out" / "nodes.parquet")
    edges = {p.stem: pd.read_parquet(p) for p in sorted((tmp / "out" / "edges").glob("*.parquet"))}
    return nodes, edges


def _reference(config: Path) -> dict:
    # config: <example>/examples/<name>/<config>.json → <example>/nest_reference/nest_params.json
    return json.loads((config.parents[2] / "nest_reference" / "nest_params.json").read_text())


def _connection_groups(nodes: pd.DataFrame, edges: dict[str, pd.DataFrame]) -> pd.DataFrame:
    model = nodes.set_index(["population", "node_id"])["nest_model"].fillna("spike_generator")
    frames = []
    for table in edges.values():
        src = pd.MultiIndex.from_arrays([table["source_population"].astype(str), table["source_node_id"]])
        trg = pd.MultiIndex.from_arrays([table["target_population"].astype(str), table["target_node_id"]])
        frames.append(
            table.assign(
                src_pop=table["source_population"].astype(str),
                trg_pop=table["target_population"].astype(str),
                src_model=model.loc[src].to_numpy(),
                trg_model=model.loc[trg].to_numpy(),
            )
        )
    all_edges = pd.concat(frames)
    return all_edges.groupby(["src_pop", "trg_pop", "src_model", "trg_model", "receptor"]).agg(
        n=("weight_pa", "size"),
        weight_min=("weight_pa", "min"),
        weight_max=("weight_pa", "max"),
        weight_mean=("weight_pa", "mean"),
        delay_min=("delay_ms", "min"),
        delay_max=("delay_ms", "max"),
    )


@pytest.mark.parametrize("example", ["glif450_config", "point300_config"])
def test_edges_match_what_nest_received(example: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    config = request.getfixturevalue(example)
    nodes, edges = _convert(config, tmp_path)
    ours = _connection_groups(nodes, edges)
    reference = [c for c in _reference(config)["connections"] if c["src_model"] != "multimeter"]
    assert len(ours) == len(reference) >= 2
    for conn in reference:
        assert conn["synapse_model"] == "static_synapse"
        row = ours.loc[
            (conn["src_pop"], conn["trg_pop"], conn["src_model"], conn["trg_model"], conn["receptor"])
        ]
        assert row["n"] == conn["n"]
        for key in ("weight_min", "weight_max", "weight_mean", "delay_min", "delay_max"):
            assert row[key] == pytest.approx(conn[key], rel=1e-12, abs=1e-12), key
    total = sum(c["n"] for c in reference)
    assert total == sum(len(t) for t in edges.values())


@pytest.mark.parametrize("example", ["glif450_config", "point300_config"])
def test_node_parameters_match_what_nest_received(
    example: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    config = request.getfixturevalue(example)
    nodes, _ = _convert(config, tmp_path)
    compared = 0
    for key, node_type in _reference(config)["node_types"].items():
        population, type_id = key.split(":")
        rows = nodes[(nodes["population"] == population) & (nodes["node_type_id"] == int(type_id))]
        assert len(rows) == node_type["n_nodes"] > 0
        if "nest_model" not in node_type:  # virtual nodes: spike generators, no parameters
            assert rows["model_type"].eq("virtual").all()
            continue
        assert rows["nest_model"].eq(node_type["nest_model"]).all()
        for name, value in node_type["nest_params"].items():
            if name in NOT_PARAMETERS:
                continue
            if isinstance(value, list):
                padded = np.full(len(PARAMETER_COLUMNS[name]), np.nan)
                padded[: len(value)] = value
                ours = rows[PARAMETER_COLUMNS[name]].to_numpy(dtype=float)
                np.testing.assert_array_equal(
                    ours, np.broadcast_to(padded, ours.shape), err_msg=f"{key} {name}"
                )
            else:
                assert (rows[name] == value).all(), f"{key} {name}: {rows[name].iloc[0]} != {value}"
            compared += 1
    assert compared >= 20


def test_glif450_has_both_models_and_all_glif_ports(glif450_config: Path, tmp_path: Path) -> None:
    nodes, edges = _convert(glif450_config, tmp_path)
    v1 = nodes[nodes["population"] == "v1"]
    assert (v1["nest_model"] == "glif_psc").sum() == 300
    assert (v1["nest_model"] == "iaf_psc_alpha").sum() == 150
    assert set(edges["v1_to_v1"]["receptor"]) == {0, 1, 2, 3, 4}
