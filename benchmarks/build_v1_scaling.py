"""Benchmark ``v1sim build-v1`` from 0.2 % to full scale, against bmtk's NetworkBuilder building the same network.

Usage::

    python benchmarks/build_v1_scaling.py [--scales S ...] [--bmtk-scales S ...] [--repeats N] [--skip-bmtk]

Steps, all in one run so that the two tools are timed on the same machine under the same load:

1. Time ``python -m v1sim build-v1 --scale S --no-progress OUT`` (seed 0) for every scale in ``--scales``
   (default 0.002, 0.005, 0.01, 0.02, 0.05, 0.225, 1.0; the bmtk scales are always added), each run in a fresh
   subprocess writing into an emptied ``WORKDIR/v1sim_S`` (the emptying is not timed). Nodes and V1→V1 edges
   are read from the shapes of ``v1_nodes.h5`` and ``v1_v1_edges.h5``. ``v1sim`` builds the whole circuit:
   V1 nodes, V1→V1 edges, LGN nodes and edges, bkg node and edges, configs.
2. Time bmtk 1.2's ``NetworkBuilder`` building the V1 nodes and V1→V1 edges of the same column, for every
   scale in ``--bmtk-scales`` (default 0.002, 0.005, 0.01, 0.02, 0.05), each run in a fresh subprocess (this
   script with ``--bmtk-child``). The nodes are those ``v1sim`` built at that scale (``v1_nodes.h5`` and
   ``v1_node_types.csv``: one ``add_nodes`` per node type, with x, y, z and tuning angle, so bmtk gives every
   node the same id). The edges use the same rule, written as a bmtk connection rule: one ``add_edges`` per
   (source class, target class) pair, 21 × 21 = 441 in all, with probability ``p0·exp(−d²/2σ²)·(b + g·Δφ)``
   for horizontal distance ``d ≤ 4σ`` (Δφ the orientation difference, 0–90°; b = 1, g = 0 except E→E),
   no self-connections, and nsyns uniform in 3–7; then ``net.build()``,
   ``net.save_nodes()`` and ``net.save_edges()``. The idiom (``--bmtk-idiom``, default the fastest measured):

   * ``all_to_one_cached``: ``iterator='all_to_one'``; the rule gets every source and one target and returns
     the nsyns of every source with numpy. It turns the source list into coordinate arrays once per
     connection map (bmtk passes the same list object for every target) and then only indexes them;
   * ``all_to_one``: the same, building the arrays from the source nodes on every call;
   * ``one_to_one``: bmtk's default, one Python call per (source, target) pair, as in the bmtk tutorial's
     ``distance_connector``.

   The other two idioms are timed too, at ``--idiom-scale`` (default 0.01), so that the choice is measured.
3. Report. Every measurement is the child's wall time (start of the subprocess to its exit; interpreter
   start-up and imports included) and its own peak resident memory (``ru_maxrss`` from ``os.wait4``, via
   ``harness.run_measured``). A measurement is repeated ``--repeats`` times (default 3)
   unless its first run takes longer than ``--single-above`` seconds (default 60): the full-scale ``v1sim``
   build and the largest bmtk build then run once. Medians go to ``benchmarks/results/build_v1_scaling.csv``
   (one row per tool, idiom and scale). The summary prints the ratio bmtk wall / v1sim wall at every scale
   both ran and, labelled as an extrapolation, bmtk's time and peak memory at full scale from its cost per
   (source, target) pair. It checks the target at full scale: ``v1sim build-v1 --scale 1`` within 10 min
   wall (median) and 12 GB peak RSS (largest run); exit status 1 if it is missed, 2 if a ``v1sim`` build
   fails. bmtk not finishing (``--bmtk-timeout``, ``--max-rss-gb``) is a result, recorded as the row's status.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "build_v1_scaling.csv"
TARGET_WALL_S = 600.0
TARGET_PEAK_GB = 12.0
V1SIM_SCALES = (0.002, 0.005, 0.01, 0.02, 0.05, 0.225, 1.0)
BMTK_SCALES = (0.002, 0.005, 0.01, 0.02, 0.05)
IDIOMS = ("all_to_one_cached", "all_to_one", "one_to_one")
FULL_NODES = 230_924

#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "tool",
    "scale",
    "nodes",
    "edges",
    "repeats",
    "wall_s",
    "peak_rss_gb",
    "status",
    "load_1min",
    "cpu_s",
    "wall_s_runs",
    "peak_rss_gb_runs",
]


# ---------------------------------------------------------------------------------------------------------------
# The bmtk side, run in its own process (``--bmtk-child``): only bmtk, numpy, pandas and h5py are imported.
# ---------------------------------------------------------------------------------------------------------------


def bmtk_child(network: Path, rule_file: Path, outdir: Path, idiom: str, seed: int) -> None:
    """Build the V1 nodes and V1→V1 edges with bmtk's NetworkBuilder and save them as SONATA into ``outdir``."""
    clock = [time.perf_counter()]
    import h5py
    import numpy as np
    import pandas as pd
    from bmtk.builder import NetworkBuilder

    def lap() -> float:
        clock.append(time.perf_counter())
        return round(clock[-1] - clock[-2], 2)

    phases = {"imports": lap()}
    rule = json.loads(rule_file.read_text())
    with h5py.File(network / "v1_nodes.h5", "r") as h5:
        pop = h5["nodes/v1"]
        type_id = pop["node_type_id"][:]
        props = {k: pop["0"][k][:] for k in ("x", "y", "z", "tuning_angle")}
    types = pd.read_csv(network / "v1_node_types.csv", sep=" ").set_index("node_type_id")

    net = NetworkBuilder("v1")
    # v1sim writes the nodes of one type contiguously: one add_nodes per type keeps every node id.
    starts = np.flatnonzero(np.r_[True, type_id[1:] != type_id[:-1]])
    for lo, hi in zip(starts, [*starts[1:], len(type_id)], strict=True):
        row = types.loc[type_id[lo]]
        net.add_nodes(
            N=int(hi - lo),
            node_type_id=int(type_id[lo]),
            **{k: v[lo:hi] for k, v in props.items()},
            **{k: row[k] for k in ("model_type", "model_template", "dynamics_params", "pop_name", "ei")},
            location=row["location"],
            model_name=str(row["model_name"]),
        )
    phases["add_nodes"] = lap()

    rng = np.random.default_rng(seed)
    py_rng = random.Random(seed)  # per-pair draws: the standard library's generator is faster than numpy's
    nsyns_lo, nsyns_hi = rule["nsyns"]
    cached: list[object] = [None, None, None, None, None]  # source list, x, z, tuning angle, node ids

    def one_to_one(source, target, p0, sigma, rmax, like_b, like_g):
        """Nsyns between one source and one target (0: no edge)."""
        if source.node_id == target.node_id:
            return 0
        dx, dz = source["x"] - target["x"], source["z"] - target["z"]
        d2 = dx * dx + dz * dz
        delta = abs(source["tuning_angle"] - target["tuning_angle"]) % 180.0
        like = like_b + like_g * min(delta, 180.0 - delta)
        if d2 > rmax * rmax or py_rng.random() >= p0 * math.exp(-d2 / (2 * sigma * sigma)) * like:
            return 0
        return py_rng.randint(nsyns_lo, nsyns_hi)

    def all_to_one(sources, target, p0, sigma, rmax, like_b, like_g):
        """Nsyns from every source onto one target, with numpy."""
        if idiom == "all_to_one_cached":
            if cached[0] is not sources:
                cached[:] = [
                    sources,
                    np.array([s["x"] for s in sources]),
                    np.array([s["z"] for s in sources]),
                    np.array([s["tuning_angle"] for s in sources]),
                    np.array([s.node_id for s in sources]),
                ]
            sx, sz, sa, sid = cached[1:]
        else:
            sx = np.array([s["x"] for s in sources])
            sz = np.array([s["z"] for s in sources])
            sa = np.array([s["tuning_angle"] for s in sources])
            sid = np.array([s.node_id for s in sources])
        d2 = (sx - target["x"]) ** 2 + (sz - target["z"]) ** 2
        delta = np.abs(sa - target["tuning_angle"]) % 180.0
        like = like_b + like_g * np.minimum(delta, 180.0 - delta)
        p = np.where(d2 <= rmax * rmax, p0 * np.exp(-d2 / (2 * sigma * sigma)) * like, 0.0)
        p[sid == target.node_id] = 0.0
        hit = rng.random(len(p)) < p
        return np.where(hit, rng.integers(nsyns_lo, nsyns_hi + 1, len(p)), 0)

    classes = rule["classes"]
    for s, source in enumerate(classes):
        for t, target in enumerate(classes):
            sigma = rule["sigma_um"][s][t]
            net.add_edges(
                source={"pop_name": source},
                target={"pop_name": target},
                connection_rule=one_to_one if idiom == "one_to_one" else all_to_one,
                connection_params={
                    "p0": rule["p0"][s][t],
                    "sigma": sigma,
                    "rmax": rule["cutoff"] * sigma,
                    "like_b": rule["like_b"][s][t],
                    "like_g": rule["like_g"][s][t],
                },
                iterator="one_to_one" if idiom == "one_to_one" else "all_to_one",
                **rule["edge_type"][f"{source}->{target}"],
            )
    phases["add_edges"] = lap()
    net.build()
    phases["build"] = lap()
    net.save_nodes(output_dir=str(outdir))
    phases["save_nodes"] = lap()
    net.save_edges(output_dir=str(outdir))
    phases["save_edges"] = lap()
    print("phases " + json.dumps(phases))


