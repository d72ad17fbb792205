# Stage 1: the network. A SONATA circuit becomes Parquet tables, sparse matrices and the compiled network.


rule synthetic_circuit:
    output:
        config="results/{circuit}/circuit/circuit_config.json",
    log:
        "results/{circuit}/logs/synthetic_circuit.log",
    benchmark:
        "results/{circuit}/benchmarks/synthetic_circuit.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        spec=config["synthetic"],
    script:
        "../scripts/synthetic_circuit.py"


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
