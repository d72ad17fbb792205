"""``v1sim run`` against bmtk's ``run_pointnet.py`` + NEST 3.10, whole processes, on the shared PointNet examples
and on the built-in column at the core's size.

Usage::

    python benchmarks/pointnet_dropin.py [--repeats 3] [--threads 2] [--scale 0.225] [--skip-column]

Workloads, each copied (or built) into ``benchmarks/work/dropin/`` so that nothing is written into ``../shared``:

* every shared simulation config that has a NEST reference and runs in PointNet without files it lacks:
  ``point_450glifs``, ``300_pointneurons``, and bmtk's ``point_120cells`` (its spike-input, three clamp and
  perturbation configs), ``point_450cells`` and ``point_iclamp`` (its three clamp configs), each from a copy of
  its ``examples`` folder (the components its configs reach beside it), with ``run.n_thread`` set to
  ``--threads`` in the copy (nothing else changed; 300_pointneurons' combined config names a simulation config,
  which gets it);
* the built-in column at ``--scale`` (``v1sim build-v1 --scale S --seed 0``; 1 s at dt 0.25 ms), with one more
  input added to its simulation config: a 20 Hz Poisson spike file for every LGN unit (seeded), as the
  engine benchmark does, so that both simulators see the same realistic drive.

Per workload and repeat, in turn: bmtk PointNet + NEST (``python -m v1sim.reference.pointnet_run CONFIG`` — the
four lines of bmtk's ``run_pointnet.py``, plus the release's weight functions registered — from the example's
folder), ``v1sim run CONFIG`` with an empty network cache (conversion included: what a user's first run costs)
and ``v1sim run CONFIG`` again (the conversion reused). Every run is a fresh process; the wall time is from
start to exit (``harness.run_measured``, which also gives the peak RSS). v1sim runs float32 (its
default) with ``--threads``; NEST gets the same number of threads, both with OMP_WAIT_POLICY=PASSIVE. The first
v1sim run of the whole benchmark fills numba's cache and is not counted.

Reported per workload: the median wall time of each (range over the repeats), and the speed-ups
NEST / v1sim (first run) and NEST / v1sim (cached). One row per workload and tool is appended to
``benchmarks/results/pointnet_dropin.csv`` with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from harness import append_csv, run_measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_CSV = HERE / "results" / "pointnet_dropin.csv"
SHARED = Path(os.environ.get("V1SIM_SHARED", REPO.parent / "shared")) / "sonata"
#: (workload name, example folder under shared/sonata, config files)
EXAMPLES = (
    ("point_450glifs", "point_450glifs/examples/point_450glifs", ("config.simulation.json",)),
    ("300_pointneurons", "300_pointneurons/examples/300_pointneurons", ("config.json",)),
    (
        "point_120cells",
        "bmtk_point/examples/point_120cells",
        (
            "config.simulation.json",
            "config.simulation_iclamp.json",
            "config.simulation_iclamp.aslist.json",
            "config.simulation_iclamp.csv.json",
            "config.simulation_perturbations.json",
        ),
    ),
    ("point_450cells", "bmtk_point/examples/point_450cells", ("config.simulation.json",)),
    (
        "point_iclamp",
        "bmtk_point/examples/point_iclamp",
        ("config.simulation_iclamp.json", "config.simulation_iclamp.aslist.json", "config.simulation_iclamp.csv.json"),
    ),
)
TOOLS = ("bmtk PointNet + NEST 3.10", "v1sim run (first: converts)", "v1sim run (cached network)")
CSV_FIELDS = ["workload", "config", "tool", "threads", "repeats", "wall_median_s", "wall_min_s", "wall_max_s",
              "peak_rss_gb", "speedup_vs_nest"]  # fmt: skip


def copy_example(folder: str, configs: tuple[str, ...], workdir: Path, threads: int) -> Path:
    """Copy an example's ``examples`` folder (the example and the components beside it, which its configs
    reach with ``..``) into ``workdir``; set run.n_thread in the copied configs. Returns the example's copy."""
    source = SHARED / folder
    target = workdir / folder.split("/")[0] / "examples"
    if not target.exists():
        shutil.copytree(source.parent, target)
    example = target / source.name
    for name in configs:
        config = json.loads((source / name).read_text())
        if "run" not in config and isinstance(config.get("simulation"), str):  # a combined config
            name = config["simulation"]
            config = json.loads((source / name).read_text())
        config.setdefault("run", {})["n_thread"] = threads
        (example / name).write_text(json.dumps(config, indent=2))
    return example