# ---------------------------------------------------------------------------------------------------------------
# The driver.
# ---------------------------------------------------------------------------------------------------------------


def tag(scale: float) -> str:
    return f"{scale:g}"


def counts(network: Path, edges_file: str) -> tuple[int, int]:
    """(V1 nodes, V1→V1 edges) from the shapes of the SONATA files."""
    import h5py

    with h5py.File(network / "v1_nodes.h5", "r") as h5:
        nodes = h5["nodes/v1/node_id"].shape[0]
    with h5py.File(network / edges_file, "r") as h5:
        edges = h5["edges/v1_to_v1/source_node_id"].shape[0]
    return nodes, edges


def write_rule(network: Path, path: Path) -> None:
    """The connection rule for the bmtk child: v1sim's p0, σ and like-to-like line per class pair, and each
    pair's edge type.

    The edge-type properties shared by a (source class, target class) pair are taken from ``v1sim``'s
    ``v1_v1_edge_types.csv``; ``syn_weight``, which ``v1sim`` sets per target node type, is left out.
    """
    import pandas as pd

    from v1sim.builder import published_figures as figures
    from v1sim.builder.v1 import V1Spec, connection_rule

    rule = connection_rule(V1Spec())
    classes = [c.name for c in figures.CLASSES]
    types = pd.read_csv(network / "v1_v1_edge_types.csv", sep=" ")
    node_types = pd.read_csv(network / "v1_node_types.csv", sep=" ")
    pop_of_type = dict(zip(node_types["node_type_id"].astype(str), node_types["pop_name"], strict=True))
    shared = ["delay", "dynamics_params", "model_template", "weight_function", "weight_sigma"]
    edge_type = {}
    for _, row in types.iterrows():
        source = row["source_query"].split("'")[1]
        target = pop_of_type[row["target_query"].split("'")[1]]
        edge_type.setdefault(f"{source}->{target}", {k: row[k] for k in shared})
    missing = [f"{s}->{t}" for s in classes for t in classes if f"{s}->{t}" not in edge_type]
    if missing:
        sys.exit(f"{network}: no edge type for the class pairs {missing}")
    path.write_text(
        json.dumps(
            {
                "classes": classes,
                "p0": rule.p0.tolist(),
                "sigma_um": rule.sigma_um.tolist(),
                "like_b": rule.orientation_lines()[0].tolist(),
                "like_g": rule.orientation_lines()[1].tolist(),
                "cutoff": rule.cutoff_sigmas,
                "nsyns": list(rule.nsyns),
                "edge_type": {
                    k: {n: (v.item() if hasattr(v, "item") else v) for n, v in d.items()}
                    for k, d in edge_type.items()
                },
            },
            indent=1,
        )
        + "\n"
    )


