"""Benchmark the v1sim CPU engine against NEST 3.10 (through bmtk 1.2 PointNet) on the built-in V1 column.

Usage::

    python benchmarks/engine_vs_nest.py [--scales S ...] [--repeats N] [--nest-repeats N] [--lgn-rate HZ]

For every scale (default 0.02, 0.05 and 0.225, the core's size), all in one run so that both simulators are
timed on the same machine under the same load:

1. Build the circuit: ``python -m v1sim build-v1 --scale S --seed 0 --tstop T --dt DT`` into
   ``WORKDIR/scale_S/circuit`` (not timed for the comparison). Its ``simulation_config.json`` names the 1 kHz
   background spike file of population ``bkg``.
2. Convert it: ``python -m v1sim convert`` into ``WORKDIR/scale_S/network``, ``--repeats`` times, each in a
   fresh process (wall from start to exit; median reported). This is the v1sim side of "build".
3. Write one LGN input: a Poisson train of ``--lgn-rate`` Hz (default 20) for every LGN unit, seeded
   (``v1sim.inputs.poisson``), as a SONATA spike file. Both simulators get exactly these spikes and the
   circuit's bkg spikes.
4. Time v1sim-CPU: ``python -m v1sim simulate NETWORK OUT --config SIMCONFIG --tstop T --dt DT --device cpu
   --dtype float32 --threads 2 --input lgn=FILE``. First an untimed warm-up run of 1 ms per dtype (it fills
   numba's cache if it has no kernel yet); then ``--repeats`` full runs, each followed by a 1 ms probe run.
   Every run is a fresh process. The children use a numba cache of their own per kernel variant
   (``WORKDIR/numba_cache/serial`` below the engine's PARALLEL_MIN_NEURONS, ``parallel`` from there on), so
   that what they load is only what this script compiled (``--shared-numba-cache``: the usual cache beside
   the source). The two variants are separate compiled functions with separate cache entries (engines
   before ``7c9f8af`` jitted one function both ways, and numba filed both under one key). From each full run's
   ``provenance.json``: ``simulate_s`` (the engine loop), ``setup_s`` and the mean rate. The probe's
   ``simulate_s`` is the engine's fixed cost per call (mostly numba loading its cached machine code on the
   first call), reported as ``first_call_s``.
5. Time NEST: ``v1sim.reference.nest.run_nest`` with the same config, the same LGN file and ``--threads``
   threads (NEST gets OMP_WAIT_POLICY=PASSIVE), ``--nest-repeats`` times (default 1; it is slow), each from a
   fresh process (this script with ``--nest-child``). ``nest_simulate_s`` is bmtk's ``sim.run()`` and
   ``nest_build_s`` everything before it (imports, config, network build). The NEST runs are interleaved
   with the v1sim repeats (v1sim, NEST, v1sim, ...) so that a change of load hits both.
6. Compare the spikes of the first v1sim repeat with NEST's (``v1sim.reference.compare.compare``): rates
   per class (``pop_name``), the largest relative difference over the classes that fire at ≥ 1 Hz in NEST,
   the first divergence (none: identical spike trains) and the share of spikes that match exactly (same
   neuron, same time step). The v1sim repeats must give identical spikes (checked).
7. With ``--float64-check`` (default on) one more v1sim run at ``--dtype float64`` (NEST's arithmetic) is
   timed and compared to NEST the same way: it shows whether float32 is the only source of difference.

RTF (real-time factor) = simulate wall / simulated time; below 1 is faster than real time. The speed-up is
NEST RTF / v1sim RTF (medians). The target (issue 4), checked at the core's size (0.225): v1sim-CPU ≥ 10×
faster than NEST, with class rates within 10 % of NEST's. It prints PASS or FAIL; the exit status is 1 if
the target is missed and 2 if a run fails. One row per tool and scale is appended to
``benchmarks/results/engine_vs_nest.csv``; outputs and logs stay in ``WORKDIR`` (git-ignored).

v1sim's children run with OMP_WAIT_POLICY=PASSIVE (``--omp-wait-policy``; numba's threading layer here is
OpenMP): on a shared 2-core machine spinning OpenMP threads can slow down many times over whenever another
process wants a core (25× in one test), and NEST runs with PASSIVE too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "engine_vs_nest.csv"
SCALES = (0.02, 0.05, 0.225)
CORE_SCALE = 0.225
TARGET_SPEEDUP = 10.0
TARGET_RATE_DIFFERENCE = 0.10
#: classes below this NEST rate are too sparse for a relative rate difference to mean anything
RATE_FLOOR_HZ = 1.0
V1SIM = "v1sim-cpu float32"
V1SIM_F64 = "v1sim-cpu float64 (check)"
NEST = "NEST 3.10 (bmtk PointNet)"

#: columns after the machine columns that append_csv puts first
CSV_FIELDS = [
    "scale",
    "neurons",
    "synapses",
    "v1_synapses",
    "tool",
    "threads",
    "kernel",
    "repeats",
    "rtf_median",
    "setup_s",
    "mean_rate_hz",
    "status",
    "rtf_runs",
    "convert_s",
    "first_call_s",
    "rtf_less_first_call",
    "process_wall_s",
    "peak_rss_gb",
    "speedup_nest_over_v1sim",
    "max_rel_rate_diff",
    "classes_compared",
    "first_divergence_ms",
    "spikes_matched",
    "lgn_rate_hz",
    "tstop_ms",
    "dt_ms",
    "omp_wait_policy",
    "load_1min",
    "target",
]


def tag(scale: float) -> str:
    return f"{scale:g}"


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def spike_digest(path: Path) -> str:
    """sha256 of every population's node ids and time stamps: equal digests, identical spikes."""
    import h5py

    sha = hashlib.sha256()
    with h5py.File(path, "r") as h5:
        for name in sorted(h5["spikes"]):
            sha.update(name.encode())
            sha.update(h5[f"spikes/{name}/node_ids"][:].tobytes())
            sha.update(h5[f"spikes/{name}/timestamps"][:].tobytes())
    return sha.hexdigest()


