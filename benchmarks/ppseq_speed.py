"""Benchmark PPSeq: 1,000 neurons, 60 s of spikes at about 5 Hz, 2 sequence types, 100 collapsed Gibbs sweeps.

Usage::

    python benchmarks/ppseq_speed.py [--repeats 3]

The spikes are drawn from the model itself (``sample_ppseq_data``): 3 Hz background per neuron plus one
sequence event per second of about 2,000 spikes over the 500 neurons of its type, i.e. 5 Hz in all. Each
repeat is a fresh process (``children/ppseq_fit.py``; imports and numba's cached compilation included) that
fits 100 sweeps (50 annealed) and reports the sweeps' time, the spikes per second processed (spikes × sweeps /
time) and how well the planted neuron types were recovered.

Target (issue 8): 100 sweeps ≤ 60 s on this machine. Rows go to ``benchmarks/results/ppseq_speed.csv``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from harness import MACHINE_FIELDS, append_csv, child_result, machine, now, run_child

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "ppseq_speed.csv"
TARGET_S = 60.0

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    work = HERE / "work" / "ppseq_speed"
    runs = []
    for i in range(args.repeats):
        m = run_child("ppseq_fit", [], work / f"run_{i + 1}.log")
        result = child_result(m.output)
        runs.append((m, result))
        print(f"  run {i + 1}: {m.wall_s:.1f} s wall ({m.status}) {result}", flush=True)
    fits = [r["fit_s"] for m, r in runs if r]
    median = statistics.median(fits) if fits else float("nan")
    ok = bool(fits) and median <= TARGET_S
    row = {
        "date": now(),
        **machine(),
        "repeats": len(runs),
        "fit_s_median": median,
        "fit_s_runs": " ".join(f"{f:.2f}" for f in fits),
        "wall_s_median": round(statistics.median(m.wall_s for m, _ in runs), 2),
        "peak_rss_gb": round(max(m.peak_rss_gb for m, _ in runs), 3),
        "detail": json.dumps(runs[-1][1]),
        "target": "PASS" if ok else "FAIL",
    }
    append_csv(RESULTS_CSV, [row], [k for k in row if k not in MACHINE_FIELDS])
    print(f"{'PASS' if ok else 'FAIL'}: 100 sweeps in {median:.1f} s median (target {TARGET_S:g} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
