"""``v1sim simulate``: files in, files out around the engine.

Reads the compiled network and what a SONATA simulation config asks for (spike inputs, current clamps, V_m
reports: :mod:`v1sim.inputs.from_config`), plus inputs given directly (spike files, Poisson rates); runs the
engine; writes the spikes of the simulated populations as a SONATA spike file (``node_ids`` uint64,
``timestamps`` float64 ms, sorted by time), the config's reports, optional V_m traces, and a provenance record
with the run's facts. ``v1sim run`` (:mod:`v1sim.run`) runs the same code and writes bmtk's outputs instead.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from v1sim.engine.simulate import SimulationResult, simulate
from v1sim.errors import V1SimInputError
from v1sim.inputs.from_config import ConfigInputs, read_node_table, report_samples, resolve_config_inputs
from v1sim.limits import whole_steps_problem
from v1sim.network.compiled import CompiledNetwork, read_compiled
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.sonata.reports import write_report
from v1sim.sonata.simulation_config import SimulationConfig, load_simulation_config, spike_input_files
from v1sim.sonata.spikes import write_spikes
from v1sim.storage import create_dataset

log = logging.getLogger(__name__)

#: The release's background: one virtual node of this population firing Poisson at this rate (Billeh et al. 2020).
BACKGROUND_POPULATION = "bkg"
BACKGROUND_RATE_HZ = 1000.0

#: The files :func:`run_simulation` always writes into its folder; besides them, ``v_m.h5`` when V_m is
#: recorded and each report of the simulation config under its file name.
OUTPUTS = ("spikes.h5", "provenance.json")


@dataclass
class RunSettings:
    """How to run: anything left None comes from the simulation config (``run.tstop``, ``run.dt``)."""

    tstop_ms: float | None = None
    dt_ms: float | None = None
    device: str = "auto"
    dtype: str = "float32"
    seed: int = 0
    threads: int | None = None
    #: extra spike files by population (override the config's)
    input_files: dict[str, str] = field(default_factory=dict)
    #: Poisson rates by population, drawn on the device (a population given a spike file cannot have one)
    poisson_hz: dict[str, float] = field(default_factory=dict)
    #: record V_m of these node ids, by population
    record: dict[str, list[int]] = field(default_factory=dict)
    record_interval_ms: float | None = None
    #: a ``bkg`` population with no spike file fires Poisson at 1 kHz (the release's background); ``v1sim run``
    #: turns it off, as PointNet leaves an input-less virtual population silent
    background_poisson: bool = True


def config_inputs(simulation_config: Path | None) -> tuple[dict[str, Path], dict[str, Any]]:
    """Spike-file inputs of a simulation config as ``{population: file}`` (those whose node set names one
    population), and its ``run`` section. ``simulation_config`` may also be a combined config naming one, or a
    circuit config (no inputs then)."""
    if simulation_config is None:
        return {}, {}
    return spike_input_files(simulation_config)


def load_config(simulation_config: str | Path | None, settings: RunSettings) -> SimulationConfig | None:
    """The simulation config checked with the settings' overrides (tstop, dt, input files); None without one."""
    if simulation_config is None:
        return None
    return load_simulation_config(
        simulation_config,
        input_files=settings.input_files,
        tstop_ms=settings.tstop_ms,
        dt_ms=settings.dt_ms,
        writes_output=False,
    )


def _default_inputs(
    net: CompiledNetwork, files: dict[str, Any], poisson_hz: dict[str, float], background: bool = True
) -> dict[str, float]:
    """The Poisson rates to run with: the given ones, plus (``background``) the release's 1 kHz background for a
    ``bkg`` population given no spike file and no rate. Other virtual populations without input stay silent
    (warned)."""
    rates = dict(poisson_hz)
    virtual = [name for name, v in zip(net.population_names, net.population_virtual, strict=True) if v]
    for population in virtual:
        if population in files or population in rates:
            continue
        if population == BACKGROUND_POPULATION and background:
            rates[population] = BACKGROUND_RATE_HZ
            log.info(
                "population %s has no spike file: Poisson %g Hz per node, the release's background",
                population,
                BACKGROUND_RATE_HZ,
            )
        else:
            log.warning(
                "virtual population %s has no input (no spike file, no --poisson): it stays silent",
                population,
            )
    return rates


