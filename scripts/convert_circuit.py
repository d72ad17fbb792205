"""Rule convert: SONATA circuit -> Parquet tables, sparse matrices, compiled network, Julia HDF5."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "src"))  # noqa: F821 - injected by Snakemake

from v1sim.network.convert import convert_circuit
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:  # noqa: F821
    summary = convert_circuit(
        snakemake.input.config,  # noqa: F821
        Path(snakemake.output.nodes).parent,  # noqa: F821
        chunk_edges=snakemake.params.chunk_edges,  # noqa: F821
        parquet_compression=snakemake.params.compression,  # noqa: F821
    )
    log.info(summary.line())
