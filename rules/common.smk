# Names and paths shared by the rules.

CIRCUIT = config["circuit"]["name"]
RESULTS = f"results/{CIRCUIT}"


def circuit_config_file(wildcards):
    """The SONATA config to convert: the user's, or the built-in V1 column built by the pipeline."""
    if config["circuit"]["config"]:
        return config["circuit"]["config"]
    return f"results/{wildcards.circuit}/circuit/simulation_config.json"


def poisson_inputs(wildcards):
    """Spike files of the Poisson populations, generated once and read by both simulators."""
    return {
        pop: f"results/{wildcards.circuit}/inputs/{pop}_spikes.h5"
        for pop in config["simulate"]["poisson_hz"]
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
    """The analysis tables and figures (and PPSeq's, when config['sequences']['enabled'])."""
    out = [
        f"results/{circuit}/analysis/provenance.json",
        f"results/{circuit}/figures/provenance.json",
    ]
    if config["sequences"]["enabled"]:
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
    """The graph stage's tables and figures, when config['graph']['enabled']."""
    if not config["graph"]["enabled"]:
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
    """The tuning tables and figures, when config['grating']['enabled']."""
    if not config["grating"]["enabled"]:
        return []
    return [
        f"results/{circuit}/tuning/provenance.json",
        f"results/{circuit}/tuning_figures/provenance.json",
    ]
