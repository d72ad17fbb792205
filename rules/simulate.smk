# Stage 2: simulation. v1sim on the compiled network; NEST (bmtk PointNet) on the same circuit and inputs.


rule poisson_inputs:
    input:
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        spikes="results/{circuit}/inputs/{population}_spikes.h5",
    log:
        "results/{circuit}/logs/poisson_inputs_{population}.log",
    benchmark:
        "results/{circuit}/benchmarks/poisson_inputs_{population}.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=lambda w: params(SETTINGS.poisson[w.population]),
    script:
        "../scripts/poisson_inputs.py"


rule simulate:
    input:
        network="results/{circuit}/network/compiled_network.h5",
        nodes="results/{circuit}/network/nodes.parquet",
        circuit=circuit_input,
        poisson=poisson_inputs,
    output:
        files=simulation_files(),
    log:
        "results/{circuit}/logs/simulate.log",
    benchmark:
        "results/{circuit}/benchmarks/simulate.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: config["simulate"]["threads"]
    resources:
        mem_mb=16000,
        runtime=120,
        gpu=1 if config["simulate"]["device"] == "cuda" else 0,
    params:
        settings=params(SETTINGS.simulate),
        poisson_populations=list(SETTINGS.poisson),
    script:
        "../scripts/simulate.py"


rule simulate_nest:
    input:
        circuit=circuit_input,
        poisson=poisson_inputs,
    output:
        files=stage_files("nest", nest_stage.OUTPUTS),
    log:
        "results/{circuit}/logs/simulate_nest.log",
    benchmark:
        "results/{circuit}/benchmarks/simulate_nest.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: config["nest"]["threads"]
    resources:
        mem_mb=32000,
        runtime=720,
    params:
        settings=params(SETTINGS.nest) if SETTINGS.nest else {},
        poisson_populations=list(SETTINGS.poisson),
    script:
        "../scripts/simulate_nest.py"


rule compare_nest:
    input:
        ours="results/{circuit}/simulation/spikes.h5",
        ours_provenance="results/{circuit}/simulation/provenance.json",
        nest="results/{circuit}/nest/spikes.h5",
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        summary="results/{circuit}/compare/comparison.json",
        figure=report(
            "results/{circuit}/compare/comparison.png",
            caption="../docs/report/compare_nest.rst",
            category="Simulation",
        ),
    log:
        "results/{circuit}/logs/compare_nest.log",
    benchmark:
        "results/{circuit}/benchmarks/compare_nest.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        class_column=CLASS_COLUMN,
    script:
        "../scripts/compare_nest.py"
