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
    network = tmp_path / "results" / "synthetic" / "network"
    nodes = pd.read_parquet(network / "nodes.parquet")
    assert (nodes["population"] == "v1").sum() == 2000
    assert len(pd.read_parquet(network / "edges" / "v1_to_v1.parquet")) == 200_000
    with h5py.File(network / "compiled_network.h5") as h5:
        assert h5["synapses/target"].shape == (200_000 + 2000 * 10 + 2000,)
    for rule in ("synthetic_circuit", "convert"):
        assert (tmp_path / "results" / "synthetic" / "logs" / f"{rule}.log").exists()
        assert (tmp_path / "results" / "synthetic" / "benchmarks" / f"{rule}.tsv").exists()
    assert (
        "converted 2,201 nodes" in (tmp_path / "results" / "synthetic" / "logs" / "convert.log").read_text()
    )


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
