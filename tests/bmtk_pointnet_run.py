"""Run a SONATA simulation config with bmtk 1.2 PointNet on NEST, dumping NEST's v1 → v1 connections.

Usage: ``python tests/bmtk_pointnet_run.py SIMULATION_CONFIG CONNECTIONS.npz``

Run by ``tests/test_build_bmtk.py`` in a process of its own: NEST crashes at exit when other libraries share
the process. The Billeh release's two weight functions are written here from their formulas
(docs/network-outputs.md), deliberately without importing v1sim, so that the test compares two independent
implementations.

After bmtk has built the network (neurons and recurrent edges; bmtk creates the spike generators of the inputs
only when the run starts), every NEST connection between two ``v1`` neurons is written to CONNECTIONS.npz as
SONATA node ids (through bmtk's own NEST-id ↔ node-id map), weight, delay and receptor; then the network is
simulated for the config's ``tstop``.
"""

from __future__ import annotations

import sys

import nest
import numpy as np
from bmtk.simulator import pointnet
from bmtk.simulator.pointnet.pyfunction_cache import add_weight_function

POPULATION = "v1"


def _angle_difference(a_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    """Distance between two directions around the circle, 0–180°."""
    d = np.mod(a_deg - b_deg, 360.0)
    return np.minimum(d, 360.0 - d)


def _tuning_factor(edges, sources, targets) -> np.ndarray:
    delta = _angle_difference(targets["tuning_angle"].to_numpy(), sources["tuning_angle"].to_numpy())
    return np.exp(-((delta / edges["weight_sigma"].to_numpy()) ** 2))


def _base_weight(edges) -> np.ndarray:
    # bmtk does not multiply by nsyns when an edge type has a weight_function: the function must.
    return edges["syn_weight"].to_numpy() * edges["nsyns"].to_numpy()


def direction_rule_others(edges, sources, targets) -> np.ndarray:
    """syn_weight · nsyns · exp(−(Δ/σ)²)."""
    return _base_weight(edges) * _tuning_factor(edges, sources, targets)


def direction_rule_ee(edges, sources, targets) -> np.ndarray:
    """The tuning factor times the spatial-phase factor times the orientation scaling."""
    theta = targets["tuning_angle"].to_numpy()
    dx = 0.07 * (targets["x"].to_numpy() - sources["x"].to_numpy())
    dz = 0.04 * (targets["z"].to_numpy() - sources["z"].to_numpy())
    along = dx * np.cos(np.deg2rad(theta)) + dz * np.sin(np.deg2rad(theta))
    # φ: the angle between the preferred direction and the horizontal axis, 0–90°.
    phi = np.mod(theta, 180.0)
    phi = np.minimum(phi, 180.0 - phi)
    scale = 5.5 / 4.0 - 11.0 / 1680.0 * phi
    return _base_weight(edges) * _tuning_factor(edges, sources, targets) * np.exp(-(along**2) / 2.0) * scale


def main(config_path: str, connections_path: str) -> None:
    add_weight_function(direction_rule_ee, "DirectionRule_EE")
    add_weight_function(direction_rule_others, "DirectionRule_others")
    config = pointnet.Config.from_json(config_path)
    config.build_env()
    network = pointnet.PointNetwork.from_config(config)
    sim = pointnet.PointSimulator.from_config(config, network)

    ids = network.gid_map.nestid2nodeid_df  # index: NEST id; columns node_ids, populations
    v1_nest = np.sort(ids.index[ids["populations"] == POPULATION].to_numpy())
    v1 = nest.NodeCollection(v1_nest.tolist())
    status = nest.GetConnections(source=v1, target=v1).get(
        ["source", "target", "weight", "delay", "receptor"]
    )
    source, target = np.asarray(status["source"]), np.asarray(status["target"])
    np.savez(
        connections_path,
        n_v1_neurons=len(v1_nest),
        source_node_id=network.gid_map.get_node_ids(source, with_populations=False),
        target_node_id=network.gid_map.get_node_ids(target, with_populations=False),
        weight=np.asarray(status["weight"], dtype=np.float64),
        delay=np.asarray(status["delay"], dtype=np.float64),
        receptor=np.asarray(status["receptor"], dtype=np.int64),
        resolution=nest.resolution,
    )
    sim.run()


if __name__ == "__main__":
    main(*sys.argv[1:])
