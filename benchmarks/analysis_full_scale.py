"""Benchmark the analysis stage (``v1sim analyse`` + ``v1sim figures``) on a full-scale spike file.

Usage::

    python benchmarks/analysis_full_scale.py [--nodes NODES.parquet] [--duration-ms T] [--repeats N]
                                             [--elephant | --no-elephant] [--workdir DIR]

1. Cells: ``--nodes``, or the built-in V1 column at full scale (``v1sim build-v1 --scale 1`` and
   ``v1sim convert``: 230,924 cells) built once into ``WORKDIR/v1`` and reused while its spec file matches
   (``harness.ensure_nodes``).
2. Spikes: every cell fires an inhomogeneous Poisson train for ``--duration-ms`` (default 5,000 ms) at its
   class's Billeh et al. (2020) evoked rate times a log-normal factor (σ = 1, mean 1), modulated by a 4 Hz
   population rhythm (±30 %) so that the population activity has structure; seeded, written as a SONATA spike
   file and reused while its parameters match. About 3.8 M spikes at the default duration.
3. Times ``python -m v1sim analyse`` then ``python -m v1sim figures`` on it, ``--repeats`` times, each in a
   fresh process: wall time (start to exit, imports included) and the child's peak RSS (``ru_maxrss``).
4. The peer (``--elephant``, on by default): elephant 1.x, the reference toolkit for spike-train statistics,
   doing part of the same work in a fresh process (``children/elephant_statistics.py``) — a
   ``neo.SpikeTrain`` per cell, ``mean_firing_rate`` and ``cv(isi)`` per cell, and one ``BinnedSpikeTrain`` of
   all cells at the same bin width — stopped at ``--elephant-timeout``. Its wall time is set against the whole
   of ``v1sim analyse`` (which also does PCA, two UMAPs and the correlations).

Targets (issue 5): analyse + figures ≤ 180 s and ≤ 8 GB peak (the medians, the larger peak of the two).
Rows go to ``benchmarks/results/analysis_full_scale.csv``; exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path

import numpy as np
from harness import append_csv, ensure_nodes, machine, now, run_child, run_measured

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "analysis_full_scale.csv"
TARGET_WALL_S = 180.0
TARGET_PEAK_GB = 8.0
RHYTHM_HZ, RHYTHM_DEPTH = 4.0, 0.3
#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "cells",
    "spikes",
    "duration_ms",
    "tool",
    "repeats",
    "wall_s",
    "peak_rss_gb",
    "wall_s_runs",
    "status",
    "stage_seconds",
    "speedup_over_peer",
    "target",
]


def ensure_spikes(nodes: Path, workdir: Path, duration_ms: float, seed: int) -> tuple[Path, int, int]:
    """The benchmark's spike file (regenerated when the cells or parameters change); spikes and cells."""
    import pandas as pd

    from v1sim.analysis.targets import BILLEH_OVERALL_HZ, target_rate_hz
    from v1sim.sonata.spikes import write_spikes

    cells = pd.read_parquet(nodes, columns=["population", "node_id", "model_type", "pop_name"])
    cells = cells[cells["model_type"] != "virtual"]
    key = hashlib.sha256(f"{nodes.stat().st_size} {len(cells)} {duration_ms} {seed}".encode()).hexdigest()[
        :12
    ]
    path = workdir / f"spikes_{key}.h5"
    rng = np.random.default_rng(seed)
    class_rate = np.array([target_rate_hz(c) for c in cells["pop_name"].fillna("")])
    class_rate = np.where(np.isnan(class_rate), BILLEH_OVERALL_HZ, class_rate)
    rate = class_rate * rng.lognormal(-0.5, 1.0, len(cells))  # σ = 1, mean factor 1
    peak = rate * (1 + RHYTHM_DEPTH)
    n = rng.poisson(peak * duration_ms / 1000.0)
    owner = np.repeat(np.arange(len(cells)), n)
    times = rng.uniform(0.0, duration_ms, n.sum())
    keep = rng.uniform(size=len(times)) * (1 + RHYTHM_DEPTH) < 1 + RHYTHM_DEPTH * np.sin(
        2 * np.pi * RHYTHM_HZ * times / 1000.0
    )
    owner, times = owner[keep], np.round(times[keep] / 0.25) * 0.25  # on a 0.25 ms grid, as a simulation
    if not path.exists():
        spikes = {}
        for population, rows in cells.groupby("population").indices.items():
            mine = np.isin(owner, rows)
            spikes[population] = (cells["node_id"].to_numpy()[owner[mine]], times[mine])
        write_spikes(path, spikes)
    return path, len(times), len(cells)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=Path, help="nodes.parquet to use (default: build the full column)")
    parser.add_argument("--duration-ms", type=float, default=5000.0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--elephant", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--elephant-timeout", type=float, default=900.0)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "analysis_full_scale")
    parser.add_argument("--results", type=Path, default=RESULTS_CSV)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    nodes = args.nodes.resolve() if args.nodes else ensure_nodes(work)
    spikes, n_spikes, n_cells = ensure_spikes(nodes, work, args.duration_ms, args.seed)
    print(f"{n_spikes:,} spikes of {n_cells:,} cells over {args.duration_ms:g} ms -> {spikes}", flush=True)
    base = {"date": now(), **machine(), "cells": n_cells, "spikes": n_spikes, "duration_ms": args.duration_ms}
    v1sim = [sys.executable, "-m", "v1sim", "-v"]
    runs: dict[str, list] = {"analyse": [], "figures": []}
    stage_seconds = ""
    for i in range(args.repeats):
        tables, figures = work / "analysis", work / "figures"
        cmd = [*v1sim, "analyse", str(spikes), str(nodes), str(tables), "--tstop", f"{args.duration_ms:g}"]
        runs["analyse"].append(run_measured(cmd, work / "logs" / f"analyse_{i + 1}.log"))
        stage_seconds = json.dumps(json.loads((tables / "provenance.json").read_text())["stage_seconds"])
        cmd = [*v1sim, "figures", str(tables), str(spikes), str(nodes), str(figures)]
        runs["figures"].append(run_measured(cmd, work / "logs" / f"figures_{i + 1}.log"))
        for name in runs:
            m = runs[name][-1]
            print(f"  {name} {i + 1}: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB ({m.status})", flush=True)
    rows = []
    for name, done in runs.items():
        rows.append(
            {
                **base,
                "tool": f"v1sim {name}",
                "repeats": len(done),
                "wall_s": round(statistics.median(m.wall_s for m in done), 2),
                "peak_rss_gb": round(max(m.peak_rss_gb for m in done), 3),
                "wall_s_runs": " ".join(f"{m.wall_s:.2f}" for m in done),
                "status": "; ".join(sorted({m.status for m in done})),
                "stage_seconds": stage_seconds if name == "analyse" else "",
            }
        )
    total = rows[0]["wall_s"] + rows[1]["wall_s"]
    peak = max(rows[0]["peak_rss_gb"], rows[1]["peak_rss_gb"])
    ok = all(r["status"] == "ok" for r in rows) and total <= TARGET_WALL_S and peak <= TARGET_PEAK_GB
    rows[0]["target"] = "PASS" if ok else "FAIL"
    if args.elephant:
        child_args = [spikes, f"{args.duration_ms:g}", "10"]
        m = run_child("elephant_statistics", child_args, work / "logs" / "elephant.log", args.elephant_timeout)
        print(f"  elephant: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB ({m.status})", flush=True)
        rows.append(
            {
                **base,
                "tool": "elephant (rates, ISI CV, binning only)",
                "repeats": 1,
                "wall_s": round(m.wall_s, 2),
                "peak_rss_gb": round(m.peak_rss_gb, 3),
                "wall_s_runs": f"{m.wall_s:.2f}",
                "status": m.status,
            }
        )
        rows[0]["speedup_over_peer"] = round(m.wall_s / rows[0]["wall_s"], 2)
        print(f"elephant / v1sim analyse: {rows[0]['speedup_over_peer']}x ({m.status}; elephant does less)")
    append_csv(args.results, rows, CSV_FIELDS)
    verdict = "PASS" if ok else "FAIL"
    print(
        f"{verdict}: analyse + figures {total:.1f} s (target <= {TARGET_WALL_S:g}), peak {peak:.2f} GB (<= 8)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
