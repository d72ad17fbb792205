# Names and paths shared by the rules, and the plan: which stages the circuit can run (v1sim.pipeline_plan).

import sys
from pathlib import Path

# the checkout's v1sim, as the rule scripts use
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

from v1sim.errors import V1SimInputError
from v1sim.pipeline_plan import builtin_facts, circuit_facts, plan_pipeline

CIRCUIT = config["circuit"]["name"]
RESULTS = f"results/{CIRCUIT}"
CLASS_COLUMN = config["analysis"]["class_column"]


def _circuit_facts():
    """A user's circuit read at parse time (populations, attributes, edges); the built-in one known."""
    if config["circuit"]["config"]:
        return circuit_facts(config["circuit"]["config"], CLASS_COLUMN)
    return builtin_facts(config["circuit"]["scale"], CLASS_COLUMN)


try:
    PLAN = plan_pipeline(config, _circuit_facts())
except V1SimInputError as exc:
    raise WorkflowError(f"error: {exc.message}") from None
# a stage the circuit cannot run is left out, with one line
for _notice in PLAN.notices:
    logger.warning(f"v1sim: {_notice}")


def circuit_config_file(wildcards):
    """The SONATA config to convert: the user's, or the built-in V1 column built by the pipeline."""
    if config["circuit"]["config"]:
        return config["circuit"]["config"]
    return f"results/{wildcards.circuit}/circuit/simulation_config.json"


def poisson_inputs(wildcards):
    """Spike files of the Poisson populations, generated once and read by both simulators."""
    return {
        pop: f"results/{wildcards.circuit}/inputs/{pop}_spikes.h5"
        for pop in PLAN.poisson_hz
    }


def simulation_outputs(circuit):
    """Spikes of v1sim and, when asked, of NEST and the comparison."""
    out = [f"results/{circuit}/simulation/spikes.h5"]
    if config["nest"]["compare"]:
        out += [
            f"results/{circuit}/compare/comparison.json",
            f"results/{circuit}/compare/comparison.png",
        ]
    return out


def analysis_outputs(circuit):
    """The analysis tables and figures (and PPSeq's, when enabled and the circuit has its population)."""
    out = [
        f"results/{circuit}/analysis/provenance.json",
        f"results/{circuit}/figures/provenance.json",
    ]
    if PLAN.sequences:
        out += [
            f"results/{circuit}/sequences/provenance.json",
            f"results/{circuit}/sequence_figures/provenance.json",
        ]
    return out


def network_outputs(circuit):
    """Files of the convert stage for one circuit."""
    return multiext(
        f"results/{circuit}/network/",
        "nodes.parquet",
        "compiled_network.h5",
        "connectome.h5",
        "provenance.json",
    )


RELEASE = config["release"]


def release_files():
    """Where the files of config['release'] are downloaded to (outputs of rule download_release)."""
    return [f"{RELEASE['dest']}/{name}" for name in RELEASE["files"]]


def graph_outputs(circuit):
    """The graph stage's tables and figures, when enabled and the circuit has the edges."""
    if not PLAN.graph:
        return []
    return [
        f"results/{circuit}/graph/provenance.json",
        f"results/{circuit}/graph_figures/provenance.json",
    ]


def grating_trials():
    """(direction label, trial) of every trial of the grating experiment."""
    g = config["grating"]
    return [(f"{d:g}", t) for d in g["directions_deg"] for t in range(g["trials"])]


def grating_trial_spikes(circuit):
    """The simulated spike file of every grating trial."""
    return [
        f"results/{circuit}/grating/sim/dir{d}_trial{t}/spikes.h5"
        for d, t in grating_trials()
    ]


def grating_lgn_file(wildcards):
    """The LGN spikes of one trial: precomputed (config grating.lgn_spikes) or generated."""
    pattern = config["grating"]["lgn_spikes"]
    if pattern:
        return pattern.format(direction=wildcards.direction, trial=wildcards.trial)
    return f"results/{wildcards.circuit}/grating/lgn/dir{wildcards.direction}_trial{wildcards.trial}.h5"


def tuning_outputs(circuit):
    """The tuning tables and figures, when enabled and the circuit has the LGN units it needs."""
    if not PLAN.grating:
        return []
    return [
        f"results/{circuit}/tuning/provenance.json",
        f"results/{circuit}/tuning_figures/provenance.json",
    ]


def graph_settings():
    """config['graph'] with the edge populations and numbers of parts the circuit has (the plan's)."""
    return {
        **config["graph"],
        "edge_populations": PLAN.graph_edge_populations,
        "k": PLAN.graph_k,
    }


def sequence_settings():
    """config['sequences'] with the population resolved (null: the first simulated population)."""
    return {**config["sequences"], "population": PLAN.sequences_population}
