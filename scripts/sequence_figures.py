"""Rule sequence_figures: raw and sequence-ordered rasters with the events, and the sampler's trace."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.plots.sequences import draw_sequence_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_sequence_figures(
        Path(snakemake.input.sequences).parent, Path(snakemake.output.provenance).parent
    )
    log.info("drew %d sequence figures", len(summary["figures"]))
