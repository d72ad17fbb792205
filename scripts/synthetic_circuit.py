"""Rule synthetic_circuit: write the synthetic SONATA circuit sized by config['synthetic']."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "src"))  # noqa: F821 - injected by Snakemake

from v1sim.build.synthetic import SyntheticSpec, write_synthetic_circuit
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:  # noqa: F821
    spec = SyntheticSpec(**snakemake.params.spec)  # noqa: F821
    config = write_synthetic_circuit(spec, Path(snakemake.output.config).parent, progress=True)  # noqa: F821
    log.info("wrote %s", config)
