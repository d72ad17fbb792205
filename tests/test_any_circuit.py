"""Any point-neuron circuit: cell classes from pop_name, else model_name, else the node type, in every stage;
the pipeline's plan leaves out what a circuit cannot run (v1sim.pipeline_plan), with one line each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import EXAMPLES, REPO, require_shared
from v1sim.analysis.classes import cell_classes, read_cells
from v1sim.analysis.run import AnalysisSettings, analyse
from v1sim.errors import V1SimInputError
from v1sim.graph.run import GraphSettings, analyse_graph
from v1sim.pipeline_plan import builtin_facts, circuit_facts, plan_pipeline
from v1sim.plots.figures import FIGURES, draw_figures
from v1sim.plots.graph_figures import draw_graph_figures
from v1sim.sonata.spikes import write_spikes


def _config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_classes_are_pop_name_else_model_name_else_the_node_type() -> None:
    nodes = pd.DataFrame(
        {
            "node_type_id": [100, 101, 102, 103, 104],
            "pop_name": ["e4Rorb", None, "", np.nan, "i4Pvalb"],
            "model_name": ["Rorb", "Scnn1a", "PV1", None, None],
        }
    )
    assert cell_classes(nodes).tolist() == ["e4Rorb", "Scnn1a", "PV1", "type_103", "i4Pvalb"]
    assert cell_classes(nodes, "model_name").tolist() == ["Rorb", "Scnn1a", "PV1", "unknown", "unknown"]
    # numbers are never class names that read back as numbers
    assert cell_classes(nodes, "node_type_id").tolist()[:2] == ["node_type_id_100", "node_type_id_101"]
    assert cell_classes(nodes[["node_type_id"]]).tolist()[-1] == "type_104"
    with pytest.raises(V1SimInputError, match=r"analysis\.class_column: no column 'layer'"):
        cell_classes(nodes, "layer", "nodes.parquet")


def test_read_cells_fills_the_optional_columns_a_circuit_lacks(tmp_path: Path) -> None:
    pd.DataFrame({"population": ["a"], "node_id": [0], "node_type_id": [7]}).to_parquet(
        tmp_path / "n.parquet"
    )
    cells = read_cells(tmp_path / "n.parquet", ["population", "node_id"], optional=["x", "ei"])
    assert cells.columns.tolist() == ["population", "node_id", "x", "ei", "cell_class"]
    assert cells["cell_class"].tolist() == ["type_7"] and cells["x"].isna().all()
    with pytest.raises(V1SimInputError, match=r"n\.parquet: columns: not a nodes table of the convert stage"):
        read_cells(tmp_path / "n.parquet", ["population", "engine_index"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_plan_of_each_shared_example(example: str) -> None:
    config = require_shared("sonata", *EXAMPLES[example])
    facts = circuit_facts(config)
    plan = plan_pipeline(_config(), facts)
    simulated = facts.simulated
    assert len(simulated) == 1 and plan.sequences and plan.sequences_population == simulated[0]
    recurrent = f"{simulated[0]}_to_{simulated[0]}"
    assert plan.graph and plan.graph_edge_populations == [recurrent] and plan.graph_k == [2, 4, 8, 16, 32, 64]
    assert plan.poisson_hz == {} and not plan.grating
    grating = [n for n in plan.notices if n.startswith("grating experiment (and tuning) left out: ")]
    poisson = [n for n in plan.notices if n.startswith("simulate.poisson_hz.lgn left out: ")]
    assert len(grating) == len(poisson) == 1 and len(plan.notices) == 2
    if example == "point_450glifs":  # an lgn population without positions, driven by the config's spike file
        assert grating[0].endswith("population 'lgn' needs x for every unit")
        assert poisson[0].endswith(
            "the simulation config drives 'lgn' with its own input, which takes precedence"
        )
        assert facts.population("v1").classes == {
            "Scnn1a",
            "Rorb",
            "Nr5a1",
            "LIF_exc",
            "LIF_inh",
            "PV1",
            "PV2",
        }
    else:
        assert grating[0].endswith("the circuit has no population 'lgn'")
        assert poisson[0].endswith("the circuit has no population 'lgn'")


def test_the_plan_keeps_what_the_circuit_has_and_names_what_it_leaves_out(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())  # lgn: virtual, no input, no positions
    facts = circuit_facts(config)
    settings = _config()
    plan = plan_pipeline(settings, facts)
    assert plan.poisson_hz == {"lgn": 5.0}  # nothing else drives it
    assert plan.notices == [
        "grating experiment (and tuning) left out: population 'lgn' needs x for every unit",
        "graph.k [64] left out: the graph has only 40 nodes",  # 30 GLIF + 10 iaf cells
    ]
    settings["simulate"]["poisson_hz"] = {"v1": 3.0, "bkg": 1.0}
    settings["sequences"].update(population="v1", cell_class_prefix="zz")
    settings["graph"].update(edge_populations=["v1_to_v1", "nope"], k=[2, 40, 64])
    settings["grating"]["lgn_spikes"] = "lgn_{direction}_{trial}.h5"  # precomputed: positions not needed
    plan = plan_pipeline(settings, facts)
    assert plan.poisson_hz == {} and plan.grating and not plan.sequences
    assert plan.graph_edge_populations == ["v1_to_v1"] and plan.graph_k == [2, 40]
    assert plan.notices == [
        "simulate.poisson_hz.v1 left out: 'v1' is not a virtual population",
        "simulate.poisson_hz.bkg left out: the circuit has no population 'bkg'",
        "sequences (PPSeq) left out: no class of population 'v1' starts with 'zz' (cell_class_prefix)",
        "graph.edge_populations: 'nope' left out: the circuit has no such edge population",
        "graph.k [64] left out: the graph has only 40 nodes",
    ]
    settings["graph"]["edge_populations"] = ["lgn_to_v1x"]
    settings["sequences"]["population"] = "lgn"
    plan = plan_pipeline(settings, facts)
    assert not plan.graph and not plan.sequences
    assert "graph stage left out: none of graph.edge_populations is in the circuit" in plan.notices
    assert "sequences (PPSeq) left out: the circuit has no simulated population 'lgn'" in plan.notices
    with pytest.raises(V1SimInputError, match=r"analysis\.class_column: no column 'layer'"):
        circuit_facts(config, "layer")


def test_the_built_in_columns_facts_are_those_of_a_built_column(tmp_path: Path) -> None:
    """The plan knows the built-in column without building it: check that against a built one."""
    from v1sim.builder.v1 import V1Spec, build_v1

    built = circuit_facts(build_v1(V1Spec(scale=0.002, seed=3), tmp_path / "circuit"))
    known = builtin_facts(0.002)
    assert [(p.name, p.virtual, p.attributes) for p in known.populations] == [
        (p.name, p.virtual, p.attributes) for p in built.populations
    ]
    assert known.population("v1").size == built.population("v1").size
    assert known.population("v1").classes == built.population("v1").classes
    assert (known.edge_populations, known.driven, known.lgn_problem) == (
        built.edge_populations,
        built.driven,
        built.lgn_problem,
    )
    assert plan_pipeline(_config(), known).notices == []  # the default config runs every stage on it


def _bare(network: Path, out: Path, drop: list[str]) -> Path:
    """A copy of a converted network whose nodes table lacks ``drop`` (a circuit without those attributes)."""
    shutil.copytree(network, out)
    nodes = pd.read_parquet(out / "nodes.parquet")
    nodes.drop(columns=[c for c in drop if c in nodes]).to_parquet(out / "nodes.parquet", index=False)
    return out


def test_a_circuit_without_class_names_positions_or_spikes_is_analysed(converted_circuit, tmp_path: Path):
    _, network = converted_circuit
    bare = _bare(network, tmp_path / "network", ["pop_name", "model_name", "ei", "x", "y", "z"])
    nodes = pd.read_parquet(bare / "nodes.parquet")
    v1 = nodes[nodes["population"] == "v1"]
    write_spikes(tmp_path / "spikes.h5", {"v1": (np.zeros(0, np.int64), np.zeros(0))})
    summary = analyse(
        tmp_path / "spikes.h5", bare / "nodes.parquet", 500.0, tmp_path / "analysis", AnalysisSettings()
    )
    assert summary["n_spikes"] == 0 and summary["n_cells"] == len(v1)
    classes = pd.read_csv(tmp_path / "analysis" / "classes.csv")
    assert set(classes["cell_class"]) == {f"type_{t}" for t in v1["node_type_id"].unique()}
    assert classes["billeh_rate_hz"].isna().all() and (classes["fraction_silent"] == 1.0).all()
    draw_figures(tmp_path / "analysis", tmp_path / "spikes.h5", bare / "nodes.parquet", tmp_path / "figures")
    assert all((tmp_path / "figures" / name).stat().st_size > 5_000 for name in FIGURES)


def test_the_graph_of_a_circuit_without_layers_or_positions(converted_circuit, tmp_path: Path) -> None:
    """NMI/ARI against layers are NaN (there are none), against the node types' classes they are numbers;
    the geometric baselines are left out; the figures draw."""
    _, network = converted_circuit
    bare = _bare(network, tmp_path / "network", ["pop_name", "model_name", "x", "y", "z"])
    summary = analyse_graph(bare, tmp_path / "graph", GraphSettings(k=[2, 4]))
    assert summary["edge_populations"] == ["v1_to_v1"]  # the default: the recurrent ones
    communities = pd.read_csv(tmp_path / "graph" / "communities.csv")
    assert communities["nmi_layer"].isna().all() and communities["ari_layer"].isna().all()
    assert communities["nmi_class"].between(0, 1).all()
    partitions = pd.read_csv(tmp_path / "graph" / "partitions.csv")
    assert sorted(partitions["scheme"].unique()) == ["metis", "random"]
    nodes = pd.read_parquet(tmp_path / "graph" / "nodes.parquet")
    assert nodes["cell_class"].str.startswith("type_").all() and (nodes["layer"] == "unknown").all()
    draw_graph_figures(tmp_path / "graph", tmp_path / "figures")
    record = json.loads((tmp_path / "figures" / "provenance.json").read_text())
    assert all((tmp_path / "figures" / name).stat().st_size > 5_000 for name in record["figures"])


def test_the_nest_run_keeps_inputs_on_inline_node_sets(tmp_path: Path) -> None:
    """bmtk's point_iclamp names its clamps' cells with inline node sets ({"population": "cortex"}): the NEST
    run's config keeps them; a spike input on a population the pipeline gives its own file is replaced."""
    from v1sim.reference.nest import bmtk_config

    iclamp = require_shared("sonata", *EXAMPLES["point_iclamp"])
    spec = bmtk_config(iclamp, tmp_path, {}, 1000.0, 0.25, 1)
    assert sorted(spec["inputs"]) == ["current_clamp_1", "current_clamp_2", "current_clamp_3"]
    thalamus = require_shared("sonata", *EXAMPLES["point_120cells"])
    spec = bmtk_config(thalamus, tmp_path, {"thalamus": tmp_path / "t.h5"}, 1000.0, 0.25, 1)
    assert list(spec["inputs"]) == ["thalamus_spikes"]
    assert spec["inputs"]["thalamus_spikes"]["input_file"] == str((tmp_path / "t.h5").resolve())
