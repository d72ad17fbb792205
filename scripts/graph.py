"""Rule graph: communities and METIS partitions of the connectome, with crossing spike traffic when rates exist."""

from pathlib import Path

from v1sim.graph.run import GraphSettings, analyse_graph
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    i = snakemake.input
    settings = dict(snakemake.params.settings)
    for key in ("enabled", "use_rates"):  # pipeline switches, not graph settings
        settings.pop(key, None)
    settings["class_column"] = snakemake.params.class_column
    rates = Path(i.rates).parent / "neurons.parquet" if i.rates else None
    summary = analyse_graph(
        Path(i.network).parent,
        Path(snakemake.output.provenance).parent,
        GraphSettings(**settings),
        rates=rates,
    )
    log.info("graph of %d nodes and %d edges", summary["n_nodes"], summary["n_edges"])
