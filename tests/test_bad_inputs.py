"""Bad input: one clear line naming the file and the field, exit status 2, and no output folder at all."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import assert_convert_refused
from v1sim.cli import main
from v1sim.errors import V1SimInputError

NET = Path("network")


def _edit_h5(path: Path, dataset: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    with h5py.File(path, "a") as h5:
        values = change(h5[dataset][:])
        attrs = dict(h5[dataset].attrs)
        del h5[dataset]
        h5[dataset] = values
        h5[dataset].attrs.update(attrs)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _set_edge_type(root: Path, column: str, value: str, row: int = 1) -> None:
    """Set one cell of the V1 edge types table (row 1 is edge type 100, an E→glif type)."""
    path = root / NET / "v1_v1_edge_types.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(" ")
    cells = lines[row].split(" ")
    cells[header.index(column)] = value
    lines[row] = " ".join(cells)
    path.write_text("\n".join(lines) + "\n")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _undefined_variable(root: Path) -> None:
    config = json.loads((root / "circuit_config.json").read_text())
    config["networks"]["nodes"][0]["nodes_file"] = "$MISSING_DIR/v1_nodes.h5"
    (root / "circuit_config.json").write_text(json.dumps(config))


# (id, change to the circuit, circuit spec knobs, what the message must name: file, field, problem)
CASES = [
    (
        "missing-nodes-file",
        lambda r: (r / NET / "v1_nodes.h5").unlink(),
        {},
        ("circuit_config.json", "networks.nodes[0].nodes_file", "file not found"),
    ),
    (
        "missing-types-csv",
        lambda r: (r / NET / "v1_node_types.csv").unlink(),
        {},
        ("circuit_config.json", "networks.nodes[0].node_types_file", "file not found"),
    ),
    (
        "node-type-absent-from-csv",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5",
            "nodes/v1/node_type_id",
            lambda v: np.where(np.arange(len(v)) == 5, 999, v),
        ),
        {},
        ("v1_node_types.csv", "node_type_id", "node_type_id 999"),
    ),
    (
        "edge-to-missing-node",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/target_node_id",
            lambda v: np.where(np.arange(len(v)) == 3, 12345, v),
        ),
        {},
        ("v1_v1_edges.h5", "target_node_id", "absent from population 'v1' (first: 12345)"),
    ),
    (
        "unknown-node-population",
        lambda r: (
            h5py.File(r / NET / "lgn_v1_edges.h5", "a")
            .__enter__()
            .__getitem__("edges/lgn_to_v1/source_node_id")
            .attrs.__setitem__("node_population", "thalamus")
        ),
        {},
        ("lgn_v1_edges.h5", "node_population", "unknown node population 'thalamus'"),
    ),
    (
        "nan-weight-per-edge",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/0/syn_weight",
            lambda v: np.where(np.arange(len(v)) == 7, np.nan, v),
        ),
        {"per_edge_weight": True},
        ("v1_v1_edges.h5", "syn_weight", "edge 7 has no weight (NaN"),
    ),
    (
        "nan-weight-in-types",
        lambda r: _set_edge_type(r, "syn_weight", "nan"),
        {},
        ("v1_v1_edge_types.csv", "syn_weight", "NaN"),
    ),
    (
        "infinite-weight",
        lambda r: _set_edge_type(r, "syn_weight", "inf"),
        {},
        ("v1_v1_edge_types.csv", "syn_weight", "infinite"),
    ),
    (
        "negative-delay",
        lambda r: _set_edge_type(r, "delay", "-1.0"),
        {},
        ("v1_v1_edge_types.csv", "delay", "edge type 100 gives delay -1.0 ms"),
    ),
    (
        "negative-delay-per-edge",
        lambda r: _edit_h5(r / NET / "v1_v1_edges.h5", "edges/v1_to_v1/0/delay", lambda v: -v),
        {"per_edge_delay": True},
        ("v1_v1_edges.h5", "delay", "edge 0 has delay -"),
    ),
    (
        "missing-cell-model-file",
        lambda r: (r / "components" / "cell_models" / "glif_i.json").unlink(),
        {},
        ("v1_node_types.csv", "dynamics_params", "'glif_i.json' not found"),
    ),
    (
        "missing-synapse-model-file",
        lambda r: (r / "components" / "synaptic_models" / "e2e.json").unlink(),
        {},
        ("v1_v1_edge_types.csv", "dynamics_params", "'e2e.json' not found"),
    ),
    (
        "unknown-model-template",
        lambda r: _replace(r / NET / "v1_node_types.csv", "nest:iaf_psc_alpha", "nest:hh_psc_alpha"),
        {},
        ("v1_node_types.csv", "model_template", "unknown model template 'nest:hh_psc_alpha'"),
    ),
    (
        "unknown-weight-function",
        lambda r: _set_edge_type(r, "weight_function", "DirectionRule_XY"),
        {},
        ("v1_v1_edge_types.csv", "weight_function", "unknown weight function 'DirectionRule_XY'"),
    ),
    (
        "truncated-hdf5",
        lambda r: _truncate(r / NET / "v1_v1_edges.h5"),
        {},
        ("v1_v1_edges.h5", "", "not a readable HDF5 file"),
    ),
    (
        "float-node-ids",
        lambda r: _edit_h5(r / NET / "v1_nodes.h5", "nodes/v1/node_id", lambda v: v.astype(float)),
        {},
        ("v1_nodes.h5", "/nodes/v1/node_id", "expected an integer dtype, found float64"),
    ),
    (
        "node-group-index-out-of-range",
        lambda r: _edit_h5(r / NET / "v1_nodes.h5", "nodes/v1/node_group_index", lambda v: v + 1),
        {},
        ("v1_nodes.h5", "/nodes/v1/0/", "out of range"),
    ),
    (
        "edge-group-index-out-of-range",
        lambda r: _edit_h5(r / NET / "v1_v1_edges.h5", "edges/v1_to_v1/edge_group_index", lambda v: v + 5),
        {},
        ("v1_v1_edges.h5", "edge_group_index", "out of range"),
    ),
    (
        "duplicate-node-ids",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5", "nodes/v1/node_id", lambda v: np.where(np.arange(len(v)) == 4, v[2], v)
        ),
        {},
        ("v1_nodes.h5", "/nodes/v1/node_id", "node id 2 appears more than once"),
    ),
    (
        "undefined-manifest-variable",
        _undefined_variable,
        {},
        ("circuit_config.json", "networks.nodes[0].nodes_file", "undefined manifest variable $MISSING_DIR"),
    ),
    (
        "unknown-edge-type",
        lambda r: _edit_h5(
            r / NET / "v1_v1_edges.h5",
            "edges/v1_to_v1/edge_type_id",
            lambda v: np.where(np.arange(len(v)) == 0, 777, v),
        ),
        {},
        ("v1_v1_edges.h5", "edge_type_id", "edge_type_id 777 is absent"),
    ),
    (
        "receptor-not-a-port",
        lambda r: (r / "components" / "synaptic_models" / "e2e.json").write_text('{"receptor_type": 7}'),
        {},
        ("v1_v1_edge_types.csv", "receptor_type", "receptor_type 7"),
    ),
    (
        "missing-tuning-angle",
        lambda r: _edit_h5(
            r / NET / "v1_nodes.h5",
            "nodes/v1/0/tuning_angle",
            lambda v: np.where(np.arange(len(v)) == 2, np.nan, v),
        ),
        {},
        ("v1_nodes.h5", "tuning_angle", "no numeric value"),
    ),
    (
        "types-csv-without-id-column",
        lambda r: _replace(r / NET / "lgn_node_types.csv", "node_type_id", "type_id"),
        {},
        ("lgn_node_types.csv", "node_type_id", "column is missing"),
    ),
    (
        "bad-cell-parameter",
        lambda r: _replace(r / "components" / "cell_models" / "iaf_e.json", '"tau_m"', '"tau_membrane"'),
        {},
        ("iaf_e.json", "tau_membrane", "not a parameter of NEST's iaf_psc_alpha"),
    ),
    (
        "config-not-json",
        lambda r: (r / "circuit_config.json").write_text("{networks: "),
        {},
        ("circuit_config.json", "", "not valid JSON"),
    ),
]


@pytest.mark.parametrize(("change", "knobs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None],
    knobs: dict,
    expected: tuple,
) -> None:
    root = tmp_path / "circuit"
    config = make_circuit(root, CircuitSpec(**knobs))
    change(root)
    assert_convert_refused(capsys, config, tmp_path / "out", expected)


def test_enough_distinct_bad_inputs() -> None:
    assert len({c[0] for c in CASES}) >= 15


def test_exit_status_from_the_command_line(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    (tmp_path / "circuit" / NET / "v1_nodes.h5").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "v1sim", "convert", str(config), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("v1sim convert: error:")
    assert "networks.nodes[0].nodes_file" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_earlier_output_is_kept_when_a_new_run_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    assert main(["convert", str(config), str(tmp_path / "out"), "--no-progress"]) == 0
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*"))
    _set_edge_type(tmp_path / "circuit", "delay", "-2.0")
    assert main(["convert", str(config), str(tmp_path / "out"), "--no-progress"]) == 2
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*")) == before


def test_refuses_to_replace_a_folder_that_is_not_ours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    assert main(["convert", str(config), str(precious), "--no-progress"]) == 2
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert "not an earlier v1sim output" in capsys.readouterr().err


# --- corruption is refused on read: HDF5 chunks carry Fletcher-32 checksums, Parquet pages CRC-32s ----------


def _zero_inside(path: Path, dataset: str, n_bytes: int = 4096) -> None:
    """Zero up to ``n_bytes`` (the issue's 4 KiB) in the middle of the middle chunk of ``dataset``, as a bad
    disk or copy might; the bytes held data before."""
    with h5py.File(path, "r") as h5:
        ds = h5[dataset]
        assert ds.fletcher32 and ds.chunks, f"{dataset} has no checksums"
        info = ds.id.get_chunk_info(ds.id.get_num_chunks() // 2)
    n = min(n_bytes, info.size // 2)
    start = info.byte_offset + info.size // 2 - n // 2
    with path.open("r+b") as handle:
        handle.seek(start)
        assert handle.read(n).count(0) < n, "those bytes were zero already"
        handle.seek(start)
        handle.write(bytes(n))


def _copy_network(converted_circuit, tmp_path: Path) -> Path:
    import shutil

    network = tmp_path / "network"
    shutil.copytree(converted_circuit[1], network)
    return network


@pytest.mark.parametrize(
    "dataset", ["/synapses/weight_pa", "/synapses/target", "/synapses/indptr", "/neurons/V_th"]
)
def test_a_corrupt_compiled_network_is_refused(
    converted_circuit, tmp_path: Path, capsys: pytest.CaptureFixture[str], dataset: str
) -> None:
    from v1sim.network.compiled import read_compiled

    network = _copy_network(converted_circuit, tmp_path)
    path = network / "compiled_network.h5"
    read_compiled(path)  # intact: reads
    _zero_inside(path, dataset)
    with pytest.raises(V1SimInputError) as error:
        read_compiled(path)
    assert error.value.path == str(path) and error.value.field == dataset
    assert "a chunk failed its checksum" in error.value.problem
    out = tmp_path / "sim"
    status = main(["simulate", str(network), str(out), "--tstop", "10", "--dt", "0.25", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert f"compiled_network.h5: {dataset}: corrupt data: a chunk failed its checksum" in err
    assert not out.exists()


def test_a_corrupt_sonata_file_is_refused_by_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_circuit(tmp_path / "circuit", CircuitSpec())
    _zero_inside(tmp_path / "circuit" / NET / "v1_v1_edges.h5", "/edges/v1_to_v1/target_node_id")
    assert_convert_refused(
        capsys,
        config,
        tmp_path / "out",
        ("v1_v1_edges.h5", "/edges/v1_to_v1/target_node_id", "corrupt data: a chunk failed its checksum"),
    )


def test_corrupt_spike_and_report_files_are_refused(tmp_path: Path) -> None:
    from v1sim.sonata.reports import PopulationReport, read_report, write_report
    from v1sim.sonata.spikes import read_spikes, write_spikes

    rng = np.random.default_rng(0)
    spikes = tmp_path / "spikes.h5"
    write_spikes(spikes, {"v1": (rng.integers(0, 100, 5000), rng.uniform(1, 1000, 5000))})
    _zero_inside(spikes, "/spikes/v1/timestamps")
    with pytest.raises(V1SimInputError, match=r"spikes.h5: /spikes/v1/timestamps: corrupt data"):
        read_spikes(spikes)
    report = tmp_path / "v_m.h5"
    write_report(report, {"v1": PopulationReport(np.arange(10), rng.normal(-65, 5, (400, 10)), 0.0, 0.25)})
    _zero_inside(report, "/report/v1/data")
    with pytest.raises(V1SimInputError, match=r"v_m.h5: /report/v1/data: corrupt data"):
        read_report(report)


def test_a_corrupt_parquet_page_is_refused(converted_circuit, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from v1sim.storage import read_parquet

    network = _copy_network(converted_circuit, tmp_path)
    path = network / "edges" / "v1_to_v1.parquet"
    column = pq.ParquetFile(path).metadata.row_group(0).column(
        pq.read_schema(path).names.index("weight_pa")
    )
    start = column.dictionary_page_offset or column.data_page_offset
    data = bytearray(path.read_bytes())
    middle = start + column.total_compressed_size // 2
    assert any(data[middle - 16 : middle + 16])
    data[middle - 16 : middle + 16] = bytes(32)
    path.write_bytes(bytes(data))
    with pytest.raises(V1SimInputError) as error:
        read_parquet(path)
    assert error.value.path == str(path) and "corrupt data" in error.value.problem
    assert "checksum" in error.value.problem.lower()


def _datasets(path: Path) -> list[h5py.Dataset]:
    found: list[h5py.Dataset] = []
    with h5py.File(path, "r") as h5:
        h5.visititems(lambda _, item: found.append(item) if isinstance(item, h5py.Dataset) else None)
        return [(d.name, d.shape, d.dtype, d.chunks, d.fletcher32) for d in found]


def test_every_hdf5_output_carries_checksums(built_v1_network: Path, tmp_path: Path) -> None:
    """Every dataset v1sim writes is chunked with a Fletcher-32 checksum, but for those HDF5 cannot filter:
    empty ones, scalars and variable-length strings."""
    from v1sim.sonata.reports import PopulationReport, write_report
    from v1sim.sonata.spikes import write_spikes

    network = built_v1_network
    write_spikes(tmp_path / "spikes.h5", {"v1": (np.arange(3), np.ones(3)), "silent": (np.zeros(0), np.zeros(0))})
    write_report(tmp_path / "report.h5", {"v1": PopulationReport(np.arange(3), np.zeros((4, 3)), 0.0, 0.25)})
    files = [
        network / "compiled_network.h5",
        network / "connectome.h5",
        *sorted((network.parent / "circuit" / "network").glob("*.h5")),  # v1sim build-v1's circuit
        tmp_path / "spikes.h5",
        tmp_path / "report.h5",
    ]
    checked = 0
    for path in files:
        for name, shape, dtype, chunks, fletcher32 in _datasets(path):
            exempt = not shape or 0 in shape or (h5py.check_string_dtype(dtype) is not None and dtype.kind == "O")
            assert fletcher32 or exempt, f"{path.name}: {name} has no checksum"
            assert chunks is not None or exempt, f"{path.name}: {name} is not chunked"
            checked += fletcher32
    assert checked > 60


# --- what the command line accepted or crashed on (issue 17): now one line, exit 2, nothing left behind -------


def _cli_cases(network: Path, nodes_lgn: Path, tmp: Path) -> list[tuple[list[str], str]]:
    """(command line, what its one line must say); ``tmp / "out"`` is where each would write."""
    sim = ["simulate", str(network), str(tmp / "out"), "--no-progress"]
    lgn = ["lgn", str(nodes_lgn), str(tmp / "out.h5")]
    empty, wrong, lost = tmp / "empty.csv", tmp / "wrong.csv", tmp / "lost.csv"
    return [
        ([*sim, "--tstop", "10", "--poisson", "lgn=inf"], "argument --poisson: lgn: inf is not a finite number"),
        (
            [*sim, "--tstop", "10", "--record", "v1:0", "--record-interval", "0"],
            "argument --record-interval: 0 is not > 0",
        ),
        (
            [*sim, "--tstop", "10", "--dt", "0.25", "--record", "v1:0", "--record-interval", "0.3"],
            "record_interval_ms: 0.3 ms is not a whole number of 0.25 ms steps: choose 0.25 or 0.5 ms",
        ),
        (
            [*sim, "--tstop", "200", "--dt", "0.3"],
            "argument --tstop: 200 ms is not a whole number of 0.3 ms steps: choose 199.8 or 200.1 ms",
        ),
        (
            [*sim, "--config", str(network.parent / "circuit" / "simulation_config.json"), "--dt", "0.3"],
            "tstop: 100 ms is not a whole number of 0.3 ms steps: choose 99.9 or 100.2 ms",
        ),
        ([*sim, "--tstop", "10", "--threads", "100000"], "argument --threads: 100000 is not <="),
        ([*sim, "--tstop", "1e12"], "argument --tstop: 1e+12 is not <= 1e+09"),
        ([*sim, "--tstop", "10", "--seed", "-1"], "argument --seed: -1 is not >= 0"),
        ([*lgn, "--gray", "--flash", "10", "20"], "argument --flash: not allowed with argument --gray"),
        ([*lgn, "--gray", "--direction", "45"], "argument --direction: only a drifting grating takes it, not --gray"),
        ([*lgn, "--flash", "50", "20"], "argument --flash: needs ON < OFF <= --duration (3000 ms), got 50 20"),
        ([*lgn, "--duration", "100", "--gray-ms", "100"], "argument --gray-ms: 100 ms leaves no grating"),
        (["lgn", str(nodes_lgn), str(tmp)], f"argument out: {tmp}: is a folder, expected a file"),
        (
            ["build-v1", str(tmp / "out"), "--scale", "0.001"],
            "argument --scale: 0.001 leaves a class without a cell (the smallest scale that keeps every class is "
            "0.0013)",
        ),
        (["build-v1", str(tmp / "out"), "--scale", "nan"], "argument --scale: nan is not a finite number"),
        (["build-v1", str(tmp / "out"), "--tstop", "100", "--dt", "0.3"], "argument --tstop: 100 ms is not a whole"),
        (["synthetic", str(tmp / "out"), "--n-v1", "5"], "argument --n-v1: n_v1 must be at least 42"),
        (["synthetic", str(tmp / "out"), "--n-v1-edges", "10000000"], "argument --n-v1-edges: n_v1_edges must"),
        (["synthetic", str(tmp / "out"), "--seed", "-1"], "argument --seed: -1 is not >= 0"),
        (
            ["convert", str(network.parent / "circuit" / "circuit_config.json"), "/sys/v1sim/out"],
            "argument outdir: /sys/v1sim/out: cannot write into /sys",
        ),
        (["convert", str(network.parent / "circuit" / "circuit_config.json"), str(tmp / "out"), "--chunk-edges", "-5"],
         "argument --chunk-edges: -5 is not >= 1"),
        (
            ["figures", str(network), str(tmp / "s.h5"), str(nodes_lgn), str(tmp / "out")],
            "argument analysis: " + str(network / "provenance.json") + ": stage: an output folder of v1sim "
            "convert, expected one of v1sim analyse",
        ),
        (["tuning-figures", str(network), str(tmp / "out")], "argument tuning: "),
        (["sequence-figures", str(tmp), str(tmp / "out")], "provenance.json: missing: not an output folder of"),
        (["graph-figures", str(network), str(tmp / "out")], "expected one of v1sim graph"),
        (
            ["tuning", str(empty), str(nodes_lgn), str(tmp / "out"), "--t-start", "0", "--t-stop", "100"],
            "empty.csv: empty: expected a CSV with direction_deg, trial, spikes",
        ),
        (
            ["tuning", str(nodes_lgn), str(nodes_lgn), str(tmp / "out"), "--t-start", "0", "--t-stop", "100"],
            "nodes.parquet: not a CSV table of trials",
        ),
        (
            ["tuning", str(wrong), str(nodes_lgn), str(tmp / "out"), "--t-start", "0", "--t-stop", "100"],
            "wrong.csv: direction_deg: row 2: 'north' is not a finite angle",
        ),
        (
            ["tuning", str(lost), str(nodes_lgn), str(tmp / "out"), "--t-start", "0", "--t-stop", "100"],
            "lost.csv: spikes: row 1: " + str(tmp / "nowhere.h5") + ": file not found",
        ),
        (
            ["tuning", str(lost), str(nodes_lgn), str(tmp / "out"), "--t-start", "100", "--t-stop", "100"],
            "argument --t-start: 100 ms is not before --t-stop (100 ms)",
        ),
        (
            ["analyse", str(tmp / "s.h5"), str(nodes_lgn), str(tmp / "out"), "--tstop", "50", "--t-start", "60"],
            "argument --t-start: 60 ms is not before --tstop (50 ms)",
        ),
        (
            ["sequences", str(tmp / "s.h5"), str(nodes_lgn), str(tmp / "out"), "--tstop", "50", "--sweeps", "20"],
            "argument --anneal-sweeps: 100 is more than the 20 sweeps",
        ),
        (["graph", str(network), str(tmp / "out"), "--k", "1"], "argument --k: 1 is not >= 2"),
        (["fetch", "file:///nonexistent", str(tmp / "dest" / "sub"), "a.txt"], "a.txt: not found"),
        (["fetch", "ftp://example.org", str(tmp / "dest"), "a.txt"], "ftp://example.org: url: not an http://"),
    ]


def test_the_command_line_refuses_with_one_line_and_leaves_nothing(
    converted_circuit, built_v1_network: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from v1sim.sonata.spikes import write_spikes

    network = tmp_path / "net"
    shutil.copytree(converted_circuit[1], network / "network")
    shutil.copytree(converted_circuit[0].parent, network / "circuit")
    network = network / "network"
    nodes_lgn = built_v1_network / "nodes.parquet"
    work = tmp_path / "work"
    work.mkdir()
    write_spikes(work / "s.h5", {"v1": (np.arange(3), np.ones(3))})
    (work / "empty.csv").write_text("")
    (work / "wrong.csv").write_text("direction_deg,trial,spikes\n0,0,s.h5\nnorth,0,s.h5\n90,0,s.h5\n")
    (work / "lost.csv").write_text("direction_deg,trial,spikes\n0,0,nowhere.h5\n90,0,s.h5\n180,0,s.h5\n")
    cases = _cli_cases(network, nodes_lgn, work)
    assert len(cases) >= 30
    before = sorted(tmp_path.rglob("*"))
    for argv, expected in cases:
        status = main(argv)
        err = capsys.readouterr().err
        assert status == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
        assert err.startswith(f"v1sim {argv[0]}: error: ") and expected in err, (argv, err)
        assert sorted(tmp_path.rglob("*")) == before, (argv, "left files behind")


def test_cuda_without_a_gpu_is_one_line(
    converted_circuit, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from numba import cuda

    monkeypatch.setattr(cuda, "is_available", lambda: False)
    for command in (
        ["simulate", str(converted_circuit[1]), str(tmp_path / "out"), "--tstop", "10", "--dt", "0.25"],
        ["run", str(converted_circuit[0].parent / "simulation_config.json"), "--output-dir", str(tmp_path / "out")],
    ):
        assert main([*command, "--device", "cuda"]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"v1sim {command[0]}: error: argument --device: cuda: numba sees no CUDA GPU here (no driver or no "
            "device); use cpu or auto\n"
        )
        assert not (tmp_path / "out").exists()
