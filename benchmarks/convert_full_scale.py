"""Benchmark ``v1sim convert`` on a full-scale synthetic circuit, against bmtk loading the same V1→V1 edges.

Usage::

    python benchmarks/convert_full_scale.py [--workdir DIR] [--repeats N] [--bmtk-repeats N] [--scale-edges F]

Steps, all in one run so that the two tools are timed on the same machine under the same load:

1. Write the full-scale synthetic SONATA circuit (``v1sim synthetic --full-scale``: 230,924 V1 nodes,
   70,139,111 V1→V1 edges in 1,783 edge types, 17,400 LGN units, one bkg node) into ``WORKDIR/circuit``,
   unless a circuit with the same spec is already there (the spec is kept in ``WORKDIR/circuit_spec.json``).
2. Time ``v1sim convert`` of the whole circuit (all three node and edge populations → Parquet, sparse
   matrices, compiled network, Julia HDF5), ``--repeats`` times, each in a fresh subprocess.
3. Time bmtk loading the V1→V1 edges into a pandas DataFrame the way a bmtk user would
   (``bmtk.utils.sonata.File(...).edges['v1_to_v1'].to_dataframe()``), ``--bmtk-repeats`` times, each in a
   fresh subprocess. A run that passes ``--bmtk-timeout`` or ``--bmtk-max-rss-gb`` is killed and recorded as
   such; its wall time is then a lower bound, and so is the ratio.

Each measurement is the child's wall time (start of the subprocess to its exit, interpreter start-up and
imports included) and its own peak resident memory (``ru_maxrss`` from ``os.wait4`` on that child alone). The
medians go to ``benchmarks/results/convert_full_scale.csv`` (one row per tool per run) and the summary prints
the ratio bmtk wall / v1sim wall and checks the targets: v1sim convert ≤ 120 s median wall and ≤ 6 GB peak RSS
(the largest of the repeats). The exit status is 1 if a target is missed, 2 if ``v1sim convert`` fails;
bmtk not finishing is a result, not an error. Targets are checked only at full scale (``--scale-edges 1``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import re
import shutil
import statistics
import sys
from pathlib import Path

import h5py
from harness import Measurement, append_csv, child_result, machine, now, run_child, run_measured

from v1sim.builder import synthetic
from v1sim.builder.synthetic import SyntheticSpec

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "convert_full_scale.csv"
TARGET_WALL_S = 120.0
TARGET_PEAK_GB = 6.0

def circuit_spec(scale_edges: float) -> dict[str, object]:
    """The circuit's spec, with a digest of the generator so that a changed generator regenerates it."""
    spec = SyntheticSpec.full_scale()
    spec = spec.replace(n_v1_edges=round(spec.n_v1_edges * scale_edges))
    generator = hashlib.sha256(Path(synthetic.__file__).read_bytes()).hexdigest()[:16]
    return {"spec": dataclasses.asdict(spec), "generator_sha256": generator}


def ensure_circuit(workdir: Path, scale_edges: float) -> Path:
    """Return the circuit config under ``workdir``, generating the circuit first unless its spec matches."""
    circuit, spec_file = workdir / "circuit", workdir / "circuit_spec.json"
    config = circuit / "circuit_config.json"
    wanted = circuit_spec(scale_edges)
    if spec_file.exists() and config.exists():
        stored = json.loads(spec_file.read_text())
        if {k: stored.get(k) for k in wanted} == wanted:
            print(f"circuit: reusing {circuit} (spec matches {spec_file.name})")
            return config
    spec = wanted["spec"]
    print(
        f"circuit: generating {spec['n_v1']:,} V1 nodes, {spec['n_v1_edges']:,} V1 edges into {circuit} ..."
    )
    spec_file.unlink(missing_ok=True)
    shutil.rmtree(circuit, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "v1sim.cli",
        "synthetic",
        "--full-scale",
        "--no-progress",
        "--n-v1-edges",
        str(spec["n_v1_edges"]),
        str(circuit),
    ]
    m = run_measured(cmd, workdir / "logs" / "synthetic.log")
    if m.status != "ok":
        sys.exit(f"circuit generation failed ({m.status}):\n{m.output}")
    print(f"circuit: written in {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB")
    spec_file.write_text(json.dumps({**wanted, "written": now()}, indent=2) + "\n")  # last: marks it complete
    return config


