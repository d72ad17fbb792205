"""A simulation config's inputs, current clamps and reports, resolved against a converted network.

``v1sim run`` and ``v1sim simulate`` (the pipeline's rules) share this code path: node sets become engine indices,
spike files become spike trains of virtual populations (as bmtk PointNet reads them), IClamp inputs become
:class:`~v1sim.inputs.currents.StepCurrent` s, and V_m reports become the neurons to record and, after the run, the
samples of each report.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.engine.simulate import SimulationResult
from v1sim.errors import V1SimInputError
from v1sim.inputs.currents import StepCurrent
from v1sim.models.propagators import steps_of
from v1sim.network.compiled import CompiledNetwork
from v1sim.sonata.node_sets import NodeSetResolver, Where, static_populations
from v1sim.sonata.reports import PopulationReport
from v1sim.sonata.simulation_config import ReportSpec, SimulationConfig, SpikeInput, command_line_inputs
from v1sim.sonata.spikes import read_spikes, read_spikes_csv, read_spikes_nwb
from v1sim.storage import read_parquet

log = logging.getLogger(__name__)

#: nodes.parquet columns a node set may need (population and node id, plus every attribute).
NODES_FILE = "nodes.parquet"


@dataclass
class ReportPlan:
    """One report: its cells (engine indices, grouped by population) and the steps it samples."""

    spec: ReportSpec
    #: population -> (sorted node ids, their engine indices)
    cells: dict[str, tuple[np.ndarray, np.ndarray]]
    interval_steps: int
    #: sample steps: first and last (inclusive); samples at every interval_steps between them
    first_step: int
    last_step: int

    @property
    def n_samples(self) -> int:
        return (
            0
            if self.last_step < self.first_step
            else (self.last_step - self.first_step) // self.interval_steps + 1
        )


@dataclass
class ConfigInputs:
    """What the engine gets from a config: spike trains, step currents, neurons to record, and the reports."""

    spike_trains: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: spike file of each driven population (provenance)
    spike_files: dict[str, Path] = field(default_factory=dict)
    step_currents: list[StepCurrent] = field(default_factory=list)
    reports: list[ReportPlan] = field(default_factory=list)

    def record_ids(self) -> np.ndarray:
        """Engine indices every report needs, sorted and unique."""
        ids = [idx for plan in self.reports for _, idx in plan.cells.values()]
        return np.unique(np.concatenate(ids)) if ids else np.zeros(0, np.int64)

    def record_every(self) -> int | None:
        """The sampling step that serves every report (the gcd of their intervals, in steps)."""
        if not self.reports:
            return None
        return reduce(math.gcd, (plan.interval_steps for plan in self.reports))


def read_node_table(network_dir: Path) -> pd.DataFrame:
    """The converted network's node table (``nodes.parquet``)."""
    path = Path(network_dir) / NODES_FILE
    if not path.is_file():
        raise V1SimInputError(path, None, "node table not found: is this a folder of v1sim convert?")
    return read_parquet(path)


def resolve_config_inputs(
    net: CompiledNetwork,
    nodes: pd.DataFrame,
    config: SimulationConfig | None,
    input_files: dict[str, str | Path] | None = None,
) -> ConfigInputs:
    """Resolve ``config`` against the network ``net`` and its node table ``nodes``. Without a config, the spike
    files ``input_files`` (``{population: file}``) are the only inputs (with a config they are already in it)."""
    out = ConfigInputs()
    node_sets = config.node_sets if config else {}
    resolver = NodeSetResolver(nodes, node_sets, config.node_sets_file if config else None)
    virtual = {n for n, v in zip(net.population_names, net.population_virtual, strict=True) if v}
    spike_inputs = config.spike_inputs if config else command_line_inputs(input_files or {})
    for spike_input in spike_inputs:
        trains_by_population = _spike_input_trains(spike_input, config, node_sets, resolver, virtual, net)
        for population, trains in trains_by_population.items():
            if population in out.spike_trains:
                raise V1SimInputError(
                    config.where if config else None,
                    spike_input.where,
                    f"population '{population}' is driven by two spike inputs (also {out.spike_files[population]})",
                )
            out.spike_trains[population] = trains
            out.spike_files[population] = spike_input.path
    if config is None:
        return out
    for clamp in config.clamps:
        where = Where(config.where, f"{clamp.where}.node_set")
        targets = _simulated_indices(resolver.resolve(clamp.node_set, where), virtual, net, where, "clamp")
        if not len(targets):
            log.warning(
                "%s: %s: the node set selects no cells; the clamp is not connected", config.where, clamp.where
            )
            continue
        out.step_currents.append(
            StepCurrent(
                amplitude_times_ms=np.asarray(clamp.amplitude_times_ms, dtype=np.float64),
                amplitude_values_pa=np.asarray(clamp.amplitude_values_pa, dtype=np.float64),
                targets=targets,
                weight=1.0,
                delay_ms=None,
                source=f"{config.where}: {clamp.where}",
            )
        )
    n_steps = int(steps_of(config.tstop_ms, config.dt_ms))
    for spec in config.reports:
        out.reports.append(_report_plan(spec, config, resolver, virtual, net, n_steps))
    return out


