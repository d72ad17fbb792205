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
from v1sim.engine.simulate import simulate
from v1sim.models.propagators import delay_steps
from v1sim.network.compiled import read_compiled
from v1sim.network.convert import convert_circuit


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
    out.write_text(json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
