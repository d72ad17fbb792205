"""Rule build_v1: the built-in Billeh-style V1 column at config['circuit'] scale and seed."""

from pathlib import Path

from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    spec = V1Spec(scale=snakemake.params.scale, seed=snakemake.params.seed)
    config = build_v1(spec, Path(snakemake.output.config).parent, progress=True)
    log.info("built %s", config)
