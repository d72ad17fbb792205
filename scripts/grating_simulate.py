"""Rule grating_simulate: one trial of the grating experiment (its LGN spikes; bkg Poisson 1 kHz)."""

from pathlib import Path

from v1sim.grating_trial import GratingProtocol, TrialSimulation, simulate_trial
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    s, g = snakemake.params.settings, snakemake.params.grating
    direction, trial = float(snakemake.wildcards.direction), int(snakemake.wildcards.trial)
    simulation = TrialSimulation(s["dt_ms"], s["device"], s["dtype"], snakemake.threads)
    network = Path(snakemake.input.network).parent
    result = simulate_trial(
        network,
        Path(snakemake.output.spikes).parent,
        snakemake.input.lgn,
        GratingProtocol.from_config(g),
        direction,
        trial,
        simulation,
    )
    log.info("direction %g trial %d: %d spikes", direction, trial, len(result.spike_step))
