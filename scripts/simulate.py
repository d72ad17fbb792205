"""Rule simulate: v1sim on the compiled network with the circuit's inputs and the generated Poisson trains."""

from v1sim.pipeline import circuit_config, folder_of, rule_logging
from v1sim.simulation import RunSettings, run_simulation

with rule_logging(snakemake.log[0]) as log:
    i, s = snakemake.input, snakemake.params.settings
    settings = RunSettings(
        tstop_ms=s["tstop_ms"],
        dt_ms=s["dt_ms"],
        device=s["device"],
        dtype=s["dtype"],
        seed=s["seed"],
        threads=snakemake.threads,
        input_files=dict(zip(snakemake.params.poisson_populations, i.poisson, strict=True)),
    )
    result = run_simulation(
        folder_of([i.network, i.nodes]),
        folder_of(snakemake.output.files),
        circuit_config(i.circuit),
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
