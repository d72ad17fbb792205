# The real Allen V1 release, downloaded only when a target asks for it: `snakemake download_release`.
# It is not an input of `all`, so the default run never goes to the network. Outputs are flagged update():
# Snakemake keeps the earlier downloads and the manifest (the record of first downloads) when the rule runs
# again, and restores them if it fails, e.g. when a file's checksum has changed.


rule download_release:
    output:
        manifest=update(f"{RELEASE['dest']}/sha256.json"),
        files=update(release_files()),
    log:
        "results/release/logs/download_release.log",
    benchmark:
        "results/release/benchmarks/download_release.tsv"
    localrule: True
    conda:
        "../envs/v1sim.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=240,
    params:
        url=RELEASE["url"],
        files=RELEASE["files"],
        sha256=RELEASE["sha256"],
        refresh=RELEASE["refresh"] in (True, "true"),
    script:
        "../scripts/download_release.py"
