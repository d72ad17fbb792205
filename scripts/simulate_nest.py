"""Rule simulate_nest: the same circuit and inputs in NEST 3.10 through bmtk PointNet (in its own process)."""

from pathlib import Path

from v1sim.pipeline import rule_logging
from v1sim.reference.nest import run_nest
from v1sim.simulation import config_inputs

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    _, run = config_inputs(Path(snakemake.input.config))
    tstop = s["tstop_ms"] if s["tstop_ms"] is not None else run["tstop"]
    dt = s["dt_ms"] if s["dt_ms"] is not None else run["dt"]
    inputs = {pop: Path(path) for pop, path in snakemake.params.inputs.items()}
    record = run_nest(
        snakemake.input.config,
        Path(snakemake.output.spikes).parent,
        inputs=inputs,
        tstop_ms=tstop,
        dt_ms=dt,
        threads=snakemake.params.threads,
    )
    log.info("NEST: build %.2f s, simulate %.2f s", record["nest_build_s"], record["nest_simulate_s"])
