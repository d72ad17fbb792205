"""Rule grating_simulate: one trial of the grating experiment (its LGN spikes; bkg Poisson 1 kHz)."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.simulation import RunSettings, run_simulation

with rule_logging(snakemake.log[0]) as log:
    s, g = snakemake.params.settings, snakemake.params.grating
    direction, trial = float(snakemake.wildcards.direction), int(snakemake.wildcards.trial)
    settings = RunSettings(
        tstop_ms=g["duration_ms"],
        dt_ms=s["dt_ms"],
        device=s["device"],
        dtype=s["dtype"],
        # every trial its own background and recurrent noise
        seed=g["seed"] * 1_000_003 + round(direction * 1000) * 1009 + trial,
        threads=snakemake.threads,
        input_files={"lgn": snakemake.input.lgn},
    )
    network = Path(snakemake.input.network).parent
    result = run_simulation(network, Path(snakemake.output.spikes).parent, None, settings)
    log.info("direction %g trial %d: %d spikes", direction, trial, len(result.spike_step))
