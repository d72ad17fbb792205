"""The Parquet tables, the CSR matrices, the compiled network and the Julia HDF5 say the same thing."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from tests.circuits import CircuitSpec, make_circuit
from v1sim.network.compiled import read_compiled
from v1sim.network.convert import convert_circuit


@pytest.fixture(
    scope="module", params=[{}, {"node_id_stride": 7, "per_edge_delay": True}], ids=["plain", "sparse-ids"]
)
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consistency")
    config = make_circuit(root / "c", CircuitSpec(n_edges=900, **request.param))
    convert_circuit(config, root / "out", progress=False, chunk_edges=250)  # several chunks per population
    return root / "out"


def _tables(out: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    nodes = pd.read_parquet(out / "nodes.parquet")
    edges = {p.stem: pd.read_parquet(p) for p in (out / "edges").glob("*.parquet")}
    return nodes, edges


def _engine_index(nodes: pd.DataFrame, population: pd.Series, node_id: pd.Series) -> np.ndarray:
    lookup = nodes.set_index(["population", "node_id"])["engine_index"]
    return lookup.loc[pd.MultiIndex.from_arrays([population.astype(str), node_id])].to_numpy()


def _pop_index(nodes: pd.DataFrame, population: str, node_id: pd.Series) -> np.ndarray:
    return nodes[nodes["population"] == population].set_index("node_id").loc[node_id, "pop_index"].to_numpy()


def test_compiled_synapses_equal_parquet_edges(converted: Path) -> None:
    nodes, edges = _tables(converted)
    net = read_compiled(converted / "compiled_network.h5")
    source = np.repeat(np.arange(len(net.indptr) - 1), np.diff(net.indptr))
    ours = pd.DataFrame(
        {
            "source": source,
            "target": net.target,
            "weight": net.weight_pa,
            "delay": net.delay_ms,
            "population": np.array(net.edge_population_names)[net.edge_population],
        }
    )
    frames = []
    for name, table in edges.items():
        frames.append(
            pd.DataFrame(
                {
                    "source": _engine_index(nodes, table["source_population"], table["source_node_id"]),
                    "target": _engine_index(nodes, table["target_population"], table["target_node_id"]),
                    "weight": table["weight_pa"],
                    "delay": table["delay_ms"],
                    "population": name,
                }
            )
        )
    parquet = pd.concat(frames)
    assert len(ours) == len(parquet) > 1000
    key = ["source", "target", "population", "weight", "delay"]
    pd.testing.assert_frame_equal(
        ours.sort_values(key).reset_index(drop=True),
        parquet[ours.columns].sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    # grouped by source, targets ascending within each source
    assert np.all(np.diff(source) >= 0)
    same = np.diff(source) == 0
    assert np.all(np.diff(net.target)[same] >= 0)


def test_compiled_ports_follow_receptors_and_models(converted: Path) -> None:
    nodes, _ = _tables(converted)
    net = read_compiled(converted / "compiled_network.h5")
    model = net.model_code[net.target]
    iaf = model == 1
    assert np.array_equal(net.port[iaf], np.where(net.weight_pa[iaf] > 0, 0, 1))
    assert set(np.unique(net.port[~iaf])) == {0, 1, 2, 3}
    glif = nodes[nodes["nest_model"] == "glif_psc"]
    start = net.port_start
    assert (net.n_ports[glif["engine_index"]] == 4).all()
    first = start[glif["engine_index"].to_numpy()]
    taus = np.stack([net.port_tau_ms[first + p] for p in range(4)], axis=1)
    np.testing.assert_array_equal(taus, glif[[f"tau_syn_{p}" for p in range(1, 5)]])
    iaf_nodes = nodes[nodes["nest_model"] == "iaf_psc_alpha"]
    iaf_first = start[iaf_nodes["engine_index"].to_numpy()]
    np.testing.assert_array_equal(net.port_tau_ms[iaf_first], iaf_nodes["tau_syn_ex"])
    np.testing.assert_array_equal(net.port_tau_ms[iaf_first + 1], iaf_nodes["tau_syn_in"])
    np.testing.assert_array_equal(
        net.scalars["g"][iaf_nodes["engine_index"]], iaf_nodes["C_m"] / iaf_nodes["tau_m"]
    )


def test_csr_matrices_equal_parquet_edges(converted: Path) -> None:
    nodes, edges = _tables(converted)
    for name, table in edges.items():
        source_pop, target_pop = table["source_population"].iloc[0], table["target_population"].iloc[0]
        matrix = sp.load_npz(converted / "connectome" / f"{name}.npz")
        rows = _pop_index(nodes, target_pop, table["target_node_id"])
        cols = _pop_index(nodes, source_pop, table["source_node_id"])
        expected = sp.coo_matrix((table["weight_pa"], (rows, cols)), shape=matrix.shape).tocsr()
        assert matrix.shape == (
            (nodes["population"] == target_pop).sum(),
            (nodes["population"] == source_pop).sum(),
        )
        assert matrix.nnz == len(table) > 50
        assert abs(matrix - expected).max() == 0


def test_julia_csc_equals_parquet_edges(converted: Path) -> None:
    nodes, edges = _tables(converted)
    with h5py.File(converted / "connectome.h5") as h5:
        assert h5.attrs["index_base"] == 1
        for name, table in edges.items():
            group = h5["edges"][name]
            colptr, rowval = group["colptr"][:], group["rowval"][:]
            m, n = int(group.attrs["m"]), int(group.attrs["n"])
            assert colptr[0] == 1 and colptr[-1] == len(rowval) + 1 and len(colptr) == n + 1
            assert rowval.min() >= 1 and rowval.max() <= m
            cols = np.repeat(np.arange(n), np.diff(colptr))
            source_pop = group.attrs["source_population"]
            target_pop = group.attrs["target_population"]
            ids_src = h5["nodes"][source_pop]["node_id"][:]
            ids_trg = h5["nodes"][target_pop]["node_id"][:]
            julia = pd.DataFrame(
                {
                    "source_node_id": ids_src[cols],
                    "target_node_id": ids_trg[rowval - 1],
                    "weight_pa": group["nzval"][:],
                    "delay_ms": group["delay_ms"][:],
                    "receptor": group["receptor"][:],
                }
            )
            parquet = table[julia.columns]
            key = list(julia.columns)
            pd.testing.assert_frame_equal(
                julia.sort_values(key).reset_index(drop=True),
                parquet.sort_values(key).reset_index(drop=True),
                check_dtype=False,
            )
            assert not group.attrs["duplicate_entries"]
            np.testing.assert_array_equal(
                ids_src, np.sort(nodes.loc[nodes["population"] == source_pop, "node_id"])
            )


def test_node_index_maps_agree(converted: Path) -> None:
    nodes, _ = _tables(converted)
    net = read_compiled(converted / "compiled_network.h5")
    assert np.array_equal(nodes["engine_index"], np.arange(len(nodes)))
    assert np.array_equal(net.node_id, nodes["node_id"])
    assert [net.population_names[c] for c in net.node_population] == list(nodes["population"])
    assert net.n_neurons == (nodes["model_type"] != "virtual").sum()
    assert np.array_equal(
        net.engine_index("v1", nodes.loc[nodes.population == "v1", "node_id"].to_numpy()[::-1]),
        np.arange(net.n_neurons)[::-1],
    )
