"""Rule convert: SONATA circuit -> Parquet tables, sparse matrices, compiled network, Julia HDF5."""

from v1sim.network.convert import convert_circuit
from v1sim.pipeline import circuit_config, folder_of, rule_logging

with rule_logging(snakemake.log[0]) as log:
    s = snakemake.params.settings
    summary = convert_circuit(
        circuit_config(snakemake.input.circuit),
        folder_of(snakemake.output.files),
        chunk_edges=s["chunk_edges"],
        parquet_compression=s["compression"],
    )
    log.info(summary.line())