def matched_spikes(ours: Path, nest: Path, populations: list[str], dt_ms: float) -> tuple[int, int, int]:
    """Spikes in both files (same population, neuron and time step), and the two totals."""
    from v1sim.reference.compare import Spikes

    def keyed(path: Path):
        table = Spikes.read(path, populations).table
        step = (table["time_ms"] / dt_ms).round().astype("int64")
        return table.assign(step=step).groupby(["population", "node_id", "step"]).size()

    a, b = keyed(ours), keyed(nest)
    both = a.to_frame("a").join(b.to_frame("b"), how="inner")
    return int(both.min(axis=1).sum()), int(a.sum()), int(b.sum())


def engine_stamp() -> dict[str, float]:
    """Modification times of the engine's sources: numba recompiles (inside a timed run) when they change."""
    import v1sim

    root = Path(v1sim.__file__).parent
    return {str(f): f.stat().st_mtime for d in ("engine", "models") for f in sorted((root / d).glob("*.py"))}


def check_run(m, what: str) -> None:
    if m.status != "ok":
        print(m.output[-3000:], file=sys.stderr)
        raise RuntimeError(f"{what}: {m.status}")


class Bench:
    """One scale's runs, in ``WORKDIR/scale_S``."""

    def __init__(self, scale: float, args: argparse.Namespace) -> None:
        self.scale, self.args = scale, args
        self.root = args.workdir.resolve() / f"scale_{tag(scale)}"
        self.logs = self.root / "logs"
        self.config = self.root / "circuit" / "simulation_config.json"
        self.network = self.root / "network"
        self.lgn = self.root / "lgn_spikes.h5"

    def measure(self, cmd: list[str], name: str, timeout: float):
        from harness import run_measured

        return run_measured(cmd, self.logs / f"{name}.log", timeout, self.args.max_rss_gb)

    def build(self) -> float:
        a = self.args
        out = self.root / "circuit"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "v1sim", "build-v1", "--scale", tag(self.scale), "--seed", str(a.seed)]
        cmd += ["--tstop", f"{a.tstop:g}", "--dt", f"{a.dt:g}", "--no-progress", str(out)]
        m = self.measure(cmd, "build_v1", a.timeout)
        check_run(m, "v1sim build-v1")
        return m.wall_s

    def convert(self) -> list[float]:
        walls = []
        for i in range(self.args.repeats):
            shutil.rmtree(self.network, ignore_errors=True)  # not timed
            cmd = [
                sys.executable,
                "-m",
                "v1sim",
                "convert",
                "--no-progress",
                str(self.config),
                str(self.network),
            ]
            m = self.measure(cmd, f"convert_{i + 1}", self.args.timeout)
            check_run(m, "v1sim convert")
            walls.append(m.wall_s)
            print(f"  convert {i + 1}: {m.wall_s:6.2f} s", flush=True)
        return walls

    def write_lgn(self) -> tuple[int, int]:
        import pandas as pd

        from v1sim.inputs.poisson import poisson_spike_trains
        from v1sim.sonata.spikes import write_spikes

        nodes = pd.read_parquet(self.network / "nodes.parquet", columns=["population", "node_id"])
        ids = nodes.loc[nodes["population"] == "lgn", "node_id"].to_numpy()
        spikes = poisson_spike_trains(ids, self.args.lgn_rate, self.args.tstop, self.args.seed)
        write_spikes(self.lgn, {"lgn": spikes})
        return len(ids), len(spikes[0])

    def engine_variant(self, neurons: int) -> str:
        """The CPU driver's kernel at this size: ``parallel`` from PARALLEL_MIN_NEURONS neurons on, else ``serial``."""
        from v1sim.engine.cpu import PARALLEL_MIN_NEURONS

        return "parallel" if neurons >= PARALLEL_MIN_NEURONS and self.args.threads > 1 else "serial"

    def simulate(self, name: str, tstop: float, variant: str, dtype: str = "float32"):
        """One ``v1sim simulate`` in a fresh process; returns the measurement and its provenance.

        Unless ``--shared-numba-cache``, the child gets a numba cache of its own per kernel variant
        (``WORKDIR/numba_cache/serial|parallel``), holding only what this script compiled.
        """
        a = self.args
        out = self.root / name
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "v1sim", "simulate", str(self.network), str(out)]
        cmd += ["--config", str(self.config), "--tstop", f"{tstop:g}", "--dt", f"{a.dt:g}", "--device", "cpu"]
        cmd += ["--dtype", dtype, "--threads", str(a.threads), "--input", f"lgn={self.lgn}", "--no-progress"]
        if not a.shared_numba_cache:
            os.environ["NUMBA_CACHE_DIR"] = str(a.workdir.resolve() / "numba_cache" / variant)
        try:
            m = self.measure(cmd, name, a.timeout)
        finally:
            os.environ.pop("NUMBA_CACHE_DIR", None)
        check_run(m, f"v1sim simulate ({name})")
        return m, read_json(out / "provenance.json")

    def nest(self, i: int):
        a = self.args
        out = self.root / f"nest_{i}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--nest-child", str(self.config), str(out)]
        cmd += [str(self.lgn), "--tstop", f"{a.tstop:g}", "--dt", f"{a.dt:g}", "--threads", str(a.threads)]
        m = self.measure(cmd, f"nest_{i}", a.nest_timeout)
        check_run(m, "NEST")
        return m, read_json(out / "provenance.json")


