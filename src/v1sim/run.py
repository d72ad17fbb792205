"""``v1sim run SIMULATION_CONFIG``: what bmtk's ``run_pointnet.py`` does, in one command.

Checks the whole config (:mod:`v1sim.sonata.simulation_config`), converts the circuit or reuses an earlier
conversion of the same files (:mod:`v1sim.network_cache`), simulates with the config's inputs, clamps and reports
(the code path ``v1sim simulate`` uses), and writes what the config's ``output`` and ``reports`` ask for, where
they ask: the SONATA spike file (sorted per ``spikes_sort_order``), bmtk's spike CSV, the log file, each V_m report,
a copy of the resolved config (as bmtk writes one) and v1sim's ``provenance.json``.

Outputs appear together or not at all: they are written into a temporary folder beside ``output_dir`` and moved
into place when everything is written. ``overwrite_output_dir`` keeps bmtk's meaning: true replaces the whole
``output_dir``; false (bmtk's default) keeps what else it holds and replaces only the files this run writes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.inputs.from_config import read_node_table, report_samples
from v1sim.network.compiled import read_compiled
from v1sim.network_cache import cached_network, default_cache_dir
from v1sim.provenance import write_json
from v1sim.simulation import RunSettings, SimulationRun, run_provenance, simulate_with_config
from v1sim.sonata.reports import write_report
from v1sim.sonata.simulation_config import OutputSpec, SimulationConfig, load_simulation_config
from v1sim.sonata.spikes import write_spikes, write_spikes_csv

log = logging.getLogger(__name__)

#: The folder of staged outputs that go outside ``output_dir`` (absolute paths in the config).
ELSEWHERE = "__elsewhere__"


@dataclass
class RunOptions:
    """``v1sim run``'s options; None takes the config's value (``run.tstop``, ``run.dt``, ``run.n_thread``)."""

    device: str = "auto"
    dtype: str = "float32"
    threads: int | None = None
    seed: int = 0
    tstop_ms: float | None = None
    dt_ms: float | None = None
    #: ``--input POP=FILE``: replaces the config's spike inputs of POP
    input_files: dict[str, str] = field(default_factory=dict)
    #: ``--output-dir``: takes the place of ``output.output_dir`` for every output
    output_dir: Path | None = None
    #: ``--network-cache``: where converted networks are kept (default :func:`default_cache_dir`)
    network_cache: Path | None = None
    #: ``--weight-functions``: Python files registering weight functions, as for bmtk
    weight_functions: list[Path] = field(default_factory=list)
    progress: bool = True


@dataclass
class RunSummary:
    """What ``v1sim run`` did, for its one-line report."""

    config: Path
    output_dir: Path
    network_dir: Path
    network_reused: bool
    run: SimulationRun
    outputs: list[Path]

    def line(self) -> str:
        result = self.run.result
        network = "reused" if self.network_reused else "converted"
        return (
            f"ran {self.config.name}: {result.tstop_ms:g} ms in {result.wall_s:.2f} s "
            f"(RTF {result.real_time_factor:.3f}, {len(result.spike_step):,} spikes) on {result.device}, "
            f"network {network} -> {self.output_dir}"
        )


def _protected(config: SimulationConfig) -> list[Path]:
    """Files and folders that replacing ``output_dir`` must never delete: the config, the circuit, the inputs."""
    circuit = config.circuit
    paths = [config.config_file, Path.cwd()]
    if config.simulation_file:
        paths.append(config.simulation_file)
    paths += [f.nodes_file for f in circuit.nodes] + [f.node_types_file for f in circuit.nodes]
    paths += [f.edges_file for f in circuit.edges] + [f.edge_types_file for f in circuit.edges]
    paths += circuit.point_neuron_models_dirs + circuit.synaptic_models_dirs
    paths += [s.path for s in config.spike_inputs]
    return [Path(p).resolve() for p in paths]


def check_output_dir(config: SimulationConfig, output: OutputSpec) -> None:
    """Refuse an ``output_dir`` that is a file, or whose replacement (``overwrite_output_dir``) would delete the
    config, its circuit, its inputs or the current folder."""
    target = output.output_dir
    if target.exists() and not target.is_dir():
        raise V1SimInputError(config.where, "output.output_dir", f"{target} is a file, not a folder")
    if output.overwrite and target.exists():
        for path in _protected(config):
            if path == target or path.is_relative_to(target):
                raise V1SimInputError(
                    config.where,
                    "output.output_dir",
                    f"{target} holds {path}: overwrite_output_dir would delete it; choose another folder "
                    "(--output-dir)",
                )


@contextmanager
def _log_to(path: Path | None):
    """Copy v1sim's log records (INFO and up) into ``path`` while the run lasts (bmtk's ``log_file``)."""
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(message)s"))
    handler.setLevel(logging.INFO)
    package = logging.getLogger("v1sim")
    level = package.level
    # the console keeps its level: its handlers get the level they let through so far
    console = [(h, h.level) for h in logging.getLogger().handlers]
    for h, _ in console:
        h.setLevel(max(h.level, package.getEffectiveLevel()))
    package.addHandler(handler)
    package.setLevel(min(package.getEffectiveLevel(), logging.INFO))
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(level)
        for h, h_level in console:
            h.setLevel(h_level)
        handler.close()


class _Staging:
    """Outputs written into a temporary folder beside ``output_dir``, then moved into place together."""

    def __init__(self, output: OutputSpec) -> None:
        self.output = output
        self.root = output.output_dir.with_name(f".{output.output_dir.name}.tmp-{os.getpid()}")
        self.finals: list[Path] = []

    def __enter__(self) -> _Staging:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        return self

    def __exit__(self, kind, value, traceback) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def path(self, final: Path) -> Path:
        """Where to write the output that belongs at ``final``."""
        self.finals.append(final)
        if final.is_relative_to(self.output.output_dir):
            staged = self.root / final.relative_to(self.output.output_dir)
        else:
            staged = self.root / ELSEWHERE / str(len(self.finals)) / final.name
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def publish(self) -> None:
        """Move everything into place (see the module docstring for ``overwrite_output_dir``)."""
        elsewhere = self.root / ELSEWHERE
        if elsewhere.exists():
            for final in self.finals:
                if not final.is_relative_to(self.output.output_dir):
                    staged = elsewhere / str(self.finals.index(final) + 1) / final.name
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, final)
            shutil.rmtree(elsewhere)
        target = self.output.output_dir
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            self.root.rename(target)
        elif self.output.overwrite:
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            self.root.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            log.warning(
                "Directory %s already exists: its other files are kept (overwrite_output_dir is false)",
                target,
            )
            for staged in sorted(p for p in self.root.rglob("*") if p.is_file()):
                final = target / staged.relative_to(self.root)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, final)


def _spikes_by_population(run: SimulationRun, net) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    result = run.result
    population = net.node_population[result.spike_neuron]
    out = {}
    for p, name in enumerate(net.population_names):
        if not net.population_virtual[p]:
            mine = population == p
            out[name] = (net.node_id[result.spike_neuron[mine]], result.spike_times_ms[mine])
    return out


def run_config(config_path: str | Path, options: RunOptions | None = None) -> RunSummary:
    """Run a bmtk PointNet simulation config (see the module docstring); return what was done."""
    started = time.perf_counter()
    options = options or RunOptions()
    config = load_simulation_config(
        config_path,
        input_files=options.input_files,
        output_dir=options.output_dir,
        tstop_ms=options.tstop_ms,
        dt_ms=options.dt_ms,
    )
    output = config.output
    assert output is not None
    check_output_dir(config, output)
    cache_dir = Path(options.network_cache) if options.network_cache else default_cache_dir()
    settings = RunSettings(
        tstop_ms=config.tstop_ms,
        dt_ms=config.dt_ms,
        device=options.device,
        dtype=options.dtype,
        seed=options.seed,
        threads=options.threads,
        background_poisson=False,
    )
    with _Staging(output) as staging:
        log_file = staging.path(output.log_file) if output.log_file else None
        with _log_to(log_file):
            log.info("v1sim run %s", config.config_file)
            network_dir, reused = cached_network(
                config.circuit, cache_dir, progress=options.progress, weight_functions=options.weight_functions
            )
            net = read_compiled(network_dir / "compiled_network.h5")
            nodes = read_node_table(network_dir)
            run = simulate_with_config(net, nodes, config, settings, progress=options.progress)
            log.info(
                "simulated %g ms in %.2f s on %s: %d spikes",
                run.result.tstop_ms,
                run.result.wall_s,
                run.result.device,
                len(run.result.spike_step),
            )
            spikes = _spikes_by_population(run, net)
            if output.spikes_file:
                write_spikes(staging.path(output.spikes_file), spikes, output.spikes_sort_order)
            if output.spikes_file_csv:
                write_spikes_csv(staging.path(output.spikes_file_csv), spikes, output.spikes_sort_order)
            for plan in run.inputs.reports:
                write_report(staging.path(plan.spec.path), report_samples(plan, run.result, run.result.dtype))
                log.info("wrote report %s", plan.spec.path)
        copy = output.output_dir / config.config_file.name
        if copy.resolve() in _protected(config):  # bmtk would overwrite the config with its copy: never
            log.info("no copy of the config written: %s is the config itself", copy)
        else:
            resolved = {**config.raw, "config_path": str(config.config_file)}
            staging.path(copy).write_text(json.dumps(resolved, indent=2, default=str))
        record = run_provenance(
            started,
            run,
            net,
            network_dir,
            config.config_file,
            settings,
            stage="run",
            network_reused=reused,
            outputs=[str(p) for p in staging.finals],
        )
        write_json(staging.path(output.output_dir / "provenance.json"), record)
        finals = list(staging.finals)
        staging.publish()
    return RunSummary(config.config_file, output.output_dir, network_dir, reused, run, finals)
