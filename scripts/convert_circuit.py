"""Rule convert: SONATA circuit -> Parquet tables, sparse matrices, compiled network, Julia HDF5."""

from pathlib import Path

from v1sim.network.convert import convert_circuit
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    summary = convert_circuit(
        snakemake.input.config,
        Path(snakemake.output.nodes).parent,
        chunk_edges=snakemake.params.chunk_edges,
        parquet_compression=snakemake.params.compression,
    )
    log.info(summary.line())
