"""Rule compare_nest: rates per class, first divergence and spike-train distances, v1sim against NEST."""

import json
from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.plots.compare import plot_comparison
from v1sim.provenance import write_json
from v1sim.reference.compare import compare

with rule_logging(snakemake.log[0]) as log:
    i, o = snakemake.input, snakemake.output
    tstop = json.loads(Path(i.ours_provenance).read_text())["tstop_ms"]
    summary = compare(Path(i.ours), Path(i.nest), Path(i.nodes), tstop, snakemake.params.class_column)
    write_json(Path(o.summary), summary)
    plot_comparison(summary, Path(i.ours), Path(i.nest), summary["populations"], Path(o.figure))
    log.info(
        "first divergence: %s ms; spikes v1sim %d, NEST %d",
        summary["first_divergence_ms"],
        summary["n_spikes_v1sim"],
        summary["n_spikes_nest"],
    )
