"""Run a simulation config exactly as bmtk's ``run_pointnet.py`` does (bmtk 1.2 PointNet on NEST 3.10).

Usage: ``python tests/bmtk_run_config.py SIMULATION_CONFIG`` (run in its own process: NEST must not share it).

The fixture circuits' weight functions are registered from ``tests/bmtk_pointnet_run.py`` (written there from
their formulas, without v1sim). NEST's multimeters write V_m with 17 digits instead of NEST's default 3, so that
bmtk's report holds NEST's doubles (as the shared references were made); nothing else differs from bmtk.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nest
from bmtk.simulator import pointnet
from bmtk.simulator.pointnet.modules import multimeter_reporter
from bmtk.simulator.pointnet.pyfunction_cache import add_weight_function

sys.path.insert(0, str(Path(__file__).parent))
from bmtk_pointnet_run import direction_rule_ee, direction_rule_others


def _precise_multimeter(create):
    def create_precise(*args, **kwargs):
        multimeter = create(*args, **kwargs)
        nest.SetStatus(multimeter, {"precision": 17})
        return multimeter

    return create_precise


def main(config_path: str) -> None:
    add_weight_function(direction_rule_ee, "DirectionRule_EE")
    add_weight_function(direction_rule_others, "DirectionRule_others")
    multimeter_reporter.create_multimeter = _precise_multimeter(multimeter_reporter.create_multimeter)
    config = pointnet.Config.from_json(config_path)
    config.build_env()
    network = pointnet.PointNetwork.from_config(config)
    sim = pointnet.PointSimulator.from_config(config, network)
    sim.run()


if __name__ == "__main__":
    main(*sys.argv[1:])
