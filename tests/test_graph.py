"""Graph stage: adjacency, communities, METIS partitions, measures and the spike traffic between chips."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

from v1sim.errors import V1SimInputError
from v1sim.graph import measures, partition
from v1sim.graph.adjacency import load_adjacency, symmetrise
from v1sim.graph.communities import canonical_labels, detect_communities
from v1sim.graph.run import GraphSettings, analyse_graph


def planted_graph(sizes, p_in, p_out, seed, directed=True):
    """A weighted stochastic block model: (csr adjacency, planted labels). Weights log-normal; no self-loops."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    n = len(labels)
    p = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    if not directed:
        mask = np.triu(mask)
        mask = mask | mask.T
    weights = mask * rng.lognormal(0.0, 0.5, (n, n))
    return sp.csr_matrix(weights), labels


@pytest.fixture(scope="module")
def planted():
    return planted_graph([300, 200, 120, 80], p_in=0.12, p_out=0.004, seed=3)


@pytest.mark.parametrize("method", ["louvain", "leiden", "leiden_directed"])
def test_planted_communities_are_recovered(planted, method):
    directed, truth = planted
    labels = detect_communities(directed, symmetrise(directed), method, seed=1)
    assert adjusted_rand_score(truth, labels) >= 0.95
    # same seed, same communities
    again = detect_communities(directed, symmetrise(directed), method, seed=1)
    assert np.array_equal(labels, again)


def test_canonical_labels_number_by_size():
    labels = canonical_labels(np.array([7, 7, 3, 3, 3, 9]))
    assert labels.tolist() == [1, 1, 0, 0, 0, 2]


def test_modularity_equals_networkit_and_igraph(planted):
    import igraph
    import networkit as nk

    directed, truth = planted
    undirected = symmetrise(directed)
    upper = sp.triu(undirected, format="coo")
    graph = nk.GraphFromCoo((upper.data, (upper.row, upper.col)), n=undirected.shape[0], weighted=True)
    partition_nk = nk.structures.Partition(len(truth))
    partition_nk.allToSingletons()
    for node, label in enumerate(truth):
        partition_nk.moveToSubset(int(label), node)
    expected = nk.community.Modularity().getQuality(partition_nk, graph)
    assert measures.modularity(undirected, truth) == pytest.approx(expected, abs=1e-10)

    coo = directed.tocoo()
    g = igraph.Graph(n=directed.shape[0], edges=np.column_stack([coo.row, coo.col]).tolist(), directed=True)
    expected_directed = g.modularity(truth.tolist(), weights=coo.data.tolist(), directed=True)
    assert measures.directed_modularity(directed, truth) == pytest.approx(expected_directed, abs=1e-10)


def test_symmetrise_variants():
    a = sp.csr_matrix(np.array([[0, 2.0, 0], [4.0, 0, 1.0], [0, 0, 0]]))
    assert np.allclose(symmetrise(a, "sum").toarray(), [[0, 6, 0], [6, 0, 1], [0, 1, 0]])
    assert np.allclose(symmetrise(a, "max").toarray(), [[0, 4, 0], [4, 0, 1], [0, 1, 0]])
    assert np.allclose(symmetrise(a, "mean").toarray(), [[0, 3, 0], [3, 0, 0.5], [0, 0.5, 0]])
    with pytest.raises(V1SimInputError, match=r"graph.symmetrise"):
        symmetrise(a, "min")


def test_metis_is_balanced_and_beats_random_by_half():
    directed, truth = planted_graph([80] * 8, p_in=0.15, p_out=0.005, seed=5)
    undirected = symmetrise(directed)
    for k in (2, 4, 8):
        parts, record = partition.metis_partition(undirected, k, seed=0)
        assert set(np.unique(parts)) == set(range(k))
        assert measures.balance(parts, k) <= 1.03
        metis = measures.partition_cost(directed, parts, k, None)
        random = measures.partition_cost(directed, partition.random_partition(len(truth), k, 0), k, None)
        assert metis.edge_cut_fraction <= 0.5 * random.edge_cut_fraction
        assert record["edge_weight_scale"] > 0
    # at K = 8 METIS finds the planted groups
    parts, _ = partition.metis_partition(undirected, 8, seed=0)
    assert adjusted_rand_score(truth, parts) >= 0.95
    # same seed, same partition
    assert np.array_equal(parts, partition.metis_partition(undirected, 8, seed=0)[0])


def test_metis_balances_load_when_asked():
    directed, _ = planted_graph([100, 100, 100, 100], p_in=0.1, p_out=0.01, seed=8)
    load = np.where(np.arange(400) < 100, 10.0, 1.0)  # one planted group fires ten times faster
    parts, record = partition.metis_partition(symmetrise(directed), 4, seed=0, vertex_weights=load)
    assert measures.balance(parts, 4, load) <= 1.05
    assert measures.balance(parts, 4) > 1.1  # balancing spikes unbalances the cell counts here
    by_count, _ = partition.metis_partition(symmetrise(directed), 4, seed=0)
    assert measures.balance(by_count, 4, load) > 1.3
    assert "vertex_weight_scale" in record


