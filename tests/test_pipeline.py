"""The Snakemake pipeline: the default config runs end to end; lint and formatting are clean."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import EXAMPLES, REPO, require_shared
from tests.snakemake_jobs import assert_every_file_is_declared, snakemake
from v1sim.sonata.config import load_circuit_config
from v1sim.sonata.nodes import read_node_populations

BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )


def _assert_report(workdir: Path, *figures: str) -> None:
    """``snakemake --report`` builds results/report.html and it shows ``figures``."""
    report = _snakemake(workdir, "--report", "results/report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    html = (workdir / "results" / "report.html").read_text()
    for figure in figures:
        assert figure in html, figure


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return snakemake(workdir, *args)


def test_default_config_runs_end_to_end(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = _snakemake(tmp_path, "--cores", "2")
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
    assert_every_file_is_declared(tmp_path)

    _assert_report(
        tmp_path,
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
    )


def _config_for(circuit_config: Path, name: str) -> str:
    """config.yaml with only circuit.config and circuit.name changed (every other line as it is)."""
    text = (REPO / "config.yaml").read_text()
    changed = text.replace("\n  name: v1\n", f"\n  name: {name}\n", 1).replace(
        "\n  config: null\n", f"\n  config: {circuit_config}\n", 1
    )
    ours, theirs = yaml.safe_load(changed), yaml.safe_load(text)
    assert ours["circuit"] == {**theirs["circuit"], "name": name, "config": str(circuit_config)}
    assert {k: v for k, v in ours.items() if k != "circuit"} == {
        k: v for k, v in theirs.items() if k != "circuit"
    }
    return changed


def _expected_classes(config: Path) -> dict[str, int]:
    """Cells per class of the simulated populations, read independently of v1sim's class code: pop_name
    where the circuit has it, else model_name (what every shared example has)."""
    counts: dict[str, int] = {}
    for files in load_circuit_config(config).nodes:
        for population in read_node_populations(files):
            table = population.table
            if (table["model_type"] == "virtual").all():
                continue
            names = table["pop_name"] if "pop_name" in table else table["model_name"]
            for name, n in names.value_counts().items():
                counts[name] = counts.get(name, 0) + int(n)
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_the_pipeline_runs_on_each_shared_example(example: str, tmp_path: Path) -> None:
    """Only circuit.config (and name) changed: every stage the circuit allows completes, the others are left
    out with one line when the DAG is built, classes are the circuit's, and the report builds."""
    config = require_shared("sonata", *EXAMPLES[example])
    (tmp_path / "config.yaml").write_text(_config_for(config, example))
    run = _snakemake(tmp_path, "--cores", "2")
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    log = run.stdout + run.stderr
    assert log.count("v1sim: grating experiment (and tuning) left out: ") == 1
    assert log.count("v1sim: simulate.poisson_hz.lgn left out: ") == 1
    results = tmp_path / "results" / example
    assert not (results / "tuning").exists() and not (results / "grating").exists()
    assert not (results / "inputs").exists()  # no Poisson input: the config's own inputs drive the circuit

    expected = _expected_classes(config)
    classes = pd.read_csv(results / "analysis" / "classes.csv", dtype={"cell_class": str})
    assert dict(zip(classes["cell_class"], classes["n_cells"], strict=True)) == expected
    assert classes["billeh_rate_hz"].isna().all()  # none of these classes is Billeh's
    assert classes["reference_mean_rate_hz"].notna().all()  # NEST's rates beside v1sim's
    comparison = json.loads((results / "compare" / "comparison.json").read_text())
    assert {row["cell_class"] for row in comparison["per_class"]} == set(expected)
    neurons = pd.read_parquet(results / "analysis" / "neurons.parquet")
    assert len(neurons) == sum(expected.values()) and neurons["ei"].isin(["e", "i"]).all()

    (simulated,) = {p for p in neurons["population"]}
    graph = json.loads((results / "graph" / "provenance.json").read_text())
    assert graph["edge_populations"] == [f"{simulated}_to_{simulated}"] and graph["n_nodes"] == len(neurons)
    communities = pd.read_csv(results / "graph" / "communities.csv")
    assert communities["nmi_layer"].isna().all() and communities["nmi_class"].between(0, 1).all()
    graph_classes = pd.read_csv(results / "graph" / "class_community.csv", dtype={"cell_class": str})
    assert set(graph_classes["cell_class"]) == set(expected)
    sequences = json.loads((results / "sequences" / "provenance.json").read_text())
    assert sequences["population"] == simulated
    picked = pd.read_csv(results / "sequences" / "neurons.csv", dtype={"cell_class": str})
    assert set(picked["cell_class"]) <= set(expected)
    if neurons["n_spikes"].sum() > 0:
        assert 0 < len(picked) <= 200
    else:  # point_iclamp: its sub-threshold clamps drive no spike
        assert sequences["no_spiking_cells"] and picked.empty
    for folder in ("figures", "graph_figures", "sequence_figures"):
        record = json.loads((results / folder / "provenance.json").read_text())
        assert all((results / folder / name).stat().st_size > 5_000 for name in record["figures"])
    assert_every_file_is_declared(tmp_path)  # the V_m reports of point_120cells and point_iclamp too

    _assert_report(
        tmp_path,
        "raster.png",
        "class_rates.png",
        "comparison.png",
        "community_graph.png",
        "sequence_raster.png",
    )
    assert "osi_dsi.png" not in (tmp_path / "results" / "report.html").read_text()
    assert np.isfinite(comparison["van_rossum_mean"])


def test_a_bad_config_value_is_refused_by_the_schema(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("circuit: {name: x}\nconvert: {chunk_edges: 5}\n")
    result = _snakemake(tmp_path, "--cores", "1", "-n")
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
