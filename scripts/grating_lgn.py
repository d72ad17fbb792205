"""Rule grating_lgn: the LGN spikes of one trial of the drifting-grating experiment."""

from v1sim.grating_trial import GratingProtocol, write_trial_lgn
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    g = snakemake.params.grating
    direction, trial = float(snakemake.wildcards.direction), int(snakemake.wildcards.trial)
    protocol = GratingProtocol.from_config(g)
    summary = write_trial_lgn(snakemake.input.nodes, snakemake.output.spikes, protocol, direction, trial)
    log.info("direction %g trial %d: %d LGN spikes", direction, trial, summary["spikes"])
