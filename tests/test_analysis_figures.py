"""Every analysis figure renders from a small simulation's outputs; the raster shows exactly its spikes."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import matplotlib.image
import numpy as np
import pytest

from tests.circuits import CircuitSpec, make_circuit
from v1sim.analysis.activity import load_activity
from v1sim.analysis.run import AnalysisSettings, analyse
from v1sim.network.convert import convert_circuit
from v1sim.plots import analysis as plots
from v1sim.plots.figures import FIGURES, draw_figures
from v1sim.simulation import RunSettings, run_simulation

T_START, T_STOP = 50.0, 400.0


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("analysis_figures")
    config = make_circuit(root / "circuit", CircuitSpec(n_glif=120, n_iaf=40, n_edges=3000, n_lgn_edges=400))
    convert_circuit(config, root / "network", progress=False)
    settings = RunSettings(tstop_ms=T_STOP, dt_ms=0.25, device="cpu", poisson_hz={"lgn": 300.0}, seed=2)
    run_simulation(root / "network", root / "simulation", settings=settings)
    analyse(
        root / "simulation" / "spikes.h5",
        root / "network" / "nodes.parquet",
        T_STOP,
        root / "analysis",
        AnalysisSettings(bin_ms=5.0, correlation_bin_ms=20.0, t_start_ms=T_START),
    )
    return root


def _spike_times_in_window(path: Path) -> np.ndarray:
    with h5py.File(path) as h5:
        times = h5["spikes/v1/timestamps"][:]
    return times[(times >= T_START) & (times < T_STOP)]


def test_every_figure_renders_as_a_non_trivial_image(simulated: Path) -> None:
    out = simulated / "figures"
    summary = draw_figures(
        simulated / "analysis",
        simulated / "simulation" / "spikes.h5",
        simulated / "network" / "nodes.parquet",
        out,
    )
    assert summary["raster_mode"] == "points"
    assert (
        summary["raster_spikes"] == len(_spike_times_in_window(simulated / "simulation" / "spikes.h5")) > 200
    )
    for name in FIGURES:
        image = matplotlib.image.imread(out / name)
        assert image.shape[0] >= 250 and image.shape[1] >= 350, name
        ink = 1.0 - image[..., :3].mean(axis=-1)
        assert (ink > 0.1).mean() > 0.002, f"{name} is blank"
        assert image[..., :3].std() > 0.02, name
    for name in ("class_rates", "population_rate", "isi_cv", "correlations"):
        assert (out / f"{name}.svg").stat().st_size > 5_000
    assert json.loads((out / "provenance.json").read_text())["stage"] == "figures"


def test_the_raster_image_holds_every_spike_in_its_range_where_it_belongs(simulated: Path) -> None:
    spikes = simulated / "simulation" / "spikes.h5"
    activity = load_activity(spikes, simulated / "network" / "nodes.parquet", T_STOP, T_START)
    drawn = plots.raster(activity, simulated / "raster_image.png", max_points=10, pixels=(40, 70))
    assert drawn.mode == "image" and drawn.counts.shape == (40, 70)
    times = _spike_times_in_window(spikes)
    assert drawn.counts.sum() == drawn.n_spikes == len(times)
    # columns are time: their totals are the spike-time histogram
    assert np.array_equal(drawn.counts.sum(axis=0), np.histogram(times, bins=70, range=(T_START, T_STOP))[0])
    # rows are cells from the pia down: their totals are the spike counts of the cells in those depth ranks
    rank = plots.depth_order(activity)
    row = np.arange(activity.n_cells) * 40 // activity.n_cells
    per_row = np.bincount(row[rank], weights=activity.spike_counts(), minlength=40)
    assert np.array_equal(drawn.counts.sum(axis=1), per_row)
    # and the image is as dark as its counts: blank pixels stay white, each pixel with spikes is inked
    image = matplotlib.image.imread(simulated / "raster_image.png")
    assert (1.0 - image[..., :3].mean(axis=-1) > 0.05).sum() > 0.2 * (drawn.counts > 0).sum()


def test_depth_order_puts_the_pia_first(simulated: Path) -> None:
    activity = load_activity(
        simulated / "simulation" / "spikes.h5", simulated / "network" / "nodes.parquet", T_STOP, T_START
    )
    rank = plots.depth_order(activity)
    y_by_rank = np.empty(activity.n_cells)
    y_by_rank[rank] = activity.cells["y"].to_numpy()
    assert np.all(np.diff(y_by_rank) <= 0)
