"""Run the GPU driver under numba's CUDA simulator against the CPU driver: ``python tests/cuda_sim_check.py OUT``.

Needs ``NUMBA_ENABLE_CUDASIM=1`` in the environment before numba is imported (tests/test_engine_cuda.py runs
this in a subprocess). Writes a JSON summary to OUT.
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.circuits import CircuitSpec, make_circuit
from tests.double_alpha_circuit import write_double_alpha_circuit
from tests.single_neuron import Clamp, Drive, run_ours
from v1sim.engine.simulate import simulate
from v1sim.inputs.currents import StepCurrent
from v1sim.models.propagators import delay_steps
from v1sim.network.compiled import read_compiled
from v1sim.network.convert import convert_circuit
from v1sim.simulation import config_inputs
from v1sim.sonata.spikes import read_spikes


def main(out: Path) -> None:
    root = out.parent / "cuda_sim"
    config = make_circuit(
        root / "circuit", CircuitSpec(n_glif=45, n_iaf=15, n_edges=900, per_edge_delay=True)
    )
    convert_circuit(config, root / "network", progress=False)
    net = read_compiled(root / "network" / "compiled_network.h5")
    rng = np.random.default_rng(0)
    trains = {"lgn": (rng.integers(0, 8, 500), np.sort(rng.uniform(0.0, 100.0, 500)))}
    runs, poisson, single = {}, {}, {}
    for device in ("cpu", "cuda"):
        common = {"device": device, "seed": 4}
        runs[device] = simulate(
            net, 100.0, 0.25, spike_trains=trains, dtype="float64", record_ids=np.array([0, 50]), **common
        )
        # device Poisson draws (the deterministic delivery, float64)
        poisson[device] = simulate(
            net, 100.0, 0.25, poisson_rates_hz={"lgn": 300.0}, dtype="float64", **common
        )
        # float32: the GPU delivers with atomic adds (another summation order than the CPU's)
        single[device] = simulate(net, 100.0, 0.25, spike_trains=trains, dtype="float32", **common)
    cpu, gpu = runs["cpu"], runs["cuda"]
    summary = {
        "device": gpu.device,
        "n_glif": int((net.model_code == 0).sum()),
        "n_iaf": int((net.model_code == 1).sum()),
        "n_synapses": int(net.n_synapses),
        "distinct_delays_steps": len(np.unique(delay_steps(net.delay_ms, 0.25))),
        "ports_used": sorted(int(p) for p in np.unique(net.port[net.model_code[net.target] == 0])),
        "n_spikes_cpu": len(cpu.spike_step),
        "n_spikes_gpu": len(gpu.spike_step),
        "identical": bool(
            np.array_equal(cpu.spike_step, gpu.spike_step)
            and np.array_equal(cpu.spike_neuron, gpu.spike_neuron)
        ),
        "max_v_m_difference": float(np.max(np.abs(cpu.v_m - gpu.v_m))),
        "poisson_spikes_cpu": len(poisson["cpu"].spike_step),
        "poisson_identical": bool(
            np.array_equal(poisson["cpu"].spike_step, poisson["cuda"].spike_step)
            and np.array_equal(poisson["cpu"].spike_neuron, poisson["cuda"].spike_neuron)
        ),
        "float32_spikes_cpu": len(single["cpu"].spike_step),
        "float32_spikes_gpu": len(single["cuda"].spike_step),
        "float32_shared_spikes": len(
            set(zip(single["cpu"].spike_step, single["cpu"].spike_neuron, strict=True))
            & set(zip(single["cuda"].spike_step, single["cuda"].spike_neuron, strict=True))
        ),
    }
    summary.update(_double_alpha(root))
    summary.update(_single_models())
    out.write_text(json.dumps(summary))


def _same(a: object, b: object) -> bool:
    return bool(np.array_equal(a.spike_step, b.spike_step) and np.array_equal(a.spike_neuron, b.spike_neuron))


def _double_alpha(root: Path) -> dict:
    """The 10-port glif_psc_double_alpha network with its spike input and a current clamp, CPU vs GPU, float64."""
    config = write_double_alpha_circuit(root / "double_alpha", tstop_ms=60.0, dt_ms=0.25)
    convert_circuit(config, root / "double_alpha_network", progress=False)
    net = read_compiled(root / "double_alpha_network" / "compiled_network.h5")
    files, _ = config_inputs(config)
    trains = {pop: read_spikes(path)[pop] for pop, path in files.items()}
    clamp = StepCurrent(np.array([10.0, 40.0]), np.array([150.0, 0.0]), np.arange(0, 80, 3))
    runs = {
        device: simulate(
            net,
            60.0,
            0.25,
            spike_trains=trains,
            device=device,
            dtype="float64",
            record_ids=np.array([0, 17, 79]),
            step_currents=[clamp],
        )
        for device in ("cpu", "cuda")
    }
    return {
        "double_alpha_ports": sorted(int(p) for p in np.unique(net.port)),
        "double_alpha_spikes_cpu": len(runs["cpu"].spike_step),
        "double_alpha_identical": _same(runs["cpu"], runs["cuda"]),
        "double_alpha_max_v_m_difference": float(np.max(np.abs(runs["cpu"].v_m - runs["cuda"].v_m))),
    }


def _single_models() -> dict:
    """iaf_psc_delta and iaf_psc_exp cells with spike drives and clamps, CPU vs GPU, float64."""
    rng = np.random.default_rng(5)
    out = {}
    for model, weights in (("iaf_psc_delta", (1.5, -1.0)), ("iaf_psc_exp", (300.0, -100.0))):
        drives = [
            Drive(np.sort(rng.uniform(0.1, 50.0, 80)).round(3).tolist(), weights[0], 1.0, 0),
            Drive(np.sort(rng.uniform(0.1, 50.0, 20)).round(3).tolist(), weights[1], 0.5, 0),
        ]
        clamps = [Clamp([5.0, 30.0], [200.0, 0.0], 0.25)]
        runs = {d: run_ours(model, {}, drives, 0.25, 50.0, clamps, device=d) for d in ("cpu", "cuda")}
        out[f"{model}_spikes_cpu"] = len(runs["cpu"]["spikes"])
        out[f"{model}_identical"] = bool(np.array_equal(runs["cpu"]["spikes"], runs["cuda"]["spikes"]))
        out[f"{model}_max_v_m_difference"] = float(np.max(np.abs(runs["cpu"]["v"] - runs["cuda"]["v"])))
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]))
