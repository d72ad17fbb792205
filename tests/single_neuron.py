"""Single neurons driven by spike generators: the same setup in our engine and in NEST (run in its own process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.engine.simulate import simulate
from v1sim.inputs.currents import StepCurrent
from v1sim.models.params import nest_neuron_params
from v1sim.network.compiled import CompiledNetwork
from v1sim.network.convert import neuron_arrays
from v1sim.network.neurons import param_columns

NEST_RUNNER = Path(__file__).with_name("nest_single_runner.py")


@dataclass
class Drive:
    """One spike generator: its spike times, and the weight, delay and NEST receptor of its connection."""

    times_ms: list[float]
    weight_pa: float
    delay_ms: float
    receptor: int


@dataclass
class Clamp:
    """One step-current generator: amplitude times (ms, on the grid) and values (pA), connection delay."""

    times_ms: list[float]
    values_pa: list[float]
    delay_ms: float


def compiled_single(model: str, params: dict, drives: list[Drive]) -> CompiledNetwork:
    """A compiled network of one neuron (engine index 0) and one virtual source per drive."""
    nest_model, full = nest_neuron_params(model, params, Path("<test>"))
    row = pd.DataFrame([param_columns(nest_model, full)])
    numbered = nest_model.startswith("glif_psc")
    k = len(drives)
    ports = [d.receptor - 1 if numbered else (0 if d.weight_pa > 0 else 1) for d in drives]
    if nest_model == "iaf_psc_delta":
        ports = [0] * k
    return CompiledNetwork(
        population_names=["cell", "drive"],
        population_virtual=np.array([False, True]),
        population_offset=np.array([0, 1]),
        population_size=np.array([1, k]),
        node_population=np.array([0] + [1] * k),
        node_id=np.array([0, *range(k)]),
        indptr=np.array([0, 0, *range(1, k + 1)]),
        target=np.zeros(k, dtype=np.int32),
        weight_pa=np.array([d.weight_pa for d in drives]),
        delay_ms=np.array([d.delay_ms for d in drives]),
        port=np.array(ports, dtype=np.uint8),
        edge_population=np.zeros(k, dtype=np.uint8),
        edge_population_names=["drive"],
        **neuron_arrays(row),
    )


def run_ours(
    model: str,
    params: dict,
    drives: list[Drive],
    dt_ms: float,
    tstop_ms: float,
    clamps: list[Clamp] | None = None,
    device: str = "cpu",
) -> dict[str, np.ndarray]:
    """Spike times and the V_m trace (every step) of our engine, float64."""
    net = compiled_single(model, params, drives)
    currents = [
        StepCurrent(np.array(c.times_ms), np.array(c.values_pa), np.array([0]), 1.0, c.delay_ms)
        for c in clamps or []
    ]
    ids = np.concatenate([np.full(len(d.times_ms), j) for j, d in enumerate(drives)])
    times = np.concatenate([np.asarray(d.times_ms, dtype=float) for d in drives])
    result = simulate(
        net,
        tstop_ms,
        dt_ms,
        spike_trains={"drive": (ids, times)},
        device=device,
        dtype="float64",
        record_ids=np.array([0]),
        step_currents=currents,
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
    spec.write_text(
        json.dumps(
            [
                {
                    **c,
                    "drives": [d.__dict__ for d in c["drives"]],
                    "currents": [k.__dict__ for k in c.get("currents", [])],
                }
                for c in cases
            ]
        )
    )
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


def run_cases(cases: list[dict], folder: Path) -> list[tuple[dict, dict, dict]]:
    """Every case in NEST (one process) and in our engine: ``(case, ours, nest)`` per case. A case's ``params``
    are in the file form of its ``template`` (default: its ``model``); NEST gets them as NEST 3 receives them."""
    for case in cases:
        case.setdefault("template", case["model"])
        case.setdefault("currents", [])
    nest_cases = [{**c, "params": nest_neuron_params(c["template"], c["params"], Path("x"))[1]} for c in cases]
    nest_runs = run_nest(nest_cases, folder)
    return [
        (c, run_ours(c["template"], c["params"], c["drives"], c["dt"], c["tstop"], c["currents"]), n)
        for c, n in zip(cases, nest_runs, strict=True)
    ]


def poisson_times(rng: np.random.Generator, rate_hz: float, tstop_ms: float) -> list[float]:
    """Sorted Poisson spike times (ms, off the grid at 0.1 µs resolution) in (0.5, tstop_ms)."""
    n = rng.poisson(rate_hz * tstop_ms / 1000)
    return np.round(np.sort(rng.uniform(0.5, tstop_ms, n)), 4).tolist()


def assert_equals_nest(case: dict, ours: dict, nest: dict, min_moving_fraction: float = 0.8) -> None:
    """Spike times identical; V_m within 1e-9 mV at every step NEST recorded; the total synaptic current within
    1e-9 pA (iaf_psc_alpha/iaf_psc_exp: at the end of the step, as ours; the glif models: NEST's I_syn is the sum
    at the start of the step, ours one step earlier, held while refractory — compared where it moves, which must
    be at least ``min_moving_fraction`` of the steps; iaf_psc_delta has none)."""
    name = case["name"]
    assert len(nest["spikes"]) > 50, f"{name}: too few spikes to be a test"
    np.testing.assert_array_equal(np.round(ours["spikes"], 9), np.round(nest["spikes"], 9), err_msg=name)
    n = len(nest["v"])  # NEST's multimeter stops one minimum delay before the end
    assert n > 0.9 * len(ours["v"])
    np.testing.assert_allclose(ours["t"][:n], nest["t"], rtol=0, atol=1e-9)
    assert np.max(np.abs(ours["v"][:n] - nest["v"])) < 1e-9, name
    if case["model"] == "iaf_psc_delta":  # no synaptic current: weights jump the membrane
        assert not ours["i_syn"].any()
        return
    assert np.max(np.abs(nest["i_syn"])) > 10.0  # the synaptic currents are not trivially zero
    if case["model"] in ("iaf_psc_alpha", "iaf_psc_exp"):
        assert np.max(np.abs(ours["i_syn"][:n] - nest["i_syn"])) < 1e-9, name
    else:
        moving = np.flatnonzero(np.diff(nest["i_syn"]) != 0) + 1
        assert len(moving) > min_moving_fraction * n
        assert np.max(np.abs(ours["i_syn"][moving - 1] - nest["i_syn"][moving])) < 1e-9, name
