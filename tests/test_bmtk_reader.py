"""Our node and edge tables against bmtk's own SONATA reader (``bmtk.utils.sonata``) on the same files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bmtk.utils.sonata import File

from tests.circuits import CircuitSpec, make_circuit
from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.models.nest_defaults import NEST_DEFAULT_DELAY_MS
from v1sim.network.convert import convert_circuit
from v1sim.sonata.config import CircuitConfig, load_circuit_config

#: bmtk 1.2 calls ``set_index(inplace=True)``, which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

#: Fixture circuits: each knob changes how the reader must assemble the tables.
SPECS = {
    "default": CircuitSpec(),
    "two_node_groups": CircuitSpec(two_node_groups=True),
    "per_edge_values": CircuitSpec(per_edge_weight=True, per_edge_delay=True),
    "node_id_stride": CircuitSpec(node_id_stride=1000),
}
ALLEN = {"point_450glifs": "glif450_config", "300_pointneurons": "point300_config"}
#: The built-in V1 column, small (the ingest checks must hold on it as on the Allen files).
BUILT = {"built_v1": V1Spec(scale=0.003, seed=5)}
#: The edge values compared, as (bmtk column, our column).
EDGE_COLUMNS = (
    ("target_node_id", "target_node_id"),
    ("source_node_id", "source_node_id"),
    ("edge_type_id", "edge_type_id"),
    ("nsyns", "nsyns"),
    ("syn_weight", "syn_weight"),
    ("delay", "delay_ms"),
)


@dataclass
class Converted:
    name: str
    circuit: CircuitConfig
    outdir: Path


@pytest.fixture(scope="module", params=[*ALLEN, *SPECS, *BUILT])
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Converted:
    """One circuit (an Allen example or a fixture circuit) converted by ``convert_circuit``."""
    root = tmp_path_factory.mktemp(request.param)
    if request.param in ALLEN:
        config = request.getfixturevalue(ALLEN[request.param])
    elif request.param in BUILT:
        config = build_v1(BUILT[request.param], root / "circuit")
    else:
        config = make_circuit(root / "circuit", SPECS[request.param])
    convert_circuit(config, root / "out", progress=False)
    return Converted(request.param, load_circuit_config(config), root / "out")


def _bmtk_node_populations(circuit: CircuitConfig) -> dict[str, pd.DataFrame]:
    """bmtk's ``to_dataframe()`` (indexed by node_id) of every node population of the circuit."""
    out = {}
    for files in circuit.nodes:
        sonata = File(str(files.nodes_file), str(files.node_types_file))
        for name in sonata.nodes.population_names:
            out[name] = sonata.nodes[name].to_dataframe()
    return out


def _bmtk_edge_populations(circuit: CircuitConfig) -> dict[str, pd.DataFrame]:
    """bmtk's ``to_dataframe()`` of every edge population of the circuit."""
    out = {}
    for files in circuit.edges:
        sonata = File(str(files.edges_file), str(files.edge_types_file))
        for name in sonata.edges.population_names:
            out[name] = sonata.edges[name].to_dataframe()
    return out


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def _assert_same_values(what: str, theirs: pd.Series, ours: pd.Series) -> None:
    """Equal values: integers exactly, floats to rtol 1e-12 (NaN equals NaN), strings exactly."""
    assert len(theirs) == len(ours), what
    assert _is_numeric(theirs) == _is_numeric(ours), f"{what}: bmtk {theirs.dtype}, ours {ours.dtype}"
    if not _is_numeric(theirs):
        text = lambda s: [None if pd.isna(v) else str(v) for v in s]  # noqa: E731
        assert text(theirs) == text(ours), what
        return
    if pd.api.types.is_integer_dtype(theirs) and pd.api.types.is_integer_dtype(ours):
        np.testing.assert_array_equal(theirs.to_numpy(np.int64), ours.to_numpy(np.int64), err_msg=what)
        return
    a, b = theirs.to_numpy(np.float64), ours.to_numpy(np.float64)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: missing values differ")
    given = ~np.isnan(a)
    assert np.allclose(a[given], b[given], rtol=1e-12, atol=0.0), what


