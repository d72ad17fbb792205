"""Calibrate the built-in column's per-class gains (``v1sim.builder.v1.LGN_CLASS_GAIN``, ``RECURRENT_E_GAIN``) to the
Billeh rates.

Usage::

    python benchmarks/calibrate_lgn_gain.py [--iterations 6] [--scale 0.225]

Not a timing: this is how the gain tables in ``src/v1sim/builder/v1.py`` were made, kept so that they can be
redone when the builder changes. Each iteration builds the column (default spec, seed 0) with the current gains,
simulates drifting gratings at 0° and 90° (3 s as in the grating experiment, 500 ms gray, CPU float32) and
compares each class's mean rate over the grating with its Billeh target (``v1sim.analysis.targets``); then
every LGN gain is multiplied by ``((target + 0.2) / (rate + 0.2))^0.5`` (damped; the 0.2 Hz keeps silent
classes finite), within [0.05, 20]. A class whose LGN gain is at that floor and that still fires too fast is
driven by the network, so the rest of its correction goes onto its recurrent excitatory gain (the factor on
every E → class edge type), within [0.1, 1] and damped once more (square root); a class with a recurrent gain
below 1 that fires too slowly gets that gain back first. It starts from the tables in the builder. Each
iteration's rates and gains go to ``benchmarks/results/lgn_gain_calibration.csv``; the last two lines printed
are the new tables as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from convert_full_scale import append_csv

import v1sim.builder.v1 as builder
from v1sim.analysis.targets import target_rate_hz
from v1sim.builder import published_figures as figures
from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_stage import read_units, write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, Screen
from v1sim.network.convert import convert_circuit
from v1sim.simulation import RunSettings, run_simulation

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "lgn_gain_calibration.csv"
DIRECTIONS_DEG = (0.0, 90.0)
DURATION_MS, GRAY_MS = 3000.0, 500.0
CSV_FIELDS = [
    "iteration",
    "scale",
    "duration_ms",
    "cell_class",
    "target_hz",
    "rate_hz",
    "gain",
    "recurrent_e_gain",
]
LGN_GAIN_RANGE = (0.05, 20.0)
RECURRENT_GAIN_RANGE = (0.1, 1.0)
#: extra damping exponent on recurrent-gain steps: a floored class's rate moves several-fold per unit of that
#: gain (halving it took L4 SST from 7.1 to 1.4 Hz), and undamped steps oscillated
RECURRENT_DAMPING = 0.5


def class_rates(
    work: Path, gains: dict[str, float], recurrent: dict[str, float], scale: float
) -> dict[str, float]:
    """Mean rate (Hz) of every class over the gratings, for a column built with LGN ``gains`` and
    ``recurrent`` excitatory gains."""
    builder.LGN_CLASS_GAIN.clear()
    builder.LGN_CLASS_GAIN.update(gains)
    builder.RECURRENT_E_GAIN.clear()
    builder.RECURRENT_E_GAIN.update({c: g for c, g in recurrent.items() if g != 1.0})
    if work.exists():
        shutil.rmtree(work)
    builder.build_v1(builder.V1Spec(scale=scale, seed=0), work / "circuit")
    net = work / "network"
    convert_circuit(work / "circuit" / "simulation_config.json", net, progress=False)
    nodes = pd.read_parquet(net / "nodes.parquet", columns=["population", "node_id", "pop_name"])
    cells = nodes[nodes["population"] == "v1"]
    responder = LGNResponder(read_units(net / "nodes.parquet"), Screen.for_grating(0.04))
    counts = np.zeros(int(cells["node_id"].max()) + 1)
    for d in DIRECTIONS_DEG:
        lgn = work / f"lgn_{d:g}.h5"
        grating = DriftingGrating(d, DURATION_MS, gray_ms=GRAY_MS)
        write_lgn_spikes(net / "nodes.parquet", lgn, grating, 0, int(d), responder=responder)
        settings = RunSettings(
            tstop_ms=DURATION_MS,
            dt_ms=0.25,
            device="cpu",
            dtype="float32",
            seed=int(d),
            threads=2,
            input_files={"lgn": str(lgn)},
        )
        run_simulation(net, work / f"sim_{d:g}", None, settings)
        with h5py.File(work / f"sim_{d:g}" / "spikes.h5") as f:
            times, ids = f["spikes/v1/timestamps"][:], f["spikes/v1/node_ids"][:]
        counts += np.bincount(ids[times >= GRAY_MS], minlength=len(counts))
    rate = counts / (len(DIRECTIONS_DEG) * (DURATION_MS - GRAY_MS) / 1000.0)
    name = cells.set_index("node_id")["pop_name"].fillna("")
    return {c.name: float(rate[name.index[name.str.startswith(c.name)]].mean()) for c in figures.CLASSES}


def corrected_gains(lgn_gain: float, recurrent_gain: float, factor: float) -> tuple[float, float]:
    """The class's (LGN gain, recurrent excitatory gain) after a correction ``factor`` of its drive.

    Down: the LGN gain takes it as far as its floor, the recurrent gain the rest (damped further). Up: a
    recurrent gain below 1 is raised first (as damped), the LGN gain only once it is back at 1."""
    if factor < 1.0 and lgn_gain * factor < LGN_GAIN_RANGE[0]:
        rest = lgn_gain * factor / LGN_GAIN_RANGE[0]
        recurrent = recurrent_gain * rest**RECURRENT_DAMPING
        return LGN_GAIN_RANGE[0], float(np.clip(recurrent, *RECURRENT_GAIN_RANGE))
    if factor > 1.0 and recurrent_gain < 1.0:
        return lgn_gain, min(recurrent_gain * factor**RECURRENT_DAMPING, 1.0)
    return float(np.clip(lgn_gain * factor, *LGN_GAIN_RANGE)), recurrent_gain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--scale", type=float, default=0.225)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "lgn_gain_calibration")
    args = parser.parse_args(argv)
    gains = {c.name: builder.LGN_CLASS_GAIN.get(c.name, 1.0) for c in figures.CLASSES}
    recurrent = {c.name: builder.RECURRENT_E_GAIN.get(c.name, 1.0) for c in figures.CLASSES}
    target = {c.name: target_rate_hz(c.name) for c in figures.CLASSES}
    for it in range(args.iterations):
        rates = class_rates(args.workdir.resolve(), gains, recurrent, args.scale)
        worst = max(abs(rates[c] / target[c] - 1) for c in gains)
        print(f"iteration {it}: worst class off its target by {worst:.0%}", flush=True)
        rows = [
            {"iteration": it, "scale": args.scale, "duration_ms": DURATION_MS, "cell_class": c, "target_hz": target[c],
             "rate_hz": round(rates[c], 3), "gain": round(gains[c], 4),
             "recurrent_e_gain": round(recurrent[c], 4)}
            for c in gains
        ]  # fmt: skip
        append_csv(RESULTS_CSV, rows, CSV_FIELDS)
        for c in gains:
            factor = ((target[c] + 0.2) / (rates[c] + 0.2)) ** 0.5
            gains[c], recurrent[c] = corrected_gains(gains[c], recurrent[c], factor)
    print(json.dumps({c: round(g, 3) for c, g in gains.items()}))
    print(json.dumps({c: round(g, 3) for c, g in recurrent.items() if round(g, 3) != 1.0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
