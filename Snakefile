# v1sim: the Allen mouse V1 model (Billeh et al. 2020) from SONATA circuit to results.
# Run: snakemake --cores N   (or `make run`); cluster: snakemake --profile profiles/slurm


from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


# the config (command-line overrides coerced, defaults filled in) checked up front: one line on a bad key
from v1sim.config_schema import check_workflow_config

check_workflow_config(config, workflow)


include: "rules/common.smk"
include: "rules/network.smk"
include: "rules/simulate.smk"
include: "rules/release.smk"
include: "rules/analysis.smk"
include: "rules/graph.smk"
include: "rules/grating.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        network_outputs(),
        simulation_outputs(),
        analysis_outputs(),
        graph_outputs(),
        tuning_outputs(),
