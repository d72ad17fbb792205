"""The LGN stage: filter model against closed forms and against bmtk FilterNet; stimuli; spikes; bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from v1sim.errors import V1SimInputError
from v1sim.inputs.lgn import LGNResponder, LGNUnits, lgn_rates, lgn_spikes
from v1sim.inputs.lgn_filters import (
    SINGLE_TYPES,
    UNIT_TYPES,
    cosine_bump_kernel,
    spatial_kernels,
    spont_hz,
    temporal_params,
    unit_channels,
)
from v1sim.inputs.stimulus import DriftingGrating, FullFieldFlash, GrayScreen, Movie, Screen
from v1sim.reference.filternet import filternet_cell

SCREEN = Screen.for_grating(0.04)


def units_of(types, x=120.0, y=60.0, size=6.0, angle=30.0) -> LGNUnits:
    n = len(types)
    return LGNUnits(
        np.arange(n),
        np.array(types, dtype=object),
        np.full(n, x),
        np.full(n, y),
        np.full(n, size),
        np.full(n, angle),
        np.full(n, 6.0),
    )


def test_temporal_kernel_closed_form():
    params = temporal_params("sON_TF8")
    kernel = cosine_bump_kernel(params)
    (w0, w1), (k0, k1), (d0, d1) = params.weights, params.kpeaks, params.delays
    tau = np.arange(1, 601)
    db = np.log(200.3 / 100.3)

    def bump(peak):
        b = 0.5 * (1 + np.cos(np.clip((np.log(tau + 0.3) - np.log(peak)) * np.pi / (2 * db), -np.pi, np.pi)))
        return b / np.linalg.norm(b)

    c0 = np.r_[np.zeros(int(d0)), bump(k0)]
    c1 = np.r_[np.zeros(int(d1)), bump(k1)][: len(c0)]
    expected = w0 * c0 / np.linalg.norm(c0) + w1 * c1 / np.linalg.norm(c1)
    assert np.allclose(kernel, expected, atol=1e-15)


@pytest.mark.parametrize("unit_type", SINGLE_TYPES)
def test_impulse_response_is_spont_plus_signed_kernel(unit_type):
    """A 1-frame full-field flash of contrast c: rate = max(0, spont ± c·K[n − onset])."""
    onset, contrast = 50, 0.2
    flash = FullFieldFlash(duration_ms=800.0, on_ms=onset - 1, off_ms=onset, contrast=contrast)
    rates = lgn_rates(units_of([unit_type]), flash)[0]
    channel = unit_channels(unit_type)[0]
    expected = np.full(flash.n_frames, channel.offset_hz)
    k = channel.kernel[: flash.n_frames - onset]
    expected[onset : onset + len(k)] += channel.amplitude * contrast * k
    assert np.allclose(rates, np.maximum(expected, 0.0), atol=1e-12)
    assert channel.offset_hz == pytest.approx(spont_hz(unit_type))


@pytest.mark.parametrize("unit_type", ["sON_TF4", "sOFF_TF2", "tOFF_TF8"])
def test_grating_response_matches_closed_form(unit_type):
    """Long after onset a grating gives spont ± c·|G|·|K̂(ω)|·sin(arg G + φ + arg K̂ − ωτ) (before rectifying)."""
    stim = DriftingGrating(60.0, 2000.0, sf_cpd=0.04, tf_hz=2.0, contrast=0.3, phase_deg=40.0)
    units = units_of([unit_type], x=101.3, y=57.9, size=7.0)
    rates = lgn_rates(units, stim)[0]
    kx, ky = spatial_kernels(units.x_deg, units.y_deg, units.spatial_size_deg / 3, SCREEN.x_deg, SCREEN.y_deg)
    frame0 = np.sin(
        2
        * np.pi
        * 0.04
        * (SCREEN.x_deg[None, :] * np.cos(np.pi / 3) + SCREEN.y_deg[:, None] * np.sin(np.pi / 3))
    )
    frame90 = np.cos(
        2
        * np.pi
        * 0.04
        * (SCREEN.x_deg[None, :] * np.cos(np.pi / 3) + SCREEN.y_deg[:, None] * np.sin(np.pi / 3))
    )
    kernel2d = np.outer(ky[0], kx[0])
    g = (kernel2d * frame90).sum() + 1j * (kernel2d * frame0).sum()  # Σ S·e^{i k·p}
    channel = unit_channels(unit_type)[0]
    omega = 2 * np.pi * 2.0 / 1000.0  # rad per ms
    khat = np.sum(channel.kernel * np.exp(1j * omega * np.arange(len(channel.kernel))))
    t = np.arange(1000, 2001)
    linear = 0.3 * np.imag(g * np.exp(1j * np.deg2rad(40.0)) * khat * np.exp(-1j * omega * t))
    expected = np.maximum(channel.offset_hz + channel.amplitude * linear, 0.0)
    assert np.allclose(rates[1000:], expected, atol=1e-9)


@pytest.mark.parametrize("unit_type", UNIT_TYPES)
def test_mean_rate_is_monotone_in_contrast(unit_type):
    units = units_of([unit_type])
    responder = LGNResponder(units, SCREEN)
    # steady state (the 600 ms kernel has forgotten the onset), two whole periods of the 2 Hz grating
    means = [
        responder.rates(DriftingGrating(0.0, 2500.0, contrast=c, gray_ms=500.0))[0, 1500:2500].mean()
        for c in (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
    ]
    assert np.all(np.diff(means) >= -1e-12), means
    assert means[-1] > means[0]


def test_movie_path_equals_grating_closed_form():
    rng = np.random.default_rng(0)
    n = 40
    units = LGNUnits(
        np.arange(n),
        rng.choice(np.array(UNIT_TYPES, dtype=object), n),
        rng.uniform(0, 240, n),
        rng.uniform(0, 120, n),
        rng.uniform(2, 9, n),
        rng.uniform(0, 360, n),
        np.full(n, 6.0),
    )
    stim = DriftingGrating(75.0, 400.0, gray_ms=50.0)
    movie = Movie(stim.frames(SCREEN).astype(np.float64), SCREEN)
    assert np.allclose(lgn_rates(units, stim), lgn_rates(units, movie), atol=1e-5)
    gray = lgn_rates(units, GrayScreen(100.0), SCREEN)
    assert np.allclose(gray, gray[:, :1])  # constant: the spontaneous rates


# --- against bmtk FilterNet ---------------------------------------------------------------------------------


def bmtk_rates(unit_type: str, node: dict, theta: float, duration_s: float, gray_s: float) -> np.ndarray:
    """bmtk 1.2 FilterNet's rate time course of one unit: its cell loader and evaluation, on its grating movie."""
    from bmtk.simulator.filternet.lgnmodel.movie import GratingMovie

    cell = filternet_cell(node, unit_type)
    # y_dir="up": the grating drifts along (cos θ, sin θ) in the units' (x, y) frame, as ours
    movie = GratingMovie(row_size=120, col_size=240, frame_rate=1000.0, y_dir="up").create_movie(
        t_min=0.0,
        t_max=duration_s,
        gray_screen_dur=gray_s,
        cpd=0.04,
        temporal_f=2.0,
        theta=theta,
        contrast=0.8,
    )
    _, rates = cell.evaluate(movie, separable=False)
    return np.asarray(rates, dtype=np.float64)


