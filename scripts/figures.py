"""Rule figures: every analysis figure from the tables of rule analyse (and the spikes, for the raster)."""

from v1sim.pipeline import folder_of, rule_logging
from v1sim.plots.figures import draw_figures

with rule_logging(snakemake.log[0]) as log:
    i, s = snakemake.input, snakemake.params.settings
    summary = draw_figures(
        folder_of(i.analysis),
        i.spikes,
        i.nodes,
        folder_of(snakemake.output.files),
        max_raster_points=s["max_raster_points"],
        reference_label=s["reference_label"],
    )
    log.info("raster drawn as %s (%d spikes)", summary["raster_mode"], summary["raster_spikes"])
