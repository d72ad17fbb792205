"""Rule poisson_inputs: seeded Poisson spike trains of one virtual population, as a SONATA spike file."""

from pathlib import Path

from v1sim.inputs.poisson import poisson_spike_trains
from v1sim.pipeline import rule_logging
from v1sim.sonata.spikes import write_spikes
from v1sim.storage import read_parquet

with rule_logging(snakemake.log[0]) as log:
    population = snakemake.wildcards.population
    nodes = read_parquet(snakemake.input.nodes, columns=["population", "node_id"])
    ids = nodes.loc[nodes["population"] == population, "node_id"].to_numpy()
    if len(ids) == 0:
        raise SystemExit(
            f"error: config.yaml: simulate.poisson_hz: the network has no population '{population}'"
        )
    s = snakemake.params.settings
    spikes = poisson_spike_trains(ids, s["rate_hz"], s["tstop_ms"], s["seed"])
    write_spikes(Path(snakemake.output.spikes), {population: spikes})
    log.info("%d spikes of %d %s units at %s Hz", len(spikes[0]), len(ids), population, s["rate_hz"])