@pytest.mark.parametrize("unit_type", UNIT_TYPES)
def test_rates_equal_bmtk_filternet(unit_type):
    """Every one of the 14 unit types, one unit each at its own position, size and angle: our rates equal
    FilterNet's time course (and so its mean within 5 %, the issue's bar) for the same grating."""
    k = UNIT_TYPES.index(unit_type)
    node = {
        "x": 30.0 + 13.1 * k,
        "y": 20.0 + 5.3 * k,
        "spatial_size": 3.0 + 0.4 * k,
        "tuning_angle": 25.0 * k,
    }
    node["sf_sep"] = 6.0
    theta = 45.0 * (k % 8)
    gray_s = 0.2 if k % 2 else 0.0  # with and without a gray screen before the grating
    theirs = bmtk_rates(unit_type, node, theta, 0.8, gray_s)
    units = LGNUnits(
        np.array([0]),
        np.array([unit_type], dtype=object),
        np.array([node["x"]]),
        np.array([node["y"]]),
        np.array([node["spatial_size"]]),
        np.array([node["tuning_angle"]]),
        np.array([6.0]),
    )
    ours = lgn_rates(units, DriftingGrating(theta, 800.0, gray_ms=1000.0 * gray_s))[0]
    assert len(ours) == len(theirs)
    assert np.allclose(ours, theirs, atol=1e-9)
    assert abs(ours.mean() / theirs.mean() - 1) < 0.05


