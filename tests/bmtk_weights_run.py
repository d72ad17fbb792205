"""Build and run a SONATA simulation config with bmtk 1.2 PointNet on NEST 3.10; dump every connection's weight.

Usage: ``python tests/bmtk_weights_run.py SIMULATION_CONFIG CONNECTIONS.npz [WEIGHT_FUNCTIONS.py ...]``

Run by ``tests/test_weight_functions.py`` in a process of its own (NEST crashes at exit when other libraries
share the process). The weight functions are registered by ``v1sim.reference.pointnet_run`` (what the NEST
reference run does: the release's functions, then the user's files with bmtk's own registry). After the run
(bmtk connects the spike generators of the inputs only when the simulation starts), every NEST connection
between two SONATA nodes is written to CONNECTIONS.npz as source population, source and target node ids and
weight, through bmtk's own NEST-id ↔ node-id maps.
"""

from __future__ import annotations

import sys

import nest
import numpy as np
import pandas as pd
from bmtk.simulator import pointnet

from v1sim.reference.pointnet_run import register_weight_functions


def main(config_path: str, connections_path: str, *weight_function_files: str) -> None:
    register_weight_functions(weight_function_files)
    config = pointnet.Config.from_json(config_path)
    config.build_env()
    network = pointnet.PointNetwork.from_config(config)
    sim = pointnet.PointSimulator.from_config(config, network)
    sim.run()

    # NEST id -> (population, node id) of neurons and of the inputs' spike generators.
    ids = pd.concat([network.gid_map.nestid2nodeid_df, network._virtual_gids.nestid2nodeid_df])
    assert not ids.index.duplicated().any()
    status = nest.GetConnections().get(["source", "target", "weight"])
    source, target = np.asarray(status["source"]), np.asarray(status["target"])
    between_nodes = np.isin(source, ids.index) & np.isin(target, network.gid_map.nestid2nodeid_df.index)
    src = ids.loc[source[between_nodes]]
    trg = ids.loc[target[between_nodes]]
    np.savez(
        connections_path,
        source_population=src["populations"].to_numpy().astype(str),
        source_node_id=src["node_ids"].to_numpy(np.int64),
        target_population=trg["populations"].to_numpy().astype(str),
        target_node_id=trg["node_ids"].to_numpy(np.int64),
        weight=np.asarray(status["weight"], dtype=np.float64)[between_nodes],
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
