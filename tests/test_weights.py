"""Weights of edges with the release's weight functions equal an independent, edge-by-edge computation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.circuits import V1_EDGE_TYPES, CircuitSpec, make_circuit
from v1sim.errors import V1SimInputError
from v1sim.network import weights
from v1sim.network.convert import convert_circuit


def angular_distance(a: float, b: float) -> float:
    """Smallest angle between two directions, degrees (written independently of the package)."""
    d = (a - b) % 360.0
    return min(d, 360.0 - d)


def distance_from_horizontal(angle: float) -> float:
    """0 for a direction along x (0° or 180°), 90 for one along z (90° or 270°)."""
    a = angle % 180.0
    return min(a, 180.0 - a)


def expected_factor(function: str | None, sigma: float, src: pd.Series, trg: pd.Series) -> float:
    if function is None:
        return 1.0
    tuning = math.exp(-((angular_distance(src.tuning_angle, trg.tuning_angle) / sigma) ** 2))
    if function == "DirectionRule_others":
        return tuning
    theta = math.radians(trg.tuning_angle)
    along = 0.07 * (trg.x - src.x) * math.cos(theta) + 0.04 * (trg.z - src.z) * math.sin(theta)
    scale = 5.5 / 4.0 - 11.0 / 1680.0 * distance_from_horizontal(trg.tuning_angle)
    return tuning * math.exp(-(along**2) / 2.0) * scale


@pytest.mark.parametrize("per_edge_weight", [False, True])
def test_weights_equal_the_formula_edge_by_edge(tmp_path: Path, per_edge_weight: bool) -> None:
    config = make_circuit(
        tmp_path / "c", CircuitSpec(n_glif=60, n_iaf=10, n_edges=1500, per_edge_weight=per_edge_weight)
    )
    convert_circuit(config, tmp_path / "out", progress=False)
    nodes = (
        pd.read_parquet(tmp_path / "out" / "nodes.parquet").query("population == 'v1'").set_index("node_id")
    )
    edges = pd.read_parquet(tmp_path / "out" / "edges" / "v1_to_v1.parquet")
    types = {t[0]: (t[7], t[8]) for t in V1_EDGE_TYPES}
    seen = {"DirectionRule_EE": 0, "DirectionRule_others": 0, None: 0}
    for edge in edges.itertuples():
        function, sigma = types[edge.edge_type_id]
        factor = expected_factor(
            function, sigma, nodes.loc[edge.source_node_id], nodes.loc[edge.target_node_id]
        )
        assert edge.weight_pa == pytest.approx(edge.syn_weight * edge.nsyns * factor, rel=1e-12, abs=1e-15)
        seen[function] += 1
    assert min(seen.values()) >= 20, seen


@pytest.mark.parametrize(
    ("source", "target", "delta"),
    [
        (1.0, 359.0, 2.0),
        (359.0, 1.0, 2.0),
        (0.0, 180.0, 180.0),
        (10.0, 190.0, 180.0),
        (350.0, 170.0, 180.0),
        (720.0, 5.0, 5.0),
        (-10.0, 10.0, 20.0),
        (90.0, 270.0, 180.0),
        (45.0, 45.0, 0.0),
    ],
)
def test_tuning_difference_wraps_around(source: float, target: float, delta: float) -> None:
    assert weights.fold_180(np.array([target - source]))[0] == pytest.approx(delta)
    expected = math.exp(-((delta / 30.0) ** 2))
    assert weights.tuning_factor(np.array([source]), np.array([target]), np.array([30.0]))[
        0
    ] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("angle", "scale"),
    [
        (0.0, 5.5 / 4),
        (180.0, 5.5 / 4),
        (90.0, 5.5 / 7),
        (270.0, 5.5 / 7),
        (360.0, 5.5 / 4),
        (45.0, 5.5 / 4 - 11 / 1680 * 45),
        (135.0, 5.5 / 4 - 11 / 1680 * 45),
    ],
)
def test_direction_rule_ee_orientation_scale(angle: float, scale: float) -> None:
    one = np.array([1.0])
    value = weights.direction_rule_ee(
        one * angle, one * angle, one * 30.0, one * 0, one * 0, one * 0, one * 0
    )
    assert value[0] == pytest.approx(scale)


def test_unknown_weight_function_is_an_error(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec())
    types_csv = tmp_path / "c" / "network" / "v1_v1_edge_types.csv"
    types_csv.write_text(types_csv.read_text().replace("DirectionRule_others", "GaussianLL"))
    with pytest.raises(V1SimInputError, match="unknown weight function 'GaussianLL'") as info:
        convert_circuit(config, tmp_path / "out", progress=False)
    assert info.value.field == "weight_function"
    assert not (tmp_path / "out").exists()