def edge_counts(network: Path) -> dict[str, int]:
    """Edges per population in the circuit's edge files."""
    counts = {}
    for path in sorted(network.glob("*_edges.h5")):
        with h5py.File(path, "r") as h5:
            for name, pop in h5["edges"].items():
                counts[name] = len(pop["source_node_id"])
    return counts


def convert_stages(m: Measurement) -> str:
    """Seconds between the ``-v`` log lines of ``v1sim convert``: where the converter spends its time.

    Each stage is named by the log line that opens it and lasts until the next line (or the process's exit).
    """
    pattern = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+: (.*)$"
    lines = re.findall(pattern, m.output, flags=re.MULTILINE)
    names = ["start-up and imports", *(msg for _, msg in lines)]
    times = [m.started, *(dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S,%f") for s, _ in lines), m.ended]
    spans = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    return "; ".join(f"{name} {span:.1f} s" for name, span in zip(names, spans, strict=True))


def summarize(tool: str, runs: list[Measurement]) -> dict[str, object]:
    """Medians over the runs that finished; if none did, over all of them (then a lower bound)."""
    done = [m for m in runs if m.status == "ok"] or runs
    statuses = sorted({m.status for m in runs})
    return {
        "tool": tool,
        "repeats": len(runs),
        "wall_s": round(statistics.median(m.wall_s for m in done), 2),
        "peak_rss_gb": round(statistics.median(m.peak_rss_gb for m in done), 3),
        "max_peak_rss_gb": round(max(m.peak_rss_gb for m in runs), 3),
        "cpu_s": round(statistics.median(m.cpu_s for m in done), 1),
        "status": "ok" if statuses == ["ok"] else "; ".join(statuses),
        "wall_s_runs": " ".join(f"{m.wall_s:.2f}" for m in runs),
        "peak_rss_gb_runs": " ".join(f"{m.peak_rss_gb:.3f}" for m in runs),
    }


#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "load_1min",
    "tool",
    "loaded",
    "edges",
    "repeats",
    "wall_s",
    "peak_rss_gb",
    "cpu_s",
    "status",
    "wall_s_runs",
    "peak_rss_gb_runs",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    add = parser.add_argument
    add("--workdir", type=Path, default=HERE / "work", help="circuit and outputs (default benchmarks/work)")
    add("--repeats", type=int, default=3, help="v1sim convert runs, median reported (default 3)")
    add("--bmtk-repeats", type=int, default=1, help="bmtk load runs (default 1: it is slow)")
    add("--bmtk-timeout", type=float, default=1800.0, help="kill a bmtk run after this many seconds (1800)")
    add("--bmtk-max-rss-gb", type=float, default=16.0, help="kill a bmtk run above this RSS (default 16)")
    add("--scale-edges", type=float, default=1.0, help="fraction of the 70,139,111 V1 edges (default 1)")
    add("--results", type=Path, default=RESULTS_CSV, help="CSV to append to (default benchmarks/results/...)")
    add("--skip-bmtk", action="store_true", help="time v1sim convert only")
    args = parser.parse_args(argv)
    if not 0 < args.scale_edges <= 1 or args.repeats < 1 or args.bmtk_repeats < 1:
        parser.error("--scale-edges must be in (0, 1]; repeats at least 1")
    return args


def bench_convert(config: Path, workdir: Path, repeats: int) -> list[Measurement]:
    """``v1sim convert`` of the whole circuit, each run into an emptied output folder (removal not timed)."""
    converted, runs = workdir / "converted", []
    for i in range(repeats):
        shutil.rmtree(converted, ignore_errors=True)
        convert = ["-m", "v1sim.cli", "-v", "convert", "--no-progress"]
        cmd = [sys.executable, *convert, str(config), str(converted)]
        m = run_measured(cmd, workdir / "logs" / f"convert_{i + 1}.log")
        runs.append(m)
        print(
            f"v1sim convert {i + 1}/{repeats}: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB, "
            f"cpu {m.cpu_s:.0f} s, {m.status}"
        )
        if m.status != "ok":
            print(m.output[-4000:], file=sys.stderr)
            break
        print(f"  stages: {convert_stages(m)}")
    return runs


def bench_bmtk(network: Path, workdir: Path, args: argparse.Namespace, v1_edges: int) -> list[Measurement]:
    """bmtk's ``to_dataframe`` of the V1→V1 edges; a run is "ok" only if the frame has every edge."""
    runs = []
    for i in range(args.bmtk_repeats):
        log = workdir / "logs" / f"bmtk_{i + 1}.log"
        m = run_child("bmtk_load_edges", [network], log, args.bmtk_timeout, args.bmtk_max_rss_gb)
        if m.status == "ok" and child_result(m.output).get("rows") != v1_edges:
            m.status = "wrong result"
        runs.append(m)
        print(
            f"bmtk load {i + 1}/{args.bmtk_repeats}: {m.wall_s:.1f} s, peak {m.peak_rss_gb:.2f} GB, "
            f"cpu {m.cpu_s:.0f} s, {m.status}"
        )
        if m.status != "ok":
            print(m.output[-2000:], file=sys.stderr)
    return runs


Row = dict[str, object]


def report(ours: Row, theirs: Row | None, rows: list[Row], full: bool) -> int:
    """Print the summary and the target checks; return the exit status."""
    print("\nsummary (medians):")
    for row in rows:
        print(
            f"  {row['tool']:<38} {row['edges']:>12,} edges  {row['wall_s']:>8.1f} s  "
            f"{row['peak_rss_gb']:>6.2f} GB  {row['status']}"
        )
    if theirs is not None:
        bound = "" if theirs["status"] == "ok" else " (a lower bound: bmtk did not finish)"
        print(f"  ratio bmtk wall / v1sim wall: {theirs['wall_s'] / ours['wall_s']:.1f}×{bound}")
    if ours["status"] != "ok":
        print("FAIL: v1sim convert did not finish")
        return 2
    if not full:
        print("targets not checked: --scale-edges is not 1, this is not the full-scale circuit")
        return 0
    wall_ok, peak_ok = ours["wall_s"] <= TARGET_WALL_S, ours["max_peak_rss_gb"] <= TARGET_PEAK_GB
    print(
        f"{'PASS' if wall_ok else 'FAIL'}: v1sim convert median wall {ours['wall_s']:.1f} s "
        f"<= {TARGET_WALL_S:.0f} s"
    )
    print(
        f"{'PASS' if peak_ok else 'FAIL'}: v1sim convert peak RSS {ours['max_peak_rss_gb']:.2f} GB "
        f"<= {TARGET_PEAK_GB:.0f} GB"
    )
    return 0 if wall_ok and peak_ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    host = machine()
    print(f"machine: {host['host']}, {host['cpu']}, {host['cores']} cores, {host['ram_gb']} GB RAM")
    config = ensure_circuit(workdir, args.scale_edges)
    network = config.parent / "network"
    counts = edge_counts(network)
    print("edges: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    base = {"date": now(), **host, "load_1min": round(os.getloadavg()[0], 2)}

    ours = summarize("v1sim convert", bench_convert(config, workdir, args.repeats))
    whole = "whole circuit (3 node, 3 edge populations) -> parquet, npz, compiled h5, julia h5"
    rows = [{**base, **ours, "edges": sum(counts.values()), "loaded": whole}]
    theirs = None
    if not args.skip_bmtk:
        theirs = summarize(
            "bmtk 1.2 File + to_dataframe", bench_bmtk(network, workdir, args, counts["v1_to_v1"])
        )
        v1_only = "v1_to_v1 edges (+ v1 nodes) -> pandas DataFrame"
        rows.append({**base, **theirs, "edges": counts["v1_to_v1"], "loaded": v1_only})
    append_csv(args.results, rows, CSV_FIELDS)
    print(f"results appended to {args.results}")
    return report(ours, theirs, rows, full=args.scale_edges == 1)


if __name__ == "__main__":
    sys.exit(main())
