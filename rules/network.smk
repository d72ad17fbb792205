# Stage 1: the network. A SONATA circuit becomes Parquet tables, sparse matrices and the compiled network.


rule build_v1:
    output:
        circuit=directory("results/{circuit}/circuit"),
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
        settings=params(SETTINGS.build),
    script:
        "../scripts/build_v1.py"


rule convert:
    input:
        circuit=circuit_input,
    output:
        files=stage_files("network", convert_stage.OUTPUTS),
        # one file per edge population (<population>.parquet, .npz): the folder is the unit
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
        settings=params(SETTINGS.convert),
    script:
        "../scripts/convert_circuit.py"
