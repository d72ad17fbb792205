"""``build-v1`` writes a real SONATA circuit for the Allen Institute's own tools (issue 3, "must show" 5).

* bmtk's SONATA reader (``bmtk.utils.sonata``) opens every node and edge file with its types CSV and finds the
  rows our converter finds;
* bmtk 1.2 PointNet simulates a ≥ 1,000-neuron build on NEST 3.10 for 100 ms, with the background input the
  builder writes and a Poisson LGN input written here;
* the v1 → v1 connections NEST holds after bmtk built the network are our ``edges/v1_to_v1.parquet``: the same
  (source, target) pairs, each with our ``weight_pa``, ``delay_ms`` (on NEST's time grid) and ``receptor``.
  The weight functions bmtk needs are written in ``tests/bmtk_pointnet_run.py`` from the formulas alone, so
  this also checks ``v1sim.network.weights`` against an independent implementation.

NEST runs in a process of its own (``tests/bmtk_pointnet_run.py``): it crashes at exit when other libraries
share the process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from bmtk.utils.sonata import File
from bmtk.utils.sonata.config import SonataConfig

from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.network.convert import convert_circuit
from v1sim.sonata.spikes import write_spikes

#: bmtk 1.2 calls ``set_index(inplace=True)``, which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

RUNNER = Path(__file__).with_name("bmtk_pointnet_run.py")
#: 1,153 V1 cells (the brief's "≥ 1,000-neuron" network), 87 LGN units, 1 background node.
SPEC = V1Spec(scale=0.005, seed=0, tstop_ms=100.0)
LGN_RATE_HZ = 5.0


@dataclass
class Circuit:
    config: Path  # simulation_config.json
    root: Path
    converted: Path  # convert_circuit's outdir


@dataclass
class BmtkRun:
    result: subprocess.CompletedProcess[str]
    output_dir: Path
    connections: dict[str, np.ndarray]


@pytest.fixture(scope="module")
def circuit(tmp_path_factory: pytest.TempPathFactory) -> Circuit:
    root = tmp_path_factory.mktemp("build_bmtk")
    config = build_v1(SPEC, root / "circuit")
    convert_circuit(config, root / "converted", progress=False)
    return Circuit(config, config.parent, root / "converted")


def _simulation_config(circuit: Circuit, run_dir: Path) -> Path:
    """The built simulation config with absolute paths, output into ``run_dir`` and an LGN spike input added."""
    config = json.loads(circuit.config.read_text())
    assert config["run"]["tstop"] == 100.0
    nodes = pd.read_parquet(circuit.converted / "nodes.parquet")
    lgn_ids = nodes.loc[nodes["population"] == "lgn", "node_id"].to_numpy()
    rng = np.random.default_rng(7)
    tstop, dt = config["run"]["tstop"], config["run"]["dt"]
    counts = rng.poisson(LGN_RATE_HZ * tstop / 1000.0, len(lgn_ids))
    # bmtk refuses spike times <= 0 for NEST's spike generators.
    times = rng.uniform(dt, tstop, counts.sum())
    write_spikes(run_dir / "lgn_spikes.h5", {"lgn": (np.repeat(lgn_ids, counts), times)})

    config["manifest"] = {
        "$BASE_DIR": str(circuit.root),
        "$INPUT_DIR": str(circuit.root / "inputs"),
        "$OUTPUT_DIR": str(run_dir / "output"),
    }
    config["network"] = str(circuit.root / "circuit_config.json")
    config["inputs"]["lgn_spikes"] = {
        "input_type": "spikes",
        "module": "sonata",
        "input_file": str(run_dir / "lgn_spikes.h5"),
        "node_set": "lgn",
    }
    path = run_dir / "simulation_config.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


@pytest.fixture(scope="module")
def bmtk_run(circuit: Circuit, tmp_path_factory: pytest.TempPathFactory) -> BmtkRun:
    """bmtk PointNet on NEST, in its own process; the v1 → v1 connections NEST held before the run."""
    run_dir = tmp_path_factory.mktemp("bmtk_run")
    config = _simulation_config(circuit, run_dir)
    # The configs' manifests say "$BASE_DIR": "${configdir}", so bmtk runs them from any working directory.
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(config), str(run_dir / "connections.npz")],
        cwd=run_dir,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    connections = {}
    if (run_dir / "connections.npz").exists():
        with np.load(run_dir / "connections.npz") as npz:
            connections = {k: npz[k] for k in npz.files}
    return BmtkRun(result, run_dir / "output", connections)


def test_bmtk_reads_every_file(circuit: Circuit, monkeypatch: pytest.MonkeyPatch) -> None:
    """``bmtk.utils.sonata.File`` opens each node and edge file listed in the circuit config, as ours reads it."""
    monkeypatch.chdir(circuit.root)  # see bmtk_run: bmtk resolves the manifest's "." against the cwd
    networks = SonataConfig.from_json(str(circuit.root / "circuit_config.json"))["networks"]
    ours = pd.read_parquet(circuit.converted / "nodes.parquet")

    node_counts = {}
    for files in networks["nodes"]:
        sonata = File(files["nodes_file"], files["node_types_file"])
        for name in sonata.nodes.population_names:
            population = sonata.nodes[name]
            node_counts[name] = len(population)
            our_ids = ours.loc[ours["population"] == name, "node_id"].to_numpy()
            assert len(population) == len(our_ids), name
            np.testing.assert_array_equal(
                np.sort(population.to_dataframe().index.to_numpy()), np.sort(our_ids)
            )
    assert node_counts == ours["population"].value_counts().to_dict()
    assert node_counts["v1"] >= 1000

    edge_counts = {}
    for files in networks["edges"]:
        sonata = File(files["edges_file"], files["edge_types_file"])
        for name in sonata.edges.population_names:
            population = sonata.edges[name]
            table = population.to_dataframe()
            edges = pd.read_parquet(circuit.converted / "edges" / f"{name}.parquet")
            edge_counts[name] = len(population)
            assert len(population) == len(table) == len(edges), name
            for column in ("source_node_id", "target_node_id", "edge_type_id", "nsyns"):
                np.testing.assert_array_equal(
                    table[column].to_numpy(), edges[column].to_numpy(), err_msg=name
                )
    assert set(edge_counts) == {p.stem for p in (circuit.converted / "edges").glob("*.parquet")}
    assert set(edge_counts) == {"v1_to_v1", "lgn_to_v1", "bkg_to_v1"}
    print(f"bmtk read {node_counts} nodes and {edge_counts} edges")


def test_bmtk_pointnet_simulates_100_ms(bmtk_run: BmtkRun) -> None:
    """The run exits cleanly and writes its spikes; a silent network would pass too, but the count is printed."""
    result = bmtk_run.result
    assert result.returncode == 0, f"bmtk/NEST failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert int(bmtk_run.connections["n_v1_neurons"]) >= 1000
    spikes_file = bmtk_run.output_dir / "spikes.h5"
    assert spikes_file.exists()
    with h5py.File(spikes_file, "r") as h5:
        node_ids = h5["spikes/v1/node_ids"][:] if "spikes/v1" in h5 else np.array([])
        times = h5["spikes/v1/timestamps"][:] if "spikes/v1" in h5 else np.array([])
    assert np.all((times >= 0) & (times <= 100.0))
    assert np.all(node_ids < int(bmtk_run.connections["n_v1_neurons"]))
    print(f"bmtk PointNet/NEST: {len(times)} V1 spikes from {len(np.unique(node_ids))} cells in 100 ms")


def test_nest_connections_are_our_edges(circuit: Circuit, bmtk_run: BmtkRun) -> None:
    """Every v1 → v1 connection NEST holds is one of our edges with our weight, delay and receptor."""
    assert bmtk_run.result.returncode == 0, bmtk_run.result.stderr[-4000:]
    nest = pd.DataFrame(
        {
            k: bmtk_run.connections[k]
            for k in ("source_node_id", "target_node_id", "weight", "delay", "receptor")
        }
    )
    ours = pd.read_parquet(circuit.converted / "edges" / "v1_to_v1.parquet")
    assert len(nest) == len(ours) > 0

    # Both sides in (source, target, weight) order, so that two edges joining one pair would also line up.
    nest = nest.sort_values(["source_node_id", "target_node_id", "weight"], ignore_index=True)
    ours = ours.sort_values(["source_node_id", "target_node_id", "weight_pa"], ignore_index=True)
    for column in ("source_node_id", "target_node_id"):
        np.testing.assert_array_equal(nest[column].to_numpy(), ours[column].to_numpy().astype(np.int64))
    np.testing.assert_allclose(nest["weight"], ours["weight_pa"], rtol=1e-9, atol=0)
    # The weight functions matter: without them (f = 1) the weights would be syn_weight × nsyns.
    assert not np.allclose(nest["weight"], ours["syn_weight"] * ours["nsyns"], rtol=1e-6)

    # NEST 3 keeps a delay as a whole number of time steps, the nearest one (Time::delay_ms_to_steps rounds
    # delay × steps-per-ms to the nearest integer), and GetConnections reports steps × resolution; bmtk sets the
    # resolution to the config's dt (0.25 ms). So 1.37 ms becomes 1.25 ms and 1.41 ms 1.5 ms. No delay of the
    # build lies halfway between two steps, where the rounding convention would matter.
    dt = float(bmtk_run.connections["resolution"])
    assert dt == 0.25
    steps = ours["delay_ms"].to_numpy() / dt
    assert not np.any(np.isclose(steps % 1.0, 0.5))
    np.testing.assert_allclose(nest["delay"], np.round(steps) * dt, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(nest["receptor"].to_numpy(), ours["receptor"].to_numpy().astype(np.int64))
    rel = np.abs(nest["weight"] - ours["weight_pa"]) / np.abs(ours["weight_pa"])
    print(
        f"{len(nest)} NEST v1→v1 connections equal our edges; largest relative weight difference {rel.max():.2e}"
    )
