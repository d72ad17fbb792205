"""Node sets (``v1sim.sonata.node_sets``): by name, population, node ids, node properties, lists and compounds.

Resolved against a converted fixture circuit's ``nodes.parquet``; the forms bmtk 1.2 resolves in this environment
(population, node ids, bmtk's list of ids) are compared with bmtk's own ``NodeSet`` on a real example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_shared
from v1sim.errors import V1SimInputError
from v1sim.sonata.config import load_circuit_config
from v1sim.sonata.node_sets import NodeSetResolver, Where, static_populations
from v1sim.sonata.nodes import read_node_populations

WHERE = Where("config.json", "inputs.x.node_set")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from tests.circuits import CircuitSpec, make_circuit
    from v1sim.network.convert import convert_circuit

    root = tmp_path_factory.mktemp("node_sets")
    convert_circuit(make_circuit(root / "circuit", CircuitSpec()), root / "net", progress=False)
    return pd.read_parquet(root / "net" / "nodes.parquet")


def _expected(nodes: pd.DataFrame, mask: pd.Series) -> dict[str, np.ndarray]:
    picked = nodes[mask]
    return {p: np.sort(g["node_id"].to_numpy()) for p, g in picked.groupby("population", sort=False)}


def _same(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    got = {p: ids for p, ids in got.items() if len(ids)}
    assert set(got) == set(expected)
    for population in expected:
        assert np.array_equal(got[population], expected[population]), population


def test_names_populations_ids_properties_and_lists(nodes: pd.DataFrame) -> None:
    named = {
        "exc": {"population": "v1", "ei": "e"},
        "glif_inh": {"population": "v1", "pop_name": "i4Pvalb"},
        "picked": {"population": "v1", "node_id": [0, 5, 7]},
        "both": ["glif_inh", "picked"],
        "alias": "exc",
    }
    resolver = NodeSetResolver(nodes, named, "node_sets.json")
    v1 = nodes["population"] == "v1"
    _same(resolver.resolve("v1", WHERE), _expected(nodes, v1))
    _same(resolver.resolve("lgn", WHERE), _expected(nodes, nodes["population"] == "lgn"))
    _same(resolver.resolve("all", WHERE), _expected(nodes, nodes["population"].notna()))
    _same(resolver.resolve("exc", WHERE), _expected(nodes, v1 & (nodes["ei"] == "e")))
    _same(resolver.resolve("alias", WHERE), _expected(nodes, v1 & (nodes["ei"] == "e")))
    _same(
        resolver.resolve({"population": "v1", "node_ids": [3, 1]}, WHERE),
        _expected(nodes, v1 & nodes["node_id"].isin([1, 3])),
    )
    # a property with a list of allowed values, and two properties at once (AND)
    spec = {"population": "v1", "pop_name": ["i4Pvalb", "LIF_inh"]}
    _same(
        resolver.resolve(spec, WHERE), _expected(nodes, v1 & nodes["pop_name"].isin(["i4Pvalb", "LIF_inh"]))
    )
    spec = {"population": "v1", "ei": "e", "model_template": "nest:iaf_psc_alpha"}
    mask = v1 & (nodes["ei"] == "e") & (nodes["model_template"] == "nest:iaf_psc_alpha")
    _same(resolver.resolve(spec, WHERE), _expected(nodes, mask))
    # properties of the h5 group (per node) and of the types table, node ids with a property
    angle = float(nodes.loc[v1, "tuning_angle"].iloc[4])
    _same(
        resolver.resolve({"population": "v1", "tuning_angle": angle}, WHERE),
        _expected(nodes, nodes["tuning_angle"] == angle),
    )
    spec = {"population": "v1", "ei": "i", "node_id": list(range(20))}
    _same(
        resolver.resolve(spec, WHERE), _expected(nodes, v1 & (nodes["ei"] == "i") & (nodes["node_id"] < 20))
    )
    # no population named: every population that has the property; a compound node set is the union
    _same(resolver.resolve({"ei": "e"}, WHERE), _expected(nodes, nodes["ei"] == "e"))
    mask = v1 & ((nodes["pop_name"] == "i4Pvalb") | nodes["node_id"].isin([0, 5, 7]))
    _same(resolver.resolve("both", WHERE), _expected(nodes, mask))
    # bmtk: a bare list of numbers is node ids in every population
    _same(resolver.resolve([1, 2], WHERE), _expected(nodes, nodes["node_id"].isin([1, 2])))


def test_bad_node_sets_name_the_file_and_field(nodes: pd.DataFrame) -> None:
    resolver = NodeSetResolver(
        nodes, {"loop": "loop2", "loop2": "loop", "bad": {"population": "v1", "colour": 1}}, "ns.json"
    )
    cases = [
        (
            {"population": "v1", "colour": "red"},
            "config.json: inputs.x.node_set: population 'v1' has no node property 'colour'",
        ),
        ("bad", "ns.json: node_sets.bad: population 'v1' has no node property 'colour'"),
        ({"colour": "red"}, "no population has the node property 'colour'"),
        ({"population": "v2"}, "unknown population 'v2' (populations: v1, lgn)"),
        ("nowhere", "node set 'nowhere' is neither a node set of the config nor a population"),
        ({"population": "v1", "node_id": [0, 999]}, "node id 999 is not a node of v1"),
        ({"population": "v1", "node_id": ["a"]}, "node_id must be a node id or a list of node ids"),
        ("loop", "refers to itself"),
        (3.5, "a node set is a name, an object or a list"),
    ]
    for spec, message in cases:
        with pytest.raises(V1SimInputError) as error:
            resolver.resolve(spec, WHERE)
        assert message in error.value.message, (spec, error.value.message)


def test_static_populations_need_no_nodes() -> None:
    named = {"ext": {"population": "external"}, "mixed": ["ext", "internal"], "any": {"ei": "e"}}
    assert static_populations("ext", named) == {"external"}
    assert static_populations("mixed", named) == {"external", "internal"}
    assert static_populations({"populations": ["a", "b"]}, named) == {"a", "b"}
    assert static_populations("lgn", named) == {"lgn"}
    assert static_populations("any", named) is None
    assert static_populations("all", named) is None


def test_same_nodes_as_bmtk_node_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """bmtk 1.2's NodeSet on point_120cells (population, node ids, bmtk's bare id list) selects the same nodes."""
    from bmtk.simulator.core.simulation_config import SimulationConfig
    from bmtk.simulator.core.simulator_network import SimNetwork

    example = require_shared("sonata", "bmtk_point", "examples", "point_120cells")
    monkeypatch.chdir(example)
    circuit = load_circuit_config(example / "config.simulation.json")
    frames = []
    for files in circuit.nodes:
        for pop in read_node_populations(files):
            frames.append(pop.table.assign(population=pop.name))
    table = pd.concat(frames, ignore_index=True)
    resolver = NodeSetResolver(table, {}, None)
    bmtk_net = SimNetwork.from_config(SimulationConfig.from_json(str(example / "config.simulation.json")))
    specs = [
        "thalamus",
        "cortex",
        {"population": "cortex", "node_id": [0, 20, 60, 80, 100]},
        {"population": "cortex", "node_ids": list(range(20, 40))},
        [1, 2, 3],
    ]
    for spec in specs:
        theirs: dict[str, list[int]] = {}
        for node in bmtk_net.get_node_set(spec).fetch_nodes():
            theirs.setdefault(node.population_name, []).append(int(node.node_id))
        ours = resolver.resolve(spec, WHERE)
        assert {p: sorted(v) for p, v in theirs.items()} == {
            p: ids.tolist() for p, ids in ours.items() if len(ids)
        }


def test_node_sets_file_of_a_shared_example_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    """300_pointneurons names its input's and its report's cells in node_sets.json."""
    config = require_shared("sonata", "300_pointneurons", "examples", "300_pointneurons", "config.json")
    circuit = load_circuit_config(config)
    assert circuit.node_sets_file is not None and circuit.node_sets_file.name == "node_sets.json"
    frames = [
        pop.table.assign(population=pop.name) for f in circuit.nodes for pop in read_node_populations(f)
    ]
    from v1sim.sonata.simulation_config import config_node_sets

    named, source = config_node_sets(circuit)
    resolver = NodeSetResolver(pd.concat(frames, ignore_index=True), named, source)
    cells = resolver.resolve("recorded_cells", WHERE)
    assert list(cells) == ["internal"] and cells["internal"].tolist() == [0, 80, 160, 240, 270]
    assert len(resolver.resolve("external", WHERE)["external"]) == 100
