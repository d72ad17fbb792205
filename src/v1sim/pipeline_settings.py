"""Each rule's settings, resolved once from the validated config.yaml and the plan (``rules/common.smk``).

:func:`resolve_settings` turns config.yaml (validated, the schema's defaults filled in) and the
:class:`~v1sim.pipeline_plan.Plan` into one settings object per stage. A rule's ``params`` holds exactly the
values that change its outputs, as plain values (Snakemake compares them between runs and reruns a job whose
params changed; it ignores objects it cannot represent). Threads are resources, never params. So changing
``simulate.dtype`` reruns v1sim's simulations but not NEST's, raising ``grating.trials`` adds trials without
rerunning those already done, and ``analysis.max_raster_points`` redraws the figures only.

Null fallbacks are resolved here, once: ``simulate.tstop_ms`` and ``dt_ms`` null take the circuit's simulation
config's ``run.tstop`` and ``run.dt`` (the built-in column's are :class:`~v1sim.builder.v1.V1Spec`'s);
``sequences.population`` null and the graph's edge populations and numbers of parts are the plan's.

Grating directions are named by :func:`direction_label`, the shortest decimal that reads back as the same
number: labels of different directions cannot collide, and the label's float is the direction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.pipeline_plan import Plan

#: Where config values come from, in messages.
CONFIG_FILE = "config.yaml"

#: The series label of the reference simulation in the analysis figures.
REFERENCE_LABEL = "NEST 3.10"


def params(settings: Any) -> dict[str, Any]:
    """A settings dataclass as plain values, for a rule's ``params`` (what Snakemake compares between runs)."""
    return dataclasses.asdict(settings)


@dataclass(frozen=True)
class RunLength:
    """The pipeline's run length and time step, and the V_m report files the circuit's simulation config asks
    v1sim's simulation to write (by file name)."""

    tstop_ms: float
    dt_ms: float
    report_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildSettings:
    """``build_v1``: the built-in column's scale and seed."""

    scale: float
    seed: int


@dataclass(frozen=True)
class ConvertSettings:
    """``convert``: edges per chunk (the Parquet row groups) and the Parquet compression."""

    chunk_edges: int
    compression: str


@dataclass(frozen=True)
class PoissonSettings:
    """``poisson_inputs`` of one population: its rate, the run length, the seed."""

    rate_hz: float
    tstop_ms: float
    seed: int


@dataclass(frozen=True)
class SimulateSettings:
    """``simulate`` (v1sim): what the engine's spikes depend on, besides its input files."""

    tstop_ms: float
    dt_ms: float
    device: str
    dtype: str
    seed: int


@dataclass(frozen=True)
class NestSettings:
    """``simulate_nest``: NEST's run length and step (its inputs are the circuit and the Poisson files)."""

    tstop_ms: float
    dt_ms: float


@dataclass(frozen=True)
class FigureSettings:
    """``figures``: the raster's largest point count, the reference series' label."""

    max_raster_points: int
    reference_label: str


@dataclass(frozen=True)
class GratingStimulus:
    """``grating_lgn``: the drifting grating of every trial (the direction and trial come with the job)."""

    duration_ms: float
    gray_ms: float
    sf_cpd: float
    tf_hz: float
    contrast: float
    seed: int


@dataclass(frozen=True)
class GratingRun:
    """``grating_simulate``: one trial's simulation (its direction comes with the job, its LGN spikes as input)."""

    tstop_ms: float
    dt_ms: float
    device: str
    dtype: str
    seed: int


@dataclass(frozen=True)
class TuningSettings:
    """``tuning``: every trial as ``[direction_deg, trial]`` (in the order of the rule's spike inputs), the
    counting window and the class column."""

    trials: list[list[float | int]]
    window_ms: list[float]
    class_column: str


@dataclass(frozen=True)
class PipelineSettings:
    """Every stage's settings; ``params(...)`` of one is a rule's ``params``."""

    circuit: str
    run: RunLength
    build: BuildSettings
    convert: ConvertSettings
    poisson: dict[str, PoissonSettings]  #: by population, those the plan keeps
    simulate: SimulateSettings
    nest: NestSettings | None  #: None: no NEST comparison
    analysis: dict[str, Any]  #: v1sim.analysis.run.AnalysisSettings's fields
    figures: FigureSettings
    sequences: dict[str, Any] | None  #: v1sim.analysis.sequences_stage.SequenceSettings's fields; None: left out
    graph: dict[str, Any] | None  #: v1sim.graph.run.GraphSettings's fields but threads; None: left out
    graph_rates: bool  #: the graph stage reads the analysis stage's per-neuron rates
    directions: dict[str, float]  #: label → degrees, in the config's order
    trials: int
    lgn_spikes: str | None  #: a pattern of precomputed LGN spike files, with {direction} and {trial}
    grating_stimulus: GratingStimulus
    grating_run: GratingRun
    tuning: TuningSettings
    neuropixels: str | None
    class_column: str

    def grating_trials(self) -> list[tuple[str, int]]:
        """(direction label, trial) of every trial of the grating experiment, directions in the config's order."""
        return [(label, t) for label in self.directions for t in range(self.trials)]


def direction_label(degrees: float) -> str:
    """The name of a grating direction in file names and wildcards: the shortest positional decimal that reads
    back as the same float (45 → ``45``, 22.5 → ``22.5``, 1e-7 → ``0.0000001``, 90.00001 → ``90.00001``)."""
    return np.format_float_positional(float(degrees) + 0.0, trim="-")  # + 0.0: -0.0 is 0


