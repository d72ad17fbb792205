"""The GPU kernels, run under numba's CUDA simulator, give exactly the CPU driver's spikes in float64 (spike-file and
device-Poisson inputs, every neuron model, current clamps) and nearly all of them in float32, where the GPU sums
with atomic adds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("cuda_sim_check.py")


def test_gpu_kernels_equal_cpu_driver_under_the_simulator(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert summary["device"] == "numba CUDA simulator"
    assert summary["n_glif"] + summary["n_iaf"] >= 50 and summary["n_glif"] > 0 and summary["n_iaf"] > 0
    assert summary["n_synapses"] >= 500
    assert summary["distinct_delays_steps"] >= 3
    assert summary["ports_used"] == [0, 1, 2, 3]
    assert summary["n_spikes_cpu"] > 50
    assert summary["identical"], summary
    assert summary["max_v_m_difference"] == 0.0
    # Poisson counts drawn on the device equal the CPU's draws
    assert summary["poisson_spikes_cpu"] > 50 and summary["poisson_identical"], summary
    # float32 with atomic delivery: only the summation order differs, so nearly every spike is shared
    n32 = summary["float32_spikes_cpu"]
    assert n32 > 50 and abs(summary["float32_spikes_gpu"] - n32) <= 0.02 * n32, summary
    assert summary["float32_shared_spikes"] >= 0.95 * n32, summary
    # glif_psc_double_alpha with 10 receptor ports, a spike-file input and a current clamp
    assert summary["double_alpha_ports"] == list(range(10))
    assert summary["double_alpha_spikes_cpu"] > 20, summary
    assert summary["double_alpha_identical"] and summary["double_alpha_max_v_m_difference"] == 0.0, summary
    for model in ("iaf_psc_delta", "iaf_psc_exp"):
        assert summary[f"{model}_spikes_cpu"] > 3, summary
        assert summary[f"{model}_identical"] and summary[f"{model}_max_v_m_difference"] == 0.0, summary
