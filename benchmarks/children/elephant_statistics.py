"""Child of analysis_full_scale.py, the peer: elephant's per-cell rates and ISI CVs and one binned matrix of
every cell, from a SONATA spike file (what a user of the reference toolkit would write).

Arguments: the spike file, t_stop (ms), bin width (ms). Result: the trains, those with a CV, and the seconds at
each step.
"""

from __future__ import annotations

import time
from pathlib import Path


def main(argv: list[str]) -> dict:
    import neo
    import numpy as np
    import quantities as pq
    from elephant.conversion import BinnedSpikeTrain
    from elephant.statistics import cv, isi, mean_firing_rate

    from v1sim.sonata.spikes import read_spikes

    path, t_stop, bin_ms = Path(argv[0]), float(argv[1]), float(argv[2])
    started = time.perf_counter()
    trains = []
    for ids, times in read_spikes(path).values():
        order = np.lexsort((times, ids))
        ids, times = ids[order], times[order]
        cut = np.flatnonzero(np.diff(ids)) + 1
        for t in np.split(times, cut):
            trains.append(neo.SpikeTrain(t * pq.ms, t_stop=t_stop * pq.ms))
    seconds = {"trains": time.perf_counter() - started}
    print(f"trains {len(trains)} built in {seconds['trains']:.1f} s", flush=True)
    rates = [mean_firing_rate(t) for t in trains]
    cvs = [cv(isi(t).magnitude) if len(t) > 2 else np.nan for t in trains]
    seconds["rates_and_cvs"] = time.perf_counter() - started
    print(f"rates and CVs at {seconds['rates_and_cvs']:.1f} s", flush=True)
    binned = BinnedSpikeTrain(trains, bin_size=bin_ms * pq.ms, t_start=0 * pq.ms, t_stop=t_stop * pq.ms)
    seconds["binned"] = time.perf_counter() - started
    print(f"binned {binned.shape} at {seconds['binned']:.1f} s", flush=True)
    return {
        "trains": len(rates),
        "with_cv": int(np.isfinite(cvs).sum()),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }
