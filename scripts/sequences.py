"""Rule sequences: PPSeq sequence detection on the most active cells of v1sim's spikes."""

import json
from pathlib import Path

from v1sim.analysis.sequences_stage import SequenceSettings, detect_sequences
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    settings = dict(snakemake.params.settings)
    settings.pop("enabled", None)  # a pipeline switch
    settings["class_column"] = snakemake.params.class_column
    t_stop = json.loads(Path(snakemake.input.provenance).read_text())["tstop_ms"]
    summary = detect_sequences(
        snakemake.input.spikes,
        snakemake.input.nodes,
        t_stop,
        Path(snakemake.output.provenance).parent,
        SequenceSettings(**settings),
    )
    log.info(
        "%d events in %d spikes of %d cells", summary["n_events"], summary["n_spikes"], summary["n_neurons"]
    )