def measure(cmd: list[str], label: str, outdir: Path, logs: Path, args: argparse.Namespace, timeout: float):
    """Run ``cmd`` up to ``--repeats`` times (once if the first run passes ``--single-above`` s)."""
    from harness import run_measured

    runs = []
    for i in range(args.repeats):
        shutil.rmtree(outdir, ignore_errors=True)  # not timed
        m = run_measured(cmd, logs / f"{outdir.name}_{i + 1}.log", timeout, args.max_rss_gb)
        runs.append(m)
        print(
            f"  {label} {i + 1}: {m.wall_s:7.2f} s  peak {m.peak_rss_gb:5.2f} GB  cpu {m.cpu_s:7.1f} s  {m.status}",
            flush=True,
        )
        if m.status != "ok":
            print(m.output[-3000:], file=sys.stderr)
            break
        if m.wall_s > args.single_above:
            break
    return runs


def summarize(tool: str, scale: float, runs: list, nodes: int, edges: int) -> dict[str, object]:
    """Medians over the runs that finished; if none did, over all of them (the wall time is then a lower bound)."""
    done = [m for m in runs if m.status == "ok"] or runs
    statuses = sorted({m.status for m in runs})
    return {
        "tool": tool,
        "scale": scale,
        "nodes": nodes,
        "edges": edges,
        "repeats": len(runs),
        "wall_s": round(statistics.median(m.wall_s for m in done), 2),
        "peak_rss_gb": round(statistics.median(m.peak_rss_gb for m in done), 3),
        "max_peak_rss_gb": round(max(m.peak_rss_gb for m in runs), 3),
        "cpu_s": round(statistics.median(m.cpu_s for m in done), 1),
        "status": "ok" if statuses == ["ok"] else "; ".join(statuses),
        "wall_s_runs": " ".join(f"{m.wall_s:.2f}" for m in runs),
        "peak_rss_gb_runs": " ".join(f"{m.peak_rss_gb:.3f}" for m in runs),
        "phases": next(
            (line for m in done for line in m.output.splitlines() if line.startswith("phases ")), ""
        ),
    }


