# The analysis stage: tables of what the simulated V1 did, then the figures (each one in the report).


rule analyse:
    input:
        spikes="results/{circuit}/simulation/spikes.h5",
        provenance="results/{circuit}/simulation/provenance.json",
        nodes="results/{circuit}/network/nodes.parquet",
        reference=lambda w: (
            f"results/{w.circuit}/nest/spikes.h5" if SETTINGS.nest else []
        ),
    output:
        files=stage_files("analysis", analysis_stage.OUTPUTS),
    log:
        "results/{circuit}/logs/analyse.log",
    benchmark:
        "results/{circuit}/benchmarks/analyse.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        settings=SETTINGS.analysis,
    script:
        "../scripts/analyse.py"


rule figures:
    input:
        analysis=stage_files("analysis", analysis_stage.OUTPUTS),
        spikes="results/{circuit}/simulation/spikes.h5",
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        files=stage_figures("figures", figures_stage.OUTPUTS, "Analysis"),
    log:
        "results/{circuit}/logs/figures.log",
    benchmark:
        "results/{circuit}/benchmarks/figures.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        settings=params(SETTINGS.figures),
    script:
        "../scripts/figures.py"


rule sequences:
    input:
        spikes="results/{circuit}/simulation/spikes.h5",
        provenance="results/{circuit}/simulation/provenance.json",
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        files=stage_files("sequences", sequences_stage.OUTPUTS),
    log:
        "results/{circuit}/logs/sequences.log",
    benchmark:
        "results/{circuit}/benchmarks/sequences.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        settings=SETTINGS.sequences,
    script:
        "../scripts/sequences.py"


rule sequence_figures:
    input:
        sequences=stage_files("sequences", sequences_stage.OUTPUTS),
    output:
        files=stage_figures(
            "sequence_figures", sequence_figures_stage.OUTPUTS, "Sequences"
        ),
    log:
        "results/{circuit}/logs/sequence_figures.log",
    benchmark:
        "results/{circuit}/benchmarks/sequence_figures.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    script:
        "../scripts/sequence_figures.py"
