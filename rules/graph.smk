# The graph stage: communities and K-way partitions of the connectome, the spike traffic between chips, figures.


rule graph:
    input:
        network="results/{circuit}/network/compiled_network.h5",
        nodes="results/{circuit}/network/nodes.parquet",
        rates=lambda w: (
            f"results/{w.circuit}/analysis/provenance.json"
            if config["graph"]["use_rates"]
            else []
        ),
    output:
        communities="results/{circuit}/graph/communities.csv",
        partitions="results/{circuit}/graph/partitions.csv",
        provenance="results/{circuit}/graph/provenance.json",
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
        settings=graph_settings(),
        class_column=CLASS_COLUMN,
    script:
        "../scripts/graph.py"


rule graph_figures:
    input:
        graph="results/{circuit}/graph/provenance.json",
    output:
        community_depth=report(
            "results/{circuit}/graph_figures/community_depth.png",
            caption="../docs/report/community_depth.rst",
            category="Connectome graph",
        ),
        class_community=report(
            "results/{circuit}/graph_figures/class_community.png",
            caption="../docs/report/class_community.rst",
            category="Connectome graph",
        ),
        partition_traffic=report(
            "results/{circuit}/graph_figures/partition_traffic.png",
            caption="../docs/report/partition_traffic.rst",
            category="Connectome graph",
        ),
        community_graph=report(
            "results/{circuit}/graph_figures/community_graph.png",
            caption="../docs/report/community_graph.rst",
            category="Connectome graph",
        ),
        provenance="results/{circuit}/graph_figures/provenance.json",
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
