"""Single neurons driven by spike generators: the same setup in our engine and in NEST (run in its own process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from v1sim.engine.simulate import simulate
from v1sim.models.params import nest_neuron_params
from v1sim.network.compiled import CompiledNetwork
from v1sim.network.neurons import param_columns

NEST_RUNNER = Path(__file__).with_name("nest_single_runner.py")


@dataclass
class Drive:
    """One spike generator: its spike times, and the weight, delay and NEST receptor of its connection."""

    times_ms: list[float]
    weight_pa: float
    delay_ms: float
    receptor: int


def compiled_single(model: str, params: dict, drives: list[Drive]) -> CompiledNetwork:
    """A compiled network of one neuron (engine index 0) and one virtual source per drive."""
    nest_model, full = nest_neuron_params(model, params, Path("<test>"))
    row = param_columns(nest_model, full)
    glif = nest_model == "glif_psc"
    k = len(drives)
    scalars = {
        name: np.array([float(row[name])]) for name in ("V_m", "E_L", "V_th", "V_reset", "C_m", "t_ref")
    }
    scalars["g"] = np.array([row["g"] if glif else row["C_m"] / row["tau_m"]])
    scalars["tau_m"] = np.array([row["C_m"] / row["g"] if glif else row["tau_m"]])
    scalars["I_e"] = np.array([0.0 if glif else row["I_e"]])
    scalars["V_min"] = np.array([-np.inf if glif else row["V_min"]])
    tau = np.full((1, 4), np.nan)
    if glif:
        tau[0, : len(full["tau_syn"])] = full["tau_syn"]
    else:
        tau[0, :2] = [row["tau_syn_ex"], row["tau_syn_in"]]
    vectors = {
        name: np.array([[row[f"{name}_0"], row[f"{name}_1"]]])
        for name in ("asc_init", "asc_decay", "asc_amps", "asc_r")
    }
    flags = {
        name: np.array([bool(full.get(name, False))])
        for name in ("after_spike_currents", "spike_dependent_threshold", "adapting_threshold")
    }
    ports = [d.receptor - 1 if glif else (0 if d.weight_pa > 0 else 1) for d in drives]
    return CompiledNetwork(
        population_names=["cell", "drive"],
        population_virtual=np.array([False, True]),
        population_offset=np.array([0, 1]),
        population_size=np.array([1, k]),
        node_population=np.array([0] + [1] * k),
        node_id=np.array([0, *range(k)]),
        model_code=np.array([0 if glif else 1], dtype=np.int8),
        scalars=scalars,
        vectors=vectors,
        flags=flags,
        tau_syn_ms=tau,
        n_ports=np.array([len(full["tau_syn"]) if glif else 2]),
        indptr=np.array([0, 0, *range(1, k + 1)]),
        target=np.zeros(k, dtype=np.int32),
        weight_pa=np.array([d.weight_pa for d in drives]),
        delay_ms=np.array([d.delay_ms for d in drives]),
        port=np.array(ports, dtype=np.uint8),
        edge_population=np.zeros(k, dtype=np.uint8),
        edge_population_names=["drive"],
    )


def run_ours(
    model: str, params: dict, drives: list[Drive], dt_ms: float, tstop_ms: float
) -> dict[str, np.ndarray]:
    """Spike times and the V_m trace (every step) of our engine, float64, CPU."""
    net = compiled_single(model, params, drives)
    ids = np.concatenate([np.full(len(d.times_ms), j) for j, d in enumerate(drives)])
    times = np.concatenate([np.asarray(d.times_ms, dtype=float) for d in drives])
    result = simulate(
        net,
        tstop_ms,
        dt_ms,
        spike_trains={"drive": (ids, times)},
        device="cpu",
        dtype="float64",
        record_ids=np.array([0]),
    )
    return {
        "spikes": result.spike_times_ms,
        "t": result.record_times_ms,
        "v": result.v_m[:, 0],
        "i_syn": result.i_syn[:, 0],
    }


def run_nest(cases: list[dict], folder: Path) -> list[dict[str, np.ndarray]]:
    """Run every case in one NEST process; each case: model, params, drives, dt, tstop."""
    spec = folder / "cases.json"
    spec.write_text(json.dumps([{**c, "drives": [d.__dict__ for d in c["drives"]]} for c in cases]))
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    result = subprocess.run(
        [sys.executable, str(NEST_RUNNER), str(spec), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"NEST run failed:\n{result.stderr[-3000:]}")
    return [dict(np.load(folder / f"case_{i}.npz")) for i in range(len(cases))]
