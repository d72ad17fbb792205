"""Rule graph_figures: communities against depth and class, partition cost against K, the community graph."""

from v1sim.pipeline import folder_of, rule_logging
from v1sim.plots.graph_figures import draw_graph_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_graph_figures(folder_of(snakemake.input.graph), folder_of(snakemake.output.files))
    log.info("drew %d graph figures", len(summary["figures"]))
