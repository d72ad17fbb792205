"""Rule simulate_nest: the same circuit and inputs in NEST 3.10 through bmtk PointNet (in its own process)."""

from pathlib import Path

from v1sim.pipeline import circuit_config, folder_of, rule_logging
from v1sim.reference.nest import run_nest

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    inputs = {
        pop: Path(path)
        for pop, path in zip(snakemake.params.poisson_populations, snakemake.input.poisson, strict=True)
    }
    record = run_nest(
        circuit_config(snakemake.input.circuit),
        folder_of(snakemake.output.files),
        inputs=inputs,
        tstop_ms=s["tstop_ms"],
        dt_ms=s["dt_ms"],
        threads=snakemake.threads,
    )
    log.info("NEST: build %.2f s, simulate %.2f s", record["nest_build_s"], record["nest_simulate_s"])
