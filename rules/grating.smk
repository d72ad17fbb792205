# The drifting-grating experiment: LGN spikes per direction and trial, one simulation per trial, then tuning.
# A trial's jobs see only the stimulus and its own direction and trial: adding trials or directions leaves the
# trials already simulated alone.


rule grating_lgn:
    input:
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        spikes="results/{circuit}/grating/lgn/dir{direction}_trial{trial}.h5",
        provenance=f"results/{{circuit}}/grating/lgn/dir{{direction}}_trial{{trial}}.h5{LGN_PROVENANCE_SUFFIX}",
    log:
        "results/{circuit}/logs/grating_lgn_dir{direction}_trial{trial}.log",
    benchmark:
        "results/{circuit}/benchmarks/grating_lgn_dir{direction}_trial{trial}.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        stimulus=params(SETTINGS.grating_stimulus),
        direction_deg=lambda w: SETTINGS.directions[w.direction],
    script:
        "../scripts/grating_lgn.py"


rule grating_simulate:
    input:
        network="results/{circuit}/network/compiled_network.h5",
        nodes="results/{circuit}/network/nodes.parquet",
        lgn=grating_lgn_file,
    output:
        files=stage_files(
            "grating/sim/dir{direction}_trial{trial}", simulate_stage.OUTPUTS
        ),
    log:
        "results/{circuit}/logs/grating_simulate_dir{direction}_trial{trial}.log",
    benchmark:
        "results/{circuit}/benchmarks/grating_simulate_dir{direction}_trial{trial}.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: config["simulate"]["threads"]
    resources:
        mem_mb=16000,
        runtime=120,
        gpu=1 if config["simulate"]["device"] == "cuda" else 0,
    params:
        settings=params(SETTINGS.grating_run),
        direction_deg=lambda w: SETTINGS.directions[w.direction],
    script:
        "../scripts/grating_simulate.py"


rule tuning:
    input:
        spikes=grating_trial_spikes,
        nodes="results/{circuit}/network/nodes.parquet",
        neuropixels=neuropixels_input,
    output:
        files=stage_files("tuning", tuning_stage.OUTPUTS),
    log:
        "results/{circuit}/logs/tuning.log",
    benchmark:
        "results/{circuit}/benchmarks/tuning.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        settings=params(SETTINGS.tuning),
    script:
        "../scripts/tuning.py"


rule tuning_figures:
    input:
        tuning=stage_files("tuning", tuning_stage.OUTPUTS),
    output:
        files=stage_figures(
            "tuning_figures", tuning_figures_stage.OUTPUTS, "Drifting gratings"
        ),
    log:
        "results/{circuit}/logs/tuning_figures.log",
    benchmark:
        "results/{circuit}/benchmarks/tuning_figures.tsv"
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    script:
        "../scripts/tuning_figures.py"
