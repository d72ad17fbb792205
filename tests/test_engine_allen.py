"""The two Allen examples at their configured dt and duration against NEST 3.10's reference spikes (float64).

Rates per model_name must be within 5 % of ``nest_reference/spike_stats.json``; ``compare`` reports the time of
the first spike that differs from ``nest_reference/spikes.h5`` and the test requires at least 100 ms of
identical spikes before it (the engine reproduces both examples spike for spike over the whole run).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from v1sim.network.convert import convert_circuit
from v1sim.reference.compare import compare
from v1sim.simulation import RunSettings, run_simulation


@pytest.mark.slow
@pytest.mark.parametrize("example", ["point300_config", "glif450_config"])
def test_example_reproduces_nest(example: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    config = request.getfixturevalue(example)
    reference = config.parents[2] / "nest_reference"
    stats = json.loads((reference / "spike_stats.json").read_text())
    convert_circuit(config, tmp_path / "network", progress=False)
    result = run_simulation(
        tmp_path / "network", tmp_path / "sim", config, RunSettings(device="cpu", dtype="float64")
    )
    assert result.tstop_ms == pytest.approx(stats["tstop_ms"])
    summary = compare(
        tmp_path / "sim" / "spikes.h5",
        reference / "spikes.h5",
        tmp_path / "network" / "nodes.parquet",
        result.tstop_ms,
        class_column="model_name",
    )
    (population,) = stats["populations"]
    groups = stats["populations"][population]["groups"]
    ours = {row["cell_class"]: row for row in summary["per_class"]}
    assert set(ours) == set(groups)
    for name, group in groups.items():
        assert ours[name]["rate_v1sim_hz"] == pytest.approx(group["mean_rate_hz"], rel=0.05), name
    print(
        f"{example}: first divergence {summary['first_divergence_ms']} ms, "
        f"{summary['identical_spikes_before_divergence']} identical spikes"
    )
    assert summary["first_divergence_ms"] is None or summary["first_divergence_ms"] >= 100.0
    assert summary["n_spikes_v1sim"] > 10_000
