"""Rule analyse: rates per class, ISI CV, population rate, PCA/UMAP and correlations of v1sim's spikes."""

import json
from pathlib import Path

from v1sim.analysis.run import AnalysisSettings, analyse
from v1sim.pipeline import folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    i = snakemake.input
    t_stop = json.loads(Path(i.provenance).read_text())["tstop_ms"]
    summary = analyse(
        i.spikes,
        i.nodes,
        t_stop,
        folder_of(snakemake.output.files),
        AnalysisSettings(**snakemake.params.settings),
        reference_spikes=i.reference or None,
    )
    log.info("analysed %d spikes of %d cells", summary["n_spikes"], summary["n_cells"])