def _spike_input_trains(
    spike_input: SpikeInput,
    config: SimulationConfig | None,
    node_sets: dict,
    resolver: NodeSetResolver,
    virtual: set[str],
    net: CompiledNetwork,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The trains a spikes input gives each virtual population of its node set, as PointNet reads them: every
    node of the population gets the spikes of its node id in the file (other node-set keys do not narrow it)."""
    from_cli = spike_input.where.startswith("--input") or config is None
    source: Path | None = None if from_cli else config.where
    field_name = spike_input.where if from_cli else f"{spike_input.where}.node_set"
    if from_cli and spike_input.node_set not in virtual:
        known = ", ".join(sorted(virtual)) or "none"
        raise V1SimInputError(
            source,
            field_name,
            f"'{spike_input.node_set}' is not a virtual population of the network (virtual populations: {known})",
        )
    selected = resolver.resolve(spike_input.node_set, Where(source, field_name))
    named = static_populations(spike_input.node_set, node_sets) or set()
    for population in selected:
        if population not in virtual and population in named:
            raise V1SimInputError(
                source,
                field_name,
                f"population '{population}' is simulated: spike inputs drive virtual populations",
            )
    populations = [p for p in selected if p in virtual]
    if not populations:
        raise V1SimInputError(
            source, field_name, "the node set holds no virtual population for the spikes to drive"
        )
    out = {}
    for population in populations:
        all_ids = np.sort(nodes_of(net, population))
        if not np.array_equal(selected[population], all_ids):
            log.warning(
                "%s: the node set selects %d of %d nodes of %s; PointNet drives every node of the population with "
                "its spikes in the file, and so does v1sim",
                spike_input.where,
                len(selected[population]),
                len(all_ids),
                population,
            )
        ids, times = _read_trains(spike_input, population)
        known = np.isin(ids, all_ids)
        if not known.all():
            log.warning(
                "%s: %d spikes of node ids that %s lacks are not used (as PointNet ignores them)",
                spike_input.path,
                int((~known).sum()),
                population,
            )
        out[population] = (ids[known], times[known])
    return out


def nodes_of(net: CompiledNetwork, population: str) -> np.ndarray:
    """Node ids of a population of the compiled network."""
    p = net.population_names.index(population)
    lo = int(net.population_offset[p])
    return net.node_id[lo : lo + int(net.population_size[p])]


def _read_trains(spike_input: SpikeInput, population: str) -> tuple[np.ndarray, np.ndarray]:
    """The spikes of ``population`` in the input's file. A file that holds one population of another name
    drives ``population`` with it, as bmtk's readers do (they read the file's first population)."""
    path = spike_input.path
    if spike_input.module == "csv":
        trains = read_spikes_csv(path, population, sep=spike_input.options.get("sep", " "))
    elif spike_input.module == "nwb":
        trains = read_spikes_nwb(path, population, spike_input.options.get("trial"))
    else:
        trains = read_spikes(path, population)
    if population in trains:
        return trains[population]
    if not trains:
        log.warning("%s holds no spikes: %s stays silent", path, population)
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    if len(trains) == 1:
        ((other, spikes),) = trains.items()
        log.info(
            "%s: its population '%s' drives %s (bmtk reads a file's first population)",
            path,
            other,
            population,
        )
        return spikes
    raise V1SimInputError(
        path, "/spikes", f"holds no spikes of population '{population}' (it has: {', '.join(trains)})"
    )


def _simulated_indices(
    selected: dict[str, np.ndarray], virtual: set[str], net: CompiledNetwork, where: Where, what: str
) -> np.ndarray:
    indices = []
    for population, ids in selected.items():
        if not len(ids):
            continue
        if population in virtual:
            raise where.error(
                f"a {what} on virtual population '{population}' (spike sources have no membrane)"
            )
        indices.append(net.engine_index(population, ids))
    return np.concatenate(indices) if indices else np.zeros(0, np.int64)


def _report_plan(
    spec: ReportSpec,
    config: SimulationConfig,
    resolver: NodeSetResolver,
    virtual: set[str],
    net: CompiledNetwork,
    n_steps: int,
) -> ReportPlan:
    where = Where(config.where, f"{spec.where}.cells")
    selected = resolver.resolve(spec.cells, where)
    cells = {}
    for population, ids in selected.items():
        if not len(ids):
            continue
        if population in virtual:
            raise where.error(f"a report on virtual population '{population}' (spike sources have no V_m)")
        cells[population] = (ids, net.engine_index(population, ids))
    if not cells:
        raise where.error("the node set selects no cells to record")
    interval_steps = max(1, round(spec.interval_ms / config.dt_ms))
    # NEST's multimeter samples at multiples of the interval, t with start < t <= stop (RecordingDevice::is_active)
    start_steps = math.floor(spec.start_ms / config.dt_ms + 1e-9)
    stop_steps = min(math.floor(spec.stop_ms / config.dt_ms + 1e-9), n_steps)
    first = (start_steps // interval_steps + 1) * interval_steps
    last = (stop_steps // interval_steps) * interval_steps
    if last < first:
        raise V1SimInputError(config.where, spec.where, "no sample falls between the report's start and stop")
    return ReportPlan(spec, cells, interval_steps, first, last)


def report_samples(
    plan: ReportPlan, result: SimulationResult, dtype: str | np.dtype
) -> dict[str, PopulationReport]:
    """Each population's samples of ``plan`` from a run that recorded every ``result.record_every`` steps."""
    every = result.record_every
    rows = np.arange(plan.first_step, plan.last_step + 1, plan.interval_steps) // every - 1
    out = {}
    for population, (ids, indices) in plan.cells.items():
        columns = np.searchsorted(result.record_ids, indices)
        out[population] = PopulationReport(
            node_ids=ids,
            data=result.v_m[np.ix_(rows, columns)].astype(dtype),
            start_ms=plan.first_step * result.dt_ms,
            step_ms=plan.interval_steps * result.dt_ms,
        )
    return out