def test_nodes_match_bmtk(converted: Converted) -> None:
    """Every column bmtk's reader gives, for every node of every population, equals ours."""
    theirs_by_pop = _bmtk_node_populations(converted.circuit)
    ours_all = pd.read_parquet(converted.outdir / "nodes.parquet")
    assert set(theirs_by_pop) == set(ours_all["population"].astype(str))
    widest = 0
    assert max(len(theirs) for theirs in theirs_by_pop.values()) >= 8
    for name, theirs in theirs_by_pop.items():
        ours = ours_all[ours_all["population"].astype(str) == name].set_index("node_id")
        node_ids = theirs.index.to_numpy().astype(np.int64)
        assert len(node_ids) >= 1, name
        assert sorted(node_ids) == sorted(ours.index), f"{name}: node ids differ"
        ours = ours.loc[node_ids]
        missing = set(theirs.columns) - set(ours.columns)
        assert not missing, f"{name}: bmtk gives columns we lack: {sorted(missing)}"
        assert len(theirs.columns) >= 3, name
        for column in theirs.columns:
            _assert_same_values(f"{converted.name} {name}.{column}", theirs[column], ours[column])
        widest = max(widest, len(theirs.columns))
    assert widest >= 9  # the V1 population: types, positions, model files and more


def _edge_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The compared edge values, sorted by all of them so the row order of either reader does not matter."""
    frame = pd.DataFrame(columns)
    return frame.sort_values(list(frame.columns), kind="mergesort").reset_index(drop=True)


def _bmtk_edge_values(theirs: pd.DataFrame) -> dict[str, np.ndarray]:
    """bmtk's per-edge values (a group value wins over the type's); absent nsyns is 1, absent delay NEST's.

    bmtk's reader gives no delay where neither the edge nor its type has one; bmtk PointNet then leaves the
    delay out of ``nest.Connect``, so NEST's default applies, which is what our converter writes.
    """
    n = len(theirs)
    assert "syn_weight" in theirs, "bmtk gives no syn_weight"

    def number(column: str, default: float) -> np.ndarray:
        values = theirs[column].to_numpy(np.float64) if column in theirs else np.full(n, np.nan)
        return np.where(np.isnan(values), default, values)

    return {
        "target_node_id": theirs["target_node_id"].to_numpy(np.int64),
        "source_node_id": theirs["source_node_id"].to_numpy(np.int64),
        "edge_type_id": theirs["edge_type_id"].to_numpy(np.int64),
        "nsyns": number("nsyns", 1.0).astype(np.int64),
        "syn_weight": theirs["syn_weight"].to_numpy(np.float64),
        "delay": number("delay", NEST_DEFAULT_DELAY_MS),
    }


def test_edges_match_bmtk(converted: Converted) -> None:
    """Every edge bmtk's reader gives (ids, type, nsyns, weight, delay) is one of ours, and no more."""
    theirs_by_pop = _bmtk_edge_populations(converted.circuit)
    assert set(theirs_by_pop) == {p.stem for p in (converted.outdir / "edges").glob("*.parquet")}
    for name, theirs in theirs_by_pop.items():
        ours = pd.read_parquet(converted.outdir / "edges" / f"{name}.parquet")
        assert len(theirs) == len(ours) >= 100, name
        for column in ("source_population", "target_population"):
            assert set(theirs[column]) == set(ours[column].astype(str)), f"{name}.{column}"
        a = _edge_frame(_bmtk_edge_values(theirs))
        b = _edge_frame({ours_col: ours[ours_col].to_numpy() for _, ours_col in EDGE_COLUMNS})
        b.columns = [bmtk_col for bmtk_col, _ in EDGE_COLUMNS]
        assert len(a.columns) == len(EDGE_COLUMNS)
        for column in a.columns:
            _assert_same_values(f"{converted.name} {name}.{column}", a[column], b[column])


def test_fixture_knobs_reach_bmtk(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The knobs above really change what bmtk reads, so the comparisons above test what they claim."""
    root = tmp_path_factory.mktemp("knobs")
    circuits = {name: load_circuit_config(make_circuit(root / name, SPECS[name])) for name in SPECS}

    v1 = _bmtk_node_populations(circuits["two_node_groups"])["v1"]
    spec = SPECS["two_node_groups"]
    assert v1["y"].isna().sum() == spec.n_iaf and v1["x"].notna().all()

    stride = SPECS["node_id_stride"]
    ids = _bmtk_node_populations(circuits["node_id_stride"])["v1"].index.to_numpy()
    assert (ids % stride.node_id_stride == 0).all() and ids.max() >= stride.node_id_stride

    default = _bmtk_edge_populations(circuits["default"])["v1_to_v1"]
    per_edge = _bmtk_edge_populations(circuits["per_edge_values"])["v1_to_v1"]
    for column in ("syn_weight", "delay"):
        assert default[column].nunique() <= default["edge_type_id"].nunique()  # type values
        assert per_edge[column].nunique() > per_edge["edge_type_id"].nunique()  # per-edge values
