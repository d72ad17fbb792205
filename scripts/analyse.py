"""Rule analyse: rates per class, ISI CV, population rate, PCA/UMAP and correlations of v1sim's spikes."""

import json
from pathlib import Path

from v1sim.analysis.run import AnalysisSettings, analyse
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    i = snakemake.input
    settings = dict(snakemake.params.settings)
    settings.pop("max_raster_points", None)  # a figure setting
    t_stop = json.loads(Path(i.provenance).read_text())["tstop_ms"]
    summary = analyse(
        i.spikes,
        i.nodes,
        t_stop,
        Path(snakemake.output.provenance).parent,
        AnalysisSettings(**settings),
        reference_spikes=i.reference or None,
    )
    log.info("analysed %d spikes of %d cells", summary["n_spikes"], summary["n_cells"])
