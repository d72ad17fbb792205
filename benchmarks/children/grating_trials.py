"""Child of grating_experiment.py, step 3: the drifting-grating experiment on a converted network, in one
process — every (direction, trial) through :func:`v1sim.grating_trial.run_trial` (its LGN spikes, the
pipeline's seeds, the simulation: 3 s with 500 ms gray, CPU, float32), then the tuning tables.

Arguments: the network folder, the output folder, trials per direction, CPU threads. Result: the seconds of
each part and the tuning summary's headline numbers.
"""

from __future__ import annotations

import time
from pathlib import Path

DIRECTIONS_DEG = (0, 45, 90, 135, 180, 225, 270, 315)
SUMMARY_KEYS = (
    "n_cells",
    "n_responsive",
    "median_osi",
    "preferred_vs_tuning_angle_circular_correlation",
    "preferred_orientation_vs_tuning_angle_circular_correlation",
    "preferred_vs_tuning_angle_median_offset_deg",
    "preferred_direction_split_half_circular_correlation",
    "preferred_vs_tuning_angle_aligned_ceiling",
    "mean_rate_hz",
)


def main(argv: list[str]) -> dict:
    import pandas as pd

    from v1sim.analysis.tuning_stage import analyse_tuning
    from v1sim.grating_trial import GratingProtocol, TrialSimulation, lgn_responder, run_trial

    network, out, trials, threads = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    protocol = GratingProtocol(duration_ms=3000.0, gray_ms=500.0)
    simulation = TrialSimulation(dt_ms=0.25, device="cpu", dtype="float32", threads=threads)
    started = time.perf_counter()
    responder = lgn_responder(network / "nodes.parquet", protocol)
    rows, lgn_s, sim_s = [], 0.0, 0.0
    for d in DIRECTIONS_DEG:
        for t in range(trials):
            done = run_trial(network, out / f"dir{d}_trial{t}", protocol, d, t, simulation, responder)
            lgn_s += done.lgn_s
            sim_s += done.simulate_s
            rows.append({"direction_deg": d, "trial": t, "spikes": str(done.spikes)})
    window = (protocol.gray_ms, protocol.duration_ms)
    summary = analyse_tuning(pd.DataFrame(rows), network / "nodes.parquet", out / "tuning", window)
    return {
        "inner_s": round(time.perf_counter() - started, 1),
        "lgn_s": round(lgn_s, 1),
        "simulate_s": round(sim_s, 1),
        **{k: summary[k] for k in SUMMARY_KEYS},
    }
