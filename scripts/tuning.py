"""Rule tuning: orientation/direction tuning of every cell and class from the grating trials."""

from pathlib import Path

import pandas as pd

from v1sim.analysis.tuning_stage import analyse_tuning
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    g = snakemake.params.grating
    trials = pd.DataFrame(
        {
            "direction_deg": [float(d) for d, _ in snakemake.params.trials],
            "trial": [t for _, t in snakemake.params.trials],
            "spikes": [str(Path(p).resolve()) for p in snakemake.input.spikes],
        }
    )
    summary = analyse_tuning(
        trials,
        snakemake.input.nodes,
        Path(snakemake.output.provenance).parent,
        (g["gray_ms"], g["duration_ms"]),
        g["neuropixels"],
        snakemake.params.class_column,
    )
    log.info("tuning of %d cells, %d responsive", summary["n_cells"], summary["n_responsive"])
