# Names and paths shared by the rules, decided once when Snakemake builds the DAG: the plan (which stages the
# circuit can run: v1sim.pipeline_plan) and each stage's settings (v1sim.pipeline_settings). A rule's params hold
# only what changes its outputs; every file a rule writes is declared, with the names its stage module exports.

import re
import sys
from pathlib import Path

# the checkout's v1sim, as the rule scripts use
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from snakemake.exceptions import WorkflowError
from snakemake.io import report as in_report
from snakemake.logging import logger

from v1sim import simulation as simulate_stage
from v1sim.analysis import run as analysis_stage
from v1sim.analysis import sequences_stage, tuning_stage
from v1sim.errors import V1SimInputError
from v1sim.graph import run as graph_stage
from v1sim.inputs.lgn_stage import PROVENANCE_SUFFIX as LGN_PROVENANCE_SUFFIX
from v1sim.network import convert as convert_stage
from v1sim.pipeline_plan import builtin_facts, circuit_facts, plan_pipeline
from v1sim.pipeline_settings import params, resolve_settings
from v1sim.plots import figures as figures_stage
from v1sim.plots import graph_figures as graph_figures_stage
from v1sim.plots import sequences as sequence_figures_stage
from v1sim.plots import tuning as tuning_figures_stage
from v1sim.reference import nest as nest_stage

CIRCUIT = config["circuit"]["name"]
CLASS_COLUMN = config["analysis"]["class_column"]


def _circuit_facts():
    """A user's circuit read at parse time (populations, attributes, edges); the built-in one known."""
    if config["circuit"]["config"]:
        return circuit_facts(config["circuit"]["config"], CLASS_COLUMN)
    return builtin_facts(config["circuit"]["scale"], CLASS_COLUMN)


try:
    FACTS = _circuit_facts()
    PLAN = plan_pipeline(config, FACTS)
    SETTINGS = resolve_settings(config, PLAN)
except V1SimInputError as exc:
    raise WorkflowError(f"error: {exc.message}") from None
# a stage the circuit cannot run is left out, with one line
for _notice in PLAN.notices:
    logger.warning(f"v1sim: {_notice}")


def _one_of(values):
    """A wildcard constraint matching exactly ``values`` (nothing when there are none)."""
    return "|".join(re.escape(str(v)) for v in values) or "(?!)"


wildcard_constraints:
    circuit=_one_of([CIRCUIT]),
    population=_one_of(SETTINGS.poisson),
    direction=_one_of(SETTINGS.directions),
    trial=r"[0-9]+",


# --- inputs -------------------------------------------------------------------------------------------------


def circuit_input(wildcards):
    """The circuit: the user's SONATA config, or the built-in V1 column's folder built by the pipeline
    (v1sim.pipeline.circuit_config finds the config in either)."""
    if config["circuit"]["config"]:
        return config["circuit"]["config"]
    return f"results/{wildcards.circuit}/circuit"


def poisson_inputs(wildcards):
    """Spike files of the Poisson populations (in the order of SETTINGS.poisson), read by both simulators."""
    return [
        f"results/{wildcards.circuit}/inputs/{pop}_spikes.h5"
        for pop in SETTINGS.poisson
    ]


def grating_lgn_file(wildcards):
    """The LGN spikes of one trial: precomputed (config grating.lgn_spikes) or generated."""
    if SETTINGS.lgn_spikes:
        return SETTINGS.lgn_spikes.format(
            direction=wildcards.direction, trial=wildcards.trial
        )
    return f"results/{wildcards.circuit}/grating/lgn/dir{wildcards.direction}_trial{wildcards.trial}.h5"


def grating_trial_spikes(wildcards):
    """The simulated spike file of every grating trial, in the order of SETTINGS.tuning.trials."""
    return [
        f"results/{wildcards.circuit}/grating/sim/dir{d}_trial{t}/spikes.h5"
        for d, t in SETTINGS.grating_trials()
    ]


def graph_edges(wildcards):
    """The convert stage's edge tables, which the graph reads for weight: synapses (nsyns)."""
    if SETTINGS.graph and SETTINGS.graph["weight"] == "synapses":
        return f"results/{wildcards.circuit}/network/edges"
    return []


def graph_rates(wildcards):
    """The analysis stage's per-neuron rates (graph.use_rates: crossing spike traffic, balance: load)."""
    if SETTINGS.graph_rates:
        return f"results/{wildcards.circuit}/analysis/neurons.parquet"
    return []


def neuropixels_input(wildcards):
    """The Neuropixels OSI/DSI table the classes are set beside (grating.neuropixels), when given."""
    return SETTINGS.neuropixels or []


# --- outputs: the files of each stage, named by its module --------------------------------------------------


def stage_files(folder, names):
    """``names`` in ``results/{circuit}/<folder>/``."""
    return [f"results/{{circuit}}/{folder}/{name}" for name in names]


def stage_figures(folder, names, category):
    """``names`` in ``results/{circuit}/<folder>/``: the PNGs among them in the report, each with its caption
    (docs/report/<name>.rst)."""
    files = stage_files(folder, names)
    return [
        (
            in_report(
                f, caption=f"../docs/report/{Path(f).stem}.rst", category=category
            )
            if f.endswith(".png")
            else f
        )
        for f in files
    ]


def simulation_files():
    """v1sim's simulation: spikes, provenance and the reports the circuit's simulation config asks for."""
    return stage_files(
        "simulation", [*simulate_stage.OUTPUTS, *SETTINGS.run.report_files]
    )


# --- the default target -------------------------------------------------------------------------------------


def targets(*files):
    """Output patterns of the configured circuit."""
    return [f.format(circuit=CIRCUIT) for f in files]


def simulation_outputs():
    """Spikes of v1sim and, when asked, of NEST and the comparison."""
    out = targets(*simulation_files())
    if SETTINGS.nest:
        out += targets(
            "results/{circuit}/compare/comparison.json",
            "results/{circuit}/compare/comparison.png",
        )
    return out


def analysis_outputs():
    """The analysis tables and figures (and PPSeq's, when enabled and the circuit has its population)."""
    out = targets(
        *stage_files("analysis", analysis_stage.OUTPUTS),
        *stage_files("figures", figures_stage.OUTPUTS),
    )
    if SETTINGS.sequences:
        out += targets(
            *stage_files("sequences", sequences_stage.OUTPUTS),
            *stage_files("sequence_figures", sequence_figures_stage.OUTPUTS),
        )
    return out


def network_outputs():
    """Files of the convert stage."""
    return targets(
        *stage_files("network", convert_stage.OUTPUTS),
        *stage_files("network", convert_stage.EDGE_FOLDERS),
    )


def graph_outputs():
    """The graph stage's tables and figures, when enabled and the circuit has the edges."""
    if not SETTINGS.graph:
        return []
    return targets(
        *stage_files("graph", graph_stage.OUTPUTS),
        *stage_files("graph_figures", graph_figures_stage.OUTPUTS),
    )


def tuning_outputs():
    """The tuning tables and figures, when enabled and the circuit has the LGN units it needs."""
    if not PLAN.grating:
        return []
    return targets(
        *stage_files("tuning", tuning_stage.OUTPUTS),
        *stage_files("tuning_figures", tuning_figures_stage.OUTPUTS),
    )


RELEASE = config["release"]


def release_files():
    """Where the files of config['release'] are downloaded to (outputs of rule download_release)."""
    return [f"{RELEASE['dest']}/{name}" for name in RELEASE["files"]]
