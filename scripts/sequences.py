"""Rule sequences: PPSeq sequence detection on the most active cells of v1sim's spikes."""

import json
from pathlib import Path

from v1sim.analysis.sequences_stage import SequenceSettings, detect_sequences
from v1sim.pipeline import folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    i = snakemake.input
    t_stop = json.loads(Path(i.provenance).read_text())["tstop_ms"]
    summary = detect_sequences(
        i.spikes,
        i.nodes,
        t_stop,
        folder_of(snakemake.output.files),
        SequenceSettings(**snakemake.params.settings),
    )
    log.info(
        "%d events in %d spikes of %d cells", summary["n_events"], summary["n_spikes"], summary["n_neurons"]
    )
