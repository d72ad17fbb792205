"""A network of glif_psc_double_alpha cells with 10 receptor ports (the successor V1 model's neuron), built here,
run by bmtk 1.2 PointNet on NEST 3.10 and by v1sim: identical spikes in float64."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.double_alpha_circuit import N_PORTS, write_double_alpha_circuit
from v1sim.network.compiled import read_compiled
from v1sim.network.convert import convert_circuit
from v1sim.simulation import RunSettings, run_simulation
from v1sim.sonata.spikes import read_spikes


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pytest.importorskip("bmtk", reason="bmtk is part of the test environment (pip install -e .[dev])")
    root = tmp_path_factory.mktemp("double_alpha")
    config = write_double_alpha_circuit(root / "circuit")
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
    nest = subprocess.run(
        [sys.executable, "-m", "v1sim.reference.pointnet_run", str(config), str(root / "times.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
        cwd=config.parent,
    )
    assert nest.returncode == 0, nest.stderr[-3000:]
    convert_circuit(config, root / "network", progress=False)
    ours = run_simulation(
        root / "network", root / "ours", config, RunSettings(dtype="float64", device="cpu", threads=1)
    )
    return {
        "net": read_compiled(root / "network" / "compiled_network.h5"),
        "nest": read_spikes(config.parent / "output" / "spikes.h5")["cortex"],
        "ours": read_spikes(root / "ours" / "spikes.h5")["cortex"],
        "result": ours,
    }


def test_the_network_uses_ten_double_alpha_ports(runs: dict) -> None:
    net = runs["net"]
    assert (net.model_code == 2).all() and (net.n_ports == N_PORTS).all()
    assert sorted(np.unique(net.port).tolist()) == list(range(N_PORTS))
    assert np.isfinite(net.port_tau_slow_ms).all() and (net.port_amp_slow > 0).all()


def test_spikes_equal_nest_through_bmtk(runs: dict) -> None:
    nest_ids, nest_times = runs["nest"]
    ours_ids, ours_times = runs["ours"]
    assert len(nest_ids) > 500, "too few spikes to be a test"
    nest_order = np.lexsort((nest_ids, np.round(nest_times, 6)))
    ours_order = np.lexsort((ours_ids, np.round(ours_times, 6)))
    np.testing.assert_array_equal(ours_ids[ours_order], nest_ids[nest_order])
    np.testing.assert_allclose(ours_times[ours_order], nest_times[nest_order], rtol=0, atol=1e-6)
