"""Rule grating_lgn: the LGN spikes of one trial of the drifting-grating experiment."""

from v1sim.grating_trial import GratingProtocol, write_trial_lgn
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    protocol = GratingProtocol.from_config(snakemake.params.stimulus)
    direction, trial = snakemake.params.direction_deg, int(snakemake.wildcards.trial)
    summary = write_trial_lgn(snakemake.input.nodes, snakemake.output.spikes, protocol, direction, trial)
    log.info("direction %g trial %d: %d LGN spikes", direction, trial, summary["spikes"])
