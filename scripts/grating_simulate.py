"""Rule grating_simulate: one trial of the grating experiment (its LGN spikes; bkg Poisson 1 kHz)."""

from v1sim.grating_trial import GratingProtocol, TrialSimulation, simulate_trial
from v1sim.pipeline import folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    direction, trial = snakemake.params.direction_deg, int(snakemake.wildcards.trial)
    # the trial's length and the experiment's seed are all of the protocol a simulation uses
    protocol = GratingProtocol(duration_ms=s["tstop_ms"], seed=s["seed"])
    simulation = TrialSimulation(s["dt_ms"], s["device"], s["dtype"], snakemake.threads)
    network = folder_of([snakemake.input.network, snakemake.input.nodes])
    result = simulate_trial(
        network, folder_of(snakemake.output.files), snakemake.input.lgn, protocol, direction, trial, simulation
    )
    log.info("direction %g trial %d: %d spikes", direction, trial, len(result.spike_step))
