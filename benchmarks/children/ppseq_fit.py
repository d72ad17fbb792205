"""Child of ppseq_speed.py: draw 60 s of 1,000 neurons from the PPSeq model and fit 100 sweeps (50 annealed).

No arguments. Result: the fit's time, throughput, events and how well the planted neuron types were recovered.
"""

from __future__ import annotations

import time
from itertools import permutations

N_NEURONS, DURATION_S, SWEEPS = 1000, 60.0, 100


def main(argv: list[str]) -> dict[str, float]:
    import numpy as np

    from v1sim.analysis.sequences import fit_ppseq, likelihood_gain, sample_ppseq_data

    neuron, t, planted = sample_ppseq_data(
        n_neurons=N_NEURONS,
        duration_s=DURATION_S,
        event_rate_hz=1.0,
        mean_amplitude=2000,
        background_hz=3.0,
        seed=0,
    )
    started = time.perf_counter()
    res = fit_ppseq(
        neuron, t, N_NEURONS, 2, DURATION_S, sweeps=SWEEPS, anneal_sweeps=50, max_event_window_s=0.5, seed=0
    )
    fit_s = time.perf_counter() - started
    types = res.neuron_types()
    accuracy = max(np.mean(np.array(p)[types] == planted["neuron_type"]) for p in permutations(range(2)))
    return {
        "spikes": len(t),
        "rate_hz": len(t) / DURATION_S / N_NEURONS,
        "fit_s": round(fit_s, 2),
        "spikes_per_s": round(len(t) * SWEEPS / fit_s),
        "events": len(res.events["time_s"]),
        "planted_events": len(planted["event_time_s"]),
        "type_accuracy": float(accuracy),
        "gain_nats_per_spike": round(likelihood_gain(res, neuron, N_NEURONS, DURATION_S), 4),
    }