def build_column(workdir: Path, scale: float, threads: int) -> Path:
    """The built-in column with a 20 Hz LGN Poisson input added to its simulation config; returns its folder."""
    from v1sim.inputs.poisson import poisson_spike_trains
    from v1sim.sonata.config import load_circuit_config
    from v1sim.sonata.nodes import read_node_populations
    from v1sim.sonata.spikes import write_spikes

    folder = workdir / f"column_{scale:g}"
    if not (folder / "simulation_config.json").is_file():
        subprocess.run([sys.executable, "-m", "v1sim", "build-v1", str(folder), "--scale", str(scale),
                        "--seed", "0", "--no-progress"], check=True)  # fmt: skip
    config_path = folder / "simulation_config.json"
    config = json.loads(config_path.read_text())
    circuit = load_circuit_config(config_path)
    lgn = next(p for files in circuit.nodes for p in read_node_populations(files) if p.name == "lgn")
    ids, times = poisson_spike_trains(lgn.node_ids, 20.0, float(config["run"]["tstop"]), seed=1)
    write_spikes(folder / "inputs" / "lgn_spikes.h5", {"lgn": (ids, times)})
    config["inputs"]["lgn_spikes"] = {"input_type": "spikes", "module": "sonata",
                                      "input_file": "$INPUT_DIR/lgn_spikes.h5", "node_set": "lgn"}  # fmt: skip
    config["run"]["n_thread"] = threads
    config_path.write_text(json.dumps(config, indent=2))
    return folder


def commands(config: Path, out: Path, cache: Path, threads: int) -> dict[str, list[str]]:
    python = sys.executable
    v1sim = [python, "-m", "v1sim", "run", config.name, "--threads", str(threads), "--no-progress",
             "--output-dir", str(out / "v1sim"), "--network-cache", str(cache)]  # fmt: skip
    return {
        TOOLS[0]: [python, "-m", "v1sim.reference.pointnet_run", config.name, str(out / "nest_times.json")],
        TOOLS[1]: v1sim,
        TOOLS[2]: v1sim,
    }


def measure(config: Path, workdir: Path, repeats: int, threads: int) -> dict[str, list]:
    """The three tools on one config, interleaved, each repeat from fresh processes."""
    results: dict[str, list] = {tool: [] for tool in TOOLS}
    for repeat in range(repeats):
        out = workdir / "runs" / config.parent.name / config.stem / f"repeat{repeat}"
        cache = out / "cache"
        for tool, command in commands(config, out, cache, threads).items():
            cwd = os.getcwd()
            os.chdir(config.parent)  # bmtk users run from the example's folder; so do we
            try:
                m = run_measured(command, out / "logs" / f"{TOOLS.index(tool)}.log")
            finally:
                os.chdir(cwd)
            if m.status != "ok":
                sys.exit(f"{tool} failed on {config}: {m.output[-2000:]}")
            results[tool].append(m)
        shutil.rmtree(config.parent / "output", ignore_errors=True)  # bmtk's own output folder in the copy
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.225)
    parser.add_argument("--skip-column", action="store_true", help="only the shared examples")
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "dropin")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    args.workdir.mkdir(parents=True, exist_ok=True)
    workloads: list[tuple[str, Path]] = []
    for name, folder, configs in EXAMPLES:
        copy = copy_example(folder, configs, args.workdir, args.threads)
        workloads += [(name, copy / config) for config in configs]
    if not args.skip_column:
        column = build_column(args.workdir, args.scale, args.threads)
        workloads.append((f"built-in column, scale {args.scale:g}", column / "simulation_config.json"))
    name, first = workloads[0]  # warm-up: numba compiles or loads the engine once, outside the timings
    run_measured(commands(first, args.workdir / "warmup", args.workdir / "warmup" / "cache", args.threads)[TOOLS[1]],
                 args.workdir / "warmup" / "log.txt")  # fmt: skip
    rows = []
    for name, config in workloads:
        runs = measure(config, args.workdir, args.repeats, args.threads)
        nest = statistics.median(m.wall_s for m in runs[TOOLS[0]])
        for tool in TOOLS:
            walls = [m.wall_s for m in runs[tool]]
            median = statistics.median(walls)
            rows.append({
                "workload": name, "config": config.name, "tool": tool, "threads": args.threads,
                "repeats": args.repeats, "wall_median_s": round(median, 2), "wall_min_s": round(min(walls), 2),
                "wall_max_s": round(max(walls), 2),
                "peak_rss_gb": round(float(np.max([m.peak_rss_gb for m in runs[tool]])), 3),
                "speedup_vs_nest": round(nest / median, 2),
            })  # fmt: skip
            print(f"{name:28s} {config.name:40s} {tool:28s} {median:8.2f} s "
                  f"({min(walls):.2f}–{max(walls):.2f})  × {nest / median:.1f}")  # fmt: skip
    append_csv(RESULTS_CSV, rows, CSV_FIELDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
