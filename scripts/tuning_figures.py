"""Rule tuning_figures: example tuning curves, OSI/DSI per class, preferred direction vs tuning_angle."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.plots.tuning import draw_tuning_figures

with rule_logging(snakemake.log[0]) as log:
    summary = draw_tuning_figures(
        Path(snakemake.input.tuning).parent, Path(snakemake.output.provenance).parent
    )
    log.info("drew %d tuning figures", len(summary["figures"]))
