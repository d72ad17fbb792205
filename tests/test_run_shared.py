"""Every PointNet simulation config under ``../shared/sonata/`` with a NEST 3.10 reference runs unmodified with
``v1sim run CONFIG`` from its example's folder (as bmtk users run it): in float64 its spikes are NEST's (same node
ids, same time steps), and where the config asks for a V_m report, the report is within 1e-9 mV of NEST's at every
sample NEST stored. Outputs go to --output-dir (nothing is written into ../shared). The point_120cells and
point_iclamp configs use ``nest:iaf_psc_delta`` cells and current clamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_shared
from v1sim.cli import main
from v1sim.sonata.reports import read_report
from v1sim.sonata.spikes import read_spikes

#: (folder under shared/sonata, config file, reference folder under shared/sonata)
SPIKE_ONLY = [
    (
        "bmtk_point/examples/point_450cells",
        "config.simulation.json",
        "bmtk_point/nest_reference/point_450cells/config.simulation",
    ),
    ("point_450glifs/examples/point_450glifs", "config.simulation.json", "point_450glifs/nest_reference"),
    ("300_pointneurons/examples/300_pointneurons", "config.json", "300_pointneurons/nest_reference"),
]
WITH_REPORT = [
    (f"bmtk_point/examples/{example}", f"{name}.json", f"bmtk_point/nest_reference/{example}/{name}")
    for example, names in (
        (
            "point_120cells",
            (
                "config.simulation",
                "config.simulation_iclamp",
                "config.simulation_iclamp.aslist",
                "config.simulation_iclamp.csv",
                "config.simulation_perturbations",
            ),
        ),
        (
            "point_iclamp",
            ("config.simulation_iclamp", "config.simulation_iclamp.aslist", "config.simulation_iclamp.csv"),
        ),
    )
    for name in names
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One network cache for the module: point_120cells and point_iclamp share their network files' contents."""
    return tmp_path_factory.mktemp("shared_cache")


def _run(folder: str, config: str, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    example = require_shared("sonata", *folder.split("/"))
    monkeypatch.chdir(example)
    args = ["run", config, "--dtype", "float64", "--device", "cpu", "--output-dir", str(out)]
    assert main([*args, "--network-cache", str(cache), "--no-progress"]) == 0
    return out


def _spike_steps(path: Path, dt: float) -> list[tuple[str, int, int]]:
    out = []
    for population, (ids, times) in read_spikes(path).items():
        steps = np.round(times / dt).astype(int)
        assert np.allclose(steps * dt, times, rtol=0, atol=dt * 1e-6), "spike times off the time grid"
        out += list(zip([population] * len(ids), ids.tolist(), steps.tolist(), strict=True))
    return sorted(out)


def _dt(reference: Path) -> float:
    import json

    return float(json.loads((reference / "run_config.json").read_text())["run"]["dt"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "config", "reference"), SPIKE_ONLY, ids=[s[0].split("/")[-1] for s in SPIKE_ONLY]
)
def test_spikes_equal_nest(
    folder: str, config: str, reference: str, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = require_shared("sonata", *reference.split("/"))
    out = _run(folder, config, tmp_path / "out", cache, monkeypatch)
    dt = _dt(ref)
    theirs = _spike_steps(ref / "spikes.h5", dt)
    assert len(theirs) > 1000
    assert _spike_steps(out / "spikes.h5", dt) == theirs
    if folder.startswith(
        "300"
    ):  # its membrane_report of node set recorded_cells (node_sets.json): no reference
        (report,) = read_report(out / "membrane_potential.h5").values()
        assert report.node_ids.tolist() == [0, 80, 160, 240, 270] and len(report.data) == 150_000


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "config", "reference"), WITH_REPORT, ids=[f"{s[0].split('/')[-1]}/{s[1]}" for s in WITH_REPORT]
)
def test_spikes_and_v_m_equal_nest(
    folder: str, config: str, reference: str, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = require_shared("sonata", *reference.split("/"))
    out = _run(folder, config, tmp_path / "out", cache, monkeypatch)
    dt = _dt(ref)
    assert _spike_steps(out / "spikes.h5", dt) == _spike_steps(ref / "spikes.h5", dt)
    theirs = read_report(ref / "v_m.h5")["cortex"]
    mine = read_report(out / "membrane_potential.h5")["cortex"]
    assert mine.node_ids.tolist() == theirs.node_ids.tolist() == [0, 20, 60, 80, 100]
    # NEST's samples (every 10th where the reference was thinned) at t = first + k * step; ours every interval
    rows = np.round((theirs.times_ms - mine.start_ms) / mine.step_ms).astype(int)
    assert np.allclose(mine.times_ms[rows], theirs.times_ms, rtol=0, atol=1e-9)
    assert np.abs(mine.data[rows] - theirs.data).max() <= 1e-9


@pytest.mark.parametrize("example", ["point_120cells", "point_iclamp"])
def test_nwb_clamp_without_its_sweep_file_is_one_clear_line(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = require_shared("sonata", "bmtk_point", "examples", example)
    monkeypatch.chdir(folder)
    config = "config.simulation_iclamp.nwb.json"
    status = main(
        ["run", config, "--output-dir", str(tmp_path / "out"), "--network-cache", str(tmp_path / "c")]
    )
    err = capsys.readouterr().err.strip()
    missing = (
        "/local1/Downloads/483111427_ephys.nwb"
        if example == "point_120cells"
        else str(folder / "inputs" / "483111427_ephys.nwb")
    )
    assert status == 2 and len(err.splitlines()) == 1
    assert (
        err == f"v1sim run: error: {folder / config}: inputs.current_clamp_1.file: file not found: {missing}"
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()
