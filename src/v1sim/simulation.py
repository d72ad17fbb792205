"""``v1sim simulate``: files in, files out around the engine.

Reads the compiled network and the inputs a SONATA simulation config names (spike files for virtual
populations, given by ``node_set``), plus inputs given directly (spike files, Poisson rates); runs the engine;
writes the spikes of the simulated populations as a SONATA spike file (``node_ids`` uint64, ``timestamps``
float64 ms, sorted by time), optional V_m traces, and a provenance record with the run's facts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from v1sim.engine.simulate import SimulationResult, simulate
from v1sim.errors import V1SimInputError
from v1sim.network.compiled import CompiledNetwork, read_compiled
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.sonata.config import load_circuit_config
from v1sim.sonata.spikes import read_spikes, write_spikes

log = logging.getLogger(__name__)

#: The release's background: one virtual node of this population firing Poisson at this rate (Billeh et al. 2020).
BACKGROUND_POPULATION = "bkg"
BACKGROUND_RATE_HZ = 1000.0


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


def config_inputs(simulation_config: Path | None) -> tuple[dict[str, Path], dict[str, Any]]:
    """Spike-file inputs of a simulation config as ``{population: file}``, and its ``run`` section.

    ``simulation_config`` may also be a combined config naming one, or a circuit config (no inputs then).
    """
    if simulation_config is None:
        return {}, {}
    circuit = load_circuit_config(simulation_config)
    config = circuit.simulation
    if circuit.simulation_file is not None:
        simulation_config = circuit.simulation_file
    node_sets: dict[str, Any] = {}
    if config.get("node_sets_file"):
        node_sets = json.loads(Path(config["node_sets_file"]).read_text())
    files: dict[str, Path] = {}
    for name, spec in (config.get("inputs") or {}).items():
        if spec.get("input_type") != "spikes":
            raise V1SimInputError(
                simulation_config,
                f"inputs.{name}.input_type",
                f"'{spec.get('input_type')}' inputs are not supported (spikes are)",
            )
        node_set = spec.get("node_set")
        population = (
            node_sets.get(node_set, {}).get("population", node_set) if isinstance(node_set, str) else None
        )
        if not population:
            raise V1SimInputError(
                simulation_config, f"inputs.{name}.node_set", "must name a virtual population"
            )
        path = Path(spec.get("input_file", ""))
        if not path.is_file():
            raise V1SimInputError(simulation_config, f"inputs.{name}.input_file", f"file not found: {path}")
        files[population] = path
    return files, config.get("run", {})


def _default_inputs(
    net: CompiledNetwork, files: dict[str, Path], poisson_hz: dict[str, float]
) -> dict[str, float]:
    """The Poisson rates to run with: the given ones, plus the release's 1 kHz background for a ``bkg``
    population given no spike file and no rate. Other virtual populations without input stay silent (warned)."""
    rates = dict(poisson_hz)
    virtual = [name for name, v in zip(net.population_names, net.population_virtual, strict=True) if v]
    for population in virtual:
        if population in files or population in rates:
            continue
        if population == BACKGROUND_POPULATION:
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


def run_simulation(
    network_dir: str | Path,
    outdir: str | Path,
    simulation_config: str | Path | None = None,
    settings: RunSettings | None = None,
    *,
    progress: bool = False,
) -> SimulationResult:
    """Simulate the converted network in ``network_dir``; write spikes, V_m and provenance into ``outdir``."""
    started = time.perf_counter()
    settings = settings or RunSettings()
    network_dir = Path(network_dir)
    net = read_compiled(network_dir / "compiled_network.h5")
    files, run = config_inputs(Path(simulation_config) if simulation_config else None)
    files.update({pop: Path(p) for pop, p in settings.input_files.items()})
    tstop = settings.tstop_ms if settings.tstop_ms is not None else run.get("tstop")
    dt = settings.dt_ms if settings.dt_ms is not None else run.get("dt")
    if tstop is None or dt is None:
        raise V1SimInputError(
            simulation_config, "run", "tstop and dt are needed (from the config or the settings)"
        )
    both = set(files) & set(settings.poisson_hz)
    if both:
        raise V1SimInputError(
            None, "poisson", f"population {sorted(both)[0]} has a spike file and a Poisson rate"
        )
    poisson_hz = _default_inputs(net, files, settings.poisson_hz)
    spike_trains: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for population, path in files.items():
        trains = read_spikes(path, population)
        if population not in trains:
            raise V1SimInputError(
                path,
                "/spikes",
                f"holds no spikes of population '{population}' (it has: {', '.join(trains) or 'none'})",
            )
        for name, spikes in trains.items():
            if name in spike_trains:
                ids, times = spike_trains[name]
                spikes = (np.concatenate([ids, spikes[0]]), np.concatenate([times, spikes[1]]))
            spike_trains[name] = spikes
    result = simulate(
        net,
        float(tstop),
        float(dt),
        spike_trains=spike_trains,
        poisson_rates_hz=poisson_hz,
        device=settings.device,
        seed=settings.seed,
        dtype=settings.dtype,
        record_ids=_record_ids(net, settings.record),
        record_interval_ms=settings.record_interval_ms,
        threads=settings.threads,
        progress=progress,
    )
    with atomic_directory(Path(outdir)) as tmp:
        write_spike_output(tmp / "spikes.h5", net, result)
        if len(result.record_ids):
            _write_v_m(tmp / "v_m.h5", net, result)
        rates = population_rates(net, result)
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="simulate",
                network=str(network_dir.resolve()),
                simulation_config=str(simulation_config) if simulation_config else None,
                settings=dataclasses.asdict(settings),
                inputs={p: str(f) for p, f in files.items()},
                poisson_hz=poisson_hz,
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
                mean_rate_hz=rates,
            ),
        )
    return result


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


def _write_v_m(path: Path, net: CompiledNetwork, result: SimulationResult) -> None:
    with h5py.File(path, "w") as h5:
        h5["time_ms"] = result.record_times_ms
        h5["v_m"] = result.v_m
        h5["v_m"].attrs["units"] = "mV"
        h5["i_syn"] = result.i_syn
        h5["i_syn"].attrs["units"] = "pA"
        h5["i_syn"].attrs["description"] = (
            "total synaptic current: the sum of the alpha currents of all ports"
        )
        h5["population"] = np.array(
            [net.population_names[p] for p in net.node_population[result.record_ids]],
            dtype=h5py.string_dtype(),
        )
        h5["node_id"] = net.node_id[result.record_ids]