def brute_force_cost(directed: sp.csr_matrix, parts, rates, k):
    dense = directed.toarray()
    n = len(parts)
    sent, received = np.zeros(k), np.zeros(k)
    cut = unicast = 0.0
    remote_total = 0
    for i in range(n):
        chips = set()
        for j in range(n):
            if dense[i, j] != 0 and parts[i] != parts[j]:
                cut += 1
                unicast += rates[i]
                chips.add(parts[j])
        remote_total += len(chips)
        sent[parts[i]] += rates[i] * len(chips)
        for chip in chips:
            received[chip] += rates[i]
    return cut / np.count_nonzero(dense), remote_total / n, sent, received, unicast


def test_crossing_traffic_equals_brute_force():
    rng = np.random.default_rng(2)
    directed = sp.random(60, 60, density=0.1, random_state=3, format="csr")
    directed.setdiag(0)
    directed.eliminate_zeros()
    rates = rng.gamma(1.0, 5.0, 60)
    parts = rng.integers(0, 5, 60)
    cost = measures.partition_cost(directed, parts, 5, rates)
    cut, remote, sent, received, unicast = brute_force_cost(directed, parts, rates, 5)
    assert cost.edge_cut_fraction == pytest.approx(cut)
    assert cost.remote_chips_per_neuron == pytest.approx(remote)
    assert cost.traffic_hz == pytest.approx(sent.sum())
    assert cost.traffic_hz_worst_out == pytest.approx(sent.max())
    assert cost.traffic_hz_worst_in == pytest.approx(received.max())
    assert cost.unicast_hz == pytest.approx(unicast)
    assert np.isnan(measures.partition_cost(directed, parts, 5, None).traffic_hz)


def test_quantise_records_what_it_did():
    q = partition.quantise(np.array([1e-9, 0.5, 1.0, 2.0]), levels=100)
    assert q.values.tolist() == [1, 25, 50, 100]
    assert q.raised_fraction == 0.25
    assert q.total_relative_error == pytest.approx((176 * 0.02 - 3.500000001) / 3.500000001)
    with pytest.raises(V1SimInputError, match="positive"):
        partition.quantise(np.array([1.0, np.nan]))


def test_baseline_partitions_are_balanced_and_spatial():
    rng = np.random.default_rng(0)
    y = rng.uniform(-900, 0, 1000)
    x, z = rng.normal(size=1000), rng.normal(size=1000)
    for parts in (
        partition.slab_partition(y, 8),
        partition.column_partition(x, z, 8),
        partition.random_partition(1000, 8, 1),
    ):
        assert np.bincount(parts).tolist() == [125] * 8
    slabs = partition.slab_partition(y, 8)
    assert all(y[slabs == a].max() <= y[slabs == a + 1].min() for a in range(7))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"k": 1}, "graph.k"),
        ({"k": 10_000}, "graph.k"),
    ],
)
def test_bad_k(kwargs, field):
    directed, _ = planted_graph([20, 20], 0.3, 0.01, 0)
    with pytest.raises(V1SimInputError, match=field):
        partition.metis_partition(symmetrise(directed), **kwargs)


def test_bad_method_and_resolution():
    directed, _ = planted_graph([20, 20], 0.3, 0.01, 0)
    with pytest.raises(V1SimInputError, match="unknown method 'infomap'"):
        detect_communities(directed, symmetrise(directed), "infomap")
    with pytest.raises(V1SimInputError, match=r"graph.resolution"):
        detect_communities(directed, symmetrise(directed), "louvain", resolution=-1)
    with pytest.raises(V1SimInputError, match="max_edges_directed"):
        detect_communities(directed, symmetrise(directed), "leiden_directed", max_edges_directed=10)
    with pytest.raises(V1SimInputError, match=r"graph.methods"):
        GraphSettings(methods=["louvain", "walktrap"])
    with pytest.raises(V1SimInputError, match=r"graph.k"):
        GraphSettings(k=[4, 1])


# --- on a converted circuit -------------------------------------------------------------------------------


def test_adjacency_equals_the_edge_tables(converted_circuit):
    _, network = converted_circuit
    nodes = pd.read_parquet(network / "nodes.parquet")
    name = _v1_edge_population(network)
    table = pd.read_parquet(network / "edges" / f"{name}.parquet")
    key = {
        (p, i): e
        for p, i, e in zip(nodes["population"], nodes["node_id"], nodes["engine_index"], strict=True)
    }
    for weight, value in (
        ("abs_weight", table["weight_pa"].abs()),
        ("synapses", table["nsyns"]),
        ("binary", 1.0 + 0 * table["nsyns"]),
    ):
        adj = load_adjacency(network, [name], weight)
        position = {e: i for i, e in enumerate(adj.nodes["engine_index"])}
        expected = {}
        for s, si, t, ti, v in zip(
            table["source_population"],
            table["source_node_id"],
            table["target_population"],
            table["target_node_id"],
            value,
            strict=True,
        ):
            pair = (position[key[(s, si)]], position[key[(t, ti)]])
            expected[pair] = expected.get(pair, 0.0) + v
        coo = adj.matrix.tocoo()
        got = {(int(r), int(c)): v for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)}
        assert got.keys() == expected.keys()
        assert all(got[pair] == pytest.approx(expected[pair], rel=1e-12) for pair in got)
        assert adj.n_edges == len(table)
    dropped = load_adjacency(network, [name], "binary", isolated="drop")
    degree = np.asarray(dropped.matrix.sum(0)).ravel() + np.asarray(dropped.matrix.sum(1)).ravel()
    assert (degree > 0).all()


