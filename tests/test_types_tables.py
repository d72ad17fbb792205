"""Types tables read exactly as bmtk 1.2 reads them (issue 16, Must-show 3): bmtk's own reader on the same files.

bmtk reads node- and edge-types CSVs with ``bmtk.utils.sonata.utils.load_csv`` (``pd.read_csv(sep=' ',
na_values='NONE')``): one space per separator, so two spaces hold an empty value. Each table below is written
here, read by bmtk's function and by ours, and compared column by column; tables bmtk misreads or cannot read
give one input error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from bmtk.utils.sonata import File
from bmtk.utils.sonata.utils import load_csv

from tests.circuits import CircuitSpec, make_circuit
from v1sim.errors import V1SimInputError
from v1sim.network.convert import convert_circuit
from v1sim.sonata.tables import read_types_csv

#: bmtk 1.2 calls ``set_index(inplace=True)``, which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

#: Tables bmtk reads: (text, what the case shows).
READABLE = {
    "empty_fields": (
        "node_type_id model_type model_template dynamics_params pop_name\n"
        "100 point_process nest:glif_psc glif_e.json e4\n"
        "101 virtual   lgn\n"
        "102 virtual  \n",
        "two spaces hold an empty value; a row may end in empty values",
    ),
    "quoted_values": (
        'node_type_id model_type pop_name "location name"\n'
        '100 point_process "L4 exc" "VisL4 core"\n'
        '101 virtual "" VisL4\n',
        "double-quoted values and names hold spaces; an empty quoted value is missing",
    ),
    "missing_markers": (
        "edge_type_id syn_weight weight_function weight_sigma delay\n"
        "100 1.5 NULL NONE 2.0\n"
        "101 2.5 None NaN 1.0\n"
        "102 -3.0 DirectionRule_others 90.0 \n",
        "NULL, NONE, None, NaN and a trailing empty field are missing values",
    ),
    "trailing_space_everywhere": (
        "node_type_id model_type pop_name \n100 point_process e4 \n101 virtual lgn \n",
        "a trailing space on every line, header included, adds one empty, unnamed column",
    ),
    "leading_space": (
        " node_type_id model_type\n 100 virtual\n",
        "a leading space adds an unnamed first column",
    ),
    "crlf_and_blank_line": (
        "edge_type_id syn_weight model_template\r\n100 2.0 static_synapse\r\n\r\n101 -1.0 static_synapse\r\n",
        "Windows line ends (as in the Allen examples) and a blank line",
    ),
    "numeric_strings": (
        "node_type_id ei tuning x\n100 e 1 0.5\n101 i 2 1e3\n",
        "integer and float columns keep pandas' types",
    ),
}

#: Tables bmtk misreads or cannot read: (text, the id column, what our error says).
MALFORMED = {
    "tab_delimited": (
        "node_type_id\tmodel_type\n100\tvirtual\n",
        "node_type_id",
        "tab-delimited",
    ),
    "trailing_space_on_rows_only": (
        "node_type_id model_type pop_name\n100 point_process e4 \n101 virtual lgn \n",
        "node_type_id",
        "line 2 has more fields than the header",
    ),
    "extra_field_later": (
        "node_type_id model_type\n100 virtual\n101 virtual lgn\n",
        "node_type_id",
        "Expected 2 fields in line 3, saw 3",
    ),
    "empty_type_id": (
        "edge_type_id syn_weight\n 2.0\n101 1.0\n",
        "edge_type_id",
        "expected integer type ids",
    ),
    "repeated_type_id": (
        "edge_type_id syn_weight\n100 2.0\n100 1.0\n",
        "edge_type_id",
        "type id 100 appears more than once",
    ),
    "no_id_column": ("type_id model_type\n100 virtual\n", "node_type_id", "column is missing"),
    "empty_file": ("", "node_type_id", "types file is empty"),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("name", sorted(READABLE))
def test_types_table_reads_as_bmtk_reads_it(tmp_path: Path, name: str) -> None:
    text, _ = READABLE[name]
    path = _write(tmp_path, name, text)
    theirs = load_csv(str(path))
    id_column = "edge_type_id" if text.lstrip().startswith("edge_type_id") else "node_type_id"
    ours = read_types_csv(path, id_column)
    assert list(theirs.index) == list(range(len(theirs))) and len(theirs) >= 1  # no column taken for an index
    assert list(ours.index) == list(theirs[id_column])
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_exact=True)


def test_readable_cases_are_the_ones_described(tmp_path: Path) -> None:
    """The fixtures hold what their names claim, in bmtk's reading (so the comparison above tests it)."""
    empty = load_csv(str(_write(tmp_path, "e", READABLE["empty_fields"][0]))).set_index("node_type_id")
    assert empty.loc[101, "model_type"] == "virtual" and empty.loc[101, "pop_name"] == "lgn"
    assert empty.loc[[101, 102], "model_template"].isna().all() and pd.isna(empty.loc[102, "pop_name"])
    quoted = load_csv(str(_write(tmp_path, "q", READABLE["quoted_values"][0]))).set_index("node_type_id")
    assert quoted.loc[100, "pop_name"] == "L4 exc" and quoted.loc[100, "location name"] == "VisL4 core"
    assert pd.isna(quoted.loc[101, "pop_name"])
    markers = load_csv(str(_write(tmp_path, "m", READABLE["missing_markers"][0])))
    assert markers["weight_function"].isna().sum() == 2 and markers["weight_sigma"].isna().sum() == 2
    assert markers["delay"].isna().sum() == 1
    trailing = load_csv(str(_write(tmp_path, "t", READABLE["trailing_space_everywhere"][0])))
    assert list(trailing.columns)[-1].startswith("Unnamed") and trailing.iloc[:, -1].isna().all()


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_types_table_is_one_line_naming_the_file(tmp_path: Path, name: str) -> None:
    text, id_column, problem = MALFORMED[name]
    path = _write(tmp_path, name, text)
    with pytest.raises(V1SimInputError, match=problem) as info:
        read_types_csv(path, id_column)
    assert info.value.path == str(path)
    assert "\n" not in info.value.message