def _record_ids(net: CompiledNetwork, record: dict[str, list[int]]) -> np.ndarray:
    ids = []
    for population, node_ids in record.items():
        if population not in net.population_names:
            raise V1SimInputError(None, "record", f"unknown population '{population}'")
        try:
            ids.append(net.engine_index(population, np.asarray(node_ids, dtype=np.int64)))
        except KeyError:
            raise V1SimInputError(
                None, f"record.{population}", "node ids absent from the population"
            ) from None
    return np.concatenate(ids) if ids else np.zeros(0, np.int64)


@dataclass
class SimulationRun:
    """A finished run: the engine's result and what went in."""

    result: SimulationResult
    inputs: ConfigInputs
    poisson_hz: dict[str, float]
    #: engine indices of ``RunSettings.record`` (in the order given) and their sampling step
    record_ids: np.ndarray
    record_every: int


def simulate_with_config(
    net: CompiledNetwork,
    nodes: pd.DataFrame,
    config: SimulationConfig | None,
    settings: RunSettings,
    *,
    progress: bool = False,
) -> SimulationRun:
    """Run the engine on ``net`` with the config's inputs, clamps and reports (see :mod:`v1sim.inputs.from_config`)
    and the settings' spike files, Poisson rates and recordings. Shared by ``v1sim run`` and ``v1sim simulate``."""
    tstop = settings.tstop_ms if settings.tstop_ms is not None else (config.tstop_ms if config else None)
    dt = settings.dt_ms if settings.dt_ms is not None else (config.dt_ms if config else None)
    if tstop is None or dt is None:
        raise V1SimInputError(None, "run", "tstop and dt are needed (from the config or the settings)")
    _check_steps(tstop, dt, settings, config)
    inputs = resolve_config_inputs(net, nodes, config, settings.input_files)
    both = set(inputs.spike_trains) & set(settings.poisson_hz)
    if both:
        raise V1SimInputError(
            None, "poisson", f"population {sorted(both)[0]} has a spike file and a Poisson rate"
        )
    poisson_hz = _default_inputs(net, inputs.spike_trains, settings.poisson_hz, settings.background_poisson)
    requested = _record_ids(net, settings.record)
    every = [inputs.record_every()] if inputs.reports else []
    if len(requested):
        every.append(
            1 if settings.record_interval_ms is None else max(1, round(settings.record_interval_ms / dt))
        )
    record_every = reduce(math.gcd, every) if every else 1
    record = np.unique(np.concatenate([requested, inputs.record_ids()]))
    extra: dict[str, Any] = {}
    if inputs.step_currents:  # only then: the keyword comes with the engine's current inputs
        extra["step_currents"] = inputs.step_currents
    threads = settings.threads if settings.threads is not None else (config.threads if config else None)
    result = simulate(
        net,
        float(tstop),
        float(dt),
        spike_trains=inputs.spike_trains,
        poisson_rates_hz=poisson_hz,
        device=settings.device,
        seed=settings.seed,
        dtype=settings.dtype,
        record_ids=record,
        record_interval_ms=record_every * float(dt) if len(record) else None,
        threads=threads,
        progress=progress,
        **extra,
    )
    requested_every = (
        record_every
        if settings.record_interval_ms is None
        else max(1, round(settings.record_interval_ms / dt))
    )
    return SimulationRun(result, inputs, poisson_hz, requested, requested_every)


def _check_steps(tstop: float, dt: float, settings: RunSettings, config: SimulationConfig | None) -> None:
    """A run of whole steps (:mod:`v1sim.limits`): refused when the settings give the length or the step; a
    simulation config's own ``run`` that is not is run to the next whole step, as NEST runs it (warned)."""
    given = settings.tstop_ms is not None or settings.dt_ms is not None
    problem = whole_steps_problem(tstop, dt, whole=given)
    if problem:
        raise V1SimInputError(None if given else config.config_file, "tstop" if given else "run.tstop", problem)
    rounded = None if given else whole_steps_problem(tstop, dt)
    if rounded:
        log.warning("%s: run.tstop: %s; runs to the next step, as NEST does", config.config_file, rounded)
    if settings.record_interval_ms is not None:
        problem = whole_steps_problem(settings.record_interval_ms, dt)
        if problem:
            raise V1SimInputError(None, "record_interval_ms", problem)


