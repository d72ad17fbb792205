"""The figures embedded in the builder are those of the Allen reference tables and example cell models."""

from __future__ import annotations

import json

import pytest

from tests.conftest import require_shared
from v1sim.builder import published_figures as figures
from v1sim.taxonomy import parse_class


def test_embedded_tables_equal_what_the_reference_tables_give() -> None:
    derived = figures.derive_figures(require_shared("reference", "allen-biorealistic-v1"))
    assert set(derived) >= {
        "PMAX",
        "SIGMA_UM",
        "LATENCY_MS",
        "PSP_MV",
        "LGN_MODELS",
        "LGN_PARAMS",
        "BACKGROUND",
    }
    for name, value in derived.items():
        assert getattr(figures, name) == value, name


def test_glif_parameter_sets_equal_the_allen_cell_models() -> None:
    folder = require_shared("sonata", "point_450glifs", "examples", "point_components", "cell_models")
    for specimen, params in figures.GLIF3_SETS.items():
        source = json.loads((folder / f"{specimen}_glif_lif_asc_psc.json").read_text())
        for key, value in params.items():
            assert source[key] == value, (specimen, key)


def test_every_class_maps_onto_the_figures() -> None:
    assert len(figures.CLASSES) == 21
    assert sum(c.n_full for c in figures.CLASSES) == 230_924
    assert sum(c.n_core for c in figures.CLASSES) == 51_978
    for cls in figures.CLASSES:
        assert cls.pmax_type in figures.PMAX_TYPES
        assert cls.latency_type in figures.LATENCY_TYPES
        assert cls.psp_type in figures.PSP_TYPES
        assert cls.name in figures.LGN_PARAMS and cls.name in figures.BACKGROUND
        assert all(s in figures.GLIF3_SETS for s in cls.glif_sets)
        parsed = parse_class(cls.name)  # the class's E/I and layer are those its name says
        assert parsed is not None and (cls.ei, cls.layer) == (parsed.ei, parsed.location)


@pytest.mark.parametrize("name", ["PMAX", "LATENCY_MS", "PSP_MV"])
def test_square_tables(name: str) -> None:
    table = getattr(figures, name)
    assert len({len(row) for row in table}) == 1 and len(table) == len(table[0])
