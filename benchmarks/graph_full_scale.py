"""Benchmark the graph stage on the full-scale built-in V1 connectome (230,924 cells, ≈ 71 M V1→V1 edges).

Usage::

    python benchmarks/graph_full_scale.py [--network DIR] [--rates NEURONS.parquet] [--k 2 4 ... 64]
                                          [--igraph | --no-igraph] [--workdir DIR]

1. Network: ``--network`` (an output folder of ``v1sim convert``), or the full-scale built-in column that
   ``analysis_full_scale.py`` builds (``build-v1 --scale 1`` + ``convert``), built here if missing.
2. Rates: ``--rates``, or the per-cell rates of ``analysis_full_scale.py``'s spike file (the Billeh class rates ×
   a log-normal factor: not a simulation — the built-in column's weights are not calibrated, so its simulated
   E rates are near zero), made by running that benchmark's analysis once if missing.
3. Each measured step in a fresh process (wall time and the child's own peak RSS; ``children/graph_step.py``),
   all on the V1→V1 edges with weight |weight_pa|, symmetrised A + Aᵀ:
   - ``louvain`` and ``leiden``: read the compiled network, build the adjacency, symmetrise, detect communities
     (networkit PLM / ParallelLeiden, 1 thread, seeded);
   - ``metis_k64``: the same reading, then METIS K-way at the largest K;
   - ``v1sim graph``: the whole stage as the pipeline runs it (both methods, every K, the baselines, the traffic
     with rates, all tables) — its per-stage seconds and the modularity and traffic per K are recorded;
   - the peer (``--igraph``): python-igraph's Louvain (``community_multilevel``), the tool users reach for, on
     the same symmetrised graph, stopped at ``--peer-timeout``; its time is set against our Louvain step.

Targets (issue 6): community detection ≤ 5 min and METIS at K = 64 ≤ 5 min, each ≤ 12 GB peak.
Rows go to ``benchmarks/results/graph_full_scale.csv``; the modularity and per-K traffic of the whole-stage run
to ``benchmarks/results/graph_full_scale_partitions.csv``. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from analysis_full_scale import ensure_spikes
from harness import append_csv, child_result, ensure_nodes, machine, now, run_child, run_measured

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "graph_full_scale.csv"
PARTITIONS_CSV = HERE / "results" / "graph_full_scale_partitions.csv"
TARGET_WALL_S = 300.0
TARGET_PEAK_GB = 12.0
#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "nodes",
    "edges",
    "step",
    "wall_s",
    "peak_rss_gb",
    "status",
    "inner_seconds",
    "result",
    "target",
]

def ensure_rates(nodes: Path, workdir: Path) -> Path:
    """Per-cell rates of the analysis benchmark's spike file (its neurons.parquet), made if missing."""
    rates = workdir.parent / "analysis_full_scale" / "analysis" / "neurons.parquet"
    if not rates.is_file():
        spikes, _, _ = ensure_spikes(nodes, workdir.parent / "analysis_full_scale", 5000.0, 0)
        cmd = [
            sys.executable,
            "-m",
            "v1sim",
            "analyse",
            str(spikes),
            str(nodes),
            str(rates.parent),
            "--tstop",
            "5000",
        ]
        m = run_measured(cmd, workdir / "logs" / "rates.log")
        if m.status != "ok":
            sys.exit(f"making the rates failed ({m.status}):\n{m.output[-3000:]}")
    return rates


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--network", type=Path, help="output folder of v1sim convert (default: the full column)"
    )
    parser.add_argument("--rates", type=Path, help="neurons.parquet with per-cell rate_hz")
    parser.add_argument("--k", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--igraph", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--peer-timeout", type=float, default=900.0)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "graph_full_scale")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.network:
        network = args.network.resolve()
    else:
        network = ensure_nodes(work.parent / "analysis_full_scale").parent
    rates = args.rates.resolve() if args.rates else ensure_rates(network / "nodes.parquet", work)
    base = {"date": now(), **machine()}
    steps = ["louvain", "leiden", f"metis_k{max(args.k)}"]
    rows, ok = [], True
    for step in steps:
        m = run_child("graph_step", [network, step, args.seed], work / "logs" / f"{step}.log")
        found = child_result(m.output)
        met = m.status == "ok" and m.wall_s <= TARGET_WALL_S and m.peak_rss_gb <= TARGET_PEAK_GB
        ok &= met
        seconds = found.pop("seconds", {})
        rows.append(
            {
                **base,
                "nodes": found.pop("nodes", ""),
                "edges": found.pop("edges", ""),
                "step": step,
                "wall_s": round(m.wall_s, 2),
                "peak_rss_gb": round(m.peak_rss_gb, 3),
                "status": m.status,
                "inner_seconds": json.dumps(seconds),
                "result": json.dumps(found),
                "target": "PASS" if met else "FAIL",
            }
        )
        print(
            f"  {step}: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB ({m.status}) {seconds} {found}",
            flush=True,
        )

    out = work / "graph"
    cmd = [sys.executable, "-m", "v1sim", "-v", "graph", str(network), str(out), "--rates", str(rates)]
    cmd += ["--k", *map(str, args.k), "--seed", str(args.seed)]
    m = run_measured(cmd, work / "logs" / "v1sim_graph.log")
    record = json.loads((out / "provenance.json").read_text()) if m.status == "ok" else {}
    rows.append(
        {
            **base,
            "nodes": record.get("n_nodes", ""),
            "edges": record.get("n_edges", ""),
            "step": "v1sim graph (whole stage)",
            "wall_s": round(m.wall_s, 2),
            "peak_rss_gb": round(m.peak_rss_gb, 3),
            "status": m.status,
            "inner_seconds": json.dumps(record.get("stage_seconds", {})),
            "result": json.dumps(
                {
                    c["method"]: {"communities": c["n_communities"], "modularity": round(c["modularity"], 4)}
                    for c in record.get("communities", [])
                }
            ),
        }
    )
    print(f"  v1sim graph: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB ({m.status})", flush=True)
    if m.status == "ok":
        costs = pd.read_csv(out / "partitions.csv")
        costs.insert(0, "date", base["date"])
        costs.to_csv(PARTITIONS_CSV, mode="a", header=not PARTITIONS_CSV.exists(), index=False)
        print(costs.drop(columns="date").to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    if args.igraph:
        child_args = [network, "igraph_louvain", args.seed]
        m = run_child("graph_step", child_args, work / "logs" / "igraph_louvain.log", args.peer_timeout)
        found = child_result(m.output)
        seconds = found.pop("seconds", {})
        found["wall_s_over_ours"] = round(m.wall_s / rows[0]["wall_s"], 2)
        rows.append(
            {
                **base,
                "nodes": found.pop("nodes", ""),
                "edges": found.pop("edges", ""),
                "step": "peer: igraph community_multilevel (Louvain)",
                "wall_s": round(m.wall_s, 2),
                "peak_rss_gb": round(m.peak_rss_gb, 3),
                "status": m.status,
                "inner_seconds": json.dumps(seconds),
                "result": json.dumps(found),
            }
        )
        print(
            f"  igraph Louvain: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB ({m.status}) {seconds} {found}"
        )
    append_csv(RESULTS_CSV, rows, CSV_FIELDS)
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: each of {', '.join(steps)} within {TARGET_WALL_S:g} s and {TARGET_PEAK_GB:g} GB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
