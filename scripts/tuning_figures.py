"""Rule tuning_figures: example tuning curves, OSI/DSI per class, preferred direction vs tuning_angle."""

from v1sim.pipeline import folder_of, rule_logging
from v1sim.plots.tuning import draw_tuning_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_tuning_figures(folder_of(snakemake.input.tuning), folder_of(snakemake.output.files))
    log.info("drew %d tuning figures", len(summary["figures"]))
