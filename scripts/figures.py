"""Rule figures: every analysis figure from the tables of rule analyse (and the spikes, for the raster)."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.plots.figures import draw_figures

with rule_logging(snakemake.log[0]) as log:
    i, p = snakemake.input, snakemake.params
    summary = draw_figures(
        Path(i.analysis).parent,
        i.spikes,
        i.nodes,
        Path(snakemake.output.provenance).parent,
        max_raster_points=p.max_raster_points,
        reference_label=p.reference_label,
    )
    log.info("raster drawn as %s (%d spikes)", summary["raster_mode"], summary["raster_spikes"])
