"""Run a SONATA simulation config with bmtk PointNet on NEST.

``python -m v1sim.reference.pointnet_run CONFIG TIMES [WEIGHT_FUNCTIONS.py ...]``

Meant for a process of its own (NEST crashes at exit when some libraries share the process). The release's
two weight functions are registered with bmtk before the network is built; bmtk does not multiply by nsyns
when an edge type names a weight function, so they return ``syn_weight × nsyns × f``. Then each weight-function
file runs (not as ``__main__``) with bmtk's real registry, so a user's functions reach NEST exactly as they would
from the user's own run script, overriding same-named ones as bmtk does. Writes the build and simulation wall
times to the JSON file TIMES.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def register_weight_functions(files: Sequence[str | Path] = ()) -> None:
    """Register the release's DirectionRule functions, then run each user file, with bmtk's registry."""
    import numpy as np
    from bmtk.simulator.pointnet.pyfunction_cache import add_weight_function

    from v1sim.network import weights
    from v1sim.network.user_weights import run_user_file

    def nsyns(edges) -> np.ndarray:
        return edges["nsyns"].to_numpy(float) if "nsyns" in edges else np.ones(len(edges))

    def direction_rule_others(edges, sources, targets) -> np.ndarray:
        factor = weights.tuning_factor(
            sources["tuning_angle"].to_numpy(float),
            targets["tuning_angle"].to_numpy(float),
            edges["weight_sigma"].to_numpy(float),
        )
        return edges["syn_weight"].to_numpy(float) * nsyns(edges) * factor

    def direction_rule_ee(edges, sources, targets) -> np.ndarray:
        factor = weights.direction_rule_ee(
            sources["tuning_angle"].to_numpy(float),
            targets["tuning_angle"].to_numpy(float),
            edges["weight_sigma"].to_numpy(float),
            sources["x"].to_numpy(float),
            sources["z"].to_numpy(float),
            targets["x"].to_numpy(float),
            targets["z"].to_numpy(float),
        )
        return edges["syn_weight"].to_numpy(float) * nsyns(edges) * factor

    add_weight_function(direction_rule_ee, "DirectionRule_EE", overwrite=True)
    add_weight_function(direction_rule_others, "DirectionRule_others", overwrite=True)
    for path in files:
        run_user_file(Path(path).resolve())


def main(config_path: str, times_path: str, *weight_function_files: str) -> None:
    started = time.perf_counter()
    from bmtk.simulator import pointnet

    register_weight_functions(weight_function_files)
    config = pointnet.Config.from_json(config_path)
    config.build_env()
    network = pointnet.PointNetwork.from_config(config)
    sim = pointnet.PointSimulator.from_config(config, network)
    built = time.perf_counter()
    sim.run()
    done = time.perf_counter()
    with open(times_path, "w") as handle:
        json.dump({"build_s": built - started, "simulate_s": done - built, "wall_s": done - started}, handle)


if __name__ == "__main__":
    main(*sys.argv[1:])
