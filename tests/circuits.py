"""Small SONATA circuits written in fixtures, with knobs for the features the reader must handle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.sonata.writer import circuit_config, write_edges, write_nodes, write_types_csv

GLIF_E = {
    "V_m": -69.5,
    "V_th": -46.4,
    "g": 5.88,
    "E_L": -69.5,
    "C_m": 58.6,
    "t_ref": 2.6,
    "V_reset": -69.5,
    "asc_init": [0.0, 0.0],
    "asc_decay": [0.1, 0.3],
    "asc_amps": [-36.9, -65.3],
    "tau_syn": [5.5, 8.5, 2.8, 5.8],
    "spike_dependent_threshold": False,
    "after_spike_currents": True,
    "adapting_threshold": False,
}
GLIF_I = {**GLIF_E, "V_th": -44.2, "g": 9.2, "C_m": 81.2, "t_ref": 1.5, "asc_amps": [-4.1, -292.0]}
#: An Allen Cell Types Database GLIF3 config (SI units) for the Allen-form knob.
ALLEN_GLIF = {
    "type": "GLIF",
    "El_reference": -0.0695,
    "El": 0.0,
    "C": 1.0e-10,
    "R_input": 1.7e8,
    "th_inf": 0.0231,
    "spike_cut_length": 26,
    "dt": 5e-05,
    "init_AScurrents": [0.0, 0.0],
    "asc_tau_array": [0.01, 0.0033],
    "asc_amp_array": [-3.7e-11, -6.5e-11],
    "coeffs": {"th_inf": 1.0, "G": 1.0, "C": 0.586, "asc_amp_array": [1.0, 1.0], "a": 1, "b": 1},
}
IAF_E = {"I_e": 0.0, "tau_m": 24.0, "C_m": 120.0, "t_ref": 3.0, "E_L": -75.0, "V_th": -37.0, "V_reset": -53.0}
IAF_I = {"I_e": 0.0, "tau_m": 7.0, "C_m": 50.0, "t_ref": 3.0, "E_L": -77.0, "V_th": -36.0, "V_reset": -52.0}

#: V1→V1 edge types: (id, source ei, target model, target ei, syn_weight, delay, synapse file, function, sigma)
V1_EDGE_TYPES = (
    (100, "e", "glif", "e", 2.0, 1.5, "e2e.json", "DirectionRule_EE", 30.0),
    (101, "e", "glif", "i", 3.0, 1.0, "e2i.json", "DirectionRule_others", 90.0),
    (102, "i", "glif", "e", -4.0, 2.5, "i2e.json", "DirectionRule_others", 90.0),
    (103, "i", "glif", "i", -2.0, 0.9, "i2i.json", "DirectionRule_others", 50.0),
    (104, "e", "iaf", "*", 5.0, 2.0, "exc.json", None, None),
    (105, "i", "iaf", "*", -6.0, 2.0, "inh.json", None, None),
)
SYNAPSE_FILES = {
    "e2e.json": {"receptor_type": 1},
    "i2e.json": {"receptor_type": 2},
    "e2i.json": {"receptor_type": 3},
    "i2i.json": {"receptor_type": 4},
    "exc.json": {},
    "inh.json": {},
}


@dataclass
class CircuitSpec:
    """Knobs of a fixture circuit (defaults: a valid circuit using every common feature)."""

    n_glif: int = 30
    n_iaf: int = 10
    n_lgn: int = 8
    #: name of the virtual population (files keep the lgn_ prefix)
    virtual_population: str = "lgn"
    n_edges: int = 400
    n_lgn_edges: int = 120
    seed: int = 1
    #: glif cell-model files: "nest3" (glif_psc), "nest214" (glif_lif_asc_psc with k), "allen" (Allen GLIF config)
    glif_form: str = "nest3"
    per_edge_weight: bool = False
    per_edge_delay: bool = False
    two_node_groups: bool = False
    #: None, "indices" or "indicies": an index group like the ones bmtk writes (never needed to read)
    index_group: str | None = "indices"
    #: node ids are 0, stride, 2·stride, …
    node_id_stride: int = 1
    #: "circuit", "simulation" (naming the circuit) or "combined" (network + simulation entries)
    config_kind: str = "circuit"


def _write_index_group(
    path: Path, population: str, name: str, source: np.ndarray, target: np.ndarray
) -> None:
    """A target_to_source / source_to_target index in the layout bmtk writes."""
    with h5py.File(path, "a") as h5:
        group = h5.create_group(f"edges/{population}/{name}")
        for kind, ids in (("source_to_target", source), ("target_to_source", target)):
            order = np.argsort(ids, kind="stable")
            sub = group.create_group(kind)
            sub["range_to_edge_id"] = np.stack([order, order + 1], axis=1).astype(np.uint64)
            counts = np.bincount(ids.astype(np.int64), minlength=int(ids.max()) + 1)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            sub["node_id_to_range"] = np.stack([starts, starts + counts], axis=1).astype(np.uint64)


def make_circuit(root: Path, spec: CircuitSpec) -> Path:
    """Write a circuit under ``root``; return the config file named by ``spec.config_kind``."""
    rng = np.random.default_rng(spec.seed)
    net, cells, syns = (
        root / "network",
        root / "components" / "cell_models",
        root / "components" / "synaptic_models",
    )
    for folder in (net, cells, syns):
        folder.mkdir(parents=True, exist_ok=True)

    glif_template = {
        "nest3": "nest:glif_psc",
        "nest214": "nest:glif_lif_asc_psc",
        "allen": "nest:glif_lif_asc_psc",
    }
    for name, params in (("glif_e.json", GLIF_E), ("glif_i.json", GLIF_I)):
        if spec.glif_form == "nest214":
            params = {
                k: v
                for k, v in params.items()
                if k not in ("spike_dependent_threshold", "after_spike_currents", "adapting_threshold")
            }
            params["k"] = params.pop("asc_decay")
            params["V_dynamics_method"] = "linear_exact"
        elif spec.glif_form == "allen":
            params = ALLEN_GLIF
        (cells / name).write_text(json.dumps(params))
    (cells / "iaf_e.json").write_text(json.dumps(IAF_E))
    (cells / "iaf_i.json").write_text(json.dumps(IAF_I))
    for name, params in SYNAPSE_FILES.items():
        (syns / name).write_text(json.dumps(params))

    node_types = pd.DataFrame(
        [
            {
                "node_type_id": 100,
                "model_type": "point_process",
                "model_template": glif_template[spec.glif_form],
                "dynamics_params": "glif_e.json",
                "pop_name": "e4Scnn1a",
                "ei": "e",
                "location": "VisL4",
            },
            {
                "node_type_id": 101,
                "model_type": "point_process",
                "model_template": glif_template[spec.glif_form],
                "dynamics_params": "glif_i.json",
                "pop_name": "i4Pvalb",
                "ei": "i",
                "location": "VisL4",
            },
            {
                "node_type_id": 102,
                "model_type": "point_process",
                "model_template": "nest:iaf_psc_alpha",
                "dynamics_params": "iaf_e.json",
                "pop_name": "LIF_exc",
                "ei": "e",
                "location": "VisL4",
            },
            {
                "node_type_id": 103,
                "model_type": "point_process",
                "model_template": "nest:iaf_psc_alpha",
                "dynamics_params": "iaf_i.json",
                "pop_name": "LIF_inh",
                "ei": "i",
                "location": "VisL4",
            },
        ]
    )
    write_types_csv(net / "v1_node_types.csv", node_types)
    n = spec.n_glif + spec.n_iaf
    type_id = np.concatenate(
        [
            np.where(np.arange(spec.n_glif) % 4 == 3, 101, 100),
            np.where(np.arange(spec.n_iaf) % 3 == 2, 103, 102),
        ]
    )
    # Angles close to 0 and 360 make the wrap-around of the tuning difference matter.
    angles = rng.uniform(0.0, 360.0, n)
    angles[: min(4, n)] = [1.0, 359.0, 179.5, 180.5][: min(4, n)]
    attrs = {
        "x": rng.uniform(-100, 100, n),
        "y": rng.uniform(-400, -300, n),
        "z": rng.uniform(-100, 100, n),
        "tuning_angle": angles,
    }
    node_id = np.arange(n, dtype=np.uint64) * spec.node_id_stride
    write_nodes(net / "v1_nodes.h5", "v1", type_id, attrs, node_id=node_id)
    if spec.two_node_groups:
        _split_groups(net / "v1_nodes.h5", "v1", spec.n_glif)
    write_nodes(net / "lgn_nodes.h5", spec.virtual_population, np.full(spec.n_lgn, 100))
    write_types_csv(
        net / "lgn_node_types.csv", pd.DataFrame([{"node_type_id": 100, "model_type": "virtual", "ei": "e"}])
    )

    edge_rows, lut = [], {}
    for tid, s_ei, t_model, t_ei, w, d, syn, fn, sigma in V1_EDGE_TYPES:
        edge_rows.append(
            {
                "edge_type_id": tid,
                "target_query": "*",
                "source_query": f"ei=='{s_ei}'",
                "model_template": "static_synapse",
                "syn_weight": w,
                "delay": d,
                "dynamics_params": syn,
                "weight_function": fn,
                "weight_sigma": sigma,
            }
        )
        lut[(s_ei, t_model, t_ei)] = tid
    ei = np.where(np.isin(type_id, [100, 102]), "e", "i")
    model = np.where(type_id <= 101, "glif", "iaf")
    pairs = rng.choice(n * n, spec.n_edges, replace=False)
    src, trg = pairs // n, pairs % n
    order = np.lexsort((src, trg))
    src, trg = src[order], trg[order]
    etype = np.array(
        [lut[(ei[s], model[t], ei[t] if model[t] == "glif" else "*")] for s, t in zip(src, trg, strict=True)]
    )
    edge_attrs: dict[str, np.ndarray] = {"nsyns": rng.integers(1, 6, len(src)).astype(np.uint32)}
    types = pd.DataFrame(edge_rows)
    if spec.per_edge_weight:
        edge_attrs["syn_weight"] = types.set_index("edge_type_id").loc[
            etype, "syn_weight"
        ].to_numpy() * rng.uniform(0.5, 1.5, len(src))
        types = types.drop(columns=["syn_weight"])
    if spec.per_edge_delay:
        edge_attrs["delay"] = np.round(rng.uniform(0.5, 3.0, len(src)), 2)
        types = types.drop(columns=["delay"])
    write_types_csv(net / "v1_v1_edge_types.csv", types)
    write_edges(net / "v1_v1_edges.h5", "v1_to_v1", "v1", "v1", node_id[src], node_id[trg], etype, edge_attrs)
    if spec.index_group:
        _write_index_group(net / "v1_v1_edges.h5", "v1_to_v1", spec.index_group, node_id[src], node_id[trg])

    lgn_types = pd.DataFrame(
        [
            {
                "edge_type_id": 200,
                "target_query": "model_type=='glif'",
                "source_query": "*",
                "model_template": "static_synapse",
                "syn_weight": 10.0,
                "delay": 1.7,
                "dynamics_params": "e2e.json",
            },
            {
                "edge_type_id": 201,
                "target_query": "model_type=='iaf'",
                "source_query": "*",
                "model_template": "static_synapse",
                "syn_weight": 12.0,
                "delay": 1.7,
                "dynamics_params": "exc.json",
            },
        ]
    )
    write_types_csv(net / "lgn_v1_edge_types.csv", lgn_types)
    pairs = rng.choice(spec.n_lgn * n, spec.n_lgn_edges, replace=False)
    lsrc, ltrg = pairs // n, pairs % n
    order = np.argsort(ltrg, kind="stable")
    lsrc, ltrg = lsrc[order], ltrg[order]
    write_edges(
        net / "lgn_v1_edges.h5",
        f"{spec.virtual_population}_to_v1",
        spec.virtual_population,
        "v1",
        lsrc,
        node_id[ltrg],
        np.where(model[ltrg] == "glif", 200, 201),
        {"nsyns": rng.integers(1, 4, len(lsrc)).astype(np.uint32)},
    )

    config = circuit_config(
        nodes=[("v1_nodes.h5", "v1_node_types.csv"), ("lgn_nodes.h5", "lgn_node_types.csv")],
        edges=[("v1_v1_edges.h5", "v1_v1_edge_types.csv"), ("lgn_v1_edges.h5", "lgn_v1_edge_types.csv")],
        components={
            "point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
            "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models",
        },
    )
    (root / "circuit_config.json").write_text(json.dumps(config, indent=1))
    simulation = {
        "manifest": {"$BASE_DIR": "${configdir}"},
        "run": {"tstop": 100.0, "dt": 0.25},
        "network": "$BASE_DIR/circuit_config.json",
    }
    (root / "simulation_config.json").write_text(json.dumps(simulation, indent=1))
    (root / "config.json").write_text(
        json.dumps({"network": "circuit_config.json", "simulation": "simulation_config.json"})
    )
    return (
        root
        / {
            "circuit": "circuit_config.json",
            "simulation": "simulation_config.json",
            "combined": "config.json",
        }[spec.config_kind]
    )


def _split_groups(path: Path, population: str, n_first: int) -> None:
    """Rewrite a one-group population as two groups: the first ``n_first`` nodes, then the rest.

    Group 1 stores its rows in reverse node order and lacks ``y`` (which the reader must leave empty).
    """
    with h5py.File(path, "a") as h5:
        pop = h5[f"nodes/{population}"]
        values = {k: pop["0"][k][:] for k in pop["0"]}
        n = len(pop["node_type_id"])
        del pop["0"], pop["node_group_id"], pop["node_group_index"]
        pop["node_group_id"] = np.where(np.arange(n) < n_first, 0, 1).astype(np.uint32)
        pop["node_group_index"] = np.where(np.arange(n) < n_first, np.arange(n), n - 1 - np.arange(n)).astype(
            np.uint64
        )
        g0, g1 = pop.create_group("0"), pop.create_group("1")
        for k, v in values.items():
            g0[k] = v[:n_first]
            if k != "y":
                g1[k] = v[n_first:][::-1]