def test_bad_edge_selection(converted_circuit):
    _, network = converted_circuit
    with pytest.raises(V1SimInputError, match="the edge selection is empty"):
        load_adjacency(network, [])
    with pytest.raises(V1SimInputError, match="no edge population 'nope'"):
        load_adjacency(network, ["nope"])
    with pytest.raises(V1SimInputError, match=r"graph.weight"):
        load_adjacency(network, weight="strength")


def _v1_edge_population(network: Path) -> str:
    for path in sorted((network / "edges").glob("*.parquet")):
        table = pd.read_parquet(path, columns=["source_population", "target_population"])
        if (table["source_population"].astype(str) == table["target_population"].astype(str)).all():
            return path.stem
    raise AssertionError("no recurrent edge population")


def test_analyse_graph_writes_every_table_and_figure(converted_circuit, tmp_path):
    from v1sim.graph.run import TABLES
    from v1sim.plots.graph_figures import FIGURES, draw_graph_figures

    _, network = converted_circuit
    settings = GraphSettings(
        edge_populations=[_v1_edge_population(network)], k=[2, 4], methods=["louvain", "leiden"]
    )
    summary = analyse_graph(network, tmp_path / "graph", settings)
    assert all((tmp_path / "graph" / name).is_file() for name in TABLES)
    nodes = pd.read_parquet(tmp_path / "graph" / "nodes.parquet")
    assert {
        "community_louvain",
        "community_leiden",
        "metis_k2",
        "random_k4",
        "slabs_k4",
        "columns_k2",
    } <= set(nodes.columns)
    costs = pd.read_csv(tmp_path / "graph" / "partitions.csv")
    assert len(costs) == 2 * 4 and costs["traffic_hz"].isna().all()
    assert summary["n_nodes"] == len(nodes)
    again = analyse_graph(network, tmp_path / "graph2", settings)
    assert again["communities"][0]["modularity"] == summary["communities"][0]["modularity"]
    assert pd.read_parquet(tmp_path / "graph2" / "nodes.parquet").equals(nodes)

    drawn = draw_graph_figures(tmp_path / "graph", tmp_path / "figures")
    from PIL import Image

    for name in FIGURES:
        image = np.asarray(Image.open(tmp_path / "figures" / name).convert("L"), dtype=float)
        assert image.shape[0] > 200 and image.std() > 5, name  # not blank
        assert (tmp_path / "figures" / name).with_suffix(".svg").is_file()
    assert drawn["figures"] == list(FIGURES)


def test_graph_with_rates_reports_traffic(converted_circuit, tmp_path):
    _, network = converted_circuit
    nodes = pd.read_parquet(network / "nodes.parquet")
    cells = nodes[nodes["model_type"] != "virtual"]
    rng = np.random.default_rng(0)
    rates = pd.DataFrame(
        {
            "population": cells["population"],
            "node_id": cells["node_id"],
            "rate_hz": rng.gamma(2.0, 2.0, len(cells)),
        }
    )
    rates.to_parquet(tmp_path / "neurons.parquet")
    settings = GraphSettings(
        edge_populations=[_v1_edge_population(network)], k=[2], methods=["louvain"], balance="load"
    )
    analyse_graph(network, tmp_path / "graph", settings, rates=tmp_path / "neurons.parquet")
    costs = pd.read_csv(tmp_path / "graph" / "partitions.csv").set_index("scheme")
    assert (costs["traffic_hz"] > 0).all()
    assert costs.loc["metis", "balance_load"] <= 1.1
    with pytest.raises(V1SimInputError, match="needs per-neuron rates"):
        analyse_graph(network, tmp_path / "graph3", settings)


def test_cli_bad_options_exit_2_without_output(converted_circuit, tmp_path):
    _, network = converted_circuit
    cases = [
        ["--k", "1"],
        ["--k", "100000"],
        ["--methods", "infomap"],
        ["--edge-populations", "nope"],
    ]
    for extra in cases:
        out = tmp_path / "out"
        run = subprocess.run(
            [sys.executable, "-m", "v1sim", "graph", str(network), str(out), *extra],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 2, (extra, run.stderr)
        assert run.stderr.startswith("v1sim graph: error:") and len(run.stderr.strip().splitlines()) == 1
        assert not out.exists()
