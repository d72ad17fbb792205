"""Rule graph: communities and METIS partitions of the connectome, with crossing spike traffic when rates exist."""

from v1sim.graph.run import GraphSettings, analyse_graph
from v1sim.pipeline import folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    i = snakemake.input
    network = [i.network, i.nodes, *([i.edges] if i.edges else [])]
    summary = analyse_graph(
        folder_of(network),
        folder_of(snakemake.output.files),
        GraphSettings(**snakemake.params.settings, threads=snakemake.threads),
        rates=i.rates or None,
    )
    log.info("graph of %d nodes and %d edges", summary["n_nodes"], summary["n_edges"])
