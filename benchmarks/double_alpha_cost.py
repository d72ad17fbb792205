"""The cost of the successor model's synapses: the engine's RTF on the built-in column with glif_psc cells on 4
receptor ports against the same column with glif_psc_double_alpha cells on 10 ports.

Usage::

    python benchmarks/double_alpha_cost.py [--scale 0.225] [--repeats 3] [--threads 2] [--tstop 1000]

1. Build the column (``v1sim build-v1 --scale S --seed 0``) and convert it, into ``benchmarks/work/double_alpha``
   (kept; rebuilt when missing).
2. The double-alpha variant is made from the compiled network in memory, as the successor model wires it: every
   glif cell becomes a ``glif_psc_double_alpha`` cell with 10 ports, one per source class (the source's
   ``pop_name``, LGN and background classes included, folded onto 10 ports by their order); port ``p`` takes the
   fast time constant of the original port of the same index mod 4, a slow one of 4× that, ``amp_slow`` 0.3; every
   weight onto such a port is scaled by τ_fast/(τ_fast + 0.3·τ_slow) so that each synapse delivers the charge it
   did as a single alpha current, and the activity stays comparable.
3. Both variants run the same inputs — LGN Poisson at ``--lgn-rate`` Hz (20), the 1 kHz background — in float32
   on the CPU with ``--threads``, ``--repeats`` times each, interleaved (glif, double, glif, ...), in this process
   after an untimed warm-up per variant.

Reported per variant: the median RTF (simulate wall / simulated time) and its range, the mean rate, the ring and
synaptic-state sizes; and the ratio of the medians (the cost of the successor's synapses). One row per variant is
appended to ``benchmarks/results/double_alpha_cost.csv`` with the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from harness import append_csv

from v1sim.engine.prepare import prepare
from v1sim.engine.simulate import simulate
from v1sim.network.compiled import CompiledNetwork, read_compiled

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "results" / "double_alpha_cost.csv"
N_PORTS = 10
AMP_SLOW = 0.3
SLOW_OVER_FAST = 4.0
CSV_FIELDS = [
    "scale",
    "neurons",
    "synapses",
    "variant",
    "ports_per_cell",
    "threads",
    "tstop_ms",
    "repeats",
    "rtf_median",
    "rtf_min",
    "rtf_max",
    "mean_rate_hz",
    "ring_entries",
    "syn_state_values",
    "rtf_ratio_to_glif",
]


def ensure_network(workdir: Path, scale: float) -> Path:
    """Build and convert the column once; return the network folder."""
    network = workdir / f"scale_{scale:g}" / "network"
    if (network / "compiled_network.h5").is_file():
        return network
    circuit = network.parent / "circuit"
    for command in (
        ["build-v1", str(circuit), "--scale", str(scale), "--seed", "0", "--no-progress"],
        ["convert", str(circuit / "simulation_config.json"), str(network), "--no-progress"],
    ):
        subprocess.run([sys.executable, "-m", "v1sim", *command], check=True)
    return network


def double_alpha_variant(net: CompiledNetwork, source_class: np.ndarray) -> CompiledNetwork:
    """The column with glif_psc_double_alpha cells on 10 ports, one per source class (see the module docstring)."""
    glif = net.model_code == 0
    start = net.port_start
    old_tau = np.stack([net.port_tau_ms[start[:-1] + p] for p in range(4)], axis=1)  # the glif cells have 4
    fast = np.where(glif[:, None], old_tau[:, np.arange(N_PORTS) % 4], np.nan)
    n_ports = np.where(glif, N_PORTS, net.n_ports)
    source = np.repeat(np.arange(len(net.indptr) - 1), np.diff(net.indptr))
    onto_glif = glif[net.target]
    port = np.where(onto_glif, source_class[source] % N_PORTS, net.port).astype(np.uint8)
    tau_f = fast[net.target, np.minimum(port, N_PORTS - 1)]
    scale = np.where(onto_glif, tau_f / (tau_f + AMP_SLOW * SLOW_OVER_FAST * tau_f), 1.0)
    width = max(N_PORTS, int(net.n_ports.max()))
    present = np.arange(width)[None, :] < n_ports[:, None]
    own = np.full((net.n_neurons, width), np.nan)
    old_present = np.arange(width)[None, :] < net.n_ports[:, None]
    own[old_present] = net.port_tau_ms
    fast_all = np.where(glif[:, None], np.pad(fast, ((0, 0), (0, width - N_PORTS)), constant_values=np.nan), own)
    slow_all = np.where(glif[:, None], fast_all * SLOW_OVER_FAST, np.nan)
    amp_all = np.where(glif[:, None] & np.isfinite(fast_all), AMP_SLOW, np.nan)
    per_port = [fast_all[present], slow_all[present], amp_all[present]]
    return dataclasses.replace(
        net,
        model_code=np.where(glif, 2, net.model_code).astype(np.int8),
        n_ports=n_ports.astype(np.int16),
        port_tau_ms=per_port[0],
        port_tau_slow_ms=per_port[1],
        port_amp_slow=per_port[2],
        port=port,
        weight_pa=net.weight_pa * scale,
    )


def source_classes(network: Path, net: CompiledNetwork) -> np.ndarray:
    """Per engine index, a class code: the node's pop_name (virtual populations: their population name)."""
    nodes = pd.read_parquet(network / "nodes.parquet", columns=["engine_index", "population", "pop_name"])
    label = nodes["pop_name"].fillna(nodes["population"]).astype(str)
    codes = pd.factorize(label, sort=True)[0]
    out = np.zeros(len(net.node_id), dtype=np.int64)
    out[nodes["engine_index"].to_numpy()] = codes
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.225)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--lgn-rate", type=float, default=20.0)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "double_alpha")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    network = ensure_network(args.workdir, args.scale)
    glif = read_compiled(network / "compiled_network.h5")
    variants = {"glif_psc, 4 ports": glif, "glif_psc_double_alpha, 10 ports": double_alpha_variant(
        glif, source_classes(network, glif)
    )}  # fmt: skip
    inputs = {"poisson_rates_hz": {"lgn": args.lgn_rate, "bkg": 1000.0}}
    timings: dict[str, list[float]] = {name: [] for name in variants}
    rates: dict[str, float] = {}
    for net in variants.values():  # warm-up: compiles or loads the kernels
        simulate(net, 10.0, 0.25, device="cpu", threads=args.threads, **inputs)
    for repeat in range(args.repeats):
        for name, net in variants.items():
            result = simulate(net, args.tstop, 0.25, device="cpu", threads=args.threads, seed=repeat, **inputs)
            timings[name].append(result.real_time_factor)
            rates[name] = len(result.spike_step) / net.n_neurons / (args.tstop / 1000.0)
    rows = []
    base = statistics.median(timings["glif_psc, 4 ports"])
    for name, net in variants.items():
        engine = prepare(net, 0.25, "float32")
        rtf = statistics.median(timings[name])
        row = {
            "scale": args.scale,
            "neurons": net.n_neurons,
            "synapses": net.n_synapses,
            "variant": name,
            "ports_per_cell": 10 if "double" in name else 4,
            "threads": args.threads,
            "tstop_ms": args.tstop,
            "repeats": args.repeats,
            "rtf_median": round(rtf, 4),
            "rtf_min": round(min(timings[name]), 4),
            "rtf_max": round(max(timings[name]), 4),
            "mean_rate_hz": round(rates[name], 3),
            "ring_entries": engine.n_ring_entries,
            "syn_state_values": engine.n_syn_state,
            "rtf_ratio_to_glif": round(rtf / base, 3),
        }
        rows.append(row)
        print(
            f"{name:34s} RTF {rtf:.3f} (range {min(timings[name]):.3f}–{max(timings[name]):.3f}), "
            f"{rates[name]:.2f} Hz, {engine.n_ring_entries:,} ring entries, {engine.n_syn_state:,} state values, "
            f"× {rtf / base:.2f}"
        )
    append_csv(RESULTS_CSV, rows, CSV_FIELDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