def run_simulation(
    network_dir: str | Path,
    outdir: str | Path,
    simulation_config: str | Path | None = None,
    settings: RunSettings | None = None,
    *,
    progress: bool = False,
) -> SimulationResult:
    """Simulate the converted network in ``network_dir``; write into ``outdir`` the spikes (``spikes.h5``), the
    recorded V_m (``v_m.h5``), each report of the config (SONATA, under its file name) and ``provenance.json``."""
    started = time.perf_counter()
    settings = settings or RunSettings()
    network_dir = Path(network_dir)
    net = read_compiled(network_dir / "compiled_network.h5")
    config = load_config(simulation_config, settings)
    nodes = read_node_table(network_dir)
    run = simulate_with_config(net, nodes, config, settings, progress=progress)
    result = run.result
    with atomic_directory(Path(outdir)) as tmp:
        write_spike_output(tmp / "spikes.h5", net, result)
        if len(run.record_ids):
            _write_v_m(tmp / "v_m.h5", net, result, run.record_ids, run.record_every)
        for plan in run.inputs.reports:
            write_report(tmp / plan.spec.path.name, report_samples(plan, result, result.dtype))
        write_json(
            tmp / "provenance.json",
            run_provenance(started, run, net, network_dir, simulation_config, settings),
        )
    return result


def run_provenance(
    started: float,
    run: SimulationRun,
    net: CompiledNetwork,
    network_dir: Path,
    simulation_config: str | Path | None,
    settings: RunSettings,
    stage: str = "simulate",
    **extra: Any,
) -> dict[str, Any]:
    """The provenance record of a run: settings, inputs, device, timings, rates."""
    result = run.result
    return provenance(
        started,
        stage=stage,
        network=str(Path(network_dir).resolve()),
        simulation_config=str(simulation_config) if simulation_config else None,
        settings=dataclasses.asdict(settings),
        inputs={p: str(f) for p, f in run.inputs.spike_files.items()},
        step_currents=[
            {"source": c.source, "n_targets": len(c.targets), "n_steps": len(c.amplitude_times_ms)}
            for c in run.inputs.step_currents
        ],
        reports=[str(plan.spec.path) for plan in run.inputs.reports],
        poisson_hz=run.poisson_hz,
        device=result.device,
        dtype=result.dtype,
        seed=result.seed,
        dt_ms=result.dt_ms,
        tstop_ms=result.tstop_ms,
        n_steps=result.n_steps,
        setup_s=round(result.setup_s, 3),
        simulate_s=round(result.wall_s, 3),
        steps_per_second=round(result.steps_per_second, 1),
        real_time_factor=round(result.real_time_factor, 4),
        n_spikes=len(result.spike_step),
        mean_rate_hz=population_rates(net, result),
        **extra,
    )


def population_rates(net: CompiledNetwork, result: SimulationResult) -> dict[str, float]:
    """Mean firing rate (Hz) of each simulated population."""
    counts = np.bincount(net.node_population[result.spike_neuron], minlength=len(net.population_names))
    seconds = result.tstop_ms / 1000.0
    return {
        name: float(counts[p] / net.population_size[p] / seconds)
        for p, name in enumerate(net.population_names)
        if not net.population_virtual[p]
    }


def write_spike_output(path: Path, net: CompiledNetwork, result: SimulationResult) -> None:
    """SONATA spikes of every simulated population (also those that stayed silent), sorted by time."""
    population = net.node_population[result.spike_neuron]
    spikes = {}
    for p, name in enumerate(net.population_names):
        if net.population_virtual[p]:
            continue
        mine = population == p
        spikes[name] = (net.node_id[result.spike_neuron[mine]], result.spike_times_ms[mine])
    write_spikes(path, spikes)


def _write_v_m(
    path: Path, net: CompiledNetwork, result: SimulationResult, ids: np.ndarray, every: int
) -> None:
    """V_m and synaptic current of the neurons ``ids`` (in that order), every ``every`` steps."""
    columns = np.searchsorted(result.record_ids, ids)
    stride = every // result.record_every
    rows = np.arange(stride - 1, len(result.v_m), stride)
    with h5py.File(path, "w") as h5:
        create_dataset(h5, "time_ms", data=result.record_times_ms[rows])
        create_dataset(h5, "v_m", data=result.v_m[np.ix_(rows, columns)])
        h5["v_m"].attrs["units"] = "mV"
        create_dataset(h5, "i_syn", data=result.i_syn[np.ix_(rows, columns)])
        h5["i_syn"].attrs["units"] = "pA"
        h5["i_syn"].attrs["description"] = (
            "total synaptic current: the sum of the alpha currents of all ports"
        )
        h5["population"] = np.array(
            [net.population_names[p] for p in net.node_population[ids]],
            dtype=h5py.string_dtype(),
        )
        create_dataset(h5, "node_id", data=net.node_id[ids])
