# The graph stage: communities and K-way partitions of the connectome, the spike traffic between chips, figures.


rule graph:
    input:
        network="results/{circuit}/network/compiled_network.h5",
        nodes="results/{circuit}/network/nodes.parquet",
        edges=graph_edges,
        rates=graph_rates,
    output:
        files=stage_files("graph", graph_stage.OUTPUTS),
    log:
        "results/{circuit}/logs/graph.log",
    benchmark:
        "results/{circuit}/benchmarks/graph.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: config["graph"]["threads"]
    resources:
        mem_mb=16000,
        runtime=60,
    params:
        settings=SETTINGS.graph,
    script:
        "../scripts/graph.py"


rule graph_figures:
    input:
        graph=stage_files("graph", graph_stage.OUTPUTS),
    output:
        files=stage_figures(
            "graph_figures", graph_figures_stage.OUTPUTS, "Connectome graph"
        ),
    log:
        "results/{circuit}/logs/graph_figures.log",
    benchmark:
        "results/{circuit}/benchmarks/graph_figures.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    script:
        "../scripts/graph_figures.py"
