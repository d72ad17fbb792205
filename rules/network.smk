# Stage 1: the network. A SONATA circuit becomes Parquet tables, sparse matrices and the compiled network.


rule build_v1:
    output:
        config="results/{circuit}/circuit/simulation_config.json",
    log:
        "results/{circuit}/logs/build_v1.log",
    benchmark:
        "results/{circuit}/benchmarks/build_v1.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 2
    resources:
        mem_mb=12000,
        runtime=30,
    params:
        scale=config["circuit"]["scale"],
        seed=config["circuit"]["seed"],
    script:
        "../scripts/build_v1.py"


rule convert:
    input:
        config=circuit_config_file,
    output:
        nodes="results/{circuit}/network/nodes.parquet",
        compiled="results/{circuit}/network/compiled_network.h5",
        julia="results/{circuit}/network/connectome.h5",
        provenance="results/{circuit}/network/provenance.json",
        edges=directory("results/{circuit}/network/edges"),
        connectome=directory("results/{circuit}/network/connectome"),
    log:
        "results/{circuit}/logs/convert.log",
    benchmark:
        "results/{circuit}/benchmarks/convert.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        chunk_edges=config["convert"]["chunk_edges"],
        compression=config["convert"]["compression"],
    script:
        "../scripts/convert_circuit.py"
