"""Rule build_v1: the built-in Billeh-style V1 column at config['circuit'] scale and seed."""

from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    spec = V1Spec(**snakemake.params.settings)
    config = build_v1(spec, snakemake.output.circuit, progress=True)
    log.info("built %s", config)
