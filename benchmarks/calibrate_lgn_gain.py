"""Record a calibration of the built-in column's per-class gains: ``v1sim calibrate`` with this machine's columns.

Usage::

    python benchmarks/calibrate_lgn_gain.py [--iterations 6] [--scale 0.225] [--trials 1] [--duration 3000]

Not a timing: it runs the package's calibration (:mod:`v1sim.builder.calibration`, the procedure behind the
committed gain tables of :mod:`v1sim.builder.gains`; docs/builtin-v1.md) from the committed tables (or
``--gains FILE``), into ``WORKDIR/result`` (``gains.json``, ``trace.csv``, ``provenance.json``), and appends its
trace — every iteration's gains and rates per class — to ``benchmarks/results/lgn_gain_calibration.csv``.
The last lines printed are the new tables as JSON. ``v1sim build-v1 --gains WORKDIR/result/gains.json`` builds
with them; to make them the defaults, copy them into ``src/v1sim/builder/gains.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from harness import append_csv

from v1sim.builder.calibration import TRACE_COLUMNS, CalibrationSettings, calibrate
from v1sim.builder.gains import read_gain_table
from v1sim.builder.v1 import V1Spec
from v1sim.grating_trial import GratingProtocol, TrialSimulation

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "lgn_gain_calibration.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--scale", type=float, default=0.225)
    parser.add_argument("--trials", type=int, default=1, help="trials per direction (1)")
    parser.add_argument("--duration", type=float, default=3000.0, help="trial length, ms, 500 gray (3000)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the simulations (2)")
    parser.add_argument("--gains", type=Path, help="gain table to start from (default: the committed one)")
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "lgn_gain_calibration")
    parser.add_argument("--results", type=Path, default=RESULTS_CSV)
    args = parser.parse_args(argv)
    spec, gains_file = V1Spec(scale=args.scale, seed=0), None
    if args.gains is not None:
        tables, gains_file = read_gain_table(args.gains)
        spec = spec.replace(**tables)
    settings = CalibrationSettings(
        iterations=args.iterations,
        trials=args.trials,
        protocol=GratingProtocol(duration_ms=args.duration),
        simulation=TrialSimulation(device="cpu", dtype="float32", threads=args.threads),
    )
    work = args.workdir.resolve()
    table = calibrate(
        spec, settings, work / "result", workdir=work / "circuit", gains_file=gains_file, progress=True
    )
    for step in table["calibration"]["trace"]:
        print(
            f"iteration {step['iteration']}: {step['classes_within_15_percent']} of 21 within 15 %, "
            f"worst {step['worst_class']} {step['worst_relative_error']:+.0%}"
        )
    trace = pd.read_csv(work / "result" / "trace.csv")
    append_csv(args.results, trace.to_dict("records"), TRACE_COLUMNS)
    print(json.dumps(table["lgn_class_gain"]))
    print(json.dumps(table["recurrent_e_gain"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
