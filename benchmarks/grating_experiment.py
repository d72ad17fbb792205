"""Benchmark the stimulus stage: LGN spikes for the full LGN against bmtk FilterNet, and the whole
8-direction drifting-grating experiment on the core-sized built-in column.

Usage::

    python benchmarks/grating_experiment.py [--filternet-units 100] [--trials 10] [--skip-experiment]

1. **LGN spikes** (issue 7 target: ≤ 60 s): the 17,400 units of the full-scale built-in column (the network
   ``analysis_full_scale.py`` builds, reused) respond to drifting gratings in 8 directions for 3 s each
   (0.04 cpd, 2 Hz, contrast 0.8); ``v1sim`` computes the rates and writes one SONATA spike file per direction,
   in a fresh process (imports included).
2. **The peer**, bmtk 1.2 FilterNet, in a fresh process: its cell loader and ``evaluate`` (the per-unit work of
   ``FilterSimulator.run``, with FilterNet's own numba kernel) and its spike generator, on a seeded sample of
   ``--filternet-units`` units (all 14 types) for one direction; its time per unit-direction is extrapolated
   to the 17,400 × 8 of step 1 (labelled as an extrapolation). The sample's rates are compared with ours.
3. **The experiment** (timed, no target): 8 directions × ``--trials`` trials of 3 s (500 ms gray) on the
   core-sized column (scale 0.225, built and converted into ``WORKDIR/core`` once), CPU, float32, 2 threads,
   in one process: LGN spikes, simulation, then the tuning tables.

Rows go to ``benchmarks/results/grating_experiment.csv``; exit status 1 if the LGN target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis_full_scale import ensure_nodes
from convert_full_scale import append_csv, machine, now, run_measured

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

OURS_CHILD = """
import json, sys, time
from pathlib import Path
from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_stage import read_units, write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, Screen
nodes, out = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
units = read_units(nodes)
responder = LGNResponder(units, Screen.for_grating(0.04))
setup = time.perf_counter() - started
spikes = 0
for d in (0, 45, 90, 135, 180, 225, 270, 315):
    grating = DriftingGrating(d, 3000.0)
    spikes += write_lgn_spikes(nodes, out / f"lgn_{d}.h5", grating, 0, d, responder=responder)["spikes"]
print("RESULT " + json.dumps({"units": len(units), "spikes": spikes, "setup_s": round(setup, 2),
                              "inner_s": round(time.perf_counter() - started, 2)}))
"""

FILTERNET_CHILD = """
import json, sys, time
import numpy as np
from pathlib import Path
import bmtk
from bmtk.simulator.filternet.default_setters.cell_loaders import default_cell_loader
from bmtk.simulator.filternet.lgnmodel.movie import GratingMovie
from bmtk.simulator.filternet.modules.create_spikes import f_rate_to_spike_train
from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_filters import TWO_SUBFIELD, temporal_params
from v1sim.inputs.lgn_stage import read_units
from v1sim.inputs.stimulus import DriftingGrating, Screen

class Node(dict):
    predefined_jitter = False
    jitter = (1.0, 1.0)
    def __getattr__(self, key):
        return self.get(key)

nodes, n_sample = Path(sys.argv[1]), int(sys.argv[2])
units = read_units(nodes)
rng = np.random.default_rng(0)
pick = np.sort(rng.choice(len(units), n_sample, replace=False))
models = Path(bmtk.__file__).parent / "utils" / "scripts" / "filternet" / "filter_models"
started = time.perf_counter()
movie = GratingMovie(row_size=120, col_size=240, frame_rate=1000.0, y_dir="up").create_movie(
    t_min=0.0, t_max=3.0, gray_screen_dur=0.0, cpd=0.04, temporal_f=2.0, theta=45.0, contrast=0.8)
movie_s = time.perf_counter() - started
theirs, first_unit_s = [], None
for u in pick:
    kind = str(units.unit_type[u])
    node = {"x": units.x_deg[u], "y": units.y_deg[u], "spatial_size": units.spatial_size_deg[u],
            "tuning_angle": units.tuning_angle_deg[u], "sf_sep": units.sf_sep_deg[u]}
    dynamics = None
    if kind in TWO_SUBFIELD:
        t = TWO_SUBFIELD[kind]
        off, on = temporal_params(t.off_kernel), temporal_params(t.on_kernel)
        node.update(weights=list(off.weights), kpeaks=list(off.kpeaks), delays=list(off.delays),
                    weights_non_dom=list(on.weights), kpeaks_non_dom=list(on.kpeaks), delays_non_dom=list(on.delays))
    else:
        dynamics = json.loads((models / f"{kind}.json").read_text())
    t0 = time.perf_counter()
    cell = default_cell_loader(Node(node), ("lgnmodel", kind), dynamics)
    ts, rates = cell.evaluate(movie, separable=False)
    rates = np.asarray(rates, dtype=float)
    f_rate_to_spike_train(np.asarray(ts) * 1000.0, rates, int(u), 0.0, 3000.0, 0.1)
    if first_unit_s is None:
        first_unit_s = time.perf_counter() - t0  # includes numba's compilation of FilterNet's kernel
    theirs.append(rates)
