"""Rule simulate: v1sim on the compiled network with the circuit's inputs and the generated Poisson trains."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.simulation import RunSettings, run_simulation

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    settings = RunSettings(
        tstop_ms=s["tstop_ms"],
        dt_ms=s["dt_ms"],
        device=s["device"],
        dtype=s["dtype"],
        seed=s["seed"],
        threads=snakemake.threads,
        input_files=dict(snakemake.params.inputs),
    )
    network = Path(snakemake.input.network).parent
    result = run_simulation(
        network,
        Path(snakemake.output.spikes).parent,
        snakemake.input.config,
        settings,
        progress=True,
    )
    log.info(
        "simulated %s ms in %.2f s on %s: %d spikes",
        result.tstop_ms,
        result.wall_s,
        result.device,
        len(result.spike_step),
    )
