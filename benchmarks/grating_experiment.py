"""Benchmark the stimulus stage: LGN spikes for the full LGN against bmtk FilterNet, and the whole
8-direction drifting-grating experiment on the core-sized built-in column.

Usage::

    python benchmarks/grating_experiment.py [--filternet-units 100] [--trials 10] [--threads 2] [--skip-experiment]

Each step runs one child program (``benchmarks/children/``) in a fresh process, imports included:

1. **LGN spikes** (issue 7 target: ≤ 60 s; ``lgn_spikes.py``): the 17,400 units of the full-scale built-in
   column (the network ``analysis_full_scale.py`` builds, reused) respond to drifting gratings in 8 directions
   for 3 s each (0.04 cpd, 2 Hz, contrast 0.8); ``v1sim`` computes the rates and writes one SONATA spike file
   per direction.
2. **The peer**, bmtk 1.2 FilterNet (``filternet_sample.py``): its cell loader and ``evaluate`` (the per-unit
   work of ``FilterSimulator.run``, with FilterNet's own numba kernel) and its spike generator, on a seeded
   sample of ``--filternet-units`` units (all 14 types) for one direction; its time per unit-direction is
   extrapolated to the 17,400 × 8 of step 1 (labelled as an extrapolation). The sample's rates are compared
   with ours.
3. **The experiment** (timed, no target; ``grating_trials.py``): 8 directions × ``--trials`` trials of 3 s
   (500 ms gray) on the core-sized column (scale 0.225, built and converted into ``WORKDIR/core`` once), CPU,
   float32, ``--threads`` threads, in one process: each trial through ``v1sim.grating_trial.run_trial`` (LGN
   spikes and simulation with the pipeline's seeds), then the tuning tables.

Rows go to ``benchmarks/results/grating_experiment.csv``; exit status 1 if the LGN target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness import append_csv, child_result, ensure_nodes, machine, now, run_child

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "grating_experiment.csv"
TARGET_LGN_S = 60.0
DIRECTIONS = [0, 45, 90, 135, 180, 225, 270, 315]
#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "step",
    "units",
    "wall_s",
    "peak_rss_gb",
    "status",
    "detail",
]

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--filternet-units", type=int, default=100)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--skip-experiment", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the experiment's simulations (2)")
    parser.add_argument(
        "--core-network", type=Path, help="a converted network (default: the built-in column at scale 0.225)"
    )
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "grating_experiment")
    args = parser.parse_args(argv)
    work = args.workdir.resolve()
    (work / "lgn").mkdir(parents=True, exist_ok=True)
    nodes = ensure_nodes(HERE / "work" / "analysis_full_scale")
    base = {"date": now(), **machine()}
    rows = []

    m = run_child("lgn_spikes", [nodes, work / "lgn"], work / "logs" / "ours.log")
    ours = child_result(m.output)
    ok = m.status == "ok" and m.wall_s <= TARGET_LGN_S
    rows.append(
        {
            **base,
            "step": "v1sim LGN spikes, 8 directions x 3 s",
            "units": ours.get("units"),
            "wall_s": round(m.wall_s, 2),
            "peak_rss_gb": round(m.peak_rss_gb, 3),
            "status": m.status,
            "detail": json.dumps({**ours, "target_s": TARGET_LGN_S, "target": "PASS" if ok else "FAIL"}),
        }
    )
    print(f"v1sim: {m.wall_s:.1f} s, {m.peak_rss_gb:.2f} GB ({m.status}) {ours}", flush=True)

    m = run_child("filternet_sample", [nodes, args.filternet_units], work / "logs" / "filternet.log")
    theirs = child_result(m.output)
    if theirs:
        extrapolated = theirs["per_unit_direction_s"] * ours.get("units", 17_400) * len(DIRECTIONS)
        theirs["extrapolated_full_s"] = round(extrapolated, 1)
        theirs["ratio_extrapolated_over_v1sim"] = round(extrapolated / rows[0]["wall_s"], 1)
    rows.append(
        {
            **base,
            "step": f"bmtk FilterNet per-unit evaluate + spikes, {args.filternet_units} units x 1 "
            "direction x 3 s",
            "units": theirs.get("units"),
            "wall_s": round(m.wall_s, 2),
            "peak_rss_gb": round(m.peak_rss_gb, 3),
            "status": m.status,
            "detail": json.dumps(theirs),
        }
    )
    print(f"FilterNet: {m.wall_s:.1f} s ({m.status}) {theirs}", flush=True)

    if not args.skip_experiment:
        out = work / "experiment"
        core = args.core_network or ensure_nodes(work / "core", scale=0.225).parent
        child_args = [core, out, args.trials, args.threads]
        m = run_child("grating_trials", child_args, work / "logs" / "experiment.log")
        found = child_result(m.output)
        rows.append(
            {
                **base,
                "step": f"experiment 8 directions x {args.trials} trials x 3 s, scale 0.225, CPU, "
                f"{args.threads} threads",
                "units": found.get("n_cells"),
                "wall_s": round(m.wall_s, 1),
                "peak_rss_gb": round(m.peak_rss_gb, 3),
                "status": m.status,
                "detail": json.dumps(found),
            }
        )
        print(f"experiment: {m.wall_s:.1f} s ({m.status}) {found}", flush=True)

    append_csv(RESULTS_CSV, rows, CSV_FIELDS)
    print(
        f"{'PASS' if ok else 'FAIL'}: LGN spikes for 17,400 units x 8 directions x 3 s in {rows[0]['wall_s']} s "
        f"(target {TARGET_LGN_S:g} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
