"""The Snakemake pipeline: the default config runs end to end; lint and formatting are clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import pandas as pd

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_default_config_runs_end_to_end(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = _run(
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--cores",
        "2",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = tmp_path / "results" / "v1"
    network = results / "network"
    nodes = pd.read_parquet(network / "nodes.parquet")
    n_v1 = (nodes["population"] == "v1").sum()
    assert abs(n_v1 - 0.05 * 230_924) <= 21
    n_edges = sum(
        len(pd.read_parquet(p, columns=["weight_pa"])) for p in (network / "edges").glob("*.parquet")
    )
    with h5py.File(network / "compiled_network.h5") as h5:
        assert h5["synapses/target"].shape == (n_edges,)
        assert h5.attrs["n_neurons"] == n_v1
    rules = (
        "build_v1",
        "convert",
        "simulate",
        "analyse",
        "figures",
        "graph",
        "graph_figures",
        "tuning",
        "sequences",
    )
    for rule in (*rules, "grating_lgn_dir90_trial0", "grating_simulate_dir315_trial0"):
        assert (results / "logs" / f"{rule}.log").exists()
        assert (results / "benchmarks" / f"{rule}.tsv").exists()
    assert f"converted {len(nodes):,} nodes" in (results / "logs" / "convert.log").read_text()
    classes = pd.read_csv(results / "analysis" / "classes.csv")
    assert classes["n_cells"].sum() == n_v1 and "reference_mean_rate_hz" in classes  # NEST beside v1sim
    communities = pd.read_csv(results / "graph" / "communities.csv")
    assert communities["method"].tolist() == ["louvain", "leiden"] and (communities["modularity"] > 0).all()
    partitions = pd.read_csv(results / "graph" / "partitions.csv")
    assert len(partitions) == 4 * 6 and partitions["traffic_hz"].notna().all()  # rates from the analysis
    sequences = pd.read_csv(results / "sequences" / "neurons.csv")
    assert 0 < len(sequences) <= 200 and {"sequence_type", "order", "offset_ms_0"} <= set(sequences.columns)
    tuning = pd.read_parquet(results / "tuning" / "neurons.parquet")
    assert len(tuning) == n_v1 and {"rate_0", "rate_315", "osi", "dsi"} <= set(tuning.columns)

    report = _run(
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--report",
        "results/report.html",
        cwd=tmp_path,
    )
    assert report.returncode == 0, report.stderr[-3000:]
    html = (tmp_path / "results" / "report.html").read_text()
    for figure in (
        "raster.png",
        "class_rates.png",
        "pca.png",
        "umap_cells.png",
        "comparison.png",
        "partition_traffic.png",
        "community_graph.png",
        "osi_dsi.png",
        "tuning_curves.png",
        "sequence_raster.png",
    ):
        assert figure in html


def test_a_bad_config_value_is_refused_by_the_schema(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("circuit: {name: x}\nconvert: {chunk_edges: 5}\n")
    result = _run(
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--cores",
        "1",
        "-n",
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "chunk_edges" in result.stderr + result.stdout


def test_snakemake_lint_is_clean() -> None:
    result = _run("snakemake", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_snakefmt_is_clean() -> None:
    result = _run("snakefmt", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_dependencies_are_enough_for_the_report() -> None:
    """`make run` installs only [project.dependencies]; snakemake --report needs pygments, which comes with
    snakemake's reports extra (in the test environment pytest brings it anyway, hiding its absence)."""
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    snakemake = [d for d in deps if d.replace(" ", "").startswith("snakemake[")]
    assert snakemake and "reports" in snakemake[0].split("[")[1].split("]")[0].split(",")