def test_bmtk_misreads_a_row_with_a_trailing_space(tmp_path: Path) -> None:
    """Why that table is refused: bmtk's reading shifts every column (the type ids become an index)."""
    path = _write(tmp_path, "t", MALFORMED["trailing_space_on_rows_only"][0])
    theirs = load_csv(str(path))
    assert list(theirs.index) == [100, 101]
    assert list(theirs["node_type_id"]) == ["point_process", "virtual"]


def _issue_circuit(root: Path) -> Path:
    """The issue's case: a node-types table with an empty field before ``model_type``.

    The LGN population uses two virtual node types; the second has no ``pop_name``. Read with a whitespace
    regex its ``model_type`` becomes ``e`` and the population looks like a mix of virtual and simulated nodes.
    """
    config = make_circuit(root, CircuitSpec(n_lgn=8))
    (root / "network" / "lgn_node_types.csv").write_text(
        "node_type_id pop_name model_type ei\n100 lgn_on virtual e\n101  virtual e\n"
    )
    with h5py.File(root / "network" / "lgn_nodes.h5", "a") as h5:
        h5["nodes/lgn/node_type_id"][...] = np.where(np.arange(8) % 2 == 0, 100, 101)
    return config


def test_issue_case_converts_and_matches_bmtk(tmp_path: Path) -> None:
    config = _issue_circuit(tmp_path / "c")
    types_file = tmp_path / "c" / "network" / "lgn_node_types.csv"
    shifted = pd.read_csv(types_file, sep=r"\s+")  # the old reading: the columns shift
    assert list(shifted["model_type"].fillna("")) == ["virtual", "e"]

    convert_circuit(config, tmp_path / "out", progress=False)
    nodes = pd.read_parquet(tmp_path / "out" / "nodes.parquet")
    ours = nodes[nodes["population"] == "lgn"].set_index("node_id")
    sonata = File(str(tmp_path / "c" / "network" / "lgn_nodes.h5"), str(types_file))
    theirs = sonata.nodes["lgn"].to_dataframe()
    assert len(theirs) == len(ours) == 8
    for column in ("node_type_id", "pop_name", "model_type", "ei"):
        a = [None if pd.isna(v) else v for v in theirs[column]]
        b = [None if pd.isna(v) else v for v in ours.loc[theirs.index, column]]
        assert a == b, column
    assert set(ours["model_type"]) == {"virtual"} and ours["pop_name"].isna().sum() == 4
