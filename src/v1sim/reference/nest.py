"""The same circuit and inputs in NEST 3.10 through bmtk 1.2 PointNet, the Allen Institute's own runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from v1sim.errors import V1SimInputError
from v1sim.network.user_weights import weight_function_files
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.sonata.config import load_circuit_config, load_json_config

#: Every file :func:`run_nest` writes into its folder: NEST's spikes and bmtk's log, the bmtk config it ran
#: and the child process's output and timings, the provenance record.
OUTPUTS = ("spikes.h5", "log.txt", "config.json", "stdout.txt", "times.json", "provenance.json")


def _input_population(spec: dict[str, Any]) -> str | None:
    """The population a config input's ``node_set`` names directly (a name, or an inline set's population)."""
    node_set = spec.get("node_set")
    return node_set.get("population") if isinstance(node_set, dict) else node_set


def bmtk_config(
    config: Path, outdir: Path, inputs: dict[str, Path], tstop_ms: float, dt_ms: float, threads: int
) -> dict[str, Any]:
    """A bmtk simulation config: the circuit of ``config``, its spike inputs overridden by ``inputs``, our run."""
    circuit = load_circuit_config(config)
    simulation = load_json_config(circuit.simulation_file) if circuit.simulation_file else {}
    spec_inputs = {
        name: spec
        for name, spec in (simulation.get("inputs") or {}).items()
        if _input_population(spec) not in inputs
    }
    for population, path in inputs.items():
        spec_inputs[f"{population}_spikes"] = {
            "input_type": "spikes",
            "module": "sonata",
            "input_file": str(Path(path).resolve()),
            "node_set": population,
        }
    out = {
        "target_simulator": "NEST",
        "network": str(circuit.circuit_file),
        "run": {"tstop": float(tstop_ms), "dt": float(dt_ms), "n_thread": int(threads)},
        "inputs": spec_inputs,
        "output": {
            "output_dir": str(outdir),
            "spikes_file": "spikes.h5",
            "log_file": "log.txt",
            "overwrite_output_dir": True,
        },
    }
    if simulation.get("node_sets_file"):
        out["node_sets_file"] = simulation["node_sets_file"]
    if circuit.point_neuron_models_dirs or circuit.synaptic_models_dirs:
        out["components"] = {
            "point_neuron_models_dir": str(circuit.point_neuron_models_dirs[0]),
            "synaptic_models_dir": str(circuit.synaptic_models_dirs[0]),
        }
    return out


def run_nest(
    config: str | Path,
    outdir: str | Path,
    *,
    inputs: dict[str, Path] | None = None,
    tstop_ms: float,
    dt_ms: float,
    threads: int = 1,
    timeout_s: float = 24 * 3600,
    weight_functions: Sequence[str | Path] = (),
) -> dict[str, Any]:
    """Run the circuit in NEST (own process); ``outdir`` gets spikes.h5, log.txt, config.json, provenance.json.

    The user's weight functions (the config's ``components.weight_functions``, then ``weight_functions``) are
    registered with bmtk there, as for ``v1sim convert``.
    """
    started = time.perf_counter()
    outdir = Path(outdir)
    function_files = weight_function_files(load_circuit_config(Path(config)), weight_functions)
    with atomic_directory(outdir) as tmp:
        spec = bmtk_config(Path(config), tmp, inputs or {}, tstop_ms, dt_ms, threads)
        (tmp / "config.json").write_text(json.dumps(spec, indent=2))
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": str(threads)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "v1sim.reference.pointnet_run",
                str(tmp / "config.json"),
                str(tmp / "times.json"),
                *map(str, function_files),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
            check=False,
            cwd=Path(
                spec["network"]
            ).parent,  # circuit configs may use paths relative to their folder ("./network")
        )
        (tmp / "stdout.txt").write_text(result.stdout + result.stderr)
        if result.returncode != 0 or not (tmp / "spikes.h5").is_file():
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise V1SimInputError(
                config, "NEST", f"bmtk PointNet run failed (exit {result.returncode}): {tail[0]}"
            )
        times = json.loads((tmp / "times.json").read_text())
        for name in (
            "config.json",
            "times.json",
        ):  # paths inside name the temporary folder: keep them relative
            text = (tmp / name).read_text().replace(str(tmp), str(outdir.resolve()))
            (tmp / name).write_text(text)
        record = provenance(
            started,
            stage="simulate_nest",
            source_config=str(config),
            threads=threads,
            tstop_ms=tstop_ms,
            dt_ms=dt_ms,
            inputs={k: str(v) for k, v in (inputs or {}).items()},
            weight_functions=[str(f) for f in function_files],
            nest_build_s=round(times["build_s"], 3),
            nest_simulate_s=round(times["simulate_s"], 3),
            real_time_factor=round(times["simulate_s"] / (tstop_ms / 1000.0), 4),
        )
        write_json(tmp / "provenance.json", record)
    return record