# --- spikes, stage, bad input -------------------------------------------------------------------------------


def test_spikes_are_poisson_at_the_rates_and_seeded():
    rates = np.full((200, 2001), 20.0)
    ids, times = lgn_spikes(rates, np.arange(200) + 1000, seed=3, trial=1)
    assert abs(len(times) / (200 * 2.0) - 20.0) < 3 * np.sqrt(20.0 / 400)  # Hz, 3 standard errors
    assert times.min() >= 0 and times.max() < 2000 and np.all(np.diff(times) >= 0)
    assert set(np.unique(ids)) <= set(range(1000, 1200))
    again = lgn_spikes(rates, np.arange(200) + 1000, seed=3, trial=1)
    assert np.array_equal(again[1], times)
    assert not np.array_equal(lgn_spikes(rates, np.arange(200) + 1000, seed=3, trial=2)[1][:50], times[:50])


def test_stimulus_validation():
    with pytest.raises(V1SimInputError, match=r"stimulus\.contrast"):
        DriftingGrating(0.0, 100.0, contrast=1.5)
    with pytest.raises(V1SimInputError, match=r"stimulus\.duration_ms"):
        DriftingGrating(0.0, -5.0)
    with pytest.raises(V1SimInputError, match="movie"):
        Movie(np.zeros((10, 3, 3)), SCREEN)
    with pytest.raises(V1SimInputError, match="unknown LGN unit type 'xON_TF9'"):
        lgn_rates(units_of(["xON_TF9"]), GrayScreen(10.0))
    with pytest.raises(V1SimInputError, match="off the screen"):
        lgn_rates(units_of(["sON_TF8"], x=900.0), GrayScreen(10.0))


def test_lgn_stage_on_a_built_column(built_v1_network, tmp_path):
    from v1sim.sonata.spikes import read_spikes

    nodes = built_v1_network / "nodes.parquet"
    out = tmp_path / "lgn.h5"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "v1sim",
            "lgn",
            str(nodes),
            str(out),
            "--duration",
            "300",
            "--direction",
            "90",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    spikes = read_spikes(out)["lgn"]
    record = json.loads(out.with_suffix(".h5.json").read_text())
    assert record["spikes"] == len(spikes[1]) > 0 and record["stimulus"]["direction_deg"] == 90.0
    movie = tmp_path / "movie.npy"
    np.save(movie, np.zeros((101, len(SCREEN.y_deg), len(SCREEN.x_deg))))
    run = subprocess.run(
        [sys.executable, "-m", "v1sim", "lgn", str(nodes), str(tmp_path / "m.h5"), "--movie", str(movie)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    for extra, kind in ((["--gray"], "GrayScreen"), (["--flash", "50", "80"], "FullFieldFlash")):
        out = tmp_path / f"{kind}.h5"
        run = subprocess.run(
            [sys.executable, "-m", "v1sim", "lgn", str(nodes), str(out), "--duration", "200", *extra],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(out.with_suffix(".h5.json").read_text())["stimulus"]["kind"] == kind
    np.save(movie, np.zeros((101, len(SCREEN.y_deg), len(SCREEN.x_deg)), dtype=np.int16))
    run = subprocess.run(
        [sys.executable, "-m", "v1sim", "lgn", str(nodes), str(tmp_path / "int.h5"), "--movie", str(movie)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "movie.npy: dtype:" in run.stderr
    np.save(movie, np.zeros((5, 3, 3)))
    run = subprocess.run(
        [sys.executable, "-m", "v1sim", "lgn", str(nodes), str(tmp_path / "bad.h5"), "--movie", str(movie)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "movie.npy: movie:" in run.stderr
    assert not (tmp_path / "bad.h5").exists()