def direction_labels(directions_deg: list[float]) -> dict[str, float]:
    """label → degrees of ``directions_deg``; two that would share a label (the same number) are refused."""
    labels: dict[str, float] = {}
    for degrees in directions_deg:
        label = direction_label(degrees)
        if label in labels:
            raise V1SimInputError(
                CONFIG_FILE,
                "grating.directions_deg",
                f"{labels[label]!r} and {degrees!r} are the same direction (both dir{label})",
            )
        labels[label] = float(degrees)
    return labels


def resolve_run(config: dict[str, Any]) -> RunLength:
    """``simulate.tstop_ms`` and ``dt_ms`` with null taken from the circuit's simulation config's ``run`` (the
    built-in column's from :class:`~v1sim.builder.v1.V1Spec`), and the report files that config asks for. A
    user's simulation config is read and checked here, so what v1sim cannot run is refused before any job."""
    simulate, circuit = config["simulate"], config["circuit"]
    if circuit["config"] is None:
        from v1sim.builder.v1 import V1Spec

        spec = V1Spec(scale=circuit["scale"], seed=circuit["seed"])
        tstop = simulate["tstop_ms"] if simulate["tstop_ms"] is not None else spec.tstop_ms
        dt = simulate["dt_ms"] if simulate["dt_ms"] is not None else spec.dt_ms
        return RunLength(float(tstop), float(dt))
    from v1sim.sonata.config import load_circuit_config
    from v1sim.sonata.simulation_config import load_simulation_config

    path = circuit["config"]
    run = load_circuit_config(path).simulation.get("run") or {}
    for key, theirs in (("tstop_ms", ("tstop", "duration")), ("dt_ms", ("dt",))):
        if simulate[key] is None and not any(k in run for k in theirs):
            raise V1SimInputError(
                CONFIG_FILE, f"simulate.{key}", f"null, and {path} has no run.{theirs[0]} to take it from"
            )
    loaded = load_simulation_config(
        path, tstop_ms=simulate["tstop_ms"], dt_ms=simulate["dt_ms"], writes_output=False
    )
    return RunLength(loaded.tstop_ms, loaded.dt_ms, tuple(r.path.name for r in loaded.reports))


def _analysis(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config["analysis"].items() if k != "max_raster_points"}


def _sequences(config: dict[str, Any], plan: Plan) -> dict[str, Any] | None:
    if not plan.sequences:
        return None
    chosen = {k: v for k, v in config["sequences"].items() if k != "enabled"}
    return {**chosen, "population": plan.sequences_population, "class_column": config["analysis"]["class_column"]}


#: Graph keys that are no GraphSettings: the stage's switches, and threads (a resource).
_GRAPH_SWITCHES = ("enabled", "use_rates", "threads")


def _graph(config: dict[str, Any], plan: Plan) -> dict[str, Any] | None:
    if not plan.graph:
        return None
    chosen = {k: v for k, v in config["graph"].items() if k not in _GRAPH_SWITCHES}
    return {
        **chosen,
        "edge_populations": list(plan.graph_edge_populations),
        "k": list(plan.graph_k),
        "class_column": config["analysis"]["class_column"],
    }


def resolve_settings(config: dict[str, Any], plan: Plan, run: RunLength | None = None) -> PipelineSettings:
    """Every stage's settings from ``config`` (config.yaml, validated with the schema's defaults) and ``plan``;
    ``run`` defaults to :func:`resolve_run` of the config."""
    run = run or resolve_run(config)
    simulate, grating = config["simulate"], config["grating"]
    class_column = config["analysis"]["class_column"]
    directions = direction_labels(grating["directions_deg"])
    if plan.grating and not grating["gray_ms"] < grating["duration_ms"]:
        raise V1SimInputError(
            CONFIG_FILE,
            "grating.gray_ms",
            f"{grating['gray_ms']} ms leaves nothing of the {grating['duration_ms']} ms trial to count",
        )
    if plan.graph and config["graph"]["balance"] == "load" and not config["graph"]["use_rates"]:
        raise V1SimInputError(
            CONFIG_FILE, "graph.balance", "load balances the simulated rates, which graph.use_rates false leaves out"
        )
    engine = {"device": simulate["device"], "dtype": simulate["dtype"]}
    return PipelineSettings(
        circuit=config["circuit"]["name"],
        run=run,
        build=BuildSettings(config["circuit"]["scale"], config["circuit"]["seed"]),
        convert=ConvertSettings(config["convert"]["chunk_edges"], config["convert"]["compression"]),
        poisson={
            population: PoissonSettings(rate, run.tstop_ms, simulate["seed"])
            for population, rate in plan.poisson_hz.items()
        },
        simulate=SimulateSettings(run.tstop_ms, run.dt_ms, seed=simulate["seed"], **engine),
        nest=NestSettings(run.tstop_ms, run.dt_ms) if config["nest"]["compare"] else None,
        analysis=_analysis(config),
        figures=FigureSettings(config["analysis"]["max_raster_points"], REFERENCE_LABEL),
        sequences=_sequences(config, plan),
        graph=_graph(config, plan),
        graph_rates=bool(config["graph"]["use_rates"]),
        directions=directions,
        trials=grating["trials"],
        lgn_spikes=grating["lgn_spikes"],
        grating_stimulus=GratingStimulus(
            grating["duration_ms"],
            grating["gray_ms"],
            grating["sf_cpd"],
            grating["tf_hz"],
            grating["contrast"],
            grating["seed"],
        ),
        grating_run=GratingRun(grating["duration_ms"], run.dt_ms, seed=grating["seed"], **engine),
        tuning=TuningSettings(
            [[degrees, t] for degrees in directions.values() for t in range(grating["trials"])],
            [grating["gray_ms"], grating["duration_ms"]],
            class_column,
        ),
        neuropixels=grating["neuropixels"],
        class_column=class_column,
    )
