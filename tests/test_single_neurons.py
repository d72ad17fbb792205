"""Single neurons, float64: the five Allen GLIF3 cells and an iaf_psc_alpha cell against NEST 3.10.

Each cell gets the same Poisson spike trains on every receptor port (excitatory and inhibitory, several
delays, off-grid spike times) for 10 s at dt 0.1 and 0.25 ms. Spike times must be identical and the V_m trace
within 1e-9 mV of NEST's at every step; the total synaptic current within 1e-9 pA.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import require_shared
from tests.single_neuron import Drive, assert_equals_nest, poisson_times, run_cases

TSTOP_MS = 10_000.0
DTS = (0.1, 0.25)


def _poisson(rng: np.random.Generator, rate_hz: float) -> list[float]:
    return poisson_times(rng, rate_hz, TSTOP_MS)


def _cases() -> list[dict]:
    folder = require_shared("sonata", "point_450glifs", "examples", "point_components", "cell_models")
    rng = np.random.default_rng(2026)
    cells = [*sorted(folder.glob("*_glif_lif_asc_psc.json")), folder / "IntFire1_exc_point.json"]
    cases = []
    for path in cells:
        params = json.loads(path.read_text())
        if path.name.endswith("_glif_lif_asc_psc.json"):
            model = "glif_psc"
            drives = [
                Drive(_poisson(rng, 400), 60.0, 1.0, 1),
                Drive(_poisson(rng, 200), -40.0, 1.5, 2),
                Drive(_poisson(rng, 300), 50.0, 2.0, 3),
                Drive(_poisson(rng, 100), -30.0, 0.7, 4),
            ]
        else:
            model = "iaf_psc_alpha"
            drives = [Drive(_poisson(rng, 600), 120.0, 1.0, 0), Drive(_poisson(rng, 200), -100.0, 1.5, 0)]
        for dt in DTS:
            cases.append(
                {
                    "name": f"{path.stem}-dt{dt}",
                    "model": model,
                    "params": params,
                    "drives": drives,
                    "dt": dt,
                    "tstop": TSTOP_MS,
                }
            )
    return cases


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, dict, dict]]:
    pytest.importorskip("nest", reason="NEST is part of the test environment (pip install -e .[dev])")
    return run_cases(_cases(), tmp_path_factory.mktemp("nest_single"))


def test_twelve_cases_cover_every_cell_and_both_steps(runs: list) -> None:
    assert len(runs) == 12
    assert {c["model"] for c, _, _ in runs} == {"glif_psc", "iaf_psc_alpha"}


@pytest.mark.parametrize("index", range(12))
def test_spikes_identical_and_v_m_within_1e_9(runs: list, index: int) -> None:
    assert_equals_nest(*runs[index])
