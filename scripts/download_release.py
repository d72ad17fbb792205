"""Rule download_release: download the files of config['release'] and check them against their sha256 manifest."""

from pathlib import Path

from v1sim.errors import V1SimInputError
from v1sim.fetch import fetch_release, summary_line
from v1sim.pipeline import rule_logging

with rule_logging(snakemake.log[0]) as log:
    if not snakemake.params.url:
        raise V1SimInputError(
            "config.yaml",
            "release.url",
            "not set: give the release's base URL (http://, https:// or file://)",
        )
    manifest = Path(snakemake.output.manifest)
    result = fetch_release(
        snakemake.params.url,
        snakemake.params.files,
        manifest.parent,
        manifest,
        expected=snakemake.params.sha256,
        refresh=snakemake.params.refresh,
        progress=True,
    )
    log.info(summary_line(result, manifest))
