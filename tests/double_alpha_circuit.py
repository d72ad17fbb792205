"""A small network of ``glif_psc_double_alpha`` cells with 10 receptor ports, as the Allen's successor V1 model
wires them: one port per source class. Five cortical classes (three excitatory, two inhibitory) reach ports 1–5
and five classes of virtual input cells, driven by a spike file, reach ports 6–10."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.sonata.spikes import write_spikes
from v1sim.sonata.writer import circuit_config, write_edges, write_nodes, write_types_csv

N_PORTS = 10
CELLS_PER_CLASS = 16
INPUTS_PER_CLASS = 6
#: (excitatory?, V_th, g, C_m, t_ref, asc_amps) of the five cortical classes
CLASSES = (
    (True, -46.4, 5.88, 58.6, 2.6, [-36.9, -65.3]),
    (True, -44.2, 9.2, 81.2, 1.5, [-4.1, -292.0]),
    (True, -49.0, 7.1, 70.0, 3.0, [-10.0, -120.0]),
    (False, -45.0, 10.5, 50.0, 1.0, [-2.0, -40.0]),
    (False, -43.0, 8.0, 45.0, 1.2, [-5.0, -60.0]),
)


def _cell(klass: int, rng: np.random.Generator) -> dict:
    _, v_th, g, c_m, t_ref, asc_amps = CLASSES[klass]
    return {
        "V_m": -70.0,
        "E_L": -70.0,
        "V_reset": -70.0,
        "V_th": v_th,
        "g": g,
        "C_m": c_m,
        "t_ref": t_ref,
        "asc_init": [0.0, 0.0],
        "asc_decay": [0.01, 0.3],
        "asc_amps": asc_amps,
        "asc_r": [1.0, 1.0],
        "tau_syn_fast": np.round(rng.uniform(1.0, 5.0, N_PORTS), 3).tolist(),
        "tau_syn_slow": np.round(rng.uniform(8.0, 40.0, N_PORTS), 3).tolist(),
        "amp_slow": np.round(rng.uniform(0.1, 0.8, N_PORTS), 3).tolist(),
        "spike_dependent_threshold": False,
        "after_spike_currents": True,
        "adapting_threshold": False,
    }


def _edge_types(path: Path, first_id: int, first_port: int, weights: list[float], delays: list[float]) -> None:
    """One edge type per source class, class k reaching receptor port ``first_port + k``."""
    n = len(weights)
    table = {
        "edge_type_id": np.arange(n) + first_id,
        "model_template": "static_synapse",
        "dynamics_params": [f"port{first_port + k}.json" for k in range(n)],
        "syn_weight": weights,
        "delay": delays,
    }
    write_types_csv(path, pd.DataFrame(table))


def write_double_alpha_circuit(root: Path, tstop_ms: float = 1000.0, dt_ms: float = 0.1, seed: int = 7) -> Path:
    """Write the circuit, its input spikes and a PointNet simulation config; return the config's path."""
    rng = np.random.default_rng(seed)
    network, components = root / "network", root / "components"
    for folder in (network, components / "cell_models", components / "synaptic_models", root / "inputs"):
        folder.mkdir(parents=True, exist_ok=True)
    n_classes = len(CLASSES)
    for k in range(n_classes):
        (components / "cell_models" / f"class{k}.json").write_text(json.dumps(_cell(k, rng)))
    for port in range(1, N_PORTS + 1):
        (components / "synaptic_models" / f"port{port}.json").write_text(json.dumps({"receptor_type": port}))

    cortex_type = np.repeat(np.arange(n_classes), CELLS_PER_CLASS) + 100
    write_nodes(network / "cortex_nodes.h5", "cortex", cortex_type)
    write_types_csv(
        network / "cortex_node_types.csv",
        pd.DataFrame(
            {
                "node_type_id": np.arange(n_classes) + 100,
                "model_type": "point_process",
                "model_template": "nest:glif_psc_double_alpha",
                "dynamics_params": [f"class{k}.json" for k in range(n_classes)],
                "model_name": [f"class{k}" for k in range(n_classes)],
            }
        ),
    )
    input_type = np.repeat(np.arange(n_classes), INPUTS_PER_CLASS) + 200
    write_nodes(network / "inputs_nodes.h5", "inputs", input_type)
    write_types_csv(
        network / "inputs_node_types.csv",
        pd.DataFrame({"node_type_id": np.arange(n_classes) + 200, "model_type": "virtual"}),
    )

    n_cortex, n_inputs = len(cortex_type), len(input_type)
    # cortex -> cortex: edge type by source class (port 1..5), weight sign by the class
    n_rec = 1600
    source = rng.integers(0, n_cortex, n_rec)
    target = rng.integers(0, n_cortex, n_rec)
    klass = cortex_type[source] - 100
    weights = [3.0 if CLASSES[k][0] else -8.0 for k in range(n_classes)]
    _edge_types(network / "cortex_cortex_edge_types.csv", 300, 1, weights, [1.0, 1.5, 2.0, 0.8, 0.6])
    write_edges(
        network / "cortex_cortex_edges.h5",
        "cortex_to_cortex",
        "cortex",
        "cortex",
        source,
        target,
        klass + 300,
        {"nsyns": rng.integers(1, 4, n_rec).astype(np.uint8)},
    )
    # inputs -> cortex: port 6..10 by the input class, per-edge delays
    n_in = 900
    source = rng.integers(0, n_inputs, n_in)
    target = rng.integers(0, n_cortex, n_in)
    klass = input_type[source] - 200
    _edge_types(network / "inputs_cortex_edge_types.csv", 400, 6, [5.0, 6.0, 4.0, 7.0, 5.5], [1.0] * n_classes)
    write_edges(
        network / "inputs_cortex_edges.h5",
        "inputs_to_cortex",
        "inputs",
        "cortex",
        source,
        target,
        klass + 400,
        {"delay": np.round(rng.uniform(0.5, 3.0, n_in), 1), "nsyns": rng.integers(1, 3, n_in).astype(np.uint8)},
    )
    rate_hz = 60.0
    n_spikes = rng.poisson(rate_hz * tstop_ms / 1000.0 * n_inputs)
    write_spikes(
        root / "inputs" / "input_spikes.h5",
        {"inputs": (rng.integers(0, n_inputs, n_spikes), np.round(rng.uniform(0.1, tstop_ms, n_spikes), 4))},
    )
    circuit = circuit_config(
        [("cortex_nodes.h5", "cortex_node_types.csv"), ("inputs_nodes.h5", "inputs_node_types.csv")],
        [
            ("cortex_cortex_edges.h5", "cortex_cortex_edge_types.csv"),
            ("inputs_cortex_edges.h5", "inputs_cortex_edge_types.csv"),
        ],
        {
            "point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
            "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models",
        },
    )
    (root / "circuit_config.json").write_text(json.dumps(circuit, indent=2))
    simulation = {
        "manifest": {"$BASE_DIR": "${configdir}", "$OUTPUT_DIR": "$BASE_DIR/output"},
        "target_simulator": "NEST",
        "run": {"tstop": tstop_ms, "dt": dt_ms},
        "inputs": {
            "input_spikes": {
                "input_type": "spikes",
                "module": "sonata",
                "input_file": "$BASE_DIR/inputs/input_spikes.h5",
                "node_set": "inputs",
            }
        },
        "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5", "overwrite_output_dir": True},
        "network": "$BASE_DIR/circuit_config.json",
    }
    config = root / "simulation_config.json"
    config.write_text(json.dumps(simulation, indent=2))
    return config
