# The drifting-grating experiment: LGN spikes per direction and trial, one simulation per trial, then tuning.


wildcard_constraints:
    direction=r"[0-9]+(\.[0-9]+)?",
    trial=r"[0-9]+",


rule grating_lgn:
    input:
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        spikes="results/{circuit}/grating/lgn/dir{direction}_trial{trial}.h5",
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
        grating=config["grating"],
    script:
        "../scripts/grating_lgn.py"


rule grating_simulate:
    input:
        network="results/{circuit}/network/compiled_network.h5",
        lgn=grating_lgn_file,
    output:
        spikes="results/{circuit}/grating/sim/dir{direction}_trial{trial}/spikes.h5",
        provenance="results/{circuit}/grating/sim/dir{direction}_trial{trial}/provenance.json",
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
        settings=config["simulate"],
        grating=config["grating"],
    script:
        "../scripts/grating_simulate.py"


rule tuning:
    input:
        spikes=lambda w: grating_trial_spikes(w.circuit),
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        classes="results/{circuit}/tuning/classes.csv",
        provenance="results/{circuit}/tuning/provenance.json",
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
        grating=config["grating"],
        trials=grating_trials(),
        class_column=CLASS_COLUMN,
    script:
        "../scripts/tuning.py"


rule tuning_figures:
    input:
        tuning="results/{circuit}/tuning/provenance.json",
    output:
        tuning_curves=report(
            "results/{circuit}/tuning_figures/tuning_curves.png",
            caption="../docs/report/tuning_curves.rst",
            category="Drifting gratings",
        ),
        osi_dsi=report(
            "results/{circuit}/tuning_figures/osi_dsi.png",
            caption="../docs/report/osi_dsi.rst",
            category="Drifting gratings",
        ),
        preferred_direction=report(
            "results/{circuit}/tuning_figures/preferred_direction.png",
            caption="../docs/report/preferred_direction.rst",
            category="Drifting gratings",
        ),
        provenance="results/{circuit}/tuning_figures/provenance.json",
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