def compare_to_nest(bench: Bench, ours: Path, nest: Path, neurons: int) -> dict[str, object]:
    """Class rates of both, largest relative difference over classes ≥ 1 Hz in NEST, divergence, matches."""
    from v1sim.reference.compare import compare

    summary = compare(ours, nest, bench.network / "nodes.parquet", bench.args.tstop)
    rows = summary["per_class"]
    fired = [r for r in rows if r["rate_nest_hz"] >= RATE_FLOOR_HZ]
    max_diff = max((abs(r["relative_difference"]) for r in fired), default=math.nan)
    matched, n_ours, n_nest = matched_spikes(ours, nest, ["v1"], bench.args.dt)
    return {
        "summary": summary,
        "max_rel_rate_diff": max_diff,
        "classes_compared": len(fired),
        "first_divergence_ms": summary["first_divergence_ms"],
        "identical": summary["first_divergence_ms"] is None,
        "spikes_matched": matched / max(n_ours, n_nest, 1),
        "nest_mean_rate_hz": n_nest / neurons / (bench.args.tstop / 1000.0),
    }


def run_scale(scale: float, args: argparse.Namespace, base: dict[str, object]) -> list[dict[str, object]]:
    bench = Bench(scale, args)
    bench.root.mkdir(parents=True, exist_ok=True)
    seconds = args.tstop / 1000.0
    print(f"\nscale {tag(scale)}:", flush=True)
    print(f"  build-v1: {bench.build():.1f} s (not part of the comparison)", flush=True)
    convert_walls = bench.convert()
    prov = read_json(bench.network / "provenance.json")
    virtual = set(prov["virtual_populations"])
    neurons = sum(n for p, n in prov["node_populations"].items() if p not in virtual)
    synapses = sum(prov["edge_populations"].values())
    v1_synapses = prov["edge_populations"].get("v1_to_v1", 0)
    units, n_lgn = bench.write_lgn()
    print(
        f"  {neurons:,} neurons, {synapses:,} synapses ({v1_synapses:,} V1→V1); "
        f"LGN input: {units:,} units at {args.lgn_rate:g} Hz, {n_lgn:,} spikes",
        flush=True,
    )

    variant = bench.engine_variant(neurons)
    kernel = variant if not args.shared_numba_cache else f"{variant} (shared numba cache)"
    stamp = engine_stamp()
    started = time.perf_counter()
    for dtype in ("float32", "float64") if args.float64_check else ("float32",):
        # untimed: compiles into numba's cache if it holds no kernel for this variant and dtype yet
        bench.simulate(f"v1sim_warmup_{dtype}", 4 * args.dt, variant, dtype)
    print(f"  v1sim warm-up ({variant} kernel): {time.perf_counter() - started:.1f} s", flush=True)
    ours, probes, nests, loads = [], [], [], {"v1sim": [], "nest": []}
    for i in range(max(args.repeats, args.nest_repeats)):
        if i < args.repeats:
            loads["v1sim"].append(os.getloadavg()[0])
            m, p = bench.simulate(f"v1sim_{i + 1}", args.tstop, variant)
            _, probe = bench.simulate(f"v1sim_probe_{i + 1}", 4 * args.dt, variant)
            ours.append((m, p, spike_digest(bench.root / f"v1sim_{i + 1}" / "spikes.h5")))
            probes.append(probe["simulate_s"])
            print(
                f"  v1sim {i + 1}: RTF {p['real_time_factor']:.3f} (simulate {p['simulate_s']:.2f} s, setup "
                f"{p['setup_s']:.2f} s, first call {probe['simulate_s']:.2f} s), process {m.wall_s:.2f} s, "
                f"peak {m.peak_rss_gb:.2f} GB",
                flush=True,
            )
        if i < args.nest_repeats:
            loads["nest"].append(os.getloadavg()[0])
            m, p = bench.nest(i + 1)
            nests.append((m, p))
            print(
                f"  NEST {i + 1}: RTF {p['nest_simulate_s'] / seconds:.3f} (simulate {p['nest_simulate_s']:.2f} s, "
                f"build {p['nest_build_s']:.2f} s), process {m.wall_s:.2f} s, peak {m.peak_rss_gb:.2f} GB",
                flush=True,
            )

    identical_repeats = len({d for _, _, d in ours}) == 1
    status = "ok" if identical_repeats else "ok; repeats differ"
    if not identical_repeats:
        print("  WARNING: the v1sim repeats gave different spikes", flush=True)
    if engine_stamp() != stamp:
        status += "; engine source changed during the run (numba recompiled in a timed run?)"
        print("  WARNING: the engine's source changed during the run", flush=True)
    cmp32 = compare_to_nest(
        bench, bench.root / "v1sim_1" / "spikes.h5", bench.root / "nest_1" / "spikes.h5", neurons
    )
    (bench.root / "comparison_float32.json").write_text(json.dumps(cmp32["summary"], indent=1, default=str))

    rtf = [p["simulate_s"] / seconds for _, p, _ in ours]
    first_call = statistics.median(probes)
    nest_rtf = [p["nest_simulate_s"] / seconds for _, p in nests]
    speedup = statistics.median(nest_rtf) / statistics.median(rtf)
    common = {**base, "scale": scale, "neurons": neurons, "synapses": synapses, "v1_synapses": v1_synapses}
    common |= {
        "threads": args.threads,
        "lgn_rate_hz": args.lgn_rate,
        "tstop_ms": args.tstop,
        "dt_ms": args.dt,
    }
    comparison = {
        "max_rel_rate_diff": round(cmp32["max_rel_rate_diff"], 4),
        "classes_compared": cmp32["classes_compared"],
        "first_divergence_ms": "none" if cmp32["identical"] else cmp32["first_divergence_ms"],
        "spikes_matched": round(cmp32["spikes_matched"], 4),
    }
    rows = [
        {
            **common,
            "tool": V1SIM,
            "repeats": len(ours),
            "rtf_median": round(statistics.median(rtf), 4),
            "setup_s": round(statistics.median(p["setup_s"] for _, p, _ in ours), 3),
            "mean_rate_hz": round(ours[0][1]["mean_rate_hz"]["v1"], 4),
            "status": status,
            "kernel": kernel,
            "rtf_runs": " ".join(f"{x:.3f}" for x in rtf),
            "convert_s": round(statistics.median(convert_walls), 2),
            "first_call_s": round(first_call, 3),
            "rtf_less_first_call": round(statistics.median(rtf) - first_call / seconds, 4),
            "process_wall_s": round(statistics.median(m.wall_s for m, _, _ in ours), 2),
            "peak_rss_gb": round(max(m.peak_rss_gb for m, _, _ in ours), 3),
            "speedup_nest_over_v1sim": round(speedup, 2),
            **comparison,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
            "load_1min": round(statistics.median(loads["v1sim"]), 2),
        },
        {
            **common,
            "tool": NEST,
            "repeats": len(nests),
            "rtf_median": round(statistics.median(nest_rtf), 4),
            "setup_s": round(statistics.median(p["nest_build_s"] for _, p in nests), 2),
            "mean_rate_hz": round(cmp32["nest_mean_rate_hz"], 4),
            "status": "ok",
            "rtf_runs": " ".join(f"{x:.3f}" for x in nest_rtf),
            "process_wall_s": round(statistics.median(m.wall_s for m, _ in nests), 2),
            "peak_rss_gb": round(max(m.peak_rss_gb for m, _ in nests), 3),
            "omp_wait_policy": "PASSIVE",
            "load_1min": round(statistics.median(loads["nest"]), 2),
        },
    ]
    if scale == CORE_SCALE:
        ok = speedup >= TARGET_SPEEDUP and cmp32["max_rel_rate_diff"] <= TARGET_RATE_DIFFERENCE
        rows[0]["target"] = "PASS" if ok else "FAIL"

    if args.float64_check:
        m, p = bench.simulate("v1sim_float64", args.tstop, variant, "float64")
        cmp64 = compare_to_nest(
            bench, bench.root / "v1sim_float64" / "spikes.h5", bench.root / "nest_1" / "spikes.h5", neurons
        )
        (bench.root / "comparison_float64.json").write_text(
            json.dumps(cmp64["summary"], indent=1, default=str)
        )
        rows.append(
            {
                **common,
                "tool": V1SIM_F64,
                "repeats": 1,
                "rtf_median": round(p["simulate_s"] / seconds, 4),
                "setup_s": round(p["setup_s"], 3),
                "mean_rate_hz": round(p["mean_rate_hz"]["v1"], 4),
                "status": "ok",
                "kernel": kernel,
                "rtf_runs": f"{p['simulate_s'] / seconds:.3f}",
                "process_wall_s": round(m.wall_s, 2),
                "peak_rss_gb": round(m.peak_rss_gb, 3),
                "speedup_nest_over_v1sim": round(
                    statistics.median(nest_rtf) / (p["simulate_s"] / seconds), 2
                ),
                "max_rel_rate_diff": round(cmp64["max_rel_rate_diff"], 4),
                "classes_compared": cmp64["classes_compared"],
                "first_divergence_ms": "none" if cmp64["identical"] else cmp64["first_divergence_ms"],
                "spikes_matched": round(cmp64["spikes_matched"], 4),
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )
        print(
            f"  v1sim float64: RTF {p['simulate_s'] / seconds:.3f}; against NEST: first divergence "
            f"{rows[-1]['first_divergence_ms']}, spikes matched {cmp64['spikes_matched']:.4f}",
            flush=True,
        )
    print_classes(cmp32["summary"]["per_class"])
    return rows


def print_classes(per_class: list[dict[str, object]]) -> None:
    print(f"  {'class':<10} {'cells':>6} {'v1sim Hz':>9} {'NEST Hz':>9} {'rel. diff':>9}")
    for r in sorted(per_class, key=lambda r: -r["rate_nest_hz"]):
        diff = r["relative_difference"]
        text = "–" if diff is None or (isinstance(diff, float) and math.isnan(diff)) else f"{diff:+.2%}"
        print(
            f"  {r['cell_class']:<10} {r['n_cells']:>6} {r['rate_v1sim_hz']:>9.3f} {r['rate_nest_hz']:>9.3f} {text:>9}"
        )


def report(rows: list[dict[str, object]]) -> int:
    print("\nsummary (RTF = simulate wall / simulated time, median of the repeats):")
    print(
        f"  {'scale':>6} {'neurons':>8} {'synapses':>11} {'tool':<27} {'runs':>4} {'RTF':>8} {'setup s':>8} "
        f"{'convert s':>9} {'rate Hz':>8} {'NEST/v1sim':>10} {'max Δrate':>9} {'divergence':>10}"
    )
    for r in rows:
        ratio = f"{r['speedup_nest_over_v1sim']:.1f}×" if r.get("speedup_nest_over_v1sim") else ""
        diff = r.get("max_rel_rate_diff")
        diff = "" if diff is None else f"{diff:.2%}"
        print(
            f"  {r['scale']:>6g} {r['neurons']:>8,} {r['synapses']:>11,} {r['tool']:<27} {r['repeats']:>4} "
            f"{r['rtf_median']:>8.3f} {r['setup_s']:>8.2f} {r.get('convert_s', ''):>9} {r['mean_rate_hz']:>8.3f} "
            f"{ratio:>10} {diff:>9} {r.get('first_divergence_ms', ''):>10}"
        )
    core = [r for r in rows if r["scale"] == CORE_SCALE and r["tool"] == V1SIM]
    if not core:
        print(f"target not checked: scale {CORE_SCALE} was not run")
        return 0
    r = core[0]
    print(
        f"{r['target']}: at scale {CORE_SCALE:g} v1sim-CPU is {r['speedup_nest_over_v1sim']:.1f}× faster than NEST "
        f"(target ≥ {TARGET_SPEEDUP:g}×) and its class rates are within {r['max_rel_rate_diff']:.1%} of NEST's "
        f"over the {r['classes_compared']} classes ≥ {RATE_FLOOR_HZ:g} Hz (target ≤ {TARGET_RATE_DIFFERENCE:.0%})"
    )
    return 0 if r["target"] == "PASS" else 1


def nest_child(config: Path, outdir: Path, lgn: Path, args: argparse.Namespace) -> None:
    from v1sim.reference.nest import run_nest

    run_nest(config, outdir, inputs={"lgn": lgn}, tstop_ms=args.tstop, dt_ms=args.dt, threads=args.threads)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add(
        "--scales",
        type=float,
        nargs="+",
        default=list(SCALES),
        help="build-v1 scales (default 0.02 0.05 0.225)",
    )
    add("--repeats", type=int, default=3, help="v1sim runs (and converts) per scale, median reported (3)")
    add("--nest-repeats", type=int, default=1, help="NEST runs per scale (default 1: it is slow)")
    add("--lgn-rate", type=float, default=20.0, help="Poisson rate of every LGN unit, Hz (default 20)")
    add("--tstop", type=float, default=1000.0, help="simulated time, ms (default 1000)")
    add("--dt", type=float, default=0.25, help="time step, ms (default 0.25)")
    add("--threads", type=int, default=2, help="threads of both simulators (default 2)")
    add("--seed", type=int, default=0, help="seed of the circuit and of the LGN trains (default 0)")
    add(
        "--omp-wait-policy",
        default="PASSIVE",
        help="OMP_WAIT_POLICY of the v1sim children ('inherit': leave the environment as it is; default PASSIVE)",
    )
    add(
        "--shared-numba-cache",
        action="store_true",
        help="use numba's usual cache next to the source (default: one per kernel variant in WORKDIR)",
    )
    add("--float64-check", action=argparse.BooleanOptionalAction, default=True, help="one float64 v1sim run")
    add("--timeout", type=float, default=900.0, help="kill a v1sim run after this many seconds (900)")
    add("--nest-timeout", type=float, default=3600.0, help="kill a NEST run after this many seconds (3600)")
    add("--max-rss-gb", type=float, default=16.0, help="kill a run above this RSS (default 16)")
    add("--workdir", type=Path, default=HERE / "work" / "engine_vs_nest", help="circuits, outputs and logs")
    add("--results", type=Path, default=RESULTS_CSV, help="CSV to append to (default benchmarks/results/...)")
    add("--nest-child", nargs=3, type=Path, metavar=("CONFIG", "OUTDIR", "LGN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.nest_repeats < 1 or not all(0 < s <= 1 for s in args.scales):
        parser.error("scales must be in (0, 1]; repeats at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.nest_child:
        nest_child(*args.nest_child, args)
        return 0

    from harness import append_csv, machine, now

    if args.omp_wait_policy != "inherit":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy  # the children inherit it
    host = machine()
    print(
        f"machine: {host['host']}, {host['cpu']}, {host['cores']} cores, {host['ram_gb']} GB RAM", flush=True
    )
    base = {"date": now(), **host}
    started, rows = time.perf_counter(), []
    try:
        for scale in sorted(set(args.scales)):
            rows += run_scale(scale, args, base)
    except RuntimeError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        append_csv(args.results, rows, CSV_FIELDS)
        return 2
    append_csv(args.results, rows, CSV_FIELDS)
    print(f"\nresults appended to {args.results} ({(time.perf_counter() - started) / 60:.1f} min in all)")
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