def extrapolate(bmtk: list[dict[str, object]], full_nodes: int) -> tuple[str, float] | None:
    """bmtk at full scale from its cost per (source, target) pair: an estimate, not a measurement.

    bmtk calls the rule for (and its iterator yields) every one of the N² ordered pairs of the 441 class
    pairs, and its default network adaptor keeps a dense S×T ``uint32`` nsyns table per ``add_edges``
    (``EdgeTypesTableMemory``), so both its time and its memory are modelled as ``a + c·N²``, fitted through
    the two largest scales that finished. Returns the text and the extrapolated wall time.
    """
    done = sorted((r for r in bmtk if r["status"] == "ok"), key=lambda r: r["nodes"])
    if len(done) < 2:
        return None
    lo, hi = done[-2], done[-1]
    pairs = full_nodes**2

    def fit(key: str) -> tuple[float, float, float]:
        c = (hi[key] - lo[key]) / (hi["nodes"] ** 2 - lo["nodes"] ** 2)
        a = hi[key] - c * hi["nodes"] ** 2
        return a + c * pairs, c, a

    wall, c_wall, a_wall = fit("wall_s")
    rss, c_rss, a_rss = fit("peak_rss_gb")
    text = (
        f"EXTRAPOLATION (not measured), bmtk at scale 1 from a + c·N² through scales {lo['scale']:g} and "
        f"{hi['scale']:g}, N = {full_nodes:,} ({pairs:.3g} pairs):\n"
        f"  wall ≈ {wall:,.0f} s ({wall / 3600:.1f} h): c = {c_wall * 1e6:.3f} µs per pair, a = {a_wall:.1f} s\n"
        f"  peak RSS ≈ {rss:,.0f} GB: c = {c_rss * 2**30:.2f} bytes per pair, a = {a_rss:.2f} GB "
        f"(its dense uint32 nsyns tables alone hold 4·N² bytes = {4 * pairs / 2**30:,.0f} GB)\n"
        "  (meaningful only if both scales take well above bmtk's ~1 s, 0.2 GB start-up)"
    )
    return text, wall


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--scales", type=float, nargs="+", default=list(V1SIM_SCALES), help="v1sim build-v1 scales")
    add("--bmtk-scales", type=float, nargs="+", default=list(BMTK_SCALES), help="bmtk NetworkBuilder scales")
    add(
        "--bmtk-idiom",
        choices=IDIOMS,
        default=IDIOMS[0],
        help="bmtk connection-rule idiom (default %(default)s)",
    )
    add("--idiom-scale", type=float, default=0.01, help="scale at which the other idioms are timed (0: none)")
    add("--repeats", type=int, default=3, help="runs per measurement, median reported (default 3)")
    add("--single-above", type=float, default=60.0, help="no repeats if the first run takes longer (60 s)")
    add("--timeout", type=float, default=1800.0, help="kill a v1sim run after this many seconds (1800)")
    add("--bmtk-timeout", type=float, default=600.0, help="kill a bmtk run after this many seconds (600)")
    add("--max-rss-gb", type=float, default=16.0, help="kill a run above this RSS (default 16)")
    add("--skip-bmtk", action="store_true", help="time v1sim build-v1 only")
    add("--workdir", type=Path, default=HERE / "work" / "build_v1_scaling", help="outputs and logs")
    add("--results", type=Path, default=RESULTS_CSV, help="CSV to append to (default benchmarks/results/...)")
    add("--bmtk-child", nargs=3, type=Path, metavar=("NETWORK", "RULE", "OUTDIR"), help=argparse.SUPPRESS)
    add("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or not all(0 < s <= 1 for s in [*args.scales, *args.bmtk_scales]):
        parser.error("scales must be in (0, 1]; repeats at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.bmtk_child:
        bmtk_child(*args.bmtk_child, args.bmtk_idiom, args.seed)
        return 0

    from harness import append_csv, machine, now

    workdir, logs = args.workdir.resolve(), args.workdir.resolve() / "logs"
    host = machine()
    print(
        f"machine: {host['host']}, {host['cpu']}, {host['cores']} cores, {host['ram_gb']} GB RAM", flush=True
    )
    bmtk_scales = [] if args.skip_bmtk else sorted(set(args.bmtk_scales))
    scales = sorted(set(args.scales) | set(bmtk_scales))
    base = {"date": now(), **host, "load_1min": round(os.getloadavg()[0], 2)}
    rows, ours, theirs = [], {}, {}

    print("v1sim build-v1:", flush=True)
    for scale in scales:
        out = workdir / f"v1sim_{tag(scale)}"
        cmd = [sys.executable, "-m", "v1sim", "build-v1", "--scale", f"{scale:g}", "--no-progress", str(out)]
        runs = measure(cmd, f"scale {tag(scale):>5}", out, logs, args, args.timeout)
        nodes, edges = counts(out / "network", "v1_v1_edges.h5") if runs[-1].status == "ok" else (0, 0)
        ours[scale] = summarize("v1sim build-v1", scale, runs, nodes, edges)
        rows.append({**base, **ours[scale]})
        print(f"    {nodes:,} nodes, {edges:,} V1→V1 edges", flush=True)

    if bmtk_scales and all(ours[s]["status"] == "ok" for s in bmtk_scales):
        print(f"bmtk NetworkBuilder ({args.bmtk_idiom}):", flush=True)
        jobs = [(s, args.bmtk_idiom) for s in bmtk_scales]
        if args.idiom_scale in ours and ours[args.idiom_scale]["status"] == "ok":
            jobs += [(args.idiom_scale, idiom) for idiom in IDIOMS if idiom != args.bmtk_idiom]
        for scale, idiom in jobs:
            network = workdir / f"v1sim_{tag(scale)}" / "network"
            rule_file = workdir / f"rule_{tag(scale)}.json"
            write_rule(network, rule_file)
            out = workdir / f"bmtk_{tag(scale)}_{idiom}"
            child = ["--bmtk-child", str(network), str(rule_file), str(out), "--bmtk-idiom", idiom]
            cmd = [sys.executable, str(Path(__file__).resolve()), *child]
            runs = measure(cmd, f"scale {tag(scale):>5} {idiom}", out, logs, args, args.bmtk_timeout)
            nodes, edges = counts(out, "v1_v1_edges.h5") if runs[-1].status == "ok" else (0, 0)
            row = summarize(f"bmtk NetworkBuilder ({idiom})", scale, runs, nodes, edges)
            # Same rule, same nodes: the edge count must agree with v1sim's within sampling noise.
            expected = ours[scale]["edges"]
            if row["status"] == "ok" and abs(edges - expected) > 5 * math.sqrt(expected) + 0.01 * expected:
                row["status"] = f"edge count off ({edges} vs v1sim {expected})"
            if row["status"] == "ok" and nodes != ours[scale]["nodes"]:
                row["status"] = f"node count off ({nodes} vs v1sim {ours[scale]['nodes']})"
            print(f"    {nodes:,} nodes, {edges:,} V1→V1 edges; {row['phases']}", flush=True)
            theirs[(scale, idiom)] = row
            rows.append({**base, **row})

    append_csv(args.results, rows, CSV_FIELDS)
    print(f"results appended to {args.results}")
    return report(args, ours, theirs)


def report(args: argparse.Namespace, ours: dict, theirs: dict) -> int:
    """Print the summary table, the ratios, the extrapolation and the target check; return the exit status."""
    print("\nsummary (medians; wall from process start to exit, peak RSS of the child):")
    print(
        f"  {'scale':>6} {'nodes':>8} {'tool':<38} {'V1 edges':>11} {'runs':>4} {'wall s':>9} "
        f"{'peak GB':>8} {'bmtk/v1sim':>10}  status"
    )
    for scale, row in sorted(ours.items()):
        entries = [(row, "")]
        for (s, _idiom), r in sorted(theirs.items()):
            if s == scale:
                ratio = r["wall_s"] / row["wall_s"]
                entries.append((r, f"{ratio:.1f}×" if ratio < 10 else f"{ratio:,.0f}×"))
        for r, ratio in entries:
            print(
                f"  {scale:>6g} {r['nodes']:>8,} {r['tool']:<38} {r['edges']:>11,} {r['repeats']:>4} "
                f"{r['wall_s']:>9.2f} {r['peak_rss_gb']:>8.2f} {ratio:>10}  {r['status']}"
            )
    main_bmtk = [r for (_s, idiom), r in theirs.items() if idiom == args.bmtk_idiom]
    result = extrapolate(main_bmtk, ours[1.0]["nodes"] if 1.0 in ours else FULL_NODES)
    if result is not None:
        text, full = result
        print("\n" + text)
        if 1.0 in ours and ours[1.0]["status"] == "ok":
            print(f"  extrapolated ratio at scale 1: ≈ {full / ours[1.0]['wall_s']:,.0f}× (not measured)")
    if any(r["status"] != "ok" for r in ours.values()):
        print("FAIL: a v1sim build-v1 run did not finish")
        return 2
    if 1.0 not in ours:
        print("target not checked: scale 1 was not run")
        return 0
    full = ours[1.0]
    wall_ok, peak_ok = full["wall_s"] <= TARGET_WALL_S, full["max_peak_rss_gb"] <= TARGET_PEAK_GB
    print(
        f"{'PASS' if wall_ok else 'FAIL'}: v1sim build-v1 --scale 1 wall {full['wall_s']:.1f} s "
        f"<= {TARGET_WALL_S:.0f} s"
    )
    print(
        f"{'PASS' if peak_ok else 'FAIL'}: v1sim build-v1 --scale 1 peak RSS {full['max_peak_rss_gb']:.2f} GB "
        f"<= {TARGET_PEAK_GB:.0f} GB"
    )
    return 0 if wall_ok and peak_ok else 1


if __name__ == "__main__":
    sys.exit(main())
