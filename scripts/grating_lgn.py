"""Rule grating_lgn: the LGN spikes of one trial of the drifting-grating experiment."""

from v1sim.inputs.lgn_stage import write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    g = snakemake.params.stimulus
    direction, trial = snakemake.params.direction_deg, int(snakemake.wildcards.trial)
    stimulus = DriftingGrating(
        direction, g["duration_ms"], g["sf_cpd"], g["tf_hz"], g["contrast"], 0.0, g["gray_ms"]
    )
    summary = write_lgn_spikes(
        snakemake.input.nodes, snakemake.output.spikes, stimulus, seed=g["seed"], trial=trial
    )
    log.info("direction %g trial %d: %d LGN spikes", direction, trial, summary["spikes"])
