"""The pipeline as a DAG: one finished run of a tiny config, then

* every file under results/ is a declared output, log or benchmark of a job (a directory() output counts
  as its contents), and every declared one is there;
* editing one config key at a time, ``snakemake -n`` (default rerun triggers) reruns exactly the jobs whose
  outputs the key changes, and the jobs that read theirs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.circuits import CircuitSpec, make_circuit
from tests.snakemake_jobs import assert_every_file_is_declared, dry_run, snakemake

#: A tiny run of every stage: the built-in column at 0.5 %, 200 ms, 3 grating directions of 1 trial, NEST on.
TINY = {
    "circuit": {"name": "tiny", "scale": 0.005, "seed": 0},
    "simulate": {"tstop_ms": 200.0, "dt_ms": 0.25, "threads": 1},
    "nest": {"compare": True, "threads": 1},
    "analysis": {"umap_cells": 50, "correlation_cells_per_class": 5},
    "sequences": {"n_neurons": 20, "sweeps": 10, "anneal_sweeps": 5},
    "grating": {"directions_deg": [0, 120, 240], "trials": 1, "duration_ms": 150.0, "gray_ms": 50.0},
    "graph": {"k": [2, 4], "methods": ["louvain"]},
}


def _write_config(workdir: Path, changes: dict | None = None) -> None:
    config = {section: dict(values) for section, values in TINY.items()}
    for section, values in (changes or {}).items():
        config.setdefault(section, {}).update(values)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with the tiny config, its pipeline run to the end."""
    workdir = tmp_path_factory.mktemp("dag")
    _write_config(workdir)
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return workdir


@pytest.mark.slow
def test_every_file_the_pipeline_writes_is_declared(finished: Path) -> None:
    assert_every_file_is_declared(finished)


TRIALS = [f"[{d}/0]" for d in (0, 120, 240)]
SIMULATION_READERS = {"analyse", "figures", "compare_nest", "sequences", "sequence_figures", "graph", "graph_figures"}
GRATING = {*(f"grating_lgn{t}" for t in TRIALS), *(f"grating_simulate{t}" for t in TRIALS), "tuning", "tuning_figures"}

RERUNS = {
    "nothing changed": ({}, set()),
    "threads are resources": (
        {"simulate": {"threads": 2}, "nest": {"threads": 2}, "graph": {"threads": 2}},
        set(),
    ),
    "simulate.dtype": (
        {"simulate": {"dtype": "float64"}},  # v1sim's simulations and their readers; never NEST
        {"simulate", *SIMULATION_READERS, *(f"grating_simulate{t}" for t in TRIALS), "tuning", "tuning_figures"},
    ),
    "simulate.tstop_ms": (
        {"simulate": {"tstop_ms": 250.0}},  # the spontaneous run, not the gratings
        {"poisson_inputs", "simulate", "simulate_nest", *SIMULATION_READERS},
    ),
    "grating.trials": (
        {"grating": {"trials": 2}},  # only the new trials, then tuning
        {
            *(f"grating_lgn[{d}/1]" for d in (0, 120, 240)),
            *(f"grating_simulate[{d}/1]" for d in (0, 120, 240)),
            "tuning",
            "tuning_figures",
        },
    ),
    "grating.directions_deg": (
        {"grating": {"directions_deg": [0, 120, 240, 300.5]}},
        {"grating_lgn[300.5/0]", "grating_simulate[300.5/0]", "tuning", "tuning_figures"},
    ),
    "grating.contrast": ({"grating": {"contrast": 0.5}}, GRATING),
    "analysis.max_raster_points": ({"analysis": {"max_raster_points": 10}}, {"figures"}),
    "analysis.bin_ms": (
        {"analysis": {"bin_ms": 20.0}},  # the tables, their figures, the graph's traffic (it reads the rates)
        {"analyse", "figures", "graph", "graph_figures"},
    ),
    "graph.k": ({"graph": {"k": [2]}}, {"graph", "graph_figures"}),
    "sequences.sweeps": ({"sequences": {"sweeps": 20}}, {"sequences", "sequence_figures"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", RERUNS)
def test_an_edit_reruns_exactly_the_jobs_it_changes(finished: Path, key: str) -> None:
    changes, expected = RERUNS[key]
    _write_config(finished, changes)
    try:
        rerun = sorted(job.name for job in dry_run(finished))
    finally:
        _write_config(finished)
    assert rerun == sorted(expected)


def test_direction_labels_cannot_collide_in_the_dag(tmp_path: Path) -> None:
    """90 and 90.00001 are two trials; 1e-7 is one (it used to be a MissingInputException)."""
    _write_config(tmp_path, {"grating": {"directions_deg": [1e-7, 90, 90.00001]}})
    jobs = dry_run(tmp_path)
    assert sorted(job.name for job in jobs if job.rule == "grating_simulate") == [
        "grating_simulate[0.0000001/0]",
        "grating_simulate[90.00001/0]",
        "grating_simulate[90/0]",
    ]


def test_a_null_run_length_without_a_fallback_is_refused_when_the_dag_is_built(tmp_path: Path) -> None:
    circuit = make_circuit(tmp_path / "circuit", CircuitSpec(config_kind="circuit"))  # no run section
    work = tmp_path / "work"
    work.mkdir()
    _write_config(work, {"circuit": {"config": str(circuit)}, "simulate": {"tstop_ms": None}})
    result = snakemake(work, "--dry-run", "--cores", "1")
    assert result.returncode != 0
    expected = f"error: config.yaml: simulate.tstop_ms: null, and {circuit} has no run.tstop to take it from"
    assert expected in (result.stdout + result.stderr).splitlines(), (result.stdout + result.stderr)[-2000:]