total = time.perf_counter() - started
per_unit = (total - movie_s - first_unit_s) / max(len(pick) - 1, 1)
sub = type(units)(*(getattr(units, f)[pick] for f in units.__dataclass_fields__))
ours = LGNResponder(sub, Screen.for_grating(0.04)).rates(DriftingGrating(45.0, 3000.0))
diff = float(np.max(np.abs(ours - np.array(theirs))))
mean_ratio = float(np.max(np.abs(ours.mean(axis=1) / np.array(theirs).mean(axis=1) - 1)))
print("RESULT " + json.dumps({"units": len(pick), "inner_s": round(total, 2), "movie_s": round(movie_s, 2),
      "first_unit_s": round(first_unit_s, 2), "per_unit_direction_s": per_unit,
      "max_abs_rate_diff_hz": diff, "max_mean_rate_rel_diff": mean_ratio}))
"""

EXPERIMENT_CHILD = """
import json, sys, time
import numpy as np, pandas as pd
from pathlib import Path
from v1sim.analysis.tuning_stage import analyse_tuning
from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_stage import read_units, write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, Screen
from v1sim.simulation import RunSettings, run_simulation
network, out, trials = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
units = read_units(network / "nodes.parquet")
responder = LGNResponder(units, Screen.for_grating(0.04))
rows, lgn_s, sim_s = [], 0.0, 0.0
for d in (0, 45, 90, 135, 180, 225, 270, 315):
    for t in range(trials):
        t0 = time.perf_counter()
        lgn = out / f"lgn_{d}_{t}.h5"
        write_lgn_spikes(network / "nodes.parquet", lgn, DriftingGrating(d, 3000.0, gray_ms=500.0), 0, 100 * d + t,
                         responder=responder)
        t1 = time.perf_counter()
        run_simulation(network, out / f"sim_{d}_{t}", None, RunSettings(tstop_ms=3000.0, dt_ms=0.25, device="cpu",
                       dtype="float32", seed=100 * d + t, threads=2, input_files={"lgn": str(lgn)}))
        sim_s += time.perf_counter() - t1
        lgn_s += t1 - t0
        rows.append({"direction_deg": d, "trial": t, "spikes": str(out / f"sim_{d}_{t}" / "spikes.h5")})
summary = analyse_tuning(pd.DataFrame(rows), network / "nodes.parquet", out / "tuning", (500.0, 3000.0))
print("RESULT " + json.dumps({"inner_s": round(time.perf_counter() - started, 1), "lgn_s": round(lgn_s, 1),
      "simulate_s": round(sim_s, 1), **{k: summary[k] for k in ("n_cells", "n_responsive", "median_osi",
      "preferred_vs_tuning_angle_circular_correlation", "preferred_orientation_vs_tuning_angle_circular_correlation",
      "preferred_vs_tuning_angle_median_offset_deg", "preferred_direction_split_half_circular_correlation",
      "preferred_vs_tuning_angle_aligned_ceiling",
      "mean_rate_hz")}}))
"""


def _result(output: str) -> dict:
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT ") :]) if lines else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--filternet-units", type=int, default=100)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--skip-experiment", action="store_true")
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

    m = run_measured(
        [sys.executable, "-c", OURS_CHILD, str(nodes), str(work / "lgn")], work / "logs" / "ours.log"
    )
    ours = _result(m.output)
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

    m = run_measured(
        [sys.executable, "-c", FILTERNET_CHILD, str(nodes), str(args.filternet_units)],
        work / "logs" / "filternet.log",
    )
    theirs = _result(m.output)
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
        cmd = [sys.executable, "-c", EXPERIMENT_CHILD, str(core), str(out), str(args.trials)]
        m = run_measured(cmd, work / "logs" / "experiment.log")
        found = _result(m.output)
        rows.append(
            {
                **base,
                "step": f"experiment 8 directions x {args.trials} trials x 3 s, scale 0.225, CPU",
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
