"""The simulation part of a SONATA / bmtk PointNet config: ``run``, ``inputs``, ``reports``, ``output``, node sets.

What each key does, and how it compares with bmtk 1.2 PointNet, is in ``docs/run.md``. Everything is checked here,
once, before any conversion or simulation: a section v1sim cannot run exactly as PointNet would is refused with
one line naming the config file and the field. ``--input POP=FILE`` replaces the config's spike inputs of
population POP before any input file is opened, so a config whose input file is missing runs with a stand-in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.inputs.iclamp import ClampSteps, read_clamp_steps, step_schedule
from v1sim.sonata.config import CircuitConfig, load_circuit_config
from v1sim.sonata.node_sets import static_populations
from v1sim.sonata.spikes import sort_order

log = logging.getLogger(__name__)

#: Spike-file modules of PointNet's spikes inputs, and the reader v1sim uses for each.
SPIKE_MODULES = {"sonata": "sonata", "h5": "sonata", "hdf5": "sonata", "csv": "csv", "nwb": "nwb"}
#: Report modules PointNet runs as a NEST multimeter.
MULTIMETER_MODULES = ("multimeter_report", "multimeter", "membrane_report")
#: The one variable v1sim reports.
REPORT_VARIABLE = "V_m"
#: ``run`` keys with no effect on a point-neuron simulation (BioNet's, or NEST's bookkeeping), accepted as PointNet
#: accepts them.
RUN_KEYS_WITHOUT_EFFECT = (
    "spike_threshold",
    "nsteps_block",
    "block_run",
    "block_size",
    "dL",
    "print_time",
    "overwrite_output_dir",
    "precise_times",
    "allow_offgrid_spikes",
)


@dataclass
class SpikeInput:
    """A spikes input: a spike file whose trains drive the virtual nodes of the node set's population(s)."""

    name: str
    module: str  # sonata, csv or nwb
    path: Path
    node_set: Any
    #: Reader options: ``sep`` (csv), ``trial`` (nwb).
    options: dict[str, Any] = field(default_factory=dict)
    #: ``inputs.<name>`` of the config, or ``--input POP`` for a command-line stand-in.
    where: str = ""


@dataclass
class ClampInput:
    """An IClamp input: one step-current generator (times ms, amplitudes pA) on the cells of a node set."""

    name: str
    node_set: Any
    #: the steps as the config gives them, and the generator's schedule PointNet builds from them
    steps: ClampSteps
    amplitude_times_ms: np.ndarray
    amplitude_values_pa: np.ndarray
    where: str = ""


@dataclass
class ReportSpec:
    """A V_m report: the cells of a node set, sampled every ``interval_ms`` at t with start < t <= stop."""

    name: str
    cells: Any
    path: Path
    interval_ms: float
    start_ms: float
    stop_ms: float
    where: str = ""


@dataclass
class OutputSpec:
    """Where the outputs go (every path absolute)."""

    output_dir: Path
    overwrite: bool
    log_file: Path | None
    spikes_file: Path | None
    spikes_file_csv: Path | None
    #: by_time (also when the config does not say), by_id or none
    spikes_sort_order: str


@dataclass
class SimulationConfig:
    """A config's simulation, checked and resolved (see the module docstring)."""

    config_file: Path
    simulation_file: Path | None
    circuit: CircuitConfig
    tstop_ms: float
    dt_ms: float
    threads: int | None
    spike_inputs: list[SpikeInput]
    clamps: list[ClampInput]
    reports: list[ReportSpec]
    output: OutputSpec | None
    node_sets: dict[str, Any]
    node_sets_file: Path | str | None
    #: The resolved simulation part (manifest substituted, paths absolute), as read.
    raw: dict[str, Any]

    @property
    def where(self) -> Path:
        """The file that holds the simulation part (for messages)."""
        return self.simulation_file or self.config_file


