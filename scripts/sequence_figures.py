"""Rule sequence_figures: raw and sequence-ordered rasters with the events, and the sampler's trace."""

from v1sim.pipeline import folder_of, rule_logging
from v1sim.plots.sequences import draw_sequence_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_sequence_figures(folder_of(snakemake.input.sequences), folder_of(snakemake.output.files))
    log.info("drew %d sequence figures", len(summary["figures"]))
