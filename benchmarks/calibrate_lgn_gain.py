"""Calibrate the built-in column's per-class LGN gains (``v1sim.build.v1.LGN_CLASS_GAIN``) to the Billeh rates.

Usage::

    python benchmarks/calibrate_lgn_gain.py [--iterations 6] [--scale 0.225]

Not a timing: this is how the gain table in ``src/v1sim/build/v1.py`` was made, kept so that it can be redone
when the builder changes. Each iteration builds the column (default spec, seed 0) with the current gains,
simulates drifting gratings at 0° and 90° (2 s, 500 ms gray, CPU float32) and compares each class's mean
rate over the grating with its Billeh target (``v1sim.analysis.targets``); then every gain is multiplied by
``((target + 0.2) / (rate + 0.2))^0.5`` (damped; the 0.2 Hz keeps silent classes finite), within [0.05, 20].
It starts from the table in the builder. Each iteration's rates and gains go to
``benchmarks/results/lgn_gain_calibration.csv``; the last line printed is the new table as JSON.
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

import v1sim.build.v1 as builder
from v1sim.analysis.targets import target_rate_hz
from v1sim.build import figures
from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_stage import read_units, write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, Screen
from v1sim.network.convert import convert_circuit
from v1sim.simulation import RunSettings, run_simulation

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "lgn_gain_calibration.csv"
DIRECTIONS_DEG = (0.0, 90.0)
DURATION_MS, GRAY_MS = 2000.0, 500.0
CSV_FIELDS = ["iteration", "scale", "cell_class", "target_hz", "rate_hz", "gain"]


def class_rates(work: Path, gains: dict[str, float], scale: float) -> dict[str, float]:
    """Mean rate (Hz) of every class over the gratings, for a column built with ``gains``."""
    builder.LGN_CLASS_GAIN.clear()
    builder.LGN_CLASS_GAIN.update(gains)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--scale", type=float, default=0.225)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "lgn_gain_calibration")
    args = parser.parse_args(argv)
    gains = {c.name: builder.LGN_CLASS_GAIN.get(c.name, 1.0) for c in figures.CLASSES}
    target = {c.name: target_rate_hz(c.name) for c in figures.CLASSES}
    for it in range(args.iterations):
        rates = class_rates(args.workdir.resolve(), gains, args.scale)
        worst = max(abs(rates[c] / target[c] - 1) for c in gains)
        print(f"iteration {it}: worst class off its target by {worst:.0%}", flush=True)
        rows = [
            {"iteration": it, "scale": args.scale, "cell_class": c, "target_hz": target[c],
             "rate_hz": round(rates[c], 3), "gain": round(gains[c], 4)}
            for c in gains
        ]  # fmt: skip
        append_csv(RESULTS_CSV, rows, CSV_FIELDS)
        for c in gains:
            gains[c] = float(np.clip(gains[c] * ((target[c] + 0.2) / (rates[c] + 0.2)) ** 0.5, 0.05, 20))
    print(json.dumps({c: round(g, 3) for c, g in gains.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
