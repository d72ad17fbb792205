"""Child of grating_experiment.py, step 1: v1sim's LGN spikes of every unit for 8 grating directions × 3 s
(no gray screen), each written as a SONATA file: trial 0 of each direction
(:func:`v1sim.grating_trial.write_trial_lgn`).

Arguments: a convert-stage nodes.parquet, the output folder. Result: units, spikes and the seconds inside.
"""

from __future__ import annotations

import time
from pathlib import Path

DIRECTIONS_DEG = (0, 45, 90, 135, 180, 225, 270, 315)
DURATION_MS = 3000.0


def main(argv: list[str]) -> dict:
    from v1sim.grating_trial import GratingProtocol, lgn_responder, write_trial_lgn

    nodes, out = Path(argv[0]), Path(argv[1])
    protocol = GratingProtocol(duration_ms=DURATION_MS, gray_ms=0.0)
    started = time.perf_counter()
    responder = lgn_responder(nodes, protocol)
    setup = time.perf_counter() - started
    spikes = 0
    for d in DIRECTIONS_DEG:
        spikes += write_trial_lgn(nodes, out / f"lgn_{d}.h5", protocol, d, 0, responder)["spikes"]
    return {
        "units": len(responder.units),
        "spikes": spikes,
        "setup_s": round(setup, 2),
        "inner_s": round(time.perf_counter() - started, 2),
    }
