"""Rule tuning: orientation/direction tuning of every cell and class from the grating trials."""

from pathlib import Path

import pandas as pd

from v1sim.analysis.tuning_stage import analyse_tuning
from v1sim.pipeline import folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    i, s = snakemake.input, snakemake.params.settings
    trials = pd.DataFrame(
        {
            "direction_deg": [float(d) for d, _ in s["trials"]],
            "trial": [int(t) for _, t in s["trials"]],
            "spikes": [str(Path(p).resolve()) for p in i.spikes],
        }
    )
    summary = analyse_tuning(
        trials,
        i.nodes,
        folder_of(snakemake.output.files),
        tuple(s["window_ms"]),
        i.neuropixels or None,
        s["class_column"],
    )
    log.info("tuning of %d cells, %d responsive", summary["n_cells"], summary["n_responsive"])
