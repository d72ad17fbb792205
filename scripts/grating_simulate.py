"""Rule grating_simulate: one trial of the grating experiment (its LGN spikes; bkg Poisson 1 kHz)."""

from v1sim.pipeline import folder_of, rule_logging
from v1sim.simulation import RunSettings, run_simulation

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    direction, trial = snakemake.params.direction_deg, int(snakemake.wildcards.trial)
    settings = RunSettings(
        tstop_ms=s["tstop_ms"],
        dt_ms=s["dt_ms"],
        device=s["device"],
        dtype=s["dtype"],
        # every trial its own background and recurrent noise
        seed=s["seed"] * 1_000_003 + round(direction * 1000) * 1009 + trial,
        threads=snakemake.threads,
        input_files={"lgn": snakemake.input.lgn},
    )
    network = folder_of([snakemake.input.network, snakemake.input.nodes])
    result = run_simulation(network, folder_of(snakemake.output.files), None, settings)
    log.info("direction %g trial %d: %d spikes", direction, trial, len(result.spike_step))
