"""Benchmark PPSeq: 1,000 neurons, 60 s of spikes at about 5 Hz, 2 sequence types, 100 collapsed Gibbs sweeps.

Usage::

    python benchmarks/ppseq_speed.py [--repeats 3]

The spikes are drawn from the model itself (``sample_ppseq_data``): 3 Hz background per neuron plus one
sequence event per second of about 2,000 spikes over the 500 neurons of its type, i.e. 5 Hz in all. Each
repeat is a fresh process (imports and numba's cached compilation included) that fits 100 sweeps (50
annealed) and reports the sweeps' time, the spikes per second processed (spikes × sweeps / time) and how well
the planted neuron types were recovered.

Target (issue 8): 100 sweeps ≤ 60 s on this machine. Rows go to ``benchmarks/results/ppseq_speed.csv``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from convert_full_scale import MACHINE_FIELDS, append_csv, machine, now, run_measured

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "ppseq_speed.csv"
TARGET_S = 60.0

CHILD = """
import json, time
from itertools import permutations
import numpy as np
from v1sim.analysis.sequences import fit_ppseq, likelihood_gain, sample_ppseq_data
neuron, t, planted = sample_ppseq_data(n_neurons=1000, duration_s=60.0, event_rate_hz=1.0, mean_amplitude=2000,
                                       background_hz=3.0, seed=0)
started = time.perf_counter()
res = fit_ppseq(neuron, t, 1000, 2, 60.0, sweeps=100, anneal_sweeps=50, max_event_window_s=0.5, seed=0)
fit_s = time.perf_counter() - started
types = res.neuron_types()
accuracy = max(np.mean(np.array(p)[types] == planted["neuron_type"]) for p in permutations(range(2)))
print("RESULT " + json.dumps({"spikes": len(t), "rate_hz": len(t) / 60.0 / 1000, "fit_s": round(fit_s, 2),
      "spikes_per_s": round(len(t) * 100 / fit_s), "events": len(res.events["time_s"]),
      "planted_events": len(planted["event_time_s"]), "type_accuracy": float(accuracy),
      "gain_nats_per_spike": round(likelihood_gain(res, neuron, 1000, 60.0), 4)}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    work = HERE / "work" / "ppseq_speed"
    runs = []
    for i in range(args.repeats):
        m = run_measured([sys.executable, "-c", CHILD], work / f"run_{i + 1}.log")
        found = [line for line in m.output.splitlines() if line.startswith("RESULT ")]
        result = json.loads(found[-1][len("RESULT ") :]) if found else {}
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
