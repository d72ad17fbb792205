# The analysis stage: tables of what the simulated V1 did, then the figures (each one in the report).


rule analyse:
    input:
        spikes="results/{circuit}/simulation/spikes.h5",
        provenance="results/{circuit}/simulation/provenance.json",
        nodes="results/{circuit}/network/nodes.parquet",
        reference=lambda w: (
            f"results/{w.circuit}/nest/spikes.h5" if config["nest"]["compare"] else []
        ),
    output:
        classes="results/{circuit}/analysis/classes.csv",
        provenance="results/{circuit}/analysis/provenance.json",
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
        settings=config["analysis"],
    script:
        "../scripts/analyse.py"


rule figures:
    input:
        analysis="results/{circuit}/analysis/provenance.json",
        spikes="results/{circuit}/simulation/spikes.h5",
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        raster=report(
            "results/{circuit}/figures/raster.png",
            caption="../docs/report/raster.rst",
            category="Analysis",
        ),
        population_rate=report(
            "results/{circuit}/figures/population_rate.png",
            caption="../docs/report/population_rate.rst",
            category="Analysis",
        ),
        class_rates=report(
            "results/{circuit}/figures/class_rates.png",
            caption="../docs/report/class_rates.rst",
            category="Analysis",
        ),
        pca=report(
            "results/{circuit}/figures/pca.png",
            caption="../docs/report/pca.rst",
            category="Analysis",
        ),
        umap_bins=report(
            "results/{circuit}/figures/umap_bins.png",
            caption="../docs/report/umap_bins.rst",
            category="Analysis",
        ),
        umap_cells=report(
            "results/{circuit}/figures/umap_cells.png",
            caption="../docs/report/umap_cells.rst",
            category="Analysis",
        ),
        isi_cv=report(
            "results/{circuit}/figures/isi_cv.png",
            caption="../docs/report/isi_cv.rst",
            category="Analysis",
        ),
        correlations=report(
            "results/{circuit}/figures/correlations.png",
            caption="../docs/report/correlations.rst",
            category="Analysis",
        ),
        provenance="results/{circuit}/figures/provenance.json",
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
        max_raster_points=config["analysis"]["max_raster_points"],
        reference_label="NEST 3.10",
    script:
        "../scripts/figures.py"


rule sequences:
    input:
        spikes="results/{circuit}/simulation/spikes.h5",
        provenance="results/{circuit}/simulation/provenance.json",
        nodes="results/{circuit}/network/nodes.parquet",
    output:
        events="results/{circuit}/sequences/events.csv",
        provenance="results/{circuit}/sequences/provenance.json",
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
        settings=sequence_settings(),
        class_column=CLASS_COLUMN,
    script:
        "../scripts/sequences.py"


rule sequence_figures:
    input:
        sequences="results/{circuit}/sequences/provenance.json",
    output:
        raster=report(
            "results/{circuit}/sequence_figures/sequence_raster.png",
            caption="../docs/report/sequence_raster.rst",
            category="Sequences",
        ),
        trace=report(
            "results/{circuit}/sequence_figures/sequence_trace.png",
            caption="../docs/report/sequence_trace.rst",
            category="Sequences",
        ),
        provenance="results/{circuit}/sequence_figures/provenance.json",
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
