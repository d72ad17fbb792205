"""The synthetic benchmark circuit: exact counts, both weight functions, byte-identical for a seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from v1sim.builder.synthetic import CLASSES, FULL_V1, SyntheticSpec, write_synthetic_circuit
from v1sim.network.convert import convert_circuit

SMALL = SyntheticSpec(
    n_v1=500, n_v1_edges=20_000, n_lgn=40, lgn_in_degree=5, n_node_types=30, n_edge_types=200
)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_edges(tmp_path: Path) -> None:
    write_synthetic_circuit(SMALL, tmp_path / "a")
    write_synthetic_circuit(SMALL, tmp_path / "b")
    write_synthetic_circuit(SMALL.replace(seed=1), tmp_path / "c")
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert a == b and len(a) > 10
    assert a["network/v1_v1_edges.h5"] != c["network/v1_v1_edges.h5"]


def test_counts_types_and_structure(tmp_path: Path) -> None:
    config = write_synthetic_circuit(SMALL, tmp_path / "c")
    summary = convert_circuit(config, tmp_path / "out", progress=False)
    assert summary.node_populations == {"v1": 500, "lgn": 40, "bkg": 1}
    assert summary.edge_populations == {"v1_to_v1": 20_000, "lgn_to_v1": 2_500, "bkg_to_v1": 500}
    nodes = pd.read_parquet(tmp_path / "out" / "nodes.parquet").query("population == 'v1'")
    assert set(nodes["pop_name"]) == {c[0] for c in CLASSES}
    assert nodes["node_type_id"].nunique() == 30
    edges = pd.read_parquet(tmp_path / "out" / "edges" / "v1_to_v1.parquet")
    assert 190 <= edges["edge_type_id"].nunique() <= 200  # a rare (type, class) pair may draw no edge
    assert not (edges["source_node_id"] == edges["target_node_id"]).any()
    assert not edges.duplicated(["source_node_id", "target_node_id"]).any()
    assert edges["nsyns"].between(3, 7).all()
    types = pd.read_csv(tmp_path / "c" / "network" / "v1_v1_edge_types.csv", sep=" ")
    assert set(types["weight_function"]) == {"DirectionRule_EE", "DirectionRule_others"}
    assert set(types["weight_sigma"]) == {30.0, 50.0, 90.0}


def test_full_scale_spec_has_the_release_sizes() -> None:
    spec = SyntheticSpec.full_scale()
    assert (spec.n_v1, spec.n_v1_edges, spec.n_edge_types, spec.n_lgn) == (230_924, 70_139_111, 1_783, 17_400)
    assert FULL_V1 == 230_924
    spec.validate()


@pytest.mark.parametrize("change", [{"n_v1": 10}, {"n_edge_types": 10}, {"lgn_in_degree": 10_000}])
def test_impossible_specs_are_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        SMALL.replace(**change).validate()
