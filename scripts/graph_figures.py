"""Rule graph_figures: communities against depth and class, partition cost against K, the community graph."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.plots.graph_figures import draw_graph_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_graph_figures(Path(snakemake.input.graph).parent, Path(snakemake.output.provenance).parent)
    log.info("drew %d graph figures", len(summary["figures"]))