def _positive(value: Any, config: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise V1SimInputError(config, where, f"expected a positive number of ms, got {value!r}")
    return float(value)


def config_node_sets(circuit: CircuitConfig) -> tuple[dict[str, Any], Path | str | None]:
    """bmtk's rule: inline ``node_sets`` when the config has them, else the ``node_sets_file``."""
    if circuit.node_sets is not None:
        return dict(circuit.node_sets), circuit.node_sets_source
    if circuit.node_sets_file is None:
        return {}, None
    path = circuit.node_sets_file
    if not path.is_file():
        raise V1SimInputError(circuit.node_sets_source, "node_sets_file", f"file not found: {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise V1SimInputError(path, None, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise V1SimInputError(path, None, "node sets file must be a JSON object of named node sets")
    return data, path


def _run_section(
    run: dict[str, Any], config: Path, tstop_ms: float | None, dt_ms: float | None
) -> tuple[float, float, int | None]:
    if not isinstance(run, dict):
        raise V1SimInputError(config, "run", "must be a JSON object")
    if run.get("n_runs", 1) not in (1, None):
        raise V1SimInputError(config, "run.n_runs", "repeated runs are not supported: run the config again")
    if run.get("block_run") and "block_size" not in run:
        raise V1SimInputError(config, "run.block_size", "missing: block_run is true (bmtk needs both)")
    if tstop_ms is None:
        key = "duration" if "duration" in run else "tstop"
        if key not in run:
            raise V1SimInputError(config, "run.tstop", "missing (or give --tstop)")
        tstop_ms = _positive(run[key], config, f"run.{key}")
    if dt_ms is None:
        if "dt" not in run:
            raise V1SimInputError(config, "run.dt", "missing (or give --dt)")
        dt_ms = _positive(run["dt"], config, "run.dt")
    threads = run.get("n_thread")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise V1SimInputError(config, "run.n_thread", f"expected a positive integer, got {threads!r}")
    ignored = [key for key in RUN_KEYS_WITHOUT_EFFECT if key in run]
    if ignored:
        log.info(
            "%s: run keys without effect on a point-neuron run (as in PointNet): %s",
            config,
            ", ".join(ignored),
        )
    if run.get("tstart", 0.0) not in (0, 0.0):
        log.warning("%s: run.tstart is ignored, as PointNet ignores it: the run starts at 0 ms", config)
    return float(tstop_ms), float(dt_ms), threads


def _spike_input(name: str, spec: dict[str, Any], config: Path) -> SpikeInput:
    where = f"inputs.{name}"
    module = spec.get("module")
    if module == "function":
        raise V1SimInputError(
            config,
            f"{where}.module",
            "spikes from a Python function (bmtk's @spikes_generator) are not supported: write them to a spike "
            "file and give it as input_file (or --input POP=FILE)",
        )
    if module not in SPIKE_MODULES:
        raise V1SimInputError(
            config, f"{where}.module", f"unknown spikes module '{module}' ({', '.join(SPIKE_MODULES)})"
        )
    if spec.get("use_parrot_neurons"):
        raise V1SimInputError(config, f"{where}.use_parrot_neurons", "parrot neurons are not supported")
    if "node_set" not in spec:
        raise V1SimInputError(
            config, f"{where}.node_set", "missing: which virtual population the spikes drive"
        )
    if not spec.get("input_file"):
        raise V1SimInputError(config, f"{where}.input_file", "missing")
    if isinstance(spec["input_file"], list):
        raise V1SimInputError(config, f"{where}.input_file", "a list of files (one per run) is not supported")
    options = {key: spec[key] for key in ("sep", "trial") if key in spec}
    return SpikeInput(name, SPIKE_MODULES[module], Path(spec["input_file"]), spec["node_set"], options, where)


def _refuse_input(name: str, spec: dict[str, Any], config: Path) -> None:
    where = f"inputs.{name}"
    input_type, module = spec.get("input_type"), spec.get("module")
    if module == "ecephys_probe":
        raise V1SimInputError(
            config,
            f"{where}.module",
            "ecephys_probe inputs (spikes of recorded units) are not supported: write the spikes to a SONATA "
            "spike file and give it as an input of input_type spikes",
        )
    raise V1SimInputError(
        config,
        f"{where}.input_type",
        f"unknown input_type '{input_type}' (module '{module}'): bmtk PointNet runs inputs of input_type spikes "
        "(modules sonata, h5, csv, nwb) and module IClamp",
    )


def _parse_inputs(inputs: Any, config: Path) -> tuple[list[SpikeInput], list[tuple[str, dict[str, Any]]]]:
    if inputs is None:
        return [], []
    if not isinstance(inputs, dict):
        raise V1SimInputError(config, "inputs", "must be a JSON object of named inputs")
    spikes: list[SpikeInput] = []
    clamps: list[tuple[str, dict[str, Any]]] = []
    for name, spec in inputs.items():
        if not isinstance(spec, dict):
            raise V1SimInputError(config, f"inputs.{name}", "must be a JSON object")
        if spec.get("enabled", True) is False:
            log.info("%s: inputs.%s is disabled (enabled: false)", config, name)
            continue
        for key in ("input_type", "module"):
            if key not in spec:
                raise V1SimInputError(config, f"inputs.{name}.{key}", "missing")
        if spec["module"] == "IClamp":
            clamps.append((name, spec))
        elif spec["input_type"] == "spikes":
            spikes.append(_spike_input(name, spec, config))
        else:
            _refuse_input(name, spec, config)
    return spikes, clamps


def _override_inputs(
    spikes: list[SpikeInput], input_files: dict[str, Path], node_sets: dict[str, Any]
) -> list[SpikeInput]:
    """Replace the config's spike inputs of each population given on the command line (files not opened)."""
    kept = []
    for spike_input in spikes:
        populations = static_populations(spike_input.node_set, node_sets)
        if populations is not None and len(populations) == 1 and next(iter(populations)) in input_files:
            log.info("%s replaced by --input %s", spike_input.where, next(iter(populations)))
            continue
        kept.append(spike_input)
    return kept + command_line_inputs(input_files)


def command_line_inputs(input_files: dict[str, str | Path]) -> list[SpikeInput]:
    """Spike inputs given as ``--input POP=FILE``: the file's format from its suffix (.csv bmtk's CSV, .nwb
    bmtk's NWB layout, anything else SONATA)."""
    out = []
    for population, path in input_files.items():
        path = Path(path)
        suffix = path.suffix.lower()
        module = "csv" if suffix == ".csv" else "nwb" if suffix == ".nwb" else "sonata"
        out.append(SpikeInput(f"--input {population}", module, path, population, {}, f"--input {population}"))
    return out


def _reports(
    reports: Any,
    config: Path,
    output_dir: Path | None,
    node_sets: dict[str, Any],
    tstop_ms: float,
    dt_ms: float,
) -> list[ReportSpec]:
    if reports is None:
        return []
    if not isinstance(reports, dict):
        raise V1SimInputError(config, "reports", "must be a JSON object of named reports")
    out: list[ReportSpec] = []
    for name, spec in reports.items():
        where = f"reports.{name}"
        if not isinstance(spec, dict):
            raise V1SimInputError(config, where, "must be a JSON object")
        if spec.get("enabled", True) is False:
            continue
        module = spec.get("module")
        if module is None:
            raise V1SimInputError(config, f"{where}.module", "missing")
        if module not in MULTIMETER_MODULES:
            raise V1SimInputError(
                config,
                f"{where}.module",
                f"'{module}' reports are not supported: v1sim writes V_m reports of module multimeter_report "
                "(also multimeter, membrane_report); spikes go to output.spikes_file",
            )
        variables = spec.get("variable_name")
        variables = variables if isinstance(variables, list) else [variables]
        other = [v for v in variables if v != REPORT_VARIABLE]
        if other:
            raise V1SimInputError(
                config, f"{where}.variable_name", f"'{other[0]}' is not reported: v1sim reports V_m"
            )
        cells = spec.get("cells")
        if cells is None:
            if "biophysical" not in node_sets:  # bmtk's default node set, which PointNet networks lack
                raise V1SimInputError(config, f"{where}.cells", "missing: the node set to record")
            cells = "biophysical"
        file_name = spec.get("file_name")
        if file_name is None:
            file_name = name if name.endswith((".h5", ".hdf", ".hdf5")) else f"{name}.h5"
        path = Path(file_name)
        if not path.is_absolute():
            if output_dir is None:
                raise V1SimInputError(config, "output.output_dir", "missing: where the reports go")
            path = output_dir / path
        interval = _report_time(spec, ("interval", "dt"), config, where, dt_ms)
        start = _report_time(spec, ("tstart", "start_time"), config, where, 0.0, allow_zero=True)
        stop = _report_time(spec, ("tstop", "end_time"), config, where, tstop_ms)
        steps = interval / dt_ms
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise V1SimInputError(
                config, f"{where}.interval", f"{interval:g} ms is not a multiple of dt ({dt_ms:g} ms)"
            )
        if not stop > start:
            raise V1SimInputError(
                config, where, f"the report stops ({stop:g} ms) before it starts ({start:g} ms)"
            )
        out.append(ReportSpec(name, cells, path, interval, start, stop, where))
    paths = [r.path for r in out]
    for report in out:
        if paths.count(report.path) > 1:
            raise V1SimInputError(
                config, f"{report.where}.file_name", f"two reports write {report.path.name}"
            )
    return out


def _report_time(
    spec: dict[str, Any],
    keys: tuple[str, str],
    config: Path,
    where: str,
    default: float,
    *,
    allow_zero: bool = False,
) -> float:
    """A report's time option: bmtk's name first, then SONATA's (which PointNet ignores: v1sim honours it)."""
    bmtk_key, sonata_key = keys
    for key in keys:
        value = spec.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or (value == 0 and not allow_zero)
        ):
            raise V1SimInputError(
                config, f"{where}.{key}", f"expected a positive number of ms, got {value!r}"
            )
        if key == sonata_key:
            log.warning(
                "%s: %s.%s: bmtk PointNet ignores SONATA's '%s' (it reads '%s'); v1sim honours it",
                config,
                where,
                key,
                key,
                bmtk_key,
            )
        return float(value)
    return float(default)


def _output_path(value: Any, output_dir: Path, base: Path, config: Path, key: str) -> Path | None:
    """bmtk's rule for ``log_file`` and ``spikes_file*``: relative paths are in ``output_dir``, unless they already
    point into it (relative to the config's folder); absolute paths stay."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise V1SimInputError(config, f"output.{key}", "expected a file name")
    path = Path(value)
    if path.is_absolute():
        return path
    beside = (base / path).resolve()
    return beside if beside.is_relative_to(output_dir) else output_dir / path


def _output(section: Any, config: Path, base: Path, override_dir: Path | None, writes: bool) -> OutputSpec:
    section = section or {}
    if not isinstance(section, dict):
        raise V1SimInputError(config, "output", "must be a JSON object")
    if not writes:  # the caller writes its own outputs (v1sim simulate): the section only places the reports
        section = {"output_dir": section.get("output_dir")}
    if section.get("spikes_file_nwb"):
        raise V1SimInputError(
            config,
            "output.spikes_file_nwb",
            "NWB spike files are not written: use spikes_file or spikes_file_csv",
        )
    configured = Path(section.get("output_dir") or base).resolve()
    paths = {
        key: _output_path(section.get(key), configured, base, config, key)
        for key in ("log_file", "spikes_file", "spikes_file_csv")
    }
    output_dir = configured
    if override_dir is not None:
        output_dir = Path(override_dir).resolve()
        for key, path in paths.items():
            if path is not None:
                paths[key] = output_dir / (
                    path.relative_to(configured) if path.is_relative_to(configured) else path.name
                )
    overwrite = section.get("overwrite_output_dir", False)
    if not isinstance(overwrite, bool):
        raise V1SimInputError(config, "output.overwrite_output_dir", "expected true or false")
    return OutputSpec(
        output_dir=output_dir,
        overwrite=overwrite,
        log_file=paths["log_file"],
        spikes_file=paths["spikes_file"],
        spikes_file_csv=paths["spikes_file_csv"],
        spikes_sort_order=sort_order(
            section.get("spikes_sort_order", "by_time"), (config, "output.spikes_sort_order")
        ),
    )


def spike_input_files(path: str | Path) -> tuple[dict[str, Path], dict[str, Any]]:
    """``{population: spike file}`` of the config's spike inputs whose node set names one population (files not
    opened), and the raw ``run`` section."""
    circuit = load_circuit_config(path)
    where = circuit.simulation_file or Path(path).resolve()
    node_sets, _ = config_node_sets(circuit)
    spikes, _ = _parse_inputs(circuit.simulation.get("inputs"), where)
    files = {}
    for spike_input in spikes:
        populations = static_populations(spike_input.node_set, node_sets)
        if populations is not None and len(populations) == 1:
            files[next(iter(populations))] = spike_input.path
    return files, circuit.simulation.get("run", {})


def load_simulation_config(
    path: str | Path,
    *,
    input_files: dict[str, str | Path] | None = None,
    output_dir: str | Path | None = None,
    tstop_ms: float | None = None,
    dt_ms: float | None = None,
    writes_output: bool = True,
) -> SimulationConfig:
    """Read and check a simulation config (or a combined config naming one).

    ``input_files`` (``--input POP=FILE``) replace the config's spike inputs of those populations before any
    input file is checked; ``output_dir`` (``--output-dir``) takes the place of ``output.output_dir`` for every
    output; ``tstop_ms`` and ``dt_ms`` take the place of ``run.tstop`` and ``run.dt``. ``writes_output`` false
    (``v1sim simulate``, which writes files of its own) leaves the ``output`` section's files unchecked.
    """
    config_file = Path(path).resolve()
    circuit = load_circuit_config(config_file)
    simulation = circuit.simulation
    where = circuit.simulation_file or config_file
    target = simulation.get("target_simulator")
    if target is not None and str(target).upper() != "NEST":
        raise V1SimInputError(
            where,
            "target_simulator",
            f"'{target}': v1sim runs bmtk PointNet (NEST) configs; BioNet, FilterNet and PopNet configs are not "
            "point-neuron simulations",
        )
    node_sets, node_sets_file = config_node_sets(circuit)
    tstop, dt, threads = _run_section(simulation.get("run", {}), where, tstop_ms, dt_ms)

    spikes, clamp_specs = _parse_inputs(simulation.get("inputs"), where)
    spikes = _override_inputs(spikes, {k: Path(v) for k, v in (input_files or {}).items()}, node_sets)
    for spike_input in spikes:
        if not spike_input.path.is_file():
            if spike_input.where.startswith("--input"):
                raise V1SimInputError(None, spike_input.where, f"file not found: {spike_input.path}")
            raise V1SimInputError(
                where, f"{spike_input.where}.input_file", f"file not found: {spike_input.path}"
            )
    clamps = []
    for name, spec in clamp_specs:
        clamp_where = f"inputs.{name}"
        steps = read_clamp_steps(spec, where, clamp_where)
        times, values = step_schedule(steps, dt, where, clamp_where)
        clamps.append(ClampInput(name, spec.get("node_set", "all"), steps, times, values, clamp_where))

    override = Path(output_dir) if output_dir else None
    output = _output(simulation.get("output"), where, where.parent, override, writes_output)
    reports = _reports(simulation.get("reports"), where, output.output_dir, node_sets, tstop, dt)
    return SimulationConfig(
        config_file=config_file,
        simulation_file=circuit.simulation_file,
        circuit=circuit,
        tstop_ms=tstop,
        dt_ms=dt,
        threads=threads,
        spike_inputs=spikes,
        clamps=clamps,
        reports=reports,
        output=output,
        node_sets=node_sets,
        node_sets_file=node_sets_file,
        raw=simulation,
    )
