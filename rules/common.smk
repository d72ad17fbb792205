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
    """The analysis tables and figures."""
    return [
        f"results/{circuit}/analysis/provenance.json",
        f"results/{circuit}/figures/provenance.json",
    ]


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
